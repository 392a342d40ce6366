// The numbers a log keeps in shared memory and files are exact up to 2^53 - 1: the sequencer's
// window (Float64 slots), the learners' delivered counts (BigInt64) and the sequencer's offset file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEASE_SHORT, NumberLease } from '../../src/log/number-lease.js';
import { ReadBarrier, createDeliveredCounts } from '../../src/protocol/read-barrier.js';
import { readSequencerOffset, writeSequencerOffset } from '../../src/log/sequencer-offset.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('numbers in shared memory at 2^53 - 1', () => {
  it("the sequencer's window hands out numbers up to the last exactly", () => {
    const window = new NumberLease(NumberLease.create(0));
    const ticket = window.beginRefill();
    expect(window.publish(ticket, MAX - 100, 100, 1000)).toBe(true);
    expect(window.tryTake(1)).toBe(MAX - 100);
    expect(window.tryTake(99)).toBe(MAX - 99);
    expect(window.tryTake(1)).toBe(LEASE_SHORT);
    expect(window.position()).toEqual({ next: MAX, endIndex: MAX });
  });

  it("a learner's delivered count crosses 2^31 and 2^32 and reaches 2^53 - 1 exactly", () => {
    const memory = createDeliveredCounts(2);
    const mine = new ReadBarrier(memory, 0);
    const other = new ReadBarrier(memory, 1);
    for (const delivered of [2 ** 31 + 1, 2 ** 32 + 1, MAX]) {
      mine.publish(delivered);
      expect(other.barrier()).toBe(delivered);
    }
  });

  it("the sequencer's offset file keeps 2^53 - 1", () => {
    const dir = mkdtempSync(join(tmpdir(), 'synod-offset-'));
    try {
      writeSequencerOffset(dir, MAX);
      expect(readSequencerOffset(dir)).toBe(MAX);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
