// The floor under a log in memory at large entries: how fast this machine copies an entry into
// memory the process never wrote, against over memory it wrote before. An in-memory log that is
// not trimmed grows: its learner writes every entry into fresh pages, and the first write to a
// page faults it in (the kernel takes a page and zeroes it; on a VM whose host takes back the
// guest's free memory, the host faults it in as well). Measured on this project's 2-core VM
// (2026-12-05): 97% of the page faults of a 64 KiB run were the learner's log growing, at 16 a
// 64 KiB entry, and the first write of fresh memory ran at 0.3 GB/s against 19 GB/s over memory
// written before. The figure moves from hour to hour there, and the 64 KiB row with it.
import { performance } from 'node:perf_hooks';

export interface FreshMemoryFigures {
  /** Entries copied into a growing buffer, as a log in memory grows: payload bytes a second / 1e9. */
  readonly freshGigabytesPerSecond: number;
  /** The same entries copied again over what the first pass wrote. */
  readonly rewrittenGigabytesPerSecond: number;
}

/** The most the measurement writes (then lets go of). */
const FRESH_BYTES_MAX = 128 * 1024 * 1024;

/**
 * Copies `entryBytes` at a time into a growable SharedArrayBuffer (what a shared record store
 * grows) until it holds FRESH_BYTES_MAX or `budgetMs` passes, then once more over the same bytes.
 */
export function measureFreshMemory(entryBytes: number, budgetMs: number): FreshMemoryFigures {
  if (!Number.isInteger(entryBytes) || entryBytes < 1 || entryBytes > FRESH_BYTES_MAX) {
    throw new RangeError(`entryBytes must be an integer from 1 to ${FRESH_BYTES_MAX}, got ${entryBytes}`);
  }
  if (!(budgetMs > 0)) throw new RangeError(`budgetMs must be positive, got ${budgetMs}`);
  const entry = new Uint8Array(entryBytes).fill(0x5a);
  const memory = new SharedArrayBuffer(entryBytes, { maxByteLength: FRESH_BYTES_MAX });
  // A view of fixed length, renewed as the buffer grows (as the store does: a length-tracking view writes slower).
  let view = new Uint8Array(memory, 0, memory.byteLength);
  let written = 0;
  const start = performance.now();
  while (written + entryBytes <= FRESH_BYTES_MAX && performance.now() - start < budgetMs) {
    if (written + entryBytes > memory.byteLength) {
      memory.grow(Math.min(FRESH_BYTES_MAX, Math.max(written + entryBytes, memory.byteLength * 2)));
      view = new Uint8Array(memory, 0, memory.byteLength);
    }
    view.set(entry, written);
    written += entryBytes;
  }
  const freshMs = performance.now() - start;
  const again = performance.now();
  for (let at = 0; at < written; at += entryBytes) view.set(entry, at);
  const rewrittenMs = performance.now() - again;
  return {
    freshGigabytesPerSecond: written / (freshMs * 1e6),
    rewrittenGigabytesPerSecond: written / (Math.max(rewrittenMs, 1e-3) * 1e6),
  };
}
