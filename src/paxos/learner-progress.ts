// What the learners reported delivering, as a leader and its standbys track it: gcBelow, the
// slot below which every learner delivered (acceptors may drop that prefix, and a leader stops
// chasing it), and deliveredMax, the furthest any learner got (chosen, so heartbeats announce it
// to learners that lag).
import type { NodeId } from './ids.js';

export class LearnerProgress {
  private readonly deliveredBelowByLearner = new Map<NodeId, number>();
  private gcBelowValue = 0;
  private deliveredMaxValue = 0;

  constructor(private readonly learners: readonly NodeId[]) {}

  /** Every learner delivered every slot below this. */
  get gcBelow(): number {
    return this.gcBelowValue;
  }

  /** The highest slot any learner reported delivering below. */
  get deliveredMax(): number {
    return this.deliveredMaxValue;
  }

  /** Learner `from` delivered every slot below `deliveredBelow`; true if that raised gcBelow. */
  report(from: NodeId, deliveredBelow: number): boolean {
    if (!this.learners.includes(from)) return false;
    const previous = this.deliveredBelowByLearner.get(from) ?? 0;
    if (deliveredBelow > previous) this.deliveredBelowByLearner.set(from, deliveredBelow);
    if (deliveredBelow > this.deliveredMaxValue) this.deliveredMaxValue = deliveredBelow;
    if (this.deliveredBelowByLearner.size < this.learners.length) return false;
    let everyoneBelow = Number.POSITIVE_INFINITY;
    for (const below of this.deliveredBelowByLearner.values()) everyoneBelow = Math.min(everyoneBelow, below);
    if (everyoneBelow <= this.gcBelowValue) return false;
    this.gcBelowValue = everyoneBelow;
    return true;
  }

  /** Another proposer (a heartbeat) or an acceptor (a Promise's logStart) knows of a higher gcBelow. */
  raise(gcBelow: number): void {
    if (gcBelow > this.gcBelowValue) this.gcBelowValue = gcBelow;
  }
}
