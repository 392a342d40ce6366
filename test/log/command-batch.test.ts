// CommandBatchWriter writes a turn's commands into slabs that are never written twice: the data
// offset add() returns keeps reading the command's bytes after later turns and new slabs, which is
// what lets a resend send an append's original bytes (AppendCore, issue 18).
import { describe, expect, it } from 'vitest';
import { CommandBatchWriter } from '../../src/protocol/command-batch.js';
import { COMMAND_HEADER_BYTES, commandDataBytes, commandSeq, viewOf } from '../../src/paxos/index.js';

const MESSAGE_BYTES_MAX = 1 << 16;

/** Deterministic bytes for command `n`, `length` long. */
function dataOf(n: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (n * 31 + i * 7) & 0xff);
}

function drainSeqs(writer: CommandBatchWriter): number[] {
  const seqs: number[] = [];
  writer.drain((commands) => {
    expect(commands.byteLength).toBeLessThanOrEqual(MESSAGE_BYTES_MAX);
    const view = viewOf(commands);
    for (let at = 0; at < commands.byteLength; at += COMMAND_HEADER_BYTES + commandDataBytes(view, at)) seqs.push(commandSeq(view, at));
  });
  return seqs;
}

describe('CommandBatchWriter', () => {
  it('sends each turn exactly its commands, and the bytes at each returned offset never change', () => {
    const writer = new CommandBatchWriter(MESSAGE_BYTES_MAX);
    const written: Array<{ slab: Uint8Array; at: number; n: number; expected: Uint8Array }> = [];
    let n = 0;
    for (let turn = 0; turn < 40; turn++) {
      const seqs: number[] = [];
      // Small turns, and every fifth a burst larger than a slab and than one message.
      const count = turn % 5 === 4 ? 40 : 3;
      for (let i = 0; i < count; i++, n++) {
        const length = turn % 5 === 4 ? 5000 : (n * 13) % 200;
        const data = dataOf(n, length);
        const at = writer.add(1, n, 1, data);
        data.fill(0xee); // the caller reuses its buffer
        written.push({ slab: writer.slab, at, n, expected: dataOf(n, length) });
        seqs.push(n);
      }
      expect(drainSeqs(writer)).toEqual(seqs);
      const changed = written.filter(({ slab, at, expected }) => !Buffer.from(slab.buffer, slab.byteOffset + at, expected.byteLength).equals(expected));
      expect(changed.map(({ n: m }) => m)).toEqual([]);
    }
    expect(writer.isEmpty).toBe(true);
  });

  it('sends a burst from the slabs it was written into (nothing moved), slabs within a message, then starts small again', () => {
    const writer = new CommandBatchWriter(MESSAGE_BYTES_MAX);
    const small = writer.slab.byteLength;
    const data = new Uint8Array(60_000);
    const slabOf: ArrayBufferLike[] = [];
    for (let i = 0; i < 200; i++) {
      writer.add(1, i, 1, data.fill(i));
      slabOf.push(writer.slab.buffer);
      expect(writer.slab.byteLength).toBeLessThanOrEqual(Math.max(small, MESSAGE_BYTES_MAX));
    }
    let sentBytes = 0;
    const seqs: number[] = [];
    writer.drain((commands) => {
      sentBytes += commands.byteLength;
      const view = viewOf(commands);
      for (let at = 0; at < commands.byteLength; at += COMMAND_HEADER_BYTES + commandDataBytes(view, at)) {
        // Sent from the slab it was written into, not from a copy made for the message.
        expect(commands.buffer === slabOf[commandSeq(view, at)]).toBe(true);
        seqs.push(commandSeq(view, at));
      }
    });
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(sentBytes).toBe(200 * (COMMAND_HEADER_BYTES + data.byteLength));
    // The next turn is quiet: a small slab again, the big ones left to the appends that point into them.
    writer.add(1, 200, 1, new Uint8Array(10));
    expect(drainSeqs(writer)).toEqual([200]);
    expect(writer.slab.byteLength).toBe(small);
  });
});
