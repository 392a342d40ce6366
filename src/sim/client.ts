// A simulated client: the runtime's own AppendCore (sessions, exactly-once sequence numbers,
// per-turn batching, leader routing, NewLeader, Redirects, resends), driven by simulated time
// with a workload of its own: `commandsTotal` appends, up to `inflightMax` at once, some of them
// reservations of several indexes (as the sequencer's next(count) makes). After an append
// resolves, the client often reads its index back from a random learner (the runtime's
// ReadRequest), which must see it: a read that starts after an append resolved sees it.
import { AppendCore, type AppendCoreOptions, type AppendCoreSink } from '../log/append-core.js';
import { LogMessageType, type ClientReplyBatchMessage, type ClientRequestBatchMessage, type ReadReplyMessage, type ReadRequestMessage } from '../log/wire.js';
import { MessageType } from '../paxos/index.js';
import type { ClientReplyMessage, Command, Message, NodeId } from '../paxos/index.js';
import type { Rng } from './rng.js';

export interface ClientCallbacks {
  send(to: NodeId, msg: Message): void;
  /** A command got its (clientId, seq) and goes out. */
  submitted(command: Command): void;
  /** A learner said the command (clientId, seq) sits at logIndex (every such reply, not only the first). */
  acknowledged(clientId: number, seq: number, logIndex: number): void;
  /** A learner answered a read of `index`, sent after the append there (with `data`) resolved. */
  readAnswered(learner: NodeId, index: number, data: Uint8Array, committed: number, entry: Uint8Array | undefined): void;
}

export interface SimClientOptions {
  readonly id: NodeId;
  readonly commandsTotal: number;
  readonly startMs: number;
  /** Resend an unanswered append after this long. */
  readonly retryMs: number;
  /** Appends in flight at once, at most. */
  readonly inflightMax: number;
  readonly proposers: readonly NodeId[];
  /** Learners to read from. */
  readonly learners: readonly NodeId[];
  readonly rng: Rng;
  /** Builds the append core (the simulator's deliberately broken client comes in here). Default: AppendCore. */
  readonly core?: <T>(options: AppendCoreOptions, sink: AppendCoreSink<T>) => AppendCore<T>;
}

/** Simulated appends never time out: liveness is the scheduler's to judge. */
const NEVER_MS = 1e12;
const REQUEST_BATCH_BYTES_MAX = 64 * 1024;
/** Share of resolved appends the client reads back. */
const READ_BACK_CHANCE = 0.5;
/** A read unanswered this long is asked of another learner (a crash loses the reads a learner holds). */
const READ_RETRY_MS = 300;

interface PendingRead {
  readonly index: number;
  readonly data: Uint8Array;
  learner: NodeId;
  sentMs: number;
}

interface SimAppend {
  readonly data: Uint8Array;
  readonly count: number;
}

export class SimClient {
  readonly id: NodeId;
  private readonly options: SimClientOptions;
  private readonly core: AppendCore<SimAppend>;
  private issued = 0;
  private ackedCount = 0;
  private lastAckMs = 0;
  private nowMs = 0;
  private callbacks: ClientCallbacks | undefined;
  private readonly reads = new Map<number, PendingRead>();
  private nextReadId = 1;
  private readsAnsweredCount = 0;

  constructor(options: SimClientOptions) {
    this.id = options.id;
    this.options = options;
    // Start at a random proposer, as threads of a real process would find different ones first.
    const first = options.rng.int(0, options.proposers.length - 1);
    const proposers = [...options.proposers.slice(first), ...options.proposers.slice(0, first)];
    const build = options.core ?? ((coreOptions, sink) => new AppendCore(coreOptions, sink));
    this.core = build<SimAppend>(
      {
        incarnation: 0,
        endpointId: options.id,
        proposers,
        inflightAppendsMax: options.inflightMax,
        appendTimeoutMs: NEVER_MS,
        resendAfterMs: options.retryMs,
        requestBatchBytesMax: REQUEST_BATCH_BYTES_MAX,
      },
      {
        // The simulated network carries objects, not bytes: the batch's commands are a view of the
        // core's reused buffer, so they travel as a copy (a mailbox would have encoded them).
        send: (to, message) => {
          const batch = message as ClientRequestBatchMessage;
          const sent = batch.type === LogMessageType.ClientRequestBatch ? { ...batch, commands: batch.commands.slice() } : message;
          this.callbacks!.send(to, sent as unknown as Message);
        },
        started: (append, clientId, seq) => this.callbacks!.submitted({ clientId, seq, count: append.count, data: append.data }),
        resolved: (append, logIndex) => {
          this.ackedCount++;
          this.lastAckMs = this.nowMs;
          if (options.learners.length > 0 && options.rng.chance(READ_BACK_CHANCE)) this.readBack(logIndex, append.data);
        },
        rejected: (_append, error) => {
          throw new Error(`simulated client ${this.id}: an append failed: ${error.message}`);
        },
      },
    );
  }

  get done(): boolean {
    return this.ackedCount >= this.options.commandsTotal;
  }

  get acked(): number {
    return this.ackedCount;
  }

  /** Simulated time of the last acknowledgement (for liveness reports). */
  get lastAcknowledgedMs(): number {
    return this.lastAckMs;
  }

  get inflight(): number {
    return this.core.inflight;
  }

  /** Reads answered so far (each checked by readAnswered). */
  get readsAnswered(): number {
    return this.readsAnsweredCount;
  }

  tick(nowMs: number, callbacks: ClientCallbacks): void {
    if (nowMs < this.options.startMs) return;
    this.enter(nowMs, callbacks);
    this.core.sweep(nowMs);
    for (const [requestId, read] of this.reads) {
      if (nowMs - read.sentMs < READ_RETRY_MS) continue;
      const learners = this.options.learners;
      read.learner = learners[(learners.indexOf(read.learner) + 1) % learners.length]!;
      this.sendRead(requestId, read);
    }
    this.issue(nowMs);
    this.core.flush();
  }

  onMessage(msg: Message, nowMs: number, callbacks: ClientCallbacks): void {
    this.enter(nowMs, callbacks);
    // Every acknowledgement from every learner is checked, not only the one that settles an append.
    const type = (msg as { type: number }).type;
    if (type === LogMessageType.ClientReplyBatch) {
      const { replies } = msg as unknown as ClientReplyBatchMessage;
      for (let at = 0; at + 2 < replies.length; at += 3) callbacks.acknowledged(replies[at]!, replies[at + 1]!, replies[at + 2]!);
    } else if (type === MessageType.ClientReply) {
      const reply = msg as ClientReplyMessage;
      callbacks.acknowledged(reply.clientId, reply.seq, reply.logIndex);
    } else if (type === LogMessageType.ReadReply) {
      const reply = msg as unknown as ReadReplyMessage;
      const read = this.reads.get(reply.requestId);
      if (read === undefined) return; // answered already, by the learner asked before
      this.reads.delete(reply.requestId);
      this.readsAnsweredCount++;
      const entry = reply.fromIndex === read.index ? reply.entries[0] : undefined;
      callbacks.readAnswered(reply.from, read.index, read.data, reply.committed, entry);
      return;
    }
    this.core.onMessage(msg as { type: number }, nowMs);
    if (nowMs >= this.options.startMs) this.issue(nowMs);
    this.core.flush();
  }

  private readBack(index: number, data: Uint8Array): void {
    const requestId = this.nextReadId++;
    const read: PendingRead = { index, data, learner: this.options.rng.pick(this.options.learners), sentMs: this.nowMs };
    this.reads.set(requestId, read);
    this.sendRead(requestId, read);
  }

  private sendRead(requestId: number, read: PendingRead): void {
    read.sentMs = this.nowMs;
    const request: ReadRequestMessage = { type: LogMessageType.ReadRequest, from: this.id, requestId, fromIndex: read.index, countMax: 1 };
    this.callbacks!.send(read.learner, request as unknown as Message);
  }

  private enter(nowMs: number, callbacks: ClientCallbacks): void {
    this.nowMs = nowMs;
    this.callbacks = callbacks;
  }

  private issue(nowMs: number): void {
    const rng = this.options.rng;
    while (this.issued < this.options.commandsTotal && this.core.inflight + this.core.waitingCount < this.options.inflightMax) {
      const length = rng.int(1, 8);
      const data = new Uint8Array(length);
      for (let i = 0; i < length; i++) data[i] = rng.int(0, 255);
      // A quarter of the commands reserve several log indexes at once, as the sequencer's next(count) does.
      const count = rng.chance(0.25) ? rng.int(2, 1000) : 1;
      this.issued++;
      this.core.submit({ data, count }, data, count, nowMs);
    }
  }
}
