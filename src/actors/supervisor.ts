// Supervision policy (Erlang/OTP style): which actors come back after an unexpected exit, after
// how long, and when to give up on one that keeps dying. The decision is pure (no timers, no
// threads) and takes its clock from outside, so it is tested deterministically; ActorSystem
// acts on it.
import { performance } from 'node:perf_hooks';
import type { ActorId } from './types.js';

/**
 * 'permanent': restarted after any unexpected exit (crash, exit of its thread, kill()).
 * 'temporary': never restarted by the supervisor (restart() still brings it back).
 */
export type RestartPolicy = 'permanent' | 'temporary';

export interface SupervisionOptions {
  /** Policy of every spawn that does not name its own. Default 'permanent'. */
  restart?: RestartPolicy;
  /** Wait before the first restart after a crash. Default 5 ms. */
  backoffInitialMs?: number;
  /** The wait doubles on each further crash of the same actor, up to this. Default 2000 ms. */
  backoffMaxMs?: number;
  /** An actor that stayed up this long is healthy again: its next crash waits backoffInitialMs. Default 5000 ms. */
  backoffResetAfterMs?: number;
  /** More than `restarts` restarts of one actor within `periodMs`: the supervisor gives up on it. Default 10 in 60000 ms. */
  intensity?: { restarts?: number; periodMs?: number };
  /**
   * Keep one idle worker thread started ahead, with the behaviour modules loaded, so a restart does
   * not wait for a thread to boot (spare-thread.ts). Default true, false when `restart` is 'temporary'.
   */
  spareThread?: boolean;
}

export interface ResolvedSupervision {
  restart: RestartPolicy;
  backoffInitialMs: number;
  backoffMaxMs: number;
  backoffResetAfterMs: number;
  intensity: { restarts: number; periodMs: number };
  spareThread: boolean;
}

export const SUPERVISION_DEFAULTS: ResolvedSupervision = {
  restart: 'permanent',
  backoffInitialMs: 5,
  backoffMaxMs: 2000,
  backoffResetAfterMs: 5000,
  intensity: { restarts: 10, periodMs: 60_000 },
  spareThread: true,
};

/** No supervised restarts at all: every actor is temporary. */
export const SUPERVISION_OFF: ResolvedSupervision = { ...SUPERVISION_DEFAULTS, restart: 'temporary', spareThread: false };

const RESTART_POLICIES: readonly RestartPolicy[] = ['permanent', 'temporary'];
const KNOWN_KEYS = new Set(['restart', 'backoffInitialMs', 'backoffMaxMs', 'backoffResetAfterMs', 'intensity', 'spareThread']);
const KNOWN_INTENSITY_KEYS = new Set(['restarts', 'periodMs']);
/** Longest wait a setTimeout honours (2^31 - 1 ms); anything above would fire at once. */
const DELAY_MS_MAX = 2 ** 31 - 1;

/**
 * Checks supervision options and fills defaults. `name` prefixes every message ('supervision' in
 * an ActorSystem, 'option supervision' in a log), so the error names the option, the value and
 * the limit.
 */
export function resolveSupervision(options: SupervisionOptions | undefined, name = 'supervision'): ResolvedSupervision {
  if (options === undefined) return SUPERVISION_DEFAULTS;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${name} must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) if (!KNOWN_KEYS.has(key)) throw new TypeError(`unknown ${name} key ${key}`);
  const restart = options.restart ?? SUPERVISION_DEFAULTS.restart;
  if (!RESTART_POLICIES.includes(restart)) throw new RangeError(`${name}.restart must be one of ${RESTART_POLICIES.join(', ')}, got ${String(restart)}`);
  const ms = (key: string, value: unknown, fallback: number, min: number): number => integer(`${name}.${key}`, value, fallback, min, DELAY_MS_MAX);
  const backoffInitialMs = ms('backoffInitialMs', options.backoffInitialMs, SUPERVISION_DEFAULTS.backoffInitialMs, 0);
  const backoffMaxMs = ms('backoffMaxMs', options.backoffMaxMs, Math.max(SUPERVISION_DEFAULTS.backoffMaxMs, backoffInitialMs), 0);
  if (backoffMaxMs < backoffInitialMs) {
    throw new RangeError(`${name}.backoffMaxMs ${backoffMaxMs} must be at least ${name}.backoffInitialMs ${backoffInitialMs}`);
  }
  const backoffResetAfterMs = ms('backoffResetAfterMs', options.backoffResetAfterMs, SUPERVISION_DEFAULTS.backoffResetAfterMs, 1);
  const intensityOption = options.intensity ?? {};
  if (typeof intensityOption !== 'object' || intensityOption === null) throw new TypeError(`${name}.intensity must be an object, got ${String(intensityOption)}`);
  for (const key of Object.keys(intensityOption)) if (!KNOWN_INTENSITY_KEYS.has(key)) throw new TypeError(`unknown ${name}.intensity key ${key}`);
  const intensity = {
    restarts: integer(`${name}.intensity.restarts`, intensityOption.restarts, SUPERVISION_DEFAULTS.intensity.restarts, 0, 1_000_000),
    periodMs: ms('intensity.periodMs', intensityOption.periodMs, SUPERVISION_DEFAULTS.intensity.periodMs, 1),
  };
  const spareThread = options.spareThread ?? restart === 'permanent';
  if (typeof spareThread !== 'boolean') throw new TypeError(`${name}.spareThread must be a boolean, got ${String(spareThread)}`);
  return { restart, backoffInitialMs, backoffMaxMs, backoffResetAfterMs, intensity, spareThread };
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${name} must be an integer, got ${String(value)}`);
  if (value < min || value > max) throw new RangeError(`${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

export interface KillOptions {
  /** false: the supervisor leaves it down (and the others of its worker) until restart(). Default true. */
  restart?: boolean;
}

/** Checks kill() options: true when the killed actor must stay down (`restart: false`). */
export function killHoldsDown(options: KillOptions | undefined): boolean {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null) throw new TypeError(`kill options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) if (key !== 'restart') throw new TypeError(`unknown kill option ${key}`);
  if (options.restart !== undefined && typeof options.restart !== 'boolean') throw new TypeError(`kill option restart must be a boolean, got ${String(options.restart)}`);
  return options.restart === false;
}

/** What to do about an actor that just exited unexpectedly. */
export type ExitDecision = { kind: 'restart'; delayMs: number } | { kind: 'giveUp'; restartsInPeriod: number };

interface History {
  /** When each supervised restart within the last period was decided (ms on the injected clock). */
  restartTimesMs: number[];
  /** Wait before the next restart. */
  nextBackoffMs: number;
  /** When the actor last came (back) up; undefined while it is down. */
  upSinceMs: number | undefined;
}

/**
 * The restart decisions of one supervisor, per actor: exponential backoff (reset once the actor
 * has stayed up backoffResetAfterMs) and restart intensity (more than intensity.restarts
 * restarts within intensity.periodMs: give up). Pure: `nowMs` is the only clock.
 */
export class RestartDecisions {
  private readonly histories = new Map<ActorId, History>();

  constructor(
    private readonly policy: ResolvedSupervision,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** The actor is up (spawned, or restarted by anyone): the time it stays up counts towards a backoff reset. */
  started(id: ActorId): void {
    this.history(id).upSinceMs = this.nowMs();
  }

  /** The actor exited unexpectedly: restart it after `delayMs`, or give up on it. */
  exited(id: ActorId): ExitDecision {
    const now = this.nowMs();
    const history = this.history(id);
    if (history.upSinceMs !== undefined && now - history.upSinceMs >= this.policy.backoffResetAfterMs) {
      history.nextBackoffMs = this.policy.backoffInitialMs;
    }
    history.upSinceMs = undefined;
    const { restarts, periodMs } = this.policy.intensity;
    history.restartTimesMs = history.restartTimesMs.filter((at) => now - at < periodMs);
    if (history.restartTimesMs.length >= restarts) return { kind: 'giveUp', restartsInPeriod: history.restartTimesMs.length };
    history.restartTimesMs.push(now);
    const delayMs = history.nextBackoffMs;
    history.nextBackoffMs = Math.min(this.policy.backoffMaxMs, Math.max(1, delayMs * 2));
    return { kind: 'restart', delayMs };
  }

  /** Forgets an actor's crashes (a manual restart after the supervisor gave up starts it afresh). */
  forget(id: ActorId): void {
    this.histories.delete(id);
  }

  private history(id: ActorId): History {
    let history = this.histories.get(id);
    if (history === undefined) {
      history = { restartTimesMs: [], nextBackoffMs: this.policy.backoffInitialMs, upSinceMs: undefined };
      this.histories.set(id, history);
    }
    return history;
  }
}
