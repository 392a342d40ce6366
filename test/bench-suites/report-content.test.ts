import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectRunInfo } from '../../dist/bench/lib/run-info.js';
import { renderHtmlReport } from '../../dist/bench/report/html.js';
import { styleAt } from '../../dist/bench/report/palette.js';
import { formatBytes, formatLatency, formatRate } from '../../dist/bench/report/units.js';
import { allRun, allRunWithEtcdFailedAt, allRunWithout, allRunWithoutEtcd, FIXED_RUN, logRun } from './report-fixtures.js';

// What the HTML report says, read from the HTML itself (no browser needed): its metadata, one
// chart per question, a section per suite that ran and none for the others, the peer comparison,
// and a style of its own for every series. report.test.ts renders it in Chromium.

const render = (json: Record<string, unknown>) => renderHtmlReport(json, FIXED_RUN);

function sectionsOf(html: string): string[] {
  return [...html.matchAll(/<section id="[^"]*" data-section="([^"]*)"/g)].map((m) => m[1]!);
}

function chartsOf(html: string): Map<string, string> {
  return new Map([...html.matchAll(/<svg class="chart" data-chart="([^"]*)"[\s\S]*?<\/svg>/g)].map((m) => [m[1]!, m[0]]));
}

/**
 * Series name -> every style ("colour dash") its marks are drawn in, from the marks' own
 * attributes: the colour of every mark (line, point, bar, dot), the dash of its lines.
 */
function seriesStyles(svg: string): Map<string, Set<string>> {
  const colors = new Map<string, Set<string>>();
  const dashes = new Map<string, string>();
  for (const [element, tag] of svg.matchAll(/<(polyline|rect|circle|polygon)\b[^>]*data-series="[^"]*"[^>]*>/g)) {
    const name = /data-series="([^"]*)"/.exec(element)![1]!;
    const color = /(?:stroke|fill)="(#[0-9A-Fa-f]{6})"/.exec(element)?.[1];
    if (color === undefined) continue;
    if (!colors.has(name)) colors.set(name, new Set());
    colors.get(name)!.add(color.toLowerCase());
    if (tag === 'polyline') dashes.set(name, /stroke-dasharray="([^"]*)"/.exec(element)?.[1] ?? '');
  }
  return new Map([...colors].map(([name, set]) => [name, new Set([...set].map((color) => `${color} ${dashes.get(name) ?? ''}`))]));
}

describe('the HTML report, from recorded figures', () => {
  it('opens with when it ran, which synod, the command, the machine and every suite\'s settings', () => {
    const html = render(allRun());
    const run = /<section id="run"[\s\S]*?<\/section>/.exec(html)?.[0];
    expect(run, 'an "About this run" section').toBeDefined();
    expect(sectionsOf(html)[0]).toBe('run');
    expect(run).toContain('2026-12-03 09:10:11 UTC to 2026-12-03 09:15:01 UTC (4 min 50 s)');
    expect(run).toContain('9.8.7, commit 0123456789ab (modified)');
    expect(run).toContain('synod bench all --duration 0.3 --warmup 0.1 --runs 1 --report out.html');
    expect(run).toContain('2 cores available (Test CPU Model 3000), linux x64');
    expect(run).toContain('v20.99.0');
    // One settings row per suite that ran, with its measured time, warm-up, runs and grid.
    const rows = [...run!.matchAll(/<tr><td>([a-z]+)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)];
    expect(rows.map((r) => r[1])).toEqual(['mailbox', 'log', 'memory', 'sequencer', 'failover', 'compare']);
    const log = rows.find((r) => r[1] === 'log')!;
    expect(log.slice(2, 5)).toEqual(['0.3 s', '0.1 s', '1']);
    expect(log[5]).toContain('concurrency: 1, 16, 256; entry (bytes): 16, 1024, 65536; acceptors: 3; storage: memory, file');
  });

  it('answers each question about the log with a chart: by concurrency and by latency per entry size, MB/s of large entries, percentiles', () => {
    const html = render(logRun());
    const charts = chartsOf(html);
    for (const question of ['throughput-by-concurrency', 'throughput-by-latency', 'large-entry-megabytes', 'latency-percentiles']) {
      expect(html, question).toContain(`data-question="${question}"`);
    }
    // One panel per entry size for both throughput questions.
    for (const entryBytes of [16, 1024, 65536]) {
      expect(charts.has(`throughput-${entryBytes}`), `throughput panel ${entryBytes}`).toBe(true);
      expect(charts.has(`throughput-latency-${entryBytes}`), `throughput-latency panel ${entryBytes}`).toBe(true);
    }
    // MB/s only for entries of 4 KiB and up: the 64 KiB bars, two storages at three concurrencies.
    const megabytes = charts.get('large-entry-megabytes')!;
    expect(megabytes.match(/class="bar"/g)).toHaveLength(6);
    expect(megabytes).toContain('64 KiB');
    // A row per configuration (18), each with a dot per percentile, its tooltip naming both.
    const percentiles = charts.get('latency-percentiles')!;
    for (const name of ['p50', 'p90', 'p99', 'p99.9', 'max']) expect(percentiles.split(`, ${name}</title>`), name).toHaveLength(18 + 1);
    expect(percentiles).toContain('memory, 3 acc, 64 KiB, 256 in flight, p99</title>');
  });

  it('says so, instead of drawing an empty chart, when the grid had no large entries', () => {
    const json = logRun();
    json.configurations = json.configurations.filter((c: { entryBytes: number }) => c.entryBytes < 4096);
    const html = render(json);
    expect(chartsOf(html).has('large-entry-megabytes')).toBe(false);
    expect(html).toMatch(/no entry of 4 KiB or more \(add one with --entry-bytes/);
    expect(chartsOf(html).has('throughput-16')).toBe(true);
  });

  it('gives the disk\'s fdatasync latency beside the round trip when the run measured it, and nothing when it did not', () => {
    const json = logRun();
    json.baseline = { ...json.baseline, diskSync: { aloneP50Microseconds: 150, concurrentP50Microseconds: 320, concurrency: 3 } };
    expect(render(json)).toContain(
      `An fdatasync after a small append to a file in the temp dir took ${formatLatency(150)} (p50) alone and ${formatLatency(320)} with 3 files synced at once (one per acceptor)`,
    );
    delete json.baseline.diskSync;
    expect(render(json)).not.toContain('An fdatasync');
  });

  it('draws every series of a chart in a style of its own, and a configuration in the same style in every panel', () => {
    const charts = chartsOf(render(allRun()));
    expect(charts.size).toBeGreaterThanOrEqual(10);
    for (const [name, svg] of charts) {
      const styles = seriesStyles(svg);
      for (const [series, set] of styles) expect([...set], `${name}: ${series} drawn in one style`).toHaveLength(1);
      const all = [...styles.values()].map((set) => [...set][0]);
      expect(new Set(all).size, `${name}: ${[...styles.keys()].join(', ')} in distinct styles`).toBe(all.length);
    }
    const memoryStyle = (chart: string) => [...seriesStyles(charts.get(chart)!).get('memory, 3 acceptors')!][0];
    expect(memoryStyle('throughput-16')).toBe(memoryStyle('throughput-65536'));
    expect(memoryStyle('throughput-16')).toBe(memoryStyle('throughput-latency-1024'));
    expect(seriesStyles(charts.get('throughput-16')!).size).toBe(2);
    expect(seriesStyles(charts.get('peer')!).size).toBe(2);
  });

  it('has a section for each suite that ran and none for the others', () => {
    expect(sectionsOf(render(allRun()))).toEqual(['run', 'log', 'peer', 'sequencer', 'failover', 'mailbox', 'memory', 'targets']);
    const logOnly = render(logRun());
    expect(sectionsOf(logOnly)).toEqual(['run', 'log', 'targets']);
    expect(logOnly).not.toMatch(/not run|sequencer|failover|etcd/i);
    const html = render(allRunWithout('sequencer', 'failover'));
    expect(sectionsOf(html)).toEqual(['run', 'log', 'peer', 'mailbox', 'memory', 'targets']);
    expect(html).not.toContain('href="#failover"');
  });

  it('compares with etcd when the compare suite ran it, says how to enable it when it could not, and has no peer section without compare', () => {
    const withEtcd = render(allRun());
    const peer = chartsOf(withEtcd).get('peer');
    expect(peer, 'the peer chart').toBeDefined();
    expect([...seriesStyles(peer!).keys()]).toEqual(['synod', 'etcd 3.4.23']);
    expect(peer).toContain('256 in flight: 30.7x');
    expect(withEtcd).not.toContain('class="peer-missing"');

    const withoutEtcd = render(allRunWithoutEtcd());
    expect(sectionsOf(withoutEtcd)).toContain('peer');
    expect(chartsOf(withoutEtcd).has('peer')).toBe(false);
    expect(withoutEtcd).toMatch(/class="peer-missing"><strong>etcd was not compared in this run:<\/strong> no etcd binary found/);
    expect(withoutEtcd).toContain('install etcd: apt-get install -y etcd-server');

    const oneFailed = render(allRunWithEtcdFailedAt(16));
    expect(chartsOf(oneFailed).get('peer')!.match(/class="bar"/g)).toHaveLength(4);
    expect(oneFailed).toContain('etcd at 16 in flight FAILED: no operation completed in run 1');

    const withoutCompare = render(allRunWithout('compare'));
    expect(sectionsOf(withoutCompare)).not.toContain('peer');
    expect(withoutCompare).not.toMatch(/etcd/);
  });

  it('reports a failed suite by its error, in place of its section', () => {
    const json = allRun();
    json.suites.memory = { suite: 'memory', error: 'out of <memory>' };
    const html = render(json);
    expect(sectionsOf(html)).toContain('failures');
    expect(sectionsOf(html)).not.toContain('memory');
    expect(html).toContain('suite memory FAILED: out of &lt;memory&gt;');
  });

  it('is self-contained: no script, no stylesheet or image fetched', () => {
    const html = render(allRun());
    expect(html).not.toMatch(/<script|<link|<img|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});

describe('the report\'s parts', () => {
  it('hands out a distinct colour-and-dash style for each of the first 28 series', () => {
    const styles = Array.from({ length: 28 }, (_, i) => `${styleAt(i).color} ${styleAt(i).dash}`);
    expect(new Set(styles).size).toBe(28);
    expect(new Set(styles.slice(0, 7).map((s) => s.split(' ')[0])).size).toBe(7);
  });

  it('writes figures in the units people read', () => {
    expect(formatLatency(37.2)).toBe('37.2 µs');
    expect(formatLatency(1234)).toBe('1.23 ms');
    expect(formatLatency(2_500_000)).toBe('2.5 s');
    expect(formatRate(100_000)).toBe('100 k/s');
    expect(formatRate(2_266_453)).toBe('2.27 M/s');
    expect(formatRate(580)).toBe('580/s');
    expect(formatBytes(65_536)).toBe('64 KiB');
    expect(formatBytes(16)).toBe('16 B');
  });

  it('records the package version and, in a git checkout, its commit', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const run = collectRunInfo(new Date('2026-01-02T03:04:05Z'));
    expect(run.synodVersion).toBe(JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version);
    expect(run.finishedAt).toBe('2026-01-02T03:04:05.000Z');
    expect(run.command.startsWith('synod')).toBe(true);
    expect(run.machine.nodeVersion).toBe(process.version);
    const head = spawnSync('git', ['-C', root, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' });
    if (head.status === 0) expect(run.commit).toMatch(new RegExp(`^${head.stdout.trim()}( \\(modified\\))?$`));
    else expect(run.commit).toMatch(/^unknown|^[0-9a-f]{40}$/);
  });
});
