import { Inbox, Outbox, copyBytes } from '../../src/mailbox/index.js';
import { createLatencyHistogram, recordElapsedMs, summarizeLatency } from '../lib/histogram.js';
import { arriveAndAwaitStart } from '../lib/start-barrier.js';
import {
  KIND_STOP,
  MESSAGE_BYTES,
  RAW_KIND_OFFSET,
  assertMessageBytes,
  createBenchMessage,
  createRawPayload,
  nextSequence,
  readRawSequence,
  writeRawSequence,
  type BenchMessage,
} from './message.js';
import { required, type PingerResult, type PongerResult, type RoundTripWorkerData } from './protocol.js';
import { MeasurementWindow } from './window.js';

/**
 * Closed-loop ping-pong over two synod rings (one each way), with msgpack (`synod`) or raw
 * records (`bareRing`). Both sides wait with Inbox.wait() and the default wait strategy, as an
 * actor thread would.
 */

const PINGER_ID = 1;
const PONGER_ID = 2;
const PARK_TIMEOUT_MS = 1000;

interface RingEnds {
  readonly inbox: Inbox;
  readonly outbox: Outbox;
}

function openEnds(data: RoundTripWorkerData, peerId: number): RingEnds {
  const outbox = new Outbox(required(data.outRing, 'outRing'), required(data.outDoorbell, 'outDoorbell'));
  const inbox = new Inbox(required(data.inDoorbell, 'inDoorbell'));
  inbox.addLink(peerId, required(data.inRing, 'inRing'));
  return { inbox, outbox };
}

export function ringPinger(data: RoundTripWorkerData): PingerResult {
  const { inbox, outbox } = openEnds(data, PONGER_ID);
  const withCodec = data.transport === 'synod';
  const message = createBenchMessage();
  const payload = createRawPayload();
  assertMessageBytes(message);

  let replies = 0;
  let mismatches = 0;
  const onReply = (_from: number, raw: unknown): void => {
    if ((raw as BenchMessage).s !== message.s) mismatches++;
    replies++;
  };
  const onRawReply = (_from: number, _type: number, bytes: Uint8Array, start: number): void => {
    if (readRawSequence(bytes, start) !== message.s) mismatches++;
    replies++;
  };
  const send = withCodec ? () => outbox.trySend(message) : () => outbox.trySendBytes(payload);
  const drain = withCodec ? () => inbox.drain(onReply) : () => inbox.drainRaw(onRawReply);
  const histogram = createLatencyHistogram();

  arriveAndAwaitStart(data.startBarrier);
  const window = new MeasurementWindow(performance.now(), data.warmupMs, data.durationMs);
  let measured = 0;
  let firstMeasuredMs = -1;
  let lastMs = 0;
  for (;;) {
    writeRawSequence(payload, message.s);
    const awaited = replies + 1;
    const sentMs = performance.now();
    if (!send()) throw new Error('round trip: the ring to the ponger is full with one message in flight');
    while (replies < awaited) if (drain() === 0) inbox.wait(PARK_TIMEOUT_MS);
    lastMs = performance.now();
    if (sentMs >= window.measureStartMs) {
      if (firstMeasuredMs < 0) firstMeasuredMs = sentMs;
      recordElapsedMs(histogram, lastMs - sentMs);
      measured++;
    }
    if (lastMs >= window.measureEndMs) break;
    message.s = nextSequence(message.s);
  }
  message.k = KIND_STOP;
  payload[RAW_KIND_OFFSET] = KIND_STOP;
  if (!send()) throw new Error('round trip: could not send stop');

  return {
    ...summarizeLatency(histogram),
    roundTripsPerSecond: measured / ((lastMs - firstMeasuredMs) / 1000),
    mismatches,
    waitStrategy: inbox.waitStrategy.name,
  };
}

export function ringPonger(data: RoundTripWorkerData): PongerResult {
  const { inbox, outbox } = openEnds(data, PINGER_ID);
  const withCodec = data.transport === 'synod';
  const reply = new Uint8Array(MESSAGE_BYTES);
  let stopped = false;
  let pongs = 0;
  // The decoded message is already a private copy, so it is sent straight back (encoded anew:
  // a real actor encodes its reply too). A raw record is only valid during the call: copy it out.
  const onPing = (_from: number, raw: unknown): void => {
    if ((raw as BenchMessage).k === KIND_STOP) stopped = true;
    else if (!outbox.trySend(raw)) throw new Error('round trip: the ring to the pinger is full');
    else pongs++;
  };
  const onRawPing = (_from: number, _type: number, bytes: Uint8Array, start: number, end: number): void => {
    if (bytes[start + RAW_KIND_OFFSET] === KIND_STOP) {
      stopped = true;
      return;
    }
    copyBytes.call(bytes, reply, 0, start, end);
    if (!outbox.trySendBytes(reply)) throw new Error('round trip: the ring to the pinger is full');
    pongs++;
  };
  const drain = withCodec ? () => inbox.drain(onPing) : () => inbox.drainRaw(onRawPing);

  arriveAndAwaitStart(data.startBarrier);
  while (!stopped) if (drain() === 0) inbox.wait(PARK_TIMEOUT_MS);
  return { pongs };
}
