// An append stores the bytes its Uint8Array held when append() was called, whatever happens
// after: reusing the buffer at once is a common pattern. The bytes must not be read again later:
// not when the append waits beyond inflightAppendsMax, nor when it is sent again (resend after a
// timeout, a redirect, a NewLeader) (user report, issue 18).
import { describe, expect, it } from 'vitest';
import type { ReplicatedLog } from 'synod';
import { AppendCore } from '../../src/protocol/append-core.js';
import { LogMessageType, type ClientRequestBatchMessage } from '../../src/protocol/wire.js';
import { COMMAND_HEADER_BYTES, commandDataBytes, countCommands, viewOf } from '../../src/paxos/index.js';
import { closedAfterEach, leaderId } from './helpers.js';

const { openLog } = closedAfterEach();

const ENTRY_BYTES = 8;
const SCRIBBLE = 0xee;

/** Entry `i`: its number in the first 4 bytes, then a marker, so a scribbled-over entry never passes. */
function writeEntry(target: Uint8Array, i: number): void {
  new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(0, i, true);
  target.fill(0x5a, 4, ENTRY_BYTES);
}

function expectedEntry(i: number): Uint8Array {
  const entry = new Uint8Array(ENTRY_BYTES);
  writeEntry(entry, i);
  return entry;
}

/** Appends `count` entries from the one `buffer`, overwriting it right after each append() returns. */
function appendFromOneBuffer(log: ReplicatedLog, buffer: Uint8Array, count: number, first = 0): Array<Promise<number>> {
  const appends: Array<Promise<number>> = [];
  for (let i = first; i < first + count; i++) {
    writeEntry(buffer, i);
    appends.push(log.append(buffer));
    buffer.fill(SCRIBBLE);
  }
  return appends;
}

async function entriesAt(log: ReplicatedLog): Promise<Map<number, Uint8Array>> {
  const entries = new Map<number, Uint8Array>();
  for await (const { index, data } of log.read({ from: 0 })) entries.set(index, data);
  return entries;
}

async function expectEachAppendHoldsItsBytes(log: ReplicatedLog, indexes: number[], first = 0): Promise<void> {
  const entries = await entriesAt(log);
  indexes.forEach((index, i) => expect(entries.get(index), `append ${first + i} at index ${index}`).toEqual(expectedEntry(first + i)));
}

describe('an append captures its bytes at call time', () => {
  it('beyond inflightAppendsMax: appends that wait for a session store what the buffer held at their call', async () => {
    const log = await openLog({ inflightAppendsMax: 2 });
    const indexes = await Promise.all(appendFromOneBuffer(log, new Uint8Array(ENTRY_BYTES), 200));
    await expectEachAppendHoldsItsBytes(log, indexes);
  });

  it('a Node Buffer from the pool (byteOffset > 0) and a view of a SharedArrayBuffer: exactly the view bytes', async () => {
    const log = await openLog({ inflightAppendsMax: 1 });
    const pooled = Buffer.allocUnsafe(ENTRY_BYTES);
    expect(pooled.byteOffset).toBeGreaterThan(0);
    const shared = new Uint8Array(new SharedArrayBuffer(64), 24, ENTRY_BYTES);
    const appends = [...appendFromOneBuffer(log, pooled, 50), ...appendFromOneBuffer(log, shared, 50, 50)];
    await expectEachAppendHoldsItsBytes(log, await Promise.all(appends));
  });

  it('a resend (no proposer was alive when they were sent) sends the original bytes, not what the buffer holds now', async () => {
    const log = await openLog({ inflightAppendsMax: 64, proposers: 2 });
    const warmup = await Promise.all(appendFromOneBuffer(log, new Uint8Array(ENTRY_BYTES), 8));
    const leader = await leaderId(log);
    const standby = (await log.cluster.actors()).find((actor) => actor.role === 'proposer' && actor.id !== leader)!.id;
    await log.cluster.kill(leader);
    await log.cluster.kill(standby);
    // Fewer than inflightAppendsMax: each is encoded at once and sent to a dead proposer, so it
    // reaches the log only by a resend, after the buffer was overwritten.
    const appends = appendFromOneBuffer(log, new Uint8Array(ENTRY_BYTES), 16, 8);
    await log.cluster.restart(standby);
    await expectEachAppendHoldsItsBytes(log, [...warmup, ...(await Promise.all(appends))]);
  });

  it('a view of a detached (transferred) buffer is refused with a TypeError, and the log goes on undisturbed', async () => {
    const log = await openLog();
    const before = await log.append(expectedEntry(1));
    const transferred = new Uint8Array(ENTRY_BYTES);
    structuredClone(transferred.buffer, { transfer: [transferred.buffer] });
    await expect(log.append(transferred)).rejects.toThrow(TypeError);
    await expect(log.append(transferred)).rejects.toThrow(/detached/);
    const after = await log.append(expectedEntry(2));
    expect(after).toBe(before + 1);
    const entries = await entriesAt(log);
    expect(entries.get(after)).toEqual(expectedEntry(2));
  });
});

describe('AppendCore keeps its own copy of an append', () => {
  const PROPOSERS = [0, 1];
  function core(inflightAppendsMax: number) {
    const sent: Uint8Array[] = [];
    const appends = new AppendCore<number>(
      // A sweep in silence sends every append past its timeout ('all'): each resend's bytes are checked.
      { generation: 0, endpointId: 9, proposers: PROPOSERS, inflightAppendsMax, appendTimeoutMs: 30_000, resendAfterMs: 100, requestBatchBytesMax: 1 << 16, resendInSilence: 'all' },
      {
        send(_to, message) {
          const { commands } = message as ClientRequestBatchMessage;
          const view = viewOf(commands);
          let at = 0;
          for (let i = 0; i < countCommands(commands); i++) {
            const bytes = commandDataBytes(view, at);
            sent.push(commands.slice(at + COMMAND_HEADER_BYTES, at + COMMAND_HEADER_BYTES + bytes));
            at += COMMAND_HEADER_BYTES + bytes;
          }
        },
        resolved: () => undefined,
        rejected: () => undefined,
      },
    );
    return { appends, sent };
  }

  it('resends after a timeout and on NewLeader carry the bytes of the call, many turns later', () => {
    const { appends, sent } = core(8);
    const buffer = new Uint8Array(ENTRY_BYTES);
    for (let i = 0; i < 4; i++) {
      writeEntry(buffer, i);
      appends.submit(i, buffer, 1, 0);
      buffer.fill(SCRIBBLE);
      appends.flush(); // each in its own turn
    }
    // Other appends' turns reuse the writer meanwhile.
    for (let i = 4; i < 8; i++) {
      appends.submit(i, expectedEntry(i), 1, 0);
      appends.flush();
    }
    sent.length = 0;
    appends.sweep(1_000);
    appends.flush();
    expect(sent).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map(expectedEntry));
    sent.length = 0;
    appends.onMessage({ type: LogMessageType.NewLeader, from: PROPOSERS[1] } as never, 1_001);
    appends.flush();
    expect(sent).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map(expectedEntry));
  });

  it('an append waiting for a session sends the bytes of its call once it gets one', () => {
    const { appends, sent } = core(1);
    const buffer = new Uint8Array(ENTRY_BYTES);
    for (let i = 0; i < 3; i++) {
      writeEntry(buffer, i);
      appends.submit(i, buffer, 1, 0);
      buffer.fill(SCRIBBLE);
    }
    appends.flush();
    // Times out the first two in turn: each frees the session for the next waiting one.
    appends.sweep(30_000);
    appends.flush();
    appends.sweep(60_000);
    appends.flush();
    expect(sent).toEqual([0, 1, 2].map(expectedEntry));
  });
});
