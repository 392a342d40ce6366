// Slots, ballots, log indexes, client ids and seqs are exact up to 2^53 - 1 in both stores: the
// acceptor's records (msgpack, float64 above 2^32) and the learner's (varints) round-trip them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROUND_MAX, makeBallot } from 'synod/paxos';
import { DurableAcceptorStorage, LearnerLog } from 'synod/storage';
import { CLIENT_ID_MAX } from '../../src/protocol/wire.js';
import { BACKENDS, type Backend } from './backends.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe.each(BACKENDS)('indexes at 2^53 - 1 over $name', ({ make }) => {
  let backend: Backend;
  beforeEach(() => {
    backend = make();
  });
  afterEach(() => backend.dispose());

  it("an acceptor's promise, truncation and acceptance come back exact", () => {
    const ballot = makeBallot(ROUND_MAX, 0xffff);
    expect(ballot).toBeLessThanOrEqual(MAX);
    const storage = new DurableAcceptorStorage(backend.open());
    storage.savePromise(ballot);
    storage.truncateBelow(MAX - 10);
    storage.saveAccepted({ slot: MAX - 1, ballot, value: new Uint8Array([1, 2, 3]) });
    storage.sync();
    storage.close();
    expect(new DurableAcceptorStorage(backend.open()).load()).toEqual({
      promised: ballot,
      logStart: MAX - 10,
      entries: [{ slot: MAX - 1, ballot, value: new Uint8Array([1, 2, 3]) }],
    });
  });

  it("a learner's length, nextSlot and sessions come back exact, and the log stops at 2^53 - 1", () => {
    const open = () => new LearnerLog(backend.open(), { retainEntries: false });
    const log = open();
    // One reservation of nearly every index, then one entry up to the last.
    log.record([{ slot: MAX - 100, indexInBatch: 0, logIndex: 0, command: { clientId: CLIENT_ID_MAX, seq: MAX - 1, data: new Uint8Array(0), count: MAX - 1 } }], MAX - 99);
    log.record([{ slot: MAX - 99, indexInBatch: 0, logIndex: MAX - 1, command: { clientId: CLIENT_ID_MAX, seq: MAX, data: new Uint8Array(0) } }], MAX - 1);
    log.sync();
    const expected = { nextSlot: MAX - 1, nextLogIndex: MAX, sessions: [[CLIENT_ID_MAX, MAX, MAX - 1]] };
    expect(log.durableState()).toEqual(expected);
    log.close();
    const reopened = open();
    expect(reopened.durableState()).toEqual(expected);
    // Past the largest index is refused, and nothing changes.
    const past = { slot: MAX - 1, indexInBatch: 0, logIndex: MAX, command: { clientId: 1, seq: 1, data: new Uint8Array(0) } };
    expect(() => reopened.record([past], MAX)).toThrow(RangeError);
    expect(reopened.durableState()).toEqual(expected);
    // A trim to the very end writes a START record of the largest numbers.
    reopened.trim(MAX);
    reopened.close();
    const trimmed = open();
    expect(trimmed.firstIndex).toBe(MAX);
    expect(trimmed.durableState()).toEqual(expected);
  });
});
