// The learner's delivered log: every command delivered, by logIndex, plus the learner's durable
// state, in a RecordStore. The record format is in learner-record.ts.
//
// One record per batch of deliveries, carrying the learner's nextSlot after the batch. A record
// is written whole or not at all (a torn tail is cut off at open), so the commands and the
// learner state that says they were delivered are persisted atomically: after a crash the
// learner resumes exactly after the last batch that survived, and re-learns the rest.
//
// Written before acknowledging: record(ready.delivered, learner.nextSlot), flush() (or sync()),
// then reply to clients (learner-node.ts says when each is enough). Like the acceptor's, appends
// are buffered until then (group commit); reads see what was recorded at once, written or not
// (the store serves unwritten bytes from its buffer).
//
// Where memory goes: each entry's bytes are kept ONCE, in the store (the shared memory that
// outlives the learner's thread, or the file), and the JS heap holds only an EntryIndex, 12
// bytes per entry, pointing into the store; reads copy the bytes out of it. Plus one session
// (seq, logIndex) per client ever seen, which exactly-once delivery needs forever: kept once, in
// this log's SessionTable, which the learner that records here delivers against (sharedState()).
//
// Two ways in. record() takes deliveries from anyone: it checks each client's seq against the
// sessions and advances them itself. recordDelivered() takes what a Learner built on
// sharedState() delivered: that learner already decided each delivery against this very table
// and advanced it (journaled until the record is made: learner-node.ts checkpoints or rolls the
// table back), so the log checks only what the table cannot vouch for (dense indexes, slot
// order, sizes) and looks no client up.
//
// trim(beforeIndex) drops a prefix everywhere: the store is rewritten (RecordStore.rewrite,
// atomic) to START (the new first index and nextSlot), SESSIONS (every client's session: the
// records that carried them are gone) and ENTRIES (the entries kept), and the index is rebuilt
// over the new records. Its cost is proportional to what is KEPT: trim in large steps.

import { SynodErrorCode, withCode } from '../error-codes.js';
import { checkIndex } from '../paxos/ids.js';
import type { LearnerDurableState, LearnerStateSnapshot } from '../paxos/learner.js';
import { SessionTable } from '../paxos/session-table.js';
import { DeliveredCommand, type Delivery } from '../paxos/ready.js';
import type { Command } from '../paxos/value.js';
import { ENTRY_INDEX_POSITIONS_MAX, EntryIndex } from './entry-index.js';
import { FRAME_PAYLOAD_BYTES_MAX } from './frame.js';
import { LearnerRecordWriter, batchBytesMax, entriesBytesMax, readLearnerRecord, sessionsBytesMax, type LearnerRecordSink } from './learner-record.js';
import type { RecordStore } from './record-store.js';
import { isListLike, itemAt, type ListLike } from '../util/reused-list.js';

/** Sizes of the records a trim writes: small enough to build in memory, large enough to be few. */
const SESSIONS_PER_RECORD = 4096;
const ENTRIES_PER_RECORD = 4096;
const ENTRIES_RECORD_DATA_BYTES = 1024 * 1024;

export interface LearnerLogOptions {
  /**
   * Keep every entry's data for reads (the replicated log). False for a log nobody reads, like a
   * sequencer's: only the numbering and the client sessions are kept, so memory stays flat (a
   * retained log costs 8 bytes of index per log index, so k per reservation of k).
   */
  retainEntries?: boolean;
  /**
   * Largest record the log writes, in bytes (default and most: FRAME_PAYLOAD_BYTES_MAX). A batch
   * whose record would be larger is written as several records (see record()). Lower only in
   * tests, to split small batches.
   */
  recordBytesMax?: number;
}

/** A read below the first index of a trimmed log. */
export class LogTrimmedError extends RangeError {
  readonly code = SynodErrorCode.LogTrimmed;
  constructor(
    readonly index: number,
    readonly firstIndex: number,
  ) {
    super(withCode(`logIndex ${index} was trimmed: the log now starts at ${firstIndex}`, SynodErrorCode.LogTrimmed));
    this.name = 'LogTrimmedError';
  }
}

export class LearnerLog {
  /** Where each kept entry's data is in the store, by logIndex - firstIndex; undefined unless retainEntries. */
  private index: EntryIndex | undefined;
  /** Protected for one reader only: the simulator's deliberately broken log, which forgets them. */
  protected readonly sessions = new SessionTable();
  /** Highest seq per client within the batch record() is checking (its cold path: cleared per batch). */
  private readonly batchSeqs = new Map<number, number>();
  private nextSlotValue = 0;
  private lengthValue = 0;
  private firstIndexValue = 0;
  private readonly writer = new LearnerRecordWriter();
  private readonly recordBytesMax: number;

  /** Replays the store's records; throws if they do not form a dense log. */
  constructor(
    readonly store: RecordStore,
    options: LearnerLogOptions = {},
  ) {
    this.index = (options.retainEntries ?? true) ? new EntryIndex() : undefined;
    const recordBytesMax = options.recordBytesMax ?? FRAME_PAYLOAD_BYTES_MAX;
    if (!Number.isSafeInteger(recordBytesMax) || recordBytesMax < batchBytesMax(1, 0) || recordBytesMax > FRAME_PAYLOAD_BYTES_MAX) {
      throw new RangeError(`recordBytesMax must be an integer from ${batchBytesMax(1, 0)} to ${FRAME_PAYLOAD_BYTES_MAX}, got ${String(recordBytesMax)}`);
    }
    this.recordBytesMax = recordBytesMax;
    this.replay();
  }

  /** Number of delivered commands: the next logIndex (trimming does not change it). */
  get length(): number {
    return this.lengthValue;
  }

  /** The first logIndex still readable: 0 until a trim. */
  get firstIndex(): number {
    return this.firstIndexValue;
  }

  /** The learner's next slot after the last recorded batch. */
  get nextSlot(): number {
    return this.nextSlotValue;
  }

  /** The log's durable state, sessions copied out: what a learner built elsewhere would start from. */
  durableState(): LearnerStateSnapshot {
    return { nextSlot: this.nextSlotValue, nextLogIndex: this.lengthValue, sessions: [...this.sessions] };
  }

  /**
   * What to build the learner that records here from: `new Learner(config, log.sharedState())`.
   * Its sessions are this log's own table, not a copy: the learner advances it as it delivers,
   * and hands its deliveries to recordDelivered().
   */
  sharedState(): LearnerDurableState {
    return { nextSlot: this.nextSlotValue, nextLogIndex: this.lengthValue, sessions: this.sessions };
  }

  /** The sessions' table (sharedState()'s): its owner checkpoints it after each record and rolls it back after a refused one. */
  get sessionTable(): SessionTable {
    return this.sessions;
  }

  /** A copy of the data of the command at `logIndex`. */
  entry(logIndex: number): Uint8Array {
    const index = this.retained();
    checkIndex('logIndex', logIndex);
    this.checkNotTrimmed(logIndex);
    if (logIndex >= this.lengthValue) throw new RangeError(`logIndex must be in [${this.firstIndexValue}, ${this.lengthValue}), got ${logIndex}`);
    const position = logIndex - this.firstIndexValue;
    return this.store.read(index.start(position), index.length(position));
  }

  /**
   * Up to `countMax` commands' data from `from` on (fewer at the end of the log; `from` may equal
   * length): copies read from the store in one piece, so they share one buffer.
   */
  entries(from: number, countMax: number): Uint8Array[] {
    this.checkFrom(from);
    checkIndex('countMax', countMax);
    return this.read(from, Math.min(this.lengthValue, from + countMax));
  }

  /**
   * Commands' data from `from` on, as many as fit in `countMax` entries and `bytesMax` bytes of
   * data in all, but at least one if countMax >= 1 and `from` < length, however large (one entry
   * is never larger than a page). The arrays are copies (several may share one buffer): hold
   * them as long as you like.
   */
  entriesWithin(from: number, countMax: number, bytesMax: number): Uint8Array[] {
    const index = this.checkFrom(from);
    checkIndex('countMax', countMax);
    checkIndex('bytesMax', bytesMax);
    const limit = Math.min(this.lengthValue, from + countMax);
    let end = from;
    let bytes = 0;
    while (end < limit) {
      const length = index.length(end - this.firstIndexValue);
      if (end > from && bytes + length > bytesMax) break;
      bytes += length;
      end++;
    }
    return this.read(from, end);
  }

  /**
   * Appends a batch of deliveries (in logIndex order, continuing the log) and the learner's
   * nextSlot after it. Buffered until sync(). Checks everything before changing anything, so a
   * throw from the checks leaves the log as it was.
   *
   * One record, unless the batch is larger than a record may be (recordBytesMax: a learner that
   * catches up can deliver many large slots at once): then several, each a valid state to resume
   * from on its own, since a crash may keep some and not the next. A record that stops before the
   * batch's end carries as nextSlot the slot of the first delivery it leaves out: a restarted
   * learner re-learns that slot, and drops the commands of it already recorded as duplicates (their
   * sessions are recorded). A store error on a later record leaves the earlier ones recorded, and
   * the log's state (durableState()) says so.
   */
  record(deliveries: ListLike<Delivery>, nextSlot: number): void {
    this.recordBatch(deliveries, nextSlot, true);
  }

  /**
   * As record(), for deliveries a Learner built on sharedState() made: their sessions are in the
   * table already, so no client's seq is checked or set here (the learner decided each against
   * the same table). Everything else is checked as record() checks it.
   */
  recordDelivered(deliveries: ListLike<Delivery>, nextSlot: number): void {
    this.recordBatch(deliveries, nextSlot, false);
  }

  /** record() and recordDelivered(): with `ownSessions`, the sessions are checked and advanced here. */
  private recordBatch(deliveries: ListLike<Delivery>, nextSlot: number, ownSessions: boolean): void {
    checkIndex('nextSlot', nextSlot);
    if (nextSlot < this.nextSlotValue) throw new RangeError(`nextSlot must not go down: ${nextSlot} < ${this.nextSlotValue}`);
    if (!isListLike(deliveries)) throw new TypeError(`deliveries must be an array or a ReusedList, got ${String(deliveries)}`);
    if (deliveries.length === 0 && nextSlot === this.nextSlotValue) return;
    const bytesMax = this.checkDeliveries(deliveries, nextSlot, ownSessions);
    if (bytesMax <= this.recordBytesMax) {
      this.recordPart(deliveries, 0, deliveries.length, nextSlot, bytesMax, ownSessions);
      return;
    }
    const retained = this.index !== undefined;
    let from = 0;
    while (from < deliveries.length) {
      // As many deliveries as fit one record (at least one: checkDeliveries made sure one fits).
      let to = from;
      let dataBytes = 0;
      while (to < deliveries.length) {
        const more = retained ? dataBytesOf(itemAt(deliveries, to).command) : 0;
        if (to > from && batchBytesMax(to + 1 - from, dataBytes + more) > this.recordBytesMax) break;
        dataBytes += more;
        to++;
      }
      const partNextSlot = to < deliveries.length ? itemAt(deliveries, to).slot : nextSlot;
      this.recordPart(deliveries, from, to, partNextSlot, batchBytesMax(to - from, dataBytes), ownSessions);
      from = to;
    }
  }

  /** Appends the record of deliveries[from, to) (checked), which takes at most `bytesMax` bytes; `ownSessions`: then advances their sessions. */
  private recordPart(deliveries: ListLike<Delivery>, from: number, to: number, nextSlot: number, bytesMax: number, ownSessions: boolean): void {
    const index = this.index;
    const writer = this.writer;
    const store = this.store;
    const firstPosition = index?.count ?? 0;
    let payloadOffset: number;
    try {
      // Written in place in the store: each entry's bytes copied once, from the slot's value.
      const payloadAt = store.reserve(bytesMax);
      writer.batchInto(store.reservedTarget, payloadAt, nextSlot, this.lengthValue);
      for (let at = from; at < to; at++) {
        const { command } = itemAt(deliveries, at);
        const count = command.count ?? 1;
        if (index === undefined) writer.command(command.clientId, command.seq, count, NO_DATA, 0, 0);
        else if (command instanceof DeliveredCommand) {
          // Straight from the slot's value: no view made per command.
          indexEntry(index, writer.command(command.clientId, command.seq, count, command.source, command.dataAt, command.dataBytes), command.dataBytes, count);
        } else indexEntry(index, writer.command(command.clientId, command.seq, count, command.data, 0, command.data.byteLength), command.data.byteLength, count);
      }
      payloadOffset = store.appendReserved(writer.payloadBytes);
    } catch (error) {
      index?.truncate(firstPosition);
      throw error;
    }
    // The index took offsets inside the record; now the store has said where the record is.
    index?.shift(firstPosition, payloadOffset);
    for (let at = from; at < to; at++) {
      const { logIndex, command } = itemAt(deliveries, at);
      this.lengthValue += command.count ?? 1;
      if (ownSessions) this.sessions.set(command.clientId, command.seq, logIndex);
    }
    this.nextSlotValue = nextSlot;
  }

  /**
   * Releases every entry below `beforeIndex`, in memory and in the store, durably: after a
   * reopen the log starts at beforeIndex, with the same length, nextSlot and sessions. Commits
   * every batch recorded before it (the rewritten store holds them). At or below firstIndex it
   * does nothing; above length it is a RangeError.
   */
  trim(beforeIndex: number): void {
    checkIndex('beforeIndex', beforeIndex);
    if (beforeIndex > this.lengthValue) throw new RangeError(`beforeIndex must be at most the log's length ${this.lengthValue}, got ${beforeIndex}`);
    if (beforeIndex <= this.firstIndexValue) return;
    const kept = this.index === undefined ? undefined : new EntryIndex();
    let placedUpTo = 0;
    // A failed rewrite leaves the old records, which the old index still describes.
    try {
      this.store.rewrite(this.trimmedRecords(beforeIndex, kept), (payloadOffset) => {
        if (kept === undefined) return;
        kept.shift(placedUpTo, payloadOffset);
        placedUpTo = kept.count;
      });
    } finally {
      this.writer.shrink();
    }
    this.index = kept;
    this.firstIndexValue = beforeIndex;
  }

  /**
   * Writes every recorded batch where a crash of this process keeps it (RecordStore.flush): a
   * file's page cache; a store with nothing between append and sync (shared memory) syncs.
   */
  flush(): void {
    if (this.store.flush !== undefined) this.store.flush();
    else this.store.sync();
  }

  /** Makes every recorded batch durable, across a crash of the machine too. */
  sync(): void {
    this.store.sync();
  }

  close(): void {
    this.store.close();
  }

  /**
   * The records of the log from `beforeIndex` on, one at a time in the writer's buffer (the
   * store copies each before pulling the next). Pushes the kept entries into `kept` with offsets
   * inside their record, for trim() to move once the store says where each record landed.
   */
  private *trimmedRecords(beforeIndex: number, kept: EntryIndex | undefined): Generator<Uint8Array> {
    const writer = this.writer;
    writer.start(beforeIndex, this.nextSlotValue);
    yield writer.payload();
    let inRecord = 0;
    for (const [clientId, seq, logIndex] of this.sessions) {
      if (inRecord === 0) writer.sessions(sessionsBytesMax(Math.min(SESSIONS_PER_RECORD, this.sessions.size)));
      writer.session(clientId, seq, logIndex);
      if (++inRecord === SESSIONS_PER_RECORD) {
        yield writer.payload();
        inRecord = 0;
      }
    }
    if (inRecord > 0) yield writer.payload();
    const index = this.index;
    if (index === undefined || kept === undefined) {
      // Nothing to keep but the numbering: one run of empty entries.
      if (this.lengthValue > beforeIndex) {
        writer.entries(beforeIndex, entriesBytesMax(1, 0));
        writer.entry(this.lengthValue - beforeIndex, NO_DATA, 0, 0);
        yield writer.payload();
      }
      return;
    }
    let position = beforeIndex - this.firstIndexValue;
    while (position < index.count) {
      // The next record's entries: [position, end), at most so many, or so many bytes (at least one).
      let end = position;
      let bytes = 0;
      while (end < index.count && end - position < ENTRIES_PER_RECORD) {
        const length = index.length(end);
        if (end > position && bytes + length > ENTRIES_RECORD_DATA_BYTES) break;
        bytes += length;
        end++;
      }
      const rangeStart = index.start(position);
      const source = this.store.read(rangeStart, index.end(end - 1) - rangeStart);
      writer.entries(this.firstIndexValue + position, entriesBytesMax(end - position, bytes));
      while (position < end) {
        // Fold the empty entries after this one into its count (a reservation reads the same).
        let count = 1;
        while (position + count < end && index.length(position + count) === 0) count++;
        const from = index.start(position) - rangeStart;
        const length = index.length(position);
        indexEntry(kept, writer.entry(count, source, from, length), length, count);
        position += count;
      }
      yield writer.payload();
    }
  }

  /** Replays every record in the store into this (fresh) log. */
  private replay(): void {
    const total = this.store.recoveredCount;
    let number = 0;
    let what = '';
    const entry = (count: number, dataAt: number, dataBytes: number): void => {
      // At its offset inside the record; the record's offset in the store is added once it is read.
      if (this.index !== undefined) indexEntry(this.index, dataAt, dataBytes, count);
      this.lengthValue += count;
    };
    const checkDense = (firstLogIndex: number): void => {
      if (firstLogIndex !== this.lengthValue) {
        throw new Error(`${what}: learner log is not dense: batch starts at logIndex ${firstLogIndex}, expected ${this.lengthValue}`);
      }
    };
    const sink: LearnerRecordSink = {
      batch: (nextSlot, firstLogIndex) => {
        checkDense(firstLogIndex);
        if (nextSlot < this.nextSlotValue) throw new Error(`${what}: nextSlot went down from ${this.nextSlotValue} to ${nextSlot}`);
        this.nextSlotValue = nextSlot;
      },
      command: (clientId, seq, count, dataAt, dataBytes) => {
        this.sessions.set(clientId, seq, this.lengthValue);
        entry(count, dataAt, dataBytes);
      },
      start: (firstIndex, nextSlot) => {
        if (number !== 0) throw new Error(`${what}: a START record must come first`);
        this.firstIndexValue = this.lengthValue = firstIndex;
        this.nextSlotValue = nextSlot;
      },
      session: (clientId, seq, logIndex) => this.sessions.set(clientId, seq, logIndex),
      entries: checkDense,
      entry,
    };
    this.store.forEachRecord((payload, offset) => {
      what = `learner record ${number} of ${total}`;
      const firstPosition = this.index?.count ?? 0;
      readLearnerRecord(payload, sink, what);
      this.index?.shift(firstPosition, offset);
      number++;
    });
  }

  /** Checks a batch for recordBatch() (`ownSessions`: each client's seq too); returns the bound of its bytes as one record. */
  private checkDeliveries(deliveries: ListLike<Delivery>, nextSlot: number, ownSessions: boolean): number {
    // A plain loop and names built only for an error: this runs for every delivery on the hot path.
    const batchSeqs = this.batchSeqs;
    if (batchSeqs.size > 0) batchSeqs.clear();
    let expectedLogIndex = this.lengthValue;
    // Delivery goes slot by slot: never below a slot this log already moved past, never back.
    let lowestSlot = this.nextSlotValue;
    let dataBytes = 0;
    let largestData: number | undefined;
    for (let index = 0; index < deliveries.length; index++) {
      const delivery = itemAt(deliveries, index);
      const { command } = delivery;
      if (!Number.isSafeInteger(delivery.logIndex) || delivery.logIndex !== expectedLogIndex) {
        checkIndex(`${deliveryName(index)}.logIndex`, delivery.logIndex);
        throw new RangeError(`${deliveryName(index)}.logIndex must be ${expectedLogIndex} (the log is dense), got ${delivery.logIndex}`);
      }
      const count = command.count ?? 1;
      if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`${deliveryName(index)}.command.count must be a positive integer, got ${String(count)}`);
      expectedLogIndex += count;
      if (!isIndex(delivery.slot)) checkIndex(`${deliveryName(index)}.slot`, delivery.slot);
      if (delivery.slot >= nextSlot) throw new RangeError(`${deliveryName(index)}.slot ${delivery.slot} must be below nextSlot ${nextSlot}`);
      if (delivery.slot < lowestSlot) {
        throw new RangeError(`${deliveryName(index)}.slot ${delivery.slot} must be at least ${lowestSlot} (slots are delivered in order, from the log's nextSlot ${this.nextSlotValue})`);
      }
      lowestSlot = delivery.slot;
      if (!isIndex(command.clientId)) checkIndex(`${deliveryName(index)}.command.clientId`, command.clientId);
      if (!isIndex(command.seq)) checkIndex(`${deliveryName(index)}.command.seq`, command.seq);
      // A DeliveredCommand (what a Learner hands out) is a view of its value by construction.
      if (!(command instanceof DeliveredCommand) && !(command.data instanceof Uint8Array)) throw new TypeError(`${deliveryName(index)}.command.data must be a Uint8Array`);
      // A learner delivers each client's commands with rising seqs; anything else is a caller bug
      // that would leave the session table (and so deduplication after a restart) wrong.
      if (ownSessions) {
        const highestSeq = batchSeqs.get(command.clientId) ?? this.sessions.get(command.clientId)?.seq ?? 0;
        if (command.seq <= highestSeq) {
          throw new RangeError(`${deliveryName(index)}.command.seq ${command.seq} of client ${command.clientId} must be above its last delivered seq ${highestSeq}`);
        }
        batchSeqs.set(command.clientId, command.seq);
      }
      if (this.index !== undefined) {
        const bytes = dataBytesOf(command);
        dataBytes += bytes;
        if (largestData === undefined || bytes > largestData) largestData = bytes;
      }
    }
    if (!Number.isSafeInteger(expectedLogIndex)) throw new RangeError(`the batch would take the log past logIndex ${Number.MAX_SAFE_INTEGER}`);
    // A retained log indexes every log index it keeps (a reservation of k takes k positions).
    if (this.index !== undefined && this.index.count + (expectedLogIndex - this.lengthValue) > ENTRY_INDEX_POSITIONS_MAX) {
      throw new RangeError(
        `the batch would make the log keep ${this.index.count + (expectedLogIndex - this.lengthValue)} entries, past the ${ENTRY_INDEX_POSITIONS_MAX} its index holds: trim the log`,
      );
    }
    if (largestData !== undefined && batchBytesMax(1, largestData) > this.recordBytesMax) {
      throw new RangeError(`an entry of ${largestData} bytes is too large for one record of at most ${this.recordBytesMax} bytes`);
    }
    return batchBytesMax(deliveries.length, dataBytes);
  }

  /** The index, or TypeError for a log that keeps no entries. */
  private retained(): EntryIndex {
    if (this.index === undefined) throw new TypeError('this learner log keeps no entries (retainEntries: false)');
    return this.index;
  }

  private checkNotTrimmed(logIndex: number): void {
    if (logIndex < this.firstIndexValue) throw new LogTrimmedError(logIndex, this.firstIndexValue);
  }

  /** Checks a read's start: an integer in [firstIndex, length]. */
  private checkFrom(from: number): EntryIndex {
    const index = this.retained();
    checkIndex('from', from);
    this.checkNotTrimmed(from);
    if (from > this.lengthValue) throw new RangeError(`from must be in [${this.firstIndexValue}, ${this.lengthValue}], got ${from}`);
    return index;
  }

  /** Copies of the data of logIndexes [from, end), read from the store in one piece. */
  private read(from: number, end: number): Uint8Array[] {
    if (end <= from) return [];
    const index = this.retained();
    const first = from - this.firstIndexValue;
    const last = end - 1 - this.firstIndexValue;
    const rangeStart = index.start(first);
    const bytes = this.store.read(rangeStart, index.end(last) - rangeStart);
    const entries = new Array<Uint8Array>(end - from);
    for (let position = first; position <= last; position++) {
      const at = index.start(position) - rangeStart;
      entries[position - first] = bytes.subarray(at, at + index.length(position));
    }
    return entries;
  }

}

const NO_DATA = new Uint8Array(0);

/** A command's data length, without making a view of a delivered command's data. */
function dataBytesOf(command: Command): number {
  return command instanceof DeliveredCommand ? command.dataBytes : command.data.byteLength;
}

function deliveryName(index: number): string {
  return `deliveries[${index}]`;
}

/** What checkIndex accepts, without building its error message. */
function isIndex(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Indexes a command taking `count` log indexes: its data, then count - 1 empty entries just after it. */
function indexEntry(index: EntryIndex, start: number, length: number, count: number): void {
  index.push(start, length);
  for (let more = 1; more < count; more++) index.push(start + length, 0);
}
