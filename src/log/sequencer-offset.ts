import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptLogError } from '../protocol/errors.js';
import { writeFileDurably } from './dir-lock.js';

/**
 * A sequencer's numbers are its log's indexes minus an offset. The log reserves numbers ahead of
 * the callers (see number-lease.ts); a clean close records how many it reserved and never
 * handed out, as this offset, so the reopened sequencer numbers on from the first number not
 * handed out, without a gap. After a crash the file holds the offset of the last clean close,
 * and every index reserved since lies past the end that close counted: numbers then resume past
 * everything reserved, never reissued, skipping what was reserved and not yet handed out.
 */
export const SEQUENCER_FILE = 'SEQUENCER.json';
const FORMAT = 1;

/** The offset recorded in `dir` (0 for a directory without one). */
export function readSequencerOffset(dir: string): number {
  const path = join(dir, SEQUENCER_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CorruptLogError(path, 0, 'not JSON');
  }
  const record = parsed as { format?: unknown; offset?: unknown };
  if (record === null || typeof record !== 'object' || record.format !== FORMAT) throw new CorruptLogError(path, 0, `not a format ${FORMAT} sequencer record`);
  if (typeof record.offset !== 'number' || !Number.isSafeInteger(record.offset) || record.offset < 0) {
    throw new CorruptLogError(path, 0, `offset must be a non-negative integer, got ${String(record.offset)}`);
  }
  return record.offset;
}

/** Records `offset` durably (a new file, synced, renamed over the old one). */
export function writeSequencerOffset(dir: string, offset: number): void {
  writeFileDurably(join(dir, SEQUENCER_FILE), `${JSON.stringify({ format: FORMAT, offset })}\n`);
}
