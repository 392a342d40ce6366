import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { describeIfAvailable } from '../requires.js';
import { renderHtmlReport } from '../../dist/bench/report/html.js';
import { runCli, TINY } from './helpers.js';
import { allRun, FIXED_RUN } from './report-fixtures.js';

// The HTML report, rendered in a real headless browser (Debian's chromium). Without chromium this
// test is skipped, except under CI=true, where it FAILS on purpose: CI must install it (.ci/run:
// apt-get install -y chromium).

const CHROMIUM_CANDIDATES = [process.env.SYNOD_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(
  (path): path is string => typeof path === 'string' && path !== '',
);
const chromium = CHROMIUM_CANDIDATES.find((path) => existsSync(path));
const work = mkdtempSync(join(tmpdir(), 'synod-report-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runChromium(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const profile = mkdtempSync(join(work, 'profile-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    `--user-data-dir=${profile}`,
    ...args,
  ];
  return new Promise((resolve) => {
    execFile(chromium!, flags, { timeout: 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

/** The distinct byte values of a PNG's decompressed image data: a blank page has a handful, a page with charts hundreds. */
function pngStats(png: Buffer): { width: number; height: number; distinctBytes: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('latin1');
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const pixels = inflateSync(Buffer.concat(idat));
  const seen = new Set<number>();
  for (let i = 0; i < pixels.length; i += 7) seen.add(pixels[i]!);
  return { width, height, distinctBytes: seen.size };
}

/** Runs in the page: each chart's rendered box, its lines' drawn length, and each series' computed colour and dash. */
const PROBE = `<script>addEventListener('load', () => {
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
    const box = svg.getBoundingClientRect();
    const lines = [...svg.querySelectorAll('polyline')];
    const styles = {};
    for (const mark of svg.querySelectorAll('polyline[data-series], rect.bar[data-series]')) {
      const css = getComputedStyle(mark);
      const color = mark.tagName === 'polyline' ? css.stroke : css.fill;
      styles[mark.dataset.series] = color + ' ' + css.strokeDasharray;
    }
    return { name: svg.dataset.chart, top: box.top, left: box.left, width: box.width, height: box.height, lines: lines.length,
      lineLength: lines.reduce((sum, line) => sum + line.getTotalLength(), 0), styles };
  });
  const out = document.createElement('pre'); out.id = 'probe'; out.textContent = JSON.stringify(charts); document.body.append(out);
});</script>`;

interface ProbedChart {
  name: string;
  top: number;
  left: number;
  width: number;
  height: number;
  lines: number;
  lineLength: number;
  styles: Record<string, string>;
}

async function probeCharts(html: string, name: string): Promise<Map<string, ProbedChart>> {
  const page = join(work, `${name}-probed.html`);
  writeFileSync(page, html.replace('</body>', `${PROBE}</body>`));
  const dump = await runChromium(['--window-size=1200,2000', '--dump-dom', `file://${page}`]);
  expect(dump.code, dump.stderr.slice(-2000)).toBe(0);
  const json = /<pre id="probe">(.*?)<\/pre>/s.exec(dump.stdout)?.[1];
  expect(json, 'the probe ran in the page').toBeDefined();
  const charts = JSON.parse(json!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as ProbedChart[];
  return new Map(charts.map((chart) => [chart.name, chart]));
}

describeIfAvailable(chromium !== undefined, 'the report test renders in headless chromium: apt-get install -y chromium')('synod bench --report', () => {
  const requireChromium = (): void => {
    if (chromium === undefined) {
      throw new Error(`chromium is not installed (looked for ${CHROMIUM_CANDIDATES.join(', ')}): apt-get install -y chromium`);
    }
    expect(spawnSync(chromium, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/Chrom/);
  };

  it('is written by a run with its date, version and commit, and rendered with its charts', async () => {
    requireChromium();
    const path = join(work, 'log.html');
    const run = await runCli(['log', '--acceptors', '3', '--entry-bytes', '16', '--concurrency', '1,8', '--storage', 'memory', ...TINY, '--report', path]);
    expect(run.code, run.stderr).toBe(0);
    const html = readFileSync(path, 'utf8');
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(html).toContain(`${version}, commit `);
    expect(html).toMatch(/commit ([0-9a-f]{12}|unknown)/);
    expect(html).toContain(new Date().toISOString().slice(0, 10)); // the date of the run, today
    expect(html).toMatch(/synod log --acceptors 3 --entry-bytes 16 --concurrency 1,8/);
    expect(html).not.toContain('data-section="peer"');
    const charts = await probeCharts(html, 'log');
    for (const name of ['throughput-16', 'throughput-latency-16', 'latency-percentiles']) {
      expect(charts.get(name), name).toBeDefined();
      expect(charts.get(name)!.width, `${name} width`).toBeGreaterThan(100);
    }
  }, 90_000);

  it('draws every chart of a full run, each series in a colour of its own, small multiples side by side', async () => {
    requireChromium();
    const html = renderHtmlReport(allRun(), FIXED_RUN);
    const charts = await probeCharts(html, 'all');
    const expected = ['throughput-16', 'throughput-1024', 'throughput-65536', 'throughput-latency-16', 'large-entry-megabytes', 'latency-percentiles', 'peer', 'sequencer', 'failover'];
    for (const name of expected) {
      const chart = charts.get(name);
      expect(chart, `chart ${name}`).toBeDefined();
      expect(chart!.width, `${name} width`).toBeGreaterThan(100);
      expect(chart!.height, `${name} height`).toBeGreaterThan(100);
      if (chart!.lines > 0) expect(chart!.lineLength, `${name} drawn length`).toBeGreaterThan(50);
      const styles = Object.values(chart!.styles);
      expect(new Set(styles).size, `${name}: distinct computed styles for ${Object.keys(chart!.styles).join(', ')}`).toBe(styles.length);
    }
    expect(Object.keys(charts.get('peer')!.styles)).toEqual(['synod', 'etcd 3.4.23']);
    expect(charts.get('failover')!.lines).toBe(1);
    // The entry-size panels share a row: same top, left to right.
    const [small, medium, large] = ['throughput-16', 'throughput-1024', 'throughput-65536'].map((name) => charts.get(name)!);
    expect(medium!.top).toBe(small!.top);
    expect(large!.top).toBe(small!.top);
    expect(medium!.left).toBeGreaterThan(small!.left + small!.width);

    // And a screenshot that is not blank.
    const page = join(work, 'report.html');
    writeFileSync(page, html);
    const shot = join(work, 'report.png');
    const screenshot = await runChromium(['--hide-scrollbars', '--window-size=1200,2600', `--screenshot=${shot}`, `file://${page}`]);
    expect(screenshot.code, screenshot.stderr.slice(-2000)).toBe(0);
    const stats = pngStats(readFileSync(shot));
    expect(stats.width).toBe(1200);
    expect(stats.height).toBe(2600);
    expect(stats.distinctBytes, 'distinct byte values in the screenshot').toBeGreaterThan(40);
  }, 90_000);
});
