import { SynodErrorCode, withCode } from '../error-codes.js';

export { CorruptLogError, LogTrimmedError, StorageError, StorageFullError } from '../storage/index.js';
export { SynodErrorCode, synodErrorCode } from '../error-codes.js';

/** A call on a log or sequencer after close(). */
export class LogClosedError extends Error {
  readonly code = SynodErrorCode.LogClosed;
  constructor(what = 'log') {
    super(withCode(`the ${what} is closed`, SynodErrorCode.LogClosed));
    this.name = 'LogClosedError';
  }
}

/**
 * The log's owner could not give this connect an endpoint: all 65,536 endpoint ids are taken by
 * live connections, or the log spent every connection generation (ConnectionLimitError).
 */
export class ConnectRefusedError extends RangeError {
  readonly code = SynodErrorCode.ConnectRefused;
  constructor(
    /** The owner's error: RangeError (ids) or ConnectionLimitError (generations). */
    readonly reason: string,
    message: string,
  ) {
    super(withCode(`connect refused by the log's owner: ${message}`, SynodErrorCode.ConnectRefused));
    this.name = 'ConnectRefusedError';
  }
}

/**
 * This thread's connection was reclaimed by the log's owner while it had work outstanding: the
 * thread showed no life and ran none of its code for longer than appendTimeoutMs (blocked, or
 * stopped in a debugger), so the owner took it for dead. Every append outstanding then was older
 * than appendTimeoutMs: like an AppendTimeoutError, it may still commit. Reads, follows and trims
 * in progress end with it too. The next call on the log reconnects by itself.
 */
export class ConnectionReclaimedError extends Error {
  readonly code = SynodErrorCode.ConnectionReclaimed;
  readonly retryable = true;
  readonly mayHaveCommitted = true;
  constructor(readonly silentMs: number) {
    super(
      withCode(
        `this thread's connection was reclaimed: it ran nothing for over ${silentMs} ms with work outstanding (appends then outstanding may still commit); the next call reconnects`,
        SynodErrorCode.ConnectionReclaimed,
      ),
    );
    this.name = 'ConnectionReclaimedError';
  }
}

/**
 * The append did not resolve in time (no leader, or no majority of acceptors). Its outcome is
 * unknown: the entry may still be committed later. Retrying appends it again.
 */
export class AppendTimeoutError extends Error {
  readonly code = SynodErrorCode.AppendTimeout;
  readonly retryable = true;
  constructor(readonly timeoutMs: number) {
    super(
      withCode(
        `append not committed within ${timeoutMs} ms (no leader or no majority of acceptors); it may still commit; retrying appends again`,
        SynodErrorCode.AppendTimeout,
      ),
    );
    this.name = 'AppendTimeoutError';
  }
}

/** An entry larger than the log accepts. */
export class EntryTooLargeError extends RangeError {
  readonly code = SynodErrorCode.EntryTooLarge;
  constructor(
    readonly entryBytes: number,
    readonly entryBytesMax: number,
  ) {
    super(withCode(`entry of ${entryBytes} bytes exceeds the limit of ${entryBytesMax} bytes (option entryBytesMax)`, SynodErrorCode.EntryTooLarge));
    this.name = 'EntryTooLargeError';
  }
}

/**
 * trim() was not confirmed by every learner in time (a learner is down): the others released the
 * prefix, those in `unconfirmed` (learner ids) not yet. A trim asks every learner: one held down
 * (killed with `restart: false`, or given up on by its supervisor) keeps its entries until it is
 * restarted and asked again.
 */
export class TrimTimeoutError extends Error {
  readonly code = SynodErrorCode.TrimTimeout;
  readonly retryable = true;
  constructor(
    readonly beforeIndex: number,
    readonly timeoutMs: number,
    readonly unconfirmed: readonly number[] = [],
  ) {
    const which = unconfirmed.length === 0 ? '' : ` (no answer from learner${unconfirmed.length === 1 ? '' : 's'} ${unconfirmed.join(', ')}: down or stalled; status() says which are alive)`;
    super(withCode(`trim below ${beforeIndex} not confirmed by every learner within ${timeoutMs} ms${which}; retrying is safe`, SynodErrorCode.TrimTimeout));
    this.name = 'TrimTimeoutError';
  }
}

/**
 * The AbortSignal passed to append() or read() fired. An append aborted after it was sent is like
 * a timeout: it may still commit (`mayHaveCommitted`); one aborted while it waited to be sent never
 * will. `cause` is the signal's reason.
 */
export class AbortError extends Error {
  /** Node's code for an aborted operation, as its own AbortError has. */
  readonly code = SynodErrorCode.Aborted;
  constructor(
    what: 'append-sent' | 'append-unsent' | 'read',
    reason?: unknown,
  ) {
    super(
      withCode(
        what === 'append-sent' ? 'append aborted after it was sent: it may still commit' : what === 'append-unsent' ? 'append aborted before it was sent: it will not commit' : 'read aborted',
        SynodErrorCode.Aborted,
      ),
      { cause: reason },
    );
    this.name = 'AbortError';
    this.mayHaveCommitted = what === 'append-sent';
  }
  readonly mayHaveCommitted: boolean;
}
