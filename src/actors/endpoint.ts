import { Inbox, Outbox, SlabClaim, type ValueSlabWriter } from '../mailbox/index.js';
import type { IncomingLink, OutgoingLink } from './control.js';
import { SynodErrorCode, withCode } from '../error-codes.js';
import { UnknownActorError } from './errors.js';
import type { ActorId } from './types.js';

export interface ReceivedMessage {
  from: ActorId;
  message: unknown;
}

export class ReceiveTimeoutError extends Error {
  readonly code = SynodErrorCode.ReceiveTimeout;
  constructor(readonly timeoutMs: number) {
    super(withCode(`no message within ${timeoutMs} ms`, SynodErrorCode.ReceiveTimeout));
    this.name = 'ReceiveTimeoutError';
  }
}

export class EndpointClosedError extends Error {
  readonly code = SynodErrorCode.EndpointClosed;
  constructor(readonly id: ActorId) {
    super(withCode(`endpoint ${id} is closed`, SynodErrorCode.EndpointClosed));
    this.name = 'EndpointClosedError';
  }
}

/**
 * Everything a thread needs to become an endpoint: its id, its doorbell, and its ends of a link
 * to and from every actor. Structured-cloneable: post it to a worker thread and connect there.
 */
export interface EndpointHandle {
  readonly id: ActorId;
  readonly doorbell: SharedArrayBuffer;
  /** One Int32: 0 until a thread connects. A link has exactly one producer and one consumer, so a handle serves one endpoint. */
  readonly claim: SharedArrayBuffer;
  readonly outgoing: readonly OutgoingLink[];
  readonly incoming: readonly IncomingLink[];
}

export class HandleAlreadyConnectedError extends Error {
  readonly code = SynodErrorCode.HandleAlreadyConnected;
  constructor(readonly id: ActorId) {
    super(
      withCode(
        `endpoint handle ${id} is already connected: a handle serves one endpoint on one thread; make another handle`,
        SynodErrorCode.HandleAlreadyConnected,
      ),
    );
    this.name = 'HandleAlreadyConnectedError';
  }
}

interface Waiter {
  resolve(envelope: ReceivedMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A participant that is not an actor: a thread that sends to actors and receives their replies
 * without being hosted by the runtime (the main thread of a test, a client of the log). It has
 * an address like an actor and links to every actor, and waits with Atomics.waitAsync so it
 * never blocks its thread's event loop.
 */
export class Endpoint {
  private readonly inbox: Inbox;
  private readonly outboxes: Array<Outbox | undefined> = [];
  private readonly senderOfLink: Array<ActorId | undefined> = [];
  private readonly queue: ReceivedMessage[] = [];
  private queueHead = 0;
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private closed = false;
  private listener: ((from: ActorId, message: unknown) => void) | undefined;
  /** This endpoint's value slab's writer, claimed at its first link to an actor. */
  private readonly slab = new SlabClaim();

  private readonly enqueue = (linkId: number, message: unknown): void => {
    if (this.listener !== undefined) {
      this.listener(this.senderOfLink[linkId]!, message);
      return;
    }
    const envelope = { from: this.senderOfLink[linkId]!, message };
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.queue.push(envelope);
      return;
    }
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.resolve(envelope);
  };

  constructor(
    readonly id: ActorId,
    doorbell: SharedArrayBuffer,
  ) {
    this.inbox = new Inbox(doorbell);
  }

  /** Becomes the endpoint a handle describes, on the calling thread. Once per handle. */
  static connect(handle: EndpointHandle): Endpoint {
    if (Atomics.compareExchange(new Int32Array(handle.claim), 0, 0, 1) !== 0) throw new HandleAlreadyConnectedError(handle.id);
    const endpoint = new Endpoint(handle.id, handle.doorbell);
    endpoint.setLinks(handle.outgoing, handle.incoming);
    return endpoint;
  }

  /**
   * Hands every message to `handler` as it arrives, instead of queueing it for receive(): the
   * fast path for a client that matches replies itself (no promise per message).
   */
  listen(handler: (from: ActorId, message: unknown) => void): void {
    if (this.closed) throw new EndpointClosedError(this.id);
    this.listener = handler;
    void this.pump();
  }

  /** Sends now; false if that mailbox is full (nothing sent). */
  send(to: ActorId, message: unknown): boolean {
    return this.outbox(to).trySend(message);
  }

  /** Sends, waiting (without blocking the event loop) while that mailbox is full. */
  sendAsync(to: ActorId, message: unknown, timeoutMs?: number): Promise<void> {
    return this.outbox(to).sendAsync(message, timeoutMs);
  }

  /** As sendAsync(), encoding a message that waits only once there is room: its binary fields must stay as they are until the promise settles (Outbox.sendAsyncInPlace). */
  sendAsyncInPlace(to: ActorId, message: unknown, timeoutMs?: number): Promise<void> {
    return this.outbox(to).sendAsyncInPlace(message, timeoutMs);
  }

  /** The next message to this endpoint, in arrival order. Rejects with ReceiveTimeoutError after `timeoutMs`. */
  receive(timeoutMs = Number.POSITIVE_INFINITY): Promise<ReceivedMessage> {
    if (this.closed) return Promise.reject(new EndpointClosedError(this.id));
    if (this.queueHead < this.queue.length) return Promise.resolve(this.dequeue());
    return new Promise<ReceivedMessage>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      if (Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(new ReceiveTimeoutError(timeoutMs));
        }, timeoutMs);
      }
      this.waiters.push(waiter);
      void this.pump();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listener = undefined;
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.reject(new EndpointClosedError(this.id));
    }
    // The pump parks with no timeout: wake it, so it sees the endpoint closed and ends.
    this.inbox.doorbell.ring();
  }

  /** Wiring, called by the ActorSystem. */
  setLinks(outgoing: readonly OutgoingLink[], incoming: readonly IncomingLink[]): void {
    for (const link of outgoing) {
      if (this.outboxes[link.to]?.producer.sab === link.ring) continue;
      this.outboxes[link.to]?.retire();
      this.outboxes[link.to] = new Outbox(link.ring, link.doorbell, undefined, undefined, this.slab.writerOf(link.slab));
    }
    for (const link of incoming) {
      if (this.senderOfLink[link.linkId] !== undefined) {
        if (this.inbox.ringOf(link.linkId) === link.ring) continue;
        // The same id with another ring: a released endpoint's link id handed out again (see
        // dropPeer), whose old link this endpoint kept: it would never read the new ring.
        this.inbox.removeLink(link.linkId);
      }
      this.senderOfLink[link.linkId] = link.from;
      this.inbox.addLink(link.linkId, link.ring, link.slab);
    }
  }

  /** Another endpoint was released (ActorSystem.releaseEndpoint): its links here go, and their rings with them. */
  dropPeer(id: ActorId): void {
    this.outboxes[id]?.retire();
    this.outboxes[id] = undefined;
    for (let linkId = 0; linkId < this.senderOfLink.length; linkId++) {
      if (this.senderOfLink[linkId] !== id) continue;
      this.inbox.removeLink(linkId);
      this.senderOfLink[linkId] = undefined;
    }
  }

  /**
   * The writer of this endpoint's value slab (its links to actors carry it: values of 1 KiB or more
   * go to them by reference), or undefined: no link to an actor yet, or another endpoint claimed
   * it first (a slab has one writer for its life).
   */
  get valueSlab(): ValueSlabWriter | undefined {
    return this.slab.writer;
  }

  private outbox(to: ActorId): Outbox {
    if (this.closed) throw new EndpointClosedError(this.id);
    const outbox = this.outboxes[to];
    if (outbox === undefined) throw new UnknownActorError(to);
    return outbox;
  }

  private dequeue(): ReceivedMessage {
    const envelope = this.queue[this.queueHead++]!;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    return envelope;
  }

  /**
   * Moves messages from the rings to waiting receivers while anyone waits. It parks with no
   * timeout: a finite one makes V8 post a delayed task (a libuv timer, armed and later fired as a
   * no-op) at every park, measured at about 14 us of this thread's CPU per wake-up on a 2-core VM.
   * Every sender rings the doorbell, and close() rings it too.
   */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while ((this.waiters.length > 0 || this.listener !== undefined) && !this.closed) {
        if (this.inbox.drain(this.enqueue) === 0) await this.inbox.waitAsync(Number.POSITIVE_INFINITY);
      }
    } finally {
      this.pumping = false;
    }
  }
}
