import { formatCount, wrapText } from './format.js';
import type { MachineInfo } from './machine.js';
import { goalLine, renderGoals, type GoalCheck } from './targets-check.js';

/** Pieces every suite's text report shares: the machine line, where the details are, the goals. */

export function renderMachine(machine: MachineInfo): string {
  return wrapText(`machine: ${machine.cores} cores (os.availableParallelism), ${machine.cpuModel}, Node ${machine.nodeVersion}, ${machine.platform}`);
}

/** The default tables keep a few columns; this line says where the rest went. */
export function detailsNote(what: string): string {
  return wrapText(`more figures in --json and --report: ${what}`);
}

export function renderTargets(checks: readonly GoalCheck[]): string {
  return renderGoals(checks.map((check) => goalLine(check, formatGoalFigure)));
}

/** Goal figures are rates, times, counts and ratios alike: large ones as 1.23 M, counts whole, the rest to two decimals. */
export function formatGoalFigure(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1000) return String(value);
  return Math.abs(value) >= 1000 ? formatCount(value) : Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}
