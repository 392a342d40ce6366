// Entry of every mailbox benchmark worker: picks the loop for its measurement, transport and role,
// runs it, and posts the result. Errors propagate as the worker's 'error' event and fail the run.
import { workerData, parentPort } from 'node:worker_threads';
import type { ResultMessage } from '../lib/worker-group.js';
import { postMessageReceiver, postMessageSender } from './one-way-post-message.js';
import { ringReceiver, ringSender } from './one-way-ring.js';
import type { BenchWorkerData, OneWayWorkerData, RoundTripWorkerData } from './protocol.js';
import { atomicsPinger, atomicsPonger } from './round-trip-atomics.js';
import { postMessagePinger, postMessagePonger } from './round-trip-post-message.js';
import { ringPinger, ringPonger } from './round-trip-ring.js';

type Loop<D> = (data: D) => unknown;

const oneWayLoops: Record<OneWayWorkerData['transport'], Record<OneWayWorkerData['role'], Loop<OneWayWorkerData>>> = {
  synod: { sender: ringSender, receiver: ringReceiver },
  bareRing: { sender: ringSender, receiver: ringReceiver },
  postMessage: { sender: postMessageSender, receiver: postMessageReceiver },
};

const roundTripLoops: Record<RoundTripWorkerData['transport'], Record<RoundTripWorkerData['role'], Loop<RoundTripWorkerData>>> = {
  synod: { pinger: ringPinger, ponger: ringPonger },
  bareRing: { pinger: ringPinger, ponger: ringPonger },
  postMessage: { pinger: postMessagePinger, ponger: postMessagePonger },
  atomics: { pinger: atomicsPinger, ponger: atomicsPonger },
};

const data = workerData as BenchWorkerData;
const result =
  data.measurement === 'one-way' ? await oneWayLoops[data.transport][data.role](data) : await roundTripLoops[data.transport][data.role](data);
parentPort!.postMessage({ type: 'result', result } satisfies ResultMessage<unknown>);
