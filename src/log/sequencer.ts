import type { LogOptions } from './options.js';
import { ReplicatedLog, type Cluster, type LogHandle } from './replicated-log.js';

const NO_DATA = new Uint8Array(0);

/**
 * Globally ordered, gapless numbers for any thread of the process. Each number is the index of
 * an empty entry in a replicated log: unique because the log is, gapless because indexes are
 * dense, increasing per caller because a later call is appended after an earlier one resolved
 * or is batched behind it, and never reissued after a restart with storage.dir, because the log
 * remembers every index it gave out.
 */
export class Sequencer {
  private constructor(private readonly log: ReplicatedLog) {}

  static async open(options: LogOptions = {}): Promise<Sequencer> {
    return new Sequencer(await ReplicatedLog.open(options));
  }

  static async connect(handle: LogHandle): Promise<Sequencer> {
    return new Sequencer(await ReplicatedLog.connect(handle));
  }

  /** The next number. */
  next(): Promise<number> {
    return this.log.append(NO_DATA);
  }

  handle(): LogHandle {
    return this.log.handle();
  }

  get cluster(): Cluster {
    return this.log.cluster;
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
