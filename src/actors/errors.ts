import type { ActorId } from './types.js';

export class ActorSystemClosedError extends Error {
  constructor() {
    super('the actor system is closed');
    this.name = 'ActorSystemClosedError';
  }
}

export class UnknownActorError extends RangeError {
  constructor(readonly id: unknown) {
    super(`no actor with id ${String(id)} in this system`);
    this.name = 'UnknownActorError';
  }
}

export class ActorNotRunningError extends Error {
  constructor(readonly id: ActorId, readonly state: string) {
    super(`actor ${id} is ${state}`);
    this.name = 'ActorNotRunningError';
  }
}
