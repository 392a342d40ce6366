// A proposer on its own worker thread: the pure Proposer driven by messages and a 5 ms tick.
// It keeps nothing durable (safety rests on the acceptors), so a restart starts from scratch.
import type { Actor, ActorContext } from '../../actors/index.js';
import { Proposer, Ready, type Message } from '../../paxos/index.js';
import { LogMessageType, type ClientRequestBatchMessage, type NewLeaderMessage } from '../wire.js';
import { Courier } from './courier.js';
import { TICK_INTERVAL_MS, type ProposerActorConfig } from './layout.js';

export default function proposerActor(rawConfig: unknown, context: ActorContext): Actor {
  const config = rawConfig as ProposerActorConfig;
  const proposer = new Proposer({
    id: context.id,
    proposers: config.layout.proposers,
    acceptors: config.layout.acceptors,
    learners: config.layout.learners,
    random: Math.random,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    electionTimeoutMs: config.electionTimeoutMs,
    windowSlotsMax: config.windowSlotsMax,
    batchCommandsMax: config.batchCommandsMax,
    batchBytesMax: config.batchBytesMax,
    pendingCommandsMax: config.pendingCommandsMax,
  });
  const ready = new Ready();
  const courier = new Courier(context);
  let campaignStartedEpochMs = 0;
  const roles = new Set([...config.layout.proposers, ...config.layout.acceptors, ...config.layout.learners]);
  let wasLeader = false;
  const sendReady = (): void => {
    for (let i = 0; i < ready.send.length; i++) courier.send(ready.send[i]!.to, ready.send[i]!.msg);
    ready.clear();
    if (proposer.isLeader !== wasLeader) {
      wasLeader = proposer.isLeader;
      // Wall-clock ms (comparable across threads): when this proposer last became leader, for failover timelines.
      if (wasLeader) context.counters.leaderSinceEpochMs = performance.timeOrigin + performance.now();
      // Tell every client endpoint at once, so appends stuck at a dead leader move now rather
      // than after the clients' resend timeout.
      if (wasLeader) {
        const announcement: NewLeaderMessage = { type: LogMessageType.NewLeader, from: context.id };
        for (const peer of context.peers()) if (!roles.has(peer)) context.send(peer, announcement);
      }
    }
  };

  return {
    start(actorContext) {
      actorContext.setTimer('tick', TICK_INTERVAL_MS);
    },
    receive(_from, message, actorContext) {
      const type = (message as { type: number }).type;
      if (type === LogMessageType.ClientRequestBatch) {
        // Queued only: flush() opens the slots, so a batch of requests shares slots.
        const batch = message as ClientRequestBatchMessage;
        proposer.enqueueCommands(batch.commands, ready, batch.from);
      } else if (type === LogMessageType.Campaign) {
        if (!proposer.isLeader) {
          campaignStartedEpochMs = performance.timeOrigin + performance.now();
          actorContext.counters.campaignRequestedEpochMs = campaignStartedEpochMs;
          proposer.campaign(actorContext.now(), ready);
        }
      } else {
        proposer.step(message as Message, actorContext.now(), ready);
      }
      sendReady();
    },
    flush(actorContext) {
      courier.retry();
      proposer.fill(actorContext.now(), ready);
      sendReady();
    },
    timer(key, actorContext) {
      if (courier.onTimer(key)) return;
      courier.retry();
      proposer.tick(actorContext.now(), ready);
      sendReady();
      const counters = actorContext.counters;
      counters.leader = proposer.isLeader ? 1 : 0;
      counters.ballot = proposer.ballot;
      counters.chosenBelow = proposer.chosenBelow;
      counters.inflightSlots = proposer.inflightCount;
      counters.pendingCommands = proposer.pendingCount;
      counters.campaigns = proposer.campaigns;
      counters.failedCampaigns = proposer.failedCampaigns;
      counters.dropped = courier.dropped;
      actorContext.setTimer('tick', TICK_INTERVAL_MS);
    },
  };
}
