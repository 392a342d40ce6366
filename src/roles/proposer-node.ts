// The proposer's node: the pure Proposer and the log's wire around it. Client batches are
// queued as they arrive and slots are opened at the end of the turn, so a turn's requests share
// slots; a Campaign request starts an election at once; becoming leader is announced to every
// client (NewLeader), so appends waiting at a dead leader move now rather than after their
// resend timeout. A proposer keeps nothing durable (safety rests on the acceptors), so a
// restart starts from scratch. The worker actor, the simulator and the leader warm-up all run
// this class (role-node.ts).
import { Proposer, ProposerRole, Ready, type Ballot, type Command, type Message, type NodeId, type ProposerConfig } from '../paxos/index.js';
import { LogMessageType, type ClientRequestBatchMessage, type NewLeaderMessage } from '../protocol/wire.js';
import type { RoleNode } from './role-node.js';
import type { Transport } from './transport.js';

/** What a proposer is now, as its host may want to show it: changes only by an election. */
export interface ProposerSoftState {
  readonly role: ProposerRole;
  readonly ballot: Ballot;
  /** Slots below this are known chosen (a new leader re-proposes from here). */
  readonly chosenBelow: number;
}

export interface ProposerNodeOptions {
  readonly config: ProposerConfig;
  readonly transport: Transport;
  /** Where NewLeader goes (best effort, say straight to the mailboxes); default: transport. */
  readonly announcements?: Transport;
  /** Who hears NewLeader: every client endpoint there is now. */
  readonly clients: () => Iterable<NodeId>;
  /**
   * Told each time the role or the ballot changes (a campaign, leading, stepping down), once, before
   * the messages of the step that changed it leave: hosts learn of elections here, not by polling.
   */
  readonly softStateChanged?: (now: ProposerSoftState, before: ProposerSoftState) => void;
  /** Told when a Campaign request starts an election (not one that finds it leading or campaigning). */
  readonly campaignRequested?: () => void;
}

export class ProposerNode implements RoleNode {
  readonly proposer: Proposer;
  readonly ticks = true;
  private readonly ready = new Ready();
  private softState: ProposerSoftState;

  constructor(private readonly options: ProposerNodeOptions) {
    this.proposer = new Proposer(options.config);
    this.softState = this.currentSoftState();
  }

  /** A message from a role or a client. */
  step(_from: NodeId, message: { type: number }, nowMs: number): void {
    if (message.type === LogMessageType.ClientRequestBatch) {
      // Queued only: endTurn() opens the slots, so a turn's batches of requests share slots.
      const batch = message as ClientRequestBatchMessage;
      this.proposer.enqueueCommands(batch.commands, this.ready, batch.from);
    } else if (message.type === LogMessageType.Campaign) {
      // Already leading or campaigning: a second request (the kill, then the exit event) must not
      // restart an election that is under way with a higher ballot.
      if (this.proposer.role === ProposerRole.Follower) {
        this.options.campaignRequested?.();
        this.proposer.campaign(nowMs, this.ready);
      }
    } else {
      this.proposer.step(message as Message, nowMs, this.ready);
    }
    this.sendReady();
  }

  tick(nowMs: number): void {
    this.proposer.tick(nowMs, this.ready);
    this.sendReady();
  }

  /** The end of a turn: open slots for what was queued. A proposer persists nothing, so it never refuses. */
  endTurn(nowMs: number): boolean {
    this.proposer.fill(nowMs, this.ready);
    this.sendReady();
    return true;
  }

  /** Hands a command to the proposer as if a client had sent it (scripted tests). */
  propose(command: Command, nowMs: number): boolean {
    const queued = this.proposer.propose(command, nowMs, this.ready);
    this.sendReady();
    return queued;
  }

  /** Start an election now (a test, or the runtime's exit event for the leader). */
  campaign(nowMs: number): void {
    this.proposer.campaign(nowMs, this.ready);
    this.sendReady();
  }

  private sendReady(): void {
    // A new leader tells the clients first: their resends then travel while the recovered slots
    // are re-proposed, instead of after hundreds of Accepts (measured on 2 cores: the announcement
    // went out 2-11 ms after the leader had its quorum of Promises when it came last).
    this.noteSoftState();
    const ready = this.ready;
    for (let i = 0; i < ready.send.length; i++) {
      const envelope = ready.send.get(i);
      this.options.transport.send(envelope.to, envelope.msg);
    }
    ready.clear();
  }

  private currentSoftState(): ProposerSoftState {
    return { role: this.proposer.role, ballot: this.proposer.ballot, chosenBelow: this.proposer.chosenBelow };
  }

  private noteSoftState(): void {
    const proposer = this.proposer;
    const before = this.softState;
    if (proposer.role === before.role && proposer.ballot === before.ballot) return;
    const now = this.currentSoftState();
    this.softState = now;
    this.options.softStateChanged?.(now, before);
    if (now.role === ProposerRole.Leader && before.role !== ProposerRole.Leader) {
      const announcement: NewLeaderMessage = { type: LogMessageType.NewLeader, from: this.options.config.id, ballot: now.ballot };
      const announcements = this.options.announcements ?? this.options.transport;
      for (const client of this.options.clients()) announcements.send(client, announcement as unknown as Message);
    }
  }
}
