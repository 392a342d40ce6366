// LearnerLog: batches of deliveries and the learner state after them survive together, or not at all.
import { readFileSync, writeFileSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Learner, MessageType, Ready, encodeValue, makeBallot } from 'synod/paxos';
import type { Command, Delivery, Message, Value } from 'synod/paxos';
import { LearnerLog, SharedRecordStore, createSharedStoreMemory } from 'synod/storage';
import { BACKENDS } from './backends.js';
import type { Backend } from './backends.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const command = (clientId: number, seq: number, data = `c${clientId}#${seq}`): Command => ({ clientId, seq, data: new TextEncoder().encode(data) });

/** Deliveries numbered from `firstLogIndex`, one command per slot starting at `firstSlot`. */
function batch(firstLogIndex: number, firstSlot: number, ...commands: Command[]): Delivery[] {
  return commands.map((c, i) => ({ slot: firstSlot + i, indexInBatch: 0, logIndex: firstLogIndex + i, command: c }));
}
const sessionsOf = (log: LearnerLog) => [...log.durableState().sessions].sort((x, y) => x[0] - y[0]);
const contents = (log: LearnerLog) => log.entries(0, log.length).map(text);

describe.each(BACKENDS)('LearnerLog over $name', ({ make }) => {
  let backend: Backend;
  beforeEach(() => {
    backend = make();
  });
  afterEach(() => backend.dispose());
  const reopen = () => new LearnerLog(backend.open());

  it('starts empty', () => {
    const log = reopen();
    expect(log.length).toBe(0);
    expect(log.durableState()).toEqual({ nextSlot: 0, nextLogIndex: 0, sessions: [] });
    expect(log.entries(0, 10)).toEqual([]);
  });

  it('gives back the same entries and durable state after a reopen', () => {
    const log = reopen();
    log.record(batch(0, 0, command(1, 1), command(2, 1)), 2);
    log.record([], 5); // slots 2..4 were no-ops or duplicates
    log.record(batch(2, 5, command(1, 2), command(3, 7), command(1, 3)), 8);
    log.sync();
    const state = { nextSlot: 8, nextLogIndex: 5, sessions: [[1, 3, 4], [2, 1, 1], [3, 7, 3]] };
    expect({ ...log.durableState(), sessions: sessionsOf(log) }).toEqual(state);
    log.close();
    const reopened = reopen();
    expect(contents(reopened)).toEqual(['c1#1', 'c2#1', 'c1#2', 'c3#7', 'c1#3']);
    expect({ ...reopened.durableState(), sessions: sessionsOf(reopened) }).toEqual(state);
    expect(text(reopened.entry(3))).toBe('c3#7');
    expect(reopened.entries(3, 100).map(text)).toEqual(['c3#7', 'c1#3']);
    expect(reopened.entries(5, 1)).toEqual([]);
    // and it keeps going where it stopped
    reopened.record(batch(5, 8, command(2, 2)), 9);
    reopened.sync();
    expect(reopen().durableState().nextLogIndex).toBe(6);
  });

  it('loses a whole unsynced batch in a crash, and keeps synced ones', () => {
    const log = reopen();
    log.record(batch(0, 0, command(1, 1)), 1);
    log.sync();
    log.record(batch(1, 1, command(1, 2), command(2, 1)), 3);
    // crash
    const reopened = reopen();
    expect(contents(reopened)).toEqual(['c1#1']);
    expect(reopened.durableState()).toEqual({ nextSlot: 1, nextLogIndex: 1, sessions: [[1, 1, 0]] });
  });

  it('refuses bad input with TypeError/RangeError and stays unchanged', () => {
    const log = reopen();
    log.record(batch(0, 0, command(1, 1)), 1);
    expect(() => log.entry(-1)).toThrow(RangeError);
    expect(() => log.entry(1)).toThrow(/logIndex must be in \[0, 1\), got 1/);
    expect(() => log.entry(0.5)).toThrow(TypeError);
    expect(() => log.entries(2, 1)).toThrow(RangeError);
    expect(() => log.entries(0, -1)).toThrow(RangeError);
    expect(() => log.record(batch(2, 1, command(1, 2)), 2)).toThrow(/logIndex must be 1 \(the log is dense\), got 2/);
    expect(() => log.record(batch(-1, 1, command(1, 2)), 2)).toThrow(RangeError);
    expect(() => log.record(batch(1, 1, command(1, 2)), 0)).toThrow(/nextSlot must not go down/);
    expect(() => log.record(batch(1, 1, command(1, 2)), 1)).toThrow(/slot 1 must be below nextSlot 1/);
    // Slot by slot: not below the log's nextSlot, and never back within a batch.
    expect(() => log.record(batch(1, 0, command(1, 2)), 2)).toThrow(/slot 0 must be at least 1 \(slots are delivered in order, from the log's nextSlot 1\)/);
    const backwards: Delivery[] = [
      { slot: 3, indexInBatch: 0, logIndex: 1, command: command(1, 2) },
      { slot: 2, indexInBatch: 0, logIndex: 2, command: command(2, 1) },
    ];
    expect(() => log.record(backwards, 4)).toThrow(/slot 2 must be at least 3/);
    expect(() => log.record(batch(1, 1, command(1, 1)), 2)).toThrow(/seq 1 of client 1 must be above its last delivered seq 1/);
    expect(() => log.record(batch(1, 1, command(2, 1), command(2, 1)), 3)).toThrow(RangeError);
    expect(() => log.record(batch(1, 1, { clientId: 2, seq: 1, data: 'no' as never }), 2)).toThrow(TypeError);
    expect(() => log.record(batch(1, 1, command(-2, 1)), 2)).toThrow(RangeError);
    expect(() => log.record('x' as never, 2)).toThrow(TypeError);
    log.sync();
    expect(contents(reopen())).toEqual(['c1#1']);
    expect(log.durableState()).toEqual({ nextSlot: 1, nextLogIndex: 1, sessions: [[1, 1, 0]] });
  });
});

describe('LearnerLog recovery', () => {
  it('drops the whole last batch when its record is torn, keeping the state consistent with the entries', () => {
    const [file] = BACKENDS;
    const backend = file!.make();
    try {
      const log = new LearnerLog(backend.open());
      log.record(batch(0, 0, command(1, 1), command(2, 1)), 2);
      log.record(batch(2, 2, command(1, 2), command(2, 2), command(3, 1)), 5);
      log.close();
      const content = readFileSync(backend.path!);
      writeFileSync(backend.path!, content.subarray(0, content.byteLength - 3)); // crash mid-write
      const reopened = new LearnerLog(backend.open());
      expect(contents(reopened)).toEqual(['c1#1', 'c2#1']);
      expect({ ...reopened.durableState(), sessions: sessionsOf(reopened) }).toEqual({ nextSlot: 2, nextLogIndex: 2, sessions: [[1, 1, 0], [2, 1, 1]] });
    } finally {
      backend.dispose();
    }
  });

  it('refuses records that do not form a dense log', () => {
    const memory = createSharedStoreMemory();
    const store = new SharedRecordStore(memory);
    const packr = new Packr({ useRecords: false });
    // [nextSlot, firstLogIndex, clientId, seq, data, count]
    store.append(new Uint8Array(packr.pack([1, 0, 1, 1, new Uint8Array([1]), 1])));
    store.append(new Uint8Array(packr.pack([2, 3, 1, 2, new Uint8Array([2]), 1]))); // logIndex 1 missing
    store.sync();
    expect(() => new LearnerLog(new SharedRecordStore(memory))).toThrow(/learner record 1 of 2: learner log is not dense: batch starts at logIndex 3, expected 1/);
  });

  it('restarts a Learner that skips a retried command and numbers on from where it stopped', () => {
    const acceptors = [10, 11, 12];
    const config = { id: 20, acceptors, proposers: [1] };
    const ballot = makeBallot(1, 1);
    const choose = (learner: Learner, slot: number, commands: readonly Command[], ready: Ready) => {
      const value: Value = encodeValue(commands);
      const messages: Message[] = [
        { type: MessageType.Accept, from: 1, ballot, slot, value },
        { type: MessageType.Accepted, from: 10, ballot, slot },
        { type: MessageType.Accepted, from: 11, ballot, slot },
      ];
      for (const msg of messages) learner.step(msg, 0, ready);
    };
    const memory = createSharedStoreMemory();
    const log = new LearnerLog(new SharedRecordStore(memory));
    const learner = new Learner(config, log.durableState());
    const ready = new Ready();
    choose(learner, 0, [command(1, 1), command(2, 1)], ready);
    choose(learner, 1, [command(1, 2)], ready);
    log.record(ready.delivered, learner.nextSlot);
    log.sync();
    ready.clear();
    choose(learner, 2, [command(2, 2)], ready);
    log.record(ready.delivered, learner.nextSlot); // never synced: lost with the crash

    const recovered = new LearnerLog(new SharedRecordStore(memory));
    const restarted = new Learner(config, recovered.durableState());
    expect(restarted.nextSlot).toBe(2);
    const again = new Ready();
    choose(restarted, 2, [command(1, 2), command(2, 2)], again); // client 1 retried seq 2
    expect(again.duplicates.toArray()).toEqual([{ slot: 2, clientId: 1, seq: 2, logIndex: 2 }]);
    expect(again.delivered.toArray().map((d) => [d.logIndex, d.command.clientId, d.command.seq])).toEqual([[3, 2, 2]]);
    recovered.record(again.delivered, restarted.nextSlot);
    expect(contents(recovered)).toEqual(['c1#1', 'c2#1', 'c1#2', 'c2#2']);
  });

  it('numbers a reservation of k indexes as k entries, and keeps no data when told not to', () => {
    const memory = createSharedStoreMemory();
    const log = new LearnerLog(new SharedRecordStore(memory), { retainEntries: false });
    const reservation = (seq: number, logIndex: number, count: number) => ({
      slot: 0,
      indexInBatch: 0,
      logIndex,
      command: { clientId: 5, seq, data: new Uint8Array(0), count },
    });
    log.record([reservation(1, 0, 1000), reservation(2, 1000, 24)], 1);
    expect(() => log.record([reservation(3, 1000, 5)], 2)).toThrow(/logIndex must be 1024/);
    log.sync();
    expect(log.length).toBe(1024);
    expect(() => log.entries(0, 1)).toThrow(TypeError);
    const reopened = new LearnerLog(new SharedRecordStore(memory), { retainEntries: false });
    expect(reopened.durableState()).toEqual({ nextSlot: 1, nextLogIndex: 1024, sessions: [[5, 2, 1000]] });
    const retained = new LearnerLog(new SharedRecordStore(memory));
    expect(retained.entries(998, 4)).toEqual([new Uint8Array(0), new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)]);
  });
});
