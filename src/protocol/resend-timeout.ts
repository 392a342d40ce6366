/**
 * When a client sends an unanswered append again, as TCP decides when to retransmit: after a
 * timeout (RTO) of the smoothed time appends take to resolve plus four times its deviation
 * (Jacobson/Karels, measured from each append's first send, so that slowness, not a lucky few,
 * sets it). While nothing resolves at all, each round of resends doubles the timeout; the first
 * append that resolves ends the backoff. Whatever the estimate and the backoff, the timeout stays
 * between `floorMs` (the client's resendAfterMs) and MAX_FLOORS times that, so what a healed
 * cluster lost goes again within that.
 *
 * A fixed 100 ms turned slowness into collapse: with 256 appends of 64 KiB in flight each took
 * longer than that to commit, so each was sent again every 100 ms (and to the standby, which
 * redirected it back), and the copies (delivered once, but carried and stored each time) cut
 * throughput tenfold. A leader change still moves everything at once (NewLeader), so failover
 * does not wait for any of this.
 */
const BACKOFF_STEPS_MAX = 2;
/**
 * However slow appends were (a long outage ends with every append late) and however long the
 * silence, at most this many floors pass between sends of an append. With 16, clients in the
 * simulator resent so rarely that a deliberate bug took 6x the seeds to show; with a backoff to
 * 32x, a healed cluster waited 4.8 s for a client to try again (a liveness failure, seed 5008598).
 */
const MAX_FLOORS = 4;
const GAIN = 1 / 8;
const DEVIATION_GAIN = 1 / 4;

export class ResendTimeout {
  /** Smoothed time from an append's first send to its resolve, and its deviation (ms); NaN before the first. */
  private smoothedMs = Number.NaN;
  private deviationMs = 0;
  /** Rounds of resends in silence since an append last resolved (the timeout doubles with each). */
  private backoffSteps = 0;

  constructor(private readonly floorMs: number) {}

  /** The timeout from the estimate alone, before any backoff. */
  get estimateMs(): number {
    if (Number.isNaN(this.smoothedMs)) return this.floorMs;
    return Math.min(MAX_FLOORS * this.floorMs, Math.max(this.floorMs, this.smoothedMs + 4 * this.deviationMs));
  }

  /** The timeout now, backoff included. */
  get currentMs(): number {
    return Math.min(MAX_FLOORS * this.floorMs, this.estimateMs * 2 ** this.backoffSteps);
  }

  /** An append resolved `sinceFirstSendMs` after it was first sent: the backoff ends. */
  resolved(sinceFirstSendMs: number): void {
    this.backoffSteps = 0;
    if (Number.isNaN(this.smoothedMs)) {
      this.smoothedMs = sinceFirstSendMs;
      this.deviationMs = sinceFirstSendMs / 2;
      return;
    }
    this.deviationMs += DEVIATION_GAIN * (Math.abs(sinceFirstSendMs - this.smoothedMs) - this.deviationMs);
    this.smoothedMs += GAIN * (sinceFirstSendMs - this.smoothedMs);
  }

  /** A round of resends found nothing resolving: the next waits longer. */
  backOff(): void {
    if (this.backoffSteps < BACKOFF_STEPS_MAX) this.backoffSteps++;
  }
}
