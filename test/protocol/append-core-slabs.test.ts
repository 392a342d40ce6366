// An append core writes its commands into slabs it writes again once no unsettled append holds
// them (CommandBatchWriter, Slab): a closed loop of large appends keeps reusing a few slabs
// instead of making a new ArrayBuffer per turn (at 64 KiB entries the caller's thread spent 28%
// of its time in scavenges forced by them), and every command still goes out with the bytes it
// was appended with, resends included, whatever the caller did with its buffer since.
import { describe, expect, it } from 'vitest';
import { AppendCore } from '../../src/protocol/append-core.js';
import { LogMessageType, type ClientRequestBatchMessage } from '../../src/protocol/wire.js';
import { COMMAND_HEADER_BYTES, commandClientId, commandDataBytes, commandSeq, viewOf } from '../../src/paxos/index.js';

interface Sent {
  readonly clientId: number;
  readonly seq: number;
  /** A copy, as a mailbox takes at send. */
  readonly data: Uint8Array;
}

const ENTRY_BYTES = 30_000;

function core() {
  const sent: Sent[] = [];
  const slabs = new Set<ArrayBufferLike>();
  const resolved: number[] = [];
  const appends = new AppendCore<number>(
    { generation: 0, endpointId: 9, proposers: [0, 1], inflightAppendsMax: 64, appendTimeoutMs: 30_000, resendAfterMs: 100, requestBatchBytesMax: 1 << 18 },
    {
      send(_to, message) {
        const { commands } = message as ClientRequestBatchMessage;
        slabs.add(commands.buffer);
        const view = viewOf(commands);
        for (let at = 0; at < commands.byteLength; at += COMMAND_HEADER_BYTES + commandDataBytes(view, at)) {
          const start = commands.byteOffset + at + COMMAND_HEADER_BYTES;
          sent.push({ clientId: commandClientId(view, at), seq: commandSeq(view, at), data: new Uint8Array(commands.buffer.slice(start, start + commandDataBytes(view, at))) });
        }
      },
      resolved: (token) => resolved.push(token),
      rejected: () => undefined,
    },
  );
  const ack = (command: Sent, index: number, nowMs: number): void => {
    appends.onMessage({ type: LogMessageType.ClientReplyBatch, ranges: [command.clientId, command.seq, 1, index] } as never, nowMs);
  };
  return { appends, sent, slabs, resolved, ack };
}

/** The entry of append `n`: its own bytes, so a command sent with another's shows. */
function entryOf(n: number): Uint8Array {
  return new Uint8Array(ENTRY_BYTES).fill(n & 0xff).fill((n >> 8) & 0xff, 0, 2);
}

describe("an append core's slabs", () => {
  it('are written again in a closed loop of large appends, and every command goes out with its own bytes', () => {
    const { appends, sent, slabs, resolved, ack } = core();
    // The caller's one buffer, overwritten for each append (append() takes the bytes at the call).
    const buffer = new Uint8Array(ENTRY_BYTES);
    const rounds = 400;
    const inFlight = 6;
    let n = 0;
    for (let round = 0; round < rounds; round++) {
      const first = sent.length;
      for (let i = 0; i < inFlight; i++, n++) {
        buffer.set(entryOf(n));
        appends.submit(n, buffer, 1, round);
      }
      appends.flush();
      const batch = sent.slice(first);
      expect(batch).toHaveLength(inFlight);
      batch.forEach((command, i) => expect(Buffer.from(command.data).equals(Buffer.from(entryOf(n - inFlight + i)))).toBe(true));
      batch.forEach((command, i) => ack(command, n - inFlight + i, round));
      appends.flush();
    }
    expect(resolved).toHaveLength(rounds * inFlight);
    // A new slab per turn would be hundreds.
    expect(slabs.size).toBeLessThan(12);
  });

  it('lets a resent append go out with the bytes it was appended with, and frees the slab it was resent from', () => {
    const { appends, sent, slabs, ack } = core();
    const buffer = entryOf(1);
    appends.submit(1, buffer, 1, 0);
    appends.flush();
    buffer.fill(0xee); // the caller reuses its buffer at once
    const first = sent[0]!;
    // Unanswered, and nothing else committing: after the resend timeout it goes to the next proposer.
    for (let nowMs = 200; sent.length === 1 && nowMs < 60_000; nowMs += 200) {
      appends.sweep(nowMs);
      appends.flush();
    }
    expect(sent.length).toBeGreaterThan(1);
    const resent = sent.at(-1)!;
    expect([resent.clientId, resent.seq]).toEqual([first.clientId, first.seq]);
    expect(Buffer.from(resent.data).equals(Buffer.from(entryOf(1)))).toBe(true);
    ack(resent, 0, 60_000);
    appends.flush();
    // Both slabs it was written into are free now: a loop of new appends reuses them.
    const slabsBefore = slabs.size;
    for (let n = 2; n < 200; n++) {
      appends.submit(n, entryOf(n), 1, 60_000 + n);
      appends.flush();
      const command = sent.at(-1)!;
      expect(Buffer.from(command.data).equals(Buffer.from(entryOf(n)))).toBe(true);
      ack(command, n, 60_000 + n);
      appends.flush();
    }
    expect(slabs.size - slabsBefore).toBeLessThan(8);
  });
});
