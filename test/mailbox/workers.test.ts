import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RING_HEAD_INDEX, RING_TAIL_INDEX, createDoorbell, createRing } from 'synod/mailbox';

const fixture = (name: string) => new URL(`../../dist/test/fixtures/${name}.js`, import.meta.url);

interface ProducerResult { producerId: number; sent: number; blockedSends: number }
interface ConsumerResult { received: number; errors: string[]; perLink: Record<string, number> }

function run<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
}

async function traffic(options: { producers: number; countPerProducer: number; ringBytes: number; maxDataBytes: number; stallMs: number }) {
  const doorbell = createDoorbell();
  const links = Array.from({ length: options.producers }, (_, i) => ({ from: i + 1, ring: createRing(options.ringBytes) }));
  const consumer = new Worker(fixture('mailbox-consumer'), {
    workerData: { links, doorbell, countPerProducer: options.countPerProducer, stallMs: options.stallMs },
  });
  const consumerDone = run<ConsumerResult>(consumer);
  const producersDone = links.map((link) =>
    run<ProducerResult>(
      new Worker(fixture('mailbox-producer'), {
        workerData: { ring: link.ring, doorbell, producerId: link.from, count: options.countPerProducer, maxDataBytes: options.maxDataBytes },
      }),
    ),
  );
  const [consumerResult, ...producerResults] = await Promise.all([consumerDone, ...producersDone]);
  return { consumer: consumerResult, producers: producerResults, links };
}

describe('mailbox across real worker threads', () => {
  it('carries two million messages over one link with no loss, duplicate or reordering, every byte checked', async () => {
    const { consumer, producers } = await traffic({ producers: 1, countPerProducer: 2_000_000, ringBytes: 1 << 16, maxDataBytes: 24, stallMs: 0 });
    expect(consumer.errors).toEqual([]);
    expect(consumer.received).toBe(2_000_000);
    expect(consumer.perLink).toEqual({ 1: 2_000_000 });
    expect(producers[0]!.sent).toBe(2_000_000);
  });

  it('fans four producers into one receiver, in order per link, with random sizes through many wraps', async () => {
    const { consumer } = await traffic({ producers: 4, countPerProducer: 250_000, ringBytes: 1 << 14, maxDataBytes: 600, stallMs: 0 });
    expect(consumer.errors).toEqual([]);
    expect(consumer.received).toBe(1_000_000);
    expect(consumer.perLink).toEqual({ 1: 250_000, 2: 250_000, 3: 250_000, 4: 250_000 });
  });

  it('applies backpressure while the receiver stalls, and loses nothing', async () => {
    const { consumer, producers, links } = await traffic({ producers: 2, countPerProducer: 20_000, ringBytes: 1024, maxDataBytes: 100, stallMs: 300 });
    expect(consumer.errors).toEqual([]);
    expect(consumer.received).toBe(40_000);
    // Both producers ran into a full ring while the receiver slept, and waited rather than dropping.
    for (const producer of producers) expect(producer.blockedSends).toBeGreaterThan(0);
    for (const link of links) {
      const words = new Int32Array(link.ring);
      expect(Atomics.load(words, RING_HEAD_INDEX)).toBe(Atomics.load(words, RING_TAIL_INDEX));
    }
  });

  it('a stalled receiver holds the sender at the ring capacity, no further', async () => {
    const doorbell = createDoorbell();
    const ring = createRing(1024);
    const progress = new SharedArrayBuffer(4);
    const producer = new Worker(fixture('mailbox-producer'), {
      workerData: { ring, doorbell, producerId: 1, count: 1000, maxDataBytes: 0, progress },
    });
    const done = run<ProducerResult>(producer);
    // Message {p,i,d:<0 bytes>} encodes to at most 16 bytes, so a record takes 24 bytes: 42 fit in 1024.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sentWhileStalled = Atomics.load(new Int32Array(progress), 0);
    const words = new Int32Array(ring);
    expect(sentWhileStalled).toBeGreaterThan(30);
    expect(sentWhileStalled).toBeLessThan(1000);
    expect((Atomics.load(words, RING_TAIL_INDEX) - Atomics.load(words, RING_HEAD_INDEX)) | 0).toBeLessThanOrEqual(1024);
    // Now drain on this thread; the producer must finish.
    const { Inbox } = await import('synod/mailbox');
    const inbox = new Inbox(doorbell);
    inbox.addLink(1, ring);
    let received = 0;
    let lastIndex = -1;
    while (received < 1000) {
      received += inbox.drain((_from, message) => {
        const index = (message as { i: number }).i;
        expect(index).toBe(lastIndex + 1);
        lastIndex = index;
      });
      if (received < 1000) await inbox.waitAsync(50);
    }
    expect((await done).blockedSends).toBeGreaterThan(0);
    expect(lastIndex).toBe(999);
  });
});
