import { formatRate, renderTable, wrapText } from '../lib/format.js';
import { detailsNote } from '../lib/text-report.js';
import type { MicroReport } from './suite.js';

/** The micro report as text for people; the same figures as the JSON, rounded. */
export function renderMicroReport(report: MicroReport): string {
  const { machine, settings } = report;
  const rows: string[][] = [['benchmark', 'ns/op', 'p99 ns/op', 'ops/s', 'bytes alloc/op']];
  let group: string | undefined;
  for (const b of report.benchmarks) {
    if (b.group !== group) {
      group = b.group;
      rows.push([`${group}:`]);
    }
    rows.push([
      `  ${b.name}`,
      formatNanoseconds(b.nsPerOp.mean),
      b.nsPerOp.p99 === null ? '-' : formatNanoseconds(b.nsPerOp.p99),
      formatRate(b.opsPerSecond),
      b.bytesAllocatedPerOp === null ? 'n/a' : formatBytes(b.bytesAllocatedPerOp),
    ]);
  }
  return [
    'synod bench micro',
    '',
    `machine: ${machine.cores} cores (os.availableParallelism), ${machine.cpuModel}`,
    `         Node ${machine.nodeVersion}, ${machine.platform}`,
    wrapText(
      `tinybench ${machine.tinybench}: each benchmark ${settings.taskTimeMs / 1000} s measured after ${settings.taskWarmupMs / 1000} s warm-up, on this thread;` +
        ` ns/op is the mean; a sample runs \`batch\` ops, p99 is of samples, per op`,
    ),
    wrapText(`allocation: ${machine.gc === null ? 'n/a (no way to force a GC here)' : `V8 heap + ArrayBuffer growth over N ops between full GCs (gc() via ${machine.gc})`}`),
    `msgpackr native addon: ${machine.msgpackrNativeAddon ? 'loaded' : 'not loaded'}`,
    wrapText(
      `values: 256 x 16 B commands = ${settings.smallValueBytes} B, 1 x 1 KiB = ${settings.largeValueBytes} B;` +
        ` Accept ${settings.acceptMessageBytes} B and small message ${settings.smallMessageBytes} B of msgpack; ring ${settings.ringCapacityBytes >> 10} KiB`,
    ),
    '',
    renderTable(rows),
    '',
    ...report.notes.map((note) => wrapText(`note: ${note}`)),
    detailsNote('ns/op p50, samples, batch size, margin of error'),
  ].join('\n');
}

function formatNanoseconds(ns: number): string {
  if (ns >= 1000) return Math.round(ns).toLocaleString('en-US');
  return ns >= 100 ? ns.toFixed(0) : ns >= 10 ? ns.toFixed(1) : ns.toFixed(2);
}

function formatBytes(bytes: number): string {
  return bytes >= 10 ? Math.round(bytes).toLocaleString('en-US') : bytes.toFixed(1);
}
