// A simulated client: the runtime's own AppendCore (sessions, exactly-once sequence numbers,
// per-turn batching, leader routing, NewLeader, Redirects, resends), driven by simulated time
// with a workload of its own: `commandsTotal` appends, up to `inflightMax` at once, some of them
// reservations of several indexes (as the sequencer's next(count) makes).
import { AppendCore, type AppendCoreOptions, type AppendCoreSink } from '../log/append-core.js';
import { LogMessageType, type ClientReplyBatchMessage, type ClientRequestBatchMessage } from '../log/wire.js';
import { MessageType } from '../paxos/index.js';
import type { ClientReplyMessage, Command, Message, NodeId } from '../paxos/index.js';
import type { Rng } from './rng.js';

export interface ClientCallbacks {
  send(to: NodeId, msg: Message): void;
  /** A command got its (clientId, seq) and goes out. */
  submitted(command: Command): void;
  /** A learner said the command (clientId, seq) sits at logIndex (every such reply, not only the first). */
  acknowledged(clientId: number, seq: number, logIndex: number): void;
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
  readonly rng: Rng;
  /** Builds the append core (the simulator's deliberately broken client comes in here). Default: AppendCore. */
  readonly core?: <T>(options: AppendCoreOptions, sink: AppendCoreSink<T>) => AppendCore<T>;
}

/** Simulated appends never time out: liveness is the scheduler's to judge. */
const NEVER_MS = 1e12;
const REQUEST_BATCH_BYTES_MAX = 64 * 1024;

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
        resolved: () => {
          this.ackedCount++;
          this.lastAckMs = this.nowMs;
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

  tick(nowMs: number, callbacks: ClientCallbacks): void {
    if (nowMs < this.options.startMs) return;
    this.enter(nowMs, callbacks);
    this.core.sweep(nowMs);
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
    }
    this.core.onMessage(msg as { type: number }, nowMs);
    if (nowMs >= this.options.startMs) this.issue(nowMs);
    this.core.flush();
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
