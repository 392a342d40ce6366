import { pack, unpack } from 'msgpackr';
import { AckBatcher } from '../../src/protocol/ack-batcher.js';
import { forEachAck } from '../../src/protocol/ack-ranges.js';
import type { ClientReplyBatchMessage } from '../../src/protocol/wire.js';
import { Inbox, Outbox, ValueSlabWriter, copyRange, createDoorbell, createRing, createValueSlab } from '../../src/mailbox/index.js';
import {
  commandClientId,
  commandSeq,
  countCommands,
  decodeValue,
  encodeValue,
  nextCommandAt,
  viewOf,
  writeCommand,
  type Command,
  type Value,
} from '../../src/paxos/value.js';
import { acceptedRecordHead } from '../../src/storage/accepted-record-head.js';
import { FRAME_HEADER_BYTES, writeFrame } from '../../src/storage/frame.js';
import { encodeRecord } from '../../src/storage/record-codec.js';
import { learnerSlotRunner } from './learner-slot.js';
import { copyCoAligned } from '../../src/mailbox/fast-decoder.js';
import { concatRuns, splitIntoSlots } from './slots.js';

/** One micro-benchmark: `run(n)` performs the operation n times (a loop written out per case, so no call in it is shared between cases). */
export interface MicroBenchmark {
  /** Stable name: the key of the figures in the JSON report. */
  readonly name: string;
  readonly group: string;
  /** What one operation is. */
  readonly description: string;
  readonly run: (n: number) => void;
}

export const BATCH_COMMANDS = 256;
export const SMALL_DATA_BYTES = 16;
export const LARGE_DATA_BYTES = 1024;
export const SLOT_MAX_BYTES = 1024;
export const RING_CAPACITY_BYTES = 1 << 20;
/** The acceptor store rows: a slot value of one 64 KiB entry, and the ACCEPTED record's tag. */
const RECORD_VALUE_BYTES = 64 * 1024;
const ACCEPTED_RECORD_TAG = 1;
/** A client id of endpoint 0 (the acknowledgement rows). */
const ACK_CLIENT_ID = 7; // the first session's client id

/** Every benchmark of the suite, in report order (the test checks the JSON against this list). */
export const BENCHMARK_NAMES = [
  'encodeValue 256x16B',
  'encodeValue 1x1KiB',
  'writeCommand loop 256x16B',
  'decodeValue 256x16B',
  'decodeValue 1x1KiB',
  'countCommands 256x16B',
  'countCommands 1x1KiB',
  'read clientId/seq 256x16B',
  'split into 1KiB slots',
  'concat 2 runs',
  'ring Accept write+drain',
  'ring small write+drain',
  'ring Accept fan-out x4, encode each',
  'ring Accept fan-out x4, encode once',
  'ring Accept fan-out x4, by reference',
  'msgpackr pack Accept',
  'msgpackr unpack Accept',
  'ack ranges: gather+drain 256 acks',
  'ack ranges: read 256 acks',
  'acceptor record 64KiB, packed',
  'acceptor record 64KiB, in place',
  'copy 64KiB out of shared memory, slice',
  'copy 64KiB out of shared memory, co-aligned',
  'copy 64KiB into shared memory, misaligned',
  'copy 64KiB into shared memory, co-aligned',
  'learner: a slot of 256x16B',
] as const;

/** Results land here so that no operation's work is dead code. */
export let sink: unknown;

function makeCommands(count: number, dataBytes: number): Command[] {
  return Array.from({ length: count }, (_, i) => ({
    clientId: 7,
    seq: i + 1,
    data: new Uint8Array(dataBytes).fill((i * 31 + 1) & 0xff),
  }));
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`micro bench fixture: ${what}`);
}

export interface MicroFixtures {
  readonly smallValueBytes: number;
  readonly largeValueBytes: number;
  /** msgpack bytes of the Accept and of the small message (the mailbox writes msgpackr's exact bytes). */
  readonly acceptMessageBytes: number;
  readonly smallMessageBytes: number;
  readonly slotMaxBytes: number;
  readonly slotsPerValue: number;
  readonly ringCapacityBytes: number;
}

/** Builds every fixture, checks each operation once for the right answer, and returns the benchmarks. */
export function createMicroBenchmarks(): { benchmarks: MicroBenchmark[]; fixtures: MicroFixtures } {
  const commands256 = makeCommands(BATCH_COMMANDS, SMALL_DATA_BYTES);
  const commands1k = makeCommands(1, LARGE_DATA_BYTES);
  const value256 = encodeValue(commands256);
  const value1k = encodeValue(commands1k);
  check(countCommands(value256) === BATCH_COMMANDS && countCommands(value1k) === 1, 'values decode to their commands');

  // value encode ------------------------------------------------------------------------------
  const payloads = commands256.map((c) => c.data);
  const target = new Uint8Array(value256.byteLength);
  const targetView = viewOf(target);
  const writeLoop = (): void => {
    let offset = 0;
    for (let c = 0; c < BATCH_COMMANDS; c++) offset = writeCommand(target, targetView, offset, 7, c + 1, 1, payloads[c]!);
  };
  writeLoop();
  check(Buffer.compare(target, value256) === 0, 'the writeCommand loop writes what encodeValue does');

  // value decode ------------------------------------------------------------------------------
  const view256 = viewOf(value256);
  const end256 = value256.byteLength;
  const readLoop = (): number => {
    let acc = 0;
    for (let at = 0; at < end256; at = nextCommandAt(view256, at)) acc += commandClientId(view256, at) + commandSeq(view256, at);
    return acc;
  };
  check(readLoop() === BATCH_COMMANDS * 7 + (BATCH_COMMANDS * (BATCH_COMMANDS + 1)) / 2, 'the read loop sees every clientId and seq');

  // slot assembly -----------------------------------------------------------------------------
  const slots: Value[] = [];
  const slotsPerValue = splitIntoSlots(value256, SLOT_MAX_BYTES, slots);
  check(slots.reduce((n, s) => n + s.byteLength, 0) === value256.byteLength, 'slots tile the value');
  check(slots.every((s) => s.byteLength <= SLOT_MAX_BYTES && countCommands(s) > 0), 'slots are whole commands within the limit');
  // Two runs from two buffers (two clients' batches), 128 commands each.
  const half = BATCH_COMMANDS / 2;
  const runA = encodeValue(commands256.slice(0, half));
  const runB = encodeValue(commands256.slice(half));
  check(Buffer.compare(concatRuns(runA, 0, runA.byteLength, runB, 0, runB.byteLength), value256) === 0, 'concatRuns joins the runs');

  // ring and msgpackr -------------------------------------------------------------------------
  const acceptMessage = { type: 3, from: 1, ballot: 65537, slot: 42, value: value256 };
  const smallMessage = { type: 4, from: 2, ballot: 65537, slot: 42 };
  const doorbell = createDoorbell();
  const ring = createRing(RING_CAPACITY_BYTES);
  const outbox = new Outbox(ring, doorbell);
  const inbox = new Inbox(doorbell);
  inbox.addLink(1, ring);
  let received: unknown;
  const onMessage = (_from: number, message: unknown): void => {
    received = message;
  };
  const sendAndDrain = (message: unknown): void => {
    if (!outbox.trySend(message)) throw new Error('micro bench: ring full although drained after every send');
    if (inbox.drain(onMessage) !== 1) throw new Error('micro bench: drain did not return the one message sent');
  };
  sendAndDrain(acceptMessage);
  const got = received as typeof acceptMessage;
  check(got.slot === 42 && got.value instanceof Uint8Array && Buffer.compare(got.value, value256) === 0, 'the Accept crosses the ring intact');
  sendAndDrain(smallMessage);
  check((received as typeof smallMessage).type === 4, 'the small message crosses the ring');
  // Fan-out: one Accept to four links (3 acceptors and a learner), drained together by one inbox.
  const FAN_OUT_LINKS = 4;
  const fanDoorbell = createDoorbell();
  const fanInbox = new Inbox(fanDoorbell);
  const fanOutboxes = Array.from({ length: FAN_OUT_LINKS }, (_, i) => {
    const fanRing = createRing(RING_CAPACITY_BYTES);
    fanInbox.addLink(i + 1, fanRing);
    return new Outbox(fanRing, fanDoorbell);
  });
  let fanReceived = 0;
  const onFanMessage = (): void => {
    fanReceived++;
  };
  const fanOut = (message: unknown, encodeOnce: boolean): void => {
    for (let i = 0; i < FAN_OUT_LINKS; i++) {
      const sent = encodeOnce && i > 0 ? fanOutboxes[i]!.trySendAgain(message, fanOutboxes[i - 1]!) : fanOutboxes[i]!.trySend(message);
      if (!sent) throw new Error('micro bench: fan-out ring full although drained after every send');
    }
    if (fanInbox.drain(onFanMessage) !== FAN_OUT_LINKS) throw new Error('micro bench: fan-out drain did not return one message per link');
  };
  fanOut(acceptMessage, true);
  check(fanReceived === FAN_OUT_LINKS, 'the fan-out reaches every link');
  // The same fan-out from an actor with a value slab: the value written once, a reference per ring (value-slab.ts).
  const fanSlab = createValueSlab(4 * RING_CAPACITY_BYTES);
  const fanSlabWriter = ValueSlabWriter.claim(fanSlab)!;
  const fanSlabDoorbell = createDoorbell();
  const fanSlabInbox = new Inbox(fanSlabDoorbell);
  const fanSlabOutboxes = Array.from({ length: FAN_OUT_LINKS }, (_, i) => {
    const fanRing = createRing(RING_CAPACITY_BYTES);
    fanSlabInbox.addLink(i + 1, fanRing, fanSlab);
    return new Outbox(fanRing, fanSlabDoorbell, undefined, undefined, fanSlabWriter);
  });
  const fanOutByReference = (message: unknown): void => {
    for (let i = 0; i < FAN_OUT_LINKS; i++) {
      const sent = i > 0 ? fanSlabOutboxes[i]!.trySendAgain(message, fanSlabOutboxes[i - 1]!) : fanSlabOutboxes[i]!.trySend(message);
      if (!sent) throw new Error('micro bench: fan-out ring full although drained after every send');
    }
    if (fanSlabInbox.drain(onFanMessage) !== FAN_OUT_LINKS) throw new Error('micro bench: fan-out drain did not return one message per link');
  };
  fanOutByReference(acceptMessage);
  check(fanReceived === 2 * FAN_OUT_LINKS && fanSlabWriter.placements === 1, 'the fan-out by reference reaches every link, the value placed once');
  const packedAccept = pack(acceptMessage);
  const unpacked = unpack(packedAccept) as typeof acceptMessage;
  check(unpacked.ballot === 65537 && Buffer.compare(unpacked.value, value256) === 0, 'msgpackr round-trips the Accept');

  // Acknowledgements of one slot of one endpoint's sessions in step, as a learner sends them (ack-ranges.ts).
  const ackBatcher = new AckBatcher(1, 1024);
  let ackMessage: ClientReplyBatchMessage | undefined;
  const keepAckMessage = (_endpoint: number, message: ClientReplyBatchMessage): void => {
    ackMessage = message;
  };
  for (let c = 0; c < BATCH_COMMANDS; c++) ackBatcher.add(ACK_CLIENT_ID + c, 1, 1000 + c);
  ackBatcher.drain(keepAckMessage);
  const gatheredAcks = ackMessage!.ranges;
  check(gatheredAcks.length === 4, 'one slot of sessions in step is one range');

  // One acceptance of a 64 KiB entry as an acceptor stores it, into a frame buffer reused as a store's pending buffer is.
  const acceptedSlot = 70_000;
  const acceptedBallot = 65_537;
  const acceptedValue = new Uint8Array(RECORD_VALUE_BYTES).fill(5);
  const frameBuffer = new Uint8Array(FRAME_HEADER_BYTES + RECORD_VALUE_BYTES + 64);
  const packedRecordEnd = writeFrame(frameBuffer, 0, encodeRecord([ACCEPTED_RECORD_TAG, acceptedSlot, acceptedBallot, acceptedValue]));
  const packedRecord = frameBuffer.slice(0, packedRecordEnd);
  const headRecordEnd = writeFrame(frameBuffer, 0, acceptedRecordHead(ACCEPTED_RECORD_TAG, acceptedSlot, acceptedBallot, RECORD_VALUE_BYTES), acceptedValue);
  check(headRecordEnd === packedRecordEnd && Buffer.compare(frameBuffer.subarray(0, headRecordEnd), packedRecord) === 0, 'both ways write the same record');

  // A 64 KiB field 3 bytes into shared memory, as a decoder finds a value in a ring slot.
  const sharedField = new Uint8Array(new SharedArrayBuffer(RECORD_VALUE_BYTES + 64)).fill(9);
  const SHARED_FIELD_AT = 3;
  const coAligned = copyCoAligned(sharedField, SHARED_FIELD_AT, RECORD_VALUE_BYTES);
  check(coAligned.byteLength === RECORD_VALUE_BYTES && (coAligned.byteOffset & 7) === SHARED_FIELD_AT && coAligned[RECORD_VALUE_BYTES - 1] === 9, 'the co-aligned copy keeps the bytes and their alignment');
  // A 64 KiB value, 8-aligned in the sender's heap, copied into a ring: where a message's header
  // leaves it (3 bytes off), and where a record's lead pad puts it (layout.ts).
  const heapValue = new Uint8Array(RECORD_VALUE_BYTES).fill(4);
  const ringBytes = new Uint8Array(new SharedArrayBuffer(RECORD_VALUE_BYTES + 64));
  const RING_FIELD_MISALIGNED_AT = 8 + 3;
  const RING_FIELD_PADDED_AT = 8;
  copyRange(heapValue, 0, RECORD_VALUE_BYTES, ringBytes, RING_FIELD_MISALIGNED_AT);
  check(ringBytes[RING_FIELD_MISALIGNED_AT + RECORD_VALUE_BYTES - 1] === 4, 'the misaligned copy lands whole');

  const learnerSlot = learnerSlotRunner(BATCH_COMMANDS, SMALL_DATA_BYTES);
  learnerSlot.run(2);
  check(learnerSlot.delivered() === 2 * BATCH_COMMANDS && learnerSlot.ackNumbers() === 2 * 4, 'the learner delivers each slot and acknowledges it in one range');

  const benchmarks: MicroBenchmark[] = [
    {
      name: 'encodeValue 256x16B',
      group: 'value encode',
      description: `encodeValue() of ${BATCH_COMMANDS} command objects with ${SMALL_DATA_BYTES} B of data (${value256.byteLength} B value)`,
      run: (n) => {
        for (let i = 0; i < n; i++) sink = encodeValue(commands256);
      },
    },
    {
      name: 'encodeValue 1x1KiB',
      group: 'value encode',
      description: `encodeValue() of 1 command with ${LARGE_DATA_BYTES} B of data (${value1k.byteLength} B value)`,
      run: (n) => {
        for (let i = 0; i < n; i++) sink = encodeValue(commands1k);
      },
    },
    {
      name: 'writeCommand loop 256x16B',
      group: 'value encode',
      description: `${BATCH_COMMANDS} writeCommand() calls into a preallocated buffer (what the log client does)`,
      run: (n) => {
        for (let i = 0; i < n; i++) writeLoop();
        sink = target;
      },
    },
    {
      name: 'decodeValue 256x16B',
      group: 'value decode',
      description: `decodeValue() of the ${value256.byteLength} B value: ${BATCH_COMMANDS} command objects, data as subarrays`,
      run: (n) => {
        for (let i = 0; i < n; i++) sink = decodeValue(value256);
      },
    },
    {
      name: 'decodeValue 1x1KiB',
      group: 'value decode',
      description: `decodeValue() of the ${value1k.byteLength} B one-command value`,
      run: (n) => {
        for (let i = 0; i < n; i++) sink = decodeValue(value1k);
      },
    },
    {
      name: 'countCommands 256x16B',
      group: 'value decode',
      description: `countCommands() (walk and check) of the ${value256.byteLength} B value`,
      run: (n) => {
        let total = 0;
        for (let i = 0; i < n; i++) total += countCommands(value256);
        sink = total;
      },
    },
    {
      name: 'countCommands 1x1KiB',
      group: 'value decode',
      description: `countCommands() of the ${value1k.byteLength} B one-command value`,
      run: (n) => {
        let total = 0;
        for (let i = 0; i < n; i++) total += countCommands(value1k);
        sink = total;
      },
    },
    {
      name: 'read clientId/seq 256x16B',
      group: 'value decode',
      description: `commandClientId/commandSeq/nextCommandAt over a DataView of the ${value256.byteLength} B value (what the proposer does)`,
      run: (n) => {
        let total = 0;
        for (let i = 0; i < n; i++) total += readLoop();
        sink = total;
      },
    },
    {
      name: 'split into 1KiB slots',
      group: 'slot assembly',
      description: `the ${value256.byteLength} B value cut at command boundaries into ${slotsPerValue} slots of <= ${SLOT_MAX_BYTES} B, as subarrays (no copy)`,
      run: (n) => {
        let total = 0;
        for (let i = 0; i < n; i++) total += splitIntoSlots(value256, SLOT_MAX_BYTES, slots);
        sink = total;
      },
    },
    {
      name: 'concat 2 runs',
      group: 'slot assembly',
      description: `two ${runA.byteLength} B runs from two buffers joined into one new ${value256.byteLength} B value (one copy)`,
      run: (n) => {
        for (let i = 0; i < n; i++) sink = concatRuns(runA, 0, runA.byteLength, runB, 0, runB.byteLength);
      },
    },
    {
      name: 'ring Accept write+drain',
      group: 'ring (same thread)',
      description: `Outbox.trySend + Inbox.drain of {type, from, ballot, slot, value: ${value256.byteLength} B} on one thread`,
      run: (n) => {
        for (let i = 0; i < n; i++) sendAndDrain(acceptMessage);
        sink = received;
      },
    },
    {
      name: 'ring small write+drain',
      group: 'ring (same thread)',
      description: 'Outbox.trySend + Inbox.drain of {type, from, ballot, slot} on one thread',
      run: (n) => {
        for (let i = 0; i < n; i++) sendAndDrain(smallMessage);
        sink = received;
      },
    },
    {
      name: 'ring Accept fan-out x4, encode each',
      group: 'ring (same thread)',
      description: `the ${value256.byteLength} B-value Accept sent to ${FAN_OUT_LINKS} links, encoded into each (trySend), then drained`,
      run: (n) => {
        for (let i = 0; i < n; i++) fanOut(acceptMessage, false);
        sink = fanReceived;
      },
    },
    {
      name: 'ring Accept fan-out x4, encode once',
      group: 'ring (same thread)',
      description: `the same fan-out encoded once and copied to the other ${FAN_OUT_LINKS - 1} links (trySendAgain, what actors do), then drained`,
      run: (n) => {
        for (let i = 0; i < n; i++) fanOut(acceptMessage, true);
        sink = fanReceived;
      },
    },
    {
      name: 'ring Accept fan-out x4, by reference',
      group: 'ring (same thread)',
      description: `the same fan-out from an actor with a value slab: the value written into the slab once, a ${FAN_OUT_LINKS}x copied record of the fields and a reference, then drained (each receiver copies the value out of the slab)`,
      run: (n) => {
        for (let i = 0; i < n; i++) fanOutByReference(acceptMessage);
        sink = fanReceived;
      },
    },
    {
      name: 'msgpackr pack Accept',
      group: 'msgpackr (for comparison)',
      description: `msgpackr pack() of the same Accept (${packedAccept.byteLength} B)`,
      run: (n) => {
        for (let i = 0; i < n; i++) sink = pack(acceptMessage);
      },
    },
    {
      name: 'msgpackr unpack Accept',
      group: 'msgpackr (for comparison)',
      description: `msgpackr unpack() of the packed Accept (${packedAccept.byteLength} B)`,
      run: (n) => {
        for (let i = 0; i < n; i++) sink = unpack(packedAccept);
      },
    },
    {
      name: 'ack ranges: gather+drain 256 acks',
      group: 'acknowledgements (learner -> client)',
      description: `AckBatcher.add of ${BATCH_COMMANDS} sessions' commands of a slot (consecutive ids, one seq), then drain: one range of 4 numbers`,
      run: (n) => {
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < BATCH_COMMANDS; c++) ackBatcher.add(ACK_CLIENT_ID + c, 1, 1000 + c);
          ackBatcher.drain(keepAckMessage);
        }
        sink = ackMessage;
      },
    },
    {
      name: 'ack ranges: read 256 acks',
      group: 'acknowledgements (learner -> client)',
      description: `forEachAck over that message: the ${BATCH_COMMANDS} (clientId, seq, index) the client settles`,
      run: (n) => {
        let total = 0;
        for (let i = 0; i < n; i++) forEachAck(gatheredAcks, (_clientId, seq, logIndex) => (total += seq + logIndex));
        sink = total;
      },
    },
    {
      name: 'acceptor record 64KiB, packed',
      group: 'acceptor store (one acceptance)',
      description: 'the ACCEPTED record of a 64 KiB value packed by msgpackr (a copy of the value), then framed (a second copy and the CRC): the store before',
      run: (n) => {
        for (let i = 0; i < n; i++) sink = writeFrame(frameBuffer, 0, encodeRecord([ACCEPTED_RECORD_TAG, acceptedSlot, acceptedBallot, acceptedValue]));
      },
    },
    {
      name: 'acceptor record 64KiB, in place',
      group: 'acceptor store (one acceptance)',
      description: 'the same record as a hand-written head and the value framed in place (one copy and the CRC): what DurableAcceptorStorage does',
      run: (n) => {
        for (let i = 0; i < n; i++) sink = writeFrame(frameBuffer, 0, acceptedRecordHead(ACCEPTED_RECORD_TAG, acceptedSlot, acceptedBallot, RECORD_VALUE_BYTES), acceptedValue);
      },
    },
    {
      name: 'copy 64KiB out of shared memory, slice',
      group: 'decode a value out of a ring',
      description: 'Uint8Array#slice of a 64 KiB field 3 bytes into a SharedArrayBuffer: a fresh buffer starts 8-aligned, the field does not (what the decoder did)',
      run: (n) => {
        for (let i = 0; i < n; i++) sink = sharedField.slice(SHARED_FIELD_AT, SHARED_FIELD_AT + RECORD_VALUE_BYTES);
      },
    },
    {
      name: 'copy 64KiB out of shared memory, co-aligned',
      group: 'decode a value out of a ring',
      description: 'the same field copied to the same address modulo 8 in a fresh buffer (copyCoAligned, what the decoder does)',
      run: (n) => {
        for (let i = 0; i < n; i++) sink = copyCoAligned(sharedField, SHARED_FIELD_AT, RECORD_VALUE_BYTES);
      },
    },
    {
      name: 'copy 64KiB into shared memory, misaligned',
      group: 'encode a value into a ring',
      description: 'copyRange of a 64 KiB heap value into shared memory 3 bytes off its address modulo 8: through a bounce buffer, two moves (what a sender did)',
      run: (n) => {
        for (let i = 0; i < n; i++) copyRange(heapValue, 0, RECORD_VALUE_BYTES, ringBytes, RING_FIELD_MISALIGNED_AT);
        sink = ringBytes;
      },
    },
    {
      name: 'copy 64KiB into shared memory, co-aligned',
      group: 'encode a value into a ring',
      description: 'the same copy to the same address modulo 8, one move: where a record\'s lead pad puts a large binary field (Outbox)',
      run: (n) => {
        for (let i = 0; i < n; i++) copyRange(heapValue, 0, RECORD_VALUE_BYTES, ringBytes, RING_FIELD_PADDED_AT);
        sink = ringBytes;
      },
    },
    {
      name: 'learner: a slot of 256x16B',
      group: 'learner (a slot in, acknowledged)',
      description: `LearnerNode: an Accept of ${BATCH_COMMANDS} commands of ${SMALL_DATA_BYTES} B and two votes, recorded in a retaining LearnerLog (store discarded), acknowledged as ranges`,
      run: (n) => learnerSlot.run(n),
    },
  ];
  check(benchmarks.map((b) => b.name).join('|') === BENCHMARK_NAMES.join('|'), 'BENCHMARK_NAMES lists every benchmark in order');

  return {
    benchmarks,
    fixtures: {
      smallValueBytes: value256.byteLength,
      largeValueBytes: value1k.byteLength,
      acceptMessageBytes: packedAccept.byteLength,
      smallMessageBytes: pack(smallMessage).byteLength,
      slotMaxBytes: SLOT_MAX_BYTES,
      slotsPerValue,
      ringCapacityBytes: RING_CAPACITY_BYTES,
    },
  };
}
