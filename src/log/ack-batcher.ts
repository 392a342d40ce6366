// Acknowledgements from a learner, gathered per client endpoint and sent as ClientReplyBatch
// messages (one per endpoint per release, more only past acksPerMessageMax). The learner actor
// and the simulator's learners both send through this.
import { LogMessageType, endpointOfClient, type ClientReplyBatchMessage } from './wire.js';

export class AckBatcher {
  /** Per client endpoint, flat (clientId, seq, logIndex) triples. */
  private readonly byEndpoint = new Map<number, number[]>();

  constructor(
    private readonly from: number,
    private readonly acksPerMessageMax: number,
  ) {}

  add(clientId: number, seq: number, logIndex: number): void {
    const endpoint = endpointOfClient(clientId);
    let replies = this.byEndpoint.get(endpoint);
    if (replies === undefined) this.byEndpoint.set(endpoint, (replies = []));
    replies.push(clientId, seq, logIndex);
  }

  /** Hands every gathered acknowledgement to `send`, as few messages as the limit allows, and forgets them. */
  drain(send: (endpoint: number, message: ClientReplyBatchMessage) => void): void {
    const numbersMax = 3 * this.acksPerMessageMax;
    for (const [endpoint, replies] of this.byEndpoint) {
      for (let at = 0; at < replies.length; at += numbersMax) {
        send(endpoint, {
          type: LogMessageType.ClientReplyBatch,
          from: this.from,
          replies: replies.length <= numbersMax ? replies : replies.slice(at, at + numbersMax),
        });
      }
    }
    this.byEndpoint.clear();
  }
}
