import { wrapText } from './format.js';

/**
 * A goal of issue 5, checked honestly: PASS or MISS from figures measured in this run, or
 * UNMEASURED when this run did not measure what the goal needs (a narrowed grid, a missing
 * etcd binary, a counter src does not expose yet). Never a guess. The JSON keeps these
 * statuses; the text says "meets goal", "short of goal", "not measured" (VERDICTS).
 */
export type TargetStatus = 'PASS' | 'MISS' | 'UNMEASURED';

export interface GoalCheck {
  readonly description: string;
  /** The measured figure the bound applies to (a rate, a time, or a ratio of two figures); null when unmeasured. */
  readonly measured: number | null;
  readonly bound: number;
  readonly comparison: 'at least' | 'at most' | 'below';
  /** measured / bound: how far along (at least) or how far over (at most) the goal is. */
  readonly ratio: number | null;
  readonly status: TargetStatus;
  readonly note?: string;
}

export function goal(description: string, measured: number | null | undefined, comparison: GoalCheck['comparison'], bound: number, note?: string): GoalCheck {
  if (measured === null || measured === undefined || !Number.isFinite(measured)) {
    return { description, measured: null, bound, comparison, ratio: null, status: 'UNMEASURED', ...(note === undefined ? {} : { note }) };
  }
  const pass = comparison === 'at least' ? measured >= bound : comparison === 'at most' ? measured <= bound : measured < bound;
  return { description, measured, bound, comparison, ratio: bound === 0 ? null : measured / bound, status: pass ? 'PASS' : 'MISS', ...(note === undefined ? {} : { note }) };
}

/** What a goal check says, in words that do not read as an error: a goal is a target to compare with, not a test. */
export type GoalVerdict = 'meets goal' | 'short of goal' | 'not measured' | 'suite failed';

export const VERDICTS: Readonly<Record<TargetStatus | 'FAILED', GoalVerdict>> = {
  PASS: 'meets goal',
  MISS: 'short of goal',
  UNMEASURED: 'not measured',
  FAILED: 'suite failed',
};

/** One goal as text: the verdict, what is compared, the figure against the goal, and why when not measured. */
export interface GoalLine {
  readonly verdict: GoalVerdict;
  readonly description: string;
  /** "119 (goal: at most 2.00)" or the reason it was not measured. */
  readonly comparison: string;
}

export function goalLine(check: GoalCheck, format: (value: number) => string): GoalLine {
  const goalText = `goal: ${check.comparison} ${format(check.bound)}`;
  const comparison =
    check.measured === null
      ? `${check.note ?? 'not measured in this run'} (${goalText})`
      : `${format(check.measured)} (${goalText}${check.note === undefined ? '' : `; ${check.note}`})`;
  return { verdict: VERDICTS[check.status], description: check.description, comparison };
}

const VERDICT_WIDTH = Math.max(...Object.values(VERDICTS).map((v) => v.length));
export const GOALS_HEADING = "goals: this run's figures against the project's targets (a goal not met is not an error)";

/** The goals section: one entry per goal, wrapped to 100 columns under its verdict. */
export function renderGoals(lines: readonly GoalLine[], heading = GOALS_HEADING): string {
  const indent = ' '.repeat(2 + VERDICT_WIDTH + 2);
  const entries = lines.map((line) =>
    wrapText(keepFiguresWhole(`${line.description}: ${line.comparison}`), 100, indent, `  ${line.verdict.padEnd(VERDICT_WIDTH)}  `),
  );
  return [heading, ...entries].join('\n').replaceAll(NO_BREAK, ' ');
}

const NO_BREAK = '\u00a0';

/** "9.03 ms" and "at least 5.00 M" stay on one line when a goal is wrapped: no-break spaces, turned back after wrapping. */
function keepFiguresWhole(text: string): string {
  return text
    .replace(/(\d) (?=(ms|s|M|k|B|KiB|MiB|MB\/s|x)\b)/g, `$1${NO_BREAK}`)
    .replace(/(at least|at most|below) (?=\d)/g, (words) => words.replaceAll(' ', NO_BREAK));
}
