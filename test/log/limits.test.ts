// The byte budget of every message kind (src/protocol/limits.ts), checked by encoding the largest
// message of each kind the runtime can build, at the smallest and the default ring: a message
// that would not fit a mailbox is a bug these assertions catch, never a silent drop at run time.
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { PAGE_ENTRY_OVERHEAD_BYTES, logLimits } from 'synod/log';
import { ENTRIES_PER_PAGE_MAX, LogMessageType } from '../../src/protocol/wire.js';
import { leaderValueBytesMax } from '../../src/protocol/limits.js';
import { ACCEPTED_ENTRY_OVERHEAD_BYTES, COMMAND_HEADER_BYTES, MessageType } from 'synod/paxos';

const packr = new Packr({ useRecords: false });
const encodedBytes = (message: unknown): number => packr.pack(message).byteLength;
/** The widest numbers a field can hold: every integer field is at most a safe integer (a 9-byte float64). */
const BIG = Number.MAX_SAFE_INTEGER;
const NODE = 65_535;

describe.each([65_536, 1 << 20, 1 << 24])('with ringBytes %i, the largest message of every kind fits a mailbox', (ringBytes) => {
  const limits = logLimits(ringBytes);
  const fits = (message: unknown): void => expect(encodedBytes(message)).toBeLessThanOrEqual(limits.messageBytesMax);

  it('the checker itself catches a message one slot too large', () => {
    expect(encodedBytes({ type: MessageType.Accept, from: NODE, ballot: BIG, slot: BIG, value: new Uint8Array(limits.messageBytesMax) })).toBeGreaterThan(
      limits.messageBytesMax,
    );
  });

  it('Accept of a full slot', () => {
    fits({ type: MessageType.Accept, from: NODE, ballot: BIG, slot: BIG, value: new Uint8Array(limits.slotValueBytesMax) });
  });

  it('Promise part and CatchUpReply: one full slot, or as many small entries as the budget admits', () => {
    const entry = (bytes: number) => ({ slot: BIG, ballot: BIG, value: new Uint8Array(bytes) });
    const one = [entry(limits.slotValueBytesMax)];
    const many = Array.from({ length: Math.floor(limits.acceptorReplyBytesMax / ACCEPTED_ENTRY_OVERHEAD_BYTES) }, () => entry(0));
    for (const entries of [one, many]) {
      fits({ type: MessageType.Promise, from: NODE, ballot: BIG, logStart: BIG, entries, part: BIG, parts: BIG });
      fits({ type: MessageType.CatchUpReply, from: NODE, logStart: BIG, entries });
    }
  });

  it('ClientRequestBatch of a full batch', () => {
    fits({ type: LogMessageType.ClientRequestBatch, from: NODE, commands: new Uint8Array(limits.requestBatchBytesMax) });
  });

  it('ReadReply and EntriesPush: one largest entry, or a full page of small ones', () => {
    const pageDataBytes = limits.pageBytesMax - ENTRIES_PER_PAGE_MAX * PAGE_ENTRY_OVERHEAD_BYTES;
    const one = [new Uint8Array(limits.entryBytesBound)];
    const full = Array.from({ length: ENTRIES_PER_PAGE_MAX }, () => new Uint8Array(Math.floor(pageDataBytes / ENTRIES_PER_PAGE_MAX)));
    for (const entries of [one, full]) {
      fits({ type: LogMessageType.ReadReply, from: NODE, requestId: BIG, fromIndex: BIG, entries, committed: BIG, firstIndex: BIG });
      fits({ type: LogMessageType.EntriesPush, from: NODE, subscriptionId: BIG, fromIndex: BIG, entries, firstIndex: BIG });
    }
  });

  it('ClientReplyBatch of the most acknowledgement ranges, each number as wide as it gets', () => {
    // A non-integer forces msgpack's widest number (float64, 9 bytes); real ones are integers, never wider.
    const ranges = Array.from({ length: 4 * limits.ackRangesPerMessageMax }, () => 1e15 + 0.5);
    fits({ type: LogMessageType.ClientReplyBatch, from: NODE, ranges });
  });
});

describe('the count limits', () => {
  it('a next(count) fits one reservation and a reservation fits a command count, and a bound that breaks either is caught', async () => {
    const { NEXT_COUNT_MAX, RESERVE_COUNT_MAX, checkCountLimits } = await import('../../src/protocol/limits.js');
    const { COMMAND_COUNT_MAX } = await import('synod/paxos');
    expect(NEXT_COUNT_MAX).toBeLessThanOrEqual(RESERVE_COUNT_MAX);
    expect(RESERVE_COUNT_MAX).toBeLessThanOrEqual(COMMAND_COUNT_MAX);
    expect(() => checkCountLimits(NEXT_COUNT_MAX, RESERVE_COUNT_MAX)).not.toThrow();
    expect(() => checkCountLimits(RESERVE_COUNT_MAX + 1, RESERVE_COUNT_MAX)).toThrow(/a next\(count\) of 4194305 fits one reservation/);
    expect(() => checkCountLimits(NEXT_COUNT_MAX, COMMAND_COUNT_MAX + 1)).toThrow(/fits a command's count field \(4294967295\)/);
  });
});

describe("a leader's bound on values in flight and queued (leaderValueBytesMax)", () => {
  it('is half a ring, or four of the largest entries where that is more, never more than a ring, at every ring size and entry bound', () => {
    for (let ringBytes = 1 << 16; ringBytes <= 1 << 30; ringBytes *= 2) {
      const limits = logLimits(ringBytes);
      for (const entryBytesMax of [0, 1, 1024, 16 * 1024, 64 * 1024, ringBytes / 8, ringBytes / 4, limits.entryBytesBound]) {
        const bound = leaderValueBytesMax(ringBytes, entryBytesMax);
        const context = `ringBytes ${ringBytes}, entryBytesMax ${entryBytesMax}`;
        expect(Number.isSafeInteger(bound), context).toBe(true);
        expect(bound, context).toBeGreaterThanOrEqual(limits.messageBytesMax);
        expect(bound, context).toBeLessThanOrEqual(ringBytes);
        // Four of the largest commands go in a pipeline wherever a ring holds them.
        expect(bound, context).toBeGreaterThanOrEqual(Math.min(ringBytes, 4 * (COMMAND_HEADER_BYTES + entryBytesMax)));
      }
    }
    // The defaults: half of a 1 MiB ring for 64 KiB entries; a whole 64 KiB ring for its 16 KiB ones.
    expect(leaderValueBytesMax(1 << 20, 64 * 1024)).toBe(logLimits(1 << 20).messageBytesMax);
    expect(leaderValueBytesMax(1 << 16, 16 * 1024)).toBe(1 << 16);
  });
});
