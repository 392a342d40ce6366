// What compare-builds.ts and its child share: where a build's public API is, what a child
// prints, and the configurations (appends in flight x entry bytes) a comparison runs.
import { join, resolve } from 'node:path';
import { formatLatencyMs, formatRate, formatRatio } from '../lib/format.js';
import { median, ratio } from '../lib/stats.js';

/** One child's figures: appends resolved per second in its window, latency percentiles in microseconds. */
export interface ChildResult {
  readonly appendsPerSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

/** Appends kept in flight from one thread, and each entry's bytes. */
export interface LoopConfig {
  readonly lanes: number;
  readonly entryBytes: number;
}

/** At most the default `inflightAppendsMax` of one connection: more would measure refusals. */
export const LANES_MAX = 4096;
/** The default `entryBytesMax` of a log with the default 1 MiB rings. */
export const ENTRY_BYTES_MAX = 256 * 1024;

/** One appender (latency), 16 B at 256 and 4096 in flight, 1 KiB at 256, 64 KiB at 16: the rows issue 20's targets name. */
export const DEFAULT_CONFIGS = '1x16,256x16,4096x16,256x1024,16x65536';

/** The module a build's public API is in, under its checkout (built: `npm ci && npm run build` there). */
export function buildEntry(buildDir: string): string {
  return join(resolve(buildDir), 'dist', 'src', 'index.js');
}

/** "256x16,16x65536" -> configurations; a RangeError names the first one out of form or bounds. */
export function parseConfigs(text: string): LoopConfig[] {
  return text.split(',').map((item) => {
    const match = /^(\d+)x(\d+)$/.exec(item.trim());
    const lanes = match === null ? NaN : Number(match[1]);
    const entryBytes = match === null ? NaN : Number(match[2]);
    if (!(lanes >= 1 && lanes <= LANES_MAX) || !(entryBytes >= 0 && entryBytes <= ENTRY_BYTES_MAX)) {
      throw new RangeError(
        `a configuration is LANESxBYTES with 1 to ${LANES_MAX} appends in flight and 0 to ${ENTRY_BYTES_MAX} bytes an entry, got '${item}'`,
      );
    }
    return { lanes, entryBytes };
  });
}

/** One configuration's table: each round's pair, the medians, and this build's over the base's. */
export function configRows(base: readonly ChildResult[], current: readonly ChildResult[]): string[][] {
  if (base.length === 0 || base.length !== current.length) throw new RangeError(`pairs of results needed, got ${base.length} base and ${current.length} this`);
  const cells = (b: ChildResult, c: ChildResult): string[] => [
    formatRate(b.appendsPerSecond),
    formatRate(c.appendsPerSecond),
    formatLatencyMs(b.p50Us),
    formatLatencyMs(c.p50Us),
    formatLatencyMs(b.p99Us),
    formatLatencyMs(c.p99Us),
  ];
  const mid = (results: readonly ChildResult[]): ChildResult => ({
    appendsPerSecond: median(results.map((result) => result.appendsPerSecond)),
    p50Us: median(results.map((result) => result.p50Us)),
    p99Us: median(results.map((result) => result.p99Us)),
  });
  const b = mid(base);
  const c = mid(current);
  return [
    ['', 'base appends/s', 'this appends/s', 'base p50', 'this p50', 'base p99', 'this p99'],
    ...base.map((result, i) => [`round ${i + 1}`, ...cells(result, current[i]!)]),
    ['median', ...cells(b, c)],
    ['this / base', '', formatRatio(ratio(c.appendsPerSecond, b.appendsPerSecond)), '', formatRatio(ratio(c.p50Us, b.p50Us)), '', formatRatio(ratio(c.p99Us, b.p99Us))],
  ];
}
