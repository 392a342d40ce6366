// A piscina task for pool-churn.ts: each worker connects once (at load, as a pool worker should)
// and appends one entry per task. It never calls close(): a retired worker just ends.
import { Piscina } from 'piscina';
import { ReplicatedLog, type LogHandle } from '../../src/index.js';

const { handle, connect } = Piscina.workerData as { handle: LogHandle; connect: boolean };
// connect false: the same churn without a connection, the baseline of what a pool costs alone.
const log = connect ? ReplicatedLog.connect(handle) : undefined;

export default async function task(): Promise<number> {
  return log === undefined ? -1 : (await log).append(new Uint8Array(64));
}
