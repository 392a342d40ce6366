// LearnerLog: a batch larger than one record is written as several, each a state to resume from.
import { describe, expect, it } from 'vitest';
import type { Command, Delivery } from 'synod/paxos';
import { FRAME_PAYLOAD_BYTES_MAX, LearnerLog, SharedRecordStore, createSharedStoreMemory, type RecordStore } from 'synod/storage';

const data = (clientId: number, seq: number) => new Uint8Array(40).fill(clientId * 16 + seq);
const command = (clientId: number, seq: number): Command => ({ clientId, seq, data: data(clientId, seq) });
/** Slot 3: clients 1, 2, 3; slot 4: clients 4, 5 (seq 1 each), logIndexes from 0. */
const batch = (): Delivery[] =>
  [command(1, 1), command(2, 1), command(3, 1), command(4, 1), command(5, 1)].map((c, i) => ({
    slot: i < 3 ? 3 : 4,
    indexInBatch: i < 3 ? i : i - 3,
    logIndex: i,
    command: c,
  }));
/** Two commands of 40 bytes fit a record of 200 bytes (17 + 2 x (32 + 40) = 161), three do not. */
const RECORD_BYTES_MAX = 200;

/** A store whose appends (copied or written in place) fail with ENOSPC (as a full disk's do) once `appendsLeft` reaches 0. */
function failingAfter(store: RecordStore, appendsLeft: number): RecordStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key !== 'append' && key !== 'appendReserved') return Reflect.get(target, key, receiver) as unknown;
      return (payload: Uint8Array & number) => {
        if (appendsLeft-- <= 0) throw Object.assign(new Error('no space left'), { code: 'ENOSPC' });
        return key === 'append' ? target.append(payload) : target.appendReserved(payload);
      };
    },
  });
}

describe('LearnerLog records a batch larger than a record', () => {
  it('as several records, which a reopen replays to the same log', () => {
    const memory = createSharedStoreMemory();
    const log = new LearnerLog(new SharedRecordStore(memory), { recordBytesMax: RECORD_BYTES_MAX });
    log.record(batch(), 5);
    log.sync();
    const reopened = new LearnerLog(new SharedRecordStore(memory));
    expect(reopened.store.recoveredCount).toBe(3);
    expect(reopened.entries(0, 10)).toEqual(batch().map((d) => d.command.data));
    expect(reopened.durableState()).toEqual(log.durableState());
    expect(reopened.durableState()).toMatchObject({ nextSlot: 5, nextLogIndex: 5 });
  });

  it('each record a state to resume from: one cut off mid-slot resumes at that slot', () => {
    const memory = createSharedStoreMemory();
    const log = new LearnerLog(failingAfter(new SharedRecordStore(memory), 1), { recordBytesMax: RECORD_BYTES_MAX });
    expect(() => log.record(batch(), 5)).toThrow('no space left');
    // The first record (clients 1 and 2 of slot 3) is in: the learner resumes at slot 3, whose
    // commands of clients 1 and 2 it will find already delivered (their sessions say so).
    expect(log.durableState()).toEqual({ nextSlot: 3, nextLogIndex: 2, sessions: [[1, 1, 0], [2, 1, 1]] });
    log.sync();
    const reopened = new LearnerLog(new SharedRecordStore(memory), { recordBytesMax: RECORD_BYTES_MAX });
    expect(reopened.durableState()).toEqual(log.durableState());
    // The re-learned slots deliver the rest.
    reopened.record(batch().slice(2), 5);
    reopened.sync();
    expect(new LearnerLog(new SharedRecordStore(memory)).entries(0, 10)).toEqual(batch().map((d) => d.command.data));
  });

  it('refuses an entry larger than a record, naming both sizes, and changes nothing', () => {
    const log = new LearnerLog(new SharedRecordStore(createSharedStoreMemory()), { recordBytesMax: RECORD_BYTES_MAX });
    const large: Delivery = { slot: 0, indexInBatch: 0, logIndex: 0, command: { clientId: 1, seq: 1, data: new Uint8Array(200) } };
    expect(() => log.record([large], 1)).toThrow(new RangeError('an entry of 200 bytes is too large for one record of at most 200 bytes'));
    expect(log.durableState()).toEqual({ nextSlot: 0, nextLogIndex: 0, sessions: [] });
    expect(log.store.sizeBytes).toBe(0);
  });

  it('takes recordBytesMax up to a frame, and no more', () => {
    const store = new SharedRecordStore(createSharedStoreMemory());
    expect(new LearnerLog(store, { recordBytesMax: FRAME_PAYLOAD_BYTES_MAX }).length).toBe(0);
    expect(() => new LearnerLog(store, { recordBytesMax: FRAME_PAYLOAD_BYTES_MAX + 1 })).toThrow(
      new RangeError(`recordBytesMax must be an integer from 49 to ${FRAME_PAYLOAD_BYTES_MAX}, got ${FRAME_PAYLOAD_BYTES_MAX + 1}`),
    );
    expect(() => new LearnerLog(store, { recordBytesMax: 48 })).toThrow(RangeError);
  });
});

describe('LearnerLog at the bound of its entry index', () => {
  it('refuses a batch that would keep more entries than the index holds, and changes nothing', () => {
    const log = new LearnerLog(new SharedRecordStore(createSharedStoreMemory()));
    log.record([{ slot: 0, indexInBatch: 0, logIndex: 0, command: command(1, 1) }], 1);
    // A reservation of 2^32 indexes would be 2^32 more entries: one past the 2^32 the index holds.
    const reservation: Delivery = { slot: 1, indexInBatch: 0, logIndex: 1, command: { ...command(2, 1), count: 2 ** 32 } };
    expect(() => log.record([reservation], 2)).toThrow(
      new RangeError(`the batch would make the log keep ${2 ** 32 + 1} entries, past the ${2 ** 32} its index holds: trim the log`),
    );
    expect(log.durableState()).toEqual({ nextSlot: 1, nextLogIndex: 1, sessions: [[1, 1, 0]] });
    // A log that keeps no entries has no index to fill.
    const numbering = new LearnerLog(new SharedRecordStore(createSharedStoreMemory()), { retainEntries: false });
    numbering.record([{ ...reservation, logIndex: 0 }], 2);
    expect(numbering.length).toBe(2 ** 32);
  });
});
