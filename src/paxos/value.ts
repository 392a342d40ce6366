// What a slot holds: a batch of client commands. The empty batch is the no-op a new leader
// writes into a true hole; learners deliver nothing for it.

export interface Command {
  /** Who issued the command; with `seq` it identifies the command across retries. */
  readonly clientId: number;
  /** Per-client sequence number, starting at 1 and increasing by one per new command. */
  readonly seq: number;
  readonly data: Uint8Array;
  /**
   * Log indexes this command takes: 1 when omitted. A command with count k reserves k
   * consecutive indexes at once (how a sequencer hands out many numbers per command); its
   * delivery's logIndex is the first of them.
   */
  readonly count?: number;
}

/** A slot's value: commands in the order they are delivered. Empty means no-op. */
export type Value = readonly Command[];

export const NOOP: Value = Object.freeze([]) as Value;

export function isNoop(value: Value): boolean {
  return value.length === 0;
}
