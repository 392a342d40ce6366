// An acceptor on its own worker thread: the pure Acceptor, storage that outlives the thread,
// and group commit (every promise and acceptance of a batch synced once, then the replies sent).
import type { Actor, ActorContext } from '../../actors/index.js';
import { Acceptor, Ready, persistReady, type Envelope, type Message } from '../../paxos/index.js';
import { DurableAcceptorStorage } from '../../storage/index.js';
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
  const storage = new DurableAcceptorStorage(store);
  const acceptor = new Acceptor(
    { id: context.id, learners: config.layout.learners, replyBytesMax: config.limits.acceptorReplyBytesMax },
    storage.load(),
  );
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
        persistReady(storage, ready);
        unsynced = true;
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
