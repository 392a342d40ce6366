// The lease of an endpoint the log's owner granted to another thread: a few Int32 words shared
// by both, so that the owner can take the endpoint back when its thread is gone (exited or
// terminated without close()) without ever taking it from under work in flight.
//
// Node 20 cannot tell the owner that another thread exited (a BroadcastChannel cannot transfer a
// MessagePort, and postMessageToThread is Node 22), so the owner looks for two kinds of evidence:
//
//  - Life. The connected thread keeps LIFE_WAITERS Atomics.waitAsync waiters parked on the LIFE
//    word, and re-arms one each time one is woken. The owner wakes one per probe: Atomics.notify
//    returns how many it woke. When a thread's isolate is torn down (exit, terminate, crash) V8
//    drops its async waiters, so the very next probe wakes none (checked on Node 20.20: 0 right
//    after 'exit', for a thread that ended by itself, called process.exit() or was terminated;
//    1 for a live thread, even one blocked in Atomics.wait). A live thread whose event loop is
//    blocked (a piscina worker sits in Atomics.wait between tasks) cannot re-arm, so after
//    LIFE_WAITERS probes it looks dead too: life evidence alone may be wrong, hence
//  - the STATE word. The thread marks itself BUSY (CAS IDLE -> BUSY) before it sends anything and
//    IDLE again once nothing is outstanding (no append, read, follow or trim); the owner may only
//    revoke an IDLE endpoint (CAS IDLE -> REVOKED), so the two never race. A thread that finds its
//    endpoint revoked has lost nothing: it asks the owner for a fresh endpoint and goes on (the
//    log reconnects transparently). A BUSY endpoint is revoked only when its thread also stopped
//    beating (HEARTBEAT, bumped by the client's sweep every 10 ms while busy) for longer than
//    appendTimeoutMs: every append it has outstanding would have timed out anyway by the time it
//    could notice, so revoking it changes no outcome (see ConnectionReclaimedError).
import { SynodErrorCode, withCode } from '../error-codes.js';

/**
 * Internal: the endpoint was reclaimed before this call sent anything. ReplicatedLog catches it,
 * reconnects and makes the call again (nothing went out, so nothing can be duplicated).
 */
export class EndpointRevokedError extends Error {
  readonly code = SynodErrorCode.EndpointRevoked;
  constructor() {
    super(withCode('this connection was reclaimed by the log\'s owner before the call was sent', SynodErrorCode.EndpointRevoked));
    this.name = 'EndpointRevokedError';
  }
}

/** Granted by the owner, not yet claimed by the connecting thread. */
export const LEASE_GRANTED = 0;
/** Claimed, nothing outstanding: the owner may revoke it if its thread shows no life. */
export const LEASE_IDLE = 1;
/** Work outstanding: the owner leaves it alone while its thread lives or beats. */
export const LEASE_BUSY = 2;
/** Taken back by the owner, or given up by the thread (close): its endpoint is being released. */
export const LEASE_REVOKED = 3;

const STATE = 0;
const HEARTBEAT = 1;
const LIFE = 2;
const WORDS = 3;

/** Async waiters a connected thread keeps on LIFE: a thread blocked for this many probes in a row looks dead (harmless while idle). */
export const LIFE_WAITERS = 40;

export function createLease(): SharedArrayBuffer {
  return new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT);
}

/** The connected thread's side of a lease. */
export class LeaseHolder {
  private readonly words: Int32Array;
  private ended = false;
  private readonly rearm = (): void => {
    if (!this.ended && Atomics.load(this.words, STATE) !== LEASE_REVOKED) this.arm();
  };

  constructor(lease: SharedArrayBuffer) {
    this.words = new Int32Array(lease);
  }

  /** Takes the granted endpoint (GRANTED -> IDLE) and starts showing life; false if the owner already took it back. */
  claim(): boolean {
    if (Atomics.compareExchange(this.words, STATE, LEASE_GRANTED, LEASE_IDLE) !== LEASE_GRANTED) return false;
    for (let i = 0; i < LIFE_WAITERS; i++) this.arm();
    return true;
  }

  /** Before sending anything: true if the endpoint may be used (it is BUSY now), false if revoked. */
  markBusy(): boolean {
    for (;;) {
      const state = Atomics.load(this.words, STATE);
      if (state === LEASE_BUSY) return true;
      if (state === LEASE_REVOKED) return false;
      if (Atomics.compareExchange(this.words, STATE, state, LEASE_BUSY) === state) return true;
    }
  }

  /** Nothing outstanding any more: the owner may revoke it again. False if it was revoked meanwhile. */
  markIdle(): boolean {
    return Atomics.compareExchange(this.words, STATE, LEASE_BUSY, LEASE_IDLE) !== LEASE_REVOKED;
  }

  /** Called by the client's sweep while busy: this thread runs. */
  beat(): void {
    Atomics.add(this.words, HEARTBEAT, 1);
  }

  get revoked(): boolean {
    return Atomics.load(this.words, STATE) === LEASE_REVOKED;
  }

  /**
   * The thread is done with the endpoint (closed, or found it revoked): REVOKED, and every life
   * waiter is woken so that none stays parked (each would hold this buffer for the thread's life).
   */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    Atomics.store(this.words, STATE, LEASE_REVOKED);
    Atomics.notify(this.words, LIFE);
  }

  private arm(): void {
    const waiting = Atomics.waitAsync(this.words, LIFE, 0);
    // A waitAsync waiter does not keep the thread alive, so this never holds an exit back.
    if (waiting.async) void waiting.value.then(this.rearm);
  }
}

/** The owner's side of a lease. */
export class LeaseWatch {
  private readonly words: Int32Array;

  constructor(lease: SharedArrayBuffer) {
    this.words = new Int32Array(lease);
  }

  /** Wakes one life waiter: false when none was parked (the thread is gone, or blocked for LIFE_WAITERS probes). */
  probeLife(): boolean {
    return Atomics.notify(this.words, LIFE, 1) === 1;
  }

  get state(): number {
    return Atomics.load(this.words, STATE);
  }

  get heartbeat(): number {
    return Atomics.load(this.words, HEARTBEAT);
  }

  /** Takes the endpoint back if it is still in `expected` state; false if the thread changed it first. */
  revokeIf(expected: number): boolean {
    return Atomics.compareExchange(this.words, STATE, expected, LEASE_REVOKED) === expected;
  }
}
