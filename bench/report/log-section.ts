import { warmupMsOfRun } from '../lib/first-run-warmup.js';
import { formatGigabytesPerSecond } from '../lib/format.js';
import type { LogFigures, LogReport } from '../log/suite.js';
import { paragraph, panels, question, sharedLegend, table, type Section } from './html-parts.js';
import { StyleBook } from './palette.js';
import { categoryScale, logScale } from './scales.js';
import { barChart } from './bar-chart.js';
import { dotPlot } from './dot-plot.js';
import { lineChart, type Series } from './line-chart.js';
import { formatBytes, formatLatency, formatMegabytesPerSecond, formatRate, formatSeconds, megabytesPerSecond } from './units.js';

/**
 * The log suite's section: one chart per question a reader brings to it.
 * - How does throughput grow with appends in flight, for each entry size?
 * - What latency does each throughput cost?
 * - How many MB/s do large entries move?
 * - What are the latency percentiles of each configuration?
 * A line (or a bar) is one storage and acceptor count, in the same style in every chart.
 */

/** From this size up, payload bytes, not per-append overhead, decide throughput: MB/s is the figure to read. */
export const LARGE_ENTRY_BYTES = 4096;
const PANEL_WIDTH = 350;
const PANEL_HEIGHT = 300;

export function logSection(log: LogReport): Section {
  const { settings } = log;
  // The grid's own order (memory before file, as the suite lists them), then by size and load.
  const storageRank = (storage: string) => settings.grid.storage.indexOf(storage as (typeof settings.grid.storage)[number]);
  const figures = [...log.configurations].sort(
    (a, b) => storageRank(a.storage) - storageRank(b.storage) || a.acceptors - b.acceptors || a.entryBytes - b.entryBytes || a.concurrency - b.concurrency,
  );
  const styles = new StyleBook();
  return {
    id: 'log',
    title: 'Replicated log (log suite)',
    body: [
      paragraph(
        `Closed loop: the given number of appends kept in flight, spread over up to ${settings.loadThreadsMax} load threads; ` +
          `each figure is the median of ${settings.runs} run(s) of ${formatSeconds(settings.durationMs)} after ${formatSeconds(settings.warmupMs)} of warm-up${firstRunWarmup(settings.warmupMs)}. ` +
          (settings.grid.storage.includes('file') ? `File storage: fsync '${settings.fileFsync}'${settings.fileFsync === 'batch' ? ' (group commit: one fsync per batch)' : ''}. ` : '') +
          `A bare SharedArrayBuffer wait/notify round trip took ${formatLatency(log.baseline.atomicsRoundTripP50Microseconds)} (p50) on this machine.` +
          freshMemorySentence(log.baseline) +
          diskSyncSentence(log.baseline),
      ),
      throughputByConcurrency(figures, styles),
      throughputByLatency(figures, styles),
      largeEntryMegabytes(figures, styles),
      latencyPercentiles(figures),
      figuresTable(figures),
    ].join('\n'),
  };
}

function lineName(f: LogFigures): string {
  return `${f.storage}, ${f.acceptors} acceptors`;
}

function entrySizes(figures: readonly LogFigures[]): number[] {
  return [...new Set(figures.map((f) => f.entryBytes))].sort((a, b) => a - b);
}

/**
 * Lines of one entry size: one per storage and acceptor count, points in order of concurrency,
 * each labelled with its concurrency when the x axis does not already say it.
 */
function linesOf(
  figures: readonly LogFigures[],
  entryBytes: number,
  styles: StyleBook,
  point: (f: LogFigures) => readonly [number, number],
  labelPoints: boolean,
): Series[] {
  const lines = new Map<string, LogFigures[]>();
  for (const f of figures.filter((f) => f.entryBytes === entryBytes)) {
    if (!lines.has(lineName(f))) lines.set(lineName(f), []);
    lines.get(lineName(f))!.push(f);
  }
  return [...lines].map(([name, line]) => ({
    name,
    style: styles.of(name),
    points: line.map(point),
    ...(labelPoints ? { pointLabels: line.map((f) => String(f.concurrency)) } : {}),
  }));
}

function legendOf(figures: readonly LogFigures[], styles: StyleBook): string {
  return sharedLegend([...new Set(figures.map(lineName))].map((name) => ({ name, style: styles.of(name) })));
}

function throughputByConcurrency(figures: readonly LogFigures[], styles: StyleBook): string {
  const rates = figures.map((f) => f.perSecond);
  const concurrencies = figures.map((f) => f.concurrency);
  const charts = entrySizes(figures).map((entryBytes) =>
    lineChart({
      name: `throughput-${entryBytes}`,
      title: `${formatBytes(entryBytes)} entries`,
      xLabel: 'appends in flight',
      yLabel: 'committed appends/s',
      series: linesOf(figures, entryBytes, styles, (f) => [f.concurrency, f.perSecond], false),
      // One y range for every panel, so that panels compare at a glance.
      x: (from, to) => categoryScale(concurrencies, from, to, String),
      y: (from, to) => logScale(Math.min(...rates) / 1.5, Math.max(...rates) * 1.5, from, to, formatRate),
      legend: false,
      width: PANEL_WIDTH,
      height: PANEL_HEIGHT,
    }),
  );
  return `<figure data-question="throughput-by-concurrency">${question('Throughput against appends in flight, per entry size')}${legendOf(figures, styles)}${panels(charts)}</figure>`;
}

function throughputByLatency(figures: readonly LogFigures[], styles: StyleBook): string {
  const rates = figures.map((f) => f.perSecond);
  const latencies = figures.map((f) => f.latency.p50Microseconds);
  const charts = entrySizes(figures).map((entryBytes) =>
    lineChart({
      name: `throughput-latency-${entryBytes}`,
      title: `${formatBytes(entryBytes)} entries`,
      xLabel: 'append latency, p50',
      yLabel: 'committed appends/s',
      series: linesOf(figures, entryBytes, styles, (f) => [f.latency.p50Microseconds, f.perSecond], true),
      x: (from, to) => logScale(Math.min(...latencies) / 1.5, Math.max(...latencies) * 1.5, from, to, formatLatency),
      y: (from, to) => logScale(Math.min(...rates) / 1.5, Math.max(...rates) * 1.5, from, to, formatRate),
      legend: false,
      width: PANEL_WIDTH,
      height: PANEL_HEIGHT,
    }),
  );
  return (
    `<figure data-question="throughput-by-latency">${question('Throughput against latency, per entry size')}` +
    paragraph('Each point is one number of appends in flight (the label by it); up and to the left is better. Where a line turns right without rising, more appends in flight only queue.', 'note') +
    `${legendOf(figures, styles)}${panels(charts)}</figure>`
  );
}

function largeEntryMegabytes(figures: readonly LogFigures[], styles: StyleBook): string {
  const large = figures.filter((f) => f.entryBytes >= LARGE_ENTRY_BYTES);
  const heading = question(`Payload MB/s for large entries (${formatBytes(LARGE_ENTRY_BYTES)} and up)`);
  if (large.length === 0) {
    return `<figure data-question="large-entry-megabytes">${heading}${paragraph(`This run's grid has no entry of ${formatBytes(LARGE_ENTRY_BYTES)} or more (add one with --entry-bytes, such as 65536).`, 'note')}</figure>`;
  }
  const sizes = entrySizes(large);
  const barName = (f: LogFigures) => (sizes.length > 1 ? `${lineName(f)}, ${formatBytes(f.entryBytes)}` : lineName(f));
  const concurrencies = [...new Set(large.map((f) => f.concurrency))].sort((a, b) => a - b);
  const chart = barChart({
    name: 'large-entry-megabytes',
    title: `payload MB/s, ${sizes.map(formatBytes).join(' and ')} entries`,
    yLabel: 'payload MB/s (10^6 bytes)',
    format: (v) => formatMegabytesPerSecond(v),
    styles: (name) => styles.of(name),
    groups: concurrencies.map((concurrency) => ({
      label: `${concurrency} in flight`,
      bars: large.filter((f) => f.concurrency === concurrency).map((f) => ({ name: barName(f), value: megabytesPerSecond(f.perSecond, f.entryBytes) })),
    })),
  });
  return `<figure data-question="large-entry-megabytes">${heading}${chart}</figure>`;
}

function configurationLabel(f: LogFigures): string {
  return `${f.storage}, ${f.acceptors} acc, ${formatBytes(f.entryBytes)}, ${f.concurrency} in flight`;
}

function latencyPercentiles(figures: readonly LogFigures[]): string {
  const all = figures.flatMap((f) => [f.latency.p50Microseconds, f.latency.maxMicroseconds]);
  const chart = dotPlot({
    name: 'latency-percentiles',
    title: 'append latency percentiles (log scale)',
    xLabel: 'append latency, from append() to its commit',
    x: (from, to) => logScale(Math.min(...all) / 1.2, Math.max(...all) * 1.2, from, to, formatLatency),
    rows: figures.map((f) => ({
      label: configurationLabel(f),
      values: [
        { name: 'p50', value: f.latency.p50Microseconds },
        { name: 'p90', value: f.latency.p90Microseconds },
        { name: 'p99', value: f.latency.p99Microseconds },
        { name: 'p99.9', value: f.latency.p999Microseconds },
        { name: 'max', value: f.latency.maxMicroseconds },
      ],
    })),
  });
  return `<figure data-question="latency-percentiles">${question('Latency percentiles per configuration')}${chart}</figure>`;
}

function figuresTable(figures: readonly LogFigures[]): string {
  return (
    `<details open><summary>Every configuration's figures</summary>` +
    table(
      ['storage', 'acceptors', 'entry', 'in flight', 'appends/s', 'MB/s', 'p50', 'p90', 'p99', 'p99.9', 'max', 'failed'],
      figures.map((f) => [
        f.storage,
        String(f.acceptors),
        formatBytes(f.entryBytes),
        String(f.concurrency),
        formatRate(f.perSecond),
        formatMegabytesPerSecond(megabytesPerSecond(f.perSecond, f.entryBytes)),
        formatLatency(f.latency.p50Microseconds),
        formatLatency(f.latency.p90Microseconds),
        formatLatency(f.latency.p99Microseconds),
        formatLatency(f.latency.p999Microseconds),
        formatLatency(f.latency.maxMicroseconds),
        String(f.failed),
      ]),
      'figures',
    ) +
    '</details>'
  );
}

/** " (3 s before the first, ...)" where the first run warmed up longer (first-run-warmup.ts); nothing otherwise. */
function firstRunWarmup(warmupMs: number): string {
  const first = warmupMsOfRun(warmupMs, 1);
  return first === warmupMs ? '' : ` (${formatSeconds(first)} before the first, as V8 compiles a fresh log's threads)`;
}

/** What copying into fresh memory cost on the machine of the run. */
function freshMemorySentence(baseline: LogReport['baseline']): string {
  // A report saved before the baseline had these (the JSON a report is rendered from) lacks them.
  if (typeof baseline.freshMemoryGigabytesPerSecond !== 'number') return '';
  return (
    ` It copied 64 KiB entries into memory never written at ${formatGigabytesPerSecond(baseline.freshMemoryGigabytesPerSecond)}, over memory written before at ` +
    `${formatGigabytesPerSecond(baseline.rewrittenMemoryGigabytesPerSecond)}: a log in memory that is not trimmed writes each entry into fresh memory.`
  );
}

/** What an fdatasync cost on the machine of the run (only a run with file storage measures it). */
function diskSyncSentence(baseline: LogReport['baseline']): string {
  const sync = baseline.diskSync;
  if (sync === undefined || typeof sync.aloneP50Microseconds !== 'number') return '';
  return (
    ` An fdatasync after a small append to a file in the temp dir took ${formatLatency(sync.aloneP50Microseconds)} (p50) alone and ` +
    `${formatLatency(sync.concurrentP50Microseconds)} with ${sync.concurrency} files synced at once (one per acceptor): a round of a log with storage.dir waits for a majority of those.`
  );
}
