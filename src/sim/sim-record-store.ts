// A RecordStore for the simulator: the same frames (src/storage/frame.ts) as the runtime's stores,
// in one thread's memory, with a crash that keeps what a real disk may keep. Records appended and
// synced survive; of the ones appended since the last sync, a crash keeps any prefix of their
// bytes (none, some whole records, or a record cut short): the torn tail that reopening must cut
// off. Roles restart by replaying this store through the runtime's own record codecs
// (DurableAcceptorStorage, LearnerLog), so a field a codec forgets is lost in the simulation too.
import { FRAME_HEADER_BYTES, sealFrame, walkFrames, type FrameVisitor } from '../storage/frame.js';
import { NOTHING_RESERVED, appendByReserving, checkReadRange, checkReserved, headOf, tailOf, type RecordStore, type RewriteRecord } from '../storage/record-store.js';
import type { Rng } from './rng.js';

const INITIAL_BYTES = 4096;

export interface SimStoreCrash {
  /** Bytes kept past the sync point (0: none). */
  readonly keptUnsyncedBytes: number;
  /** Unsynced bytes there were. */
  readonly unsyncedBytes: number;
}

export class SimRecordStore implements RecordStore {
  private bytes: Uint8Array;
  private writtenBytes: number;
  private syncedBytes: number;
  /** Payload bytes reserve() made room for, or NOTHING_RESERVED. */
  private reservedBytes = NOTHING_RESERVED;
  readonly recoveredCount: number;
  private recoveredRecords: Uint8Array[] | undefined;
  private recoveredEnd: number | undefined;
  /** Whether opening cut off a torn tail (a record a crash left half written). */
  readonly tornAtOpen: boolean;

  /**
   * A store opened over `content` (what a crash left), cutting a torn tail as the file store does.
   * `onRewrite` hears of every compaction (the simulator counts them).
   */
  constructor(
    content: Uint8Array = new Uint8Array(0),
    private readonly onRewrite?: () => void,
  ) {
    this.bytes = new Uint8Array(Math.max(INITIAL_BYTES, content.byteLength));
    this.bytes.set(content);
    const scan = walkFrames(this.bytes, content.byteLength);
    if (scan.kind === 'corrupt') throw new Error(`simulated store corrupt at ${scan.offset}: ${scan.reason}`);
    this.tornAtOpen = scan.end !== content.byteLength;
    this.recoveredCount = scan.count;
    this.writtenBytes = this.syncedBytes = this.recoveredEnd = scan.end;
  }

  /**
   * What the store holds after a crash: everything synced, and a prefix of the rest chosen by
   * `rng` (half the time none of it). Returns the new store, opened over that, and what was kept.
   */
  crash(rng: Rng): { store: SimRecordStore; crash: SimStoreCrash } {
    const unsyncedBytes = this.writtenBytes - this.syncedBytes;
    const keptUnsyncedBytes = unsyncedBytes === 0 || rng.chance(0.5) ? 0 : rng.int(1, unsyncedBytes);
    const store = new SimRecordStore(this.bytes.subarray(0, this.syncedBytes + keptUnsyncedBytes), this.onRewrite);
    return { store, crash: { keptUnsyncedBytes, unsyncedBytes } };
  }

  get recovered(): readonly Uint8Array[] {
    if (this.recoveredRecords === undefined) {
      if (this.recoveredEnd === undefined) throw new Error('simulated store: the records recovered at open were replaced by rewrite()');
      const records: Uint8Array[] = [];
      walkFrames(this.bytes, this.recoveredEnd, (payload) => records.push(payload.slice()));
      this.recoveredRecords = records;
    }
    return this.recoveredRecords;
  }

  get sizeBytes(): number {
    return this.writtenBytes;
  }

  get unsyncedBytes(): number {
    return this.writtenBytes - this.syncedBytes;
  }

  forEachRecord(visit: FrameVisitor): void {
    walkFrames(this.bytes, this.writtenBytes, visit);
  }

  append(payload: Uint8Array, tail?: Uint8Array): number {
    return appendByReserving(this, payload, tail);
  }

  reserve(payloadBytesMax: number): number {
    this.reservedBytes = NOTHING_RESERVED;
    this.room(this.writtenBytes + FRAME_HEADER_BYTES + payloadBytesMax);
    this.reservedBytes = payloadBytesMax;
    return this.writtenBytes + FRAME_HEADER_BYTES;
  }

  get reservedTarget(): Uint8Array {
    return this.bytes;
  }

  appendReserved(payloadBytes: number): number {
    checkReserved(payloadBytes, this.reservedBytes);
    this.reservedBytes = NOTHING_RESERVED;
    const at = this.writtenBytes;
    this.writtenBytes = sealFrame(this.bytes, at, payloadBytes);
    return at + FRAME_HEADER_BYTES;
  }

  read(offset: number, length: number): Uint8Array {
    checkReadRange(offset, length, this.writtenBytes);
    return this.bytes.slice(offset, offset + length);
  }

  /**
   * Nothing: a simulated crash is the worst a machine's can be, so what was only flushed is as
   * unsynced as what was only appended (crash() may keep any prefix of it, or none).
   */
  flush(): void {}

  sync(): void {
    this.syncedBytes = this.writtenBytes;
  }

  /** Atomic and durable, like the runtime's stores: the new content replaces the old at once. */
  rewrite(payloads: Iterable<RewriteRecord>, placed?: (payloadOffset: number) => void): void {
    this.reservedBytes = NOTHING_RESERVED;
    this.onRewrite?.();
    const next = new SimRecordStore();
    for (const record of payloads) {
      const payloadOffset = next.append(headOf(record), tailOf(record));
      placed?.(payloadOffset);
    }
    this.bytes = next.bytes;
    this.writtenBytes = this.syncedBytes = next.writtenBytes;
    this.recoveredEnd = undefined;
  }

  close(): void {
    this.sync();
  }

  private room(bytesNeeded: number): void {
    if (bytesNeeded <= this.bytes.byteLength) return;
    const grown = new Uint8Array(Math.max(bytesNeeded, this.bytes.byteLength * 2));
    grown.set(this.bytes.subarray(0, this.writtenBytes));
    this.bytes = grown;
  }
}
