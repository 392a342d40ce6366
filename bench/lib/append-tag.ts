/**
 * Entries that say who appended them: (writer, lane, seq) in the first 16 bytes, so a run can be
 * checked afterwards against what each lane was told (see bench/failover/exactly-once.ts).
 */
export const APPEND_TAG_BYTES = 16;

export function tagEntry(entryBytes: number, writer: number, lane: number, seq: number): Uint8Array {
  const entry = new Uint8Array(Math.max(entryBytes, APPEND_TAG_BYTES));
  const view = new DataView(entry.buffer);
  view.setUint32(0, writer);
  view.setUint32(4, lane);
  view.setFloat64(8, seq);
  return entry;
}

/** One number for a tag: writer and lane below 2^16, seq below 2^32. */
export function tagKey(writer: number, lane: number, seq: number): number {
  return (writer * 65_536 + lane) * 2 ** 32 + seq;
}

export function tagKeyOf(entry: Uint8Array): number {
  if (entry.byteLength < APPEND_TAG_BYTES) return -1;
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  return tagKey(view.getUint32(0), view.getUint32(4), view.getFloat64(8));
}
