// A read that starts after an append resolved sees it, whichever learner answers (issue 10: with
// learners: 3 a read right after an append could come back tens of entries short).
import { describe, expect, it } from 'vitest';
import { ReplicatedLog } from 'synod';
import { closedAfterEach } from './helpers.js';

const { openLog } = closedAfterEach();

describe('reads see every append that resolved before them', () => {
  it.each([1, 3])('with %i learner(s), after each burst of appends a read from 0 reaches the highest index resolved', async (learners) => {
    const log = await openLog({ learners });
    let highest = -1;
    for (let burst = 0; burst < 30; burst++) {
      const indexes = await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(new Uint8Array([burst, i]))));
      highest = Math.max(highest, ...indexes);
      let seen = 0;
      for await (const { index } of log.read({ from: 0 })) {
        expect(index).toBe(seen);
        seen++;
      }
      expect(seen, `burst ${burst}: read ended at ${seen}, but index ${highest} had resolved`).toBeGreaterThan(highest);
    }
  });
});
