// The acknowledgement ranges of a ClientReplyBatch: four numbers per range (firstClientId, seq,
// count, firstIndex), meaning the commands (firstClientId + j, seq) for j < count were delivered
// at firstIndex + j. A client runs one append at a time per session, and the sessions of one
// endpoint have consecutive client ids (wire.ts: the session is the id's low bits); under a
// steady load its sessions move in step, reused in the order they were freed (AppendCore), so a
// slot holds its appends as consecutive sessions at one seq, and acknowledging them takes one
// range. Anything else (a session out of step, another endpoint, a reservation, whose count moves
// the next index by more than one) starts a range of its own: the encoding is lossless whatever
// comes.

/** Numbers per range in ClientReplyBatchMessage.ranges. */
export const ACK_RANGE_NUMBERS = 4;

/** Calls `acknowledged` once per command the ranges acknowledge, in order. */
export function forEachAck(ranges: readonly number[], acknowledged: (clientId: number, seq: number, logIndex: number) => void): void {
  for (let at = 0; at + ACK_RANGE_NUMBERS <= ranges.length; at += ACK_RANGE_NUMBERS) {
    const firstClientId = ranges[at]!;
    const seq = ranges[at + 1]!;
    const count = ranges[at + 2]!;
    const firstIndex = ranges[at + 3]!;
    for (let j = 0; j < count; j++) acknowledged(firstClientId + j, seq, firstIndex + j);
  }
}

/**
 * Adds the acknowledgement (clientId, seq, logIndex) to `ranges`: it extends the last range when
 * it is that range's next client id, at the same seq, at that range's next index, and starts a
 * range otherwise.
 */
export function appendAck(ranges: number[], clientId: number, seq: number, logIndex: number): void {
  const last = ranges.length - ACK_RANGE_NUMBERS;
  if (last >= 0) {
    const count = ranges[last + 2]!;
    if (clientId === ranges[last]! + count && seq === ranges[last + 1]! && logIndex === ranges[last + 3]! + count) {
      ranges[last + 2] = count + 1;
      return;
    }
  }
  ranges.push(clientId, seq, 1, logIndex);
}
