export { CorruptLogError, LogTrimmedError, StorageError, StorageFullError } from '../storage/index.js';

/** A call on a log or sequencer after close(). */
export class LogClosedError extends Error {
  constructor(what = 'log') {
    super(`the ${what} is closed`);
    this.name = 'LogClosedError';
  }
}

/**
 * The log's owner could not give this connect an endpoint: all 65,536 endpoint ids are taken by
 * live connections, or the log spent every connection generation (ConnectionLimitError).
 */
export class ConnectRefusedError extends RangeError {
  constructor(
    /** The owner's error: RangeError (ids) or ConnectionLimitError (generations). */
    readonly reason: string,
    message: string,
  ) {
    super(`connect refused by the log's owner: ${message}`);
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
  readonly retryable = true;
  readonly mayHaveCommitted = true;
  constructor(readonly silentMs: number) {
    super(`this thread's connection was reclaimed: it ran nothing for over ${silentMs} ms with work outstanding (appends then outstanding may still commit); the next call reconnects`);
    this.name = 'ConnectionReclaimedError';
  }
}

/**
 * The append did not resolve in time (no leader, or no majority of acceptors). Its outcome is
 * unknown: the entry may still be committed later. Retrying appends it again.
 */
export class AppendTimeoutError extends Error {
  readonly retryable = true;
  constructor(readonly timeoutMs: number) {
    super(`append not committed within ${timeoutMs} ms (no leader or no majority of acceptors); it may still commit; retrying appends again`);
    this.name = 'AppendTimeoutError';
  }
}

/** An entry larger than the log accepts. */
export class EntryTooLargeError extends RangeError {
  constructor(
    readonly entryBytes: number,
    readonly entryBytesMax: number,
  ) {
    super(`entry of ${entryBytes} bytes exceeds the limit of ${entryBytesMax} bytes (option entryBytesMax)`);
    this.name = 'EntryTooLargeError';
  }
}

/** trim() was not confirmed by every learner in time (a learner is down): some may have released the prefix, others not yet. */
export class TrimTimeoutError extends Error {
  readonly retryable = true;
  constructor(
    readonly beforeIndex: number,
    readonly timeoutMs: number,
  ) {
    super(`trim below ${beforeIndex} not confirmed by every learner within ${timeoutMs} ms; retrying is safe`);
    this.name = 'TrimTimeoutError';
  }
}

/**
 * The AbortSignal passed to append() or read() fired. An append aborted after it was sent is like
 * a timeout: it may still commit (`mayHaveCommitted`); one aborted while it waited to be sent never
 * will. `cause` is the signal's reason.
 */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(
    what: 'append-sent' | 'append-unsent' | 'read',
    reason?: unknown,
  ) {
    super(
      what === 'append-sent' ? 'append aborted after it was sent: it may still commit' : what === 'append-unsent' ? 'append aborted before it was sent: it will not commit' : 'read aborted',
      { cause: reason },
    );
    this.name = 'AbortError';
    this.mayHaveCommitted = what === 'append-sent';
  }
  readonly mayHaveCommitted: boolean;
}
