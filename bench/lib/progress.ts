import type { ProgressSink } from './suite.js';

/**
 * Progress for people: lines on stderr, or a cli-progress bar on a terminal. The bar appears
 * only once a suite has run for BAR_DELAY_MS (short runs stay quiet), only when both stdout and
 * stderr are terminals, and never with --json. The sink stays a plain ProgressSink (the mailbox
 * suite only writes lines); suites that know how many steps they have use `stepsOf(sink)`.
 */
export const BAR_DELAY_MS = 3000;

export interface Steps {
  /** A new phase of `total` steps (resets the bar). */
  plan(total: number, title: string): void;
  /** One step done; `label` says what runs next. */
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
      sink(`${title} [${Math.min(done, total)}/${total}] ${label}`);
      done++;
    },
  };
}

export async function createProgress(options: { readonly bar: boolean; readonly write: (line: string) => void }): Promise<Progress> {
  const Bar = options.bar ? await loadBar() : undefined;
  let bar: BarLike | undefined;
  let total = 1;
  let done = 0;
  let title = '';
  let label = '';
  let stopped = false;
  const startedMs = performance.now();
  const payload = (): Record<string, unknown> => ({ title, label });
  const maybeShowBar = (): void => {
    if (Bar === undefined || bar !== undefined || stopped) return;
    if (performance.now() - startedMs < BAR_DELAY_MS) return;
    bar = new Bar(
      { format: '{title} [{bar}] {percentage}% | {value}/{total} | {label}', hideCursor: true, clearOnComplete: true, stream: process.stderr },
      undefined,
    ) as BarLike;
    bar.start(total, done, payload());
  };
  const timer = Bar === undefined ? undefined : setInterval(maybeShowBar, 250);
  timer?.unref();
  const sink = ((line: string) => {
    if (bar === undefined) options.write(line);
    else {
      label = line.slice(0, 70);
      bar.update(done, payload());
    }
  }) as SinkWithSteps;
  sink[STEPS] = {
    plan(newTotal, newTitle) {
      total = Math.max(1, newTotal);
      done = 0;
      title = newTitle;
      bar?.setTotal(total);
      bar?.update(0, payload());
    },
    step(newLabel) {
      label = newLabel;
      if (bar === undefined) options.write(`${title} [${Math.min(done, total)}/${total}] ${newLabel}`);
      else bar.update(Math.min(done, total), payload());
      done++;
    },
  };
  return {
    sink,
    stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      if (bar !== undefined) {
        bar.update(total, payload());
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
