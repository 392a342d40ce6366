// The acknowledgement ranges of a ClientReplyBatch: four numbers per range (clientId, firstSeq,
// lastSeq, firstIndex), meaning the commands firstSeq..lastSeq of that client were delivered at
// firstIndex, firstIndex + 1, ... A learner delivers a slot's commands in order, and one client's
// commands in a slot are consecutive in seq and each takes one index, so a slot of one client's
// appends is one range. A command of count k > 1 (a sequencer's reservation) moves the next index
// by k, so the next command starts a range of its own.

/** Numbers per range in ClientReplyBatchMessage.ranges. */
export const ACK_RANGE_NUMBERS = 4;

/** Calls `acknowledged` once per command the ranges acknowledge, in order. */
export function forEachAck(ranges: readonly number[], acknowledged: (clientId: number, seq: number, logIndex: number) => void): void {
  for (let at = 0; at + ACK_RANGE_NUMBERS <= ranges.length; at += ACK_RANGE_NUMBERS) {
    const clientId = ranges[at]!;
    const firstSeq = ranges[at + 1]!;
    const lastSeq = ranges[at + 2]!;
    const firstIndex = ranges[at + 3]!;
    for (let seq = firstSeq; seq <= lastSeq; seq++) acknowledged(clientId, seq, firstIndex + (seq - firstSeq));
  }
}

/**
 * Adds the acknowledgement (clientId, seq, logIndex) to `ranges`: it extends the last range when it
 * is that range's next command at that range's next index, and starts a range otherwise.
 */
export function appendAck(ranges: number[], clientId: number, seq: number, logIndex: number): void {
  const last = ranges.length - ACK_RANGE_NUMBERS;
  if (last >= 0 && ranges[last] === clientId) {
    const lastSeq = ranges[last + 2]!;
    if (seq === lastSeq + 1 && logIndex === ranges[last + 3]! + (seq - ranges[last + 1]!)) {
      ranges[last + 2] = seq;
      return;
    }
  }
  ranges.push(clientId, seq, seq, logIndex);
}
