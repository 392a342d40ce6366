// The root `synod` exports what an application needs and nothing else (issue 19): the log, the
// sequencer, their limits and event channels, and every error they throw. A name added here is a
// promise to users; the building blocks live behind subpaths (synod/log, synod/actors, ...).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as synod from 'synod';
import * as log from 'synod/log';

const ROOT_VALUES = [
  'AbortError',
  'ActorNotRunningError',
  'ActorSystemClosedError',
  'AppendTimeoutError',
  'ConnectRefusedError',
  'ConnectionLimitError',
  'ConnectionReclaimedError',
  'CorruptLogError',
  'ENTRY_BYTES_DEFAULT',
  'EntryTooLargeError',
  'LOG_EVENT_CHANNELS',
  'LayoutMismatchError',
  'LogClosedError',
  'LogTrimmedError',
  'ReplicatedLog',
  'Sequencer',
  'StorageDirInUseError',
  'StorageError',
  'StorageFullError',
  'SynodErrorCode',
  'TrimTimeoutError',
  'UnknownActorError',
  'logLimits',
  'synodErrorCode',
];

describe('the public API', () => {
  it('is exactly the names an application needs', () => {
    expect(Object.keys(synod).sort()).toEqual(ROOT_VALUES);
  });

  it('keeps the internals the issue found behind subpaths', () => {
    for (const internal of ['LogClient', 'markClosed', 'writeFileDurably', 'RING_HEAD_INDEX', 'busySpin', 'resolveLogOptions', 'ActorSystem', 'Cluster']) {
      expect(Object.keys(synod), internal).not.toContain(internal);
    }
    expect(typeof log.LogClient).toBe('function');
    expect(typeof log.writeFileDurably).toBe('function');
  });

  it('publishes types without the members marked internal', () => {
    const types = readFileSync(new URL('../../dist/src/log/replicated-log.d.ts', import.meta.url), 'utf8');
    expect(types).toMatch(/static open\(/);
    expect(types).toMatch(/static connect\(/);
    for (const internal of ['static start(', 'reserve(', 'connectionCounts', 'eventSource', 'collectGarbage(', 'counters(']) expect(types, internal).not.toContain(internal);
  });
});
