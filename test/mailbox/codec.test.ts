import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Inbox, MessageCodec, Outbox, createDoorbell, createRing, nativeCodecLoaded } from 'synod/mailbox';

const roundtrip = fileURLToPath(new URL('../../dist/test/fixtures/codec-roundtrip.js', import.meta.url));

function runRoundtrip(env: NodeJS.ProcessEnv): { native: boolean; count: number; digest: string } {
  const result = spawnSync(process.execPath, [roundtrip], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

describe('msgpack codec over SharedArrayBuffer rings', () => {
  it('decodes the same values with msgpackr native string extraction on and off', () => {
    const withNative = runRoundtrip({});
    const withoutNative = runRoundtrip({ MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true' });
    // The prebuilt addon must load from a plain npm install on this platform; if it did not, the
    // comparison below would compare JS with JS and prove nothing about the addon.
    expect(withNative.native).toBe(nativeCodecLoaded());
    expect(withNative.native).toBe(true);
    expect(withoutNative.native).toBe(false);
    expect(withNative.count).toBe(400);
    expect(withNative.digest).toBe(withoutNative.digest);
  });

  it('round-trips values exactly and copies binary fields out of the ring', () => {
    const doorbell = createDoorbell();
    const ring = createRing(1024);
    const outbox = new Outbox(ring, doorbell);
    const inbox = new Inbox(doorbell);
    inbox.addLink(3, ring);
    const message = { text: 'h\u00e9llo', data: new Uint8Array([1, 2, 3]), n: 2 ** 40, neg: -7, list: [null, false] };
    expect(outbox.trySend(message)).toBe(true);
    const received: Array<{ from: number; message: unknown }> = [];
    inbox.drain((from, decoded) => received.push({ from, message: decoded }));
    expect(received).toEqual([{ from: 3, message }]);
    // Overwrite the whole ring: the decoded bytes must not change, because they were copied out.
    new Uint8Array(ring).fill(0xee);
    expect((received[0]!.message as { data: Uint8Array }).data).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('encodes without a new buffer per message (the scratch buffer is reused)', () => {
    const codec = new MessageCodec();
    const first = codec.encode({ k: 1 }).buffer;
    for (let i = 0; i < 1000; i++) expect(codec.encode({ k: i, s: 'x'.repeat(i % 50) }).buffer).toBe(first);
  });

  it('refuses a record whose bytes do not decode to exactly one value', () => {
    const codec = new MessageCodec();
    const { buffer, start, end } = codec.encode({ a: 1 });
    const bytes = Uint8Array.from(buffer.subarray(start, end));
    expect(() => codec.decode(bytes, 0, bytes.length - 1)).toThrow();
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    expect(() => codec.decode(padded, 0, padded.length)).toThrow(/end of buffer not reached/);
  });
});
