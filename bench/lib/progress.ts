import { formatDuration } from './estimate.js';
import type { ProgressSink } from './suite.js';

/**
 * Progress for people: lines on stderr, or a cli-progress bar on a terminal. The bar appears
 * only once a suite has run for BAR_DELAY_MS (short runs stay quiet), only when both stdout and
 * stderr are terminals, and never with --json. Every step says what runs and about how long is
 * left. The sink stays a plain ProgressSink (plain lines are notes); suites announce their
 * measurements through `stepsOf(sink)`.
 */
export const BAR_DELAY_MS = 3000;

export interface Steps {
  /** A new phase of `total` steps; under the CLI, whose plan comes from the estimate, only its title is kept. */
  plan(total: number, title: string): void;
  /** A step starts; `label` says what it measures. */
  step(label: string): void;
}

interface BarLike {
  start(total: number, value: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  setTotal(total: number): void;
  stop(): void;
}

export interface Progress {
  readonly sink: ProgressSink;
  stop(): void;
}

export interface ProgressOptions {
  readonly bar: boolean;
  readonly write: (line: string) => void;
  /** The suite run by the CLI; a phase titled the same is not named again on every line. */
  readonly name: string;
  /** From the suite's estimate: the steps of the whole run and about how long it takes. */
  readonly plannedSteps: number;
  readonly estimatedSeconds: number;
}

const STEPS = Symbol('steps');
type SinkWithSteps = ProgressSink & { [STEPS]?: Steps };

export function stepsOf(sink: ProgressSink): Steps {
  const steps = (sink as SinkWithSteps)[STEPS];
  if (steps !== undefined) return steps;
  let done = 0;
  let total = 0;
  let title = '';
  return {
    plan(newTotal, newTitle) {
      total = newTotal;
      title = newTitle;
      done = 0;
    },
    step(label) {
      sink(`${title} [${Math.min(done + 1, total)}/${total}] ${label}`);
      done++;
    },
  };
}

/** A sink for one suite inside `all`: its lines and step labels prefixed with its name, its steps counted in the whole run's. */
export function prefixedSink(sink: ProgressSink, prefix: string): ProgressSink {
  const parent = stepsOf(sink);
  const child = ((line: string) => sink(`${prefix}: ${line}`)) as SinkWithSteps;
  child[STEPS] = {
    plan: (total, title) => parent.plan(total, title),
    step: (label) => parent.step(label),
  };
  return child;
}

/**
 * Time left: a blend of the estimate minus the time spent, trusted at the start, and the time per
 * step so far times the steps left, trusted more as steps end. The rate alone misleads early on
 * (the log suite's first step, a bare round trip, is far shorter than its others); the estimate
 * alone ignores a machine faster or slower than the one it was made on.
 */
export function secondsLeft(elapsedSeconds: number, done: number, total: number, estimatedSeconds: number): number {
  const fromEstimate = Math.max(0, estimatedSeconds - elapsedSeconds);
  if (done <= 0) return fromEstimate;
  const fromRate = (elapsedSeconds / done) * Math.max(0, total - done);
  const trustInEstimate = Math.max(0, total - done) / total;
  return trustInEstimate * fromEstimate + (1 - trustInEstimate) * fromRate;
}

export async function createProgress(options: ProgressOptions): Promise<Progress> {
  const Bar = options.bar ? await loadBar() : undefined;
  const total = Math.max(1, options.plannedSteps);
  let bar: BarLike | undefined;
  /** Steps announced so far; all but the last have ended. */
  let started = 0;
  let title = '';
  let label = '';
  let stopped = false;
  const startedMs = performance.now();
  const ended = (): number => Math.min(total, Math.max(0, started - 1));
  const left = (stepsEnded: number): string => {
    if (stepsEnded >= total) return 'finishing';
    const seconds = secondsLeft((performance.now() - startedMs) / 1000, stepsEnded, total, options.estimatedSeconds);
    return seconds < 1 ? 'under 1 s left' : `about ${formatDuration(seconds)} left`;
  };
  const titled = (text: string): string => (title === '' || title === options.name ? text : `${title}: ${text}`);
  const payload = (stepsEnded: number): Record<string, unknown> => ({ left: left(stepsEnded), label: titled(label).slice(0, 60) });
  const maybeShowBar = (): void => {
    if (Bar === undefined || bar !== undefined || stopped) return;
    if (performance.now() - startedMs < BAR_DELAY_MS) return;
    bar = new Bar(
      { format: '[{bar}] {value}/{total} | {left} | {label}', hideCursor: true, clearOnComplete: true, stream: process.stderr },
      undefined,
    ) as BarLike;
    bar.start(total, ended(), payload(ended()));
  };
  // The bar's time left ticks down between steps too.
  const timer = Bar === undefined ? undefined : setInterval(() => (bar === undefined ? maybeShowBar() : bar.update(ended(), payload(ended()))), 250);
  timer?.unref();
  const sink = ((line: string) => {
    if (bar === undefined) options.write(line);
    else {
      label = line;
      bar.update(ended(), payload(ended()));
    }
  }) as SinkWithSteps;
  sink[STEPS] = {
    plan(_total, newTitle) {
      title = newTitle;
    },
    step(newLabel) {
      // Every step announced before this one has ended.
      const stepsEnded = Math.min(started, total);
      label = newLabel;
      if (bar === undefined) options.write(`${Math.min(started + 1, total)}/${total} ${titled(newLabel)} (${left(stepsEnded)})`);
      else bar.update(stepsEnded, payload(stepsEnded));
      started++;
    },
  };
  return {
    sink,
    stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      if (bar !== undefined) {
        bar.update(total, payload(total));
        bar.stop();
      }
    },
  };
}

/** cli-progress, if installed; without it progress stays as lines. Loaded by name so the build needs no types. */
async function loadBar(): Promise<(new (options: Record<string, unknown>, preset: unknown) => unknown) | undefined> {
  const moduleName = 'cli-progress';
  try {
    const module = (await import(moduleName)) as { default?: { SingleBar?: unknown }; SingleBar?: unknown };
    const SingleBar = module.SingleBar ?? module.default?.SingleBar;
    return typeof SingleBar === 'function' ? (SingleBar as new (options: Record<string, unknown>, preset: unknown) => unknown) : undefined;
  } catch {
    return undefined;
  }
}
