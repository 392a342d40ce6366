import { MessageChannel, type Transferable } from 'node:worker_threads';
import { RING_CAPACITY_BYTES_DEFAULT, createDoorbell, createRing } from '../../src/mailbox/index.js';
import type { BenchOptions } from '../lib/args.js';
import { runWorkerGroup } from '../lib/worker-group.js';
import { createFlow } from './flow.js';
import type {
  OneWayReceiverResult,
  OneWaySenderResult,
  OneWayTransport,
  OneWayWorkerData,
  PingerResult,
  PongerResult,
  RoundTripTransport,
  RoundTripWorkerData,
} from './protocol.js';

/** Main-thread side of one measurement: builds the shared memory or channel, runs the two workers, turns their results into figures. */

const WORKER_ENTRY = new URL('./worker.js', import.meta.url);
/** The product's default ring size: what an actor link gets unless configured. */
export const RING_CAPACITY_BYTES = RING_CAPACITY_BYTES_DEFAULT;
/** Grace beyond warm-up and duration before a stuck measurement is abandoned. */
const OVERRUN_MS = 30_000;

export interface OneWayRun {
  readonly messagesPerSecond: number;
  readonly minorGcsPerMillionMessages: number;
  readonly doorbellWakeupsPerMillionMessages: number | undefined;
  readonly messages: number;
  readonly nativeCodecLoaded: boolean;
  readonly waitStrategy: string;
}

export interface RoundTripRun {
  readonly p50Microseconds: number;
  readonly p99Microseconds: number;
  readonly maxMicroseconds: number;
  readonly roundTripsPerSecond: number;
  readonly samples: number;
  readonly waitStrategy: string;
}

function timing(options: BenchOptions): { warmupMs: number; durationMs: number } {
  return { warmupMs: options.warmupMs, durationMs: options.durationMs };
}

export async function measureOneWay(transport: OneWayTransport, options: BenchOptions): Promise<OneWayRun> {
  const base = { ...timing(options), measurement: 'one-way', transport, flow: createFlow() } as const;
  let sender: Omit<OneWayWorkerData, 'startBarrier'>;
  let receiver: Omit<OneWayWorkerData, 'startBarrier'>;
  let senderTransfer: Transferable[] = [];
  let receiverTransfer: Transferable[] = [];
  if (transport === 'postMessage') {
    const { port1, port2 } = new MessageChannel();
    sender = { ...base, role: 'sender', port: port1 };
    receiver = { ...base, role: 'receiver', port: port2 };
    senderTransfer = [port1];
    receiverTransfer = [port2];
  } else {
    const link = { ring: createRing(RING_CAPACITY_BYTES), doorbell: createDoorbell() };
    sender = { ...base, role: 'sender', ...link };
    receiver = { ...base, role: 'receiver', ...link };
  }
  const [, received] = (await runWorkerGroup<OneWaySenderResult | OneWayReceiverResult>(
    [
      { entry: WORKER_ENTRY, data: sender, transferList: senderTransfer },
      { entry: WORKER_ENTRY, data: receiver, transferList: receiverTransfer },
    ],
    options.warmupMs + options.durationMs + OVERRUN_MS,
  )) as [OneWaySenderResult, OneWayReceiverResult];
  if (received.outOfOrder !== 0) throw new Error(`${transport}: ${received.outOfOrder} messages arrived out of order`);
  if (received.messages <= 0) throw new Error(`${transport}: no message arrived in the measured window`);
  return {
    messagesPerSecond: received.messages / (received.elapsedMs / 1000),
    minorGcsPerMillionMessages: (received.minorGcs / received.messages) * 1_000_000,
    doorbellWakeupsPerMillionMessages:
      received.doorbellWakeups === undefined ? undefined : (received.doorbellWakeups / received.messages) * 1_000_000,
    messages: received.messages,
    nativeCodecLoaded: received.nativeCodecLoaded,
    waitStrategy: received.waitStrategy,
  };
}

export async function measureRoundTrip(transport: RoundTripTransport, options: BenchOptions): Promise<RoundTripRun> {
  const base = { ...timing(options), measurement: 'round-trip', transport } as const;
  let pinger: Omit<RoundTripWorkerData, 'startBarrier'>;
  let ponger: Omit<RoundTripWorkerData, 'startBarrier'>;
  let pingerTransfer: Transferable[] = [];
  let pongerTransfer: Transferable[] = [];
  if (transport === 'postMessage') {
    const { port1, port2 } = new MessageChannel();
    pinger = { ...base, role: 'pinger', port: port1 };
    ponger = { ...base, role: 'ponger', port: port2 };
    pingerTransfer = [port1];
    pongerTransfer = [port2];
  } else if (transport === 'atomics') {
    const word = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    pinger = { ...base, role: 'pinger', word };
    ponger = { ...base, role: 'ponger', word };
  } else {
    const ping = { ring: createRing(RING_CAPACITY_BYTES), doorbell: createDoorbell() };
    const pong = { ring: createRing(RING_CAPACITY_BYTES), doorbell: createDoorbell() };
    pinger = { ...base, role: 'pinger', outRing: ping.ring, outDoorbell: ping.doorbell, inRing: pong.ring, inDoorbell: pong.doorbell };
    ponger = { ...base, role: 'ponger', outRing: pong.ring, outDoorbell: pong.doorbell, inRing: ping.ring, inDoorbell: ping.doorbell };
  }
  const [result] = (await runWorkerGroup<PingerResult | PongerResult>(
    [
      { entry: WORKER_ENTRY, data: pinger, transferList: pingerTransfer },
      { entry: WORKER_ENTRY, data: ponger, transferList: pongerTransfer },
    ],
    options.warmupMs + options.durationMs + OVERRUN_MS,
  )) as [PingerResult, PongerResult];
  if (result.mismatches !== 0) throw new Error(`${transport}: ${result.mismatches} replies did not match their request`);
  if (result.samples <= 0) throw new Error(`${transport}: no round trip completed in the measured window`);
  return {
    p50Microseconds: result.p50Microseconds,
    p99Microseconds: result.p99Microseconds,
    maxMicroseconds: result.maxMicroseconds,
    roundTripsPerSecond: result.roundTripsPerSecond,
    samples: result.samples,
    waitStrategy: result.waitStrategy,
  };
}
