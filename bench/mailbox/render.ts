import { formatCount, formatLatencyMs, formatRate, formatRatio, renderTable, wrapText } from '../lib/format.js';
import { renderGoals, type GoalLine } from '../lib/targets-check.js';
import { detailsNote, renderMachine } from '../lib/text-report.js';
import { ONE_WAY_TRANSPORTS, ROUND_TRIP_TRANSPORTS, TRANSPORT_LABELS } from './protocol.js';
import type { MailboxReport } from './suite.js';
import type { TargetCheck } from './targets.js';

/** The mailbox report as text for people: the main figures in ms and /s; every figure is in the JSON. */
export function renderMailboxReport(report: MailboxReport): string {
  const { machine, settings } = report;
  const lines: string[] = [
    'synod bench mailbox',
    '',
    renderMachine(machine),
    `msgpackr native addon: ${machine.msgpackrNativeAddon ? 'loaded' : 'not loaded'} (receiver thread); wait strategy: ${machine.waitStrategy}`,
    wrapText(
      `message: ${settings.messageBytes} bytes: msgpack {k, s, d: ${settings.fillerBytes}-byte Uint8Array} checked with MessageCodec.encode;` +
        ` the same object through postMessage; ${settings.messageBytes} raw bytes through the bare ring`,
    ),
    wrapText(
      `ring: ${formatBytes(settings.ringCapacityBytes)} per link; each figure is the median of ${settings.runs} run(s) of` +
        ` ${settings.warmupMs / 1000} s warm-up + ${settings.durationMs / 1000} s measured, sender and receiver on their own worker threads`,
    ),
    '',
    'one way (wake-ups: times the sender found the receiver parked and had to notify it)',
    renderTable([
      ['transport', 'messages/s', 'GCs per 1M', 'wake-ups per 1M'],
      ...ONE_WAY_TRANSPORTS.map((transport) => {
        const figures = report.oneWay[transport];
        return [
          TRANSPORT_LABELS[transport],
          formatRate(figures.messagesPerSecond),
          figures.minorGcsPerMillionMessages.toFixed(1),
          figures.doorbellWakeupsPerMillionMessages === undefined ? '-' : formatCount(figures.doorbellWakeupsPerMillionMessages),
        ];
      }),
    ]),
    '',
    'round trip (closed-loop ping-pong between two workers)',
    renderTable([
      ['transport', 'p50', 'p99', 'round trips/s'],
      ...ROUND_TRIP_TRANSPORTS.map((transport) => {
        const figures = report.roundTrip[transport];
        return [TRANSPORT_LABELS[transport], formatLatencyMs(figures.p50Microseconds), formatLatencyMs(figures.p99Microseconds), formatRate(figures.roundTripsPerSecond)];
      }),
    ]),
    detailsNote('max round trip, every run\'s rate'),
    '',
    renderGoals([
      goalLineOf(report.targets.oneWayVsPostMessage),
      goalLineOf(report.targets.oneWayVsBareRing),
      goalLineOf(report.targets.roundTripVsAtomics, `p99 ratio ${formatRatio(report.targets.roundTripVsAtomics.p99Ratio)}, not judged`),
    ]),
  ];
  return lines.join('\n');
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}

/** The mailbox goals are ratios of two figures of this run; the description already says the bound. */
function goalLineOf(check: TargetCheck, note?: string): GoalLine {
  return {
    verdict: check.pass ? 'meets goal' : 'short of goal',
    description: check.description,
    comparison: `${formatRatio(check.ratio)}${note === undefined ? '' : ` (${note})`}`,
  };
}
