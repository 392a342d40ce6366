// Actor ids are 16 bits (link keys and client ids pack them): a system that has handed them all
// out refuses the next participant instead of giving it an id whose links alias another's.
import { describe, expect, it } from 'vitest';
import { ACTOR_ID_MAX, firstFreeActorId, linkKey, linkTouches } from 'synod/actors';

describe('actor ids at their bound', () => {
  it('hands out the last id, then refuses, naming the limit', () => {
    expect(firstFreeActorId((id) => id < ACTOR_ID_MAX)).toBe(ACTOR_ID_MAX);
    expect(() => firstFreeActorId(() => true)).toThrow(new RangeError(`every actor id from 0 to ${ACTOR_ID_MAX} is taken (released endpoints' ids are not reused)`));
  });

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
