import { MinorGcCounter } from '../lib/gc-counter.js';
import { arriveAndAwaitStart } from '../lib/start-barrier.js';
import { ACK_EVERY_MESSAGES, OneWayFlow } from './flow.js';
import { FIRST_SEQUENCE, createBenchMessage, nextSequence, type BenchMessage } from './message.js';
import { required, type OneWayReceiverResult, type OneWaySenderResult, type OneWayWorkerData } from './protocol.js';
import { MeasurementWindow, RateWindow } from './window.js';

/**
 * One-way throughput of `postMessage` on a MessageChannel between the two workers, carrying the
 * same object the synod mailbox encodes (structured clone instead of msgpack).
 */

/** Messages the sender may have in flight: enough that the receiver always has a batch queued. */
const CREDIT_WINDOW_MESSAGES = 4096;
const CREDIT_WAIT_MS = 5;

export function postMessageSender(data: OneWayWorkerData): OneWaySenderResult {
  const port = required(data.port, 'port');
  const flow = new OneWayFlow(data.flow);
  const message = createBenchMessage();
  let sent = 0;
  arriveAndAwaitStart(data.startBarrier);
  while (!flow.stopRequested()) {
    const acknowledged = flow.acknowledged();
    if (((sent - acknowledged) | 0) >= CREDIT_WINDOW_MESSAGES) {
      flow.waitForAcknowledgement(acknowledged, CREDIT_WAIT_MS);
      continue;
    }
    port.postMessage(message);
    message.s = nextSequence(message.s);
    sent++;
  }
  flow.markSenderDone();
  port.close();
  return { sent };
}

export function postMessageReceiver(data: OneWayWorkerData): Promise<OneWayReceiverResult> {
  const port = required(data.port, 'port');
  const flow = new OneWayFlow(data.flow);
  const gcCounter = new MinorGcCounter();
  let received = 0;
  let expected = FIRST_SEQUENCE;
  let outOfOrder = 0;
  port.on('message', (message: BenchMessage) => {
    if (message.s !== expected) outOfOrder++;
    expected = nextSequence(message.s);
    received++;
    if (received % ACK_EVERY_MESSAGES === 0) flow.acknowledge(received);
  });

  gcCounter.start();
  arriveAndAwaitStart(data.startBarrier);
  // Messages arrive through the event loop, so the window is read from timers instead of a
  // polling loop; a timer fires between two batches of messages, late by at most one batch, and
  // the rate uses the times actually read.
  const window = new MeasurementWindow(performance.now(), data.warmupMs, data.durationMs);
  const rate = new RateWindow(window);
  return new Promise((resolve, reject) => {
    setTimeout(() => rate.markStart(performance.now(), received), Math.max(0, window.measureStartMs - performance.now()));
    setTimeout(() => {
      rate.markEnd(performance.now(), received);
      if (!rate.started) {
        reject(new Error('postMessage receiver: the measured window never opened'));
        return;
      }
      flow.requestStop();
      port.close();
      gcCounter
        .countMinorBetween(rate.measuredFromMs, rate.measuredToMs)
        .then((minorGcs) =>
          resolve({
            messages: rate.measuredCount,
            elapsedMs: rate.elapsedMs,
            minorGcs,
            outOfOrder,
            doorbellWakeups: undefined,
            nativeCodecLoaded: false,
            waitStrategy: 'event loop',
          }),
        )
        .catch(reject);
    }, Math.max(0, window.measureEndMs - performance.now()));
  });
}
