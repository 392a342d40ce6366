import { describe, expect, it } from 'vitest';
import { FollowRead, PagedRead } from '../../src/protocol/read-core.js';
import { LogTrimmedError } from '../../src/protocol/errors.js';
import { LogMessageType, type EntriesPushMessage, type ReadReplyMessage } from '../../src/protocol/wire.js';

const bytes = (...values: number[]) => values.map((value) => new Uint8Array([value]));
const reply = (fromIndex: number, entries: Uint8Array[], committed: number, firstIndex = 0): ReadReplyMessage => ({
  type: LogMessageType.ReadReply,
  from: 9,
  requestId: 1,
  fromIndex,
  entries,
  committed,
  firstIndex,
});
const push = (fromIndex: number, entries: Uint8Array[], firstIndex = 0): EntriesPushMessage => ({
  type: LogMessageType.EntriesPush,
  from: 9,
  subscriptionId: 1,
  fromIndex,
  entries,
  firstIndex,
});

describe('PagedRead', () => {
  it('reads up to what the first reply said was committed, page by page, and asks the next learner after silence', () => {
    const read = new PagedRead(2, [5, 6]);
    expect(read.request(1, 7)).toMatchObject({ fromIndex: 2, requestId: 7 });
    expect(read.learner).toBe(5);
    read.onSilence();
    expect(read.learner).toBe(6);
    expect(read.onReply(reply(2, bytes(2, 3), 5)).map((entry) => entry.index)).toEqual([2, 3]);
    expect(read.done).toBe(false);
    expect(read.request(1, 8).fromIndex).toBe(4);
    // Entries committed after the read started are not part of it.
    expect(read.onReply(reply(4, bytes(4, 5, 6), 7)).map((entry) => entry.index)).toEqual([4]);
    expect(read.done).toBe(true);
  });

  it('a reply from a log trimmed past the read is a LogTrimmedError; an empty reply ends the read', () => {
    expect(() => new PagedRead(3, [5]).onReply(reply(3, [], 10, 5))).toThrow(LogTrimmedError);
    const read = new PagedRead(3, [5]);
    expect(read.onReply(reply(3, [], 3))).toEqual([]);
    expect(read.done).toBe(true);
  });
});

describe('FollowRead', () => {
  it('hands out every entry once in order, skips what a re-subscription pushes again, and asks again after a gap', () => {
    const follow = new FollowRead(0, 1, 3, 8);
    expect(follow.subscribe()).toMatchObject({ fromIndex: 0, allowedBelow: 8, subscriptionId: 3 });
    expect(follow.onPush(push(0, bytes(0, 1, 2))).map((entry) => entry.index)).toEqual([0, 1, 2]);
    expect(follow.onPush(push(1, bytes(1, 2, 3))).map((entry) => entry.index)).toEqual([3]);
    expect(follow.takeMessage()).toBeUndefined();
    // A push past the next entry (one was lost): nothing handed out, a new Subscribe from index 4.
    expect(follow.onPush(push(6, bytes(6)))).toEqual([]);
    expect(follow.takeMessage()).toMatchObject({ type: LogMessageType.Subscribe, fromIndex: 4 });
    expect(follow.takeMessage()).toBeUndefined();
    expect(() => follow.onPush(push(4, [], 5))).toThrow(LogTrimmedError);
  });

  it('grants more credit once half of it is used', () => {
    const follow = new FollowRead(0, 1, 3, 8);
    expect(follow.consumed(0)).toBeUndefined();
    expect(follow.consumed(2)).toBeUndefined();
    expect(follow.consumed(3)).toMatchObject({ type: LogMessageType.Credit, allowedBelow: 12 });
    expect(follow.consumed(4)).toBeUndefined();
  });
});
