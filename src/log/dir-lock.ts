import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Two processes writing one data directory would interleave their logs: the second open is refused. */
export class StorageDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`storage dir ${dir} is in use by process ${pid}`);
    this.name = 'StorageDirInUseError';
  }
}

/**
 * A LOCK file holding the owner's pid. A lock left by a process that died (SIGKILL leaves it
 * behind) is taken over; one held by a live process is an error. Within one process, a second
 * open of the same dir is refused too.
 */
export function lockStorageDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'LOCK');
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(owner) && (owner === process.pid || isAlive(owner))) throw new StorageDirInUseError(dir, owner);
    writeFileSync(path, String(process.pid));
  }
  return () => rmSync(path, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
