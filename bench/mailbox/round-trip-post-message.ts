import { createLatencyHistogram, recordElapsedMs, summarizeLatency } from '../lib/histogram.js';
import { arriveAndAwaitStart } from '../lib/start-barrier.js';
import { KIND_STOP, createBenchMessage, nextSequence, type BenchMessage } from './message.js';
import { required, type PingerResult, type PongerResult, type RoundTripWorkerData } from './protocol.js';
import { MeasurementWindow } from './window.js';

/** Closed-loop ping-pong over a MessageChannel between the two workers, carrying the benchmark object. */

export function postMessagePinger(data: RoundTripWorkerData): Promise<PingerResult> {
  const port = required(data.port, 'port');
  const message = createBenchMessage();
  const histogram = createLatencyHistogram();
  arriveAndAwaitStart(data.startBarrier);
  const window = new MeasurementWindow(performance.now(), data.warmupMs, data.durationMs);
  let measured = 0;
  let mismatches = 0;
  let firstMeasuredMs = -1;
  let sentMs = 0;
  return new Promise((resolve) => {
    port.on('message', (reply: BenchMessage) => {
      const nowMs = performance.now();
      if (reply.s !== message.s) mismatches++;
      if (sentMs >= window.measureStartMs) {
        if (firstMeasuredMs < 0) firstMeasuredMs = sentMs;
        recordElapsedMs(histogram, nowMs - sentMs);
        measured++;
      }
      if (nowMs >= window.measureEndMs) {
        message.k = KIND_STOP;
        port.postMessage(message);
        port.close();
        resolve({
          ...summarizeLatency(histogram),
          roundTripsPerSecond: measured / ((nowMs - firstMeasuredMs) / 1000),
          mismatches,
          waitStrategy: 'event loop',
        });
        return;
      }
      message.s = nextSequence(message.s);
      sentMs = performance.now();
      port.postMessage(message);
    });
    sentMs = performance.now();
    port.postMessage(message);
  });
}

export function postMessagePonger(data: RoundTripWorkerData): Promise<PongerResult> {
  const port = required(data.port, 'port');
  let pongs = 0;
  const stopped = new Promise<PongerResult>((resolve) => {
    port.on('message', (message: BenchMessage) => {
      if (message.k === KIND_STOP) {
        port.close();
        resolve({ pongs });
        return;
      }
      port.postMessage(message);
      pongs++;
    });
  });
  arriveAndAwaitStart(data.startBarrier);
  return stopped;
}
