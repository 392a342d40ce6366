import { SynodErrorCode, withCode } from '../error-codes.js';
import type { ActorId } from './types.js';

export class ActorSystemClosedError extends Error {
  readonly code = SynodErrorCode.ActorSystemClosed;
  constructor() {
    super(withCode('the actor system is closed', SynodErrorCode.ActorSystemClosed));
    this.name = 'ActorSystemClosedError';
  }
}

export class UnknownActorError extends RangeError {
  readonly code = SynodErrorCode.UnknownActor;
  constructor(readonly id: unknown) {
    super(withCode(`no actor with id ${String(id)} in this system`, SynodErrorCode.UnknownActor));
    this.name = 'UnknownActorError';
  }
}

export class ActorNotRunningError extends Error {
  readonly code = SynodErrorCode.ActorNotRunning;
  constructor(readonly id: ActorId, readonly state: string) {
    super(withCode(`actor ${id} is ${state}`, SynodErrorCode.ActorNotRunning));
    this.name = 'ActorNotRunningError';
  }
}
