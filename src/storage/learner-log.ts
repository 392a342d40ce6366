// The learner's delivered log: every command delivered, by logIndex, plus the learner's durable
// state, in a RecordStore.
//
// One record per batch of deliveries, carrying the learner's nextSlot after the batch:
//   [nextSlot, firstLogIndex, clientId, seq, data, count, clientId, seq, data, count, ...]
// (count: the log indexes the command takes, 1 for an ordinary entry, k for a reservation of k
// consecutive indexes, whose data is empty).
// A record is written whole or not at all (a torn tail is cut off at open), so the commands and
// the learner state that says they were delivered are persisted atomically: after a crash the
// learner resumes exactly after the last batch that survived, and re-learns the rest.
//
// Persist before acknowledging: record(ready.delivered, learner.nextSlot), sync(), then reply to
// clients. Like the acceptor's, appends are buffered until sync() (group commit).
//
// Where memory goes (no compaction: the log IS the application's data): one Uint8Array reference
// per delivered command, for the life of this object. Commands replayed at open are views into
// the records the store recovered (which the store keeps anyway), so they are not copied twice;
// commands recorded later are the caller's own arrays, kept by reference: do not mutate them.
// Plus one session (seq, logIndex) per client ever seen.

import { checkIndex } from '../paxos/ids.js';
import type { LearnerDurableState } from '../paxos/learner.js';
import type { Delivery } from '../paxos/ready.js';
import { bytesField, decodeRecord, encodeRecord, integerField } from './record-codec.js';
import type { RecordStore } from './record-store.js';

const HEAD_FIELDS = 2;
const COMMAND_FIELDS = 4;
const NO_DATA = new Uint8Array(0);

export interface LearnerLogOptions {
  /**
   * Keep every entry's data for reads (the replicated log). False for a log nobody reads, like a
   * sequencer's: only the numbering and the client sessions are kept, so memory stays flat.
   */
  retainEntries?: boolean;
}

interface Session {
  seq: number;
  logIndex: number;
}

export class LearnerLog {
  private readonly data: Uint8Array[] = [];
  private readonly sessions = new Map<number, Session>();
  private nextSlotValue = 0;
  private lengthValue = 0;
  private readonly retainEntries: boolean;

  /** Replays `store.recovered`; throws if the records do not form a dense log from logIndex 0. */
  constructor(
    readonly store: RecordStore,
    options: LearnerLogOptions = {},
  ) {
    this.retainEntries = options.retainEntries ?? true;
    const records = store.recovered;
    records.forEach((payload, index) => this.replay(payload, `learner record ${index} of ${records.length}`));
  }

  /** Number of delivered commands: the next logIndex. */
  get length(): number {
    return this.lengthValue;
  }

  /** The learner's next slot after the last recorded batch. */
  get nextSlot(): number {
    return this.nextSlotValue;
  }

  /** What to build the restarted learner from: `new Learner(config, log.durableState())`. */
  durableState(): LearnerDurableState {
    const sessions: Array<readonly [number, number, number]> = [];
    for (const [clientId, session] of this.sessions) sessions.push([clientId, session.seq, session.logIndex]);
    return { nextSlot: this.nextSlotValue, nextLogIndex: this.lengthValue, sessions };
  }

  /** The data of the command at `logIndex`. */
  entry(logIndex: number): Uint8Array {
    this.assertRetained();
    checkIndex('logIndex', logIndex);
    if (logIndex >= this.data.length) throw new RangeError(`logIndex must be in [0, ${this.data.length}), got ${logIndex}`);
    return this.data[logIndex]!;
  }

  /** Up to `countMax` commands' data from `from` on (fewer at the end of the log; `from` may equal length). */
  entries(from: number, countMax: number): Uint8Array[] {
    this.assertRetained();
    checkIndex('from', from);
    if (from > this.data.length) throw new RangeError(`from must be in [0, ${this.data.length}], got ${from}`);
    checkIndex('countMax', countMax);
    return this.data.slice(from, from + countMax);
  }

  /**
   * Appends one record for a batch of deliveries (in logIndex order, continuing the log) and the
   * learner's nextSlot after it. Buffered until sync(). Checks everything before changing anything,
   * so a throw leaves the log as it was.
   */
  record(deliveries: readonly Delivery[], nextSlot: number): void {
    checkIndex('nextSlot', nextSlot);
    if (nextSlot < this.nextSlotValue) throw new RangeError(`nextSlot must not go down: ${nextSlot} < ${this.nextSlotValue}`);
    if (!Array.isArray(deliveries)) throw new TypeError(`deliveries must be an array, got ${String(deliveries)}`);
    if (deliveries.length === 0 && nextSlot === this.nextSlotValue) return;
    const firstLogIndex = this.lengthValue;
    const fields: unknown[] = [nextSlot, firstLogIndex];
    const seqs = new Map<number, number>();
    let expectedLogIndex = firstLogIndex;
    deliveries.forEach((delivery, index) => {
      const { command } = delivery;
      const name = `deliveries[${index}]`;
      checkIndex(`${name}.logIndex`, delivery.logIndex);
      if (delivery.logIndex !== expectedLogIndex) {
        throw new RangeError(`${name}.logIndex must be ${expectedLogIndex} (the log is dense), got ${delivery.logIndex}`);
      }
      const count = command.count ?? 1;
      if (!Number.isInteger(count) || count < 1) throw new RangeError(`${name}.command.count must be a positive integer, got ${String(count)}`);
      expectedLogIndex += count;
      checkIndex(`${name}.slot`, delivery.slot);
      if (delivery.slot >= nextSlot) throw new RangeError(`${name}.slot ${delivery.slot} must be below nextSlot ${nextSlot}`);
      checkIndex(`${name}.command.clientId`, command.clientId);
      checkIndex(`${name}.command.seq`, command.seq);
      if (!(command.data instanceof Uint8Array)) throw new TypeError(`${name}.command.data must be a Uint8Array`);
      // The learner delivers each client's commands with rising seqs; anything else is a caller bug
      // that would leave the session table (and so deduplication after a restart) wrong.
      const highestSeq = seqs.get(command.clientId) ?? this.sessions.get(command.clientId)?.seq ?? 0;
      if (command.seq <= highestSeq) {
        throw new RangeError(`${name}.command.seq ${command.seq} of client ${command.clientId} must be above its last delivered seq ${highestSeq}`);
      }
      seqs.set(command.clientId, command.seq);
      fields.push(command.clientId, command.seq, this.retainEntries ? command.data : NO_DATA, count);
    });
    this.store.append(encodeRecord(fields));
    for (const { logIndex, command } of deliveries) this.deliver(command.clientId, command.seq, logIndex, command.data, command.count ?? 1);
    this.nextSlotValue = nextSlot;
  }

  /** Makes every recorded batch durable. */
  sync(): void {
    this.store.sync();
  }

  close(): void {
    this.store.close();
  }

  private replay(payload: Uint8Array, what: string): void {
    const fields = decodeRecord(payload, what);
    if (fields.length < HEAD_FIELDS || (fields.length - HEAD_FIELDS) % COMMAND_FIELDS !== 0) {
      throw new Error(`${what}: has ${fields.length} fields, not 2 + 4 per command`);
    }
    const nextSlot = integerField(fields, 0, what);
    const firstLogIndex = integerField(fields, 1, what);
    if (firstLogIndex !== this.lengthValue) {
      throw new Error(`${what}: learner log is not dense: batch starts at logIndex ${firstLogIndex}, expected ${this.lengthValue}`);
    }
    if (nextSlot < this.nextSlotValue) throw new Error(`${what}: nextSlot went down from ${this.nextSlotValue} to ${nextSlot}`);
    for (let at = HEAD_FIELDS; at < fields.length; at += COMMAND_FIELDS) {
      const count = integerField(fields, at + 3, what);
      if (count < 1) throw new Error(`${what}: command count ${count} is not positive`);
      this.deliver(integerField(fields, at, what), integerField(fields, at + 1, what), this.lengthValue, bytesField(fields, at + 2, what), count);
    }
    this.nextSlotValue = nextSlot;
  }

  private assertRetained(): void {
    if (!this.retainEntries) throw new TypeError('this learner log keeps no entries (retainEntries: false)');
  }

  private deliver(clientId: number, seq: number, logIndex: number, data: Uint8Array, count: number): void {
    if (this.retainEntries) {
      this.data.push(data);
      for (let more = 1; more < count; more++) this.data.push(NO_DATA);
    }
    this.lengthValue += count;
    const session = this.sessions.get(clientId);
    if (session === undefined) this.sessions.set(clientId, { seq, logIndex });
    else {
      session.seq = seq;
      session.logIndex = logIndex;
    }
  }
}
