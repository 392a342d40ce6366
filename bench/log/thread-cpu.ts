import type { Snapshot } from './actor-gcs.js';

/**
 * Where the CPU went: each role's thread in microseconds per committed command and in share of
 * one core, and the whole process beside them (what is left over is the load threads that call
 * append(), V8's platform threads that help its garbage collector, and the main thread). The
 * thread that nears a whole core first is the one that caps throughput on a machine with cores to
 * spare; on one with fewer cores than threads, the total is. From each actor's
 * `threadCpuMicros` counter (Linux) and process.cpuUsage(), between two snapshots; beside them
 * the wake-ups each thread sent and the fresh pages it faulted in (`threadMinorFaults`).
 */
export interface ThreadCpuFigures {
  readonly available: boolean;
  readonly note: string;
  readonly commands: number;
  readonly wallMs: number;
  /** Every thread of the process. */
  readonly processMicrosPerCommand: number;
  readonly processCores: number;
  /** Fresh pages the kernel zeroed for every thread of the process, per committed command. */
  readonly processFaultsPerCommand: number;
  /** One entry per actor thread, in the order the log made its actors. */
  readonly threads: readonly ThreadCpuShare[];
}

export interface ThreadCpuShare {
  /** The roles on the thread, a proposer as 'leader' or 'standby' (as at the later snapshot). */
  readonly label: string;
  readonly microsPerCommand: number;
  /** CPU time over wall time: 1 is a whole core. */
  readonly coreShare: number;
  /** Receivers the thread woke (a system call each) per committed command. */
  readonly wakesPerCommand: number;
  /** Fresh pages the kernel zeroed for the thread (a fault each, 1.5-4 us on the 2-core VM) per committed command; 0 where unknown. */
  readonly faultsPerCommand: number;
}

export function threadCpuBetween(before: Snapshot, after: Snapshot): ThreadCpuFigures {
  const commands = after.delivered - before.delivered;
  const wallMs = after.atMs - before.atMs;
  const processMicros = after.processCpuMicros - before.processCpuMicros;
  const perThread = new Map<number, { labels: string[]; micros: number; wakes: number; faults: number }>();
  let available = commands > 0 && wallMs > 0;
  for (const [id, now] of after.byActor) {
    const then = before.byActor.get(id);
    if (now.cpuMicros === undefined || then?.cpuMicros === undefined || then.threadId !== now.threadId) {
      // No counter (not Linux), or the actor restarted on another thread in between: its CPU is unknown.
      available = false;
      continue;
    }
    const label = now.role === 'proposer' ? (now.leader ? 'leader' : 'standby') : now.role;
    const thread = perThread.get(now.threadId);
    // Actors sharing a thread share its clock: count the thread once.
    if (thread === undefined) {
      perThread.set(now.threadId, { labels: [label], micros: now.cpuMicros - then.cpuMicros, wakes: (now.wakesSent ?? 0) - (then.wakesSent ?? 0), faults: (now.minorFaults ?? 0) - (then.minorFaults ?? 0) });
    } else {
      thread.labels.push(label);
    }
  }
  if (!available) {
    return {
      available: false,
      note: "actor threads' CPU not measurable (no threadCpuMicros counter, an actor restarted, or nothing committed)",
      commands,
      wallMs,
      processMicrosPerCommand: 0,
      processCores: 0,
      processFaultsPerCommand: 0,
      threads: [],
    };
  }
  const wallMicros = wallMs * 1000;
  return {
    available: true,
    note: `from each actor thread's threadCpuMicros and process.cpuUsage() over ${commands} committed commands in ${(wallMs / 1000).toFixed(1)} s`,
    commands,
    wallMs,
    processMicrosPerCommand: processMicros / commands,
    processCores: processMicros / wallMicros,
    processFaultsPerCommand: (after.processMinorFaults - before.processMinorFaults) / commands,
    threads: [...perThread.values()].map(({ labels, micros, wakes, faults }) => ({
      label: labels.join('+'),
      microsPerCommand: micros / commands,
      coreShare: micros / wallMicros,
      wakesPerCommand: wakes / commands,
      faultsPerCommand: faults / commands,
    })),
  };
}

/**
 * One line: the process's total, then each thread busiest first with its share of a core, the
 * wake-ups it sent and the fresh pages it faulted in per 1000 commands, e.g. "5.60 us a command
 * (1.40 cores): learner 0.80 us (40%, 12 wakes and 250 faults per 1000), leader 0.50 (27%, 30,
 * 2.0); ...; callers, GC helpers and the rest 3.70 us (8.0 faults per 1000)".
 */
export function describeThreadCpu(figures: ThreadCpuFigures): string {
  if (!figures.available) return figures.note;
  const busiestFirst = [...figures.threads].sort((a, b) => b.coreShare - a.coreShare);
  const actorMicros = figures.threads.reduce((sum, thread) => sum + thread.microsPerCommand, 0);
  const actorFaults = figures.threads.reduce((sum, thread) => sum + thread.faultsPerCommand, 0);
  const parts = busiestFirst.map((thread, i) => {
    const wakes = formatPerThousand(thread.wakesPerCommand);
    const faults = formatPerThousand(thread.faultsPerCommand);
    const counts = i === 0 ? `${wakes} wakes and ${faults} faults per 1000` : `${wakes}, ${faults}`;
    return `${thread.label} ${formatMicros(thread.microsPerCommand)}${i === 0 ? ' us' : ''} (${Math.round(thread.coreShare * 100)}%, ${counts})`;
  });
  const restMicros = Math.max(0, figures.processMicrosPerCommand - actorMicros);
  const restFaults = Math.max(0, figures.processFaultsPerCommand - actorFaults);
  return (
    `${formatMicros(figures.processMicrosPerCommand)} us a command (${figures.processCores.toFixed(2)} cores): ${parts.join(', ')};` +
    ` callers, GC helpers and the rest ${formatMicros(restMicros)} us (${formatPerThousand(restFaults)} faults per 1000)`
  );
}

/** A count per command as a count per 1000 commands, to three figures at most. */
function formatPerThousand(perCommand: number): string {
  const perThousand = perCommand * 1000;
  return perThousand >= 10 ? perThousand.toFixed(0) : perThousand.toFixed(1);
}

function formatMicros(micros: number): string {
  return micros >= 100 ? micros.toFixed(0) : micros >= 10 ? micros.toFixed(1) : micros.toFixed(2);
}
