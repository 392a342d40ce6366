import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../bench/log/actor-gcs.js';
import { describeThreadCpu, threadCpuBetween } from '../../bench/log/thread-cpu.js';

type Actor = { role: string; leader?: boolean; threadId: number; cpuMicros: number | undefined; wakesSent?: number; minorFaults?: number };

function snapshot(actors: Record<number, Actor>, delivered: number, processCpuMicros: number, atMs: number, processMinorFaults = 0): Snapshot {
  const byActor = new Map(Object.entries(actors).map(([id, a]) => [Number(id), { leader: false, minorGcs: 0, wakesSent: 0, minorFaults: 0, ...a }]));
  return { byActor, delivered, processCpuMicros, processMinorFaults, atMs };
}

describe('threadCpuBetween', () => {
  it('gives each actor thread its CPU per command and share of a core, and the process its total', () => {
    const before = snapshot(
      { 1: { role: 'proposer', leader: true, threadId: 10, cpuMicros: 0, wakesSent: 5, minorFaults: 100 }, 2: { role: 'learner', threadId: 11, cpuMicros: 500, minorFaults: 7 } },
      1000,
      0,
      0,
      1000,
    );
    const after = snapshot(
      {
        1: { role: 'proposer', leader: true, threadId: 10, cpuMicros: 400_000, wakesSent: 40_005, minorFaults: 2100 },
        2: { role: 'learner', threadId: 11, cpuMicros: 800_500, wakesSent: 5000, minorFaults: 250_007 },
      },
      1_001_000,
      3_000_000,
      2000,
      261_000,
    );
    const figures = threadCpuBetween(before, after);
    expect(figures.available).toBe(true);
    expect(figures.commands).toBe(1_000_000);
    expect(figures.processMicrosPerCommand).toBeCloseTo(3);
    expect(figures.processCores).toBeCloseTo(1.5);
    expect(figures.processFaultsPerCommand).toBeCloseTo(0.26);
    expect(figures.threads).toEqual([
      { label: 'leader', microsPerCommand: 0.4, coreShare: 0.2, wakesPerCommand: 0.04, faultsPerCommand: 0.002 },
      { label: 'learner', microsPerCommand: 0.8, coreShare: 0.4, wakesPerCommand: 0.005, faultsPerCommand: 0.25 },
    ]);
    // The rest's faults: the process's 260 per 1000 less the actor threads' 252.
    expect(describeThreadCpu(figures)).toBe(
      '3.00 us a command (1.50 cores): learner 0.80 us (40%, 5.0 wakes and 250 faults per 1000), leader 0.40 (20%, 40, 2.0); callers, GC helpers and the rest 1.80 us (8.0 faults per 1000)',
    );
  });

  it('counts a thread shared by two actors once', () => {
    const actors = (cpu: number) => ({ 1: { role: 'acceptor', threadId: 7, cpuMicros: cpu }, 2: { role: 'learner', threadId: 7, cpuMicros: cpu } });
    const figures = threadCpuBetween(snapshot(actors(0), 0, 0, 0), snapshot(actors(100_000), 100_000, 200_000, 1000));
    expect(figures.threads).toEqual([{ label: 'acceptor+learner', microsPerCommand: 1, coreShare: 0.1, wakesPerCommand: 0, faultsPerCommand: 0 }]);
  });

  it('says it cannot tell when an actor moved to another thread (a restart), has no clock, or nothing committed', () => {
    const moved = threadCpuBetween(snapshot({ 1: { role: 'learner', threadId: 7, cpuMicros: 0 } }, 0, 0, 0), snapshot({ 1: { role: 'learner', threadId: 8, cpuMicros: 10 } }, 10, 20, 1000));
    expect(moved.available).toBe(false);
    expect(describeThreadCpu(moved)).toMatch(/not measurable/);
    const noClock = threadCpuBetween(snapshot({ 1: { role: 'learner', threadId: 7, cpuMicros: undefined } }, 0, 0, 0), snapshot({ 1: { role: 'learner', threadId: 7, cpuMicros: undefined } }, 10, 20, 1000));
    expect(noClock.available).toBe(false);
    const idle = threadCpuBetween(snapshot({ 1: { role: 'learner', threadId: 7, cpuMicros: 0 } }, 5, 0, 0), snapshot({ 1: { role: 'learner', threadId: 7, cpuMicros: 10 } }, 5, 20, 1000));
    expect(idle.available).toBe(false);
  });
});
