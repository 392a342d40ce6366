// Acknowledgements from a learner, gathered per client endpoint as ranges (ack-ranges.ts) and sent
// as ClientReplyBatch messages (one per endpoint per release, more only past
// ackRangesPerMessageMax). The learner actor and the simulator's learners both send through this.
import { ACK_RANGE_NUMBERS, appendAck } from './ack-ranges.js';
import { LogMessageType, endpointOfClient, type ClientReplyBatchMessage } from './wire.js';

export class AckBatcher {
  /** Per client endpoint, flat (clientId, firstSeq, lastSeq, firstIndex) ranges. */
  private readonly byEndpoint = new Map<number, number[]>();

  constructor(
    private readonly from: number,
    private readonly rangesPerMessageMax: number,
  ) {}

  add(clientId: number, seq: number, logIndex: number): void {
    const endpoint = endpointOfClient(clientId);
    let ranges = this.byEndpoint.get(endpoint);
    if (ranges === undefined) this.byEndpoint.set(endpoint, (ranges = []));
    appendAck(ranges, clientId, seq, logIndex);
  }

  /** Hands every gathered acknowledgement to `send`, as few messages as the limit allows, and forgets them. */
  drain(send: (endpoint: number, message: ClientReplyBatchMessage) => void): void {
    const numbersMax = ACK_RANGE_NUMBERS * this.rangesPerMessageMax;
    for (const [endpoint, ranges] of this.byEndpoint) {
      for (let at = 0; at < ranges.length; at += numbersMax) {
        send(endpoint, {
          type: LogMessageType.ClientReplyBatch,
          from: this.from,
          ranges: ranges.length <= numbersMax ? ranges : ranges.slice(at, at + numbersMax),
        });
      }
    }
    this.byEndpoint.clear();
  }
}
