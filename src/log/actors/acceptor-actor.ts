// An acceptor on its own worker thread: an AcceptorDriver (the pure Acceptor, its storage and
// group commit: every promise and acceptance of a batch synced once, then the replies sent) over
// a store that outlives the thread. The actor adapts it to the mailbox: messages step it, the
// end of each batch (flush) commits it.
import type { Actor, ActorContext } from '../../actors/index.js';
import { AcceptorDriver } from '../../driver/index.js';
import { MessageType, type Message } from '../../paxos/index.js';
import { COMPACT_FLOOR_BYTES_DEFAULT, DurableAcceptorStorage } from '../../storage/index.js';
import { Courier } from './courier.js';
import { StorageGuard } from './storage-guard.js';
import type { AcceptorActorConfig } from './role-configs.js';
import { openStore } from './open-store.js';

const RETRY_INTERVAL_MS = 5;

export default function acceptorActor(rawConfig: unknown, context: ActorContext): Actor {
  const config = rawConfig as AcceptorActorConfig;
  const store = openStore(config.store);
  // In memory the store has a ceiling (memoryBytesMax): compact well before it.
  const compactFloorBytes =
    config.store.kind === 'shared' ? Math.min(COMPACT_FLOOR_BYTES_DEFAULT, config.store.memory.halves[0].maxByteLength / 4) : COMPACT_FLOOR_BYTES_DEFAULT;
  // A leader's votes go quietly: it needs them to retire slots from its window, not to answer
  // anyone, and it finds them at its next wake (a client's batch, or its 5 ms tick at the latest).
  // Woken for each, it made about three wake-ups per slot for the one that completes a quorum.
  const proposers = new Set(config.layout.proposers);
  const courier = new Courier(context, (to, message) => (message as Message).type === MessageType.Accepted && proposers.has(to));
  const guard = new StorageGuard(context, config.layout);
  const driver = new AcceptorDriver({
    config: { id: context.id, learners: config.layout.learners, replyBytesMax: config.limits.acceptorReplyBytesMax },
    storage: new DurableAcceptorStorage(store, { compactFloorBytes }),
    transport: courier,
    guard,
  });

  const commit = (): void => {
    courier.retry();
    driver.commit();
  };

  return {
    // A released endpoint's id may go to another endpoint: what was held for it must not reach that one.
    peerReleased(id) {
      courier.forget(id);
    },
    start(actorContext) {
      actorContext.setTimer('retry', RETRY_INTERVAL_MS);
    },
    receive(_from, message) {
      driver.step(message as Message);
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
      actorContext.counters.promised = driver.acceptor.promisedBallot;
      actorContext.counters.logSlots = driver.acceptor.logSize;
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
