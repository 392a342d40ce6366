import { RING_HEAD_INDEX, type RingProducer } from '../../src/mailbox/index.js';

/**
 * Blocks until a record of `payloadBytes` fits, the way Outbox.send() does for msgpack messages
 * (announce the free space wanted, re-check, Atomics.wait on the consumer's head). The bare-ring sender uses it so that
 * both ring senders meet backpressure identically and differ only by the codec.
 */
export function waitForRoom(producer: RingProducer, payloadBytes: number, timeoutMs: number): void {
  const wantedFreeBytes = producer.wantedFreeBytesAfterFull(payloadBytes);
  const head = producer.announceWaitForSpace(wantedFreeBytes);
  try {
    if (producer.hasFreeBytes(wantedFreeBytes)) return;
    if (Atomics.wait(producer.sharedWords, RING_HEAD_INDEX, head, timeoutMs) === 'timed-out' && !producer.hasRoomFor(payloadBytes)) {
      throw new Error(`bare ring still full after ${timeoutMs} ms: the receiver stopped draining`);
    }
  } finally {
    producer.endWaitForSpace();
  }
}
