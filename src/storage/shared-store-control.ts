// The control word of a SharedRecordStore (shared-record-store.ts): which half is live and how
// many of its bytes are committed, in ONE word, so that switching halves after a compaction is
// one atomic store and a successor sees the old half or the new, never a mix.
//
// Why a BigInt64 word: a half holds up to SHARED_STORE_BYTES_MAX (2^32) bytes, so the word must
// hold committedBytes * 2 + liveHalf up to 2^33 + 1, which no Int32 does (the Int32 word this
// replaces wrapped past 2^31 committed bytes, and a restarted learner then found its store
// "torn" and lost every entry). Atomics works on BigInt64Array, a 64-bit store is as atomic as a
// 32-bit one, and two Int32 words would need a seqlock to be read consistently. The word is
// written once per sync, so the BigInt conversion costs nothing that matters.

/** Largest a half may grow to: the most a growable SharedArrayBuffer may be on Node 20 (2^32 bytes); reserved as address space only. */
export const SHARED_STORE_BYTES_MAX = 2 ** 32;

/** The word's index in the store's control buffer (as a BigInt64Array). */
export const CONTROL_WORD_INDEX = 0;

export type LiveHalf = 0 | 1;

export interface SharedStoreControl {
  readonly committedBytes: number;
  readonly liveHalf: LiveHalf;
}

/** The word for `committedBytes` committed in half `liveHalf`; RangeError for anything the word does not hold. */
export function packSharedStoreControl(committedBytes: number, liveHalf: LiveHalf): bigint {
  if (!Number.isSafeInteger(committedBytes) || committedBytes < 0 || committedBytes > SHARED_STORE_BYTES_MAX) {
    throw new RangeError(`shared store control word: committed bytes must be an integer from 0 to ${SHARED_STORE_BYTES_MAX}, got ${String(committedBytes)}`);
  }
  if (liveHalf !== 0 && liveHalf !== 1) throw new RangeError(`shared store control word: live half must be 0 or 1, got ${String(liveHalf)}`);
  // One BigInt from a safe integer (at most 2^33 + 1), not three from BigInt arithmetic: this runs
  // at every sync, and each BigInt is garbage.
  return BigInt(committedBytes * 2 + liveHalf);
}

/** What `word` says; RangeError for a word packSharedStoreControl never writes (damage or a bug). */
export function unpackSharedStoreControl(word: bigint): SharedStoreControl {
  if (word < 0n || word > BigInt(SHARED_STORE_BYTES_MAX) * 2n + 1n) {
    throw new RangeError(`shared store control word ${word} is outside what a store of ${SHARED_STORE_BYTES_MAX} bytes writes`);
  }
  return { committedBytes: Number(word >> 1n), liveHalf: Number(word & 1n) as LiveHalf };
}
