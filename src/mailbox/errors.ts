/** A message too large for the ring it is sent on: it could never fit, so it is refused at once. */
export class MessageTooLargeError extends RangeError {
  constructor(
    readonly messageBytes: number,
    readonly maxMessageBytes: number,
  ) {
    super(`message of ${messageBytes} bytes exceeds the mailbox limit of ${maxMessageBytes} bytes`);
    this.name = 'MessageTooLargeError';
  }
}

/** A blocking send that found no room before its deadline. Nothing was written. */
export class MailboxFullError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`mailbox still full after ${timeoutMs} ms; the receiver is not draining`);
    this.name = 'MailboxFullError';
  }
}
