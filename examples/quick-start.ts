// The quick start in TypeScript (5.2 or newer): `await using` closes the log at the end of the
// scope. Compile with `tsc` (module "nodenext"), then run the .js file with Node.
import { ReplicatedLog, Sequencer, type LogEntry, type LogOptions } from 'synod';

const options: LogOptions = { acceptors: 3, proposers: 2, learners: 1 };

{
  await using log = await ReplicatedLog.open(options);
  const encoder = new TextEncoder();
  for (const word of ['alpha', 'beta', 'gamma']) {
    const index: number = await log.append(encoder.encode(word));
    console.log(`appended ${word} at index ${index}`);
  }

  const decoder = new TextDecoder();
  for await (const entry of log.read({ from: 0 })) {
    const { index, data }: LogEntry = entry;
    console.log(`read ${index}: ${decoder.decode(data)}`);
  }

  const { firstIndex, nextIndex } = log.bounds();
  console.log(`the log holds indexes ${firstIndex} to ${nextIndex - 1}`);
}

{
  await using sequencer = await Sequencer.open();
  const first = await sequencer.next();
  const block = await sequencer.next(100);
  console.log(`numbers: ${first}, then ${block} to ${block + 99}`);
}
