// The append side of a log client as a pure state machine: sessions and exactly-once sequence
// numbers, per-turn batching, leader routing, NewLeader, resends, timeouts and disk failures. No
// timers, no promises, no I/O: the caller passes the time, hands it every message, calls sweep()
// every few ms and flush() at the end of each turn, and hears the outcomes through its sink.
// LogClient wraps it for the runtime (promises, AbortSignal, an interval, an Endpoint); the
// simulator runs it as many simulated clients.
//
// Exactly once across retries: each append runs in a session (client id = generation, endpoint
// id and a session number) with the next sequence number of that session, and the learners
// deliver a (client id, seq) once however often it was proposed. A session has one append in
// flight at a time, which is what the learner's duplicate check assumes, so the number of
// sessions bounds the appends in flight (inflightAppendsMax): further appends wait for a free
// session. A session whose append was given up on (timed out, aborted, failed by the disk) is
// reused with its next sequence number: the abandoned command may still commit, before the next
// one or never (a learner that delivered seq n+1 drops a late seq n as old), but it can never be
// confused with it. Session numbers therefore stay below inflightAppendsMax (< 2^16), and client
// ids, which pack the session into 16 bits beside the endpoint id, never run into another
// endpoint's however many appends are abandoned.
import { MessageType, type ClientReplyMessage, type RedirectMessage } from '../paxos/index.js';
import { storageErrorOfReport } from '../storage/storage-error.js';
import { AppendTimeoutError, LogClosedError } from './errors.js';
import { ACK_RANGE_NUMBERS } from './ack-ranges.js';
import { CommandBatchWriter, type SharedCommandMemory, type Slab } from './command-batch.js';
import { ResendTimeout } from './resend-timeout.js';
import { SentAppends } from './sent-appends.js';
import { NumberFifo } from '../util/number-fifo.js';
import { ReusedList } from '../util/reused-list.js';
import { RUNTIME_TIMINGS } from './timings.js';
import {
  LogMessageType,
  SESSIONS_PER_ENDPOINT,
  clientIdOf,
  type ClientReplyBatchMessage,
  type ClientRequestBatchMessage,
  type NewLeaderMessage,
  type StorageFailureMessage,
} from './wire.js';

export interface AppendCoreOptions {
  /** This connection's generation (connection-generations.ts): part of every client id. */
  readonly generation: number;
  /** The id this client sends from and is answered at. */
  readonly endpointId: number;
  readonly proposers: readonly number[];
  readonly inflightAppendsMax: number;
  readonly appendTimeoutMs: number;
  /** Resend an unanswered append (to the next proposer) after this long. */
  readonly resendAfterMs: number;
  /** Encoded commands per ClientRequestBatch (LogLimits.requestBatchBytesMax). */
  readonly requestBatchBytesMax: number;
  /**
   * What a sweep in silence sends on: 'one' (default), one append to another proposer, a probe
   * (see sweep(); with a single proposer, all); 'all', every append past its timeout. The
   * simulator's clients send all: more copies in flight at a leader change is a harsher test of
   * the protocol (its deliberate bugs show within the seeds its tests give them), and the log's
   * clients are the ones that pay for the copies.
   */
  readonly resendInSilence?: 'one' | 'all';
  /**
   * Shared memory to write commands into, which the sink's mailbox sends by reference (the log's
   * client: its endpoint's value slab); the owner of that memory must visit what
   * visitSharedCommands() visits. None: private memory, copied into the mailbox (the simulator).
   */
  readonly sharedCommandMemory?: SharedCommandMemory;
}

/** Memory a message's binary fields view, kept from being written over while held (a CommandBatchWriter's Slab). */
export interface BytesHolder {
  hold(): void;
  release(): void;
}

/** What the core does to the world: send a message, settle an append. `T` is the caller's handle of one append. */
export interface AppendCoreSink<T> {
  /**
   * Sends `message`, taking what it needs before it returns: its binary fields may be views of
   * buffers the core reuses (a mailbox encodes at once). Or, where `fields` is given (the holder
   * of the memory those fields view), a send that must wait for room may keep the message as it
   * is: it calls fields.hold() then, and fields.release() once the message is written or given up,
   * and the core writes nothing over held bytes.
   */
  send(to: number, message: unknown, fields?: BytesHolder): void;
  /** The append of `token` got its session's next sequence number: it is the command (`clientId`, `seq`) from now on. */
  started?(token: T, clientId: number, seq: number): void;
  /** An append went out again (a resend timeout, a loss seen, a redirect, a new leader, a failed send): once per send after its first. */
  resent?(): void;
  /** The append of `token` committed at `logIndex` (its first index, for a reservation). */
  resolved(token: T, logIndex: number): void;
  /** The append of `token` failed; whether its command may still commit is the error's to say. */
  rejected(token: T, error: Error): void;
  /**
   * A proposer announced it leads (NewLeader) with `ballot` (undefined: not said): every
   * announcement, the same leader again included, but one overtaken by a higher ballot's.
   */
  leaderAnnounced?(leader: number, ballot: number | undefined): void;
  /** Roles began reporting a disk failure (`failure`), or it is over (undefined): commits flow again, or nobody reported it for RUNTIME_TIMINGS.storageFailureStaleMs. */
  storageFailureChanged?(failure: StorageFailureMessage | undefined): void;
}

/** A settled append's bytes: it holds none. */
const RELEASED_BYTES = new Uint8Array(0);

const WAITING = 0;
const SENT = 1;
const SETTLED = 2;

/**
 * One append from submit() to its outcome: waiting for a session, then sent (with its command's
 * id), then settled or given up. submit() hands it back as the caller's ticket for abort(), so
 * no lookup by token is needed on the way.
 */
interface PendingAppend<T> {
  /** The caller's; undefined once settled (see settle()). */
  token: T | undefined;
  count: number;
  /**
   * The entry's bytes, never the caller's buffer past submit() (the caller may reuse it at once):
   * once sent, the slab of the batch it was written into, not written again while this append
   * holds it (`slab`); while it waits for a session, a copy. `dataOffset` and `dataBytes` say
   * where in it.
   */
  data: Uint8Array;
  dataOffset: number;
  dataBytes: number;
  /** The slab `data` is, held once by this append while it is (released when it settles or is written elsewhere). */
  slab: Slab | undefined;
  state: typeof WAITING | typeof SENT | typeof SETTLED;
  /** The command, written into a ClientRequestBatch each time it is sent (again on a retry); set when sent. */
  clientId: number;
  seq: number;
  session: number;
  startedMs: number;
  sentMs: number;
  target: number;
  /** Its last send failed (the mailbox stayed full), or nobody led: the next sweep sends it again. */
  resendNow: boolean;
  /** The client-wide number of its last send (sends are numbered in the order they go out). */
  sendNumber: number;
  /**
   * Where its last send went, and the number of its earliest copy there known (see
   * acknowledged()): its first send, if that went there too (an append sent on in a silence and
   * redirected back to the leader), else its first send there since it last went elsewhere.
   */
  sentTo: number;
  firstSendNumberThere: number;
  /** Where its first send went, and that send's number. */
  firstSentTo: number;
  firstSendNumber: number;
  /** It was sent to more than one proposer: its acknowledgement does not say which of them leads (see acknowledged()). */
  sentElsewhere: boolean;
  /** SentAppends' links, in the order appends were sent. */
  sentPrev: PendingAppend<T> | undefined;
  sentNext: PendingAppend<T> | undefined;
}

/**
 * Settled records kept for reuse, at most: enough for the appends a client keeps in flight in a
 * closed loop, while a burst of tens of thousands (inflightAppendsMax goes to 65,535) leaves no
 * more than this behind for the life of the connection (about 200 bytes a record).
 */
const RECORDS_KEPT_MAX = 4096;

/** A record with every field set (to what submit() sets anew), so all records share one shape. */
function newPendingAppend<T>(): PendingAppend<T> {
  return {
    token: undefined,
    data: RELEASED_BYTES,
    dataOffset: 0,
    dataBytes: 0,
    slab: undefined,
    count: 0,
    state: SETTLED,
    clientId: -1,
    seq: 0,
    session: -1,
    startedMs: 0,
    sentMs: 0,
    target: -1,
    resendNow: false,
    sendNumber: -1,
    sentTo: -1,
    firstSendNumberThere: -1,
    firstSentTo: -1,
    firstSendNumber: -1,
    sentElsewhere: false,
    sentPrev: undefined,
    sentNext: undefined,
  };
}

/** What submit() returns: the handle abort() takes. */
export interface AppendTicket<T> {
  /** The token submit() was given, until the append settles. */
  readonly token: T | undefined;
}

/** How abort() found an append: never sent (it cannot commit), sent (it may), or not there. */
export type AbortOutcome = 'unsent' | 'sent' | 'unknown';

export class AppendCore<T> {
  /**
   * Records of settled appends, reused by submit(): a record a fresh object per append was 200
   * bytes of the caller's garbage (V8's sampling heap profiler). Settled ones wait in
   * settledRecords until the end of the turn (recycleSettled()); at most RECORDS_KEPT_MAX of each.
   */
  private readonly freeRecords: Array<PendingAppend<T> | undefined> = [];
  private freeRecordCount = 0;
  private readonly settledRecords = new ReusedList<PendingAppend<T>>();
  /** Sent appends (one per session), found by client id, walked in the order they were sent. */
  private readonly pending = new SentAppends<PendingAppend<T>>((clientId) => this.sessionOfClientId(clientId));
  private readonly waiting: PendingAppend<T>[] = [];
  /**
   * Sessions free to take, oldest freed first: reused in the order their
   * appends resolved, the sessions of a closed loop stay in step and in order, so a slot holds
   * them as consecutive client ids at one seq, and the learner acknowledges them as one range
   * (ack-ranges.ts). Taken newest first, each round reversed their order, and no two were ever
   * acknowledged together.
   */
  private readonly freeSessions = new NumberFifo();
  private readonly sessionSeq: number[] = [];
  /** Protected, like takeSession and clientIdFor, for one reader: the simulator's deliberately broken client. */
  protected nextSessionNumber = 0;
  private leaderGuess: number;
  /** The highest ballot a NewLeader announced (0: none yet): an announcement below it is stale. */
  private announcedBallot = 0;
  /** Commands to send per proposer at the next flush, already encoded. */
  private readonly outgoing = new Map<number, CommandBatchWriter>();
  private outgoingCommands = 0;
  /** Disk failures roles are reporting (each repeats its report while it lasts): since when, and the latest. */
  private storageFailure: { failure: StorageFailureMessage; sinceMs: number; lastMs: number } | undefined;
  /** When an append last resolved: commits are flowing, so the leader guessed is alive. */
  private lastAcknowledgedMs = Number.NEGATIVE_INFINITY;
  private readonly sendsAllInSilence: boolean;
  /** Where this silence's last probe went (sendProbe()), until the next acknowledgement (silenceOver()); -1: none. */
  private silenceProbeTo = -1;
  /** That probe, by its command (a record is reused once settled). */
  private silenceProbeClientId = -1;
  private silenceProbeSeq = -1;
  private readonly resendTimeout: ResendTimeout;
  /** Numbers the sends (request()), so that an acknowledgement says which earlier sends it overtook. */
  private sendsNumbered = 0;
  /**
   * Per proposer: every append sent there with a lower send number than this was decided (see
   * acknowledged()); one still pending was lost on the way, and goes again at the next sweep.
   */
  private readonly decidedBelow = new Map<number, number>();
  /**
   * Per proposer: when a send that had waited for room in its full mailbox last went in (see
   * mailboxProgressed()). Until then nothing sent there after it has even been read, and since
   * then the proposer reads what waits as fast as it can: an append sent there is slow, not lost.
   */
  private readonly mailboxProgressMs = new Map<number, number>();
  private closed = false;

  constructor(
    private readonly options: AppendCoreOptions,
    private readonly sink: AppendCoreSink<T>,
  ) {
    this.leaderGuess = options.proposers[0]!;
    this.resendTimeout = new ResendTimeout(options.resendAfterMs);
    this.sendsAllInSilence = options.resendInSilence === 'all';
  }

  /** Appends sent and not settled. */
  get inflight(): number {
    return this.pending.size;
  }

  /** Visits the shared memory (sharedCommandMemory) that commands written, sent or waiting still occupy. */
  visitSharedCommands(visit: (bytes: Uint8Array) => void): void {
    for (const writer of this.outgoing.values()) writer.visitShared(visit);
  }

  /** Appends waiting for a free session. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Commands queued for the next flush. */
  get hasOutgoing(): boolean {
    return this.outgoingCommands > 0;
  }

  /**
   * Starts an append of `data` taking `count` indexes (1, or a reservation's size); it goes out at
   * the next flush. The ticket is for abort().
   */
  submit(token: T, data: Uint8Array, count: number, nowMs: number): AppendTicket<T> {
    const append = this.freeRecordCount > 0 ? this.takeFreeRecord() : newPendingAppend<T>();
    append.token = token;
    append.data = data;
    append.dataOffset = 0;
    append.dataBytes = data.byteLength;
    append.count = count;
    append.state = WAITING;
    append.clientId = -1;
    append.seq = 0;
    append.session = -1;
    append.startedMs = append.sentMs = nowMs;
    append.target = -1;
    append.resendNow = false;
    append.sendNumber = append.sentTo = append.firstSendNumberThere = append.firstSentTo = append.firstSendNumber = -1;
    append.sentElsewhere = false;
    append.sentPrev = append.sentNext = undefined;
    if (this.closed) {
      this.sink.rejected(this.settle(append), new LogClosedError());
      return append;
    }
    const session = this.takeSession();
    // Started, it is written into a batch now (request()), and keeps that copy; waiting, it
    // copies the caller's bytes, which the caller may overwrite as soon as this returns.
    if (session >= 0) this.start(append, session, nowMs);
    else {
      append.data = new Uint8Array(data); // a copy, a plain Uint8Array even of a Buffer or a SharedArrayBuffer
      this.waiting.push(append);
    }
    return append;
  }

  /**
   * Gives up on an append (its caller aborted): the core forgets it and settles nothing. `token`
   * is the one submit() was given: a ticket whose append settled may hold another's by now.
   */
  abort(ticket: AppendTicket<T>, token: T, nowMs: number): AbortOutcome {
    const append = ticket as PendingAppend<T>;
    if (append.token !== token) return 'unknown';
    if (append.state === SENT) {
      this.abandon(append, nowMs);
      return 'sent';
    }
    if (append.state !== WAITING) return 'unknown';
    this.settle(append);
    // Aborts are rare, and the queue is at most inflightAppendsMax long.
    this.waiting.splice(this.waiting.indexOf(append), 1);
    return 'unsent';
  }

  /** Every message the client's endpoint receives that is about appends; false if it was not. */
  onMessage(message: { type: number; from?: number }, nowMs: number): boolean {
    switch (message.type) {
      case LogMessageType.ClientReplyBatch: {
        // The ranges of ack-ranges.ts, walked here without a callback: this is every append's acknowledgement.
        const { ranges } = message as ClientReplyBatchMessage;
        for (let at = 0; at + ACK_RANGE_NUMBERS <= ranges.length; at += ACK_RANGE_NUMBERS) {
          const firstClientId = ranges[at]!;
          const seq = ranges[at + 1]!;
          const count = ranges[at + 2]!;
          const firstIndex = ranges[at + 3]!;
          for (let j = 0; j < count; j++) this.acknowledged(firstClientId + j, seq, firstIndex + j, nowMs);
        }
        return true;
      }
      case MessageType.ClientReply: {
        const reply = message as ClientReplyMessage;
        this.acknowledged(reply.clientId, reply.seq, reply.logIndex, nowMs);
        return true;
      }
      case MessageType.Redirect: {
        const redirect = message as RedirectMessage;
        const pending = this.pending.get(redirect.clientId);
        if (pending === undefined || pending.seq !== redirect.seq) return true;
        // Follow the hint unless it points back where we just were; without one, try the next proposer.
        const hint = redirect.leaderHint;
        const next = hint >= 0 && hint !== pending.target ? hint : this.nextProposer(pending.target);
        this.leaderGuess = next;
        pending.target = next;
        if (hint >= 0 && hint !== redirect.from) {
          pending.sentMs = nowMs;
          this.request(next, pending);
        } else {
          // Nobody leads yet: leave it to the next sweep, rather than spin on redirects.
          pending.resendNow = true;
        }
        return true;
      }
      case LogMessageType.NewLeader: {
        const { from, ballot } = message as NewLeaderMessage;
        // Two proposers' announcements come on two mailboxes, drained in turn: the one that took
        // over may be read first. The older leader's, read after it, is stale (it has heard of the
        // higher ballot by now, or will at its next Accept): routing by it would send everything
        // to a proposer that redirects it back, and the log's status would name it leader.
        if (ballot !== undefined) {
          if (ballot < this.announcedBallot) return true;
          this.announcedBallot = ballot;
        }
        // Everything waiting goes to the new leader now; learners deliver each (client, seq) once.
        this.leaderGuess = from;
        this.sink.leaderAnnounced?.(from, ballot);
        for (let pending = this.pending.first; pending !== undefined; pending = pending.sentNext) {
          pending.target = this.leaderGuess;
          pending.sentMs = nowMs;
          this.request(pending.target, pending);
        }
        return true;
      }
      case LogMessageType.StorageFailure: {
        const failure = message as StorageFailureMessage;
        if (this.storageFailure === undefined) {
          this.storageFailure = { failure, sinceMs: nowMs, lastMs: nowMs };
          this.sink.storageFailureChanged?.(failure);
        } else {
          this.storageFailure.failure = failure;
          this.storageFailure.lastMs = nowMs;
        }
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Resends the appends that were lost, and fails the hopeless. While commits flow (the leader
   * guessed is alive), time says nothing: an append may wait behind many others (256 appends of
   * 64 KiB take hundreds of ms to commit), and resending those on a timeout carried every such
   * entry again, cutting throughput by half. Loss shows instead as an append overtaken by a later
   * one (see acknowledged()), which is sent again to the leader at once; only an append sent
   * elsewhere than the leader waits for the timeout. In silence, an append goes on to the next
   * proposer once nobody answered it within the ResendTimeout (which follows how long appends
   * take), as a lost tail does: no later append overtakes it. Where there is another proposer to
   * try, one append a sweep goes there, a probe (sendProbe()), and the guess stays: a leader may
   * be alive and only slow to its first commit (a cold burst of 1,024 appends of 64 KiB, threads
   * still compiling, stores growing into fresh memory), and the whole burst sent to the standby
   * (which redirects it back) doubled the work just then. Once the probe is answered there, the
   * rest follow at once (silenceOver()).
   */
  sweep(nowMs: number): void {
    if (this.closed) return;
    // Roles report a disk that refuses writes: an append that has waited a grace period into such
    // a failure (a majority elsewhere may still be fine) fails with the disk's error.
    if (this.storageFailure !== undefined && nowMs - this.storageFailure.lastMs > RUNTIME_TIMINGS.storageFailureStaleMs) this.storageFailureOver();
    const storage = this.storageFailure;
    const graceMs = RUNTIME_TIMINGS.storageFailureGraceMs;
    const failBefore = storage !== undefined && nowMs - storage.sinceMs >= graceMs ? nowMs - graceMs : Number.NEGATIVE_INFINITY;
    const timeoutMs = this.resendTimeout.currentMs;
    // Commits flowing: the leader guessed is alive. Silence: it may be gone.
    const leaderAlive = nowMs - this.lastAcknowledgedMs < this.options.resendAfterMs;
    let resentInSilence = false;
    // In silence with another proposer to try: the newest append past its timeout is the probe.
    const probing = !leaderAlive && !this.sendsAllInSilence && this.options.proposers.length > 1;
    let probe: PendingAppend<T> | undefined;
    for (let pending = this.pending.first; pending !== undefined; pending = pending.sentNext) {
      // One abandoned below is removed where the walk stands: its link still leads on.
      if (!this.pending.has(pending)) continue;
      if (pending.startedMs < failBefore) {
        const token = this.abandon(pending, nowMs);
        this.sink.rejected(token, storageErrorOfReport(storage!.failure));
        continue; // its command may still commit
      }
      if (nowMs - pending.startedMs >= this.options.appendTimeoutMs) {
        const token = this.abandon(pending, nowMs);
        this.sink.rejected(token, new AppendTimeoutError(this.options.appendTimeoutMs));
        continue; // its command may still commit
      }
      // Its clock starts when it was sent, or later if sends to that proposer waited for room since
      // (looked up only for an append past its timeout: the sweep walks every append in flight).
      const timedOut = nowMs - pending.sentMs >= timeoutMs && nowMs - (this.mailboxProgressMs.get(pending.sentTo) ?? Number.NEGATIVE_INFINITY) >= timeoutMs;
      if (probing && timedOut && !pending.resendNow) {
        probe = pending;
        continue;
      }
      const lost = leaderAlive ? this.overtaken(pending) || (timedOut && pending.target !== this.leaderGuess) : timedOut;
      if (pending.resendNow || lost) {
        pending.resendNow = false;
        resentInSilence ||= !leaderAlive;
        if (leaderAlive) pending.target = this.leaderGuess;
        else {
          pending.target = pending.target === this.leaderGuess ? this.nextProposer(pending.target) : this.leaderGuess;
          this.leaderGuess = pending.target;
        }
        pending.sentMs = nowMs;
        this.request(pending.target, pending);
      }
    }
    if (probe !== undefined) {
      this.sendProbe(probe, nowMs);
      resentInSilence = true;
    }
    if (resentInSilence) this.resendTimeout.backOff();
  }

  /**
   * Sends `probe` alone to the proposer after the last one probed in this silence (after the
   * guess at first), leaving the guess and every other append where they are. The newest append
   * past its timeout: a leader that is alive answers a client's appends in the order they came,
   * so it answers older ones before it, and the first answer after the silence is not the
   * probe's (silenceOver() then takes the leader for alive). With one proposer there is nobody
   * else to ask: what timed out goes again, all of it (a restarted proposer lost its queue).
   */
  private sendProbe(probe: PendingAppend<T>, nowMs: number): void {
    const to = this.nextProposer(this.silenceProbeTo >= 0 ? this.silenceProbeTo : this.leaderGuess);
    this.silenceProbeTo = to;
    this.silenceProbeClientId = probe.clientId;
    this.silenceProbeSeq = probe.seq;
    probe.target = to;
    probe.sentMs = nowMs;
    this.request(to, probe);
  }

  /** Sends what this turn queued: one ClientRequestBatch per proposer (more if it is large). */
  flush(): void {
    this.recycleSettled();
    if (this.outgoingCommands === 0) return;
    this.outgoingCommands = 0;
    for (const [proposer, writer] of this.outgoing) {
      if (writer.isEmpty) continue;
      writer.drain((commands, slab) => {
        const batch: ClientRequestBatchMessage = { type: LogMessageType.ClientRequestBatch, from: this.options.endpointId, commands };
        this.sink.send(proposer, batch, slab);
      });
    }
  }

  /** Fails every append, sent or waiting, with `error`; later submits fail with LogClosedError. */
  close(error: Error = new LogClosedError()): void {
    if (this.closed) return;
    this.closed = true;
    const appends = [...this.pending.toArray(), ...this.waiting.splice(0)];
    this.pending.clear();
    const tokens = appends.map((append) => this.settle(append));
    for (const token of tokens) this.sink.rejected(token, error);
  }

  // ---- internals ----

  private start(append: PendingAppend<T>, session: number, nowMs: number): void {
    append.seq = this.sessionSeq[session] = (this.sessionSeq[session] ?? 0) + 1;
    append.clientId = this.clientIdFor(session);
    append.session = session;
    append.state = SENT;
    append.startedMs = append.sentMs = nowMs;
    append.target = this.leaderGuess;
    this.pending.add(append);
    this.sink.started?.(append.token!, append.clientId, append.seq);
    this.request(append.target, append);
  }

  /** The client id of a session: generation, endpoint and session packed so that no two clients' ids meet. */
  protected clientIdFor(session: number): number {
    return clientIdOf(this.options.generation, this.options.endpointId, session);
  }

  /** The session of one of this client's ids (clientIdFor's inverse; the session is the low field). */
  protected sessionOfClientId(clientId: number): number {
    return clientId % SESSIONS_PER_ENDPOINT;
  }

  protected takeSession(): number {
    const free = this.freeSessions.shift();
    if (free !== undefined) return free;
    if (this.pending.size + this.waiting.length >= this.options.inflightAppendsMax) return -1;
    return this.nextSessionNumber++;
  }

  /** Gives up on a sent append (its outcome unknown); its session goes on with its next seq. Returns its token. */
  private abandon(pending: PendingAppend<T>, nowMs: number): T {
    const token = this.settle(pending);
    this.pending.remove(pending);
    this.releaseSession(pending.session, nowMs);
    return token;
  }

  /**
   * Marks `append` settled and lets go of what it held (the caller's token, the bytes); returns
   * the token. Why let go: a settled record can still be reachable from dead objects that reached
   * the old generation (a table the pending map outgrew, say) until the next full GC, and so kept
   * the caller's promise, settlers and slab alive through every scavenge, which promoted them, and
   * more full GCs followed. Measured on the caller's thread (16 B x 256 in flight): promoted bytes
   * per scavenge 289 -> 105 KB (1 MiB semi-space), full GCs 17 -> 9 per 1M appends.
   */
  private settle(append: PendingAppend<T>): T {
    const token = append.token!;
    append.state = SETTLED;
    append.token = undefined;
    append.data = RELEASED_BYTES;
    if (append.slab !== undefined) {
      append.slab.release();
      append.slab = undefined;
    }
    if (this.settledRecords.length < RECORDS_KEPT_MAX) this.settledRecords.push(append);
    return token;
  }

  /**
   * Settled records go back to submit() here, at the end of a turn, never sooner: a walk over the
   * sent appends (sweep) may stand on one it just settled, and a sink that submits from its
   * callback would otherwise get that very record back mid-walk. A caller's ticket to a reused
   * record names another token (AppendTicket.token), which is how a late abort tells.
   */
  private recycleSettled(): void {
    const settled = this.settledRecords;
    const keep = Math.min(settled.length, RECORDS_KEPT_MAX - this.freeRecordCount);
    for (let i = 0; i < keep; i++) this.freeRecords[this.freeRecordCount++] = settled.get(i);
    settled.clear();
  }

  /** A record of the free stack, counted so: an array's pop() gives up its backing store as it empties. */
  private takeFreeRecord(): PendingAppend<T> {
    const record = this.freeRecords[--this.freeRecordCount]!;
    this.freeRecords[this.freeRecordCount] = undefined;
    return record;
  }

  private releaseSession(session: number, nowMs: number): void {
    const waiting = this.waiting.shift();
    if (waiting !== undefined) this.start(waiting, session, nowMs);
    else this.freeSessions.push(session);
  }

  /**
   * Queues a command for `proposer`; everything queued until the next flush goes out as one batch.
   * The append points at the copy written into the batch from now on (see CommandBatchWriter), so
   * a resend sends the bytes of the call, and an older slab can go once nothing points into it.
   */
  private request(proposer: number, pending: PendingAppend<T>): void {
    if (pending.sendNumber >= 0) this.sink.resent?.();
    pending.sendNumber = this.sendsNumbered++;
    if (pending.firstSentTo === -1) {
      pending.firstSentTo = proposer;
      pending.firstSendNumber = pending.sendNumber;
    }
    if (proposer !== pending.sentTo) {
      if (pending.sentTo !== -1) pending.sentElsewhere = true;
      pending.sentTo = proposer;
      // Back where its first copy went, that copy may be the one decided: taking the later send
      // for the earliest there took every append sent between them for lost.
      pending.firstSendNumberThere = proposer === pending.firstSentTo ? pending.firstSendNumber : pending.sendNumber;
    }
    let writer = this.outgoing.get(proposer);
    if (writer === undefined) this.outgoing.set(proposer, (writer = new CommandBatchWriter(this.options.requestBatchBytesMax, this.options.sharedCommandMemory)));
    // Not yet written into a slab, `data` is the caller's bytes (or a copy of them), whole; once
    // written, a view of the slab (of a growable buffer: its byteLength is not read inline).
    const data = pending.slab === undefined ? pending.data : pending.data.subarray(pending.dataOffset, pending.dataOffset + pending.dataBytes);
    const previous = pending.slab;
    pending.dataOffset = writer.add(pending.clientId, pending.seq, pending.count, data);
    pending.slab = writer.slab;
    pending.data = pending.slab.bytes;
    // A resend wrote it again: the slab it was read from may be written over once nobody holds it.
    previous?.release();
    this.outgoingCommands++;
  }

  /**
   * An append resolved. A proposer queues one client's commands in the order they arrive and
   * learners deliver slots in order, so every append sent to the same proposer before this one
   * was decided first: resolved already, or lost (dropped by a proposer that stopped leading or
   * had no room, or its slot filled by a no-op). Which of this append's copies was delivered is
   * not known, so only sends before its first one there count (as TCP's Karn rule trusts no
   * retransmitted segment): a wrong guess costs a resend, never an entry.
   */
  private acknowledged(clientId: number, seq: number, logIndex: number, nowMs: number): void {
    const pending = this.pending.get(clientId);
    if (pending === undefined || pending.seq !== seq) return; // another learner's ack, or a late one
    if (pending.firstSendNumberThere > (this.decidedBelow.get(pending.sentTo) ?? -1)) this.decidedBelow.set(pending.sentTo, pending.firstSendNumberThere);
    if (this.storageFailure !== undefined) this.storageFailureOver(); // commits go through again
    if (this.silenceProbeTo >= 0) this.silenceOver(pending);
    this.lastAcknowledgedMs = nowMs;
    this.resendTimeout.resolved(nowMs - pending.startedMs);
    const token = this.settle(pending);
    this.pending.remove(pending);
    // Which proposer's copy was chosen is known only if it went to one (Karn's rule again). A
    // guess taken from an append also sent elsewhere (the standby, in a silence) sent the appends
    // after it there, to be redirected back: with 4096 appends of 64 KiB in flight, 46,000 resends.
    if (!pending.sentElsewhere) this.leaderGuess = pending.target;
    this.releaseSession(pending.session, nowMs);
    this.sink.resolved(token, logIndex);
  }

  /**
   * The first acknowledgement after a silence with a probe. The probe's own, and it was not
   * redirected from where it went: that proposer leads now (the old leader is taken for gone),
   * and everything sent elsewhere goes there at the next sweep (else one probe a silence, and the
   * first commit after a silence stretches the timeout). Any other append's: the leader guessed
   * was only slow, and everything stays where it is.
   */
  private silenceOver(answered: PendingAppend<T>): void {
    if (answered.clientId === this.silenceProbeClientId && answered.seq === this.silenceProbeSeq && answered.target === this.silenceProbeTo) {
      this.leaderGuess = this.silenceProbeTo;
      for (let pending = this.pending.first; pending !== undefined; pending = pending.sentNext) {
        if (pending !== answered && pending.target !== this.leaderGuess) pending.resendNow = true;
      }
    }
    this.silenceProbeTo = -1;
  }

  private storageFailureOver(): void {
    this.storageFailure = undefined;
    this.sink.storageFailureChanged?.(undefined);
  }

  /** A later append sent to the same proposer was delivered first: this one was lost (see acknowledged()). */
  private overtaken(pending: PendingAppend<T>): boolean {
    return pending.sendNumber < (this.decidedBelow.get(pending.sentTo) ?? -1);
  }

  /**
   * A send to `proposer` that had waited for room in its mailbox went in at `nowMs`: the proposer
   * is reading, behind on a burst (thousands of large appends at once). Appends sent there time
   * out from now at the earliest: while it works through the ones before them, resending them
   * (above all in a silence, before the first acknowledgement) only queued more copies behind
   * them, and with 4096 appends of 64 KiB in flight throughput fell to tens a second.
   */
  mailboxProgressed(proposer: number, nowMs: number): void {
    this.mailboxProgressMs.set(proposer, nowMs);
  }

  /** A send to `proposer` failed (its mailbox stayed full): what was sent there goes again at the next sweep. */
  sendFailed(proposer: number): void {
    for (let pending = this.pending.first; pending !== undefined; pending = pending.sentNext) if (pending.target === proposer) pending.resendNow = true;
  }

  /** How long an append goes unanswered before it is sent again (before any backoff). */
  get resendTimeoutMs(): number {
    return this.resendTimeout.estimateMs;
  }

  private nextProposer(after: number): number {
    const proposers = this.options.proposers;
    return proposers[(proposers.indexOf(after) + 1) % proposers.length]!;
  }
}
