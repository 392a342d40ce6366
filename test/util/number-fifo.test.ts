import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumberFifo } from '../../src/util/number-fifo.js';
import { minorGcsDuring } from './minor-gcs.js';

describe('NumberFifo', () => {
  it('behaves as an array used as a queue under any mix of pushes and shifts, across its wraps and growth (property test)', () => {
    const op = fc.oneof(fc.record({ push: fc.integer({ min: 0, max: 65_535 }) }), fc.constant({ shift: true }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const fifo = new NumberFifo();
        const model: number[] = [];
        for (const step of ops) {
          if ('push' in step) {
            fifo.push(step.push);
            model.push(step.push);
          } else expect(fifo.shift()).toBe(model.shift());
          expect(fifo.length).toBe(model.length);
        }
        while (model.length > 0) expect(fifo.shift()).toBe(model.shift());
        expect(fifo.shift()).toBeUndefined();
      }),
    );
  });

  it('allocates nothing once it has room, where a head index and a slice of the rest did', async () => {
    const fifo = new NumberFifo();
    for (let i = 0; i < 300; i++) fifo.push(i);
    let sum = 0;
    const fifoGcs = await minorGcsDuring(() => {
      for (let i = 0; i < 100_000; i++) {
        fifo.push(i & 0xffff);
        sum ^= fifo.shift()!;
      }
    }, 20);
    // The queue it replaced: taken from a head index, the rest sliced off once half was taken.
    let queue: number[] = Array.from({ length: 300 }, (_, i) => i);
    let head = 0;
    const sliceGcs = await minorGcsDuring(() => {
      for (let i = 0; i < 100_000; i++) {
        queue.push(i & 0xffff);
        sum ^= queue[head++]!;
        if (head * 2 >= queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
      }
    }, 20);
    expect(sum).toBeGreaterThanOrEqual(0);
    expect(fifoGcs).toBeLessThanOrEqual(1);
    expect(sliceGcs).toBeGreaterThan(fifoGcs + 2);
  });
});
