// Actor ids are 16 bits (link keys and client ids pack them): link keys stay apart at the largest
// ids. (A system whose ids are all taken refuses the next participant: the IdPool tests.)
import { describe, expect, it } from 'vitest';
import { ACTOR_ID_MAX, linkKey, linkTouches } from 'synod/actors';

describe('actor ids at their bound', () => {
  it('key every link of the largest ids apart', () => {
    expect(linkKey(ACTOR_ID_MAX, ACTOR_ID_MAX)).toBe(2 ** 32 - 1);
    // With an id of 65536 allowed, 0 -> 65536 would have shared the key of 1 -> 0.
    expect(linkKey(1, 0)).not.toBe(linkKey(0, ACTOR_ID_MAX));
    expect(() => linkKey(0, ACTOR_ID_MAX + 1)).toThrow(new RangeError(`link ends must be actor ids from 0 to ${ACTOR_ID_MAX}, got 0 -> 65536`));
    expect(linkTouches(linkKey(ACTOR_ID_MAX, 7), ACTOR_ID_MAX)).toBe(true);
    expect(linkTouches(linkKey(ACTOR_ID_MAX, 7), 7)).toBe(true);
    expect(linkTouches(linkKey(ACTOR_ID_MAX, 7), 6)).toBe(false);
  });
});
