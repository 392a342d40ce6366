// A proposer on its own worker thread: a ProposerDriver (the pure Proposer and the log's wire
// around it) driven by messages, the end of each batch (fill) and a 5 ms tick. A standby
// rehearses leading once, soon after it starts (leader-warmup.ts).
import type { Actor, ActorContext, ActorId } from '../../actors/index.js';
import { ProposerDriver } from '../../driver/index.js';
import { Courier } from './courier.js';
import { warmUpLeaderPaths } from './leader-warmup.js';
import { TICK_INTERVAL_MS, proposerTuningOf, type ProposerActorConfig } from './role-configs.js';

const WARM_UP_TIMER_KEY = 'warm-up';
/**
 * A new proposer warms up this long after it starts: after the log's first election (open()
 * waits for that, and a warm-up at start made open() about 100 ms slower on 2 cores), and well
 * before the bench's next kill (about 2 s after each restart). The rehearsal takes 15-45 ms of
 * this thread; a Campaign that arrives meanwhile waits for it, once in the proposer's life.
 */
const WARM_UP_DELAY_MS = 250;

export default function proposerActor(rawConfig: unknown, context: ActorContext): Actor {
  const config = rawConfig as ProposerActorConfig;
  const courier = new Courier(context);
  const roles = new Set([...config.layout.proposers, ...config.layout.acceptors, ...config.layout.learners]);
  const clients = function* (): Iterable<ActorId> {
    for (const peer of context.peers()) if (!roles.has(peer)) yield peer;
  };
  const driver = new ProposerDriver({
    config: {
      id: context.id,
      proposers: config.layout.proposers,
      acceptors: config.layout.acceptors,
      learners: config.layout.learners,
      random: Math.random,
      ...proposerTuningOf(config),
    },
    transport: courier,
    // NewLeader goes straight to the mailboxes: a full one skips that client (its resend timeout covers it).
    announcements: { send: (to, message) => void context.send(to, message) },
    clients,
    leadershipChanged: (isLeader) => {
      // Wall-clock ms (comparable across threads): when this proposer last became leader, for failover timelines.
      if (isLeader) context.counters.leaderSinceEpochMs = performance.timeOrigin + performance.now();
    },
    campaignRequested: () => {
      context.counters.campaignRequestedEpochMs = performance.timeOrigin + performance.now();
    },
  });
  const proposer = driver.proposer;

  return {
    // A released endpoint's id may go to another endpoint: what was held for it must not reach that one.
    peerReleased(id) {
      courier.forget(id);
    },
    start(actorContext) {
      actorContext.setTimer('tick', TICK_INTERVAL_MS);
      actorContext.setTimer(WARM_UP_TIMER_KEY, WARM_UP_DELAY_MS);
    },
    receive(_from, message, actorContext) {
      driver.receive(message as { type: number }, actorContext.now());
    },
    flush(actorContext) {
      courier.retry();
      driver.fill(actorContext.now());
    },
    timer(key, actorContext) {
      if (courier.onTimer(key)) return;
      if (key === WARM_UP_TIMER_KEY) {
        // A standby rehearses leading, so that a takeover runs compiled code; one that already
        // leads is warm from leading. Only a speed-up: a rehearsal that fails (a bug) is counted,
        // never fatal to the proposer.
        if (!proposer.isLeader) {
          try {
            warmUpLeaderPaths(config);
          } catch {
            actorContext.counters.warmUpFailed = 1;
          }
        }
        return;
      }
      courier.retry();
      driver.tick(actorContext.now());
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
