// The learner and its log keep one table of client sessions (LearnerLog.sharedState()): the
// learner advances it as it delivers, the log records without looking a client up again, and a
// record the store refused is undone from the table, so what the table says is what the log holds.
import { describe, expect, it } from 'vitest';
import { LearnerNode, type WriteGuard } from '../../src/roles/index.js';
import { MessageType, encodeValue, makeBallot, type Command, type Delivery, type Message } from '../../src/paxos/index.js';
import { LearnerLog, SharedRecordStore, createSharedStoreMemory, type RecordStore } from '../../src/storage/index.js';

const LEARNER = 5;
const PROPOSER = 0;
const ACCEPTORS = [2, 3, 4];
const BALLOT = makeBallot(1, PROPOSER);

/** A store whose appends fail with ENOSPC (as a full disk's do) while `full()`, or once `appendsLeft()` is 0. */
function refusing(store: RecordStore, full: () => boolean, appendsLeft = () => Number.POSITIVE_INFINITY, spent = () => {}): RecordStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key !== 'append' && key !== 'appendReserved') return Reflect.get(target, key, receiver) as unknown;
      return (payload: Uint8Array & number) => {
        if (full() || appendsLeft() <= 0) throw Object.assign(new Error('no space left'), { code: 'ENOSPC' });
        spent();
        return key === 'append' ? target.append(payload) : target.appendReserved(payload);
      };
    },
  });
}

/** As the runtime's StorageGuard: a write that fails with ENOSPC is refused, anything else is a bug. */
const catchingFullStore: WriteGuard = {
  trySync(write: () => void): boolean {
    try {
      write();
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOSPC') return false;
      throw error;
    }
  },
};

function learnerOver(store: RecordStore, recordBytesMax?: number) {
  const log = new LearnerLog(store, recordBytesMax === undefined ? {} : { recordBytesMax });
  const delivered: string[] = [];
  const acks: string[] = [];
  const node = new LearnerNode({
    config: { id: LEARNER, acceptors: ACCEPTORS, proposers: [PROPOSER], catchUpIntervalMs: 1_000_000 },
    log,
    transport: { send: () => {} },
    guard: catchingFullStore,
    delivered: (delivery: Delivery) => void delivered.push(`${delivery.command.clientId}#${delivery.command.seq} at ${delivery.logIndex}`),
    acks: { add: (clientId, seq, logIndex) => void acks.push(`${clientId}#${seq} at ${logIndex}`), drain: () => {} },
    sendAcks: () => {},
  });
  /** `slot` chosen with `commands`: the proposer's Accept, then two acceptors' votes. */
  const choose = (slot: number, commands: Command[]): void => {
    node.step(PROPOSER, { type: MessageType.Accept, from: PROPOSER, ballot: BALLOT, slot, value: encodeValue(commands) } as Message, 1);
    for (const acceptor of ACCEPTORS.slice(0, 2)) node.step(acceptor, { type: MessageType.Accepted, from: acceptor, ballot: BALLOT, slot } as Message, 1);
    node.endTurn();
  };
  return { node, log, choose, delivered, acks };
}

const data40 = (clientId: number) => new Uint8Array(40).fill(clientId);
const command = (clientId: number, seq: number): Command => ({ clientId, seq, data: data40(clientId) });

describe('one session table for the learner and its log', () => {
  it('the learner delivers against the log\'s own table, not a copy of it', () => {
    const { node, log, choose } = learnerOver(new SharedRecordStore(createSharedStoreMemory()));
    choose(0, [command(7, 1)]);
    expect(log.sessionTable.get(7)).toEqual({ seq: 1, logIndex: 0 });
    expect(node.learner.durableState().sessions).toEqual([[7, 1, 0]]);
    // A retry of the same command, chosen again in a later slot: a duplicate, decided on the table the log keeps.
    choose(1, [command(7, 1)]);
    expect(log.length).toBe(1);
    expect(log.durableState()).toEqual({ nextSlot: 2, nextLogIndex: 1, sessions: [[7, 1, 0]] });
  });

  it('a record the store refused is undone from the table: the slot learned again is delivered, not taken for a duplicate', () => {
    let full = true;
    const { log, choose, delivered, acks } = learnerOver(refusing(new SharedRecordStore(createSharedStoreMemory()), () => full));
    choose(0, [command(7, 1)]);
    expect(log.length).toBe(0);
    expect(log.sessionTable.get(7)).toBeUndefined();
    expect(delivered).toEqual([]);
    full = false;
    choose(0, [command(7, 1)]); // the acceptors keep the slot; the rebuilt learner learns it again
    expect(delivered).toEqual(['7#1 at 0']);
    expect(acks).toEqual(['7#1 at 0']);
    expect(log.entries(0, 1)).toEqual([data40(7)]);
    expect(log.durableState()).toEqual({ nextSlot: 1, nextLogIndex: 1, sessions: [[7, 1, 0]] });
  });

  it('a record split in parts keeps the sessions of the parts the store took, and only those', () => {
    let appendsLeft = 1;
    const store = refusing(
      new SharedRecordStore(createSharedStoreMemory()),
      () => false,
      () => appendsLeft,
      () => void appendsLeft--,
    );
    // Two commands of 40 bytes fit a record of 200 bytes, three do not: slot 0's three take two records.
    const { log, choose, delivered, acks } = learnerOver(store, 200);
    choose(0, [command(1, 1), command(2, 1), command(3, 1)]);
    expect(log.durableState()).toEqual({ nextSlot: 0, nextLogIndex: 2, sessions: [[1, 1, 0], [2, 1, 1]] });
    appendsLeft = Number.POSITIVE_INFINITY;
    delivered.length = 0;
    choose(0, [command(1, 1), command(2, 1), command(3, 1)]);
    // Clients 1 and 2 were recorded: duplicates now, acknowledged where they are; client 3 is delivered.
    expect(delivered).toEqual(['3#1 at 2']);
    expect(acks).toEqual(['3#1 at 2', '1#1 at 0', '2#1 at 1']); // deliveries first, then the duplicates re-acknowledged
    expect(log.durableState()).toEqual({ nextSlot: 1, nextLogIndex: 3, sessions: [[1, 1, 0], [2, 1, 1], [3, 1, 2]] });
  });
});

describe('LearnerLog: record() checks the sessions, recordDelivered() trusts them', () => {
  const delivery = (logIndex: number, slot: number, clientId: number, seq: number): Delivery => ({ slot, indexInBatch: 0, logIndex, command: command(clientId, seq) });

  it('record() refuses a seq that is not above the client\'s; recordDelivered() leaves that to the learner that advanced the table', () => {
    const log = new LearnerLog(new SharedRecordStore(createSharedStoreMemory()));
    log.record([delivery(0, 0, 1, 1)], 1);
    expect(() => log.record([delivery(1, 1, 1, 1)], 2)).toThrow(/seq 1 of client 1 must be above its last delivered seq 1/);
    expect(log.length).toBe(1);
    // As a learner sharing the table would hand it over: the session already says seq 2.
    log.sessionTable.advance(1, 2, 1, log.sessionTable.get(1));
    log.recordDelivered([delivery(1, 1, 1, 2)], 2);
    expect(log.durableState()).toEqual({ nextSlot: 2, nextLogIndex: 2, sessions: [[1, 2, 1]] });
  });

  it('recordDelivered() still checks what the table cannot vouch for, and changes nothing when it refuses', () => {
    const log = new LearnerLog(new SharedRecordStore(createSharedStoreMemory()));
    log.recordDelivered([delivery(0, 0, 1, 1)], 1);
    expect(() => log.recordDelivered([delivery(2, 1, 1, 2)], 2)).toThrow(/logIndex must be 1 \(the log is dense\), got 2/);
    expect(() => log.recordDelivered([delivery(1, 0, 1, 2)], 2)).toThrow(/slot 0 must be at least 1/);
    expect(() => log.recordDelivered([delivery(1, 1, 1, 2)], 1)).toThrow(/slot 1 must be below nextSlot 1/);
    expect(() => log.recordDelivered([delivery(1, 1, -1, 2)], 2)).toThrow(RangeError);
    expect(log.durableState()).toEqual({ nextSlot: 1, nextLogIndex: 1, sessions: [] });
    expect(log.entries(0, 5)).toEqual([data40(1)]);
  });
});
