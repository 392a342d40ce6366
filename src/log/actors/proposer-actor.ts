// A proposer on its own worker thread: a ProposerNode (the pure Proposer and the log's wire
// around it) hosted by roleActor. A standby rehearses leading once, soon after it starts
// (leader-warmup.ts).
import { performance } from 'node:perf_hooks';
import type { Actor, ActorContext, ActorId } from '../../actors/index.js';
import { VALUE_REF_MIN_BYTES } from '../../mailbox/index.js';
import { MessageType, ProposerRole, type AcceptMessage, type Message } from '../../paxos/index.js';
import { ProposerNode } from '../../roles/index.js';
import { RUNTIME_TIMINGS } from '../../protocol/timings.js';
import { Courier } from './courier.js';
import { acceptWakesLearners } from './learner-accept-wake.js';
import { warmUpLeaderPaths } from './leader-warmup.js';
import { proposerTuningOf, type ProposerActorConfig } from './role-configs.js';
import { roleActor } from './role-actor.js';

const WARM_UP_TIMER_KEY = 'warm-up';

/** Wall-clock ms, comparable across threads (failover timelines). */
const epochMs = (): number => performance.timeOrigin + performance.now();

export default function proposerActor(rawConfig: unknown, context: ActorContext): Actor {
  const config = rawConfig as ProposerActorConfig;
  // An Accept goes to a learner without waking it where the log's threads outnumber the cores:
  // the acceptors' votes wake it (learner-accept-wake.ts says when and why).
  const learners = new Set(config.layout.learners);
  const courier = new Courier(
    context,
    acceptWakesLearners(config.layout) ? undefined : (to, message) => (message as Message).type === MessageType.Accept && learners.has(to),
    keepHeldAccept,
    // An acceptor that reads behind a burst is slow, not gone: its Accepts wait before they go again.
    (to) => node.proposer.mailboxProgressed(to, context.now()),
  );
  const roles = new Set([...config.layout.proposers, ...config.layout.acceptors, ...config.layout.learners]);
  const clients = function* (): Iterable<ActorId> {
    for (const peer of context.peers()) if (!roles.has(peer)) yield peer;
  };
  const node = new ProposerNode({
    config: {
      id: context.id,
      proposers: config.layout.proposers,
      acceptors: config.layout.acceptors,
      learners: config.layout.learners,
      random: Math.random,
      ...proposerTuningOf(config),
      // A client's batch comes in place (a view of the ring, valid during the call): what the
      // queue keeps of it is copied once, into this proposer's value slab where it has room, and
      // the Accepts cut from it reference it there (no second copy into the slab when sent).
      keepCommands: (commands) => (commands.byteLength >= VALUE_REF_MIN_BYTES ? context.keepInSlab(commands) : undefined) ?? commands.slice(),
    },
    transport: courier,
    // NewLeader goes straight to the mailboxes: a full one skips that client (its resend timeout covers it).
    announcements: { send: (to, message) => void context.send(to, message) },
    clients,
    softStateChanged: (now, before) => {
      if (now.role === ProposerRole.Leader && before.role !== ProposerRole.Leader) context.counters.leaderSinceEpochMs = epochMs();
    },
    campaignRequested: () => {
      context.counters.campaignRequestedEpochMs = epochMs();
    },
  });
  const proposer = node.proposer;
  return roleActor({
    node,
    courier,
    // Clients' batches only: a peer's Promise carries values the proposer keeps as they came.
    receivesInPlaceFrom: (from) => !roles.has(from),
    // Backpressure: while a leader's queue of client commands is long, clients' batches wait in
    // their mailboxes (and in their clients, which encode them once there is room) rather than in
    // this queue. What it queues is in its value slab, and the Accepts cut from it go to every
    // receiver by reference; queued past the slab's room, each value went inline into four rings.
    // The queue drains as votes choose slots, so this turns false by itself.
    holdsBackFrom: (from) => proposer.queuedCommandBytes >= config.queuedCommandBytesMax && !roles.has(from),
    // What the slab must not write over: the commands the proposer queued and the slots in flight.
    keptSlabViews: (visit) => proposer.forEachHeldValue(visit),
    // The warm-up comes after the log's first election (open() waits for that, and a warm-up at
    // start made open() about 100 ms slower on 2 cores), and well before the bench's next kill
    // (about 2 s after each restart). The rehearsal takes 15-45 ms of this thread; a Campaign that
    // arrives meanwhile waits for it, once in the proposer's life.
    start: (actorContext) => actorContext.setTimer(WARM_UP_TIMER_KEY, RUNTIME_TIMINGS.leaderWarmUpDelayMs),
    timer(key, actorContext) {
      if (key !== WARM_UP_TIMER_KEY) return;
      // A standby rehearses leading, so that a takeover runs compiled code; one that already
      // leads is warm from leading. Only a speed-up: a rehearsal that fails (a bug) is counted,
      // never fatal to the proposer.
      if (proposer.isLeader) return;
      try {
        warmUpLeaderPaths(config);
      } catch {
        actorContext.counters.warmUpFailed = 1;
      }
    },
    report(counters) {
      counters.leader = proposer.isLeader ? 1 : 0;
      counters.ballot = proposer.ballot;
      counters.chosenBelow = proposer.chosenBelow;
      counters.recoveryEnd = proposer.recoveryEnd;
      counters.inflightSlots = proposer.inflightCount;
      counters.pendingCommands = proposer.pendingCount;
      counters.acceptsResent = proposer.acceptsResent;
      counters.campaigns = proposer.campaigns;
      counters.failedCampaigns = proposer.failedCampaigns;
    },
  });
}

/**
 * An Accept the courier holds past its turn (a full mailbox) may outlive its slot, and the slab
 * keeps only the values of slots in flight (keptSlabViews): a held Accept whose value lies in the
 * slab takes a copy of it.
 */
export function keepHeldAccept(message: unknown): unknown {
  const accept = message as AcceptMessage;
  if (accept.type !== MessageType.Accept || !(accept.value.buffer instanceof SharedArrayBuffer)) return message;
  return { ...accept, value: accept.value.slice() };
}
