// Network fault settings and partitions. The cluster asks this module whether and when a
// message arrives; delays drawn per message reorder messages naturally.

import type { NodeId } from '../paxos/index.js';
import type { Rng } from './rng.js';

export interface NetworkFaults {
  /** Probability that a message is lost. */
  readonly dropRate: number;
  /** Probability that a message is delivered twice (each copy with its own delay). */
  readonly duplicateRate: number;
  readonly delayMinMs: number;
  readonly delayMaxMs: number;
  /** Probability that a message is held up by an extra delay in [0, slowDelayMaxMs]: stale messages. */
  readonly slowRate?: number;
  readonly slowDelayMaxMs?: number;
}

export const CALM_NETWORK: NetworkFaults = Object.freeze({ dropRate: 0, duplicateRate: 0, delayMinMs: 1, delayMaxMs: 10 });

export function checkNetworkFaults(faults: NetworkFaults): void {
  for (const name of ['dropRate', 'duplicateRate', 'slowRate'] as const) {
    const rate = faults[name] ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${rate}`);
  }
  if (!Number.isInteger(faults.delayMinMs) || faults.delayMinMs < 0) {
    throw new RangeError(`delayMinMs must be an integer >= 0, got ${faults.delayMinMs}`);
  }
  if (!Number.isInteger(faults.delayMaxMs) || faults.delayMaxMs < faults.delayMinMs) {
    throw new RangeError(`delayMaxMs must be an integer >= delayMinMs (${faults.delayMinMs}), got ${faults.delayMaxMs}`);
  }
}

export class Network {
  private faults: NetworkFaults;
  /** Partition side per node; nodes not listed share side -1. */
  private readonly sideOf = new Map<NodeId, number>();

  constructor(
    faults: NetworkFaults,
    private readonly rng: Rng,
  ) {
    checkNetworkFaults(faults);
    this.faults = faults;
  }

  get settings(): NetworkFaults {
    return this.faults;
  }

  set settings(faults: NetworkFaults) {
    checkNetworkFaults(faults);
    this.faults = faults;
  }

  get partitioned(): boolean {
    return this.sideOf.size > 0;
  }

  /** Split the network: each group is a side; everyone unlisted forms one more side. */
  partition(groups: ReadonlyArray<readonly NodeId[]>): void {
    this.sideOf.clear();
    groups.forEach((group, side) => group.forEach((id) => this.sideOf.set(id, side)));
  }

  heal(): void {
    this.sideOf.clear();
  }

  connected(from: NodeId, to: NodeId): boolean {
    return (this.sideOf.get(from) ?? -1) === (this.sideOf.get(to) ?? -1);
  }

  /** Delays (ms) of the copies of one message that will arrive: none if dropped, two if duplicated. */
  arrivals(): number[] {
    if (this.faults.dropRate > 0 && this.rng.chance(this.faults.dropRate)) return [];
    const first = this.delay();
    if (this.faults.duplicateRate > 0 && this.rng.chance(this.faults.duplicateRate)) return [first, this.delay()];
    return [first];
  }

  private delay(): number {
    const delayMs = this.rng.int(this.faults.delayMinMs, this.faults.delayMaxMs);
    const slowRate = this.faults.slowRate ?? 0;
    if (slowRate > 0 && this.rng.chance(slowRate)) return delayMs + this.rng.int(0, this.faults.slowDelayMaxMs ?? 0);
    return delayMs;
  }
}
