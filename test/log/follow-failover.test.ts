// A follow read asks one learner at a time. It asked only the first, forever: with that learner
// gone for good (killed and held down, or given up on by its supervisor) it waited forever while
// the other learners had every entry. Quiet for followResubscribeMs, it now asks the next one.
import { describe, expect, it } from 'vitest';
import { tagEntry } from '../fixtures/log/entry.js';
import { closedAfterEach, learnerIds } from './helpers.js';

const { openLog } = closedAfterEach();

describe('a follow read', () => {
  it('goes on from another learner once the one it follows is gone for good', async () => {
    const log = await openLog({ learners: 3 });
    const seen: number[] = [];
    let seenCount = 0;
    const waiters: Array<() => void> = [];
    const reader = (async () => {
      for await (const { index } of log.read({ from: 0, follow: true })) {
        seen.push(index);
        seenCount++;
        waiters.splice(0).forEach((wake) => wake());
        if (seenCount === 60) break;
      }
    })();
    const seenAtLeast = async (count: number): Promise<boolean> => {
      const deadline = Date.now() + 20_000;
      while (seenCount < count && Date.now() < deadline) await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 100); });
      return seenCount >= count;
    };
    for (let i = 0; i < 30; i++) await log.append(tagEntry(0, i));
    expect(await seenAtLeast(30)).toBe(true);

    // The learner a follow asks first: the lowest id.
    const [first] = (await learnerIds(log)) as [number];
    await log.cluster.kill(first, { restart: false });
    for (let i = 30; i < 60; i++) await log.append(tagEntry(0, i));
    expect(await seenAtLeast(60)).toBe(true);
    await reader;
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });
});
