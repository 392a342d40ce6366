// An acceptor on its own worker thread: the pure Acceptor, storage that outlives the thread,
// and group commit (every promise and acceptance of a batch synced once, then the replies sent).
import type { Actor, ActorContext } from '../../actors/index.js';
import { Acceptor, Ready, persistReady, type Envelope, type Message } from '../../paxos/index.js';
import { DurableAcceptorStorage } from '../../storage/index.js';
import { Courier } from './courier.js';
import type { AcceptorActorConfig } from './layout.js';
import { openStore } from './open-store.js';

const RETRY_INTERVAL_MS = 5;

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
  /** Replies of the current batch, held until its state is synced: persist before reply. */
  const held: Envelope[] = [];
  let unsynced = false;

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
      courier.retry();
      if (unsynced) {
        storage.sync();
        unsynced = false;
      }
      for (let i = 0; i < held.length; i++) courier.send(held[i]!.to, held[i]!.msg);
      held.length = 0;
    },
    timer(key, actorContext) {
      if (courier.onTimer(key)) return;
      courier.retry();
      actorContext.counters.promised = acceptor.promisedBallot;
      actorContext.counters.logSlots = acceptor.logSize;
      actorContext.counters.dropped = courier.dropped;
      actorContext.setTimer('retry', RETRY_INTERVAL_MS);
    },
    stop() {
      store.close();
    },
  };
}
