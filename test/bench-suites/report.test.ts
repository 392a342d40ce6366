import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { describeIfAvailable } from '../requires.js';
import { renderHtmlReport } from '../../dist/bench/report/html.js';
import { runCli, runJson, TINY } from './helpers.js';

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

describeIfAvailable(chromium !== undefined, 'the report test renders in headless chromium: apt-get install -y chromium')('synod bench --report', () => {
  it('is rendered by headless chromium with every chart drawn', async () => {
    if (chromium === undefined) {
      throw new Error(`chromium is not installed (looked for ${CHROMIUM_CANDIDATES.join(', ')}): apt-get install -y chromium`);
    }
    expect(spawnSync(chromium, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/Chrom/);

    // The flag itself: a log run writes a report file next to its JSON.
    const logReportPath = join(work, 'log.html');
    const logRun = await runCli(['log', '--acceptors', '3', '--entry-bytes', '16', '--concurrency', '1,8', '--storage', 'memory', ...TINY, '--report', logReportPath]);
    expect(logRun.code, logRun.stderr).toBe(0);
    const logJson = JSON.parse(logRun.stdout) as Record<string, unknown>;
    expect(readFileSync(logReportPath, 'utf8')).toMatch(/data-chart="throughput"/);

    // Every chart: the log's figures with a failover timeline, as `all` would combine them.
    const failover = await runJson(['failover', '--kills', '2', '--concurrency', '8']);
    const html = renderHtmlReport({ suite: 'all', machine: logJson.machine, suites: { log: logJson, failover } });
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // self-contained: no script, nothing fetched

    // A probe script measures each chart's rendered box and writes it into the DOM, which --dump-dom prints.
    const probe = `<script>addEventListener('load', () => {
      const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
        const box = svg.getBoundingClientRect();
        return { name: svg.dataset.chart, width: box.width, height: box.height, lines: svg.querySelectorAll('polyline').length,
          lineLength: [...svg.querySelectorAll('polyline')].reduce((sum, line) => sum + line.getTotalLength(), 0) };
      });
      const out = document.createElement('pre'); out.id = 'probe'; out.textContent = JSON.stringify(charts); document.body.append(out);
    });</script>`;
    const probed = join(work, 'probed.html');
    writeFileSync(probed, html.replace('</body>', `${probe}</body>`));
    const dump = await runChromium(['--dump-dom', `file://${probed}`]);
    expect(dump.code, dump.stderr.slice(-2000)).toBe(0);
    const json = /<pre id="probe">(.*?)<\/pre>/s.exec(dump.stdout)?.[1];
    expect(json, 'the probe ran in the page').toBeDefined();
    const charts = JSON.parse(json!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Array<{ name: string; width: number; height: number; lines: number; lineLength: number }>;
    const byName = new Map(charts.map((chart) => [chart.name, chart]));
    for (const name of ['throughput', 'latency', 'failover']) {
      const chart = byName.get(name);
      expect(chart, `chart ${name}`).toBeDefined();
      expect(chart!.width, `${name} width`).toBeGreaterThan(100);
      expect(chart!.height, `${name} height`).toBeGreaterThan(100);
      expect(chart!.lines, `${name} lines`).toBeGreaterThan(0);
      expect(chart!.lineLength, `${name} drawn length`).toBeGreaterThan(50);
    }

    // And a screenshot that is not blank.
    const page = join(work, 'report.html');
    writeFileSync(page, html);
    const shot = join(work, 'report.png');
    const screenshot = await runChromium(['--hide-scrollbars', '--window-size=1000,2600', `--screenshot=${shot}`, `file://${page}`]);
    expect(screenshot.code, screenshot.stderr.slice(-2000)).toBe(0);
    const stats = pngStats(readFileSync(shot));
    expect(stats.width).toBe(1000);
    expect(stats.height).toBe(2600);
    expect(stats.distinctBytes, 'distinct byte values in the screenshot').toBeGreaterThan(40);
  }, 90_000);
});
