// A learner on its own worker thread: the pure Learner, its delivered log in storage that
// outlives the thread, acknowledgements to the clients that appended, and reads.
//
// Order within a batch: record the deliveries, sync, and only then acknowledge them (one message
// per client endpoint) and report progress. An acknowledged entry is therefore durable at this learner (and chosen at a majority
// of acceptors), and acceptors only drop a prefix this learner can never need again.
import type { Actor, ActorContext, ActorId } from '../../actors/index.js';
import { Learner, Ready, type Envelope, type Message } from '../../paxos/index.js';
import { LearnerLog, isStorageError } from '../../storage/index.js';
import {
  ENTRIES_PER_PAGE_MAX,
  LogMessageType,
  endpointOfClient,
  type ClientReplyBatchMessage,
  type CreditMessage,
  type EntriesPushMessage,
  type ReadReplyMessage,
  type ReadRequestMessage,
  type SubscribeMessage,
  type TrimMessage,
  type TrimReplyMessage,
  type UnsubscribeMessage,
} from '../wire.js';
import { PAGE_ENTRY_OVERHEAD_BYTES } from '../limits.js';
import { ReadBarrier } from '../read-barrier.js';
import { Courier } from './courier.js';
import { StorageGuard } from './storage-guard.js';
import { TICK_INTERVAL_MS, type LearnerActorConfig } from './layout.js';
import { openStore } from './open-store.js';

/** A sequencer's learner compacts its store (to numbering and sessions) past this size. */
const NUMBERING_COMPACT_BYTES = 1024 * 1024;

interface Subscription {
  readonly endpoint: ActorId;
  readonly id: number;
  /** Next index to push. */
  cursor: number;
  allowedBelow: number;
}

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
  /** Reads that arrived before this learner had delivered what was acknowledged elsewhere. */
  const heldReads: Array<{ from: ActorId; request: ReadRequestMessage; barrier: number }> = [];
  /** Messages held until the batch's deliveries are synced. */
  const held: Envelope[] = [];
  const subscriptions = new Map<string, Subscription>();
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
    if (trimGoal > log.firstIndex && log.length >= trimGoal) applyTrim();
    // A log that keeps no entries (a sequencer's) only needs its numbering and sessions: compact
    // it once its records pile up, so a long-running sequencer's store stays small.
    if (!config.retainEntries && log.store.sizeBytes > NUMBERING_COMPACT_BYTES) {
      trimGoal = log.length;
      applyTrim();
    }
    answerHeldReads();
    pushSubscriptions();
  };

  const answerRead = (from: ActorId, request: ReadRequestMessage): void => {
    const fromIndex = Math.min(request.fromIndex, log.length);
    const reply: ReadReplyMessage = {
      type: LogMessageType.ReadReply,
      from: context.id,
      requestId: request.requestId,
      fromIndex,
      entries: page(fromIndex, Math.min(request.countMax, ENTRIES_PER_PAGE_MAX)),
      committed: log.length,
      firstIndex: log.firstIndex,
    };
    courier.send(from, reply);
  };

  const answerHeldReads = (): void => {
    if (heldReads.length === 0) return;
    let kept = 0;
    for (const held of heldReads) {
      if (log.length >= held.barrier) answerRead(held.from, held.request);
      else heldReads[kept++] = held;
    }
    heldReads.length = kept;
  };

  /** Entries from `from` for one ReadReply or EntriesPush: at most countMax, and within the page's bytes (always one, if any). */
  const pageDataBytesMax = config.limits.pageBytesMax - ENTRIES_PER_PAGE_MAX * PAGE_ENTRY_OVERHEAD_BYTES;
  const page = (from: number, countMax: number): Uint8Array[] =>
    from < log.firstIndex || from >= log.length ? [] : log.entriesWithin(from, countMax, pageDataBytesMax);

  /** Highest trim asked for: a learner behind it trims the rest once it has delivered that far. */
  let trimGoal = 0;
  const applyTrim = (): void => {
    const below = Math.min(trimGoal, log.length);
    if (below <= log.firstIndex) return;
    // Trimming writes a compacted copy; a disk too full for it leaves the log as it was, and the
    // next release tries again.
    try {
      log.trim(below);
    } catch (error) {
      if (!isStorageError(error)) throw error;
    }
  };

  const pushSubscriptions = (): void => {
    for (const subscription of subscriptions.values()) {
      if (subscription.cursor < log.firstIndex) {
        // Trimmed under the reader: tell it once, and forget the subscription.
        const push: EntriesPushMessage = {
          type: LogMessageType.EntriesPush,
          from: context.id,
          subscriptionId: subscription.id,
          fromIndex: subscription.cursor,
          entries: [],
          firstIndex: log.firstIndex,
        };
        if (context.send(subscription.endpoint, push)) subscriptions.delete(`${subscription.endpoint}/${subscription.id}`);
        continue;
      }
      while (subscription.cursor < log.length && subscription.cursor < subscription.allowedBelow) {
        const entries = page(subscription.cursor, Math.min(ENTRIES_PER_PAGE_MAX, subscription.allowedBelow - subscription.cursor));
        const push: EntriesPushMessage = {
          type: LogMessageType.EntriesPush,
          from: context.id,
          subscriptionId: subscription.id,
          fromIndex: subscription.cursor,
          entries,
          firstIndex: log.firstIndex,
        };
        // No queueing for pushes: a full mailbox means a slow reader, and the cursor waits for the next turn.
        if (!context.send(subscription.endpoint, push)) break;
        subscription.cursor += entries.length;
      }
    }
  };

  const onClientMessage = (from: ActorId, message: { type: number }): boolean => {
    switch (message.type) {
      case LogMessageType.ReadRequest: {
        const request = message as ReadRequestMessage;
        const needed = barrier.barrier();
        // Behind what another learner acknowledged: hold the read until caught up (the client
        // asks another learner if this takes too long).
        if (log.length < needed) heldReads.push({ from, request, barrier: needed });
        else answerRead(from, request);
        return true;
      }
      case LogMessageType.Subscribe: {
        const subscribe = message as SubscribeMessage;
        subscriptions.set(`${from}/${subscribe.subscriptionId}`, {
          endpoint: from,
          id: subscribe.subscriptionId,
          cursor: subscribe.fromIndex,
          allowedBelow: subscribe.allowedBelow,
        });
        pushSubscriptions();
        return true;
      }
      case LogMessageType.Credit: {
        const credit = message as CreditMessage;
        const subscription = subscriptions.get(`${from}/${credit.subscriptionId}`);
        if (subscription !== undefined) subscription.allowedBelow = Math.max(subscription.allowedBelow, credit.allowedBelow);
        pushSubscriptions();
        return true;
      }
      case LogMessageType.Trim: {
        const trim = message as TrimMessage;
        if (trim.beforeIndex > trimGoal) trimGoal = trim.beforeIndex;
        if (config.retainEntries) applyTrim();
        const reply: TrimReplyMessage = { type: LogMessageType.TrimReply, from: context.id, requestId: trim.requestId, firstIndex: log.firstIndex };
        courier.send(from, reply);
        return true;
      }
      case LogMessageType.Unsubscribe:
        subscriptions.delete(`${from}/${(message as UnsubscribeMessage).subscriptionId}`);
        return true;
      default:
        return false;
    }
  };

  return {
    start(actorContext) {
      actorContext.setTimer('tick', TICK_INTERVAL_MS);
    },
    receive(from, message, actorContext) {
      if (onClientMessage(from, message as { type: number })) return;
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
      actorContext.counters.subscriptions = subscriptions.size;
      actorContext.counters.dropped = courier.dropped;
      actorContext.counters.storageFailures = guard.failures;
      actorContext.setTimer('tick', TICK_INTERVAL_MS);
    },
    stop() {
      guard.trySync(() => store.close());
    },
  };
}
