// Actor ids (endpoints' included) are 16 bits: a link between two participants is keyed by the
// pair packed into one number (linkKey), and a log client packs its endpoint's id into 16 bits of
// its client id (src/protocol/wire.ts). A released endpoint's id is handed out again (IdPool, lowest
// first), so at most 65,536 participants exist at once: the system then refuses another, where an
// id past 16 bits would make two links share a key and one participant's messages go down
// another's ring.

import type { ActorId } from './types.js';

export const ACTOR_ID_MAX = 0xffff;
const ACTOR_IDS = ACTOR_ID_MAX + 1;

/** The key of the link from -> to; RangeError for an id that does not fit its 16 bits. */
export function linkKey(from: ActorId, to: ActorId): number {
  if (!isActorId(from) || !isActorId(to)) throw new RangeError(`link ends must be actor ids from 0 to ${ACTOR_ID_MAX}, got ${from} -> ${to}`);
  return from * ACTOR_IDS + to;
}

/** Whether `key` is a link from or to `id`. */
export function linkTouches(key: number, id: ActorId): boolean {
  return Math.floor(key / ACTOR_IDS) === id || key % ACTOR_IDS === id;
}

export function isActorId(id: unknown): id is ActorId {
  return Number.isInteger(id) && (id as number) >= 0 && (id as number) <= ACTOR_ID_MAX;
}
