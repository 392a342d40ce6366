// When a learner writes, syncs and answers (learner-node.ts): an acknowledgement follows the
// write of its delivery (flush), not the fdatasync; the messages it holds, its progress reports
// above all (they let acceptors drop slots), follow an fdatasync that covers what they report; a
// store that refuses either holds everything back until an end of turn gets through.
import { describe, expect, it } from 'vitest';
import { LearnerNode, type WriteGuard } from '../../src/roles/index.js';
import { MessageType, encodeValue, makeBallot, type Message, type NodeId } from '../../src/paxos/index.js';
import { LearnerLog, SharedRecordStore, createSharedStoreMemory, type RecordStore } from '../../src/storage/index.js';
import { SimRecordStore } from '../../src/sim/sim-record-store.js';

const LEARNER = 5;
const PROPOSER = 0;
const ACCEPTORS = [2, 3, 4];
const BALLOT = makeBallot(1, PROPOSER);

/** Writes that fail while `failing` names them (a full disk), counted like the runtime's StorageGuard. */
class TogglingGuard implements WriteGuard {
  refused = 0;
  constructor(private readonly failing: () => boolean) {}
  trySync(write: () => void): boolean {
    if (this.failing()) {
      this.refused++;
      return false;
    }
    write();
    return true;
  }
}

function learnerOver(store: RecordStore & { flush?(): void }, guard?: WriteGuard) {
  const events: string[] = [];
  const gathered: string[] = [];
  // Every store call, publish, message and acknowledgement sent, in the order they happen.
  const flush = store.flush?.bind(store);
  if (flush !== undefined) store.flush = () => (events.push('flush'), flush());
  const sync = store.sync.bind(store);
  store.sync = () => (events.push('sync'), sync());
  const node = new LearnerNode({
    config: { id: LEARNER, acceptors: ACCEPTORS, proposers: [PROPOSER], progressIntervalMs: 50, catchUpIntervalMs: 1_000_000 },
    log: new LearnerLog(store),
    transport: { send: (to: NodeId, message: Message) => events.push(`send ${message.type === MessageType.LearnerProgress ? 'progress' : message.type} to ${to}`) },
    ...(guard === undefined ? {} : { guard }),
    acks: {
      add: (clientId, seq, logIndex) => void gathered.push(`ack ${clientId}#${seq} at ${logIndex}`),
      drain: () => void events.push(...gathered.splice(0)),
    },
    sendAcks: () => {},
    barrier: { publish: (delivered) => events.push(`publish ${delivered}`) },
  });
  let seq = 0;
  /** One slot chosen: the proposer's Accept, then two acceptors' votes. */
  const choose = (slot: number, nowMs: number): void => {
    seq++;
    const accept: Message = { type: MessageType.Accept, from: PROPOSER, ballot: BALLOT, slot, value: encodeValue([{ clientId: 1, seq, data: new Uint8Array([seq]) }]) };
    node.step(PROPOSER, accept, nowMs);
    for (const acceptor of ACCEPTORS.slice(0, 2)) {
      const accepted: Message = { type: MessageType.Accepted, from: acceptor, ballot: BALLOT, slot };
      node.step(acceptor, accepted, nowMs);
    }
  };
  const take = (): string[] => events.splice(0);
  // The first progress report goes out now, out of the way of what each test looks at.
  node.tick(0);
  node.endTurn();
  take();
  /** Slot 0 delivered and acknowledged, then slot 1 chosen in a turn whose tick made a progress report due. */
  const progressDueAfterOneSlot = (): void => {
    choose(0, 1);
    node.endTurn();
    take();
    node.tick(60); // progress due: it says slot 0 was delivered, so the acceptors may drop it
    choose(1, 60);
  };
  return { node, choose, take, progressDueAfterOneSlot };
}

describe('a learner with a file-like store (flush, then sync)', () => {
  it('acknowledges once the delivery is written, without an fdatasync', () => {
    const { node, choose, take } = learnerOver(new SimRecordStore());
    choose(0, 1);
    expect(take()).toEqual([]); // gathered, not sent: nothing is written yet
    expect(node.endTurn()).toBe(true);
    expect(take()).toEqual(['flush', 'publish 1', 'ack 1#1 at 0']);
    choose(1, 2);
    node.endTurn();
    expect(take()).toEqual(['flush', 'publish 2', 'ack 1#2 at 1']);
  });

  it('fdatasyncs before it sends a progress report, which covers only what that sync made durable', () => {
    const { node, choose, take, progressDueAfterOneSlot } = learnerOver(new SimRecordStore());
    progressDueAfterOneSlot();
    expect(node.endTurn()).toBe(true);
    expect(take()).toEqual(['flush', 'sync', 'send progress to 0', 'publish 2', 'ack 1#2 at 1']);
    // Nothing held: no sync, however much was written.
    choose(2, 61);
    node.endTurn();
    expect(take()).toEqual(['flush', 'publish 3', 'ack 1#3 at 2']);
  });

  it('a refused write holds the acknowledgements back; the next end of turn that gets through sends them', () => {
    let full = false;
    const guard = new TogglingGuard(() => full);
    const { node, choose, take } = learnerOver(new SimRecordStore(), guard);
    choose(0, 1); // recorded in the store's buffer; the disk fills before it is written
    full = true;
    expect(node.endTurn()).toBe(false);
    expect(take()).toEqual([]); // no publish, no progress: acknowledgements stay gathered
    full = false;
    expect(node.endTurn()).toBe(true);
    expect(take()).toEqual(['flush', 'publish 1', 'ack 1#1 at 0']);
    expect(guard.refused).toBe(1);
  });

  it('a refused fdatasync holds the progress report, and the acknowledgements of that turn', () => {
    let syncRefused = false;
    const store = new SimRecordStore();
    const guard = new TogglingGuard(() => syncRefused);
    const { node, take, progressDueAfterOneSlot } = learnerOver(store, guard);
    progressDueAfterOneSlot();
    // The write goes through; the sync after it is refused.
    const flush = store.flush.bind(store);
    store.flush = () => {
      flush();
      syncRefused = true;
    };
    expect(node.endTurn()).toBe(false);
    expect(take()).toEqual(['flush']);
    syncRefused = false;
    expect(node.endTurn()).toBe(true);
    expect(take()).toEqual(['sync', 'send progress to 0', 'publish 2', 'ack 1#2 at 1']);
  });
});

describe('a learner whose store has nothing between append and sync (shared memory)', () => {
  it('syncs every turn before it acknowledges', () => {
    const { node, choose, take } = learnerOver(new SharedRecordStore(createSharedStoreMemory(1 << 20)));
    choose(0, 1);
    node.endTurn();
    expect(take()).toEqual(['sync', 'publish 1', 'ack 1#1 at 0']);
  });
});
