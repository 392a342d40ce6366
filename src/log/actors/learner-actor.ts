// A learner on its own worker thread: a LearnerDriver (the pure Learner, its delivered log in
// storage that outlives the thread, and "record, sync, then acknowledge") adapted to the mailbox,
// with acknowledgements batched per client endpoint (reads, follows and trims are LearnerReads').
//
// An acknowledged entry is therefore durable at this learner (and chosen at a majority of
// acceptors), and acceptors only drop a prefix this learner can never need again.
import type { Actor, ActorContext } from '../../actors/index.js';
import { LearnerDriver } from '../../driver/index.js';
import type { Message } from '../../paxos/index.js';
import { LearnerLog } from '../../storage/index.js';
import { AckBatcher } from '../../protocol/ack-batcher.js';
import { FirstIndexSlot } from '../../protocol/first-indexes.js';
import { ReadBarrier } from '../../protocol/read-barrier.js';
import { Courier } from './courier.js';
import { LearnerReads } from '../../protocol/learner-reads.js';
import { StorageGuard } from './storage-guard.js';
import { TICK_INTERVAL_MS, type LearnerActorConfig } from './role-configs.js';
import { openStore } from './open-store.js';

export default function learnerActor(rawConfig: unknown, context: ActorContext): Actor {
  const config = rawConfig as LearnerActorConfig;
  const store = openStore(config.store);
  const log = new LearnerLog(store, { retainEntries: config.retainEntries });
  const courier = new Courier(context);
  const guard = new StorageGuard(context, config.layout);
  const slot = config.layout.learners.indexOf(context.id);
  const barrier = new ReadBarrier(config.deliveredCounts, slot);
  const firstIndex = new FirstIndexSlot(config.firstIndexes, slot);
  // What this learner recovered (a restart, a reopened dir) is durable: status() and bounds() see it
  // before anything new is delivered.
  barrier.publish(log.length);
  firstIndex.publish(log.firstIndex);
  const reads = new LearnerReads(log, context, courier, barrier, config.limits, config.retainEntries, (first) => firstIndex.publish(first));
  const driver = new LearnerDriver({
    config: { id: context.id, acceptors: config.layout.acceptors, proposers: config.layout.proposers },
    log,
    transport: courier,
    guard,
    // One message per client endpoint per release.
    acks: new AckBatcher(context.id, config.limits.ackRangesPerMessageMax),
    sendAcks: (endpoint, message) => courier.send(endpoint, message),
    barrier,
    afterRelease: () => reads.afterRelease(),
  });

  const release = (): void => {
    courier.retry();
    // A disk that refuses writes holds back every acknowledgement, progress report and publish
    // of this batch; the guard retries (see StorageGuard).
    driver.release();
  };

  return {
    start(actorContext) {
      actorContext.setTimer('tick', TICK_INTERVAL_MS);
    },
    receive(from, message, actorContext) {
      if (reads.onClientMessage(from, message as { type: number })) return;
      driver.step(message as Message, actorContext.now());
    },
    flush() {
      release();
    },
    timer(key, actorContext) {
      if (courier.onTimer(key)) return;
      if (guard.onTimer(key)) {
        release();
        return;
      }
      courier.retry();
      driver.tick(actorContext.now());
      release();
      actorContext.counters.delivered = log.length;
      actorContext.counters.nextSlot = driver.learner.nextSlot;
      actorContext.counters.subscriptions = reads.subscriptionCount;
      actorContext.counters.dropped = courier.dropped;
      actorContext.counters.storageFailures = guard.failures;
      actorContext.setTimer('tick', TICK_INTERVAL_MS);
    },
    stop() {
      guard.trySync(() => store.close());
    },
    peerReleased(id) {
      courier.forget(id);
      reads.forgetPeer(id);
    },
  };
}
