// The checker. It watches what acceptors persist, what learners deliver and what clients are
// told, independently of the protocol code (it never asks a proposer or learner what it
// thinks), and throws a SimViolation at the first broken rule:
//   - at most one value is ever chosen per slot (chosen = a majority of acceptors accepted the
//     same ballot, at any point in history);
//   - each learner delivers densely numbered commands, only from chosen slots: a command with
//     count k takes the k indexes after the one before it (a sequencer's reservation), so the
//     numbers handed out are unique and gapless whatever the counts;
//   - every learner's delivered sequence (commands with their counts) is a prefix of one common
//     sequence (so of each other's); a learner restarted from its log resumes at the log's end,
//     and what it delivers again must be what it delivered before;
//   - no command is delivered twice; nothing is delivered that no client proposed; a (client id,
//     seq) names one command only (ids that alias would make exactly-once deliver the wrong one);
//   - a command a client saw acknowledged sits at the acknowledged position, and is never
//     acknowledged at two positions;
//   - a read sent after an append resolved sees it: the entry at its index, with its data;
//   - a follower is handed every index in order, each with the data delivered there (empty inside
//     a reservation).
// Liveness (progress after faults heal) is checked by the scheduler with checkComplete().

import { SynodErrorCode, withCode } from '../error-codes.js';
import type { AcceptedEntry, Command, Delivery, NodeId, Value } from '../paxos/index.js';
import { decodeValue, formatBallot } from '../paxos/index.js';
import { commandLabel, formatValue } from './trace.js';

const EMPTY = new Uint8Array(0);

export class SimViolation extends Error {
  readonly code = SynodErrorCode.SimViolation;
  /** The rule and what broke it, without the code: what traces and run results print. */
  readonly description: string;
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(withCode(`${rule}: ${message}`, SynodErrorCode.SimViolation));
    this.name = 'SimViolation';
    this.description = `${rule}: ${message}`;
  }
}

interface BallotVotes {
  readonly ballot: number;
  readonly key: string;
  mask: number;
  counted: boolean;
}

interface ChosenSlot {
  readonly ballot: number;
  readonly key: string;
  readonly value: Value;
}

/** Commands are identified by (clientId, seq); simulated sequence numbers stay far below 2^20 (and client ids below 2^32). */
export function commandKey(clientId: number, seq: number): number {
  return clientId * 1048576 + seq;
}

const valueKeys = new WeakMap<Value, string>();

export function valueKey(value: Value): string {
  let key = valueKeys.get(value);
  if (key === undefined) {
    key = value.byteLength === 0 ? 'noop' : decodeValue(value).map((command) => commandLabel(command.clientId, command.seq, command.count)).join(',');
    valueKeys.set(value, key);
  }
  return key;
}

export class Invariants {
  private readonly quorumSize: number;
  private readonly votes = new Map<number, BallotVotes[]>();
  readonly chosen = new Map<number, ChosenSlot>();
  /** The common delivered sequence of commands: every learner's deliveries must be a prefix of it. */
  readonly canonical: number[] = [];
  /** Count of each command of `canonical`, and the log index it starts at. */
  private readonly canonicalCounts: number[] = [];
  private readonly canonicalStarts: number[] = [];
  /** Position in `canonical` by the log index a command starts at. */
  private readonly positionAtIndex = new Map<number, number>();
  /** Log index by command key. */
  private readonly canonicalIndex = new Map<number, number>();
  /** Per learner: commands delivered (its position in canonical) and the next log index. */
  private readonly learners = new Map<NodeId, { position: number; nextIndex: number }>();
  private readonly submitted = new Map<number, Uint8Array>();
  private readonly acked = new Map<number, number>();
  /** Per following reader, the next index it must be handed. */
  private readonly followedNext = new Map<string, number>();

  constructor(acceptorCount: number) {
    this.quorumSize = (acceptorCount >> 1) + 1;
  }

  get ackedCount(): number {
    return this.acked.size;
  }

  /** Commands a learner has delivered (in this incarnation or, through its log, before). */
  delivered(learner: NodeId): number {
    return this.learners.get(learner)?.position ?? 0;
  }

  /** Log indexes handed out in all (the sum of the delivered commands' counts). */
  get indexesDelivered(): number {
    const last = this.canonical.length - 1;
    return last < 0 ? 0 : this.canonicalStarts[last]! + this.canonicalCounts[last]!;
  }

  /** A learner (re)started with a log `logLength` indexes long: it resumes after what the log holds. */
  onLearnerStart(learner: NodeId, learnerName: string, logLength: number): void {
    const position = logLength === this.indexesDelivered ? this.canonical.length : this.positionAtIndex.get(logLength);
    if (position === undefined) {
      throw new SimViolation('dense-delivery', `${learnerName} restarted with a log ${logLength} indexes long, which ends inside a delivered command or past all of them`);
    }
    this.learners.set(learner, { position, nextIndex: logLength });
  }

  /** A client sent a command: (clientId, seq) must name this one command and no other, ever. */
  onSubmitted(command: Command): void {
    const key = commandKey(command.clientId, command.seq);
    const earlier = this.submitted.get(key);
    if (earlier !== undefined && !sameBytes(earlier, command.data)) {
      throw new SimViolation('command-identity', `${commandLabel(command.clientId, command.seq)} was submitted for two different commands (client ids alias)`);
    }
    this.submitted.set(key, command.data);
  }

  /** An acceptor (by position) persisted an accepted entry. */
  onAccepted(acceptorPosition: number, entry: AcceptedEntry): void {
    let list = this.votes.get(entry.slot);
    if (list === undefined) {
      list = [];
      this.votes.set(entry.slot, list);
    }
    const key = valueKey(entry.value);
    let votes = list.find((candidate) => candidate.ballot === entry.ballot);
    if (votes === undefined) {
      votes = { ballot: entry.ballot, key, mask: 0, counted: false };
      list.push(votes);
    } else if (votes.key !== key) {
      throw new SimViolation(
        'one-value-per-ballot',
        `slot ${entry.slot} ballot ${formatBallot(entry.ballot)} carries both ${votes.key} and ${key}`,
      );
    }
    votes.mask |= 1 << acceptorPosition;
    if (votes.counted || popcount(votes.mask) < this.quorumSize) return;
    votes.counted = true;
    const earlier = this.chosen.get(entry.slot);
    if (earlier === undefined) {
      this.chosen.set(entry.slot, { ballot: entry.ballot, key, value: entry.value });
    } else if (earlier.key !== key) {
      throw new SimViolation(
        'one-value-per-slot',
        `slot ${entry.slot}: ${formatValue(earlier.value)} chosen at ballot ${formatBallot(earlier.ballot)}, ` +
          `then ${formatValue(entry.value)} chosen at ballot ${formatBallot(entry.ballot)}`,
      );
    }
  }

  onDelivered(learner: NodeId, learnerName: string, delivery: Delivery): void {
    const { command, slot, logIndex } = delivery;
    const key = commandKey(command.clientId, command.seq);
    const count = command.count ?? 1;
    const label = commandLabel(command.clientId, command.seq, count);
    let progress = this.learners.get(learner);
    if (progress === undefined) this.learners.set(learner, (progress = { position: 0, nextIndex: 0 }));
    if (logIndex !== progress.nextIndex) {
      throw new SimViolation('dense-delivery', `${learnerName} delivered ${label} at log index ${logIndex}, expected ${progress.nextIndex}`);
    }
    const position = progress.position;
    progress.position++;
    progress.nextIndex += count;
    const data = this.submitted.get(key);
    if (data === undefined || !sameBytes(data, command.data)) {
      throw new SimViolation('only-proposed', `${learnerName} delivered ${label}, which no client proposed with that data`);
    }
    const chosen = this.chosen.get(slot);
    const inBatch = chosen === undefined ? undefined : decodeValue(chosen.value)[delivery.indexInBatch];
    if (chosen === undefined || inBatch === undefined || inBatch.clientId !== command.clientId || inBatch.seq !== command.seq || inBatch.count !== count) {
      throw new SimViolation(
        'deliver-chosen',
        `${learnerName} delivered ${label} from slot ${slot}, but slot ${slot} chose ${chosen ? formatValue(chosen.value) : 'nothing'}`,
      );
    }
    if (position < this.canonical.length) {
      if (this.canonical[position] !== key || this.canonicalCounts[position] !== count) {
        throw new SimViolation(
          'prefix',
          `${learnerName} delivered ${label} at log index ${logIndex}, where ${keyLabel(this.canonical[position]!)}x${this.canonicalCounts[position]} was delivered before`,
        );
      }
    } else {
      const earlier = this.canonicalIndex.get(key);
      if (earlier !== undefined) {
        throw new SimViolation('exactly-once', `${label} delivered at log index ${earlier} and again at ${logIndex}`);
      }
      this.canonical.push(key);
      this.canonicalCounts.push(count);
      this.canonicalStarts.push(logIndex);
      this.positionAtIndex.set(logIndex, position);
      this.canonicalIndex.set(key, logIndex);
    }
    const ackedAt = this.acked.get(key);
    if (ackedAt !== undefined && ackedAt !== logIndex) {
      throw new SimViolation('acked-position', `${label} was acknowledged at ${ackedAt} but ${learnerName} delivered it at ${logIndex}`);
    }
  }

  /**
   * A learner answered a read sent after the append at `index` (with `data`) resolved: `entry` is
   * what the reply holds at that index (undefined: not there), `committed` what the learner had.
   */
  onRead(readerName: string, learnerName: string, index: number, data: Uint8Array, committed: number, entry: Uint8Array | undefined): void {
    if (entry === undefined || !sameBytes(entry, data)) {
      throw new SimViolation(
        'read-your-writes',
        `${readerName} read index ${index} after its append there resolved, and ${learnerName} answered ` +
          (entry === undefined ? `without it (${committed} entries committed)` : 'with other data'),
      );
    }
  }

  /** A follow subscription of `readerName` handed out the entry at `index`, with `data`. */
  onFollowed(readerName: string, index: number, data: Uint8Array): void {
    const expected = this.followedNext.get(readerName) ?? 0;
    if (index !== expected) throw new SimViolation('follow-order', `${readerName} followed index ${index}, expected ${expected}`);
    this.followedNext.set(readerName, index + 1);
    if (index >= this.indexesDelivered) throw new SimViolation('follow-order', `${readerName} followed index ${index}, which no learner delivered yet`);
    const position = this.positionAtIndex.get(index);
    // Inside a reservation (an index after a command's first), the entry is empty.
    const wanted = position === undefined ? EMPTY : this.submitted.get(this.canonical[position]!)!;
    if (!sameBytes(wanted, data)) throw new SimViolation('follow-data', `${readerName} followed index ${index} with other data than was delivered there`);
  }

  /** A client was told its command sits at logIndex. */
  onAcknowledged(clientId: number, seq: number, logIndex: number): void {
    const key = commandKey(clientId, seq);
    const label = commandLabel(clientId, seq);
    const earlier = this.acked.get(key);
    if (earlier !== undefined && earlier !== logIndex) {
      throw new SimViolation('acked-position', `${label} acknowledged at ${earlier} and later at ${logIndex}`);
    }
    const position = this.positionAtIndex.get(logIndex);
    if (position === undefined || this.canonical[position] !== key) {
      throw new SimViolation('acked-position', `${label} acknowledged at ${logIndex}, where nothing or another command was delivered`);
    }
    this.acked.set(key, logIndex);
  }
}

function popcount(mask: number): number {
  let count = 0;
  for (let m = mask; m !== 0; m &= m - 1) count++;
  return count;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function keyLabel(key: number): string {
  return commandLabel(Math.floor(key / 1048576), key % 1048576);
}
