import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type { EndpointHandle } from '../actors/index.js';
import { LogClosedError } from './errors.js';

/**
 * How a handle serves any number of threads. A mailbox link has one producer and one consumer,
 * so each thread that connects needs an endpoint of its own, and only the thread that owns the
 * ActorSystem can wire one. The owner answers on a BroadcastChannel named in the handle: a
 * connecting thread asks, the owner wires a fresh endpoint and posts back its handle (rings and
 * doorbells are SharedArrayBuffers, which the channel shares rather than copies). So one handle
 * can go to every worker of a pool (piscina hands all of them the same workerData), and each
 * connect gets its own endpoint. The owner's event loop answers, so connect waits for it.
 */
interface EndpointRequest {
  readonly type: 'synod.endpoint-request';
  readonly requestId: string;
}

/** A connected thread is done with its endpoint (its log was closed there): the owner unwires it. */
interface EndpointRelease {
  readonly type: 'synod.endpoint-release';
  readonly id: number;
}

interface EndpointGrant {
  readonly type: 'synod.endpoint-grant';
  readonly requestId: string;
  /** Undefined once the log is closed, or when the owner could not make one (see refused). */
  readonly endpoint: EndpointHandle | undefined;
  /** Why the owner could not make an endpoint (its actor ids are all taken, say): the connect's RangeError. */
  readonly refused?: string;
}

/** Longest a connect waits for the owner's answer. */
const GRANT_TIMEOUT_MS = 10_000;

export function newBrokerName(): string {
  return `synod.log.${randomUUID()}`;
}

/** The owner's side: answers every request with a freshly wired endpoint. Does not keep the process alive. */
export class EndpointBroker {
  private readonly channel: BroadcastChannel;
  private closed = false;

  constructor(
    readonly name: string,
    makeEndpoint: () => EndpointHandle,
    releaseEndpoint: (id: number) => void,
  ) {
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => {
      const request = (event as { data: EndpointRequest | EndpointRelease | undefined }).data;
      if (request?.type === 'synod.endpoint-release') {
        if (!this.closed) releaseEndpoint(request.id);
        return;
      }
      if (request?.type !== 'synod.endpoint-request') return;
      let grant: EndpointGrant;
      try {
        grant = { type: 'synod.endpoint-grant', requestId: request.requestId, endpoint: this.closed ? undefined : makeEndpoint() };
      } catch (error) {
        // Thrown here it would be uncaught in the owner's thread, and the connect would time out.
        grant = { type: 'synod.endpoint-grant', requestId: request.requestId, endpoint: undefined, refused: (error as Error).message };
      }
      this.channel.postMessage(grant);
    };
    this.channel.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close();
  }
}

/** The connecting thread's side: one endpoint of its own, from the log's owner. */
export function requestEndpoint(name: string): Promise<EndpointHandle> {
  const channel = new BroadcastChannel(name);
  const requestId = randomUUID();
  return new Promise<EndpointHandle>((resolve, reject) => {
    const timer = setTimeout(() => {
      channel.close();
      reject(new LogClosedError(`log (its owner did not answer a connect within ${GRANT_TIMEOUT_MS} ms: closed, or its thread is blocked)`));
    }, GRANT_TIMEOUT_MS);
    channel.onmessage = (event) => {
      const grant = (event as { data: EndpointGrant | undefined }).data;
      if (grant?.type !== 'synod.endpoint-grant' || grant.requestId !== requestId) return;
      clearTimeout(timer);
      channel.close();
      if (grant.refused !== undefined) reject(new RangeError(`connect refused by the log's owner: ${grant.refused}`));
      else if (grant.endpoint === undefined) reject(new LogClosedError());
      else resolve(grant.endpoint);
    };
    const request: EndpointRequest = { type: 'synod.endpoint-request', requestId };
    channel.postMessage(request);
  });
}

/** The connecting thread's side, when it is done: its endpoint can be unwired (best effort). */
export function releaseEndpoint(name: string, id: number): void {
  const channel = new BroadcastChannel(name);
  const release: EndpointRelease = { type: 'synod.endpoint-release', id };
  channel.postMessage(release);
  channel.close();
}
