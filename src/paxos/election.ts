// A proposer's election: its role (follower, candidate, leader), its ballot and the ballots it
// has seen, the leader it follows, and when it next campaigns. Randomized timeouts spread
// candidates apart; backoff after a failed campaign (refused, or preempted) grows exponentially
// with full jitter, so two proposers that keep preempting each other drift apart instead of
// dueling forever. What a campaign collects is PhaseOne's (phase-one.ts); what a role change
// means for the slots, the Proposer's.

import { NO_BALLOT, nextBallotAbove, type Ballot } from './ballot.js';
import { checkPositiveInteger, type NodeId } from './ids.js';

export const ProposerRole = { Follower: 0, Candidate: 1, Leader: 2 } as const;
export type ProposerRole = (typeof ProposerRole)[keyof typeof ProposerRole];

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

export class Election {
  private roleValue: ProposerRole = ProposerRole.Follower;
  /** Our ballot while candidate or leader (and the last one we used otherwise). */
  private ballotValue: Ballot = NO_BALLOT;
  /** Highest ballot seen anywhere: a new campaign goes above it. */
  private highestSeen: Ballot = NO_BALLOT;
  /** Ballot of the leader we follow; heartbeats below it are stale. */
  private leaderBallot: Ballot = NO_BALLOT;
  private leaderHintValue: NodeId | -1 = -1;
  /** A follower campaigns, and a candidate gives up, at this time; NaN until the first tick. */
  private deadlineMs = Number.NaN;
  private failedCampaignsValue = 0;
  private campaignsValue = 0;

  constructor(
    private readonly id: NodeId,
    readonly timing: ElectionTiming,
    /** Uniform random numbers in [0, 1): the election's only randomness. */
    private readonly random: () => number,
  ) {}

  get role(): ProposerRole {
    return this.roleValue;
  }
  get ballot(): Ballot {
    return this.ballotValue;
  }
  /** Last known leader (this proposer if leading), or -1. */
  get leaderHint(): NodeId | -1 {
    return this.leaderHintValue;
  }
  get failedCampaigns(): number {
    return this.failedCampaignsValue;
  }
  get campaigns(): number {
    return this.campaignsValue;
  }

  /** A ballot seen in any message: the next campaign goes above it. */
  observe(ballot: Ballot): void {
    if (ballot > this.highestSeen) this.highestSeen = ballot;
  }

  /** The clock; true if the deadline passed (a follower should campaign, a candidate give up). */
  due(nowMs: number): boolean {
    if (Number.isNaN(this.deadlineMs)) this.deadlineMs = nowMs + electionDelayMs(this.timing, 0, this.random);
    return nowMs >= this.deadlineMs;
  }

  /** Becomes a candidate with a ballot above every ballot seen; phase 1 must end by the new deadline. */
  campaign(nowMs: number): Ballot {
    this.forgetOwnLeadership();
    this.roleValue = ProposerRole.Candidate;
    this.campaignsValue++;
    this.ballotValue = nextBallotAbove(Math.max(this.highestSeen, this.ballotValue, this.leaderBallot), this.id);
    this.highestSeen = this.ballotValue;
    // Phase-1 timeout (no backoff: nothing failed yet); when it passes without a majority, the campaign counts as failed.
    this.deadlineMs = nowMs + electionDelayMs(this.timing, 0, this.random);
    return this.ballotValue;
  }

  /** A majority promised: this proposer leads with its ballot. */
  won(): void {
    this.roleValue = ProposerRole.Leader;
    this.leaderHintValue = this.id;
    this.leaderBallot = this.ballotValue;
    this.failedCampaignsValue = 0;
  }

  /** Back to follower; a failed campaign (refused, timed out, preempted) lengthens the next wait. */
  stepDown(nowMs: number, failed: boolean): void {
    this.forgetOwnLeadership();
    this.roleValue = ProposerRole.Follower;
    if (failed) this.failedCampaignsValue++;
    this.deadlineMs = nowMs + electionDelayMs(this.timing, this.failedCampaignsValue, this.random);
  }

  /** A heartbeat from `from` with `ballot` (a follower's view; not below the leader it follows): follow it, and wait again. */
  heardLeader(ballot: Ballot, from: NodeId, nowMs: number): void {
    if (ballot < this.leaderBallot) return;
    this.leaderBallot = ballot;
    this.leaderHintValue = from;
    this.failedCampaignsValue = 0;
    this.deadlineMs = nowMs + electionDelayMs(this.timing, 0, this.random);
  }

  private forgetOwnLeadership(): void {
    if (this.leaderHintValue === this.id) this.leaderHintValue = -1;
  }
}
