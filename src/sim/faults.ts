// Fault plans: what goes wrong, and when, during the chaos phase of a run. A plan is plain
// data so fast-check can generate and shrink it, and the seeded scheduler can draw one.

import type { Rng } from './rng.js';

export type FaultAction =
  /** Split the cluster: the listed node positions form one side, everyone else the other. */
  | { readonly atMs: number; readonly kind: 'partition'; readonly side: readonly number[] }
  | { readonly atMs: number; readonly kind: 'heal' }
  /** Crash the node at this position (positions index the non-client nodes, modulo their count). */
  | { readonly atMs: number; readonly kind: 'crash'; readonly node: number }
  | { readonly atMs: number; readonly kind: 'restart'; readonly node: number };

export type FaultPlan = readonly FaultAction[];

/** Draw a plan: a fault every 20-250 ms during [0, chaosMs). */
export function randomFaultPlan(rng: Rng, nodeCount: number, chaosMs: number, intensity = 1): FaultPlan {
  const plan: FaultAction[] = [];
  const down = new Set<number>();
  const gapMaxMs = Math.max(30, Math.round(250 / intensity));
  for (let atMs = rng.int(0, 100); atMs < chaosMs; atMs += rng.int(20, gapMaxMs)) {
    const roll = rng.next();
    if (roll < 0.15) {
      // A bounce: crash and come back quickly, while messages sent before the crash are in flight.
      const node = rng.int(0, nodeCount - 1);
      if (down.has(node)) continue;
      plan.push({ atMs, kind: 'crash', node });
      plan.push({ atMs: atMs + rng.int(5, 120), kind: 'restart', node });
    } else if (roll < 0.4) {
      const node = rng.int(0, nodeCount - 1);
      if (down.has(node)) continue;
      down.add(node);
      plan.push({ atMs, kind: 'crash', node });
    } else if (roll < 0.65) {
      if (down.size === 0) continue;
      const node = rng.pick([...down]);
      down.delete(node);
      plan.push({ atMs, kind: 'restart', node });
    } else if (roll < 0.85) {
      const side: number[] = [];
      for (let node = 0; node < nodeCount; node++) if (rng.chance(0.4)) side.push(node);
      plan.push({ atMs, kind: 'partition', side });
    } else {
      plan.push({ atMs, kind: 'heal' });
    }
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

export function formatFault(action: FaultAction, nameOf: (position: number) => string): string {
  switch (action.kind) {
    case 'partition':
      return `${action.atMs}ms partition {${action.side.map(nameOf).join(' ')}}`;
    case 'heal':
      return `${action.atMs}ms heal`;
    case 'crash':
      return `${action.atMs}ms crash ${nameOf(action.node)}`;
    case 'restart':
      return `${action.atMs}ms restart ${nameOf(action.node)}`;
  }
}
