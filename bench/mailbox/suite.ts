import type { BenchOptions } from '../lib/args.js';
import { describeTiming, measurementSeconds } from '../lib/estimate.js';
import { machineInfo, type MachineInfo } from '../lib/machine.js';
import { stepsOf } from '../lib/progress.js';
import { median } from '../lib/stats.js';
import type { ProgressSink, Suite } from '../lib/suite.js';
import { FILLER_BYTES, MESSAGE_BYTES, assertMessageBytes, createBenchMessage } from './message.js';
import { RING_CAPACITY_BYTES, measureOneWay, measureRoundTrip, type OneWayRun, type RoundTripRun } from './measure.js';
import { ONE_WAY_TRANSPORTS, ROUND_TRIP_TRANSPORTS, TRANSPORT_LABELS, type OneWayTransport, type RoundTripTransport } from './protocol.js';
import { renderMailboxReport } from './render.js';
import { checkTargets, type MailboxTargets } from './targets.js';

export interface OneWayFigures {
  readonly messagesPerSecond: number;
  readonly minorGcsPerMillionMessages: number;
  /** Ring transports only: how often the sender found the receiver parked and had to wake it. */
  readonly doorbellWakeupsPerMillionMessages?: number;
  /** Every run's rate, to show the spread the median hides. */
  readonly runsMessagesPerSecond: readonly number[];
}

export interface RoundTripFigures {
  readonly p50Microseconds: number;
  readonly p99Microseconds: number;
  readonly maxMicroseconds: number;
  readonly roundTripsPerSecond: number;
  readonly runsP50Microseconds: readonly number[];
}

export interface MailboxReport {
  readonly suite: 'mailbox';
  readonly machine: MachineInfo & { readonly msgpackrNativeAddon: boolean; readonly waitStrategy: string };
  readonly settings: {
    readonly durationMs: number;
    readonly warmupMs: number;
    readonly runs: number;
    readonly messageBytes: number;
    readonly fillerBytes: number;
    readonly ringCapacityBytes: number;
  };
  readonly oneWay: Readonly<Record<OneWayTransport, OneWayFigures>>;
  readonly roundTrip: Readonly<Record<RoundTripTransport, RoundTripFigures>>;
  readonly targets: MailboxTargets;
}

/**
 * Mailbox suite (issue 2): one-way rate and round-trip latency of the synod mailbox against
 * postMessage, the same ring without the codec, and a bare Atomics ping-pong.
 *
 * Runs are interleaved (run 1 of every measurement, then run 2, ...) so that a burst of load
 * from a neighbour on the shared machine spreads over all transports instead of sinking one.
 */
export const mailboxSuite: Suite = {
  name: 'mailbox',
  description: 'synod mailbox vs postMessage vs bare ring: one-way rate, round-trip latency, receiver GCs',
  estimate(options) {
    const measurements = ONE_WAY_TRANSPORTS.length + ROUND_TRIP_TRANSPORTS.length;
    return {
      measurements,
      steps: measurements * options.runs,
      seconds: measurements * measurementSeconds(options, options.runs * MAILBOX_SETUP_SECONDS),
      basis: `${ONE_WAY_TRANSPORTS.length} one-way and ${ROUND_TRIP_TRANSPORTS.length} round-trip transports, each ${describeTiming(options)} (runs interleaved)`,
    };
  },
  async run(options, progress) {
    const report = await measureMailbox(options, progress);
    return { json: report as unknown as Record<string, unknown>, text: renderMailboxReport(report) };
  },
};

/** Seconds to start a sender and a receiver thread, per run of a transport (2-core VM). */
const MAILBOX_SETUP_SECONDS = 0.3;

async function measureMailbox(options: BenchOptions, progress: ProgressSink): Promise<MailboxReport> {
  assertMessageBytes(createBenchMessage());
  const steps = stepsOf(progress);
  steps.plan((ONE_WAY_TRANSPORTS.length + ROUND_TRIP_TRANSPORTS.length) * options.runs, 'mailbox');
  const oneWayRuns = emptyRuns<OneWayTransport, OneWayRun>(ONE_WAY_TRANSPORTS);
  const roundTripRuns = emptyRuns<RoundTripTransport, RoundTripRun>(ROUND_TRIP_TRANSPORTS);
  for (let run = 1; run <= options.runs; run++) {
    for (const transport of ONE_WAY_TRANSPORTS) {
      steps.step(`run ${run}/${options.runs}: one way, ${TRANSPORT_LABELS[transport]}`);
      oneWayRuns[transport].push(await measureOneWay(transport, options));
    }
    for (const transport of ROUND_TRIP_TRANSPORTS) {
      steps.step(`run ${run}/${options.runs}: round trip, ${TRANSPORT_LABELS[transport]}`);
      roundTripRuns[transport].push(await measureRoundTrip(transport, options));
    }
  }

  const oneWay = mapTransports(ONE_WAY_TRANSPORTS, (transport): OneWayFigures => {
    const runs = oneWayRuns[transport];
    const wakeups = runs.flatMap((r) => (r.doorbellWakeupsPerMillionMessages === undefined ? [] : [r.doorbellWakeupsPerMillionMessages]));
    return {
      messagesPerSecond: median(runs.map((r) => r.messagesPerSecond)),
      minorGcsPerMillionMessages: median(runs.map((r) => r.minorGcsPerMillionMessages)),
      ...(wakeups.length > 0 ? { doorbellWakeupsPerMillionMessages: median(wakeups) } : {}),
      runsMessagesPerSecond: runs.map((r) => r.messagesPerSecond),
    };
  });
  const roundTrip = mapTransports(ROUND_TRIP_TRANSPORTS, (transport): RoundTripFigures => {
    const runs = roundTripRuns[transport];
    return {
      p50Microseconds: median(runs.map((r) => r.p50Microseconds)),
      p99Microseconds: median(runs.map((r) => r.p99Microseconds)),
      maxMicroseconds: median(runs.map((r) => r.maxMicroseconds)),
      roundTripsPerSecond: median(runs.map((r) => r.roundTripsPerSecond)),
      runsP50Microseconds: runs.map((r) => r.p50Microseconds),
    };
  });
  // Reported by the synod receiver thread itself: the addon loads (or not) per thread.
  const synodReceiver = oneWayRuns.synod[0]!;
  return {
    suite: 'mailbox',
    machine: { ...machineInfo(), msgpackrNativeAddon: synodReceiver.nativeCodecLoaded, waitStrategy: synodReceiver.waitStrategy },
    settings: {
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      runs: options.runs,
      messageBytes: MESSAGE_BYTES,
      fillerBytes: FILLER_BYTES,
      ringCapacityBytes: RING_CAPACITY_BYTES,
    },
    oneWay,
    roundTrip,
    targets: checkTargets(mapTransports(ONE_WAY_TRANSPORTS, (t) => oneWay[t].messagesPerSecond), roundTrip),
  };
}

function emptyRuns<K extends string, R>(keys: readonly K[]): Record<K, R[]> {
  return Object.fromEntries(keys.map((key) => [key, [] as R[]])) as Record<K, R[]>;
}

function mapTransports<K extends string, V>(keys: readonly K[], f: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, f(key)])) as Record<K, V>;
}
