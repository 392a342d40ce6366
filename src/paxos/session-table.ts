// The client sessions of exactly-once delivery, kept in one place: per client, the highest seq
// delivered and the logIndex it got.
//
// One table serves both the Learner, which decides what is delivered and what is a duplicate, and
// the LearnerLog, which makes it durable (its records carry each command's client and seq, its
// trims write the table out). They share the object: the learner advances a session as it
// delivers, and the log, trusting deliveries made against its own table, neither looks a client
// up again nor keeps a second copy (before, each kept its own and the log checked every delivery
// against its copy: three lookups a command where one does).
//
// Sharing puts the table ahead of the log between a delivery and its record, so it keeps an undo
// journal while journaling: a record the store refused is undone from the table (rollbackFrom),
// which then again says exactly what the log holds. The journal is cleared at each checkpoint (a
// record that went through), so it holds one batch at most; a table nobody checkpoints (a learner
// on its own) journals nothing.
//
// Pure: no I/O, so it runs in worker actors and in the simulator alike.

import { SafeIntegerMap } from '../util/safe-integer-map.js';

/** A client's session: its highest delivered seq and that command's logIndex. */
export interface Session {
  seq: number;
  logIndex: number;
}

/** [clientId, highest delivered seq, its logIndex]: a session as durable state holds it. */
export type SessionTuple = readonly [number, number, number];

/** What the journal remembers of a client that had no session before an advance. */
const NO_SESSION = -1;
const JOURNAL_INITIAL_ENTRIES = 256;
/** A journal grown past this (a catch-up's batch) is given back at the next checkpoint, not held forever. */
export const JOURNAL_RETAIN_ENTRIES = 4096;

export class SessionTable {
  private readonly sessions = new SafeIntegerMap<Session>();
  private journaling = false;
  // Per advance since the last checkpoint: the client, its session before (seq NO_SESSION: none)
  // and the logIndex it advanced to. Client ids and indexes are safe integers: exact in a double.
  private journalClients!: Float64Array;
  private journalSeqs!: Float64Array;
  private journalLogIndexes!: Float64Array;
  private journalNewLogIndexes!: Float64Array;
  private journalLength = 0;

  constructor() {
    this.resetJournal();
  }

  /** A table holding `sessions` (a durable state's), journaling nothing. */
  static from(sessions: Iterable<SessionTuple>): SessionTable {
    const table = new SessionTable();
    for (const [clientId, seq, logIndex] of sessions) table.set(clientId, seq, logIndex);
    return table;
  }

  /** Clients with a session. */
  get size(): number {
    return this.sessions.size;
  }

  /** Advances not yet checkpointed (what a rollback could undo). */
  get journaled(): number {
    return this.journalLength;
  }

  /** The client's session, or undefined. Read it; change it only through advance(). */
  get(clientId: number): Readonly<Session> | undefined {
    return this.sessions.get(clientId);
  }

  /**
   * The client delivered `seq` at `logIndex`. `session` is what get(clientId) returned (passed in
   * so the hot path looks the client up once). Journaled while journaling.
   */
  advance(clientId: number, seq: number, logIndex: number, session: Readonly<Session> | undefined): void {
    if (this.journaling) this.remember(clientId, session, logIndex);
    if (session === undefined) this.sessions.set(clientId, { seq, logIndex });
    else {
      const writable = session as Session;
      writable.seq = seq;
      writable.logIndex = logIndex;
    }
  }

  /** Sets a session as durable state says it is (a replay, a snapshot); not journaled. */
  set(clientId: number, seq: number, logIndex: number): void {
    const session = this.sessions.get(clientId);
    if (session === undefined) this.sessions.set(clientId, { seq, logIndex });
    else {
      session.seq = seq;
      session.logIndex = logIndex;
    }
  }

  /** Everything so far is recorded: forget the journal, and from now on journal every advance. */
  checkpoint(): void {
    this.journaling = true;
    this.journalLength = 0;
    if (this.journalClients.length > JOURNAL_RETAIN_ENTRIES) this.resetJournal();
  }

  /**
   * Undoes, newest first, every advance since the last checkpoint to a logIndex at or above
   * `logIndex` (a log's length: what it did record stays). Returns how many it undid.
   */
  rollbackFrom(logIndex: number): number {
    let undone = 0;
    while (this.journalLength > 0 && this.journalNewLogIndexes[this.journalLength - 1]! >= logIndex) {
      const at = --this.journalLength;
      const clientId = this.journalClients[at]!;
      const seq = this.journalSeqs[at]!;
      if (seq === NO_SESSION) this.sessions.delete(clientId);
      else this.set(clientId, seq, this.journalLogIndexes[at]!);
      undone++;
    }
    return undone;
  }

  clear(): void {
    this.sessions.clear();
    this.journalLength = 0;
  }

  /** Every session as [clientId, seq, logIndex] (cold paths: a snapshot, a trim). */
  *entries(): IterableIterator<SessionTuple> {
    for (const [clientId, session] of this.sessions) yield [clientId, session.seq, session.logIndex];
  }

  [Symbol.iterator](): IterableIterator<SessionTuple> {
    return this.entries();
  }

  private remember(clientId: number, session: Readonly<Session> | undefined, newLogIndex: number): void {
    if (this.journalLength === this.journalClients.length) this.growJournal();
    const at = this.journalLength++;
    this.journalClients[at] = clientId;
    this.journalSeqs[at] = session === undefined ? NO_SESSION : session.seq;
    this.journalLogIndexes[at] = session === undefined ? 0 : session.logIndex;
    this.journalNewLogIndexes[at] = newLogIndex;
  }

  private resetJournal(): void {
    this.journalClients = new Float64Array(JOURNAL_INITIAL_ENTRIES);
    this.journalSeqs = new Float64Array(JOURNAL_INITIAL_ENTRIES);
    this.journalLogIndexes = new Float64Array(JOURNAL_INITIAL_ENTRIES);
    this.journalNewLogIndexes = new Float64Array(JOURNAL_INITIAL_ENTRIES);
  }

  private growJournal(): void {
    const grown = (old: Float64Array): Float64Array => {
      const bigger = new Float64Array(old.length * 2);
      bigger.set(old);
      return bigger;
    };
    this.journalClients = grown(this.journalClients);
    this.journalSeqs = grown(this.journalSeqs);
    this.journalLogIndexes = grown(this.journalLogIndexes);
    this.journalNewLogIndexes = grown(this.journalNewLogIndexes);
  }
}
