// Every synod error has a stable `code` (ERR_SYNOD_..., and Node's ABORT_ERR for AbortError), and
// stays recognisable after crossing a thread: a structured clone keeps only message, stack and
// cause, so the message carries the code and synodErrorCode() reads it back (issue 18, item 2).
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import * as synod from 'synod';
import {
  AbortError,
  ActorNotRunningError,
  ActorSystemClosedError,
  AppendTimeoutError,
  CorruptLogError,
  EntryTooLargeError,
  ConnectRefusedError,
  ConnectionLimitError,
  ConnectionReclaimedError,
  LayoutMismatchError,
  LogClosedError,
  LogTrimmedError,
  ReplicatedLog,
  StorageDirInUseError,
  StorageError,
  StorageFullError,
  SynodErrorCode,
  TrimTimeoutError,
  UnknownActorError,
  synodErrorCode,
} from 'synod';
import * as actors from 'synod/actors';
import { EndpointClosedError, HandleAlreadyConnectedError, ReceiveTimeoutError } from 'synod/actors';
import * as mailbox from 'synod/mailbox';
import { MailboxFullError, MessageTooLargeError } from 'synod/mailbox';
import * as paxos from 'synod/paxos';
import { InvariantError } from 'synod/paxos';
import * as sim from 'synod/sim';
import { ScriptError, SimViolation } from 'synod/sim';
import { fixture } from './helpers.js';

const LAYOUT = { kind: 'log', proposers: 2, acceptors: 3, learners: 1 } as const;

/** One instance of every synod error class, with the code it must have. */
const EXAMPLES: Array<[Error, string]> = [
  [new LogClosedError(), 'ERR_SYNOD_LOG_CLOSED'],
  [new LogClosedError('sequencer'), 'ERR_SYNOD_LOG_CLOSED'],
  [new AppendTimeoutError(30_000), 'ERR_SYNOD_APPEND_TIMEOUT'],
  [new EntryTooLargeError(70_000, 65_536), 'ERR_SYNOD_ENTRY_TOO_LARGE'],
  [new TrimTimeoutError(100, 30_000), 'ERR_SYNOD_TRIM_TIMEOUT'],
  [new AbortError('append-sent'), 'ABORT_ERR'],
  [new LayoutMismatchError('/data', LAYOUT, { ...LAYOUT, acceptors: 5 }), 'ERR_SYNOD_LAYOUT_MISMATCH'],
  [new StorageDirInUseError('/data', 1234), 'ERR_SYNOD_STORAGE_DIR_IN_USE'],
  [new ConnectRefusedError('RangeError', 'no free actor id'), 'ERR_SYNOD_CONNECT_REFUSED'],
  [new ConnectionLimitError(2 ** 21), 'ERR_SYNOD_CONNECTION_LIMIT'],
  [new ConnectionReclaimedError(30_000), 'ERR_SYNOD_CONNECTION_RECLAIMED'],
  [new StorageError('EIO', -5, '/data/acceptor-2.log'), 'ERR_SYNOD_STORAGE'],
  [new StorageFullError('ENOSPC', -28, '/data/acceptor-2.log'), 'ERR_SYNOD_STORAGE_FULL'],
  [new CorruptLogError('/data/learner-5.log', 4096, 'bad CRC'), 'ERR_SYNOD_CORRUPT_LOG'],
  [new LogTrimmedError(10, 100), 'ERR_SYNOD_LOG_TRIMMED'],
  [new ActorSystemClosedError(), 'ERR_SYNOD_ACTOR_SYSTEM_CLOSED'],
  [new UnknownActorError(99), 'ERR_SYNOD_UNKNOWN_ACTOR'],
  [new ActorNotRunningError(3, 'stopped'), 'ERR_SYNOD_ACTOR_NOT_RUNNING'],
  [new ReceiveTimeoutError(1000), 'ERR_SYNOD_RECEIVE_TIMEOUT'],
  [new EndpointClosedError(7), 'ERR_SYNOD_ENDPOINT_CLOSED'],
  [new HandleAlreadyConnectedError(7), 'ERR_SYNOD_HANDLE_ALREADY_CONNECTED'],
  [new MessageTooLargeError(2_000_000, 1_000_000), 'ERR_SYNOD_MESSAGE_TOO_LARGE'],
  [new MailboxFullError(1000), 'ERR_SYNOD_MAILBOX_FULL'],
  [new InvariantError('acceptor 2: promise would fall from 65538 to 65537'), 'ERR_SYNOD_INVARIANT'],
  [new SimViolation('agreement', 'two values chosen for slot 3'), 'ERR_SYNOD_SIM_VIOLATION'],
  [new ScriptError(12, 'unknown command'), 'ERR_SYNOD_SIM_SCRIPT'],
];

function errorClassesOf(module: Record<string, unknown>): Array<new (...args: never[]) => Error> {
  return Object.values(module).filter(
    (value): value is new (...args: never[]) => Error => typeof value === 'function' && value.prototype instanceof Error,
  );
}

describe('synod error codes', () => {
  it('every error class exported from synod, synod/actors, synod/mailbox, synod/paxos and synod/sim is covered here', () => {
    const covered = new Set(EXAMPLES.map(([error]) => error.constructor));
    for (const errorClass of [...errorClassesOf(synod), ...errorClassesOf(actors), ...errorClassesOf(mailbox), ...errorClassesOf(paxos), ...errorClassesOf(sim)]) expect(covered.has(errorClass), errorClass.name).toBe(true);
  });

  it.each(EXAMPLES.map(([error, code]) => [error.name, error, code] as const))('%s has its code, in `code` and at the end of its message', (_name, error, code) => {
    expect((error as Error & { code?: unknown }).code).toBe(code);
    expect(Object.values(SynodErrorCode)).toContain(code);
    expect(error.message.endsWith(` [${code}]`)).toBe(true);
    expect(synodErrorCode(error)).toBe(code);
  });

  it('the codes are distinct, one per kind of error', () => {
    const codes = Object.values(SynodErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('a storage error keeps the operating system code as systemCode, beside errno and path', () => {
    const full = new StorageFullError('ENOSPC', -28, '/data/acceptor-2.log');
    expect(full).toMatchObject({ code: SynodErrorCode.StorageFull, systemCode: 'ENOSPC', errno: -28, path: '/data/acceptor-2.log', retryable: true });
    expect(full).toBeInstanceOf(StorageError);
    expect(new StorageError('EIO', undefined, undefined)).toMatchObject({ code: SynodErrorCode.Storage, systemCode: 'EIO' });
  });

  it.each(EXAMPLES.map(([error, code]) => [error.name, error, code] as const))('%s is recognised after structuredClone, which drops its class and code', (_name, error, code) => {
    const cloned = structuredClone(error) as Error & { code?: unknown };
    expect(cloned).not.toBeInstanceOf(error.constructor);
    expect(cloned.code).toBeUndefined();
    expect(synodErrorCode(cloned)).toBe(code);
  });

  it('reads the code from the stack when a wrapper replaced the message', () => {
    const cloned = structuredClone(new LogClosedError());
    cloned.message = 'task failed';
    expect(synodErrorCode(cloned)).toBe(SynodErrorCode.LogClosed);
  });

  it('is undefined for anything else', () => {
    for (const other of [new Error('boom'), new TypeError('x [ERR_SOMETHING_ELSE]'), Object.assign(new Error('enoent'), { code: 'ENOENT' }), 'ERR_SYNOD_LOG_CLOSED', undefined, null, 42]) {
      expect(synodErrorCode(other)).toBeUndefined();
    }
  });

  it('a piscina task that rejects with LogClosedError on its worker is recognised on the owner', async () => {
    const log = await ReplicatedLog.open();
    const pool = new Piscina({ filename: fixture('append-task').href, minThreads: 1, maxThreads: 1, workerData: { handle: log.handle() } });
    try {
      expect(await pool.run({})).toBe(0);
      await log.close();
      const error = await pool.run({}).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(LogClosedError); // the class did not cross the thread
      expect(synodErrorCode(error)).toBe(SynodErrorCode.LogClosed);
    } finally {
      await pool.destroy();
      await log.close();
    }
  });
});
