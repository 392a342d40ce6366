import type { ReplicatedLog } from '../../src/index.js';
import { tagKey, tagKeyOf } from '../lib/append-tag.js';

export interface ExactlyOnceFigures {
  /** Entries in the log after the run. */
  readonly entries: number;
  /** Appends that resolved with an index. */
  readonly acknowledged: number;
  /** Acknowledged appends not found at the index they resolved to. */
  readonly lost: number;
  /** Tags found at more than one index. */
  readonly duplicated: number;
}

/**
 * Reads the whole log and checks it against what every lane was told: each acknowledged append
 * (`acknowledged[writer][lane][seq]` = its index, or -1 for one that failed) is at its index, and
 * no append is in the log twice. Appends that failed may be in the log, once.
 */
export async function checkExactlyOnce(log: ReplicatedLog, acknowledged: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>): Promise<ExactlyOnceFigures> {
  const keyAt: number[] = [];
  const seen = new Set<number>();
  let duplicated = 0;
  for await (const { index, data } of log.read({ from: 0 })) {
    const key = tagKeyOf(data);
    keyAt[index] = key;
    if (key < 0) continue; // an untagged entry (the warm-up append)
    if (seen.has(key)) duplicated++;
    else seen.add(key);
  }
  let count = 0;
  let lost = 0;
  acknowledged.forEach((lanes, writer) =>
    lanes.forEach((indexes, lane) =>
      indexes.forEach((index, seq) => {
        if (index < 0) return;
        count++;
        if (keyAt[index] !== tagKey(writer, lane, seq)) lost++;
      }),
    ),
  );
  return { entries: keyAt.length, acknowledged: count, lost, duplicated };
}
