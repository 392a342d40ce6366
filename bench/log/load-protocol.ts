import type { LogHandle, SequencerHandle } from '../../src/index.js';

/** A sequencer lane reads the clock on one call in this many (a power of two); see load-worker.ts. */
export const SEQUENCER_CLOCK_EVERY = 32;

/** What the main thread tells a load worker (bench/log/load-worker.ts) and what it answers. */

export type LoadDriver =
  /** `tagWriter`: entries carry (writer, lane, seq) and the timeline reports each lane's indexes, for an exactly-once check. */
  | { readonly kind: 'log'; readonly handle: LogHandle; readonly tagWriter?: number }
  /** `bulk`: numbers per next() call (1: the plain call). */
  | { readonly kind: 'sequencer'; readonly handle: SequencerHandle; readonly bulk?: number }
  | { readonly kind: 'etcd'; readonly endpoints: readonly string[]; readonly keyPrefix: string };

export interface LoadWorkerData {
  readonly driver: LoadDriver;
  readonly lanes: number;
  readonly entryBytes: number;
}

export interface WindowRunParams {
  readonly mode: 'window';
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Control words of a timeline run (Int32): [stop, kills announced, completions so far]; kill times (Float64) follow from byte 16. */
export const CONTROL_STOP = 0;
export const CONTROL_KILLS = 1;
export const CONTROL_COMPLETIONS = 2;
export const CONTROL_KILL_TIMES_BYTE = 16;

export interface TimelineRunParams {
  readonly mode: 'timeline';
  /** Absolute ms (timeOrigin + now) that bucket 0 starts at. */
  readonly baseMs: number;
  readonly bucketMs: number;
  readonly buckets: number;
  readonly control: SharedArrayBuffer;
  readonly killsMax: number;
}

export interface WindowResult {
  readonly completed: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly histogram: string;
  readonly minorGcs: number;
  /** Sequencer only: numbers that did not increase within a lane (must be 0). */
  readonly outOfOrder: number;
  /** The first operation that failed, warm-up included (name: message), if any did: what a run that completed nothing says why. */
  readonly firstError?: string;
}

export interface TimelineResult {
  readonly completed: number;
  readonly failed: number;
  readonly perBucket: number[];
  /** Per kill: first completion (absolute ms) of any operation after the kill was announced; Infinity if none. */
  readonly firstCompletionAfterKill: number[];
  /** Per kill: first completion of an operation issued after the kill had taken effect. */
  readonly firstCompletionIssuedAfterKill: number[];
  /**
   * Per kill: the operations issued in the first ISSUED_AFTER_KILL_WINDOW_MS after the kill was
   * requested, as [issued, completed] absolute ms (at most ISSUED_AFTER_KILL_MAX), so the main
   * thread can place "after the old leader could no longer commit" once it knows when that was.
   */
  readonly issuedAfterKill: Array<Array<[number, number]>>;
  /** With tagWriter: the writer, and for each lane the index each append resolved to (-1: it failed). */
  readonly writer?: number;
  readonly acknowledged?: number[][];
}

export const ISSUED_AFTER_KILL_WINDOW_MS = 1000;
export const ISSUED_AFTER_KILL_MAX = 50_000;

