// Deliberately broken roles and stores, to prove the checker can fail. Each bug is one sentence
// of a contract, violated:
//   - acceptBelowPromise: an acceptor accepts an Accept whose ballot is below its promise;
//   - forgetPromiseOnRestart: after a crash, an acceptor comes back without its promise;
//   - forgetAcceptedOnRestart: after a crash, an acceptor comes back without what it accepted;
//   - promiseEqualBallot: an acceptor promises a Prepare whose ballot equals its promise (so a
//     restarted proposer can reuse a ballot);
//   - storeDropsCount: the acceptors' store writes every command of a value with count 1 (the
//     bug issue 6 found: a sequencer reservation reloaded as a single number);
//   - learnerForgetsSessions: after a crash, a learner's log comes back without its client
//     sessions (so a retried command that was already delivered is delivered again);
//   - aliasClientIds: the client numbering of before issue 9: a new session number per abandoned
//     session, without bound, in a 16-bit field beside the endpoint id, so one endpoint's ids run
//     into the next one's. There it took 65,536 abandoned sessions; here every append takes a new
//     session, and clients on even endpoint ids start 3 short of the field's end (as after a long
//     run) while the others start at 0, as fresh clients do;
//   - readFromLaggingLearner: a learner answers a read at once, with what it has, instead of
//     holding it until it has delivered what another learner already acknowledged (the read
//     barrier of src/protocol/read-barrier.ts), so a read can miss an append that resolved before it;
//   - followSkipsGaps: a follow reader that, when a push starts past the entry it waits for (a
//     push was lost), carries on from the push instead of subscribing again from where it was;
//   - barrierForgetsOnRestart: a restarted learner publishes the length its log came back with,
//     below what it published before when a crash cut acknowledged entries from its unsynced
//     tail, so it answers a read without entries it acknowledged (learner-node.ts).
// The simulator must find each within a bounded number of seeds (test/sim/broken.test.ts).

import { Acceptor, EMPTY_ACCEPTOR_STATE, NO_BALLOT, decodeValue, encodeValue } from '../paxos/index.js';
import type { AcceptedEntry, AcceptorConfig, AcceptorDurableState, Ballot } from '../paxos/index.js';
import { AppendCore, type AppendCoreOptions, type AppendCoreSink } from '../protocol/append-core.js';
import { ReadBarrier } from '../protocol/read-barrier.js';
import { FollowRead, type LogEntry } from '../protocol/read-core.js';
import type { EntriesPushMessage } from '../protocol/wire.js';
import { SESSIONS_PER_ENDPOINT } from '../protocol/wire.js';
import { DurableAcceptorStorage, LearnerLog, type RecordStore } from '../storage/index.js';

export const DELIBERATE_BUGS = [
  'acceptBelowPromise',
  'forgetPromiseOnRestart',
  'forgetAcceptedOnRestart',
  'promiseEqualBallot',
  'storeDropsCount',
  'learnerForgetsSessions',
  'aliasClientIds',
  'readFromLaggingLearner',
  'followSkipsGaps',
  'barrierForgetsOnRestart',
] as const;
export type DeliberateBug = (typeof DELIBERATE_BUGS)[number];

export function isDeliberateBug(name: string | undefined): name is DeliberateBug {
  return (DELIBERATE_BUGS as readonly (string | undefined)[]).includes(name);
}

class AcceptsBelowPromise extends Acceptor {
  protected override admitsAccept(ballot: Ballot): boolean {
    return ballot !== NO_BALLOT;
  }
}

class PromisesEqualBallot extends Acceptor {
  protected override admitsPrepare(ballot: Ballot): boolean {
    return ballot >= this.promised;
  }
}

class CountDroppingStorage extends DurableAcceptorStorage {
  override saveAccepted(entry: AcceptedEntry): void {
    const commands = decodeValue(entry.value).map(({ clientId, seq, data }) => ({ clientId, seq, data }));
    super.saveAccepted({ ...entry, value: commands.length === 0 ? entry.value : encodeValue(commands) });
  }
}

/** How an acceptor is built from its durable state, first start (restart = false) or after a crash. */
export function acceptorBuilder(bug: DeliberateBug | undefined, restart: boolean): (config: AcceptorConfig, durable: AcceptorDurableState) => Acceptor {
  return (config, loaded) => {
    let durable = restart ? loaded : EMPTY_ACCEPTOR_STATE;
    if (restart && bug === 'forgetPromiseOnRestart') durable = { ...durable, promised: NO_BALLOT };
    if (restart && bug === 'forgetAcceptedOnRestart') durable = { ...durable, entries: [] };
    switch (bug) {
      case 'acceptBelowPromise':
        return new AcceptsBelowPromise(config, durable);
      case 'promiseEqualBallot':
        return new PromisesEqualBallot(config, durable);
      default:
        return new Acceptor(config, durable);
    }
  };
}

/** Simulated acceptors compact their stores from this size on (the runtime's floor is MiBs), so compaction runs in the simulation too. */
export const SIM_COMPACT_FLOOR_BYTES = 1024;

/** The acceptor's storage over its simulated store: the runtime's own, unless the bug is in the store. */
export function acceptorStorage(store: RecordStore, bug: DeliberateBug | undefined): DurableAcceptorStorage {
  const options = { compactFloorBytes: SIM_COMPACT_FLOOR_BYTES };
  return bug === 'storeDropsCount' ? new CountDroppingStorage(store, options) : new DurableAcceptorStorage(store, options);
}

class SessionForgettingLog extends LearnerLog {
  constructor(store: RecordStore) {
    super(store);
    this.sessions.clear();
  }
}

/** The learner's log over its simulated store: the runtime's own, unless the bug is in the log. */
export function learnerLog(store: RecordStore, bug: DeliberateBug | undefined, restart: boolean): LearnerLog {
  return restart && bug === 'learnerForgetsSessions' ? new SessionForgettingLog(store) : new LearnerLog(store);
}

/** Sessions the aliasing client has left before its numbers leave their field. */
const ALIASING_SESSIONS_LEFT = 3;

class AliasingAppendCore<T> extends AppendCore<T> {
  private readonly endpointId: number;
  private readonly inflightMax: number;

  constructor(options: AppendCoreOptions, sink: AppendCoreSink<T>) {
    super(options, sink);
    this.endpointId = options.endpointId;
    this.inflightMax = options.inflightAppendsMax;
    if (options.endpointId % 2 === 0) this.nextSessionNumber = SESSIONS_PER_ENDPOINT - ALIASING_SESSIONS_LEFT;
  }

  /** A new session for every append, never one given back. */
  protected override takeSession(): number {
    if (this.inflight + this.waitingCount >= this.inflightMax) return -1;
    return this.nextSessionNumber++;
  }

  /** The old packing, without the range check: session 65,536 of endpoint e is session 0 of endpoint e + 1. */
  protected override clientIdFor(session: number): number {
    return this.endpointId * SESSIONS_PER_ENDPOINT + session;
  }

  protected override sessionOfClientId(clientId: number): number {
    return clientId - this.endpointId * SESSIONS_PER_ENDPOINT;
  }
}

/** How a simulated client builds its append core: the runtime's own, unless the bug is in the client. */
export function appendCoreFactory(bug: DeliberateBug | undefined): <T>(options: AppendCoreOptions, sink: AppendCoreSink<T>) => AppendCore<T> {
  return bug === 'aliasClientIds' ? (options, sink) => new AliasingAppendCore(options, sink) : (options, sink) => new AppendCore(options, sink);
}

class IgnoredBarrier extends ReadBarrier {
  override barrier(): number {
    return 0;
  }
}

class ForgetfulBarrier extends ReadBarrier {
  private readonly words: BigInt64Array;

  constructor(
    counts: SharedArrayBuffer,
    private readonly position: number,
  ) {
    super(counts, position);
    this.words = new BigInt64Array(counts);
  }

  override publish(delivered: number): void {
    Atomics.store(this.words, this.position, BigInt(delivered));
  }
}

/** A learner's read barrier over the learners' shared delivered counts: the runtime's own, unless the bug is in the reads. */
export function readBarrier(counts: SharedArrayBuffer, learnerPosition: number, bug: DeliberateBug | undefined): ReadBarrier {
  if (bug === 'readFromLaggingLearner') return new IgnoredBarrier(counts, learnerPosition);
  if (bug === 'barrierForgetsOnRestart') return new ForgetfulBarrier(counts, learnerPosition);
  return new ReadBarrier(counts, learnerPosition);
}

class GapSkippingFollow extends FollowRead {
  override onPush(push: EntriesPushMessage): LogEntry[] {
    const entries: LogEntry[] = [];
    for (let i = 0; i < push.entries.length; i++) {
      const index = push.fromIndex + i;
      if (index >= this.next) entries.push({ index, data: push.entries[i]! });
    }
    if (entries.length > 0) this.skipTo(entries.at(-1)!.index + 1);
    return entries;
  }
}

/** How a simulated follower is built: the runtime's FollowRead, unless the bug is in the follow reader. */
export function followReadFactory(bug: DeliberateBug | undefined): (fromIndex: number, from: number, subscriptionId: number, creditEntries: number) => FollowRead {
  return bug === 'followSkipsGaps'
    ? (fromIndex, from, id, credit) => new GapSkippingFollow(fromIndex, from, id, credit)
    : (fromIndex, from, id, credit) => new FollowRead(fromIndex, from, id, credit);
}
