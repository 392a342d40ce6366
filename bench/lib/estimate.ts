import type { BenchOptions } from './args.js';
import { wrapText } from './format.js';

/**
 * What a suite will do before it does it: printed on stderr before the first measurement, so a
 * run of minutes says so up front, and the base of the progress's time left.
 */
export interface Estimate {
  /** Distinct things measured: a configuration, a transport, a kill. */
  readonly measurements: number;
  /** Progress steps the suite announces (a measurement repeated in separate runs may be several). */
  readonly steps: number;
  readonly seconds: number;
  /** How the figure was reached, in a few words ("8 configurations + 1 baseline, each ..."). */
  readonly basis: string;
  /** `all`: each suite's own estimate, in the order they run. */
  readonly parts?: readonly { readonly suite: string; readonly estimate: Estimate }[];
}

/** Seconds of one closed-loop measurement: its runs of warm-up + window, plus what it costs to start. */
export function measurementSeconds(options: BenchOptions, setupSeconds: number): number {
  return options.runs * (options.warmupMs + options.durationMs) / 1000 + setupSeconds;
}

/** "1 run of 0.1 s warm-up + 0.3 s measured": the per-measurement timing, as the user set it (`warmup`: how the warm-up reads). */
export function describeTiming(options: BenchOptions, warmup = `${options.warmupMs / 1000} s warm-up`): string {
  const runs = options.runs === 1 ? '1 run' : `${options.runs} runs`;
  return `${runs} of ${warmup} + ${options.durationMs / 1000} s measured`;
}

/** 25 -> "25 s", 190 -> "3 min 10 s", 4000 -> "1 h 7 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 1) return 'under 1 s';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return whole % 60 === 0 ? `${whole / 60} min` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${Math.floor(whole / 3600)} h ${Math.round((whole % 3600) / 60)} min`;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The lines printed before a run: the total, then how it was reached (per suite for `all`). */
export function renderEstimate(suite: string, estimate: Estimate): string[] {
  const head = `synod bench ${suite}: ${plural(estimate.measurements, 'measurement')}, about ${formatDuration(estimate.seconds)} (estimate)`;
  if (estimate.parts === undefined) return [head, wrapText(estimate.basis, 100, '  ', '  ')];
  const width = Math.max(...estimate.parts.map((part) => part.suite.length));
  const indent = ' '.repeat(width + 4);
  return [
    head,
    ...estimate.parts.map(({ suite: name, estimate: part }) =>
      wrapText(`${plural(part.measurements, 'measurement')}, about ${formatDuration(part.seconds)}: ${part.basis}`, 100, indent, `  ${name.padEnd(width)}  `),
    ),
  ];
}
