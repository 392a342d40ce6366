// A learner on its own worker thread: the pure Learner, its delivered log in storage that
// outlives the thread, and acknowledgements to the clients that appended (reads, follows and
// trims are LearnerReads').
//
// Order within a batch: record the deliveries, sync, and only then acknowledge them (one message
// per client endpoint) and report progress. An acknowledged entry is therefore durable at this learner (and chosen at a majority
// of acceptors), and acceptors only drop a prefix this learner can never need again.
import type { Actor, ActorContext, ActorId } from '../../actors/index.js';
import { Learner, Ready, type Envelope, type Message } from '../../paxos/index.js';
import { LearnerLog } from '../../storage/index.js';
import { LogMessageType, endpointOfClient, type ClientReplyBatchMessage } from '../wire.js';
import { ReadBarrier } from '../read-barrier.js';
import { Courier } from './courier.js';
import { LearnerReads } from './learner-reads.js';
import { StorageGuard } from './storage-guard.js';
import { TICK_INTERVAL_MS, type LearnerActorConfig } from './layout.js';
import { openStore } from './open-store.js';

export default function learnerActor(rawConfig: unknown, context: ActorContext): Actor {
  const config = rawConfig as LearnerActorConfig;
  const store = openStore(config.store);
  const log = new LearnerLog(store, { retainEntries: config.retainEntries });
  const learnerConfig = { id: context.id, acceptors: config.layout.acceptors, proposers: config.layout.proposers };
  let learner = new Learner(learnerConfig, log.durableState());
  const ready = new Ready();
  const courier = new Courier(context);
  const guard = new StorageGuard(context, config.layout);
  const barrier = new ReadBarrier(config.deliveredCounts, config.layout.learners.indexOf(context.id));
  /** Messages held until the batch's deliveries are synced. */
  const held: Envelope[] = [];
  const reads = new LearnerReads(log, context, courier, barrier, config.limits, config.retainEntries);
  let unsynced = false;

  /** Acknowledgements of the current batch, per client endpoint: one message each at release. */
  const acks = new Map<ActorId, number[]>();
  const acknowledge = (clientId: number, seq: number, logIndex: number): void => {
    const endpoint = endpointOfClient(clientId);
    let replies = acks.get(endpoint);
    if (replies === undefined) acks.set(endpoint, (replies = []));
    replies.push(clientId, seq, logIndex);
  };

  /** The nextSlot last written to the log: slots of no-ops advance it without delivering anything. */
  let recordedNextSlot = log.nextSlot;

  const takeReady = (): void => {
    // Record whenever the learner moved on, deliveries or not: it reports its progress to the
    // proposers, acceptors drop what it reports, so a no-op slot it skipped must be durable too.
    if (ready.delivered.length > 0 || learner.nextSlot > recordedNextSlot) {
      if (!guard.trySync(() => log.record(ready.delivered, learner.nextSlot))) {
        // The store had no room (shared memory writes at once): the learner must not be ahead
        // of its log, so it goes back to what the log holds and learns these slots again later
        // (the acceptors keep them: nothing below the log's nextSlot was reported).
        learner = new Learner(learnerConfig, log.durableState());
        ready.clear();
        return;
      }
      recordedNextSlot = learner.nextSlot;
      unsynced = true;
      for (const delivery of ready.delivered) acknowledge(delivery.command.clientId, delivery.command.seq, delivery.logIndex);
    }
    for (const duplicate of ready.duplicates) acknowledge(duplicate.clientId, duplicate.seq, duplicate.logIndex);
    for (let i = 0; i < ready.send.length; i++) held.push(ready.send[i]!);
    ready.clear();
  };

  const release = (): void => {
    courier.retry();
    if (unsynced) {
      // A disk that refuses writes holds back every acknowledgement, progress report and
      // publish of this batch; the guard retries (see StorageGuard).
      if (!guard.trySync(() => log.sync())) return;
      unsynced = false;
    }
    for (let i = 0; i < held.length; i++) courier.send(held[i]!.to, held[i]!.msg);
    held.length = 0;
    // Durable now: publish before acknowledging, so a read that follows an ack waits for this.
    barrier.publish(log.length);
    for (const [endpoint, replies] of acks) {
      const numbersMax = 3 * config.limits.acksPerMessageMax;
      for (let at = 0; at < replies.length; at += numbersMax) {
        const batch: ClientReplyBatchMessage = {
          type: LogMessageType.ClientReplyBatch,
          from: context.id,
          replies: replies.length <= numbersMax ? replies : replies.slice(at, at + numbersMax),
        };
        courier.send(endpoint, batch);
      }
    }
    acks.clear();
    reads.afterRelease();
  };

  return {
    start(actorContext) {
      actorContext.setTimer('tick', TICK_INTERVAL_MS);
    },
    receive(from, message, actorContext) {
      if (reads.onClientMessage(from, message as { type: number })) return;
      learner.step(message as Message, actorContext.now(), ready);
      takeReady();
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
      learner.tick(actorContext.now(), ready);
      takeReady();
      release();
      actorContext.counters.delivered = log.length;
      actorContext.counters.nextSlot = learner.nextSlot;
      actorContext.counters.subscriptions = reads.subscriptionCount;
      actorContext.counters.dropped = courier.dropped;
      actorContext.counters.storageFailures = guard.failures;
      actorContext.setTimer('tick', TICK_INTERVAL_MS);
    },
    stop() {
      guard.trySync(() => store.close());
    },
  };
}
