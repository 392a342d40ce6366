/**
 * The time line of one measurement, by the measuring thread's own clock: warm-up from
 * `startMs`, then the measured window. Nothing before `measureStartMs` counts: the JIT is still
 * compiling the loops, and the other thread may not have reached its loop yet.
 */
export class MeasurementWindow {
  readonly measureStartMs: number;
  readonly measureEndMs: number;

  constructor(startMs: number, warmupMs: number, durationMs: number) {
    this.measureStartMs = startMs + warmupMs;
    this.measureEndMs = this.measureStartMs + durationMs;
  }
}

/**
 * Turns periodic (time, count) observations into a rate over the measured window. It keeps the
 * actual times of the first observation inside the window and of the first one past its end, so
 * the rate never assumes the observations fell exactly on the boundaries.
 */
export class RateWindow {
  private firstCount = -1;
  private firstMs = 0;
  private lastCount = 0;
  private lastMs = 0;

  constructor(private readonly window: MeasurementWindow) {}

  /** Returns true once the measured window is over (observe no more after that). */
  observe(nowMs: number, count: number): boolean {
    if (this.firstCount < 0) {
      if (nowMs >= this.window.measureStartMs) this.markStart(nowMs, count);
      return false;
    }
    if (nowMs < this.window.measureEndMs) return false;
    this.markEnd(nowMs, count);
    return true;
  }

  /** Opens the window now. For callers that are told when to look (timers) instead of polling: a timer may fire a little early by performance.now(). */
  markStart(nowMs: number, count: number): void {
    this.firstCount = count;
    this.firstMs = nowMs;
  }

  markEnd(nowMs: number, count: number): void {
    this.lastCount = count;
    this.lastMs = nowMs;
  }

  /** True once an observation fell inside the measured window. */
  get started(): boolean {
    return this.firstCount >= 0;
  }

  get measuredCount(): number {
    return this.lastCount - this.firstCount;
  }

  get measuredFromMs(): number {
    return this.firstMs;
  }

  get measuredToMs(): number {
    return this.lastMs;
  }

  get elapsedMs(): number {
    return this.lastMs - this.firstMs;
  }
}
