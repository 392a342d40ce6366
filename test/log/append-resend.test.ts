// When AppendCore sends an unanswered append again (src/protocol/append-core.ts). Slowness is not
// loss: while commits flow the leader is alive, so an append queued behind others is left alone
// however long it waits (resending on a timeout carried 64 KiB entries again and halved
// throughput); loss shows as an append overtaken by a later one, which goes again at once. In
// silence the resend timeout (which follows how long appends take) moves appends on to the next
// proposer, and a send that failed goes again at the next sweep.
import { describe, expect, it } from 'vitest';
import { AppendCore } from '../../src/protocol/append-core.js';
import { LogMessageType, type ClientRequestBatchMessage } from '../../src/protocol/wire.js';
import { COMMAND_HEADER_BYTES, MessageType, commandClientId, commandDataBytes, commandSeq, countCommands, viewOf } from '../../src/paxos/index.js';

const LEADER = 0;
const STANDBY = 1;
const RESEND_AFTER_MS = 100;

interface Sent {
  to: number;
  clientId: number;
  seq: number;
}

function core(resendInSilence?: 'one' | 'all', proposers: readonly number[] = [LEADER, STANDBY]) {
  const sent: Sent[] = [];
  const resolved = new Map<number, number>();
  const appends = new AppendCore<number>(
    {
      generation: 0,
      endpointId: 9,
      proposers,
      inflightAppendsMax: 64,
      appendTimeoutMs: 30_000,
      resendAfterMs: RESEND_AFTER_MS,
      requestBatchBytesMax: 1 << 16,
      ...(resendInSilence === undefined ? {} : { resendInSilence }),
    },
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
  it('while commits flow, leaves an append queued behind others alone however long it waits', () => {
    const { submit, ack, sweep } = core();
    // 64 appends go out at once; the leader commits them one by one, one every 100 ms (a backlog
    // of large entries): each waits up to 6.4 s, far past any resend timeout, and none is lost.
    const sent = Array.from({ length: 64 }, (_, i) => submit(i, 0));
    for (let i = 0; i < sent.length; i++) {
      const t = (i + 1) * 100;
      ack(sent[i]!, i, t);
      expect(sweep(t + 50)).toEqual([]);
    }
  });

  it('sends an append overtaken by a later one to the same proposer again at once, to the leader', () => {
    const { submit, ack, sweep } = core();
    const lost = submit(0, 0);
    const later = submit(1, 1);
    expect(sweep(5)).toEqual([]);
    // The later one was delivered first: the proposer queues one client's commands in order and
    // learners deliver in order, so the first was lost (dropped, or its slot a no-op).
    ack(later, 0, 6);
    expect(sweep(7)).toEqual([{ to: LEADER, clientId: lost.clientId, seq: lost.seq }]);
    expect(sweep(8)).toEqual([]);
  });

  it('trusts no resent append as news about what was sent between its copies (Karn)', () => {
    const { submit, ack, sweep } = core();
    const first = submit(0, 0);
    const second = submit(1, 1);
    const third = submit(2, 2);
    ack(second, 0, 3);
    expect(sweep(4)).toEqual([{ to: LEADER, clientId: first.clientId, seq: first.seq }]);
    // first's acknowledgement may be of its first copy, sent before third: third may still be queued.
    ack(first, 1, 5);
    expect(sweep(6)).toEqual([]);
    ack(third, 2, 7);
  });

  it('while commits flow, sends an append that went to a standby on to the leader after the resend timeout', () => {
    const { appends, submit, ack, sweep } = core();
    const misrouted = submit(0, 0);
    appends.sendFailed(LEADER);
    expect(sweep(1)).toEqual([{ to: STANDBY, clientId: misrouted.clientId, seq: misrouted.seq }]);
    // Commits flow through the leader (the standby never answered): the leader guessed is the leader.
    let resent: Sent[] = [];
    let t = 2;
    for (let index = 0; t <= 1000 && resent.length === 0; t += 10, index++) {
      appends.onMessage({ type: LogMessageType.NewLeader, from: LEADER } as never, t);
      resent = sweep(t);
    }
    expect(resent).toContainEqual({ to: LEADER, clientId: misrouted.clientId, seq: misrouted.seq });
    void ack;
  });

  it('in silence sends an append on to the next proposer after resendAfterMs, backs off, and stops backing off once one resolves', () => {
    const { appends, submit, ack, sweep } = core();
    const lonely = submit(0, 0);
    expect(sweep(RESEND_AFTER_MS - 10)).toEqual([]);
    expect(sweep(RESEND_AFTER_MS)).toEqual([{ to: STANDBY, clientId: lonely.clientId, seq: lonely.seq }]);
    // Still nothing resolves: the next round waits twice as long, then four times.
    expect(sweep(2 * RESEND_AFTER_MS + 50)).toEqual([]);
    expect(sweep(3 * RESEND_AFTER_MS)).toEqual([{ to: LEADER, clientId: lonely.clientId, seq: lonely.seq }]);
    expect(sweep(6 * RESEND_AFTER_MS)).toEqual([]);
    expect(sweep(7 * RESEND_AFTER_MS)).toEqual([{ to: STANDBY, clientId: lonely.clientId, seq: lonely.seq }]);
    // The standby took over: it answers the probe, is the guess from then on, and the backoff ends.
    ack(lonely, 0, 7 * RESEND_AFTER_MS + 5);
    expect(appends.inflight).toBe(0);
    const next = submit(1, 7 * RESEND_AFTER_MS + 6);
    expect(next.to).toBe(STANDBY);
    // The first append took 705 ms: the timeout follows (4 x resendAfterMs at most), no longer backed off.
    expect(sweep(11 * RESEND_AFTER_MS + 5)).toEqual([]);
    expect(sweep(11 * RESEND_AFTER_MS + 6)).toEqual([{ to: LEADER, clientId: next.clientId, seq: next.seq }]);
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

  it("in silence leaves alone an append while its proposer's full mailbox still takes what waited for room, and sends it on resendAfterMs after it last moved", () => {
    const { appends, submit, sweep } = core();
    // A burst larger than the leader's mailbox: the first acknowledgement is far off, and what
    // did not fit goes in as the leader reads.
    const queued = submit(0, 0);
    appends.mailboxProgressed(LEADER, 60);
    appends.mailboxProgressed(STANDBY, 90); // another proposer's mailbox says nothing about the leader's
    expect(sweep(RESEND_AFTER_MS)).toEqual([]);
    appends.mailboxProgressed(LEADER, 150);
    expect(sweep(150 + RESEND_AFTER_MS - 1)).toEqual([]);
    // The leader stopped reading (it may be gone): on to the next proposer.
    expect(sweep(150 + RESEND_AFTER_MS)).toEqual([{ to: STANDBY, clientId: queued.clientId, seq: queued.seq }]);
  });

  it('takes no leader guess from the acknowledgement of an append that also went to another proposer (Karn)', () => {
    // Every timed-out append goes on in a silence here (the simulator's clients): both to the standby.
    const { appends, submit, ack, sweep } = core('all');
    const first = submit(0, 0);
    const second = submit(1, 0);
    // Silence: both go on to the standby, which redirects the first back to the leader.
    expect(sweep(RESEND_AFTER_MS).map(({ to }) => to)).toEqual([STANDBY, STANDBY]);
    appends.onMessage({ type: MessageType.Redirect, from: STANDBY, clientId: first.clientId, seq: first.seq, leaderHint: LEADER } as never, RESEND_AFTER_MS + 1);
    // The leader's copy of the second was chosen: its acknowledgement does not say the standby leads.
    ack(second, 0, RESEND_AFTER_MS + 2);
    expect(submit(2, RESEND_AFTER_MS + 3).to).toBe(LEADER);
  });

  it('takes an append redirected back to the leader for its first copy there: what was sent there between is not taken for lost', () => {
    const { appends, submit, ack, sweep } = core();
    const first = submit(0, 0);
    const mid = submit(1, RESEND_AFTER_MS / 2);
    // Silence: the first goes on to the standby, which redirects it back to the leader.
    expect(sweep(RESEND_AFTER_MS)).toEqual([{ to: STANDBY, clientId: first.clientId, seq: first.seq }]);
    appends.onMessage({ type: MessageType.Redirect, from: STANDBY, clientId: first.clientId, seq: first.seq, leaderHint: LEADER } as never, RESEND_AFTER_MS + 1);
    appends.flush();
    // Its first copy, sent before mid, may be the one decided: mid is behind it, not lost (had
    // the copy sent back been decided, mid would have been overtaken).
    ack(first, 0, RESEND_AFTER_MS + 2);
    expect(sweep(RESEND_AFTER_MS + 3)).toEqual([]);
    ack(mid, 1, RESEND_AFTER_MS + 4);
    expect(appends.inflight).toBe(0);
  });

  it('in silence sends one append a sweep, the newest, and keeps its guess: a leader slow to its first commit gets no copy of the burst through the standby', () => {
    const { appends, submit, ack, sweep } = core();
    const burst = Array.from({ length: 48 }, (_, i) => submit(i, i / 8));
    const probe = burst[47]!;
    expect(sweep(RESEND_AFTER_MS + 10)).toEqual([{ to: STANDBY, clientId: probe.clientId, seq: probe.seq }]);
    // The guess stays: an append made meanwhile goes to the leader.
    const meanwhile = submit(48, RESEND_AFTER_MS + 11);
    expect(meanwhile.to).toBe(LEADER);
    // The leader was alive, only slow: its first commits come (the oldest first), the standby's
    // redirect of the probe later still.
    ack(burst[0]!, 0, RESEND_AFTER_MS + 20);
    expect(sweep(RESEND_AFTER_MS + 21)).toEqual([]);
    appends.onMessage({ type: MessageType.Redirect, from: STANDBY, clientId: probe.clientId, seq: probe.seq, leaderHint: LEADER } as never, RESEND_AFTER_MS + 22);
    appends.flush();
    for (let i = 1; i < 48; i++) ack(burst[i]!, i, RESEND_AFTER_MS + 30);
    ack(meanwhile, 48, RESEND_AFTER_MS + 30);
    expect(sweep(RESEND_AFTER_MS + 31)).toEqual([]);
    expect(appends.inflight).toBe(0);
  });

  it("with resendInSilence 'all' (the simulator's clients), a sweep in silence sends every append past its timeout", () => {
    const { submit, sweep } = core('all');
    const burst = Array.from({ length: 8 }, (_, i) => submit(i, 0));
    expect(sweep(RESEND_AFTER_MS)).toEqual(burst.map(({ clientId, seq }) => ({ to: STANDBY, clientId, seq })));
  });

  it('with one proposer, nobody else to probe: a sweep in silence sends every append past its timeout to it again (it may have restarted and lost its queue)', () => {
    const { submit, sweep } = core(undefined, [LEADER]);
    const burst = Array.from({ length: 8 }, (_, i) => submit(i, 0));
    expect(sweep(RESEND_AFTER_MS)).toEqual(burst.map(({ clientId, seq }) => ({ to: LEADER, clientId, seq })));
  });

  it('in silence, once the probe is answered by the next proposer, sends the rest there at the next sweep', () => {
    const { appends, submit, ack, sweep } = core();
    const burst = Array.from({ length: 8 }, (_, i) => submit(i, 0));
    expect(sweep(RESEND_AFTER_MS)).toEqual([{ to: STANDBY, clientId: burst[7]!.clientId, seq: burst[7]!.seq }]);
    // The leader is gone and the standby took over (its NewLeader never reached this client).
    ack(burst[7]!, 0, RESEND_AFTER_MS + 5);
    expect(sweep(RESEND_AFTER_MS + 6)).toEqual(burst.slice(0, 7).map(({ clientId, seq }) => ({ to: STANDBY, clientId, seq })));
    for (let i = 0; i < 7; i++) ack(burst[i]!, i + 1, RESEND_AFTER_MS + 10);
    expect(appends.inflight).toBe(0);
    expect(submit(8, RESEND_AFTER_MS + 11).to).toBe(STANDBY);
  });

  it('sends again at the next sweep what a failed send carried (a mailbox full that long: to the next proposer)', () => {
    const { appends, submit, sweep } = core();
    const lost = submit(0, 0);
    appends.sendFailed(LEADER);
    expect(sweep(10)).toEqual([{ to: STANDBY, clientId: lost.clientId, seq: lost.seq }]);
  });
});
