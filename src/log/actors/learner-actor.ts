// A learner on its own worker thread: a LearnerNode (the pure Learner, its delivered log in
// storage that outlives the thread, its read side, and "record, write, then acknowledge; sync
// before reporting progress") hosted by roleActor, with acknowledgements batched per client
// endpoint.
//
// An acknowledged entry is therefore chosen and synced at a majority of acceptors, and written to
// this learner's log (a file: where a crash of the process keeps it); acceptors only drop a
// prefix this learner synced and can never need again.
import type { Actor, ActorContext } from '../../actors/index.js';
import { LearnerNode } from '../../roles/index.js';
import { LearnerLog } from '../../storage/index.js';
import { AckBatcher } from '../../protocol/ack-batcher.js';
import { FirstIndexSlot } from '../../protocol/first-indexes.js';
import { ReadBarrier } from '../../protocol/read-barrier.js';
import { LearnerReads } from '../../protocol/learner-reads.js';
import { Courier } from './courier.js';
import { StorageGuard } from './storage-guard.js';
import type { LearnerActorConfig } from './role-configs.js';
import { IdlePrefault } from './idle-prefault.js';
import { openStore } from './open-store.js';
import { roleActor } from './role-actor.js';
import { keptValuesSlot, releaseDeliveredValues } from './learner-slab-values.js';

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
  const node = new LearnerNode({
    config: { id: context.id, acceptors: config.layout.acceptors, proposers: config.layout.proposers },
    log,
    transport: courier,
    guard,
    // One message per client endpoint per turn.
    acks: new AckBatcher(context.id, config.limits.ackRangesPerMessageMax),
    sendAcks: (endpoint, message) => courier.send(endpoint, message),
    barrier,
    reads,
  });
  // A log in memory grows into fresh pages: faulted in while the thread is idle, not inside a turn.
  const prefault = new IdlePrefault(store);
  const actor = roleActor({
    node,
    courier,
    guard,
    idle: (context) => prefault.run(context.now()),
    report(counters) {
      counters.delivered = log.length;
      counters.nextSlot = node.learner.nextSlot;
      counters.subscriptions = reads.subscriptionCount;
    },
    peerReleased: (id) => reads.forgetPeer(id),
    stop: () => void guard.trySync(() => store.close()),
  });
  // Values stay in their senders' slabs until delivered (learner-slab-values.ts): kept per message
  // at receive, let go after each end of turn (a flush, or a timer: a tick or a retried write).
  return {
    ...actor,
    holdsSlabValues: true,
    receive(from, message, context) {
      actor.receive(from, message, context);
      const slot = keptValuesSlot(message as { type: number });
      if (slot >= 0) context.keepSlabValues(slot);
    },
    flush(context) {
      actor.flush!(context);
      releaseDeliveredValues(context, node.learner);
    },
    timer(key, context) {
      actor.timer!(key, context);
      releaseDeliveredValues(context, node.learner);
    },
  };
}
