import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from './dir-lock.js';
import { SynodErrorCode, withCode } from '../error-codes.js';
import { GENERATIONS_MAX } from '../protocol/wire.js';

/** Every connection's client ids carry a fresh generation: once all are spent, a log takes no more connections. */
export class ConnectionLimitError extends RangeError {
  readonly code = SynodErrorCode.ConnectionLimit;
  constructor(readonly generationsMax: number) {
    super(
      withCode(
        `this log has handed out all ${generationsMax} connection generations (one per open and per connect, over the life of its storage dir): ` +
          'it takes no more connections; connect once per thread, not per task',
        SynodErrorCode.ConnectionLimit,
      ),
    );
    this.name = 'ConnectionLimitError';
  }
}

/** Generations reserved on disk at a time: a connect costs a durable write once per this many. */
const RESERVE_BLOCK = 1024;

/**
 * Hands out connection generations (client ids include one: wire.ts clientIdOf), each at most
 * once over the life of a log, and with a storage dir, over every opening of that dir: the
 * learners' session tables outlive a process. The dir's INCARNATION file holds the highest
 * generation reserved so far (it used to count openings, which is the same number for a dir
 * whose openings each took one); an opening starts above it and reserves a block durably before
 * handing out any of it, so a crash can skip generations but never repeat one.
 */
export class ConnectionGenerations {
  private nextGeneration: number;
  private reservedThrough: number;
  private readonly path: string | undefined;

  constructor(dir: string | undefined) {
    this.path = dir === undefined ? undefined : join(dir, 'INCARNATION');
    this.nextGeneration = this.path === undefined ? 0 : readHighest(this.path) + 1;
    this.reservedThrough = this.path === undefined ? GENERATIONS_MAX - 1 : this.nextGeneration - 1;
  }

  /** The next generation; ConnectionLimitError once all GENERATIONS_MAX are spent. */
  take(): number {
    const generation = this.nextGeneration;
    if (generation >= GENERATIONS_MAX) throw new ConnectionLimitError(GENERATIONS_MAX);
    if (generation > this.reservedThrough) {
      this.reservedThrough = Math.min(generation + RESERVE_BLOCK - 1, GENERATIONS_MAX - 1);
      writeFileDurably(this.path!, String(this.reservedThrough));
    }
    this.nextGeneration++;
    return generation;
  }
}

function readHighest(path: string): number {
  let highest = -1;
  try {
    highest = Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!Number.isInteger(highest)) throw new Error(`${path} does not hold an integer`);
  return highest;
}
