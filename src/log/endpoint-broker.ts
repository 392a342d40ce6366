import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type { EndpointHandle } from '../actors/index.js';
import { ConnectRefusedError, LogClosedError } from '../protocol/errors.js';
import { RUNTIME_TIMINGS } from '../protocol/timings.js';

/**
 * How a handle serves any number of threads. A mailbox link has one producer and one consumer,
 * so each thread that connects needs an endpoint of its own, and only the thread that owns the
 * ActorSystem can wire one. The owner answers on a BroadcastChannel named in the handle: a
 * connecting thread asks, the owner wires a fresh endpoint and posts back its grant (rings,
 * doorbells and the lease are SharedArrayBuffers, which the channel shares rather than copies).
 * So one handle can go to every worker of a pool (piscina hands all of them the same
 * workerData), and each connect gets its own endpoint. The owner's event loop answers, so
 * connect waits for it. An endpoint goes back when its thread closes the log, or when the owner
 * finds its thread gone (endpoint-reaper.ts); its id is then handed out again.
 */
interface EndpointRequest {
  readonly type: 'synod.endpoint-request';
  readonly requestId: string;
}

/** A connected thread is done with its endpoint (its log was closed there): the owner unwires it. */
interface EndpointRelease {
  readonly type: 'synod.endpoint-release';
  readonly id: number;
  /** Which grant of that id: a late release must not unwire the id's next holder. */
  readonly generation: number;
}

/** What a connect gets: an endpoint, the generation its client ids carry, and its lease (connection-lease.ts). */
export interface EndpointGrant {
  readonly endpoint: EndpointHandle;
  readonly generation: number;
  readonly lease: SharedArrayBuffer;
}

interface GrantMessage {
  readonly type: 'synod.endpoint-grant';
  readonly requestId: string;
  /** Undefined once the log is closed, or when refused. */
  readonly grant: EndpointGrant | undefined;
  /** Why the owner could not grant one (no endpoint id or generation left). */
  readonly refused?: { readonly name: string; readonly message: string };
}

const { connectGrantTimeoutMs } = RUNTIME_TIMINGS;

export function newBrokerName(): string {
  return `synod.log.${randomUUID()}`;
}

/** The owner's side: answers every request with a freshly wired endpoint. Does not keep the process alive. */
export class EndpointBroker {
  private readonly channel: BroadcastChannel;
  private closed = false;

  constructor(
    readonly name: string,
    makeGrant: () => EndpointGrant,
    releaseEndpoint: (id: number, generation: number) => void,
  ) {
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => {
      const request = (event as { data: EndpointRequest | EndpointRelease | undefined }).data;
      if (request?.type === 'synod.endpoint-release') {
        if (!this.closed) releaseEndpoint(request.id, request.generation);
        return;
      }
      if (request?.type !== 'synod.endpoint-request') return;
      let answer: GrantMessage;
      try {
        answer = { type: 'synod.endpoint-grant', requestId: request.requestId, grant: this.closed ? undefined : makeGrant() };
      } catch (error) {
        const { name, message } = error as Error;
        answer = { type: 'synod.endpoint-grant', requestId: request.requestId, grant: undefined, refused: { name, message } };
      }
      this.channel.postMessage(answer);
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
export function requestEndpoint(name: string): Promise<EndpointGrant> {
  const channel = new BroadcastChannel(name);
  const requestId = randomUUID();
  return new Promise<EndpointGrant>((resolve, reject) => {
    const timer = setTimeout(() => {
      channel.close();
      reject(new LogClosedError(`log (its owner did not answer a connect within ${connectGrantTimeoutMs} ms: closed, or its thread is blocked)`));
    }, connectGrantTimeoutMs);
    channel.onmessage = (event) => {
      const answer = (event as { data: GrantMessage | undefined }).data;
      if (answer?.type !== 'synod.endpoint-grant' || answer.requestId !== requestId) return;
      clearTimeout(timer);
      channel.close();
      if (answer.refused !== undefined) reject(new ConnectRefusedError(answer.refused.name, answer.refused.message));
      else if (answer.grant === undefined) reject(new LogClosedError());
      else resolve(answer.grant);
    };
    const request: EndpointRequest = { type: 'synod.endpoint-request', requestId };
    channel.postMessage(request);
  });
}

/** The connecting thread's side, when it is done: its endpoint can be unwired (best effort: the reaper finds it anyway). */
export function releaseEndpoint(name: string, id: number, generation: number): void {
  const channel = new BroadcastChannel(name);
  const release: EndpointRelease = { type: 'synod.endpoint-release', id, generation };
  channel.postMessage(release);
  channel.close();
}
