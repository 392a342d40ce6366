// The leader's queue of client commands waiting for a slot, and the cutter that makes a slot's
// value of them. Commands stay as the bytes clients sent (or the copy the host keeps of them: ProposerConfig.keepCommands; value layout, value.ts), in runs; a
// slot's value is a view of one run or, spanning runs, one copy of the pieces. The queue also
// remembers the highest seq per client queued or in flight in this leadership, so a client's
// retry of a command already on its way is counted as queued, not queued twice.
import { commandClientId, commandSeq, nextCommandAt, NOOP, viewOf, type Value } from './value.js';
import { SafeIntegerMap } from '../util/safe-integer-map.js';

/** A view of no bytes, for the queue's kept batch between calls. */
const NOOP_VIEW = viewOf(NOOP);
/** queuedSeq's mark for a client with nothing queued or in flight: below every seq (seqs start at 1). */
const NOTHING_QUEUED = 0;
/** Idle clients queuedSeq keeps before it forgets them all. */
export const IDLE_CLIENTS_SWEEP_AT = 16_384;

/** Commands queued at the leader: a run of encoded commands inside a buffer a client sent. */
interface PendingRun {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Offset of the first command not yet in a slot. */
  at: number;
  /** Commands from `at` to the end. */
  commands: number;
}

export class CommandQueue {
  private pending: PendingRun[] = [];
  private pendingHead = 0;
  private pendingCommands = 0;
  /** Bytes of the commands waiting for a slot, headers included. */
  private pendingBytes = 0;
  /**
   * Highest seq per client queued or in flight in this leadership: ignores retries of those.
   * NOTHING_QUEUED once its command was chosen. Kept, not deleted: a table that loses and regains
   * most of its keys every slot shrinks and regrows each time (as a Map, that was 77% of the bytes a
   * leader allocated, 256 clients in flight). Swept once IDLE_CLIENTS_SWEEP_AT of them are idle.
   */
  private readonly queuedSeq = new SafeIntegerMap<number>();
  /** Entries of queuedSeq at NOTHING_QUEUED. */
  private idleClients = 0;

  /** The bytes enqueue() was called with, and what keepCommands made of them (once per call, at its first kept run). */
  private keptFrom: Uint8Array | undefined = undefined;
  private kept: Uint8Array = NOOP;
  private keptView: DataView = NOOP_VIEW;

  constructor(
    /** Commands queued at most; beyond this, new ones are dropped (their clients retry). */
    private readonly pendingCommandsMax: number,
    private readonly batchCommandsMax: number,
    private readonly batchBytesMax: number,
    /** A value spanning runs (one copy of its pieces) holds at most this many bytes (ProposerConfig.joinBytesMax). */
    private readonly joinBytesMax: number = Number.POSITIVE_INFINITY,
    /** What the queue keeps of bytes it queues commands from (ProposerConfig.keepCommands). */
    private readonly keepCommands: (commands: Uint8Array) => Uint8Array = (commands) => commands,
  ) {}

  /** Commands waiting for a slot. */
  get commands(): number {
    return this.pendingCommands;
  }

  /** Bytes of the commands waiting for a slot, headers included. */
  get bytes(): number {
    return this.pendingBytes;
  }

  /**
   * Queues the encoded `commands` (kept, not copied). Returns how many count as queued: retries
   * of a command already queued or in flight do, commands beyond pendingCommandsMax do not.
   */
  enqueue(commands: Uint8Array, view: DataView): number {
    this.keptFrom = undefined;
    let queued = 0;
    // Commands to keep form runs; a skipped command (a retry already queued, or no room) ends a run.
    let runStart = 0;
    let runCommands = 0;
    for (let at = 0; at < commands.byteLength; ) {
      const next = nextCommandAt(view, at);
      const clientId = commandClientId(view, at);
      const seq = commandSeq(view, at);
      const known = this.queuedSeq.get(clientId);
      if (known !== undefined && seq <= known) {
        queued++;
      } else if (this.pendingCommands + runCommands < this.pendingCommandsMax) {
        if (known === NOTHING_QUEUED) this.idleClients--;
        this.queuedSeq.set(clientId, seq);
        queued++;
        runCommands++;
        at = next;
        continue;
      }
      this.pushRun(commands, view, runStart, at, runCommands);
      runStart = next;
      runCommands = 0;
      at = next;
    }
    this.pushRun(commands, view, runStart, commands.byteLength, runCommands);
    // Only the runs keep the copy: a batch whose commands all went into slots is garbage then.
    this.keptFrom = undefined;
    this.kept = NOOP;
    this.keptView = NOOP_VIEW;
    return queued;
  }

  /** Visits the bytes of every run with commands still waiting for a slot. */
  forEachRun(visit: (bytes: Uint8Array) => void): void {
    for (let i = this.pendingHead; i < this.pending.length; i++) visit(this.pending[i]!.bytes);
  }

  /**
   * The slot holding `value` was chosen: a later retry of its commands must be queued again, so
   * that the learner sees it as a duplicate and the client gets its (possibly lost)
   * acknowledgement again.
   */
  chosen(value: Value): void {
    const view = viewOf(value);
    for (let at = 0; at < value.byteLength; at = nextCommandAt(view, at)) {
      const clientId = commandClientId(view, at);
      if (this.queuedSeq.get(clientId) === commandSeq(view, at)) {
        this.queuedSeq.set(clientId, NOTHING_QUEUED);
        this.idleClients++;
      }
    }
    if (this.idleClients >= IDLE_CLIENTS_SWEEP_AT) this.sweepIdleClients();
  }

  /** Clients tracked (queued, in flight or idle): bounded by IDLE_CLIENTS_SWEEP_AT beyond the busy ones. */
  get trackedClients(): number {
    return this.queuedSeq.size;
  }

  /** Forgets the idle clients (a client gone for good leaves one): once per IDLE_CLIENTS_SWEEP_AT chosen commands at most. */
  private sweepIdleClients(): void {
    for (const [clientId, seq] of this.queuedSeq) if (seq === NOTHING_QUEUED) this.queuedSeq.delete(clientId);
    this.idleClients = 0;
  }

  /** A leadership begins or ends: what was queued or in flight under it is not known to be on its way any more. */
  forgetQueuedSeqs(): void {
    this.queuedSeq.clear();
    this.idleClients = 0;
  }

  private pushRun(source: Uint8Array, sourceView: DataView, start: number, end: number, commands: number): void {
    if (commands === 0) return;
    // Only bytes with a command kept are copied (a batch of retries only is not), once per batch.
    if (this.keptFrom !== source) {
      this.keptFrom = source;
      this.kept = this.keepCommands(source);
      this.keptView = this.kept === source ? sourceView : viewOf(this.kept);
    }
    const bytes = this.kept;
    const run = start === 0 && end === bytes.byteLength ? bytes : bytes.subarray(start, end);
    this.pending.push({ bytes: run, view: run === bytes ? this.keptView : viewOf(run), at: 0, commands });
    this.pendingCommands += commands;
    this.pendingBytes += end - start;
  }

  /**
   * The next slot's value from the queue: commands in arrival order, up to batchCommandsMax
   * commands and batchBytesMax bytes (one command always goes, so an entry up to the size limit
   * is never stuck). A value within one run is a view of it; one spanning runs is one copy, so it
   * takes from a further run only while the value stays within joinBytesMax (a slot of large
   * entries goes as a view of its run rather than as a copy joined with the next).
   */
  takeBatch(): Value {
    let commandsLeft = this.batchCommandsMax;
    let bytesLeft = this.batchBytesMax;
    let valueBytes = 0;
    let first: Uint8Array | undefined;
    let pieces: Uint8Array[] | undefined;
    while (this.pendingHead < this.pending.length && commandsLeft > 0) {
      if (first !== undefined) {
        const joinRoom = this.joinBytesMax - valueBytes;
        if (joinRoom <= 0) break;
        if (joinRoom < bytesLeft) bytesLeft = joinRoom;
      }
      const run = this.pending[this.pendingHead]!;
      const runBytes = run.bytes.byteLength - run.at;
      let end: number;
      let taken: number;
      if (run.commands <= commandsLeft && runBytes <= bytesLeft) {
        end = run.bytes.byteLength;
        taken = run.commands;
      } else {
        // Split the run at a command boundary: walk the commands that fit.
        end = run.at;
        taken = 0;
        while (taken < commandsLeft && end < run.bytes.byteLength) {
          const next = nextCommandAt(run.view, end);
          if (next - run.at > bytesLeft && !(first === undefined && taken === 0)) break;
          end = next;
          taken++;
        }
        if (taken === 0) break;
      }
      const piece = run.at === 0 && end === run.bytes.byteLength ? run.bytes : run.bytes.subarray(run.at, end);
      if (first === undefined) first = piece;
      else (pieces ??= [first]).push(piece);
      commandsLeft -= taken;
      bytesLeft -= end - run.at;
      valueBytes += end - run.at;
      this.pendingCommands -= taken;
      this.pendingBytes -= end - run.at;
      run.commands -= taken;
      run.at = end;
      if (run.commands > 0) break;
      this.pending[this.pendingHead++] = undefined as unknown as PendingRun;
    }
    // Reclaim the consumed prefix so a queue that never fully drains stays bounded.
    if (this.pendingHead === this.pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    } else if (this.pendingHead >= 1024 && this.pendingHead * 2 >= this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    if (pieces === undefined) return first ?? NOOP;
    let bytes = 0;
    for (const piece of pieces) bytes += piece.byteLength;
    const value = new Uint8Array(bytes);
    let offset = 0;
    for (const piece of pieces) {
      value.set(piece, offset);
      offset += piece.byteLength;
    }
    return value;
  }
}
