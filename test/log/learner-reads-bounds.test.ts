// A learner's reads, pushes and trims stop at what some learner has published (the count
// log.bounds().nextIndex reads), not at what this one has recorded but not yet synced: so every
// entry a reader is handed is below nextIndex, and trim(last read + 1) is always accepted; and a
// trim goal past the end (which the client refuses, but a learner must not trust) never releases
// entries that arrive later.
import { describe, expect, it } from 'vitest';
import { LearnerReads } from '../../src/protocol/learner-reads.js';
import { logLimits } from '../../src/protocol/limits.js';
import { ReadBarrier, createDeliveredCounts } from '../../src/protocol/read-barrier.js';
import { LogMessageType, type EntriesPushMessage, type ReadReplyMessage, type TrimReplyMessage } from '../../src/protocol/wire.js';
import type { Delivery } from '../../src/paxos/index.js';
import { LearnerLog, SharedRecordStore, createSharedStoreMemory } from '../../src/storage/index.js';

const CLIENT = 7;

/** A learner's read side over a log with `recorded` entries, of which `published` are published. */
function learner(recorded: number, published: number) {
  const log = new LearnerLog(new SharedRecordStore(createSharedStoreMemory(1 << 20)));
  const deliveries: Delivery[] = Array.from({ length: recorded }, (_, i) => ({
    slot: i,
    indexInBatch: 0,
    logIndex: i,
    command: { clientId: 1, seq: i + 1, data: new Uint8Array([i]) },
  }));
  for (const delivery of deliveries) log.record([delivery], delivery.slot + 1);
  const barrier = new ReadBarrier(createDeliveredCounts(1), 0);
  barrier.publish(published);
  const sent: Array<{ type: number }> = [];
  const transport = { id: 3, send: (_to: number, message: unknown) => (sent.push(message as { type: number }), true) };
  const reads = new LearnerReads(log, transport, transport, barrier, logLimits(256 * 1024), true);
  const take = <T>(): T[] => sent.splice(0) as T[];
  return { log, barrier, reads, take };
}

const pushedIndexes = (pushes: EntriesPushMessage[]): number[] => pushes.flatMap((push) => push.entries.map((_, i) => push.fromIndex + i));

describe('a learner hands out only published entries', () => {
  it('a read is answered up to the published count, with committed saying so', () => {
    const { reads, take } = learner(10, 6);
    reads.onClientMessage(CLIENT, { type: LogMessageType.ReadRequest, from: CLIENT, requestId: 1, fromIndex: 2, countMax: 100 } as never);
    const [reply] = take<ReadReplyMessage>();
    expect(reply).toMatchObject({ fromIndex: 2, committed: 6 });
    expect(reply!.entries.map((data) => data[0])).toEqual([2, 3, 4, 5]);
  });

  it('a follow is pushed up to the published count, and the rest once it is published', () => {
    const { reads, barrier, take } = learner(10, 6);
    reads.onClientMessage(CLIENT, { type: LogMessageType.Subscribe, from: CLIENT, subscriptionId: 1, fromIndex: 0, allowedBelow: 100 } as never);
    expect(pushedIndexes(take<EntriesPushMessage>())).toEqual([0, 1, 2, 3, 4, 5]);
    barrier.publish(10);
    reads.afterRelease();
    expect(pushedIndexes(take<EntriesPushMessage>())).toEqual([6, 7, 8, 9]);
  });

  it('a trim goal past the end stops at the published count and releases nothing recorded later', () => {
    const { log, reads, barrier, take } = learner(10, 6);
    reads.onClientMessage(CLIENT, { type: LogMessageType.Trim, from: CLIENT, requestId: 1, beforeIndex: Number.MAX_SAFE_INTEGER } as never);
    expect(take<TrimReplyMessage>()).toEqual([expect.objectContaining({ firstIndex: 6 })]);
    // Entries 6..9 become published; a later, smaller trim must not carry the old goal further.
    barrier.publish(10);
    reads.afterRelease();
    take();
    reads.onClientMessage(CLIENT, { type: LogMessageType.Trim, from: CLIENT, requestId: 2, beforeIndex: 3 } as never);
    expect(take<TrimReplyMessage>()).toEqual([expect.objectContaining({ firstIndex: 6 })]);
    expect(log.firstIndex).toBe(6);
    expect(log.entries(6, 100).map((data) => data[0])).toEqual([6, 7, 8, 9]);
  });
});

describe("a restarted learner's barrier", () => {
  it('keeps what its earlier incarnation published, and holds a read until its log has it again', () => {
    const counts = createDeliveredCounts(1);
    new ReadBarrier(counts, 0).publish(10);
    // The restarted learner's log came back with 6 entries: a crash cut 4 it had acknowledged.
    const log = new LearnerLog(new SharedRecordStore(createSharedStoreMemory(1 << 20)));
    for (let i = 0; i < 6; i++) log.record([{ slot: i, indexInBatch: 0, logIndex: i, command: { clientId: 1, seq: i + 1, data: new Uint8Array([i]) } }], i + 1);
    const barrier = new ReadBarrier(counts, 0);
    barrier.publish(log.length);
    expect(barrier.highest()).toBe(10);
    const sent: Array<{ type: number }> = [];
    const transport = { id: 3, send: (_to: number, message: unknown) => (sent.push(message as { type: number }), true) };
    const reads = new LearnerReads(log, transport, transport, barrier, logLimits(256 * 1024), true);
    reads.onClientMessage(CLIENT, { type: LogMessageType.ReadRequest, from: CLIENT, requestId: 1, fromIndex: 0, countMax: 100 } as never);
    expect(sent).toEqual([]); // held: entries 6..9 resolved appends, and this log lacks them
    for (let i = 6; i < 10; i++) log.record([{ slot: i, indexInBatch: 0, logIndex: i, command: { clientId: 1, seq: i + 1, data: new Uint8Array([i]) } }], i + 1);
    barrier.publish(log.length);
    reads.afterRelease();
    const [reply] = sent.splice(0) as ReadReplyMessage[];
    expect(reply).toMatchObject({ fromIndex: 0, committed: 10 });
    expect(reply!.entries.map((data) => data[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
