// An acceptor on its own worker thread: the pure Acceptor, storage that outlives the thread,
// and group commit (every promise and acceptance of a batch synced once, then the replies sent).
import type { Actor, ActorContext } from '../../actors/index.js';
import { Acceptor, Ready, persistReady, type Envelope, type Message } from '../../paxos/index.js';
import { COMPACT_FLOOR_BYTES_DEFAULT, DurableAcceptorStorage } from '../../storage/index.js';
import { Courier } from './courier.js';
import { StorageGuard } from './storage-guard.js';
import type { AcceptorActorConfig } from './layout.js';
import { openStore } from './open-store.js';

const RETRY_INTERVAL_MS = 5;
/** Replies held while the disk refuses writes, at most. */
const HELD_REPLIES_MAX = 65_536;

export default function acceptorActor(rawConfig: unknown, context: ActorContext): Actor {
  const config = rawConfig as AcceptorActorConfig;
  const store = openStore(config.store);
  // In memory the store has a ceiling (memoryBytesMax): compact well before it.
  const compactFloorBytes =
    config.store.kind === 'shared' ? Math.min(COMPACT_FLOOR_BYTES_DEFAULT, config.store.memory.halves[0].maxByteLength / 4) : COMPACT_FLOOR_BYTES_DEFAULT;
  const storage = new DurableAcceptorStorage(store, { compactFloorBytes });
  const acceptorConfig = { id: context.id, learners: config.layout.learners, replyBytesMax: config.limits.acceptorReplyBytesMax };
  let acceptor = new Acceptor(acceptorConfig, storage.load());
  const ready = new Ready();
  const courier = new Courier(context);
  const guard = new StorageGuard(context, config.layout);
  /** Replies of the current batch, held until its state is synced: persist before reply. */
  const held: Envelope[] = [];
  let unsynced = false;

  /** The commit point: sync, and only then the replies. A disk error keeps them held (see StorageGuard). */
  const commit = (): void => {
    courier.retry();
    if (unsynced) {
      if (!guard.trySync(() => storage.sync())) {
        // Replies are only answers: while the disk refuses writes, the oldest may go (the proposer
        // retransmits), so what waits stays bounded.
        if (held.length > HELD_REPLIES_MAX) held.splice(0, held.length - HELD_REPLIES_MAX);
        return;
      }
      unsynced = false;
    }
    for (let i = 0; i < held.length; i++) courier.send(held[i]!.to, held[i]!.msg);
    held.length = 0;
  };

  return {
    start(actorContext) {
      actorContext.setTimer('retry', RETRY_INTERVAL_MS);
    },
    receive(_from, message) {
      acceptor.step(message as Message, ready);
      if (ready.hasPersist()) {
        unsynced = true;
        // A store that writes at once (shared memory) can be full: then the acceptor must not be
        // ahead of it, so it goes back to what the store holds, and this message's replies are
        // dropped (the proposer retransmits; the guard reports and retries).
        if (!guard.trySync(() => persistReady(storage, ready))) {
          acceptor = new Acceptor(acceptorConfig, storage.load());
          ready.clear();
          return;
        }
      }
      for (let i = 0; i < ready.send.length; i++) held.push(ready.send[i]!);
      ready.clear();
    },
    flush() {
      commit();
    },
    timer(key, actorContext) {
      if (courier.onTimer(key)) return;
      if (guard.onTimer(key)) {
        commit();
        return;
      }
      courier.retry();
      actorContext.counters.promised = acceptor.promisedBallot;
      actorContext.counters.logSlots = acceptor.logSize;
      actorContext.counters.dropped = courier.dropped;
      actorContext.counters.storageFailures = guard.failures;
      actorContext.setTimer('retry', RETRY_INTERVAL_MS);
    },
    stop() {
      // A disk that still refuses writes loses only what was never acknowledged.
      guard.trySync(() => store.close());
    },
  };
}
