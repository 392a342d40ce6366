// A connect the owner cannot serve (every actor id taken, say) is refused with its reason, instead
// of throwing in the owner's thread and leaving the connecting thread to time out.
import { describe, expect, it } from 'vitest';
import { EndpointBroker, newBrokerName, requestEndpoint } from '../../src/log/endpoint-broker.js';

describe('EndpointBroker', () => {
  it("passes the owner's refusal to the connecting side as a ConnectRefusedError (a RangeError)", async () => {
    const name = newBrokerName();
    const broker = new EndpointBroker(
      name,
      () => {
        throw new RangeError('every actor id from 0 to 65535 is taken');
      },
      () => undefined,
    );
    try {
      const error = (await requestEndpoint(name).catch((caught: unknown) => caught)) as Error;
      expect(error).toBeInstanceOf(RangeError); // ConnectRefusedError, a RangeError
      expect(error).toMatchObject({ name: 'ConnectRefusedError', code: 'ERR_SYNOD_CONNECT_REFUSED', reason: 'RangeError' });
      expect(error.message).toContain("connect refused by the log's owner: every actor id from 0 to 65535 is taken");
    } finally {
      broker.close();
    }
  });
});
