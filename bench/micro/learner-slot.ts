// One slot through a learner as the runtime runs it (LearnerNode: the Learner, a LearnerLog that
// retains entries, the AckBatcher): the Accept and two votes in, the deliveries recorded, the
// acknowledgements drained. The store keeps nothing (a micro-benchmark of the code, not of memory),
// and the slot's value is rewritten in place with the next seqs each time, so the bytes allocated
// per op are the learner's own: what the learner's minor GCs per 1M commands come from.
import { LearnerNode } from '../../src/roles/learner-node.js';
import { AckBatcher } from '../../src/protocol/ack-batcher.js';
import { clientIdOf, type ClientReplyBatchMessage } from '../../src/protocol/wire.js';
import { COMMAND_SEQ_OFFSET, MessageType, encodeValue, makeBallot, nextCommandAt, viewOf, type Message } from '../../src/paxos/index.js';
import { LearnerLog } from '../../src/storage/learner-log.js';
import type { RecordStore } from '../../src/storage/record-store.js';

/** A store that takes records and keeps none (only their offsets advance). */
function discardingStore(): RecordStore {
  let sizeBytes = 0;
  let scratch = new Uint8Array(64 * 1024);
  return {
    recovered: [],
    recoveredCount: 0,
    get sizeBytes() {
      return sizeBytes;
    },
    forEachRecord: () => undefined,
    append(payload: Uint8Array, tail?: Uint8Array): number {
      const at = sizeBytes + 8;
      sizeBytes = at + payload.byteLength + (tail?.byteLength ?? 0);
      return at;
    },
    reserve(payloadBytesMax: number): number {
      if (payloadBytesMax > scratch.byteLength) scratch = new Uint8Array(payloadBytesMax);
      return 0;
    },
    get reservedTarget() {
      return scratch;
    },
    appendReserved(payloadBytes: number): number {
      const at = sizeBytes + 8;
      sizeBytes = at + payloadBytes;
      return at;
    },
    read: () => {
      throw new Error('micro bench: the discarding store keeps nothing to read');
    },
    sync: () => undefined,
    rewrite: () => undefined,
    close: () => undefined,
  };
}

/** Delivers one slot of `commands` commands of `dataBytes` bytes per call; returns the acknowledgement ranges sent (for a check). */
export function learnerSlotRunner(commands: number, dataBytes: number): { run: (n: number) => void; ackNumbers: () => number; delivered: () => number } {
  const log = new LearnerLog(discardingStore(), { retainEntries: true });
  let ackNumbers = 0;
  const node = new LearnerNode({
    config: { id: 20, acceptors: [10, 11, 12], proposers: [1] },
    log,
    transport: { send: () => undefined },
    acks: new AckBatcher(20, 1 << 16),
    sendAcks: (_endpoint: number, message: ClientReplyBatchMessage) => {
      ackNumbers += message.ranges.length;
    },
  });
  // One endpoint's sessions in step, as a closed loop keeps them.
  const firstClient = clientIdOf(0, 40, 0);
  const value = encodeValue(Array.from({ length: commands }, (_, c) => ({ clientId: firstClient + c, seq: 1, data: new Uint8Array(dataBytes) })));
  const view = viewOf(value);
  const ballot = makeBallot(1, 1);
  const accept = { type: MessageType.Accept, from: 1, ballot, slot: 0, value } as Message & { slot: number };
  const votes = [10, 11].map((from) => ({ type: MessageType.Accepted, from, ballot, slot: 0 }) as Message & { slot: number });
  let slot = 0;
  return {
    run(n: number): void {
      for (let i = 0; i < n; i++) {
        slot++;
        for (let at = 0; at < value.byteLength; at = nextCommandAt(view, at)) view.setFloat64(at + COMMAND_SEQ_OFFSET, slot, true);
        accept.slot = slot - 1;
        node.step(0, accept, 0);
        for (const vote of votes) {
          vote.slot = slot - 1;
          node.step(0, vote, 0);
        }
        node.endTurn();
      }
    },
    ackNumbers: () => ackNumbers,
    delivered: () => log.length,
  };
}
