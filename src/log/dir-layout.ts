import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SynodErrorCode, withCode } from '../error-codes.js';
import { writeFileDurably } from './dir-lock.js';

/**
 * What a data directory holds, recorded in it at its first opening: which kind of log and the
 * roles' layout (the actor ids the role files are named after follow from the counts). Until
 * membership change exists, opening a directory with another layout would silently read some
 * roles' files and not others (a log opened with 5 acceptors found none of 3's entries, and
 * appends acknowledged then were lost when reopened with 3 again), so it is refused.
 */
export interface DirLayout {
  readonly kind: 'log' | 'sequencer';
  readonly proposers: number;
  readonly acceptors: number;
  readonly learners: number;
}

export const LAYOUT_FILE = 'LAYOUT.json';
const FORMAT = 1;

/** The directory was written with another layout (or by the other kind of log) than the one asked for. */
export class LayoutMismatchError extends Error {
  readonly code = SynodErrorCode.LayoutMismatch;
  constructor(
    readonly dir: string,
    /** What the directory holds (for a directory from before layouts were recorded: as inferred from its files). */
    readonly recorded: DirLayout | string,
    readonly requested: DirLayout,
  ) {
    super(
      withCode(
        `storage dir ${dir} holds ${typeof recorded === 'string' ? recorded : describeLayout(recorded)}, ` +
          `but was opened as ${describeLayout(requested)}: open it with the layout it was written with`,
        SynodErrorCode.LayoutMismatch,
      ),
    );
    this.name = 'LayoutMismatchError';
  }
}

export function describeLayout(layout: DirLayout): string {
  return `a ${layout.kind} of ${layout.proposers} proposer(s), ${layout.acceptors} acceptor(s), ${layout.learners} learner(s)`;
}

/** How large entries may be: what this opening allows, and what one message of its ring carries. */
export interface EntrySizes {
  readonly entryBytesMax: number;
  readonly ringBytes: number;
  /** logLimits(ringBytes).entryBytesBound */
  readonly entryBytesBound: number;
}

/**
 * Checks `requested` against what `dir` records, or records it if the directory is new. A
 * directory written before layouts were recorded is checked against the role files it holds:
 * the acceptor and learner ids must be exactly those the requested layout names them by.
 * The directory also records the largest entryBytesMax it was ever opened with: a ring too small
 * to carry such an entry (to a reader, or in a Promise) is refused too.
 */
export function checkDirLayout(dir: string, requested: DirLayout, sizes: EntrySizes): void {
  const path = join(dir, LAYOUT_FILE);
  let recorded: RecordedLayout | undefined;
  try {
    recorded = parseLayout(readFileSync(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (recorded !== undefined) {
    if (!sameLayout(recorded, requested)) throw new LayoutMismatchError(dir, layoutOf(recorded), requested);
    if (recorded.entryBytesMaxEver > sizes.entryBytesBound) {
      throw new RangeError(
        `storage dir ${dir} may hold entries of up to ${recorded.entryBytesMaxEver} bytes, more than one message carries with ringBytes ${sizes.ringBytes} ` +
          `(at most ${sizes.entryBytesBound}): open it with a larger ringBytes`,
      );
    }
    if (sizes.entryBytesMax > recorded.entryBytesMaxEver) record(path, requested, sizes.entryBytesMax);
    return;
  }
  const files = readdirSync(dir);
  const idsOf = (role: string) =>
    files
      .map((file) => new RegExp(`^${role}-(\\d+)\\.log$`).exec(file))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => a - b);
  const acceptors = idsOf('acceptor');
  const learners = idsOf('learner');
  if (acceptors.length > 0 || learners.length > 0) {
    const expectedAcceptors = range(requested.proposers, requested.acceptors);
    const expectedLearners = range(requested.proposers + requested.acceptors, requested.learners);
    if (!sameIds(acceptors, expectedAcceptors) || !sameIds(learners, expectedLearners)) {
      throw new LayoutMismatchError(dir, `the files of acceptors [${acceptors.join(', ')}] and learners [${learners.join(', ')}]`, requested);
    }
  }
  // From before layouts were recorded: entries of any size up to the ring's bound may be there.
  record(path, requested, acceptors.length > 0 || learners.length > 0 ? Math.max(sizes.entryBytesMax, sizes.entryBytesBound) : sizes.entryBytesMax);
}

interface RecordedLayout extends DirLayout {
  readonly entryBytesMaxEver: number;
}

function record(path: string, layout: DirLayout, entryBytesMaxEver: number): void {
  writeFileDurably(path, JSON.stringify({ format: FORMAT, ...layoutOf(layout), entryBytesMaxEver }) + '\n');
}

function layoutOf({ kind, proposers, acceptors, learners }: DirLayout): DirLayout {
  return { kind, proposers, acceptors, learners };
}

function parseLayout(text: string, path: string): RecordedLayout {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  const layout = parsed as Partial<RecordedLayout> & { format?: unknown };
  const counts = [layout.proposers, layout.acceptors, layout.learners];
  if (!Number.isSafeInteger(layout.entryBytesMaxEver) || layout.entryBytesMaxEver! < 0) throw new Error(`${path} does not record entryBytesMaxEver: ${text.trim()}`);
  if (layout.format !== FORMAT || (layout.kind !== 'log' && layout.kind !== 'sequencer') || !counts.every((n) => Number.isInteger(n) && (n as number) > 0)) {
    throw new Error(`${path} does not record a layout this version reads: ${text.trim()}`);
  }
  return { kind: layout.kind, proposers: layout.proposers!, acceptors: layout.acceptors!, learners: layout.learners!, entryBytesMaxEver: layout.entryBytesMaxEver! };
}

function sameLayout(a: DirLayout, b: DirLayout): boolean {
  return a.kind === b.kind && a.proposers === b.proposers && a.acceptors === b.acceptors && a.learners === b.learners;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function range(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i);
}
