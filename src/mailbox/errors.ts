import { SynodErrorCode, withCode } from '../error-codes.js';

/** A message too large for the ring it is sent on: it could never fit, so it is refused at once. */
export class MessageTooLargeError extends RangeError {
  readonly code = SynodErrorCode.MessageTooLarge;
  constructor(
    readonly messageBytes: number,
    readonly maxMessageBytes: number,
  ) {
    super(withCode(`message of ${messageBytes} bytes exceeds the mailbox limit of ${maxMessageBytes} bytes`, SynodErrorCode.MessageTooLarge));
    this.name = 'MessageTooLargeError';
  }
}

/** A blocking send that found no room before its deadline. Nothing was written. */
export class MailboxFullError extends Error {
  readonly code = SynodErrorCode.MailboxFull;
  constructor(readonly timeoutMs: number) {
    super(withCode(`mailbox still full after ${timeoutMs} ms; the receiver is not draining`, SynodErrorCode.MailboxFull));
    this.name = 'MailboxFullError';
  }
}
