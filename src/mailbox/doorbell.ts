import {
  DOORBELL_BYTES,
  DOORBELL_INTERRUPT_INDEX,
  DOORBELL_PARKED_INDEX,
  DOORBELL_SEQUENCE_INDEX,
} from './layout.js';

/** Receivers this thread woke (ring() calls that notified): a wake-up is a system call, and on a VM often an interrupt to another core. */
let wakesSent = 0;

/** How many receivers this thread has woken so far (ThreadStats reports it as `threadWakesSent`). */
export function doorbellWakesSent(): number {
  return wakesSent;
}

/**
 * One wake-up word per receiving thread, shared by every ring that delivers to it.
 *
 * The receiver parks in three steps: read `sequence`, set `parked`, re-check its rings, and
 * only then wait for `sequence` to move. A sender rings after committing a record: if it can
 * swap `parked` from 1 to 0 it bumps `sequence` and notifies. All of these are sequentially
 * consistent atomics, so either the sender sees `parked` set, or the receiver's re-check sees
 * the record: a message can never sit unnoticed next to a sleeping receiver. Senders to a
 * receiver that is busy pay one atomic load and no notify, which is the whole point: the
 * wake-up, not the copy, is what costs (tens of microseconds on a small machine).
 */
/** How another thread wakes a receiver for a reason other than a message: `new Doorbell(doorbell).interrupt(bits)`. */
export interface WakeSignal {
  readonly doorbell: SharedArrayBuffer;
  readonly bits: number;
}

export function createDoorbell(): SharedArrayBuffer {
  return new SharedArrayBuffer(DOORBELL_BYTES);
}

export class Doorbell {
  readonly words: Int32Array;

  constructor(readonly sab: SharedArrayBuffer) {
    if (!(sab instanceof SharedArrayBuffer) || sab.byteLength !== DOORBELL_BYTES) {
      throw new TypeError(`a doorbell is a SharedArrayBuffer of ${DOORBELL_BYTES} bytes made by createDoorbell()`);
    }
    this.words = new Int32Array(sab);
  }

  // ---- sender side ----

  /** Wakes the receiver if it is parked. Returns true if this call did the waking. */
  ring(): boolean {
    if (Atomics.load(this.words, DOORBELL_PARKED_INDEX) === 0) return false;
    if (Atomics.compareExchange(this.words, DOORBELL_PARKED_INDEX, 1, 0) !== 1) return false;
    Atomics.add(this.words, DOORBELL_SEQUENCE_INDEX, 1);
    Atomics.notify(this.words, DOORBELL_SEQUENCE_INDEX);
    wakesSent++;
    return true;
  }

  /**
   * Sets interrupt bits and wakes the receiver only if it is parked, as ring() does: for reasons
   * that come often (a helper thread's I/O returning), where a busy receiver finds the bits at
   * its next look and a notify would be a system call for nothing. The receiver's park re-checks
   * the interrupt word after announcing itself, so the bits are never missed.
   */
  signal(bits: number): void {
    Atomics.or(this.words, DOORBELL_INTERRUPT_INDEX, bits);
    this.ring();
  }

  /** Sets interrupt bits (reasons to wake other than messages) and wakes the receiver whether or not it looked parked. */
  interrupt(bits: number): void {
    Atomics.or(this.words, DOORBELL_INTERRUPT_INDEX, bits);
    Atomics.store(this.words, DOORBELL_PARKED_INDEX, 0);
    Atomics.add(this.words, DOORBELL_SEQUENCE_INDEX, 1);
    Atomics.notify(this.words, DOORBELL_SEQUENCE_INDEX);
  }

  // ---- receiver side ----

  /** Step one of parking: returns the sequence value to wait on, with `parked` set. */
  prepareToPark(): number {
    const sequence = Atomics.load(this.words, DOORBELL_SEQUENCE_INDEX);
    Atomics.store(this.words, DOORBELL_PARKED_INDEX, 1);
    return sequence;
  }

  /** Undoes prepareToPark() when the re-check found work. */
  cancelPark(): void {
    Atomics.store(this.words, DOORBELL_PARKED_INDEX, 0);
  }

  /** Blocks the thread until rung, interrupted or `timeoutMs` passes. Only after prepareToPark() and a re-check. */
  park(sequence: number, timeoutMs: number): void {
    Atomics.wait(this.words, DOORBELL_SEQUENCE_INDEX, sequence, timeoutMs);
    Atomics.store(this.words, DOORBELL_PARKED_INDEX, 0);
  }

  /** As park(), without blocking the event loop (for threads that must keep timers and ports alive). */
  async parkAsync(sequence: number, timeoutMs: number): Promise<void> {
    const result = Atomics.waitAsync(this.words, DOORBELL_SEQUENCE_INDEX, sequence, timeoutMs);
    if (result.async) await result.value;
    Atomics.store(this.words, DOORBELL_PARKED_INDEX, 0);
  }

  /** Reads and clears the interrupt bits. */
  takeInterrupts(): number {
    if (Atomics.load(this.words, DOORBELL_INTERRUPT_INDEX) === 0) return 0;
    return Atomics.exchange(this.words, DOORBELL_INTERRUPT_INDEX, 0);
  }
}
