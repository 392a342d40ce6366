import { FRAME_HEADER_BYTES, sealUncheckedFrame, walkTrustedFrames, writeFrame, type FrameVisitor } from './frame.js';
import { NOTHING_RESERVED, appendByReserving, checkReadRange, checkReserved, headOf, tailOf, type RecordStore, type RewriteRecord } from './record-store.js';
import { CONTROL_WORD_INDEX, SHARED_STORE_BYTES_MAX, packSharedStoreControl, unpackSharedStoreControl, type LiveHalf } from './shared-store-control.js';

const HALF_BYTES_INITIAL = 64 * 1024;
/** The kernel's page size for prefault(): 4 KiB on x86-64 and most arm64 kernels; a larger page only means some writes touch a page twice. */
const PAGE_BYTES = 4096;
/** The control buffer: the control word alone on its cache line. */
const CONTROL_BYTES = 64;

/**
 * The memory a SharedRecordStore lives in, allocated by the thread that outlives the store's user
 * (the ActorSystem's) and handed to every incarnation of the actor. Structured-cloneable.
 *
 * Two growable halves: one holds the live records, the other receives a compaction. One 64-bit
 * control word says which half is live and how many of its bytes are committed (see
 * shared-store-control.ts), so switching halves after a compaction is one atomic store.
 */
export interface SharedStoreMemory {
  readonly control: SharedArrayBuffer;
  readonly halves: readonly [SharedArrayBuffer, SharedArrayBuffer];
}

/** `bytesMax`: the most either half may hold (what the store can keep live at once). */
export function createSharedStoreMemory(bytesMax: number = SHARED_STORE_BYTES_MAX): SharedStoreMemory {
  if (!Number.isInteger(bytesMax) || bytesMax < HALF_BYTES_INITIAL || bytesMax > SHARED_STORE_BYTES_MAX) {
    throw new RangeError(`a shared store holds from ${HALF_BYTES_INITIAL} to ${SHARED_STORE_BYTES_MAX} bytes, got ${String(bytesMax)}`);
  }
  const half = () => new SharedArrayBuffer(HALF_BYTES_INITIAL, { maxByteLength: bytesMax });
  return { control: new SharedArrayBuffer(CONTROL_BYTES), halves: [half(), half()] };
}

/**
 * A RecordStore in shared memory: it survives the crash of the worker thread that writes it
 * (the process is the failure domain of synod's in-memory mode), so a restarted acceptor comes
 * back with every promise and acceptance it made. sync() is the commit point: records appended
 * before it are visible to a successor; a worker killed between append and sync leaves them out,
 * exactly like an unsynced file write. That commit word is the store's only crash boundary, so
 * its frames carry no checksum (sealUncheckedFrame): open follows their lengths to the commit point.
 *
 * Memory: the records live only in the shared halves (open walks them in place and copies
 * nothing; `recovered` copies on first use). A SharedArrayBuffer never shrinks, so after a
 * rewrite the old half keeps its pages until the next rewrite reuses it: resident memory is
 * bounded by the two halves' high-water marks, not by all the records ever appended.
 */
export class SharedRecordStore implements RecordStore {
  readonly recoveredCount: number;
  private recoveredRecords: Uint8Array[] | undefined;
  /** End of the records found at open; undefined once a rewrite replaced them. */
  private recoveredEnd: number | undefined;
  private readonly control: BigInt64Array;
  private live: LiveHalf;
  private committedBytes: number;
  private writtenBytes: number;
  /** Payload bytes reserve() made room for, or NOTHING_RESERVED; the record goes at writtenBytes. */
  private reservedBytes = NOTHING_RESERVED;
  private reservedTargetValue: Uint8Array = new Uint8Array(0);
  /** Each half's view as room() made it, until that half grows. */
  private readonly halfViews: [Uint8Array | undefined, Uint8Array | undefined] = [undefined, undefined];
  /** Per half: how far from its start prefault() touched it (its pages stay: a SharedArrayBuffer never shrinks). */
  private readonly prefaultedBytes: [number, number] = [0, 0];

  constructor(private readonly memory: SharedStoreMemory) {
    this.control = new BigInt64Array(memory.control);
    const { committedBytes, liveHalf } = unpackSharedStoreControl(Atomics.load(this.control, CONTROL_WORD_INDEX));
    this.live = liveHalf;
    this.committedBytes = committedBytes;
    const half = memory.halves[liveHalf];
    if (committedBytes > half.byteLength) throw new Error(`shared record store damaged: ${committedBytes} bytes committed, but its live half holds ${half.byteLength}`);
    // Committed bytes were complete frames when committed; frames that do not end at the commit
    // point are a bug, not a crash.
    try {
      this.recoveredCount = walkTrustedFrames(new Uint8Array(half), committedBytes);
    } catch (error) {
      throw new Error(`shared record store damaged below its commit point: ${(error as Error).message}`);
    }
    this.recoveredEnd = this.writtenBytes = this.committedBytes;
  }

  get recovered(): readonly Uint8Array[] {
    if (this.recoveredRecords === undefined) {
      if (this.recoveredEnd === undefined) throw new Error('shared record store: the records recovered at open were replaced by rewrite()');
      const records: Uint8Array[] = [];
      walkTrustedFrames(this.liveBytes(), this.recoveredEnd, (payload) => records.push(payload.slice()));
      this.recoveredRecords = records;
    }
    return this.recoveredRecords;
  }

  get sizeBytes(): number {
    return this.writtenBytes;
  }

  forEachRecord(visit: FrameVisitor): void {
    // Every frame here was walked at open or written since by this store (a restarted learner
    // replays its whole log through here).
    walkTrustedFrames(this.liveBytes(), this.writtenBytes, visit);
  }

  append(payload: Uint8Array, tail?: Uint8Array): number {
    return appendByReserving(this, payload, tail);
  }

  sharedPayloadAddress(): number {
    // The halves' bases are page-aligned; a record's payload follows its frame header.
    return (this.writtenBytes + FRAME_HEADER_BYTES) & 7;
  }

  reserve(payloadBytesMax: number): number {
    this.reservedBytes = NOTHING_RESERVED;
    this.reservedTargetValue = this.room(this.live, this.writtenBytes, FRAME_HEADER_BYTES + payloadBytesMax);
    this.reservedBytes = payloadBytesMax;
    return this.writtenBytes + FRAME_HEADER_BYTES;
  }

  get reservedTarget(): Uint8Array {
    return this.reservedTargetValue;
  }

  appendReserved(payloadBytes: number): number {
    checkReserved(payloadBytes, this.reservedBytes);
    this.reservedBytes = NOTHING_RESERVED;
    const at = this.writtenBytes;
    this.writtenBytes = sealUncheckedFrame(this.reservedTargetValue, at, payloadBytes);
    return at + FRAME_HEADER_BYTES;
  }

  read(offset: number, length: number): Uint8Array {
    checkReadRange(offset, length, this.writtenBytes);
    // slice(): a copy in memory of its own, so it stays valid whatever the store does next, and
    // is an ordinary (not shared) buffer that every consumer (TextDecoder included) accepts.
    return this.liveBytes().slice(offset, offset + length);
  }

  payloadView(offset: number, length: number): Uint8Array {
    checkReadRange(offset, length, this.writtenBytes);
    // Of fixed length, as room()'s views are; still valid after the half grows.
    return new Uint8Array(this.memory.halves[this.live], offset, length);
  }

  sync(): void {
    if (this.writtenBytes === this.committedBytes) return;
    Atomics.store(this.control, CONTROL_WORD_INDEX, packSharedStoreControl(this.writtenBytes, this.live));
    this.committedBytes = this.writtenBytes;
  }

  rewrite(payloads: Iterable<RewriteRecord>, placed?: (payloadOffset: number) => void): void {
    this.reservedBytes = NOTHING_RESERVED;
    const next = (1 - this.live) as LiveHalf;
    let offset = 0;
    for (const record of payloads) {
      const head = headOf(record);
      const tail = tailOf(record);
      const payloadBytes = head.byteLength + tail.byteLength;
      offset = writeFrame(this.room(next, offset, FRAME_HEADER_BYTES + payloadBytes), offset, head, tail, sealUncheckedFrame);
      placed?.(offset - payloadBytes);
    }
    // The switch is one atomic store: a successor sees the old half or the new, never a mix.
    Atomics.store(this.control, CONTROL_WORD_INDEX, packSharedStoreControl(offset, next));
    this.live = next;
    this.committedBytes = this.writtenBytes = offset;
    this.recoveredEnd = undefined;
  }

  close(): void {
    this.sync();
  }

  /**
   * Writes a zero into each page of the live half from its end (or where the last call stopped)
   * to `aheadBytes` past its end: bytes no record holds yet, which no reader looks at (readers stop
   * at the commit point, below the end), and which the next records overwrite. The first write to
   * a page is what faults it in: the kernel takes a fresh page and zeroes it, which on a VM cost a
   * learner about 10 us a page under load, 70% of its thread at 64 KiB entries (perf:
   * clear_page_erms), inside its turn. Grows the half to make room, never past its limit; not while
   * a reservation is open (its bytes are being written).
   */
  prefault(aheadBytes: number, budgetBytes: number): boolean {
    if (this.reservedBytes !== NOTHING_RESERVED) return false;
    const live = this.live;
    const from = Math.max(this.writtenBytes, this.prefaultedBytes[live]);
    const to = Math.min(this.writtenBytes + aheadBytes, from + budgetBytes, this.memory.halves[live].maxByteLength);
    if (to <= from) return false;
    const view = this.room(live, from, to - from);
    // The page holding `from` is resident already (written, or touched by the last call).
    for (let at = Math.ceil(from / PAGE_BYTES) * PAGE_BYTES; at < to; at += PAGE_BYTES) view[at] = 0;
    this.prefaultedBytes[live] = to;
    return true;
  }

  private liveBytes(): Uint8Array {
    return new Uint8Array(this.memory.halves[this.live]);
  }

  /**
   * A byte view of half `index` with at least `bytes` free after `offset`, growing the buffer in
   * place if needed. The view is kept until the half grows: one made per record was garbage on
   * every acceptance (and every record a compaction moves).
   */
  private room(index: LiveHalf, offset: number, bytes: number): Uint8Array {
    const half = this.memory.halves[index];
    growFor(half, offset + bytes);
    const kept = this.halfViews[index];
    if (kept !== undefined && kept.byteLength === half.byteLength) return kept;
    // A view of fixed length: one that tracks a growable buffer's length reads and writes elements
    // about six times slower (measured on Node 20), which a record written in place pays per byte.
    const view = new Uint8Array(half, 0, half.byteLength);
    this.halfViews[index] = view;
    return view;
  }
}

/** Grows `half` in place to hold at least `needed` bytes (doubling, up to its limit). */
function growFor(half: SharedArrayBuffer, needed: number): void {
  if (needed > half.byteLength) {
    const limit = half.maxByteLength;
    if (needed > limit) throw sharedMemoryFull(`${needed} bytes needed, limit ${limit}`);
    try {
      half.grow(Math.min(limit, Math.max(needed, half.byteLength * 2)));
    } catch (error) {
      throw sharedMemoryFull(`growing to ${needed} bytes failed: ${(error as Error).message}`);
    }
  }
}

/**
 * A full shared store is to an in-memory log what a full disk is to one with storage.dir, and is
 * reported the same way (code ENOSPC, so the roles hold and retry instead of crashing, and appends
 * fail with StorageFullError): trim the log, or give it a storage.dir.
 */
function sharedMemoryFull(detail: string): Error {
  return Object.assign(new RangeError(`shared record store is full (${detail}): trim the log or use storage.dir`), {
    code: 'ENOSPC',
    errno: -28,
    path: 'shared memory',
  });
}
