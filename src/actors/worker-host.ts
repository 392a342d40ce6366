// Entry point of every actor worker thread: hosts one or more actors, runs their message loop,
// and serves the control plane on its MessagePort. A spare (spare-thread.ts) loads the behaviour
// modules it was told of and waits, idle, to be adopted: told its worker name and doorbell.
import { parentPort, workerData } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { ActorHost } from './actor-host.js';
import type { SpareAdoption } from './spare-thread.js';

interface WorkerHostData {
  workerName?: string;
  doorbell?: SharedArrayBuffer;
  spare?: { preload: string[] };
}

function host(workerName: string, doorbell: SharedArrayBuffer): void {
  const actorHost = new ActorHost(workerName, doorbell);
  expose(actorHost.control, nodeEndpoint(parentPort!));
  actorHost.run();
}

const data = workerData as WorkerHostData;
if (data.spare === undefined) {
  host(data.workerName!, data.doorbell!);
} else {
  // Listening before anything else, and hosting inside the handler (no await between): the
  // control calls posted right after the adoption find comlink's listener in place.
  const onMessage = (message: SpareAdoption | undefined): void => {
    if (message?.type !== 'synod.adopt') return;
    parentPort!.off('message', onMessage);
    host(message.workerName, message.doorbell);
  };
  parentPort!.on('message', onMessage);
  // Warm the module cache: the adopting actor's import() then finds them compiled. A module that
  // fails to load here fails again, with its error reported, when the actor is placed.
  for (const module of data.spare.preload) void import(module).catch(() => undefined);
}
