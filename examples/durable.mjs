// A log kept in a directory outlives the process. Run it twice: `node durable.mjs ./synod-data`.
import { ReplicatedLog } from 'synod';

const dir = process.argv[2] ?? './synod-data';
// fsync 'batch' (the default): every record is on disk before its append resolves.
const log = await ReplicatedLog.open({ storage: { dir, fsync: 'batch' } });
try {
  const index = await log.append(new TextEncoder().encode(`opened at ${new Date().toISOString()}`));
  console.log(`appended at index ${index}`);
  const decoder = new TextDecoder();
  for await (const { index, data } of log.read({ from: 0 })) console.log(`${index}: ${decoder.decode(data)}`);
} finally {
  await log.close();
}
