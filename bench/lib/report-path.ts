import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './args.js';

/**
 * --report is written after the whole run: a path that cannot be written must be refused before
 * the first measurement, not after minutes of it. Checks that the path is not a directory, that
 * its directory exists and can be written, and that an existing file can be overwritten.
 */
export function checkReportPath(path: string): void {
  const full = resolve(path);
  const existing = statOrUndefined(full);
  if (existing?.isDirectory()) throw new UsageError(`--report ${path}: is a directory; give a file name, e.g. ${path.replace(/\/$/, '')}/bench.html`);
  const dir = dirname(full);
  const parent = statOrUndefined(dir);
  if (parent === undefined) throw new UsageError(`--report ${path}: directory ${dir} does not exist`);
  if (!parent.isDirectory()) throw new UsageError(`--report ${path}: ${dir} is not a directory`);
  if (!writable(existing === undefined ? dir : full)) {
    throw new UsageError(`--report ${path}: ${existing === undefined ? `directory ${dir}` : 'the file'} is not writable`);
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
