// Accepts whose values say, at every byte, which message they belong to: the value slab's tests
// (value-slab.test.ts, slab-hold.test.ts) check every value they read or keep against its pattern.

export const accept = (slot: number, value: Uint8Array) => ({ type: 3, from: 1, ballot: 65_537, slot, value });
export type Accept = ReturnType<typeof accept>;

/** Bytes that say which message they belong to, at every position (written into `target` if given). */
export function pattern(seq: number, length: number, target: Uint8Array<ArrayBufferLike> = new Uint8Array(length)): Uint8Array<ArrayBufferLike> {
  for (let i = 0; i < length; i++) target[i] = (seq * 31 + i * 7) & 255;
  return target;
}

export function matches(seq: number, value: Uint8Array): boolean {
  for (let i = 0; i < value.length; i++) if (value[i] !== ((seq * 31 + i * 7) & 255)) return false;
  return true;
}
