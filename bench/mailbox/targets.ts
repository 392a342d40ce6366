import { ratio } from '../lib/stats.js';
import type { OneWayTransport, RoundTripTransport } from './protocol.js';

/**
 * The goals of issue 2, each checked as a ratio of two figures from the same run on the same
 * machine (absolute figures move with the machine and its neighbours; ratios much less).
 */
export interface TargetCheck {
  readonly description: string;
  readonly ratio: number;
  /** The ratio must be `comparison` this bound. */
  readonly bound: number;
  readonly comparison: 'at least' | 'at most';
  readonly pass: boolean;
}

export interface MailboxTargets {
  readonly oneWayVsPostMessage: TargetCheck;
  readonly oneWayVsBareRing: TargetCheck;
  readonly roundTripVsAtomics: TargetCheck & { readonly p99Ratio: number };
}

export function checkTargets(
  messagesPerSecond: Readonly<Record<OneWayTransport, number>>,
  roundTrip: Readonly<Record<RoundTripTransport, { readonly p50Microseconds: number; readonly p99Microseconds: number }>>,
): MailboxTargets {
  return {
    oneWayVsPostMessage: atLeast('synod one way >= 10x postMessage', ratio(messagesPerSecond.synod, messagesPerSecond.postMessage), 10),
    oneWayVsBareRing: atLeast('synod one way >= 0.5x bare ring', ratio(messagesPerSecond.synod, messagesPerSecond.bareRing), 0.5),
    roundTripVsAtomics: {
      ...atMost(
        'synod round trip p50 <= 1.5x Atomics wait/notify',
        ratio(roundTrip.synod.p50Microseconds, roundTrip.atomics.p50Microseconds),
        1.5,
      ),
      // Shown, not judged: the target names the typical round trip, and a p99 on a shared 2-core machine is mostly the neighbours.
      p99Ratio: ratio(roundTrip.synod.p99Microseconds, roundTrip.atomics.p99Microseconds),
    },
  };
}

function atLeast(description: string, value: number, bound: number): TargetCheck {
  return { description, ratio: value, bound, comparison: 'at least', pass: value >= bound };
}

function atMost(description: string, value: number, bound: number): TargetCheck {
  return { description, ratio: value, bound, comparison: 'at most', pass: value <= bound };
}
