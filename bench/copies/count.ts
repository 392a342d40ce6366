// Copies of an entry's bytes between append() and its acknowledgement, counted by the copy audit
// (audit.cts, which must be preloaded: `node --require dist/bench/copies/audit.cjs ...`; `npm run
// copies` does it). Prints one JSON object: bytes copied in large copies on every thread of the
// log, divided by the payload bytes appended, in all and per role. An entry copied once into each
// of three acceptors counts 3 there: the figure is the work the process does per entry.
//
//   node --require dist/bench/copies/audit.cjs dist/bench/copies/count.js [--entry-bytes N]
//        [--in-flight N] [--entries N] [--warmup N] [--storage memory|file] [--copy-before-append]
//
// Acceptors compact their stores (copying what is live) once a store passes 4 MiB: a run whose
// warm-up and entries stay below that (8 and 40 of 64 KiB) counts the path alone; a longer one
// counts each acceptor's share of compaction too.
//
// --copy-before-append appends a copy of the entry instead of the entry: one copy more on the
// client's thread, which the count must show (the audit's own check).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ReplicatedLog, type LogOptions } from '../../src/index.js';

interface AuditTotals {
  readonly bytes: number;
  readonly copies: number;
}

/** Copies per entry, in all and by the thread that made them. */
export interface CopyCount {
  readonly entryBytes: number;
  readonly entries: number;
  readonly inFlight: number;
  readonly storage: 'memory' | 'file';
  /** Bytes copied in large copies per payload byte appended, all threads together. */
  readonly copiesPerEntry: number;
  /**
   * The same along the path from append() to the acknowledgement, one thread after another: the
   * client's, then the busiest of each role's (the leader; an acceptor, as the three copy in
   * parallel and any two of them choose; a learner). Issue 20's target (at most 4) is this one.
   */
  readonly copiesOnPath: number;
  /** The same per thread: 'client' (the appending thread), then role and actor id. */
  readonly byThread: Readonly<Record<string, number>>;
  /** Leader changes during the counted entries: a new leader re-proposes, so the counts then say more than the path. */
  readonly leaderChanges: number;
  /**
   * Accepts the proposers sent again during the counted entries (an acceptor's vote slower than
   * the retransmit timeout, 100 ms: a stalled disk or VM), one per acceptor each went to: each may
   * be copied once more by its receiver, beyond the path.
   */
  readonly acceptsResent: number;
}

function mainThreadAudit(): AuditTotals {
  const totals = (globalThis as Record<symbol, AuditTotals | undefined>)[Symbol.for('synod.copyAudit')];
  if (totals === undefined) throw new Error('the copy audit is not loaded: run with node --require dist/bench/copies/audit.cjs');
  return { bytes: totals.bytes, copies: totals.copies };
}

/**
 * Audit totals per thread of the log (one entry per thread, named by its first actor) and of this
 * thread, and the Accepts every proposer alive has retransmitted so far (counter acceptsResent).
 */
async function snapshot(log: ReplicatedLog): Promise<{ byThread: Map<string, number>; acceptsResent: number }> {
  const byThread = new Map<string, number>([['client', mainThreadAudit().bytes]]);
  const seenThreads = new Set<number>();
  let acceptsResent = 0;
  for (const actor of await log.cluster.actors()) {
    if (!actor.alive) continue;
    const counters = await log.cluster.counters(actor.id);
    if (actor.role === 'proposer') acceptsResent += counters.acceptsResent ?? 0;
    if (seenThreads.has(actor.threadId)) continue;
    seenThreads.add(actor.threadId);
    if (counters.threadCopiedBytes === undefined) throw new Error(`actor ${actor.id} reports no threadCopiedBytes: is the audit preloaded in workers?`);
    byThread.set(`${actor.role} ${actor.id}${actor.leader ? ' (leader)' : ''}`, counters.threadCopiedBytes);
  }
  return { byThread, acceptsResent };
}

export async function countCopies(options: {
  entryBytes: number;
  inFlight: number;
  entries: number;
  warmupEntries: number;
  storage: 'memory' | 'file';
  copyBeforeAppend: boolean;
}): Promise<CopyCount> {
  const dir = options.storage === 'file' ? mkdtempSync(join(tmpdir(), 'synod-copies-')) : undefined;
  const logOptions: LogOptions = { acceptors: 3, ...(dir === undefined ? {} : { storage: { dir } }) };
  const log = await ReplicatedLog.open(logOptions);
  try {
    const entry = new Uint8Array(options.entryBytes).fill(0x5a);
    const append = (): Promise<number> => log.append(options.copyBeforeAppend ? entry.slice() : entry);
    const run = async (total: number): Promise<void> => {
      let started = 0;
      const loop = async (): Promise<void> => {
        while (started < total) {
          started++;
          await append();
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.inFlight, total) }, loop));
    };
    await run(options.warmupEntries);
    const before = await snapshot(log);
    const leaderChangesBefore = log.metrics().leaderChangesTotal;
    await run(options.entries);
    const leaderChanges = log.metrics().leaderChangesTotal - leaderChangesBefore;
    const after = await snapshot(log);
    const payloadBytes = options.entries * options.entryBytes;
    const byThread: Record<string, number> = {};
    let copied = 0;
    for (const [thread, bytes] of after.byThread) {
      const delta = bytes - (before.byThread.get(thread) ?? 0);
      copied += delta;
      byThread[thread] = round2(delta / payloadBytes);
    }
    const busiest = (role: string): number => Math.max(0, ...Object.entries(byThread).flatMap(([thread, copies]) => (thread.startsWith(`${role} `) ? [copies] : [])));
    const copiesOnPath = round2((byThread.client ?? 0) + busiest('proposer') + busiest('acceptor') + busiest('learner'));
    return {
      entryBytes: options.entryBytes,
      entries: options.entries,
      inFlight: options.inFlight,
      storage: options.storage,
      copiesPerEntry: round2(copied / payloadBytes),
      copiesOnPath,
      byThread,
      leaderChanges,
      acceptsResent: after.acceptsResent - before.acceptsResent,
    };
  } finally {
    await log.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      'entry-bytes': { type: 'string', default: String(64 * 1024) },
      'in-flight': { type: 'string', default: '16' },
      entries: { type: 'string', default: '512' },
      warmup: { type: 'string', default: '64' },
      storage: { type: 'string', default: 'memory' },
      'copy-before-append': { type: 'boolean', default: false },
    },
  });
  const storage = values.storage;
  if (storage !== 'memory' && storage !== 'file') throw new RangeError(`--storage must be memory or file, got ${storage}`);
  const count = await countCopies({
    entryBytes: positive('--entry-bytes', values['entry-bytes']),
    inFlight: positive('--in-flight', values['in-flight']),
    entries: positive('--entries', values.entries),
    warmupEntries: positive('--warmup', values.warmup),
    storage,
    copyBeforeAppend: values['copy-before-append'],
  });
  console.log(JSON.stringify(count));
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${text}`);
  return value;
}
