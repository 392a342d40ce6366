// Client ids can never alias (issue 9): a client id packs the session number into 16 bits beside
// the endpoint id, and sessions used to be retired on every abandoned append and numbered without
// bound, so after 65,536 of them one endpoint's ids ran into the next endpoint's, whose appends
// were then taken for duplicates and resolved to the other's entries.
import { describe, expect, it } from 'vitest';
import { ReplicatedLog } from 'synod';

describe('client ids', () => {
  it("70,000 abandoned appends on one endpoint never collide with the next endpoint's", async () => {
    const log = await ReplicatedLog.open();
    try {
      const handle = log.handle();
      const first = await ReplicatedLog.connect(handle);
      const second = await ReplicatedLog.connect(handle);
      const data = (who: string, i: number) => new TextEncoder().encode(`${who} ${i}`);
      // Waves, so the leader's queue takes them all: each append is sent, then given up on.
      for (let wave = 0; wave < 5; wave++) {
        for (let i = 0; i < 14_000; i++) {
          const controller = new AbortController();
          first.append(data('abandoned', i), { signal: controller.signal }).catch(() => {});
          controller.abort();
        }
        await first.append(data('wave', wave));
      }
      const mine = await Promise.all(Array.from({ length: 20 }, (_, i) => second.append(data('second', i))));
      const theirs = await Promise.all(Array.from({ length: 20 }, (_, i) => first.append(data('first', i))));
      const wanted = new Map<number, string>();
      mine.forEach((index, i) => wanted.set(index, `second ${i}`));
      theirs.forEach((index, i) => wanted.set(index, `first ${i}`));
      expect(wanted.size).toBe(40);
      const from = Math.min(...wanted.keys());
      for await (const { index, data: bytes } of log.read({ from })) {
        const expected = wanted.get(index);
        if (expected !== undefined) expect(new TextDecoder().decode(bytes), `index ${index}`).toBe(expected);
      }
      await Promise.all([first.close(), second.close()]);
    } finally {
      await log.close();
    }
  });
});
