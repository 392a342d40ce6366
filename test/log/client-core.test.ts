// LogClient over a hand-driven endpoint standing in for the cluster: what the client does with
// messages, without worker threads in between.
import { describe, expect, it } from 'vitest';
import { ActorSystem } from '../../src/actors/index.js';
import { LogClient, createClosedFlag } from '../../src/log/client.js';
import { LogMessageType, type ClientRequestBatchMessage } from '../../src/protocol/wire.js';
import { commandClientId, commandSeq, viewOf } from '../../src/paxos/index.js';

const OPTIONS = { generation: 0, entryBytesMax: 1024, inflightAppendsMax: 16, appendTimeoutMs: 5000, resendAfterMs: 1000, requestBatchBytesMax: 64 * 1024 };

describe('LogClient', () => {
  it('a message already waiting when the client starts (a NewLeader) is handled, and the client keeps listening', async () => {
    const system = new ActorSystem({ ringBytes: 1 << 16 });
    try {
      const cluster = system.endpoint('cluster');
      const clientEndpoint = system.endpoint('client');
      // The leader announces itself before the client listens (a log opening campaigns at once).
      cluster.send(clientEndpoint.id, { type: LogMessageType.NewLeader, from: cluster.id });
      const layout = { proposers: [cluster.id], acceptors: [], learners: [cluster.id] };
      const client = new LogClient(clientEndpoint, layout, OPTIONS, createClosedFlag());
      const appended = client.append(new Uint8Array([1, 2, 3]));
      // The stand-in proposer and learner: take the batch, acknowledge its command at index 42.
      let request: ClientRequestBatchMessage | undefined;
      while (request === undefined) {
        const { message } = await cluster.receive(2000);
        if ((message as { type: number }).type === LogMessageType.ClientRequestBatch) request = message as ClientRequestBatchMessage;
      }
      const view = viewOf(request.commands);
      cluster.send(clientEndpoint.id, { type: LogMessageType.ClientReplyBatch, from: cluster.id, ranges: [commandClientId(view, 0), commandSeq(view, 0), commandSeq(view, 0), 42] });
      expect(await appended).toBe(42);
      client.close();
    } finally {
      await system.close();
    }
  });
});
