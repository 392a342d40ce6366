import { Worker } from 'node:worker_threads';
import { afterEach, expect } from 'vitest';
import { ReplicatedLog, type LogHandle } from 'synod';
import { readTag } from '../fixtures/log/entry.js';

export const fixture = (name: string) => new URL(`../../dist/test/fixtures/log/${name}.js`, import.meta.url);

export function runWorker<T>(name: string, workerData: unknown): Promise<T> {
  const worker = new Worker(fixture(name), { workerData });
  return new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${name} exited with ${code} before reporting`)));
  });
}

export interface AppenderResult {
  writer: number;
  results: Array<number | string>;
}

export function appender(handle: LogHandle, writer: number, count: number, concurrency: number): Promise<AppenderResult> {
  return runWorker<AppenderResult>('appender', { handle, writer, count, concurrency });
}

/** Reads the whole log; returns the tag at each index. */
export async function readAll(log: ReplicatedLog): Promise<Array<{ writer: number; seq: number }>> {
  const tags: Array<{ writer: number; seq: number }> = [];
  for await (const { index, data } of log.read({ from: 0 })) {
    expect(index).toBe(tags.length);
    tags.push(readTag(data));
  }
  return tags;
}

/**
 * The log's contract: every resolved append is in the log exactly at the index it resolved to;
 * no (writer, seq) appears twice; nothing appears that nobody appended.
 */
export function checkExactlyOnce(tags: Array<{ writer: number; seq: number }>, appenders: AppenderResult[], countPerWriter: number): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    const key = `${tag.writer}/${tag.seq}`;
    expect(seen.has(key), `entry ${key} appears twice`).toBe(false);
    seen.add(key);
    expect(appenders.some((a) => a.writer === tag.writer) && tag.seq < countPerWriter, `entry ${key} was never appended`).toBe(true);
  }
  for (const { writer, results } of appenders) {
    results.forEach((result, seq) => {
      if (typeof result === 'number') expect(tags[result], `append ${writer}/${seq} resolved to ${result}`).toEqual({ writer, seq });
    });
  }
}

/**
 * For a test file: `openLog` opens a log that is closed after the test, and `track` does the same
 * for anything else with a close() (a sequencer, a connected handle).
 */
export function closedAfterEach(): {
  openLog(options?: Parameters<typeof ReplicatedLog.open>[0]): Promise<ReplicatedLog>;
  track<T extends { close(): Promise<void> }>(closable: T): T;
} {
  let opened: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(opened.map((closable) => closable.close()));
    opened = [];
  });
  const track = <T extends { close(): Promise<void> }>(closable: T): T => {
    opened.push(closable);
    return closable;
  };
  return { openLog: async (options = {}) => track(await ReplicatedLog.open(options)), track };
}

/**
 * Appends 1 KiB entries, 50 at a time, until one is refused (a full store, say) or `entriesMax`
 * went in: the entry maker, the indexes acknowledged, and the first refusal (undefined if none).
 */
export async function appendUntilRefused(
  log: ReplicatedLog,
  entriesMax = 2000,
): Promise<{ entry: (i: number) => Uint8Array; acknowledged: number[]; failure: unknown }> {
  const entry = (i: number) => new Uint8Array(1024).fill(i & 0xff);
  const acknowledged: number[] = [];
  let failure: unknown;
  for (let round = 0; round < entriesMax / 50 && failure === undefined; round++) {
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, k) => log.append(entry(round * 50 + k))));
    for (const result of results) {
      if (result.status === 'fulfilled') acknowledged.push(result.value);
      else failure = result.reason;
    }
  }
  return { entry, acknowledged, failure };
}

/** The ids of the log's learners, ascending. */
export async function learnerIds(log: ReplicatedLog): Promise<number[]> {
  return (await log.cluster.actors())
    .filter((actor) => actor.role === 'learner')
    .map((actor) => actor.id)
    .sort((a, b) => a - b);
}

/** The id of the proposer that leads now, waiting up to 2 s for one (an election may be under way on a loaded machine). */
export async function leaderId(log: ReplicatedLog): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const leader = (await log.cluster.actors()).find((actor) => actor.leader);
    if (leader !== undefined) return leader.id;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no leader');
}

/**
 * Reads the whole log and checks every entry byte for byte: each index must be one an append was
 * acknowledged at (`seqAt`: index -> the seq appended there), holding `entry(seq)`. Returns how many were read.
 */
export async function readBackExact(log: ReplicatedLog, seqAt: Map<number, number>, entry: (seq: number) => Uint8Array): Promise<number> {
  let read = 0;
  for await (const { index, data } of log.read({ from: 0 })) {
    const seq = seqAt.get(index);
    expect(seq, `index ${index} was never acknowledged`).toBeDefined();
    expect(Buffer.from(data).equals(Buffer.from(entry(seq!))), `entry ${seq} at index ${index}`).toBe(true);
    read++;
  }
  return read;
}
