import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SynodErrorCode, withCode } from '../error-codes.js';

/** Two processes writing one data directory would interleave their logs: the second open is refused. */
export class StorageDirInUseError extends Error {
  readonly code = SynodErrorCode.StorageDirInUse;
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(withCode(`storage dir ${dir} is in use by process ${pid}`, SynodErrorCode.StorageDirInUse));
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
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process whose parent has not reaped it yet still answers signal 0; on Linux its
  // state says it is a zombie, which holds no files.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Replaces `path` with `content` atomically and durably: a crash leaves the old content or the new. */
export function writeFileDurably(path: string, content: string): void {
  const temporary = `${path}.new`;
  writeFileSync(temporary, content);
  const fd = openSync(temporary, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
