// Slot assembly as the micro suite measures it.
//
// PLACEHOLDER: these are stand-ins, written for the benchmark only, for what the proposer will do
// when it cuts client batches into slot values (src/paxos/value.ts: "slot assembly is a subarray
// or one copy, never a decode"). When the proposer has its own slot assembly, the micro suite
// should benchmark that code instead and these two functions should be deleted.

import { nextCommandAt, viewOf, type Value } from '../../src/paxos/value.js';

/**
 * Cuts `value` into slot values of at most `maxSlotBytes` bytes each, at command boundaries, as
 * subarrays of `value` (no copy). A command larger than `maxSlotBytes` gets a slot of its own.
 * Writes the slots into `out` (reused: its length is set) and returns how many there are.
 */
export function splitIntoSlots(value: Value, maxSlotBytes: number, out: Value[]): number {
  const view = viewOf(value);
  const end = value.byteLength;
  let slots = 0;
  let slotStart = 0;
  let at = 0;
  while (at < end) {
    const next = nextCommandAt(view, at);
    if (next - slotStart > maxSlotBytes && at > slotStart) {
      out[slots++] = value.subarray(slotStart, at);
      slotStart = at;
    }
    at = next;
  }
  if (end > slotStart) out[slots++] = value.subarray(slotStart, end);
  out.length = slots;
  return slots;
}

/**
 * One slot value from two runs of whole commands, `a[aStart, aEnd)` then `b[bStart, bEnd)`, each
 * from its own buffer (two clients' batches): one allocation and one copy of every byte.
 */
export function concatRuns(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): Value {
  const aBytes = aEnd - aStart;
  const value = new Uint8Array(aBytes + (bEnd - bStart));
  value.set(a.subarray(aStart, aEnd), 0);
  value.set(b.subarray(bStart, bEnd), aBytes);
  return value;
}
