// The proposer's driver: the pure Proposer and the log's wire around it. Client batches are
// queued as they arrive and slots are opened once per turn (fill), so a turn's requests share
// slots; a Campaign request starts an election at once; becoming leader is announced to every
// client (NewLeader), so appends waiting at a dead leader move now rather than after their
// resend timeout. A proposer keeps nothing durable (safety rests on the acceptors), so a
// restart starts from scratch. The worker actor and the simulator both run this class.
import { Proposer, ProposerRole, Ready, type Command, type Message, type NodeId, type ProposerConfig } from '../paxos/index.js';
import { LogMessageType, type ClientRequestBatchMessage, type NewLeaderMessage } from '../protocol/wire.js';
import type { Transport } from './transport.js';

export interface ProposerDriverOptions {
  readonly config: ProposerConfig;
  readonly transport: Transport;
  /** Where NewLeader goes (best effort, say straight to the mailboxes); default: transport. */
  readonly announcements?: Transport;
  /** Who hears NewLeader: every client endpoint there is now. */
  readonly clients: () => Iterable<NodeId>;
  /** Told each time this proposer becomes leader or stops being one. */
  readonly leadershipChanged?: (isLeader: boolean) => void;
  /** Told when a Campaign request starts an election (not one that finds it leading or campaigning). */
  readonly campaignRequested?: () => void;
}

export class ProposerDriver {
  readonly proposer: Proposer;
  private readonly ready = new Ready();
  private wasLeader = false;

  constructor(private readonly options: ProposerDriverOptions) {
    this.proposer = new Proposer(options.config);
  }

  /** A message from a role or a client. */
  receive(message: { type: number }, nowMs: number): void {
    if (message.type === LogMessageType.ClientRequestBatch) {
      // Queued only: fill() opens the slots, so a batch of requests shares slots.
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

  /** The end of a turn: open slots for what was queued. */
  fill(nowMs: number): void {
    this.proposer.fill(nowMs, this.ready);
    this.sendReady();
  }

  tick(nowMs: number): void {
    this.proposer.tick(nowMs, this.ready);
    this.sendReady();
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
    this.announceLeadershipChange();
    const ready = this.ready;
    for (let i = 0; i < ready.send.length; i++) this.options.transport.send(ready.send[i]!.to, ready.send[i]!.msg);
    ready.clear();
  }

  private announceLeadershipChange(): void {
    if (this.proposer.isLeader === this.wasLeader) return;
    this.wasLeader = this.proposer.isLeader;
    this.options.leadershipChanged?.(this.wasLeader);
    if (this.wasLeader) {
      const announcement: NewLeaderMessage = { type: LogMessageType.NewLeader, from: this.options.config.id };
      const announcements = this.options.announcements ?? this.options.transport;
      for (const client of this.options.clients()) announcements.send(client, announcement as unknown as Message);
    }
  }
}
