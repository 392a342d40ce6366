// CommandBatchWriter writes a turn's commands into slabs that are not written again while any
// append holds them: the data offset add() returns keeps reading the command's bytes after later
// turns and new slabs, which is what lets a resend send an append's original bytes (AppendCore,
// issue 18); a slab nobody holds is written again once the messages that may view it are sent.
import { describe, expect, it } from 'vitest';
import { CommandBatchWriter, SPARE_SLAB_BYTES_MAX, SPARE_SLABS_MAX, type Slab } from '../../src/protocol/command-batch.js';
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
        written.push({ slab: writer.slab.bytes, at, n, expected: dataOf(n, length) });
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
    const small = writer.slab.bytes.byteLength;
    const data = new Uint8Array(60_000);
    const slabOf: ArrayBufferLike[] = [];
    for (let i = 0; i < 200; i++) {
      writer.add(1, i, 1, data.fill(i));
      slabOf.push(writer.slab.bytes.buffer);
      expect(writer.slab.bytes.byteLength).toBeLessThanOrEqual(Math.max(small, MESSAGE_BYTES_MAX));
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
    expect(writer.slab.bytes.byteLength).toBe(small);
  });

  it('writes a slab again only once every command in it was released and its messages were sent, and then does', () => {
    const writer = new CommandBatchWriter(MESSAGE_BYTES_MAX);
    // The appends in flight, as AppendCore holds them: the slab and offset of each one's bytes.
    const held: Array<{ slab: Slab; at: number; n: number; length: number }> = [];
    const seen = new Set<ArrayBufferLike>();
    let reused = 0;
    let n = 0;
    let seed = 7;
    const random = (below: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % below);
    const check = () => {
      for (const { slab, at, n: m, length } of held) expect(Buffer.from(slab.bytes.buffer, slab.bytes.byteOffset + at, length).equals(Buffer.from(dataOf(m, length)))).toBe(true);
    };
    for (let turn = 0; turn < 300; turn++) {
      const count = 1 + random(turn % 7 === 6 ? 12 : 4);
      const heldBefore = held.length;
      for (let i = 0; i < count; i++, n++) {
        const length = random(3) === 0 ? 20_000 + random(20_000) : random(300);
        const at = writer.add(1, n, 1, dataOf(n, length));
        seen.add(writer.slab.bytes.buffer);
        held.push({ slab: writer.slab, at, n, length });
        // Now and then every append of the turn so far settles at once (aborted), before its
        // message is sent: the slabs it leaves must not take this turn's later commands, or the
        // messages cut from them would go out overwritten.
        if (i === count >> 1 && random(3) === 0) for (const { slab } of held.splice(heldBefore)) slab.release();
      }
      const sent: number[] = [];
      writer.drain((commands) => {
        const view = viewOf(commands);
        for (let at = 0; at < commands.byteLength; at += COMMAND_HEADER_BYTES + commandDataBytes(view, at)) {
          const m = commandSeq(view, at);
          const length = commandDataBytes(view, at);
          expect(Buffer.from(commands.buffer, commands.byteOffset + at + COMMAND_HEADER_BYTES, length).equals(Buffer.from(dataOf(m, length)))).toBe(true);
          sent.push(m);
        }
      });
      expect(sent).toEqual(Array.from({ length: count }, (_, i) => n - count + i));
      check();
      // The oldest settle, as acknowledgements come back in order, the rest later.
      for (let k = random(held.length + 1); k > 0; k--) held.shift()!.slab.release();
      check();
      if (writer.spareCount > 0) reused++;
    }
    expect(writer.spareCount).toBeLessThanOrEqual(SPARE_SLABS_MAX);
    // Slabs were written again: far fewer buffers than a new one per slab change would make.
    expect(reused).toBeGreaterThan(0);
    expect(seen.size).toBeLessThan(60);
  });

  it('keeps the bytes of a message that waits for room while it holds its slab, its appends settled or not, and reuses the slab once let go', () => {
    const writer = new CommandBatchWriter(MESSAGE_BYTES_MAX);
    const appends: Slab[] = [];
    // Messages a full mailbox keeps (Outbox.sendAsyncInPlace): a view of the slab and what it said when sent.
    const waiting: Array<{ slab: Slab; commands: Uint8Array; sent: Buffer; turnsLeft: number }> = [];
    const buffers = new Set<ArrayBufferLike>();
    let seed = 11;
    const random = (below: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % below);
    let n = 0;
    let reusedWhileOthersWaited = 0;
    for (let turn = 0; turn < 400; turn++) {
      const count = 1 + random(6);
      for (let i = 0; i < count; i++, n++) {
        writer.add(1, n, 1, dataOf(n, random(2) === 0 ? 30_000 + random(10_000) : random(400)));
        appends.push(writer.slab);
        buffers.add(writer.slab.bytes.buffer);
      }
      // Half the turns, the turn's appends settle before the flush (aborted, or acknowledged
      // through another proposer): only a waiting message still reads their bytes.
      if (random(2) === 0) for (const slab of appends.splice(0)) slab.release();
      writer.drain((commands, slab) => {
        if (random(3) !== 0) return; // went in at once
        slab.hold();
        waiting.push({ slab, commands, sent: Buffer.from(commands), turnsLeft: 1 + random(5) });
      });
      for (const message of waiting) expect(Buffer.from(message.commands).equals(message.sent)).toBe(true);
      // Room came for some: written, their holds let go.
      for (let i = waiting.length - 1; i >= 0; i--) {
        if (--waiting[i]!.turnsLeft > 0) continue;
        waiting[i]!.slab.release();
        waiting.splice(i, 1);
      }
      if (writer.spareCount > 0 && waiting.length > 0) reusedWhileOthersWaited++;
      for (const slab of appends.splice(0, random(appends.length + 1))) slab.release();
    }
    // Slabs went back into use while messages still waited in others, and far fewer buffers were made than slabs were used.
    expect(reusedWhileOthersWaited).toBeGreaterThan(0);
    expect(buffers.size).toBeLessThan(100);
  });

  it('writes a burst into the slabs of the last burst once they are free, and lets the big ones go after a quiet turn', () => {
    const writer = new CommandBatchWriter(1 << 20);
    const small = writer.slab.bytes.byteLength;
    const burst = (from: number): Slab[] => {
      const slabs: Slab[] = [];
      for (let i = 0; i < 40; i++) {
        writer.add(1, from + i, 1, new Uint8Array(30_000));
        slabs.push(writer.slab);
      }
      writer.drain(() => undefined);
      return slabs;
    };
    const first = burst(0);
    expect(Math.max(...first.map((slab) => slab.bytes.byteLength))).toBeGreaterThan(small);
    for (const slab of first) slab.release();
    writer.add(1, 40, 1, new Uint8Array(40_000)); // a busy turn: the first burst's slabs become spares at its end
    const held = writer.slab;
    writer.drain(() => undefined);
    expect(writer.spareCount).toBeGreaterThan(0);
    expect(writer.spareBytesTotal).toBeLessThanOrEqual(SPARE_SLAB_BYTES_MAX);
    const second = burst(41);
    // The second burst went into the first burst's memory, not into new slabs only.
    expect(second.some((slab) => first.includes(slab))).toBe(true);
    for (const slab of second) slab.release();
    held.release();
    writer.add(1, 81, 1, new Uint8Array(10)); // quiet turns
    writer.drain(() => undefined);
    writer.add(1, 82, 1, new Uint8Array(10));
    writer.drain(() => undefined);
    expect(writer.spareBytesTotal).toBeLessThanOrEqual(SPARE_SLABS_MAX * small);
  });

  it('refuses a release beyond the holds (a double release would let a held slab be written over)', () => {
    const writer = new CommandBatchWriter(MESSAGE_BYTES_MAX);
    writer.add(1, 1, 1, new Uint8Array(10));
    const slab = writer.slab;
    slab.release();
    expect(() => slab.release()).toThrow(/released more times than it was held/);
  });
});
