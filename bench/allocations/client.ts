// Bytes the caller's thread allocates per append, and its minor GCs per 1M appends: a log with 3
// acceptors in memory, `--in-flight` appends of 16 bytes kept in flight from the main thread (each
// settled append starts the next with `.then`, the least a harness can allocate), measured by V8's
// sampling heap profiler with collected objects included. Prints one JSON object: the bytes per
// append in all, the top sites (function, file:line) and the GCs.
//
//   node dist/bench/allocations/client.js [--in-flight N] [--seconds S]     (npm run allocations)
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ReplicatedLog } from '../../src/index.js';

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

const SAMPLING_INTERVAL_BYTES = 512;
const WARMUP_MS = 800;
const SITES_SHOWN = 8;

const { values } = parseArgs({ options: { 'in-flight': { type: 'string', default: '256' }, seconds: { type: 'string', default: '3' } } });
const inFlight = Number(values['in-flight']);
const seconds = Number(values.seconds);
if (!Number.isInteger(inFlight) || inFlight < 1) throw new RangeError(`--in-flight must be a positive integer, got ${values['in-flight']}`);
if (!(seconds > 0)) throw new RangeError(`--seconds must be positive, got ${values.seconds}`);

const log = await ReplicatedLog.open({ acceptors: 3 });
const data = new Uint8Array(16);
let minorGcs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minorGcs++;
});
observer.observe({ entryTypes: ['gc'] });
let settled = 0;
let stopped = false;
const again = (): void => {
  settled++;
  if (!stopped) void log.append(data).then(again);
};
for (let i = 0; i < inFlight; i++) void log.append(data).then(again);
await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', {
  samplingInterval: SAMPLING_INTERVAL_BYTES,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
minorGcs = 0;
const settledBefore = settled;
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
const appends = settled - settledBefore;
const gcs = minorGcs;
stopped = true;
observer.disconnect();
session.disconnect();

const bySite = new Map<string, number>();
let total = 0;
const walk = (node: ProfileNode): void => {
  const frame = node.callFrame;
  const site = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
  total += node.selfSize;
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child);
};
walk(profile.head);
const sites = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, SITES_SHOWN).map(([site, bytes]) => ({ site, bytesPerAppend: Math.round(bytes / appends) }));
console.log(
  JSON.stringify({
    inFlight,
    appends,
    bytesPerAppend: Math.round(total / appends),
    minorGcsPerMillionAppends: +((gcs / appends) * 1e6).toFixed(1),
    sites,
  }),
);
await new Promise((resolve) => setTimeout(resolve, 100));
await log.close();
