// What a slot holds: a batch of client commands. The empty batch is the no-op a new leader
// writes into a true hole; learners deliver nothing for it.

export interface Command {
  /** Who issued the command; with `seq` it identifies the command across retries. */
  readonly clientId: number;
  /** Per-client sequence number, starting at 1 and increasing by one per new command. */
  readonly seq: number;
  readonly data: Uint8Array;
}

/** A slot's value: commands in the order they are delivered. Empty means no-op. */
export type Value = readonly Command[];

export const NOOP: Value = Object.freeze([]) as Value;

export function isNoop(value: Value): boolean {
  return value.length === 0;
}
