// A learner keeps each Accept's value where the leader wrote it, in the leader's value slab
// (src/mailbox/value-slab.ts), not in a copy of its own: a view, kept until the slot is delivered
// and its commands written to the learner's log (the log's copy is the one copy the learner makes).
// That was one of the copies of every large entry on the path to its acknowledgement, and at 1 KiB
// entries the learner's allocations of ~100 KiB per Accept drove its major GCs.
//
// The host decodes the learner's references as views (Actor.holdsSlabValues); receive() keeps a
// message's values until the slot it carries is below the learner's next slot
// (ActorContext.keepSlabValues), and each end of turn lets go of what was delivered
// (releaseSlabValues). A slot that stays undelivered while its ring moves on far enough
// (SLAB_HOLD_LAG_BYTES_MAX) gets its values copied out, and the slab is let go of whole.
import type { ActorContext } from '../../actors/index.js';
import { MessageType, type Learner, type Message, type Value } from '../../paxos/index.js';
import { copyCoAligned } from '../../mailbox/index.js';

/** The slot up to which `message`'s values may be kept by the learner (its tallies), or -1: none. */
export function keptValuesSlot(message: { type: number }): number {
  const typed = message as Message;
  if (typed.type === MessageType.Accept) return typed.slot;
  if (typed.type === MessageType.CatchUpReply) {
    let last = -1;
    for (const entry of typed.entries) if (entry.slot > last) last = entry.slot;
    return last;
  }
  return -1;
}

/** A value the learner keeps as a view of shared memory, copied into memory of its own (alignment kept). */
function ownCopy(value: Value): Value {
  return value.buffer instanceof SharedArrayBuffer ? copyCoAligned(value, 0, value.byteLength) : value;
}

/** End of turn: lets go of the values of delivered slots; copies out what is kept too long. */
export function releaseDeliveredValues(context: ActorContext, learner: Learner): void {
  if (context.releaseSlabValues(learner.nextSlot)) return;
  learner.replaceValues(ownCopy);
  context.releaseSlabValues(Number.POSITIVE_INFINITY);
}
