// A client writes its commands into its endpoint's value slab where it has room
// (CommandBatchWriter with SharedCommandMemory), so a batch goes to the proposer by reference and
// an entry is copied once on the client's thread. The slab takes memory back in the order it gave
// it, from below what the owner still reads: the writer must visit every shared slab an append
// holds or a message may still view, or the slab writes over a command that a resend sends again.
import { describe, expect, it } from 'vitest';
import { CommandBatchWriter, type SharedCommandMemory, type Slab } from '../../src/protocol/command-batch.js';
import { ValueSlabWriter, createValueSlab } from '../../src/mailbox/value-slab.js';
import { COMMAND_HEADER_BYTES, commandDataBytes, commandSeq, viewOf } from '../../src/paxos/index.js';

const SLAB_BYTES = 1 << 20;

/** A writer over a fresh value slab, as the log's client wires it (reserve what is wanted, the slab visits the writer's views). */
function sharedWriter(messageBytesMax = 1 << 18) {
  const slab = ValueSlabWriter.claim(createValueSlab(SLAB_BYTES))!;
  const memory: SharedCommandMemory = { reserve: (minBytes, wantedBytes) => slab.reserve(Math.max(minBytes, Math.min(wantedBytes, 1 << 16)), SLAB_BYTES) };
  const writer = new CommandBatchWriter(messageBytesMax, memory);
  slab.ownerViews = (visit) => writer.visitShared(visit);
  return { slab, writer };
}

/** The commands of drained messages: seq, data, and whether the message was a view of shared memory. */
function drained(writer: CommandBatchWriter): { seq: number; data: Uint8Array; shared: boolean }[] {
  const commands: { seq: number; data: Uint8Array; shared: boolean }[] = [];
  writer.drain((message) => {
    const view = viewOf(message);
    for (let at = 0; at < message.byteLength; at += COMMAND_HEADER_BYTES + commandDataBytes(view, at)) {
      const start = at + COMMAND_HEADER_BYTES;
      commands.push({ seq: commandSeq(view, at), data: message.slice(start, start + commandDataBytes(view, at)), shared: message.buffer instanceof SharedArrayBuffer });
    }
  });
  return commands;
}

function entry(seq: number, bytes: number): Uint8Array {
  return new Uint8Array(bytes).map((_, i) => (seq * 31 + i) & 0xff);
}

describe('a command batch writer with shared memory', () => {
  it('writes its commands into the shared memory, intact at any alignment of the entries', () => {
    const { writer } = sharedWriter();
    const source = new Uint8Array(40_000);
    const entries = [entry(1, 16), entry(2, 5000), entry(3, 3000), entry(4, 1)];
    // Entries at odd addresses: a large one is copied into shared memory through a bounce, not byte by byte, and arrives whole.
    const placed = entries.map((bytes, i) => {
      const at = 3 + i * 9001;
      source.set(bytes, at);
      return source.subarray(at, at + bytes.byteLength);
    });
    placed.forEach((bytes, i) => writer.add(7, i + 1, 1, bytes));
    expect(writer.slab.shared).toBe(true);
    const commands = drained(writer);
    expect(commands.map((command) => command.seq)).toEqual([1, 2, 3, 4]);
    commands.forEach((command, i) => expect(Buffer.from(command.data).equals(Buffer.from(entries[i]!))).toBe(true));
    expect(commands.every((command) => command.shared)).toBe(true);
  });

  it("keeps a held command's bytes as written while the memory fills up, and lets the memory have its slab once nobody holds it", () => {
    const { slab, writer } = sharedWriter();
    const kept = entry(9, 20_000);
    writer.add(7, 1, 1, kept);
    const held: Slab = writer.slab;
    drained(writer);
    // The writer moves on (a command too large for the slab it is in) and others fill the memory.
    writer.add(7, 2, 1, entry(10, 60_000));
    drained(writer);
    expect(writer.slab).not.toBe(held);
    const others: Uint8Array[] = [];
    for (let view = slab.reserve(50_000, SLAB_BYTES); view !== undefined; view = slab.reserve(50_000, SLAB_BYTES)) {
      view.fill(0xee);
      others.push(view);
      expect(others.length).toBeLessThan(100);
    }
    expect(others.length).toBeGreaterThan(5);
    // The held command is as it was written.
    const view = viewOf(held.bytes);
    expect(commandDataBytes(view, 0)).toBe(kept.byteLength);
    expect(Buffer.from(held.bytes.subarray(COMMAND_HEADER_BYTES, COMMAND_HEADER_BYTES + kept.byteLength)).equals(Buffer.from(kept))).toBe(true);
    expect(writer.sharedSlabCount).toBe(2); // the held one and the current one
    // Let go (the append settled after its message left): the memory has the slab back at once,
    // with no drain to wait for (a client that goes idle drains no more).
    held.release();
    expect(writer.sharedSlabCount).toBe(1);
  });

  it('keeps a slab a message still to be sent views until that message leaves, even once no append holds it', () => {
    const { writer } = sharedWriter();
    writer.add(7, 1, 1, entry(1, 20_000));
    const first: Slab = writer.slab;
    // The writer moves on to another slab in the same turn: the message written in the first is cut, not sent yet.
    writer.add(7, 2, 1, entry(2, 60_000));
    expect(writer.slab).not.toBe(first);
    first.release(); // its append settled (say, aborted) before the turn's messages went
    expect(writer.sharedSlabCount).toBe(2);
    const commands = drained(writer);
    expect(Buffer.from(commands[0]!.data).equals(Buffer.from(entry(1, 20_000)))).toBe(true);
    expect(writer.sharedSlabCount).toBe(1);
  });

  it('takes private memory where the shared memory has no room, and tries the shared memory again at its next slab', () => {
    const answers: (Uint8Array | undefined)[] = [undefined, new Uint8Array(new SharedArrayBuffer(1 << 17))];
    const asked: [number, number][] = [];
    const writer = new CommandBatchWriter(1 << 18, {
      reserve: (minBytes, wantedBytes) => {
        asked.push([minBytes, wantedBytes]);
        return answers.shift();
      },
    });
    expect(writer.slab.shared).toBe(false);
    writer.add(7, 1, 1, entry(1, 70_000)); // does not fit the first slab: the next one is shared
    expect(writer.slab.shared).toBe(true);
    expect(asked).toHaveLength(2);
    expect(asked[1]![0]).toBe(COMMAND_HEADER_BYTES + 70_000);
    const commands = drained(writer);
    expect(Buffer.from(commands[0]!.data).equals(Buffer.from(entry(1, 70_000)))).toBe(true);
  });
});
