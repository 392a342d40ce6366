// The appends a client has sent and not settled: one per session at most, found by client id,
// walked in the order they were sent. A Map keyed by client id did this, and allocated about 85
// bytes an append on the caller's thread (its hash tables rebuilt as deletions piled up; V8's
// sampling heap profiler, 256 appends of 16 B in flight): here a session's slot in an array
// finds it, and links of the records' own keep the order, so adding and removing allocate nothing.

/** What SentAppends needs of a record: its session and client id, and two links it keeps for it. */
export interface SentLinks<R> {
  readonly session: number;
  readonly clientId: number;
  sentPrev: R | undefined;
  sentNext: R | undefined;
}

export class SentAppends<R extends SentLinks<R>> {
  private readonly bySession: Array<R | undefined> = [];
  private head: R | undefined = undefined;
  private tail: R | undefined = undefined;
  private count = 0;

  /** `sessionOf` reads the session out of a client id (an append core's packing). */
  constructor(private readonly sessionOf: (clientId: number) => number) {}

  get size(): number {
    return this.count;
  }

  /** The oldest sent; walk on with `sentNext`, read before the record may be removed (see remove()). */
  get first(): R | undefined {
    return this.head;
  }

  /** The sent append of `clientId`, or undefined (settled, or never this client's). */
  get(clientId: number): R | undefined {
    const record = this.bySession[this.sessionOf(clientId)];
    return record !== undefined && record.clientId === clientId ? record : undefined;
  }

  /** Whether `record` is here (a walk skips one removed while it stood before it). */
  has(record: R): boolean {
    return this.bySession[record.session] === record;
  }

  /** Adds `record` as the newest; its session must have no append here (a session has one in flight). */
  add(record: R): void {
    if (this.bySession[record.session] !== undefined) throw new Error(`session ${record.session} already has an append in flight`);
    this.bySession[record.session] = record;
    record.sentPrev = this.tail;
    record.sentNext = undefined;
    if (this.tail === undefined) this.head = record;
    else this.tail.sentNext = record;
    this.tail = record;
    this.count++;
  }

  /**
   * Removes `record`. Its own `sentNext` is left as it was, so a walk that removes the record it
   * stands on goes on from there (as a Map's iterator does after a delete).
   */
  remove(record: R): void {
    if (this.bySession[record.session] !== record) return;
    this.bySession[record.session] = undefined;
    const { sentPrev, sentNext } = record;
    if (sentPrev === undefined) this.head = sentNext;
    else sentPrev.sentNext = sentNext;
    if (sentNext === undefined) this.tail = sentPrev;
    else sentNext.sentPrev = sentPrev;
    record.sentPrev = undefined;
    this.count--;
  }

  /** Every record, oldest first, into a new array (for a close, which settles them all). */
  toArray(): R[] {
    const records: R[] = [];
    for (let record = this.head; record !== undefined; record = record.sentNext) records.push(record);
    return records;
  }

  clear(): void {
    for (let record = this.head; record !== undefined; record = record.sentNext) this.bySession[record.session] = undefined;
    this.head = this.tail = undefined;
    this.count = 0;
  }
}
