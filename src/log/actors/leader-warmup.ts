// Warms a proposer thread's leader code before the thread ever leads.
//
// A standby that takes over runs, for the first time in its thread, everything a leader does:
// it decodes Promises and merges what they carry, re-proposes every recovered slot, encodes and
// fans out hundreds of Accepts, and counts the Accepted that come back. Run cold, in V8's
// interpreter, that took 1-3 ms of CPU from the quorum of Promises to the NewLeader alone, and
// 3-9 ms more before the clients' first batch, measured with each thread's schedstat in a
// failover trace on 2 cores (where every ms of CPU also waits its turn in the run queue). A
// restarted proposer is a fresh thread, so every failover of a log that has had one is cold.
//
// So each proposer thread that is not leading rehearses once, soon after it starts, on a private
// loopback wire in its own thread: a few terms of a leader taking client batches, each followed
// by a rival taking over and recovering them. The same role nodes (src/roles), codec and mailbox
// code run as in the real log, with the same cadence, so V8 compiles them with the same kinds of
// values; nothing is shared with the real actor, and no other thread is involved.
import { Inbox, Outbox, createDoorbell, createRing, parkAtOnce } from '../../mailbox/index.js';
import { AcceptorNode, ProposerNode, type RoleNode } from '../../roles/index.js';
import { COMMAND_HEADER_BYTES, MemoryAcceptorStorage, viewOf, writeCommand, type Message, type NodeId } from '../../paxos/index.js';
import { LogMessageType, type ClientRequestBatchMessage } from '../../protocol/wire.js';
import { proposerTuningOf, type ProposerTuning } from './role-configs.js';

/** Terms rehearsed: each odd term takes over from the even one before it and recovers its slots. */
const WARMUP_TERMS = 4;
/** Client batches per term, each filled into slots and chosen. */
const WARMUP_BATCHES_PER_TERM = 32;
const WARMUP_COMMANDS_PER_BATCH = 16;
const WARMUP_COMMAND_DATA_BYTES = 16;
const WARMUP_RING_BYTES = 1 << 18;

// The private world's ids: two proposers taking turns, three acceptors, a learner and a client
// whose mailboxes are drained (their decode paths run) and otherwise ignored.
const PROPOSERS: readonly NodeId[] = [0, 1];
const ACCEPTORS: readonly NodeId[] = [2, 3, 4];
const LEARNER: NodeId = 5;
const CLIENT: NodeId = 6;
const ALL_IDS: readonly NodeId[] = [...PROPOSERS, ...ACCEPTORS, LEARNER, CLIENT];
/** The loopback wire does not carry senders; neither role here reads one. */
const UNKNOWN_SENDER: NodeId = -1;

/** One mailbox per id, all in this thread: messages are encoded into rings and decoded out, as between threads. */
class LoopbackWire {
  private readonly outboxes = new Map<NodeId, Outbox>();
  private readonly inboxes = new Map<NodeId, Inbox>();
  private lastOutbox: Outbox | undefined;

  constructor(ids: readonly NodeId[]) {
    for (const id of ids) {
      const ring = createRing(WARMUP_RING_BYTES);
      const doorbell = createDoorbell();
      this.outboxes.set(id, new Outbox(ring, doorbell));
      const inbox = new Inbox(doorbell, parkAtOnce);
      inbox.addLink(0, ring);
      this.inboxes.set(id, inbox);
    }
  }

  send(to: NodeId, message: Message): void {
    const outbox = this.outboxes.get(to)!;
    // A fan-out copies the previous encoding, as an actor's sends do.
    const sent = this.lastOutbox === undefined ? outbox.trySend(message) : outbox.trySendAgain(message, this.lastOutbox);
    // Every mailbox is drained after each step, so a full one is a bug in this rehearsal.
    if (!sent) throw new Error(`leader warm-up: mailbox ${to} is full`);
    this.lastOutbox = outbox;
  }

  /** Hands every message waiting for `id` to `handler`; returns how many. */
  drain(id: NodeId, handler: (message: Message) => void): number {
    return this.inboxes.get(id)!.drain((_from, message) => handler(message as Message));
  }
}

/** Runs the rehearsal; returns how many slots were chosen in it (a test checks that it did work). */
export function warmUpLeaderPaths(config: ProposerTuning): number {
  const wire = new LoopbackWire(ALL_IDS);
  // The nodes of the term, by id; the others' mailboxes are drained and ignored.
  const nodes = new Map<NodeId, RoleNode>();
  let nowMs = 0;
  let seq = 0;
  let chosen = 0;
  const commandBytes = COMMAND_HEADER_BYTES + WARMUP_COMMAND_DATA_BYTES;
  const data = new Uint8Array(WARMUP_COMMAND_DATA_BYTES);
  // The host's cadence (role-node.ts): each node's mailbox drained into it, then the end of its turn.
  const deliverAll = (): void => {
    for (let moved = 1; moved > 0; ) {
      moved = 0;
      for (const id of ALL_IDS) {
        const node = nodes.get(id);
        moved += wire.drain(id, node === undefined ? () => {} : (message) => node.step(UNKNOWN_SENDER, message, nowMs));
        node?.endTurn(nowMs);
      }
    }
  };
  for (let term = 0; term < WARMUP_TERMS; term++) {
    // Fresh acceptors every other term, so each takeover recovers exactly one term's slots.
    if (term % 2 === 0) {
      for (const id of ACCEPTORS) {
        const storage = Object.assign(new MemoryAcceptorStorage(), { sync: () => {} });
        nodes.set(id, new AcceptorNode({ config: { id, learners: [LEARNER] }, storage, transport: wire }));
      }
    }
    const id = PROPOSERS[term % 2]!;
    nodes.delete(PROPOSERS[(term + 1) % 2]!);
    const proposer = new ProposerNode({
      config: {
        id,
        proposers: PROPOSERS,
        acceptors: ACCEPTORS,
        learners: [LEARNER],
        random: () => 0.5,
        ...proposerTuningOf(config),
      },
      transport: wire,
      clients: () => [CLIENT],
    });
    nodes.set(id, proposer);
    proposer.campaign(nowMs);
    deliverAll();
    if (!proposer.proposer.isLeader) throw new Error(`leader warm-up: proposer ${id} did not win term ${term}`);
    const chosenAtStart = proposer.proposer.chosenBelow;
    for (let batch = 0; batch < WARMUP_BATCHES_PER_TERM; batch++) {
      const commands = new Uint8Array(WARMUP_COMMANDS_PER_BATCH * commandBytes);
      const view = viewOf(commands);
      for (let c = 0; c < WARMUP_COMMANDS_PER_BATCH; c++) writeCommand(commands, view, c * commandBytes, 1, ++seq, 1, data);
      const request: ClientRequestBatchMessage = { type: LogMessageType.ClientRequestBatch, from: CLIENT, commands };
      wire.send(id, request as unknown as Message);
      deliverAll();
      nowMs += 1;
      proposer.tick(nowMs);
      deliverAll();
    }
    chosen += proposer.proposer.chosenBelow - chosenAtStart;
  }
  return chosen;
}
