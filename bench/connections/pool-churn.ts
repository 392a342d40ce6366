#!/usr/bin/env node
// node dist/bench/connections/pool-churn.js [churns] [threads] [--no-connect]: the RSS of a log's owner while a
// piscina pool retires and recreates its workers, each connecting with the log's handle and
// appending (the pattern of issue 18: a pool with default-like churn). Every round runs one task
// per thread, then waits until the pool has retired all its workers (idleTimeout 1 ms), so each
// round is `threads` worker churns. Prints the owner's RSS (after a full GC on every thread) at
// the start and every tenth of the run, the endpoints and links the owner holds, and the
// connections granted. --no-connect: the same churn, the workers never connecting (what the pool
// itself costs, to compare with). A measurement script, not a suite.
import { Piscina } from 'piscina';
import { ReplicatedLog } from '../../src/index.js';
import { formatBytes, residentBytes, settleMemory } from '../lib/process-figures.js';

const churns = Number(process.argv[2] ?? 1000);
const threads = Number(process.argv[3] ?? 4);
const connect = !process.argv.includes('--no-connect');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const log = await ReplicatedLog.open();
try {
  const pool = new Piscina({
    filename: new URL('./churn-task.js', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 1,
    workerData: { handle: log.handle(), connect },
  });
  const measure = async (): Promise<number> => {
    await sleep(1000); // the owner's reaper probes every 250 ms: let it find the workers gone
    await log.cluster.collectGarbage();
    await settleMemory();
    return residentBytes();
  };
  const line = (done: number, rss: number, start: number): string => {
    const { endpoints, links, granted } = log.connectionCounts;
    return `${String(done).padStart(5)} churns: RSS ${formatBytes(rss)} (${rss >= start ? '+' : ''}${formatBytes(rss - start)}), endpoints ${endpoints}, links ${links}, connections granted now ${granted}`;
  };
  const start = await measure();
  console.log(`piscina pool of ${threads} threads, idleTimeout 1 ms, ${churns} worker churns, ${connect ? 'each connecting and appending' : 'none connecting'}`);
  console.log(line(0, start, start));
  const started = performance.now();
  let done = 0;
  let nextReport = churns / 10;
  while (done < churns) {
    await Promise.all(Array.from({ length: threads }, () => pool.run(undefined)));
    while (pool.threads.length > 0) await sleep(2);
    done += threads;
    if (done >= nextReport || done >= churns) {
      console.log(line(done, await measure(), start));
      nextReport += churns / 10;
    }
  }
  console.log(`${done} churns in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await pool.destroy();
} finally {
  await log.close();
}
