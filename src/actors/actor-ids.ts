// Actor ids (endpoints' included) are 16 bits: a link between two participants is keyed by the
// pair packed into one number (linkKey), and a log client packs its endpoint's id into 16 bits of
// its client id (src/log/wire.ts). An endpoint's id is never handed out again once released
// (callers built identities on it), so a long-lived system can run out: it then refuses to make
// another participant, where an id past 16 bits would make two links share a key and one
// participant's messages go down another's ring.

import type { ActorId } from './types.js';

export const ACTOR_ID_MAX = 0xffff;
const ACTOR_IDS = ACTOR_ID_MAX + 1;

/** The lowest id `taken` says is free; RangeError once every id up to ACTOR_ID_MAX is taken. */
export function firstFreeActorId(taken: (id: ActorId) => boolean): ActorId {
  let id = 0;
  while (id <= ACTOR_ID_MAX && taken(id)) id++;
  if (id > ACTOR_ID_MAX) throw new RangeError(`every actor id from 0 to ${ACTOR_ID_MAX} is taken (released endpoints' ids are not reused)`);
  return id;
}

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
