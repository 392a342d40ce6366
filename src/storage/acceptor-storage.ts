// An acceptor's promises and acceptances in a RecordStore (a file or crash-surviving shared memory).
//
// Persist before reply is the CALLER's duty, and this class makes it cheap (group commit): for a
// batch of messages, step the acceptor and persistReady(storage, ready) for each, then call
// storage.sync() ONCE, and only then send any of the batch's replies. Nothing appended is durable
// before sync() returns (except with fsync 'always', where each append already is).
//
// Records (msgpack arrays, see record-codec.ts), replayed in order at open:
//   [PROMISE, ballot]                                   the promise rises to ballot (never falls)
//   [ACCEPTED, slot, ballot, value]                     the slot's entry, replacing earlier ones:
//                                                       value is the slot value's bytes exactly as
//                                                       they came (layout in src/paxos/value.ts), so
//                                                       no field of a command can be dropped here
//   [ACCEPTED, slot, ballot, clientId, seq, data, ...]  the same, as written before values were bytes
//                                                       (read only: every command has count 1)
//   [TRUNCATE, slot]                                    drop every slot below slot
//
// Memory and disk stay bounded: a mirror of the live state (promise, logStart, entries >= logStart)
// is kept in memory, truncation removes slots from it, and sync() compacts the store down to the
// mirror once the store is both above a floor and over twice the mirror's size. Compaction is
// RecordStore.rewrite, atomic: a crash leaves the old records or the new ones, and both replay to
// the same state, so the promise and every live entry survive it.

import { NO_BALLOT } from '../paxos/ballot.js';
import type { Ballot } from '../paxos/ballot.js';
import { checkIndex } from '../paxos/ids.js';
import type { AcceptedEntry } from '../paxos/messages.js';
import type { AcceptorDurableState, AcceptorStorage } from '../paxos/storage.js';
import { encodeValue } from '../paxos/value.js';
import type { Command } from '../paxos/value.js';
import { ALIGNED_COPY_MIN_BYTES } from '../mailbox/copy-range.js';
import { acceptedRecordHead, acceptedRecordHeadOfLength } from './accepted-record-head.js';
import { FRAME_HEADER_BYTES } from './frame.js';
import { bytesField, decodeRecord, encodeRecord, integerField } from './record-codec.js';
import type { RecordStore, RewriteRecord } from './record-store.js';
import { isStorageError, isStorageFullCode } from './storage-error.js';

const PROMISE = 0;
const ACCEPTED = 1;
const TRUNCATE = 2;
/** Fields of an ACCEPTED record before its value (or, in the old form, its commands), and per old-form command. */
const ACCEPTED_HEAD_FIELDS = 3;
const LEGACY_COMMAND_FIELDS = 3;
/** Upper bound of a framed PROMISE or TRUNCATE record (tag + float64 + array header). */
const SMALL_RECORD_BYTES_MAX = FRAME_HEADER_BYTES + 11;
const NO_BYTES = new Uint8Array(0);

export const COMPACT_FLOOR_BYTES_DEFAULT = 4 * 1024 * 1024;

export interface DurableAcceptorStorageOptions {
  /** Never compact a store smaller than this. Default 4 MiB. */
  readonly compactFloorBytes?: number;
}

interface LiveEntry {
  readonly entry: AcceptedEntry;
  /** Framed size of the entry's record: what keeping it costs the compacted store. */
  readonly recordBytes: number;
}

/** The live acceptor state and the store bytes it would take after compaction. */
class AcceptorMirror {
  promised: Ballot = NO_BALLOT;
  logStart = 0;
  readonly entries = new Map<number, LiveEntry>();
  entryBytes = 0;

  promise(ballot: Ballot): boolean {
    if (ballot <= this.promised) return false;
    this.promised = ballot;
    return true;
  }

  accept(entry: AcceptedEntry, recordBytes: number): void {
    const previous = this.entries.get(entry.slot);
    if (previous !== undefined) this.entryBytes -= previous.recordBytes;
    this.entries.set(entry.slot, { entry, recordBytes });
    this.entryBytes += recordBytes;
  }

  truncate(slot: number): boolean {
    if (slot <= this.logStart) return false;
    // Walk whichever is shorter: the dropped slot range or the live map.
    if (slot - this.logStart <= this.entries.size) {
      for (let dropped = this.logStart; dropped < slot; dropped++) this.drop(dropped);
    } else {
      for (const key of this.entries.keys()) if (key < slot) this.drop(key);
    }
    this.logStart = slot;
    return true;
  }

  private drop(slot: number): void {
    const live = this.entries.get(slot);
    if (live === undefined) return;
    this.entries.delete(slot);
    this.entryBytes -= live.recordBytes;
  }

  get liveBytes(): number {
    return 2 * SMALL_RECORD_BYTES_MAX + this.entryBytes;
  }

  snapshot(): AcceptorDurableState {
    const entries = [...this.entries.values()].map((live) => live.entry).sort((a, b) => a.slot - b.slot);
    return { promised: this.promised, logStart: this.logStart, entries };
  }
}

/** Replays acceptor records (e.g. a store's `recovered`) into the state they describe. */
export function replayAcceptorRecords(records: readonly Uint8Array[]): AcceptorDurableState {
  return replayInto(new AcceptorMirror(), records).snapshot();
}

function replayInto(mirror: AcceptorMirror, records: readonly Uint8Array[]): AcceptorMirror {
  records.forEach((payload, index) => {
    const what = `acceptor record ${index} of ${records.length}`;
    const fields = decodeRecord(payload, what);
    const kind = fields[0];
    if (kind === PROMISE) mirror.promise(integerField(fields, 1, what));
    else if (kind === TRUNCATE) mirror.truncate(integerField(fields, 1, what));
    else if (kind === ACCEPTED) {
      const entry = decodeAccepted(fields, what);
      if (entry.slot >= mirror.logStart) mirror.accept(entry, FRAME_HEADER_BYTES + payload.byteLength);
    } else throw new Error(`${what}: unknown record kind ${String(kind)}`);
  });
  return mirror;
}

function decodeAccepted(fields: readonly unknown[], what: string): AcceptedEntry {
  const slot = integerField(fields, 1, what);
  const ballot = integerField(fields, 2, what);
  if (fields.length === ACCEPTED_HEAD_FIELDS + 1 && fields[ACCEPTED_HEAD_FIELDS] instanceof Uint8Array) {
    // Opaque to an acceptor: it stores and returns the bytes; the learner decodes them.
    return { slot, ballot, value: fields[ACCEPTED_HEAD_FIELDS] };
  }
  if ((fields.length - ACCEPTED_HEAD_FIELDS) % LEGACY_COMMAND_FIELDS !== 0) {
    throw new Error(`${what}: accepted record has ${fields.length} fields, neither 3 + value nor 3 + 3 per command`);
  }
  const commands: Command[] = [];
  for (let at = ACCEPTED_HEAD_FIELDS; at < fields.length; at += LEGACY_COMMAND_FIELDS) {
    commands.push({ clientId: integerField(fields, at, what), seq: integerField(fields, at + 1, what), data: bytesField(fields, at + 2, what) });
  }
  return { slot, ballot, value: encodeValue(commands) };
}

/**
 * AcceptorStorage over a RecordStore. Restart: `new Acceptor(config, new DurableAcceptorStorage(store).load())`.
 * Writes are buffered in the store until sync(); see the file comment for the group-commit contract.
 */
export class DurableAcceptorStorage implements AcceptorStorage {
  readonly compactFloorBytes: number;
  private readonly mirror: AcceptorMirror;
  private compactionCount = 0;
  /**
   * The commit point without the wait, where the store has one (RecordStore.startSync: a file
   * whose fdatasync runs on a helper thread); absent otherwise, and sync() is the commit point.
   */
  readonly startSync?: (syncHere?: boolean) => number;
  readonly syncedMark?: () => number;
  /** The mark the store's syncs reached when last asked (a compaction is considered when it moves). */
  private lastSyncedMark = 0;

  constructor(
    readonly store: RecordStore,
    options: DurableAcceptorStorageOptions = {},
  ) {
    this.compactFloorBytes = options.compactFloorBytes ?? COMPACT_FLOOR_BYTES_DEFAULT;
    checkIndex('compactFloorBytes', this.compactFloorBytes);
    this.mirror = replayInto(new AcceptorMirror(), store.recovered);
    if (store.startSync !== undefined && store.syncedMark !== undefined) {
      this.startSync = (syncHere) => store.startSync!(syncHere);
      this.syncedMark = () => {
        const mark = store.syncedMark!();
        if (mark === this.lastSyncedMark) return mark;
        this.lastSyncedMark = mark;
        this.atCommitPoint();
        // A compaction rewrites the store durably: every write so far is synced then.
        return store.syncedMark!();
      };
    }
  }

  /** The state replayed at open plus every write since (synced or not). */
  load(): AcceptorDurableState {
    return this.mirror.snapshot();
  }

  savePromise(ballot: Ballot): void {
    checkIndex('ballot', ballot);
    // A promise only rises; an equal or lower one adds nothing to replay. The store first: a
    // store that refuses the write (full) must leave the mirror saying what the store holds.
    if (ballot <= this.mirror.promised) return;
    this.appendRecord(encodeRecord([PROMISE, ballot]));
    this.mirror.promise(ballot);
  }

  /**
   * Whether a saved entry's value is pointed at the store's own bytes (a store in shared memory,
   * with payloadView): the value handed to saveAccepted need not outlive the call, so a caller may
   * hand over a view of bytes it reuses (an acceptor taking its Accepts in place).
   */
  get valuesInStore(): boolean {
    return this.store.payloadView !== undefined;
  }

  /**
   * Stores the entry. In shared memory (a store with payloadView) the entry's value is then
   * pointed at its bytes in the store: an acceptor that takes its messages in place hands over a
   * view of its ring, which the ring reuses once the turn is over, and the store's copy is the
   * only one it needs. So an entry saved here never keeps the caller's bytes in that case.
   */
  saveAccepted(entry: AcceptedEntry): void {
    checkIndex('entry.slot', entry.slot);
    checkIndex('entry.ballot', entry.ballot);
    const value = checkedValue(entry);
    // Dropped slots were delivered by every learner; replay would ignore the record anyway.
    if (entry.slot < this.mirror.logStart) {
      if (this.valuesInStore) replaceAcceptedValue(entry, value.slice());
      return;
    }
    // The head, then the value straight from the message: one copy of the value into the store.
    let head = this.acceptedHead(entry, value);
    let payloadOffset: number;
    try {
      payloadOffset = this.appendAccepted(head, value);
    } catch (error) {
      if (!this.compactedForRoom(error, FRAME_HEADER_BYTES + head.byteLength + value.byteLength)) throw error;
      head = this.acceptedHead(entry, value); // the store's next address moved
      payloadOffset = this.appendAccepted(head, value);
    }
    const headBytes = head.byteLength;
    const recordBytes = FRAME_HEADER_BYTES + headBytes + value.byteLength;
    const stored = this.store.payloadView?.(payloadOffset + headBytes, value.byteLength);
    if (stored !== undefined) replaceAcceptedValue(entry, stored);
    this.mirror.accept(entry, recordBytes);
  }

  private acceptedHead(entry: AcceptedEntry, value: Uint8Array): Uint8Array {
    return value.byteLength >= ALIGNED_COPY_MIN_BYTES ? this.headCoAligned(entry, value) : acceptedRecordHead(ACCEPTED, entry.slot, entry.ballot, value.byteLength);
  }

  /** Appends a record with no value (a promise, a truncation), making room once if the store is full of garbage. */
  private appendRecord(record: Uint8Array): void {
    try {
      this.store.append(record);
    } catch (error) {
      if (!this.compactedForRoom(error, record.byteLength)) throw error;
      this.store.append(record);
    }
  }

  /** Appends an accepted record; the payload's offset in the store. */
  private appendAccepted(head: Uint8Array, value: Uint8Array): number {
    // A file store writes the value from the entry's own copy, which nobody changes (an acceptor
    // over a file decodes its Accepts into values of their own: it does not take them in place).
    return this.store.appendKeeping !== undefined && !this.valuesInStore ? this.store.appendKeeping(head, value) : this.store.append(head, value);
  }

  /**
   * A write of `recordBytes` found a store in shared memory full (memoryBytesMax): if what
   * compaction would free is more than the write needs, compacts, and says whether it did (the
   * caller then writes again, once; a second refusal is a full store). compactIfWorthIt waits for
   * twice what is live, so an acceptor with more than half its ceiling live (values accepted again
   * under later ballots, re-proposed duplicates) was refused while half its store was garbage:
   * the fuzzer's seeds 6246 and 6256, StorageFullError with 4 and 8 MiB of memory and 1.6 and 3 MB
   * appended. At most one compaction between commit points (see compactedSinceSync): else the
   * write is refused. A file store on a full disk is left to its commit point's compaction: its
   * copy needs room on that disk, and a sync may be running on its helper thread.
   */
  private compactedForRoom(error: unknown, recordBytes: number): boolean {
    if (!this.valuesInStore || !isStorageError(error) || !isStorageFullCode(error.code)) return false;
    if (this.compactedSinceSync || this.store.sizeBytes - this.mirror.liveBytes <= recordBytes) return false;
    try {
      this.compact();
      return true;
    } catch (compactError) {
      // Too full to write the compacted copy either: the store is as it was, and full.
      if (!isStorageError(compactError)) throw compactError;
      this.failedCompactions++;
      return false;
    }
  }

  /**
   * In shared memory, a head whose length puts the value at an address aligned like its own
   * (V8 copies into shared memory word by word only then): the store's next payload address is
   * known before the append. A file store writes through a private buffer, where alignment costs
   * nothing, and keeps msgpackr's shortest forms.
   */
  private headCoAligned(entry: AcceptedEntry, value: Uint8Array): Uint8Array {
    const payloadAddress = this.store.sharedPayloadAddress?.();
    if (payloadAddress !== undefined) {
      const lengthMod8 = (value.byteOffset - payloadAddress) & 7;
      const head = acceptedRecordHeadOfLength(ACCEPTED, entry.slot, entry.ballot, value.byteLength, lengthMod8);
      if (head !== undefined) return head;
    }
    return acceptedRecordHead(ACCEPTED, entry.slot, entry.ballot, value.byteLength);
  }

  truncateBelow(slot: number): void {
    checkIndex('slot', slot);
    if (slot <= this.mirror.logStart) return;
    this.appendRecord(encodeRecord([TRUNCATE, slot]));
    this.mirror.truncate(slot);
  }

  /** The group-commit point: every write before it is durable when it returns. May compact. */
  sync(): void {
    this.store.sync();
    this.atCommitPoint();
  }

  /** What a commit point does here: compacts if worth it, and lets the next turn compact again. */
  private atCommitPoint(): void {
    this.compactIfWorthIt();
    this.compactedSinceSync = false;
  }

  /**
   * A compaction ran since the last commit point. The replies of a turn (a Promise's entries) may
   * point into the store's half that was live before a compaction, which stays as it is until the
   * next one rewrites it; they leave at the commit point. So there is at most one compaction
   * between commit points, whether to make room for a write or because it was worth it.
   */
  private compactedSinceSync = false;

  /** Compacts once the store is above its floor and over twice what is live (not twice between commit points). */
  private compactIfWorthIt(): void {
    const sizeBytes = this.store.sizeBytes;
    if (!this.compactedSinceSync && sizeBytes > this.compactFloorBytes && sizeBytes > 2 * this.mirror.liveBytes) {
      // Compaction only saves room: what the caller waits for is durable already. A disk too full
      // to write the compacted copy leaves the store as it is (the copy is removed), and a later
      // sync tries again.
      try {
        this.compact();
      } catch (error) {
        if (!isStorageError(error)) throw error;
        this.failedCompactions++;
      }
    }
  }

  /** Compactions a disk error prevented (they are tried again at a later sync). */
  failedCompactions = 0;

  /**
   * Rewrites the store to just the live state. Atomic, and durable when it returns (so it also
   * commits any unsynced writes: they are in the live state). sync() calls it when worth it.
   */
  compact(): void {
    if (this.store.payloadView === undefined) {
      this.store.rewrite(liveRecords(this.mirror).payloads);
    } else {
      // The entries' values are views of the store (saveAccepted), and the rewrite moves every
      // record: each is pointed at its new place once the new content is live.
      const moved: Array<{ entry: AcceptedEntry; valueOffset: number }> = [];
      const records = liveRecords(this.mirror);
      this.store.rewrite(records.payloads, (payloadOffset) => {
        const entry = records.lastEntry;
        if (entry !== undefined) moved.push({ entry, valueOffset: payloadOffset + records.lastBytes - entry.value.byteLength });
      });
      for (const { entry, valueOffset } of moved) replaceAcceptedValue(entry, this.store.payloadView(valueOffset, entry.value.byteLength));
    }
    this.compactionCount++;
    this.compactedSinceSync = true;
  }

  /** Estimated bytes of the store right after a compaction. */
  get liveBytes(): number {
    return this.mirror.liveBytes;
  }

  /** Accepted entries held in memory (for memory-bound checks). */
  get entryCount(): number {
    return this.mirror.entries.size;
  }

  get compactions(): number {
    return this.compactionCount;
  }

  close(): void {
    this.store.close();
  }
}

/**
 * The records of the live state, one at a time (a PROMISE or TRUNCATE in the codec's scratch
 * buffer, an entry as its head in a scratch of its own plus its value where it lies): rewrite()
 * consumes each before it pulls the next, so no record is copied out first (a compaction used to
 * copy the whole live state at once before writing it, then each value into a scratch).
 */
function liveRecords(mirror: AcceptorMirror): { payloads: Iterable<RewriteRecord>; readonly lastEntry: AcceptedEntry | undefined; readonly lastBytes: number } {
  const records = {
    payloads: payloadsOf(),
    /** The entry of the payload pulled last (undefined for a PROMISE or TRUNCATE record), and its bytes. */
    lastEntry: undefined as AcceptedEntry | undefined,
    lastBytes: 0,
  };
  function* payloadsOf(): Generator<RewriteRecord> {
    const pull = (entry: AcceptedEntry | undefined, payload: Uint8Array): Uint8Array => {
      records.lastEntry = entry;
      records.lastBytes = payload.byteLength;
      return payload;
    };
    if (mirror.promised !== NO_BALLOT) yield pull(undefined, encodeRecord([PROMISE, mirror.promised]));
    if (mirror.logStart > 0) yield pull(undefined, encodeRecord([TRUNCATE, mirror.logStart]));
    const parts: [Uint8Array, Uint8Array] = [NO_BYTES, NO_BYTES];
    for (const live of mirror.entries.values()) {
      // The head (msgpackr's shortest forms, as saveAccepted writes to a file), then the value
      // where it lies: one copy of it into the new content, not one into a scratch and another out.
      const value = checkedValue(live.entry);
      parts[0] = acceptedRecordHead(ACCEPTED, live.entry.slot, live.entry.ballot, value.byteLength);
      parts[1] = value;
      records.lastEntry = live.entry;
      records.lastBytes = parts[0].byteLength + value.byteLength;
      yield parts;
    }
  }
  return records;
}

/**
 * Points an accepted entry at the same bytes held elsewhere (the store's copy). The entry object
 * is the one the Acceptor keeps in its log and the mirror keeps here, so both follow; only its
 * storage may do this, and only with equal bytes.
 */
function replaceAcceptedValue(entry: AcceptedEntry, value: Uint8Array): void {
  (entry as { value: Uint8Array }).value = value;
}

function checkedValue(entry: AcceptedEntry): Uint8Array {
  // Checked on the way in: a record that cannot be replayed would keep the acceptor from restarting.
  if (!(entry.value instanceof Uint8Array)) throw new TypeError(`entry.value must be a Uint8Array (a slot value), got ${String(entry.value)}`);
  return entry.value;
}
