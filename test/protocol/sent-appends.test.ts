import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SentAppends, type SentLinks } from '../../src/protocol/sent-appends.js';
import { SESSIONS_PER_ENDPOINT, clientIdOf } from '../../src/protocol/wire.js';

interface Sent extends SentLinks<Sent> {
  readonly seq: number;
}

const record = (endpoint: number, session: number, seq: number): Sent => ({
  session,
  clientId: clientIdOf(3, endpoint, session),
  seq,
  sentPrev: undefined,
  sentNext: undefined,
});

const walk = (sent: SentAppends<Sent>): Sent[] => {
  const out: Sent[] = [];
  for (let r = sent.first; r !== undefined; r = r.sentNext) if (sent.has(r)) out.push(r);
  return out;
};

describe('SentAppends', () => {
  it('behaves as the Map by client id it replaced: lookups, size and order of sending, under any mix of sends, settles and clears (property test)', () => {
    const sessions = fc.integer({ min: 0, max: 40 });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), session: sessions }),
      fc.record({ kind: fc.constant('settle' as const), session: sessions }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const sent = new SentAppends<Sent>((clientId) => clientId % SESSIONS_PER_ENDPOINT);
        const model = new Map<number, Sent>();
        let seq = 0;
        for (const step of ops) {
          if (step.kind === 'send') {
            const clientId = clientIdOf(3, 9, step.session);
            if (model.has(clientId)) continue; // a session has one append in flight
            const r = record(9, step.session, seq++);
            sent.add(r);
            model.set(clientId, r);
          } else if (step.kind === 'settle') {
            const clientId = clientIdOf(3, 9, step.session);
            const r = sent.get(clientId);
            expect(r).toBe(model.get(clientId));
            if (r !== undefined) sent.remove(r);
            model.delete(clientId);
          } else {
            sent.clear();
            model.clear();
          }
          expect(sent.size).toBe(model.size);
          expect(walk(sent)).toEqual([...model.values()]);
          expect(sent.toArray()).toEqual([...model.values()]);
        }
      }),
    );
  });

  it("finds nothing for another endpoint's id with the same session, nor for a settled one", () => {
    const sent = new SentAppends<Sent>((clientId) => clientId % SESSIONS_PER_ENDPOINT);
    const mine = record(9, 5, 1);
    sent.add(mine);
    expect(sent.get(clientIdOf(3, 9, 5))).toBe(mine);
    expect(sent.get(clientIdOf(3, 8, 5))).toBeUndefined();
    expect(sent.get(clientIdOf(4, 9, 5))).toBeUndefined();
    sent.remove(mine);
    expect(sent.get(clientIdOf(3, 9, 5))).toBeUndefined();
    expect(() => {
      sent.add(record(9, 5, 2));
      sent.add(record(9, 5, 3));
    }).toThrow(/session 5 already has an append in flight/);
  });

  it('lets a walk remove the record it stands on and go on, as a Map iterator does, and take in one added meanwhile', () => {
    const sent = new SentAppends<Sent>((clientId) => clientId % SESSIONS_PER_ENDPOINT);
    const records = [0, 1, 2, 3].map((session) => record(9, session, session));
    for (const r of records) sent.add(r);
    const visited: number[] = [];
    for (let r = sent.first; r !== undefined; r = r.sentNext) {
      if (!sent.has(r)) continue;
      visited.push(r.session);
      if (r.session === 1) {
        sent.remove(r);
        sent.add(record(9, 7, 9)); // a waiting append takes a freed session
      }
    }
    expect(visited).toEqual([0, 1, 2, 3, 7]);
    expect(walk(sent).map((r) => r.session)).toEqual([0, 2, 3, 7]);
  });
});
