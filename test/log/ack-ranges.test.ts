// Acknowledgements travel as ranges (firstClientId, seq, count, firstIndex): one per run of
// consecutive sessions at one seq at consecutive indexes (issue 20), which is how a closed loop's
// appends sit in a slot. The encoding must be lossless: whatever the learner acknowledges, in
// whatever order, the client reads back the same triples in the same order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACK_RANGE_NUMBERS, appendAck, forEachAck } from '../../src/protocol/ack-ranges.js';
import { AckBatcher } from '../../src/protocol/ack-batcher.js';
import { clientIdOf } from '../../src/protocol/wire.js';

type Ack = [clientId: number, seq: number, logIndex: number];

function encode(acks: readonly Ack[]): number[] {
  const ranges: number[] = [];
  for (const [clientId, seq, logIndex] of acks) appendAck(ranges, clientId, seq, logIndex);
  return ranges;
}

function decode(ranges: readonly number[]): Ack[] {
  const acks: Ack[] = [];
  forEachAck(ranges, (clientId, seq, logIndex) => acks.push([clientId, seq, logIndex]));
  return acks;
}

describe('acknowledgement ranges', () => {
  it("a slot of one endpoint's sessions in step (consecutive client ids, one seq) is one range", () => {
    const first = clientIdOf(0, 3, 0);
    const acks: Ack[] = Array.from({ length: 256 }, (_, i) => [first + i, 41, 5000 + i]);
    expect(encode(acks)).toEqual([first, 41, 256, 5000]);
    expect(decode(encode(acks))).toEqual(acks);
  });

  it('starts a new range after a reservation (its count moves the next index by more than one)', () => {
    // Client 8 reserved 10 indexes at 20..29; client 9 is at 30, not 21.
    const acks: Ack[] = [[7, 1, 19], [8, 1, 20], [9, 1, 30], [10, 1, 31]];
    expect(encode(acks)).toEqual([7, 1, 2, 19, 9, 1, 2, 30]);
    expect(decode(encode(acks))).toEqual(acks);
  });

  it('starts a new range for a session out of step, out of order, or repeated', () => {
    const acks: Ack[] = [[7, 1, 0], [8, 2, 1], [10, 2, 2], [9, 2, 3], [9, 2, 3]];
    expect(encode(acks)).toHaveLength(5 * ACK_RANGE_NUMBERS);
    expect(decode(encode(acks))).toEqual(acks);
  });

  it('is exact at 2^53 - 1', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const acks: Ack[] = [[max - 2, max, max - 2], [max - 1, max, max - 1], [max, max, max]];
    expect(encode(acks)).toEqual([max - 2, max, 3, max - 2]);
    expect(decode(encode(acks))).toEqual(acks);
  });

  it('gives back exactly the acknowledgements added, in order, whatever they are', () => {
    const ack = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 12 }));
    fc.assert(
      fc.property(fc.array(ack, { maxLength: 60 }), (acks) => {
        expect(decode(encode(acks as Ack[]))).toEqual(acks);
      }),
      { numRuns: 2000 },
    );
  });

  it('AckBatcher splits at its range limit per message and loses nothing', () => {
    const batcher = new AckBatcher(9, 2);
    const client = clientIdOf(0, 3, 0);
    const acks: Ack[] = [];
    // Five ranges: every other session skipped.
    for (let session = 0; session < 10; session += 2) acks.push([client + session, 1, session * 10]);
    for (const [clientId, seq, logIndex] of acks) batcher.add(clientId, seq, logIndex);
    const sent: Array<{ endpoint: number; ranges: readonly number[] }> = [];
    batcher.drain((endpoint, message) => sent.push({ endpoint, ranges: message.ranges }));
    expect(sent.map((message) => message.ranges.length)).toEqual([8, 8, 4]);
    expect(sent.every((message) => message.endpoint === 3)).toBe(true);
    expect(sent.flatMap((message) => decode(message.ranges))).toEqual(acks);
  });
});
