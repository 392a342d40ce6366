import { performance } from 'node:perf_hooks';
import { LEASE_BUSY, LEASE_GRANTED, LEASE_IDLE, LEASE_REVOKED, LeaseWatch } from './connection-lease.js';

import { RUNTIME_TIMINGS } from '../protocol/timings.js';

const { endpointProbeIntervalMs, unclaimedEndpointGraceMs } = RUNTIME_TIMINGS;

interface Grant {
  readonly id: number;
  readonly generation: number;
  readonly watch: LeaseWatch;
  readonly grantedMs: number;
  /** Since when probes found no life (undefined while they do). */
  silentSinceMs: number | undefined;
  /** The heartbeat when silence began (or when it last moved during it). */
  beatAtSilence: number;
}

/**
 * The owner's side of connection reclamation (the evidence and the rules: connection-lease.ts).
 * Every endpointProbeIntervalMs (RUNTIME_TIMINGS) while any endpoint is granted, it probes each one and releases those
 * whose thread is gone: at once when nothing is outstanding there (IDLE), after `busyGraceMs` of
 * silence without a heartbeat when something is (BUSY), and when the thread gave the endpoint up
 * itself (close). Its timer does not keep the process alive.
 */
export class EndpointReaper {
  private readonly grants = new Map<number, Grant>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    /** Unwires endpoint `id` (ActorSystem.releaseEndpoint). */
    private readonly release: (id: number) => void,
    /** Longer than appendTimeoutMs: see connection-lease.ts. */
    private readonly busyGraceMs: number,
  ) {}

  /** Endpoints granted and not yet released. Internal: for tests and measurements. */
  get granted(): number {
    return this.grants.size;
  }

  add(id: number, generation: number, lease: SharedArrayBuffer, nowMs = performance.now()): void {
    if (this.closed) return;
    this.grants.set(id, { id, generation, watch: new LeaseWatch(lease), grantedMs: nowMs, silentSinceMs: undefined, beatAtSilence: 0 });
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.probe(performance.now()), endpointProbeIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * The thread closed its connection. The generation tells this grant from a later one of the
   * same id: a release that arrives late must not unwire the endpoint's next holder.
   */
  released(id: number, generation: number): void {
    const grant = this.grants.get(id);
    if (grant === undefined || grant.generation !== generation) return;
    this.reclaim(grant);
  }

  /** One round of probes. */
  probe(nowMs: number): void {
    for (const grant of [...this.grants.values()]) {
      const watch = grant.watch;
      const alive = watch.probeLife();
      const state = watch.state;
      if (state === LEASE_REVOKED) {
        this.reclaim(grant); // given up by its thread (close), its release message not here yet
        continue;
      }
      if (alive) {
        grant.silentSinceMs = undefined;
        continue;
      }
      const beat = watch.heartbeat;
      if (grant.silentSinceMs === undefined || beat !== grant.beatAtSilence) {
        grant.silentSinceMs = nowMs;
        grant.beatAtSilence = beat;
      }
      let revoked = false;
      if (state === LEASE_IDLE) revoked = watch.revokeIf(LEASE_IDLE);
      else if (state === LEASE_GRANTED) revoked = nowMs - grant.grantedMs >= unclaimedEndpointGraceMs && watch.revokeIf(LEASE_GRANTED);
      else if (state === LEASE_BUSY) revoked = nowMs - grant.silentSinceMs >= this.busyGraceMs && watch.revokeIf(LEASE_BUSY);
      // A failed CAS means the thread moved first (it lives): the next probe looks again.
      if (revoked) this.reclaim(grant);
    }
  }

  /** Stops probing (the log closed; its actor system unwires everything). */
  close(): void {
    this.closed = true;
    this.grants.clear();
    this.stopTimer();
  }

  private reclaim(grant: Grant): void {
    if (this.grants.get(grant.id) !== grant) return;
    this.grants.delete(grant.id);
    if (this.grants.size === 0) this.stopTimer();
    this.release(grant.id);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
