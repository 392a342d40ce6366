// When AppendCore sends an unanswered append again (src/log/append-core.ts). Slowness is not
// loss: while commits flow the leader is alive, so an append queued behind others is left alone
// (resending it every 100 ms, to the standby and back, cut 64 KiB throughput tenfold), and the
// resend timeout follows how long appends take. Silence still moves appends on at once, and a
// send that failed goes again at the next sweep.
import { describe, expect, it } from 'vitest';
import { AppendCore } from '../../src/log/append-core.js';
import { LogMessageType, type ClientRequestBatchMessage } from '../../src/log/wire.js';
import { COMMAND_HEADER_BYTES, commandClientId, commandDataBytes, commandSeq, countCommands, viewOf } from '../../src/paxos/index.js';

const LEADER = 0;
const STANDBY = 1;
const RESEND_AFTER_MS = 100;

interface Sent {
  to: number;
  clientId: number;
  seq: number;
}

function core() {
  const sent: Sent[] = [];
  const resolved = new Map<number, number>();
  const appends = new AppendCore<number>(
    { generation: 0, endpointId: 9, proposers: [LEADER, STANDBY], inflightAppendsMax: 64, appendTimeoutMs: 30_000, resendAfterMs: RESEND_AFTER_MS, requestBatchBytesMax: 1 << 16 },
    {
      send(to, message) {
        const { commands } = message as ClientRequestBatchMessage;
        const view = viewOf(commands);
        let at = 0;
        for (let i = 0; i < countCommands(commands); i++) {
          sent.push({ to, clientId: commandClientId(view, at), seq: commandSeq(view, at) });
          at += COMMAND_HEADER_BYTES + commandDataBytes(view, at);
        }
      },
      resolved: (token, index) => resolved.set(token, index),
      rejected: () => undefined,
    },
  );
  const submit = (token: number, nowMs: number): Sent => {
    appends.submit(token, new Uint8Array(4), 1, nowMs);
    appends.flush();
    return sent.at(-1)!;
  };
  const ack = (command: Sent, index: number, nowMs: number): void => {
    appends.onMessage({ type: LogMessageType.ClientReplyBatch, ranges: [command.clientId, command.seq, command.seq, index] } as never, nowMs);
  };
  const sweep = (nowMs: number): Sent[] => {
    const before = sent.length;
    appends.sweep(nowMs);
    appends.flush();
    return sent.slice(before);
  };
  return { appends, sent, resolved, submit, ack, sweep };
}

describe('AppendCore resends', () => {
  it('while commits flow, sends an unanswered append again to the leader, not on to the standby', () => {
    const { submit, ack, sweep } = core();
    const slow = submit(0, 0);
    let resent: Sent[] = [];
    let resentAt = -1;
    // Other appends commit every 10 ms, each 10 ms after it was sent: the leader is alive.
    for (let t = 10, index = 0; t <= 1000 && resent.length === 0; t += 10, index++) {
      ack(submit(index + 1, t - 10), index, t);
      resent = sweep(t).filter((s) => s.clientId === slow.clientId);
      resentAt = t;
    }
    expect(resentAt).toBe(RESEND_AFTER_MS);
    expect(resent).toEqual([{ to: LEADER, clientId: slow.clientId, seq: slow.seq }]);
  });

  it('in silence sends an append on to the next proposer after resendAfterMs, backs off, and stops backing off once one resolves', () => {
    const { submit, ack, sweep } = core();
    const lonely = submit(0, 0);
    expect(sweep(RESEND_AFTER_MS - 10)).toEqual([]);
    expect(sweep(RESEND_AFTER_MS)).toEqual([{ to: STANDBY, clientId: lonely.clientId, seq: lonely.seq }]);
    // Still nothing resolves: the next round waits twice as long, then four times.
    expect(sweep(2 * RESEND_AFTER_MS + 50)).toEqual([]);
    expect(sweep(3 * RESEND_AFTER_MS)).toEqual([{ to: LEADER, clientId: lonely.clientId, seq: lonely.seq }]);
    expect(sweep(6 * RESEND_AFTER_MS)).toEqual([]);
    expect(sweep(7 * RESEND_AFTER_MS)).toHaveLength(1);
    // The cluster heals: an append resolves (at the standby, where the last round went), and the
    // other goes there again one plain timeout after its last send.
    const other = submit(1, 7 * RESEND_AFTER_MS);
    expect(other.to).toBe(STANDBY);
    ack(other, 0, 7 * RESEND_AFTER_MS + 5);
    expect(sweep(8 * RESEND_AFTER_MS - 10)).toEqual([]);
    expect(sweep(8 * RESEND_AFTER_MS)).toEqual([{ to: STANDBY, clientId: lonely.clientId, seq: lonely.seq }]);
  });

  it('learns how long appends take: a slow cluster is not taken for a dead one, within 4x resendAfterMs', () => {
    const { appends, submit, ack, sweep } = core();
    let t = 0;
    for (let i = 0; i < 50; i++) {
      const command = submit(i, t);
      t += 300;
      ack(command, i, t);
    }
    expect(appends.resendTimeoutMs).toBeGreaterThanOrEqual(300);
    expect(appends.resendTimeoutMs).toBeLessThanOrEqual(4 * RESEND_AFTER_MS);
    const next = submit(99, t);
    expect(sweep(t + 250)).toEqual([]);
    expect(sweep(t + 4 * RESEND_AFTER_MS)).toEqual([{ to: STANDBY, clientId: next.clientId, seq: next.seq }]);
    // An outage that made every append take seconds does not stretch it further.
    for (let i = 100; i < 150; i++) {
      const command = submit(i, t);
      t += 5000;
      ack(command, i, t);
    }
    expect(appends.resendTimeoutMs).toBe(4 * RESEND_AFTER_MS);
  });

  it('sends again at the next sweep what a failed send carried (a mailbox full that long: to the next proposer)', () => {
    const { appends, submit, sweep } = core();
    const lost = submit(0, 0);
    appends.sendFailed(LEADER);
    expect(sweep(10)).toEqual([{ to: STANDBY, clientId: lost.clientId, seq: lost.seq }]);
  });
});
