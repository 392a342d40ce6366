/**
 * A goal of issue 5, checked honestly: PASS or MISS from figures measured in this run, or
 * UNMEASURED when this run did not measure what the goal needs (a narrowed grid, a missing
 * etcd binary, a counter src does not expose yet). Never a guess.
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

/** One row per goal for renderTable: description, measured, bound, ratio, status, note. */
export function goalRow(check: GoalCheck, format: (value: number) => string): string[] {
  return [
    check.description,
    check.measured === null ? '-' : format(check.measured),
    `${check.comparison} ${format(check.bound)}`,
    check.ratio === null ? '-' : `${check.ratio >= 10 ? check.ratio.toFixed(1) : check.ratio.toFixed(3)}x of bound`,
    check.status,
    check.note ?? '',
  ];
}
