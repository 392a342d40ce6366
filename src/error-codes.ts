// Every error synod throws has a stable `code` (Node's convention: ERR_ and a name), listed here
// once. A code survives where a class does not: an error that crosses a thread (a worker's
// rejection, a piscina task's) arrives as a structured clone, which keeps `message`, `stack` and
// `cause` but drops the class, custom properties such as `code`, and any `name` other than a
// built-in one. So each message also ends with its code in brackets, and synodErrorCode() reads it
// back from there when `code` itself was lost.

/** The code of every synod error, by what it means. */
export const SynodErrorCode = Object.freeze({
  // The log and the sequencer (synod)
  LogClosed: 'ERR_SYNOD_LOG_CLOSED',
  AppendTimeout: 'ERR_SYNOD_APPEND_TIMEOUT',
  EntryTooLarge: 'ERR_SYNOD_ENTRY_TOO_LARGE',
  TrimTimeout: 'ERR_SYNOD_TRIM_TIMEOUT',
  /** Node's own code for an aborted operation, which AbortError keeps. */
  Aborted: 'ABORT_ERR',
  LayoutMismatch: 'ERR_SYNOD_LAYOUT_MISMATCH',
  StorageDirInUse: 'ERR_SYNOD_STORAGE_DIR_IN_USE',
  ConnectRefused: 'ERR_SYNOD_CONNECT_REFUSED',
  ConnectionReclaimed: 'ERR_SYNOD_CONNECTION_RECLAIMED',
  ConnectionLimit: 'ERR_SYNOD_CONNECTION_LIMIT',
  /** Internal: a call found its connection reclaimed before it sent anything (the log reconnects and retries it). */
  EndpointRevoked: 'ERR_SYNOD_ENDPOINT_REVOKED',
  // Storage (synod/storage)
  Storage: 'ERR_SYNOD_STORAGE',
  StorageFull: 'ERR_SYNOD_STORAGE_FULL',
  CorruptLog: 'ERR_SYNOD_CORRUPT_LOG',
  LogTrimmed: 'ERR_SYNOD_LOG_TRIMMED',
  // Actors (synod/actors)
  ActorSystemClosed: 'ERR_SYNOD_ACTOR_SYSTEM_CLOSED',
  UnknownActor: 'ERR_SYNOD_UNKNOWN_ACTOR',
  ActorNotRunning: 'ERR_SYNOD_ACTOR_NOT_RUNNING',
  ReceiveTimeout: 'ERR_SYNOD_RECEIVE_TIMEOUT',
  EndpointClosed: 'ERR_SYNOD_ENDPOINT_CLOSED',
  HandleAlreadyConnected: 'ERR_SYNOD_HANDLE_ALREADY_CONNECTED',
  // Mailboxes (synod/mailbox)
  MessageTooLarge: 'ERR_SYNOD_MESSAGE_TOO_LARGE',
  MailboxFull: 'ERR_SYNOD_MAILBOX_FULL',
  // The protocol core (synod/paxos)
  /** A broken invariant of the core: a bug in synod, never bad input (the role crashes rather than go on). */
  Invariant: 'ERR_SYNOD_INVARIANT',
  // The simulator (synod/sim)
  SimViolation: 'ERR_SYNOD_SIM_VIOLATION',
  SimScript: 'ERR_SYNOD_SIM_SCRIPT',
} as const);

export type SynodErrorCode = (typeof SynodErrorCode)[keyof typeof SynodErrorCode];

const CODES: ReadonlySet<string> = new Set(Object.values(SynodErrorCode));

/** `message` with `code` appended in brackets: what an error keeps of its code across threads. */
export function withCode(message: string, code: SynodErrorCode): string {
  return `${message} [${code}]`;
}

/** A code in brackets, as withCode() writes it; the last one wins (a wrapper may add text after). */
const BRACKETED_CODE = /\[((?:ERR_SYNOD_[A-Z_]+)|ABORT_ERR)\]/g;

/**
 * The synod code of `error`, or undefined if it is not a synod error: its `code` property, or,
 * for a structured clone of one (from a worker, a pool task) that lost it, the code its message
 * (or else its stack) carries. Node's own AbortError is recognised too (ABORT_ERR).
 */
export function synodErrorCode(error: unknown): SynodErrorCode | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, stack } = error as { code?: unknown; message?: unknown; stack?: unknown };
  if (typeof code === 'string' && CODES.has(code)) return code as SynodErrorCode;
  return codeIn(message) ?? codeIn(stack);
}

function codeIn(text: unknown): SynodErrorCode | undefined {
  if (typeof text !== 'string') return undefined;
  let found: string | undefined;
  for (const match of text.matchAll(BRACKETED_CODE)) if (CODES.has(match[1]!)) found = match[1];
  return found as SynodErrorCode | undefined;
}
