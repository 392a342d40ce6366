// A replicated log and a sequencer, in memory. Run it with `node quick-start.mjs`.
import { ReplicatedLog, Sequencer } from 'synod';

// 2 proposers, 3 acceptors and 1 learner, each on a worker thread of its own.
const log = await ReplicatedLog.open();
try {
  const encoder = new TextEncoder();
  for (const word of ['alpha', 'beta', 'gamma']) {
    const index = await log.append(encoder.encode(word)); // resolves once a majority has it
    console.log(`appended ${word} at index ${index}`);
  }

  // Every committed entry, in order; the loop ends at the last one.
  const decoder = new TextDecoder();
  for await (const { index, data } of log.read({ from: 0 })) {
    console.log(`read ${index}: ${decoder.decode(data)}`);
  }

  const { firstIndex, nextIndex } = log.bounds(); // synchronous, on any thread
  console.log(`the log holds indexes ${firstIndex} to ${nextIndex - 1}`);
} finally {
  await log.close(); // stops every worker thread
}

// Numbers 0, 1, 2, ...: unique and gapless across every thread that holds the sequencer.
const sequencer = await Sequencer.open();
try {
  const first = await sequencer.next();
  const block = await sequencer.next(100); // the first of 100 consecutive numbers, all yours
  console.log(`numbers: ${first}, then ${block} to ${block + 99}`);
} finally {
  await sequencer.close();
}
