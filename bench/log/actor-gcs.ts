import type { Cluster } from '../../src/index.js';

/**
 * Minor GCs per role, per million committed commands, from the actors' own counters. The actors
 * run on worker threads inside the log, where the bench cannot observe GCs; each actor thread
 * counts its own (`threadGcMinor`, a PerformanceObserver on NODE_PERFORMANCE_GC_MINOR) and
 * reports it with the actor's counters. If a counter is missing this says the figure is
 * unavailable rather than guess. Commands are counted from the first learner's `delivered`
 * counter.
 */
export const ACTOR_GC_COUNTER = 'threadGcMinor';

export interface RoleGcFigures {
  /** Worst actor of the role: minor GCs per million committed commands. */
  readonly maxPerMillion: number;
  readonly perActor: readonly number[];
}

export interface ActorGcFigures {
  readonly available: boolean;
  readonly note: string;
  readonly roles: Readonly<Record<string, RoleGcFigures>>;
}

/** One live actor as a snapshot saw it. */
export interface ActorSnapshot {
  readonly role: string;
  /** A proposer that believed it led when the snapshot was taken. */
  readonly leader: boolean;
  readonly threadId: number;
  readonly minorGcs: number | undefined;
  /** Its thread's CPU time so far (`threadCpuMicros`; Linux only). */
  readonly cpuMicros: number | undefined;
  /** Receivers its thread has woken so far (`threadWakesSent`). */
  readonly wakesSent: number | undefined;
  /** Fresh pages its thread has been given so far (`threadMinorFaults`; Linux only). */
  readonly minorFaults: number | undefined;
}

/** The actors' counters at one moment, with the process's CPU time and the clock (thread-cpu.ts reads these too). */
export interface Snapshot {
  readonly byActor: Map<number, ActorSnapshot>;
  readonly delivered: number;
  /** process.cpuUsage(), user + system, every thread of the process: microseconds. */
  readonly processCpuMicros: number;
  /** Minor page faults of every thread of the process so far (process.resourceUsage()). */
  readonly processMinorFaults: number;
  readonly atMs: number;
}

export async function snapshotActors(log: { readonly cluster: Cluster }): Promise<Snapshot> {
  const byActor = new Map<number, ActorSnapshot>();
  let delivered = 0;
  for (const actor of await log.cluster.actors()) {
    if (!actor.alive) continue;
    const counters = await log.cluster.counters(actor.id).catch(() => ({}) as Record<string, number>);
    byActor.set(actor.id, { role: actor.role, leader: actor.leader, threadId: actor.threadId, minorGcs: counters[ACTOR_GC_COUNTER], cpuMicros: counters.threadCpuMicros, wakesSent: counters.threadWakesSent, minorFaults: counters.threadMinorFaults });
    if (actor.role === 'learner' && typeof counters.delivered === 'number') delivered = Math.max(delivered, counters.delivered);
  }
  const cpu = process.cpuUsage();
  return { byActor, delivered, processCpuMicros: cpu.user + cpu.system, processMinorFaults: process.resourceUsage().minorPageFault, atMs: performance.now() };
}

export function actorGcsBetween(before: Snapshot, after: Snapshot): ActorGcFigures {
  const commands = after.delivered - before.delivered;
  const perRole: Record<string, number[]> = {};
  let available = commands > 0;
  for (const [id, now] of after.byActor) {
    const then = before.byActor.get(id);
    if (now.minorGcs === undefined || then?.minorGcs === undefined) {
      available = false;
      continue;
    }
    (perRole[now.role] ??= []).push(((now.minorGcs - then.minorGcs) / Math.max(1, commands)) * 1e6);
  }
  if (!available) {
    return {
      available: false,
      note: `actor threads' GCs not measurable: the log's actor counters have no '${ACTOR_GC_COUNTER}' (needs src support)`,
      roles: {},
    };
  }
  const roles = Object.fromEntries(Object.entries(perRole).map(([role, values]) => [role, { maxPerMillion: Math.max(...values), perActor: values }]));
  return { available: true, note: `from each actor's '${ACTOR_GC_COUNTER}' counter over ${commands} committed commands`, roles };
}

/** Median-free merge of several runs' figures: the worst run per role (a GC budget is a ceiling). */
export function worstOf(runs: readonly ActorGcFigures[]): ActorGcFigures {
  const first = runs[0];
  if (first === undefined || runs.some((run) => !run.available)) return runs.find((run) => !run.available) ?? emptyFigures();
  const roles: Record<string, RoleGcFigures> = {};
  for (const run of runs) {
    for (const [role, figures] of Object.entries(run.roles)) {
      const known = roles[role];
      if (known === undefined || figures.maxPerMillion > known.maxPerMillion) roles[role] = figures;
    }
  }
  return { available: true, note: first.note, roles };
}

function emptyFigures(): ActorGcFigures {
  return { available: false, note: 'no run', roles: {} };
}
