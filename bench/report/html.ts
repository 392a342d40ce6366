import { formatCount, formatMicroseconds } from '../lib/format.js';
import { barChart, categoryScale, escapeXml, lineChart, linearScale, logScale, type Series } from './svg.js';

/**
 * `--report FILE.html`: one self-contained HTML file (inline CSS and SVG, no script, nothing
 * fetched) from the JSON figures of any suite or of `all`. Charts: throughput against
 * concurrency (log suite, and synod vs etcd from compare), the latency distribution (log), the
 * sequencer by client threads, and the failover timeline. A chart whose suite did not run says so.
 */
type Json = Record<string, any>;

export function renderHtmlReport(json: Readonly<Record<string, unknown>>): string {
  const suites: Record<string, Json> = json.suite === 'all' ? ((json.suites as Record<string, Json>) ?? {}) : { [String(json.suite)]: json as Json };
  const machine = (json.machine ?? Object.values(suites).find((s) => s.machine)?.machine) as Json | undefined;
  const sections = [
    section('Throughput against concurrency', throughputCharts(suites)),
    section('Latency distribution', latencyChart(suites)),
    section('Sequencer', sequencerChart(suites)),
    section('Leader failover timeline', failoverChart(suites)),
    section('Targets', targetsTable(suites)),
  ];
  const errors = Object.entries(suites)
    .filter(([, s]) => typeof s.error === 'string')
    .map(([name, s]) => `<p class="error">suite ${escapeXml(name)} FAILED: ${escapeXml(s.error)}</p>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>synod bench report</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;background:#fff;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}
svg.chart{display:block;margin:12px 0;background:#fafafa;border:1px solid #e4e4e4}
svg .title{font-size:14px;font-weight:600}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f2f2f2}
td:first-child,th:first-child,td.text{text-align:left}.PASS{color:#17803d;font-weight:600}.MISS{color:#b3261e;font-weight:600}.UNMEASURED,.FAILED{color:#8a6d00;font-weight:600}
.missing{color:#777;font-style:italic}.error{color:#b3261e}
</style></head><body>
<h1>synod bench report</h1>
<p>${machine ? escapeXml(`${machine.cores} cores (${machine.cpuModel}), Node ${machine.nodeVersion}, ${machine.platform}`) : 'machine unknown'};
suites: ${escapeXml(Object.keys(suites).join(', '))}. Figures are medians of repeated runs; compare ratios measured in this one run rather than absolute figures across machines.</p>
${errors.join('\n')}
${sections.join('\n')}
</body></html>
`;
}

function section(title: string, body: string): string {
  return `<section><h2>${escapeXml(title)}</h2>\n${body}\n</section>`;
}

function missing(what: string): string {
  return `<p class="missing">${escapeXml(what)}</p>`;
}

function throughputCharts(suites: Record<string, Json>): string {
  const parts: string[] = [];
  const log = suites.log;
  if (log?.configurations?.length) {
    const groups = new Map<string, Array<[number, number]>>();
    for (const c of log.configurations as Json[]) {
      const key = `${c.storage}, ${c.acceptors} acc, ${c.entryBytes} B`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push([c.concurrency, c.perSecond]);
    }
    const series: Series[] = [...groups].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) }));
    const xs = (log.configurations as Json[]).map((c) => c.concurrency as number);
    const ys = (log.configurations as Json[]).map((c) => c.perSecond as number);
    parts.push(
      lineChart({
        name: 'throughput',
        title: 'log: committed appends/s against appends in flight',
        xLabel: 'appends in flight (closed loop, all load threads)',
        yLabel: 'appends/s',
        series,
        x: (from, to) => categoryScale(xs, from, to, String),
        y: (from, to) => logScale(Math.min(...ys) / 2, Math.max(...ys) * 1.5, from, to, formatCount),
      }),
    );
  } else parts.push(missing('log suite not run: no throughput-against-concurrency chart'));
  const compare = suites.compare;
  if (compare?.rows?.length) {
    parts.push(
      barChart({
        name: 'compare',
        title: compare.etcd?.ran ? 'synod vs etcd: 16-byte writes/s (log scale)' : `synod (etcd skipped: ${compare.etcd?.skipReason})`,
        yLabel: 'writes/s',
        logY: true,
        format: formatCount,
        groups: (compare.rows as Json[]).map((row) => ({
          label: `${row.concurrency} in flight${row.ratio ? ` (${(row.ratio as number).toFixed(1)}x)` : ''}`,
          bars: [{ name: 'synod', value: row.synod.perSecond }, ...(row.etcd ? [{ name: `etcd ${compare.etcd.version}`, value: row.etcd.perSecond }] : [])],
        })),
      }),
    );
  } else parts.push(missing('compare suite not run: no synod-vs-etcd chart'));
  return parts.join('\n');
}

const NINES_MAX = 5;
function ninesOf(percentile: number): number {
  return percentile >= 100 ? NINES_MAX : Math.min(NINES_MAX - 0.5, -Math.log10(1 - percentile / 100));
}
function ninesLabel(value: number): string {
  if (value >= NINES_MAX) return 'max';
  return `${(100 - 100 / 10 ** value).toFixed(Math.max(0, Math.round(value) - 2))}%`;
}

function latencyChart(suites: Record<string, Json>): string {
  const log = suites.log;
  if (!log?.configurations?.length) return missing('log suite not run: no latency distribution');
  const first = log.configurations[0] as Json;
  // One line per (storage, concurrency) at the first acceptor count and entry size: readable, and the grid's main axis.
  const chosen = (log.configurations as Json[]).filter((c) => c.acceptors === first.acceptors && c.entryBytes === first.entryBytes);
  const series: Series[] = chosen.map((c) => ({
    name: `${c.storage}, ${c.concurrency} in flight`,
    points: (c.distribution as Json[]).map((d) => [ninesOf(d.percentile), Math.max(1, d.microseconds)] as [number, number]),
  }));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const chart = lineChart({
    name: 'latency',
    title: `log: append latency distribution (${first.acceptors} acceptors, ${first.entryBytes} B)`,
    xLabel: 'percentile',
    yLabel: 'latency (us)',
    series,
    x: (from, to) => {
      const scale = linearScale(0, NINES_MAX, from, to, ninesLabel, NINES_MAX);
      return Object.assign((v: number) => scale(v), { ticks: [0, 1, 2, 3, 4, 5].map((v) => ({ value: v, label: ninesLabel(v) })) });
    },
    y: (from, to) => logScale(Math.min(...ys), Math.max(...ys) * 1.5, from, to, (v) => (v >= 1000 ? `${v / 1000} ms` : `${v} us`)),
  });
  const rows = (log.configurations as Json[])
    .map(
      (c) =>
        `<tr><td>${escapeXml(`${c.storage}, ${c.acceptors} acc, ${c.entryBytes} B`)}</td><td>${c.concurrency}</td><td>${formatCount(c.perSecond)}</td>` +
        ['p50Microseconds', 'p90Microseconds', 'p99Microseconds', 'p999Microseconds', 'maxMicroseconds'].map((k) => `<td>${formatMicroseconds(c.latency[k])}</td>`).join('') +
        '</tr>',
    )
    .join('');
  return `${chart}\n<table><tr><th>configuration</th><th>in flight</th><th>appends/s</th><th>p50 us</th><th>p90 us</th><th>p99 us</th><th>p99.9 us</th><th>max us</th></tr>${rows}</table>`;
}

function sequencerChart(suites: Record<string, Json>): string {
  const sequencer = suites.sequencer;
  if (!sequencer?.configurations?.length) return missing('sequencer suite not run');
  return barChart({
    name: 'sequencer',
    title: `sequencer: numbers/s (${sequencer.settings.inFlight} in flight)`,
    yLabel: 'numbers/s',
    format: formatCount,
    groups: (sequencer.configurations as Json[]).map((c) => ({ label: `${c.threads} client thread(s)`, bars: [{ name: 'numbers/s', value: c.perSecond }] })),
  });
}

function failoverChart(suites: Record<string, Json>): string {
  const failover = suites.failover;
  if (!failover?.timeline?.commits?.length) return missing('failover suite not run: no timeline');
  const bucketMs = failover.timeline.bucketMs as number;
  const commits = failover.timeline.commits as number[];
  const perSecond = commits.map((n, i) => [(i * bucketMs) / 1000, (n * 1000) / bucketMs] as [number, number]);
  const markers = (failover.kills as Json[]).flatMap((k, i) => [
    { x: k.atMs / 1000, label: `kill ${i + 1}: ${k.pauseMs === null ? 'no recovery' : `${(k.pauseMs as number).toFixed(0)} ms`}`, color: '#d62728' },
    { x: k.restartedAtMs / 1000, label: '', color: '#2ca02c' },
  ]);
  const max = Math.max(1, ...perSecond.map((p) => p[1]));
  const chart = lineChart({
    name: 'failover',
    title: `failover: commits/s, ${bucketMs} ms buckets (red: kill, green: restart)`,
    xLabel: 'seconds',
    yLabel: 'commits/s',
    series: [{ name: 'commits/s', points: perSecond }],
    showPoints: false,
    markers,
    x: (from, to) => linearScale(0, Math.max(bucketMs / 1000, perSecond.length * (bucketMs / 1000)), from, to, (v) => `${v.toFixed(1)}`),
    y: (from, to) => linearScale(0, max * 1.1, from, to, formatCount),
  });
  const fmt = (v: number | null) => (v === null ? 'none' : v.toFixed(1));
  return `${chart}\n<p>pause (kill to the first commit of an append issued once the old leader could no longer commit): p50 ${fmt(failover.pauseP50Ms)} ms, max ${fmt(failover.pauseMaxMs)} ms over ${failover.kills.length} kills.</p>`;
}

function targetsTable(suites: Record<string, Json>): string {
  const rows: string[] = [];
  for (const [name, suite] of Object.entries(suites)) {
    for (const [, check] of Object.entries((suite.targets ?? {}) as Record<string, Json>)) {
      const status = check.status ?? (check.pass ? 'PASS' : 'MISS');
      const measured = check.measured ?? check.ratio;
      rows.push(
        `<tr><td>${escapeXml(name)}</td><td class="text">${escapeXml(check.description)}</td><td>${measured === null || measured === undefined ? '-' : escapeXml(formatFigure(measured))}</td>` +
          `<td>${escapeXml(`${check.comparison} ${formatFigure(check.bound)}`)}</td><td class="${escapeXml(status)}">${escapeXml(status)}</td><td class="text">${escapeXml(check.note ?? '')}</td></tr>`,
      );
    }
  }
  if (rows.length === 0) return missing('no targets in this run');
  return `<table><tr><th>suite</th><th>target</th><th>measured</th><th>bound</th><th>status</th><th>note</th></tr>${rows.join('')}</table>`;
}

function formatFigure(value: number): string {
  return Math.abs(value) >= 1000 ? formatCount(value) : value >= 100 ? value.toFixed(0) : value.toFixed(2);
}
