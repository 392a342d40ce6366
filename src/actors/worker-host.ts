// Entry point of every actor worker thread: hosts one or more actors, runs their message loop,
// and serves the control plane on its MessagePort.
import { parentPort, workerData } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { ActorHost } from './actor-host.js';

interface WorkerHostData {
  workerName: string;
  doorbell: SharedArrayBuffer;
}

const { workerName, doorbell } = workerData as WorkerHostData;
const host = new ActorHost(workerName, doorbell);
expose(host.control, nodeEndpoint(parentPort!));
host.run();
