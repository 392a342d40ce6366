// The clocks of the log's runtime in one place: the roles' tick, the retries of their couriers
// and storage guards, how a disk failure is reported and aged, the client's sweeps, resends and
// read retries, how the owner hands out and takes back endpoints, and the sequencer's refills.
// They were constants of ten files, and the rules between them lived in comments ("roles repeat reports every 100 ms",
// "longer than a connect waits"); here each rule is checked once, when the module loads, so a
// change that breaks one fails at once and names it. The proposer's own timings (heartbeats,
// elections, backoff) are options, defaulted in src/paxos/defaults.ts.
import { PROPOSER_DEFAULTS } from '../paxos/index.js';

export interface RuntimeTimings {
  /** How often the worker actors tick their role nodes (the core's clock input). */
  readonly tickIntervalMs: number;
  /** A courier holding messages a full mailbox refused tries again after this long (and on every tick). */
  readonly courierRetryMs: number;
  /** A write or sync the store refused is tried again after this long. */
  readonly storageRetryMs: number;
  /** While a store keeps refusing writes, its role tells the clients again this often. */
  readonly storageFailureReportIntervalMs: number;
  /** Appends may still commit this long into a reported disk failure (a majority elsewhere may be fine) before failing with it. */
  readonly storageFailureGraceMs: number;
  /** A disk failure no role reported again for this long is over. */
  readonly storageFailureStaleMs: number;
  /** A standby proposer rehearses leading this long after it starts (leader-warmup.ts): after the log's first election. */
  readonly leaderWarmUpDelayMs: number;
  /** The client looks for appends to resend or time out this often. */
  readonly clientSweepIntervalMs: number;
  /** The smallest time a client waits before resending an unanswered append (the log uses the election timeout if larger). */
  readonly resendFloorMs: number;
  /** A follow reader that hears nothing subscribes again after this long (a restarted learner forgot it). */
  readonly followResubscribeMs: number;
  /** A page read unanswered this long is asked again of the next learner. */
  readonly readRetryMs: number;
  /** How often the log's owner probes the threads it granted endpoints to. */
  readonly endpointProbeIntervalMs: number;
  /** Longest a connect waits for the owner's grant. */
  readonly connectGrantTimeoutMs: number;
  /** A granted endpoint never claimed this long (its thread died while connecting) is taken back. */
  readonly unclaimedEndpointGraceMs: number;
  /** A sequencer's window should last about this long at the rate callers take numbers (number-lease.ts). */
  readonly sequencerRefillPeriodMs: number;
  /** How long the owner's close() waits for another thread's sequencer refill to land (a round trip, normally ms). */
  readonly sequencerCloseWaitsForRefillMs: number;
}

export const RUNTIME_TIMINGS: RuntimeTimings = Object.freeze({
  tickIntervalMs: 5,
  courierRetryMs: 1,
  storageRetryMs: 20,
  storageFailureReportIntervalMs: 100,
  storageFailureGraceMs: 250,
  storageFailureStaleMs: 1000,
  leaderWarmUpDelayMs: 250,
  clientSweepIntervalMs: 10,
  resendFloorMs: 20,
  followResubscribeMs: 500,
  readRetryMs: 500,
  endpointProbeIntervalMs: 250,
  connectGrantTimeoutMs: 10_000,
  unclaimedEndpointGraceMs: 15_000,
  sequencerRefillPeriodMs: 100,
  sequencerCloseWaitsForRefillMs: 1000,
});

/** Throws a RangeError naming the first rule `timings` breaks (each rule says why it must hold). */
export function checkRuntimeTimings(timings: RuntimeTimings): void {
  for (const [name, value] of Object.entries(timings)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`runtime timing ${name} must be a positive integer of ms, got ${String(value)}`);
  }
  const rule = (holds: boolean, what: string): void => {
    if (!holds) throw new RangeError(`synod's runtime timings are inconsistent: expected ${what}`);
  };
  const t = timings;
  rule(t.tickIntervalMs < PROPOSER_DEFAULTS.heartbeatIntervalMs, `the tick (${t.tickIntervalMs} ms) below the default heartbeat interval (${PROPOSER_DEFAULTS.heartbeatIntervalMs} ms), so heartbeats keep their period`);
  rule(t.courierRetryMs <= t.tickIntervalMs, `the courier's retry (${t.courierRetryMs} ms) no later than the next tick (${t.tickIntervalMs} ms)`);
  rule(t.storageRetryMs <= t.storageFailureReportIntervalMs, `storage retries (${t.storageRetryMs} ms) at least as often as failures are reported (${t.storageFailureReportIntervalMs} ms): each report comes from a retry`);
  // Two reports may go missing (a full mailbox, a busy client) before a lasting failure looks over.
  rule(3 * t.storageFailureReportIntervalMs <= t.storageFailureStaleMs, `a disk failure reported (every ${t.storageFailureReportIntervalMs} ms) at least three times before it counts as over (${t.storageFailureStaleMs} ms)`);
  rule(t.storageFailureReportIntervalMs < t.storageFailureGraceMs, `a disk failure reported again (${t.storageFailureReportIntervalMs} ms) within the grace appends get (${t.storageFailureGraceMs} ms)`);
  rule(t.leaderWarmUpDelayMs >= 2 * PROPOSER_DEFAULTS.electionTimeoutMs, `the warm-up (${t.leaderWarmUpDelayMs} ms) after the latest first election (2 x ${PROPOSER_DEFAULTS.electionTimeoutMs} ms)`);
  rule(t.clientSweepIntervalMs < t.resendFloorMs, `the client's sweep (${t.clientSweepIntervalMs} ms) more often than its shortest resend (${t.resendFloorMs} ms)`);
  rule(t.clientSweepIntervalMs < t.readRetryMs && t.clientSweepIntervalMs < t.followResubscribeMs, `the client's sweep (${t.clientSweepIntervalMs} ms) more often than its read retries (${t.readRetryMs}, ${t.followResubscribeMs} ms)`);
  rule(t.endpointProbeIntervalMs < t.unclaimedEndpointGraceMs, `endpoints probed (${t.endpointProbeIntervalMs} ms) within the grace of an unclaimed one (${t.unclaimedEndpointGraceMs} ms)`);
  rule(t.sequencerRefillPeriodMs < t.sequencerCloseWaitsForRefillMs, `close() waits for a refill (${t.sequencerCloseWaitsForRefillMs} ms) longer than a window lasts (${t.sequencerRefillPeriodMs} ms)`);
  rule(t.connectGrantTimeoutMs < t.unclaimedEndpointGraceMs, `a connect gives up (${t.connectGrantTimeoutMs} ms) before its unclaimed endpoint is taken back (${t.unclaimedEndpointGraceMs} ms), so no endpoint is taken from a connect still waiting`);
}

checkRuntimeTimings(RUNTIME_TIMINGS);
