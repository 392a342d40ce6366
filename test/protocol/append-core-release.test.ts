// A settled append lets go of what it held: its caller's token and its bytes. A settled record can
// stay reachable from dead objects in the old generation (a table the pending map outgrew) until
// the next full GC; holding the token, it kept the caller's promise and settlers alive through
// every scavenge, which promoted them (full GCs on the caller's thread: 17 -> 9 per 1M appends
// once records let go). Here the ticket, which the record is, is kept alive on purpose: the token
// must still be collectable, however the append settled.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AppendCore, type AppendTicket } from '../../src/protocol/append-core.js';
import { LogMessageType } from '../../src/protocol/wire.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Token {
  readonly name: string;
}

function core(appendTimeoutMs = 30_000) {
  const started: Array<{ clientId: number; seq: number }> = [];
  const settled: string[] = [];
  const appends = new AppendCore<Token>(
    { generation: 0, endpointId: 9, proposers: [0], inflightAppendsMax: 64, appendTimeoutMs, resendAfterMs: 100, requestBatchBytesMax: 1 << 16 },
    {
      send: () => undefined,
      started: (_token, clientId, seq) => started.push({ clientId, seq }),
      resolved: (token, index) => settled.push(`${token.name} at ${index}`),
      rejected: (token, error) => settled.push(`${token.name}: ${error.name}`),
    },
  );
  return { appends, started, settled };
}

/** Submits an append whose token only a WeakRef sees; returns the ticket (kept) and the ref. */
function submitted(appends: AppendCore<Token>, name: string, nowMs: number): { ticket: AppendTicket<Token>; token: WeakRef<Token> } {
  const token = { name };
  const ticket = appends.submit(token, new Uint8Array(100).fill(7), 1, nowMs);
  appends.flush();
  return { ticket, token: new WeakRef(token) };
}

async function collected(ref: WeakRef<Token>): Promise<boolean> {
  // A WeakRef's target is kept until the end of the job that made or read it.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return ref.deref() === undefined;
}

function heldBytes(ticket: AppendTicket<Token>): number {
  return (ticket as unknown as { data: Uint8Array }).data.byteLength;
}

describe('a settled append', () => {
  it('holds neither its token nor its bytes, acknowledged, timed out, aborted or closed', async () => {
    const { appends, started, settled } = core(1000);
    const acknowledged = submitted(appends, 'acknowledged', 0);
    const timedOut = submitted(appends, 'timed out', 0);
    const aborted = submitted(appends, 'aborted', 0);
    const closed = submitted(appends, 'closed', 0);
    expect(heldBytes(acknowledged.ticket)).toBeGreaterThanOrEqual(100); // the batch slab its bytes were written into
    expect(acknowledged.ticket.token).toBeDefined();

    const { clientId, seq } = started[0]!;
    appends.onMessage({ type: LogMessageType.ClientReplyBatch, ranges: [clientId, seq, 1, 42] } as never, 1);
    appends.sweep(1500); // past appendTimeoutMs for the other three: they time out...
    expect(settled).toEqual(['acknowledged at 42', 'timed out: AppendTimeoutError', 'aborted: AppendTimeoutError', 'closed: AppendTimeoutError']);

    // ...so abort and close are tried on appends that are still out, in a core of their own.
    const second = core();
    const abortedOut = submitted(second.appends, 'aborted', 0);
    const closedOut = submitted(second.appends, 'closed', 0);
    expect(second.appends.abort(abortedOut.ticket, abortedOut.token.deref()!, 1)).toBe('sent');
    second.appends.close();
    expect(second.settled).toEqual(['closed: LogClosedError']);

    for (const { ticket, token } of [acknowledged, timedOut, aborted, closed, abortedOut, closedOut]) {
      expect(ticket.token).toBeUndefined();
      expect(heldBytes(ticket)).toBe(0);
      expect(await collected(token)).toBe(true);
    }
  });
});
