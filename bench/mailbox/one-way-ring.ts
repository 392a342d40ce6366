import { DOORBELL_SEQUENCE_INDEX, Inbox, Outbox, RECORD_TYPE_BYTES, nativeCodecLoaded } from '../../src/mailbox/index.js';
import { MinorGcCounter } from '../lib/gc-counter.js';
import { arriveAndAwaitStart } from '../lib/start-barrier.js';
import { OneWayFlow } from './flow.js';
import {
  FIRST_SEQUENCE,
  MESSAGE_BYTES,
  assertMessageBytes,
  createBenchMessage,
  createRawPayload,
  nextSequence,
  readRawSequence,
  writeRawSequence,
  type BenchMessage,
} from './message.js';
import { required, type OneWayReceiverResult, type OneWaySenderResult, type OneWayWorkerData } from './protocol.js';
import { waitForRoom } from './wait-for-room.js';
import { MeasurementWindow, RateWindow } from './window.js';

/**
 * One-way throughput over a synod ring, with the codec (`synod`) or without (`bareRing`:
 * trySendBytes/drainRaw on the same ring, doorbell and wait strategy). The two differ only by
 * msgpack, so their ratio is the cost of the codec.
 */

const LINK_ID = 1;
/** Messages sent between two looks at the stop word. */
const SENDS_PER_STOP_CHECK = 64;
/** Drain calls between two clock readings; a reading costs about as much as a small message. */
const POLLS_PER_CLOCK_READING = 16;
const DRAIN_BUDGET = 256;
/** Parks end after this long even without a message, so a lost peer cannot hang the loop silently. */
const PARK_TIMEOUT_MS = 50;
const SEND_TIMEOUT_MS = 30_000;

export function ringSender(data: OneWayWorkerData): OneWaySenderResult {
  const outbox = new Outbox(required(data.ring, 'ring'), required(data.doorbell, 'doorbell'));
  const flow = new OneWayFlow(data.flow);
  let sent = 0;
  if (data.transport === 'synod') {
    const message = createBenchMessage();
    assertMessageBytes(message);
    arriveAndAwaitStart(data.startBarrier);
    while (!flow.stopRequested()) {
      for (let i = 0; i < SENDS_PER_STOP_CHECK; i++) {
        // send() re-encodes and parks on the consumer's head: the product's own backpressure path.
        if (!outbox.trySend(message)) outbox.send(message, SEND_TIMEOUT_MS);
        message.s = nextSequence(message.s);
      }
      sent += SENDS_PER_STOP_CHECK;
    }
  } else {
    const payload = createRawPayload();
    let sequence = FIRST_SEQUENCE;
    arriveAndAwaitStart(data.startBarrier);
    while (!flow.stopRequested()) {
      for (let i = 0; i < SENDS_PER_STOP_CHECK; i++) {
        writeRawSequence(payload, sequence);
        while (!outbox.trySendBytes(payload)) waitForRoom(outbox.producer, MESSAGE_BYTES, SEND_TIMEOUT_MS);
        sequence = nextSequence(sequence);
      }
      sent += SENDS_PER_STOP_CHECK;
    }
  }
  flow.markSenderDone();
  return { sent };
}

export async function ringReceiver(data: OneWayWorkerData): Promise<OneWayReceiverResult> {
  const inbox = new Inbox(required(data.doorbell, 'doorbell'));
  inbox.addLink(LINK_ID, required(data.ring, 'ring'));
  const flow = new OneWayFlow(data.flow);
  const gcCounter = new MinorGcCounter();
  const withCodec = data.transport === 'synod';

  // Every message is checked, so a lost or reordered one cannot inflate the rate unnoticed.
  let received = 0;
  let expected = FIRST_SEQUENCE;
  let outOfOrder = 0;
  const onMessage = (_from: number, raw: unknown): void => {
    const sequence = (raw as BenchMessage).s;
    if (sequence !== expected) outOfOrder++;
    expected = nextSequence(sequence);
    received++;
  };
  const onRecord = (_from: number, type: number, bytes: Uint8Array, start: number, end: number): void => {
    const sequence = readRawSequence(bytes, start);
    if (sequence !== expected || type !== RECORD_TYPE_BYTES || end - start !== MESSAGE_BYTES) outOfOrder++;
    expected = nextSequence(sequence);
    received++;
  };
  const drain = withCodec ? () => inbox.drain(onMessage, DRAIN_BUDGET) : () => inbox.drainRaw(onRecord, DRAIN_BUDGET);

  gcCounter.start();
  arriveAndAwaitStart(data.startBarrier);
  const rate = new RateWindow(new MeasurementWindow(performance.now(), data.warmupMs, data.durationMs));
  // The doorbell's sequence word counts the times a sender found us parked and woke us: each one
  // cost the sender a notify and us a futex wake-up, the dearest thing on this path.
  const wakeups = (): number => Atomics.load(inbox.doorbell.words, DOORBELL_SEQUENCE_INDEX);
  let wakeupsAtStart = -1;
  for (let polls = 1; ; polls++) {
    if (drain() === 0) inbox.wait(PARK_TIMEOUT_MS);
    if (polls % POLLS_PER_CLOCK_READING === 0) {
      if (rate.observe(performance.now(), received)) break;
      if (wakeupsAtStart < 0 && rate.started) wakeupsAtStart = wakeups();
    }
  }
  const doorbellWakeups = (wakeups() - wakeupsAtStart) | 0;
  flow.requestStop();
  while (!flow.senderDone()) if (drain() === 0) inbox.wait(1);

  return {
    messages: rate.measuredCount,
    elapsedMs: rate.elapsedMs,
    minorGcs: await gcCounter.countMinorBetween(rate.measuredFromMs, rate.measuredToMs),
    outOfOrder,
    doorbellWakeups,
    nativeCodecLoaded: nativeCodecLoaded(),
    waitStrategy: inbox.waitStrategy.name,
  };
}
