// Election timing for standby proposers. Randomized timeouts spread candidates apart; backoff
// after a failed campaign (refused, or preempted) grows exponentially with full jitter, so two
// proposers that keep preempting each other drift apart instead of dueling forever.

import { checkPositiveInteger } from './ids.js';

export interface ElectionTiming {
  /** Silence from the leader before a standby campaigns: uniform in [t, 2t) if randomized. */
  readonly electionTimeoutMs: number;
  /** First backoff step after a failed campaign; doubles per consecutive failure. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Off only to demonstrate dueling: all timeouts become exactly electionTimeoutMs. */
  readonly randomizedTimeouts: boolean;
  /** Off only to demonstrate dueling: a beaten proposer campaigns again at once. */
  readonly backoff: boolean;
}

export function checkElectionTiming(timing: ElectionTiming): void {
  checkPositiveInteger('electionTimeoutMs', timing.electionTimeoutMs);
  checkPositiveInteger('backoffBaseMs', timing.backoffBaseMs);
  checkPositiveInteger('backoffMaxMs', timing.backoffMaxMs);
  if (timing.backoffMaxMs < timing.backoffBaseMs) {
    throw new RangeError(`backoffMaxMs must be >= backoffBaseMs (${timing.backoffBaseMs}), got ${timing.backoffMaxMs}`);
  }
}

/** Delay before campaigning, given how many campaigns in a row failed. `random` is in [0, 1). */
export function electionDelayMs(timing: ElectionTiming, failedCampaigns: number, random: () => number): number {
  if (failedCampaigns > 0 && !timing.backoff) return 0;
  let delayMs = timing.randomizedTimeouts
    ? timing.electionTimeoutMs + Math.floor(timing.electionTimeoutMs * random())
    : timing.electionTimeoutMs;
  if (failedCampaigns > 0) {
    const ceilingMs = Math.min(timing.backoffMaxMs, timing.backoffBaseMs * 2 ** Math.min(failedCampaigns - 1, 30));
    delayMs += Math.floor(ceilingMs * random());
  }
  return delayMs;
}
