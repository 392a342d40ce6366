// A simulated client: one command outstanding at a time, tagged (clientId, seq). It sends to
// the proposer it believes leads, follows Redirects, and on silence retries the same command
// (same seq) at the next proposer: the retry-after-failover case exactly-once must survive.

import { MessageType } from '../paxos/index.js';
import type { Command, Message, NodeId } from '../paxos/index.js';
import type { Rng } from './rng.js';

export interface ClientCallbacks {
  send(to: NodeId, msg: Message): void;
  submitted(command: Command): void;
  acknowledged(clientId: number, seq: number, logIndex: number): void;
}

export interface SimClientOptions {
  readonly id: NodeId;
  readonly commandsTotal: number;
  readonly startMs: number;
  readonly retryMs: number;
  readonly proposers: readonly NodeId[];
  readonly rng: Rng;
}

export class SimClient {
  readonly id: NodeId;
  private readonly options: SimClientOptions;
  private current: Command | null = null;
  private ackedCount = 0;
  private targetIndex: number;
  private lastSentMs = 0;
  private lastAckMs = 0;

  constructor(options: SimClientOptions) {
    this.id = options.id;
    this.options = options;
    this.targetIndex = options.rng.int(0, options.proposers.length - 1);
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

  get outstanding(): Command | null {
    return this.current;
  }

  tick(nowMs: number, callbacks: ClientCallbacks): void {
    if (this.done || nowMs < this.options.startMs) return;
    if (this.current === null) {
      this.issueNext(nowMs, callbacks);
      return;
    }
    if (nowMs - this.lastSentMs >= this.options.retryMs) {
      this.targetIndex = (this.targetIndex + 1) % this.options.proposers.length;
      this.sendCurrent(nowMs, callbacks);
    }
  }

  onMessage(msg: Message, nowMs: number, callbacks: ClientCallbacks): void {
    if (msg.type === MessageType.ClientReply) {
      callbacks.acknowledged(msg.clientId, msg.seq, msg.logIndex);
      if (this.current !== null && msg.seq === this.current.seq) {
        this.current = null;
        this.ackedCount++;
        this.lastAckMs = nowMs;
        if (!this.done) this.issueNext(nowMs, callbacks);
      }
    } else if (msg.type === MessageType.Redirect) {
      if (this.current === null || msg.seq !== this.current.seq || msg.leaderHint < 0) return;
      const index = this.options.proposers.indexOf(msg.leaderHint);
      if (index < 0 || index === this.targetIndex) return;
      this.targetIndex = index;
      this.sendCurrent(nowMs, callbacks);
    }
  }

  private issueNext(nowMs: number, callbacks: ClientCallbacks): void {
    const seq = this.ackedCount + 1;
    const length = this.options.rng.int(1, 8);
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) data[i] = this.options.rng.int(0, 255);
    // A quarter of the commands reserve several log indexes at once, as the sequencer's next(count) does.
    const count = this.options.rng.chance(0.25) ? this.options.rng.int(2, 1000) : 1;
    this.current = { clientId: this.id, seq, count, data };
    callbacks.submitted(this.current);
    this.sendCurrent(nowMs, callbacks);
  }

  private sendCurrent(nowMs: number, callbacks: ClientCallbacks): void {
    if (this.current === null) return;
    this.lastSentMs = nowMs;
    callbacks.send(this.options.proposers[this.targetIndex]!, {
      type: MessageType.ClientRequest,
      from: this.id,
      command: this.current,
    });
  }
}
