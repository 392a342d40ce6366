import type { MessagePort } from 'node:worker_threads';
import type { LatencySummary } from '../lib/histogram.js';

/**
 * What the main thread tells a benchmark worker (its workerData) and what the worker answers.
 * One worker entry serves every role; `measurement`, `transport` and `role` pick the loop.
 */
export const ONE_WAY_TRANSPORTS = ['synod', 'postMessage', 'bareRing'] as const;
export const ROUND_TRIP_TRANSPORTS = ['synod', 'postMessage', 'bareRing', 'atomics'] as const;
export type OneWayTransport = (typeof ONE_WAY_TRANSPORTS)[number];
export type RoundTripTransport = (typeof ROUND_TRIP_TRANSPORTS)[number];

export const TRANSPORT_LABELS: Readonly<Record<RoundTripTransport, string>> = {
  synod: 'synod mailbox',
  postMessage: 'postMessage',
  bareRing: 'bare ring (no codec)',
  atomics: 'Atomics wait/notify',
};

interface TimedWorkerData {
  readonly startBarrier: SharedArrayBuffer;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface OneWayWorkerData extends TimedWorkerData {
  readonly measurement: 'one-way';
  readonly transport: OneWayTransport;
  readonly role: 'sender' | 'receiver';
  /** Stop, done and credit words (see flow.ts). */
  readonly flow: SharedArrayBuffer;
  readonly ring?: SharedArrayBuffer;
  readonly doorbell?: SharedArrayBuffer;
  readonly port?: MessagePort;
}

export interface RoundTripWorkerData extends TimedWorkerData {
  readonly measurement: 'round-trip';
  readonly transport: RoundTripTransport;
  readonly role: 'pinger' | 'ponger';
  /** Rings: this worker writes `outRing` and rings `outDoorbell`; it reads `inRing` and parks on `inDoorbell`. */
  readonly outRing?: SharedArrayBuffer;
  readonly outDoorbell?: SharedArrayBuffer;
  readonly inRing?: SharedArrayBuffer;
  readonly inDoorbell?: SharedArrayBuffer;
  readonly port?: MessagePort;
  /** The one Int32 word the bare Atomics ping-pong flips. */
  readonly word?: SharedArrayBuffer;
}

export type BenchWorkerData = OneWayWorkerData | RoundTripWorkerData;

export interface OneWaySenderResult {
  readonly sent: number;
}

export interface OneWayReceiverResult {
  /** Messages received inside the measured window, and the window's length by the receiver's clock. */
  readonly messages: number;
  readonly elapsedMs: number;
  readonly minorGcs: number;
  /** Messages whose sequence number was not the next one expected: must be 0. */
  readonly outOfOrder: number;
  /** Times the sender had to wake the parked receiver (ring transports only). */
  readonly doorbellWakeups: number | undefined;
  readonly nativeCodecLoaded: boolean;
  readonly waitStrategy: string;
}

export interface PingerResult extends LatencySummary {
  readonly roundTripsPerSecond: number;
  /** Replies that did not echo the sequence number just sent: must be 0. */
  readonly mismatches: number;
  readonly waitStrategy: string;
}

export interface PongerResult {
  readonly pongs: number;
}

/** Throws if the main thread forgot a field the chosen role needs (a bench bug, not a user error). */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`benchmark worker started without ${name}`);
  return value;
}
