import { ftruncateSync } from 'node:fs';

/** How far past its records an append-only file's length is set when a write would cross it. */
export const SPARSE_TAIL_BYTES = 4 * 1024 * 1024;

/**
 * The length of an append-only file, kept ahead of its records so that most writes land inside
 * the file instead of past its end. fdatasync must make a file's new length durable with its
 * data (on ext4, a journal commit), but not a write that leaves the length as it was. Measured
 * on this project's 2-core VM (ext4 on virtio; BENCHMARKS.md, 2026-12-04 late night): four files
 * each written 2 KiB at a time and fdatasynced in turn, 265 us a sync against 299 us appending; in
 * a log under load, an acceptor's fdatasync 318 against 410 us on average; one appender with
 * `storage.dir`, p50 about 15% lower; fsync 'always' about 20% more appends a second. (At 256 in
 * flight on 2 cores the throughput did not change: the sync is not what that load waits on most.)
 *
 * The extra length is a hole: it takes no disk space and reads as zeros. A crash that leaves it
 * leaves a torn tail to the scan at open (a zero frame header fails its checksum, and nothing
 * valid follows), which cuts it off; close() cuts it off too, so a closed file holds exactly its
 * records. Blocks are still allocated as records fill the hole, and the file system orders that
 * allocation after the data as it does for an append (ext4's data=ordered), so what a crash can
 * leave is what it left before: a prefix of the writes, then zeros.
 *
 * Why not zeros written ahead, as PostgreSQL does for its WAL: overwriting allocated blocks made
 * a sync faster again here (195 us), but those writes reach the disk in no guaranteed order, so a
 * power cut during an fdatasync can leave an unwritten page before a written one: a bad frame
 * followed by valid ones, which the scan at open must call damage (it cannot tell it from a
 * synced frame gone bad). And writing the zeros doubled what 64 KiB entries wrote (15-35% fewer
 * appends a second).
 */
export class SparseTail {
  /** The file's length as this process set it: the records, then the hole. */
  private lengthBytes: number;
  /** Set once ftruncate failed: from then on writes extend the file themselves. */
  private refused = false;

  /** `recordsBytes`: what the file holds now (its length); `aheadBytes`: 0 for no hole (every write extends the file). */
  constructor(
    private readonly fd: number,
    recordsBytes: number,
    private readonly aheadBytes: number = SPARSE_TAIL_BYTES,
  ) {
    this.lengthBytes = recordsBytes;
  }

  /** The file's length: its records and the hole after them. */
  get fileLengthBytes(): number {
    return this.lengthBytes;
  }

  /**
   * Called before writing records up to `endBytes`: if that is past the file's length, the
   * length becomes `endBytes + aheadBytes`. A refusal (a file size limit, a failing disk) is not
   * this write's failure: the write itself extends the file, as with no hole, and reports its
   * own error if it has one.
   */
  cover(endBytes: number): void {
    if (endBytes <= this.lengthBytes) return;
    if (this.aheadBytes > 0 && !this.refused) {
      try {
        ftruncateSync(this.fd, endBytes + this.aheadBytes);
        this.lengthBytes = endBytes + this.aheadBytes;
        return;
      } catch {
        this.refused = true;
      }
    }
    this.lengthBytes = endBytes;
  }

  /**
   * Cuts the hole off (at close): the file ends where its records do. Not synced: if a crash
   * undoes it, the scan at open cuts the hole as a torn tail. A refusal leaves the same.
   */
  cut(recordsBytes: number): void {
    if (this.lengthBytes <= recordsBytes) return;
    try {
      ftruncateSync(this.fd, recordsBytes);
      this.lengthBytes = recordsBytes;
    } catch {
      // Left to the next open, as above.
    }
  }
}
