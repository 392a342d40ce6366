// An acceptor on its own worker thread: an AcceptorNode (the pure Acceptor, its storage and
// group commit: every promise and acceptance of a turn synced once, the replies sent once that
// sync returned) over a store that outlives the thread, hosted by roleActor.
import type { Actor, ActorContext } from '../../actors/index.js';
import { AcceptorNode } from '../../roles/index.js';
import { MessageType, type Message } from '../../paxos/index.js';
import { COMPACT_FLOOR_BYTES_DEFAULT, DurableAcceptorStorage, FileRecordStore } from '../../storage/index.js';
import { Courier } from './courier.js';
import { StorageGuard } from './storage-guard.js';
import type { AcceptorActorConfig } from './role-configs.js';
import { openStore } from './open-store.js';
import { roleActor } from './role-actor.js';

export default function acceptorActor(rawConfig: unknown, context: ActorContext): Actor {
  const config = rawConfig as AcceptorActorConfig;
  const store = openStore(config.store);
  // A file's fdatasync may run on a helper thread (fsync 'batch'): when Accepts wait in the
  // mailbox at the commit point, the acceptor takes and writes them while the disk syncs, and each
  // reply leaves once a sync covering it returned (with nothing waiting, it syncs on its own thread:
  // the helper's wake-up would only delay the replies).
  if (store instanceof FileRecordStore) store.syncInBackground(context.wakeSignal);
  // In memory the store has a ceiling (memoryBytesMax): compact well before it.
  const compactFloorBytes =
    config.store.kind === 'shared' ? Math.min(COMPACT_FLOOR_BYTES_DEFAULT, config.store.memory.halves[0].maxByteLength / 4) : COMPACT_FLOOR_BYTES_DEFAULT;
  // A leader's votes go quietly: it needs them to retire slots from its window, not to answer
  // anyone, and it finds them at its next wake (a client's batch, or its 5 ms tick at the latest).
  // Woken for each, it made about three wake-ups per slot for the one that completes a quorum.
  const proposers = new Set(config.layout.proposers);
  const storage = new DurableAcceptorStorage(store, { compactFloorBytes });
  // Where the store's copy of a value is the only one kept (shared memory: the storage points the
  // entries at it), Accepts are taken in place, their values read straight out of the ring into
  // the store. Asked of the storage, so the two cannot disagree: an entry left pointing into the
  // ring would change under the acceptor. A Promise or CatchUpReply held back by a full mailbox
  // may outlive the place its entries' bytes are at (a compaction moves them): held with copies.
  const inPlace = storage.valuesInStore;
  const courier = new Courier(
    context,
    (to, message) => (message as Message).type === MessageType.Accepted && proposers.has(to),
    inPlace ? withOwnEntries : undefined,
  );
  const guard = new StorageGuard(context, config.layout);
  const node = new AcceptorNode({
    config: { id: context.id, learners: config.layout.learners, replyBytesMax: config.limits.acceptorReplyBytesMax },
    storage,
    transport: courier,
    guard,
    workWaiting: () => context.messagesWaiting(),
  });
  return roleActor({
    receivesInPlace: inPlace,
    node,
    courier,
    guard,
    report(counters) {
      counters.promised = node.acceptor.promisedBallot;
      counters.logSlots = node.acceptor.logSize;
      counters.compactions = storage.compactions;
      if (store instanceof FileRecordStore) counters.backgroundSyncs = store.backgroundSyncs;
    },
    // A sync on the helper thread returned (it wakes this thread): its replies go. Not while the
    // disk fails: the guard's timer paces the retries. Only a file store syncs off this thread: an
    // acceptor in memory has no idle work, and its thread's idle passes call nothing.
    ...(store instanceof FileRecordStore ? { idle: () => releaseWhenSynced(node, guard) } : {}),
    // A disk that still refuses writes loses only what was never acknowledged.
    stop: () => void guard.trySync(() => store.close()),
  });
}

/** Actor.idle for an acceptor whose store syncs on a helper thread: true if replies went out. */
function releaseWhenSynced(node: AcceptorNode, guard: StorageGuard): boolean {
  if (!node.waitingForSync || guard.failing) return false;
  const before = node.heldCount;
  node.releaseSynced();
  return node.heldCount < before;
}

/** A reply that carries accepted entries, with copies of their values: held, it keeps no view of the store. */
export function withOwnEntries(message: unknown): unknown {
  const reply = message as Message;
  if (reply.type !== MessageType.Promise && reply.type !== MessageType.CatchUpReply) return message;
  return { ...reply, entries: reply.entries.map((entry) => ({ slot: entry.slot, ballot: entry.ballot, value: entry.value.slice() })) };
}
