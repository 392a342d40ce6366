// LogClient over a hand-driven endpoint standing in for the cluster: what the client does with
// messages, without worker threads in between.
import { describe, expect, it } from 'vitest';
import { ActorSystem } from '../../src/actors/index.js';
import { LogClient, createClosedFlag } from '../../src/log/client.js';
import { LogMessageType, type ClientRequestBatchMessage } from '../../src/protocol/wire.js';
import { COMMAND_HEADER_BYTES, commandClientId, commandDataBytes, commandSeq, viewOf } from '../../src/paxos/index.js';

const OPTIONS = { generation: 0, entryBytesMax: 1024, inflightAppendsMax: 16, appendTimeoutMs: 5000, resendAfterMs: 1000, requestBatchBytesMax: 64 * 1024 };

/** Runs `body` with a fresh actor system of 64 KiB rings, closed afterwards whatever happens. */
async function withSystem(body: (system: ActorSystem) => Promise<void>): Promise<void> {
  const system = new ActorSystem({ ringBytes: 1 << 16 });
  try {
    await body(system);
  } finally {
    await system.close();
  }
}

/** The (client id, seq) of a request's first command. */
function firstCommand(request: ClientRequestBatchMessage): [number, number] {
  const view = viewOf(request.commands);
  return [commandClientId(view, 0), commandSeq(view, 0)];
}

describe('LogClient', () => {
  it('a message already waiting when the client starts (a NewLeader) is handled, and the client keeps listening', async () => {
    await withSystem(async (system) => {
      const cluster = system.endpoint('cluster');
      const clientEndpoint = system.endpoint('client');
      // The leader announces itself before the client listens (a log opening campaigns at once).
      cluster.send(clientEndpoint.id, { type: LogMessageType.NewLeader, from: cluster.id });
      const layout = { proposers: [cluster.id], acceptors: [], learners: [cluster.id] };
      const client = new LogClient(clientEndpoint, layout, OPTIONS, createClosedFlag());
      const appended = client.append(new Uint8Array([1, 2, 3]));
      // The stand-in proposer and learner: take the batch, acknowledge its command at index 42.
      const [clientId, seq] = firstCommand(await nextRequest(cluster));
      cluster.send(clientEndpoint.id, { type: LogMessageType.ClientReplyBatch, from: cluster.id, ranges: [clientId, seq, seq, 42] });
      expect(await appended).toBe(42);
      client.close();
    });
  });

  it("counts an append sent again (a NewLeader) in its counters' appendsResent, once per send after the first", async () => {
    await withSystem(async (system) => {
      const leader = system.endpoint('leader');
      const clientEndpoint = system.endpoint('client');
      const layout = { proposers: [leader.id], acceptors: [], learners: [leader.id] };
      const client = new LogClient(clientEndpoint, layout, OPTIONS, createClosedFlag());
      const appended = client.append(new Uint8Array([1]));
      const first = await nextRequest(leader);
      expect(client.counters.appendsResent).toBe(0);
      leader.send(clientEndpoint.id, { type: LogMessageType.NewLeader, from: leader.id });
      const again = await nextRequest(leader);
      expect(firstCommand(again)).toEqual(firstCommand(first));
      expect(client.counters.appendsResent).toBe(1);
      leader.send(clientEndpoint.id, { type: LogMessageType.ClientReplyBatch, from: leader.id, ranges: [...firstCommand(first), 1, 7] });
      expect(await appended).toBe(7);
      client.close();
    });
  });

  it("sends nothing on to the standby while the leader's full mailbox takes, slowly, a burst that waited for room (before its first acknowledgement)", async () => {
    await withSystem(async (system) => {
      const leader = system.endpoint('leader');
      const standby = system.endpoint('standby');
      const BATCHES = 16;
      const clientEndpoint = system.endpoint('client');
      const layout = { proposers: [leader.id, standby.id], acceptors: [], learners: [leader.id] };
      // Silence until the first acknowledgement: every append sent is a candidate for a resend
      // to the standby once resendAfterMs passed without the leader's mailbox moving.
      // Long enough that a stalled test process is not taken for the bug (reads 100 ms apart, a
      // stall of 700 ms still passes), short enough that the burst outlasts it twice over.
      const resendAfterMs = 800;
      const options = { ...OPTIONS, entryBytesMax: 12 * 1024, requestBatchBytesMax: 16 * 1024, resendAfterMs, appendTimeoutMs: 60_000 };
      const client = new LogClient(clientEndpoint, layout, options, createClosedFlag());
      // Sixteen batches of 12 KiB: about four fit in the leader's 64 KiB mailbox, the rest wait for room.
      const appends = Array.from({ length: BATCHES }, (_, i) => client.append(new Uint8Array(12 * 1024).fill(i)));
      const standbyGot: unknown[] = [];
      standby.listen((_from, message) => standbyGot.push(message));
      // The leader reads one batch every resendAfterMs / 8: the 16 take two resend timeouts in all.
      const requests: ClientRequestBatchMessage[] = [];
      while (requests.length < BATCHES) {
        await new Promise((resolve) => setTimeout(resolve, resendAfterMs / 8));
        requests.push(await nextRequest(leader));
      }
      expect(standbyGot).toEqual([]);
      // Acknowledged, every append resolves at its index.
      const ranges = requests.flatMap((request, i) => [...firstCommand(request), 1, i]);
      leader.send(clientEndpoint.id, { type: LogMessageType.ClientReplyBatch, from: leader.id, ranges });
      expect(await Promise.all(appends)).toEqual(Array.from({ length: BATCHES }, (_, i) => i));
      expect(client.counters.appendsResent).toBe(0);
      client.close();
    });
  });

  it('sends a batch that waited for room as it was written, after its appends were given up and later turns wrote more', async () => {
    await withSystem(async (system) => {
      const leader = system.endpoint('leader');
      const clientEndpoint = system.endpoint('client');
      const layout = { proposers: [leader.id], acceptors: [], learners: [leader.id] };
      const options = { ...OPTIONS, entryBytesMax: 12 * 1024, requestBatchBytesMax: 16 * 1024, inflightAppendsMax: 64, resendAfterMs: 60_000, appendTimeoutMs: 60_000 };
      const client = new LogClient(clientEndpoint, layout, options, createClosedFlag());
      const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));
      // Four turns of five 12 KiB entries, each entry filled with its number; one message each. The
      // first turn fills the leader's 64 KiB mailbox, and every later batch waits for room.
      const turn = (first: number, signal?: AbortSignal): Array<Promise<number>> =>
        Array.from({ length: 5 }, (_, i) => client.append(new Uint8Array(12 * 1024).fill(first + i), signal));
      turn(0).forEach((append) => append.catch(() => undefined));
      await nextTurn();
      // The second turn's appends are given up while their batches wait: only those messages still read their slab.
      const giveUp = new AbortController();
      const givenUp = turn(5, giveUp.signal);
      giveUp.abort();
      for (const append of givenUp) await expect(append).rejects.toThrow();
      await nextTurn();
      // Later turns move to new slabs: one that nothing held would now be written over from the start.
      turn(10).forEach((append) => append.catch(() => undefined));
      await nextTurn();
      turn(15).forEach((append) => append.catch(() => undefined));
      await nextTurn();
      const fills: number[] = [];
      while (fills.length < 20) {
        const { commands } = await nextRequest(leader);
        const view = viewOf(commands);
        for (let at = 0; at < commands.byteLength; at += COMMAND_HEADER_BYTES + commandDataBytes(view, at)) {
          const data = commands.subarray(at + COMMAND_HEADER_BYTES, at + COMMAND_HEADER_BYTES + commandDataBytes(view, at));
          fills.push(data[0]!);
          expect(data.every((byte) => byte === data[0])).toBe(true);
        }
      }
      expect(fills).toEqual(Array.from({ length: 20 }, (_, i) => i));
      client.close();
    });
  });
});

async function nextRequest(endpoint: ReturnType<ActorSystem['endpoint']>): Promise<ClientRequestBatchMessage> {
  for (;;) {
    const { message } = await endpoint.receive(5000);
    if ((message as { type: number }).type === LogMessageType.ClientRequestBatch) return message as ClientRequestBatchMessage;
  }
}
