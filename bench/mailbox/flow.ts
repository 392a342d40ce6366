/**
 * Shared words between a one-way sender and its receiver, each on its own cache line so the
 * sender's polling of `stop` does not contend with the receiver's writes of `acknowledged`.
 *
 * - stop: the receiver owns the clock; it sets this when its measured window is over.
 * - senderDone: the sender's answer; the receiver keeps draining until then, so a sender blocked
 *   on a full ring always gets the space it needs to notice the stop.
 * - acknowledged: messages received so far, published every ACK_EVERY_MESSAGES by a postMessage
 *   receiver. postMessage has no backpressure of its own; without a credit window the sender
 *   would queue messages without bound and we would measure the allocator, not the transport.
 */
const STOP_INDEX = 0;
const SENDER_DONE_INDEX = 16;
const ACKNOWLEDGED_INDEX = 32;

export const ACK_EVERY_MESSAGES = 64;

export function createFlow(): SharedArrayBuffer {
  return new SharedArrayBuffer((ACKNOWLEDGED_INDEX + 1) * Int32Array.BYTES_PER_ELEMENT);
}

export class OneWayFlow {
  private readonly words: Int32Array;

  constructor(sab: SharedArrayBuffer) {
    this.words = new Int32Array(sab);
  }

  requestStop(): void {
    Atomics.store(this.words, STOP_INDEX, 1);
  }

  stopRequested(): boolean {
    return Atomics.load(this.words, STOP_INDEX) !== 0;
  }

  markSenderDone(): void {
    Atomics.store(this.words, SENDER_DONE_INDEX, 1);
  }

  senderDone(): boolean {
    return Atomics.load(this.words, SENDER_DONE_INDEX) !== 0;
  }

  acknowledge(received: number): void {
    Atomics.store(this.words, ACKNOWLEDGED_INDEX, received);
    Atomics.notify(this.words, ACKNOWLEDGED_INDEX);
  }

  acknowledged(): number {
    return Atomics.load(this.words, ACKNOWLEDGED_INDEX);
  }

  /** Sleeps until the receiver acknowledges past `seen`, or `timeoutMs` passes (then the caller re-checks stop). */
  waitForAcknowledgement(seen: number, timeoutMs: number): void {
    Atomics.wait(this.words, ACKNOWLEDGED_INDEX, seen, timeoutMs);
  }
}
