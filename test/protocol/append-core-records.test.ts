// An append core reuses the records of settled appends (a fresh one per append was 200 bytes of
// the caller's garbage), but only from the end of the turn on, and a late abort through a ticket
// whose record went to another append touches nothing.
import { describe, expect, it } from 'vitest';
import { AppendCore, type AppendCoreSink, type AppendTicket } from '../../src/protocol/append-core.js';
import { LogMessageType } from '../../src/protocol/wire.js';

interface Token {
  readonly name: string;
}

function core(sinkExtra: Partial<AppendCoreSink<Token>> = {}) {
  const started = new Map<string, { clientId: number; seq: number }>();
  const settled: string[] = [];
  const appends: AppendCore<Token> = new AppendCore<Token>(
    { generation: 0, endpointId: 9, proposers: [0], inflightAppendsMax: 64, appendTimeoutMs: 1000, resendAfterMs: 100, requestBatchBytesMax: 1 << 16 },
    {
      send: () => undefined,
      started: (token, clientId, seq) => started.set(token.name, { clientId, seq }),
      resolved: (token, index) => settled.push(`${token.name} at ${index}`),
      rejected: (token, error) => settled.push(`${token.name}: ${error.name}`),
      ...sinkExtra,
    },
  );
  const ack = (name: string, index: number, nowMs = 1) => {
    const { clientId, seq } = started.get(name)!;
    appends.onMessage({ type: LogMessageType.ClientReplyBatch, ranges: [clientId, seq, 1, index] } as never, nowMs);
  };
  return { appends, started, settled, ack };
}

const data = new Uint8Array(8).fill(1);

describe("an append core's records", () => {
  it('go to later appends once the turn that settled them ends (flush), not before', () => {
    const { appends, ack } = core();
    const a = appends.submit({ name: 'a' }, data, 1, 0);
    appends.flush();
    ack('a', 0);
    const b = appends.submit({ name: 'b' }, data, 1, 1); // same turn: a's record is not free yet
    expect(b).not.toBe(a);
    appends.flush();
    const c = appends.submit({ name: 'c' }, data, 1, 2);
    expect(c).toBe(a);
    expect(c.token).toEqual({ name: 'c' });
  });

  it("ignore a late abort through a ticket whose record another append took: that append goes on and resolves", () => {
    const { appends, settled, ack } = core();
    const aToken = { name: 'a' };
    const a: AppendTicket<Token> = appends.submit(aToken, data, 1, 0);
    appends.flush();
    ack('a', 0);
    appends.flush();
    const cToken = { name: 'c' };
    const c = appends.submit(cToken, data, 1, 2);
    expect(c).toBe(a);
    expect(appends.abort(a, aToken, 3)).toBe('unknown');
    expect(appends.inflight).toBe(1);
    appends.flush();
    ack('c', 1, 4);
    expect(settled).toEqual(['a at 0', 'c at 1']);
    // Its own token still aborts it while it is out.
    const dToken = { name: 'd' };
    const d = appends.submit(dToken, data, 1, 5);
    expect(appends.abort(d, dToken, 6)).toBe('sent');
  });

  it('keep a sweep whole when the sink submits from its callback: every append timed out in it is told', () => {
    let appends: AppendCore<Token> | undefined;
    const resubmitted: string[] = [];
    const made = core({
      rejected: (token, error) => {
        made.settled.push(`${token.name}: ${error.name}`);
        // A closed loop that starts the next append at once, inside the core's walk.
        resubmitted.push(token.name);
        appends!.submit({ name: `${token.name}+` }, data, 1, 1500);
      },
    });
    appends = made.appends;
    for (const name of ['a', 'b', 'c', 'd']) appends.submit({ name }, data, 1, 0);
    appends.flush();
    appends.sweep(1200); // all four past appendTimeoutMs
    expect(made.settled).toEqual(['a: AppendTimeoutError', 'b: AppendTimeoutError', 'c: AppendTimeoutError', 'd: AppendTimeoutError']);
    expect(resubmitted).toEqual(['a', 'b', 'c', 'd']);
    expect(appends.inflight).toBe(4);
  });
});
