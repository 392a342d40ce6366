import { formatCount, formatMicroseconds, formatRatio, renderTable } from '../lib/format.js';
import { maximum, minimum } from '../lib/stats.js';
import { ONE_WAY_TRANSPORTS, ROUND_TRIP_TRANSPORTS, TRANSPORT_LABELS } from './protocol.js';
import type { MailboxReport } from './suite.js';
import type { TargetCheck } from './targets.js';

/** The mailbox report as text for people; the same figures as the JSON, rounded. */
export function renderMailboxReport(report: MailboxReport): string {
  const { machine, settings } = report;
  const lines: string[] = [
    'synod bench mailbox',
    '',
    `machine: ${machine.cores} cores (os.availableParallelism), ${machine.cpuModel}`,
    `         Node ${machine.nodeVersion}, ${machine.platform}`,
    `msgpackr native addon: ${machine.msgpackrNativeAddon ? 'loaded' : 'not loaded'} (receiver thread)`,
    `wait strategy: ${machine.waitStrategy} (synod and bare ring receivers)`,
    `message: ${settings.messageBytes} bytes: msgpack {k, s, d: ${settings.fillerBytes}-byte Uint8Array} checked with MessageCodec.encode;` +
      ` the same object through postMessage; ${settings.messageBytes} raw bytes through the bare ring`,
    `ring: ${formatBytes(settings.ringCapacityBytes)} per link; each figure is the median of ${settings.runs} run(s) of` +
      ` ${settings.warmupMs / 1000} s warm-up + ${settings.durationMs / 1000} s measured, sender and receiver on their own worker threads`,
    '',
    'one way (wake-ups: times the sender found the receiver parked and had to notify it)',
    renderTable([
      ['transport', 'messages/s', 'minor GCs per 1M msgs', 'wake-ups per 1M msgs', 'runs (min..max msgs/s)'],
      ...ONE_WAY_TRANSPORTS.map((transport) => {
        const figures = report.oneWay[transport];
        return [
          TRANSPORT_LABELS[transport],
          formatCount(figures.messagesPerSecond),
          figures.minorGcsPerMillionMessages.toFixed(1),
          figures.doorbellWakeupsPerMillionMessages === undefined ? '-' : formatCount(figures.doorbellWakeupsPerMillionMessages),
          `${formatCount(minimum(figures.runsMessagesPerSecond))}..${formatCount(maximum(figures.runsMessagesPerSecond))}`,
        ];
      }),
    ]),
    '',
    'round trip (closed-loop ping-pong between two workers)',
    renderTable([
      ['transport', 'p50 us', 'p99 us', 'max us', 'round trips/s'],
      ...ROUND_TRIP_TRANSPORTS.map((transport) => {
        const figures = report.roundTrip[transport];
        return [
          TRANSPORT_LABELS[transport],
          formatMicroseconds(figures.p50Microseconds),
          formatMicroseconds(figures.p99Microseconds),
          formatMicroseconds(figures.maxMicroseconds),
          formatCount(figures.roundTripsPerSecond),
        ];
      }),
    ]),
    '',
    'targets (ratios of figures from this run)',
    renderTable([
      targetRow(report.targets.oneWayVsPostMessage),
      targetRow(report.targets.oneWayVsBareRing),
      [...targetRow(report.targets.roundTripVsAtomics), `(p99 ratio ${formatRatio(report.targets.roundTripVsAtomics.p99Ratio)}, not judged)`],
    ]),
  ];
  return lines.join('\n');
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}

function targetRow(check: TargetCheck): string[] {
  return [check.description, formatRatio(check.ratio), check.pass ? 'PASS' : 'MISS'];
}
