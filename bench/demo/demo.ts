#!/usr/bin/env node
// npm run demo: the replicated log's main job in one run. Opens the default log in memory,
// appends from several worker threads, kills the leader midway (the supervisor restarts it), and
// reports throughput, the failover pause, and whether the log is intact (every acknowledged append exactly once, at
// the index it was acknowledged with).
import { Worker } from 'node:worker_threads';
import { ReplicatedLog } from '../../src/index.js';
import { machineInfo } from '../lib/machine.js';
import type { AppendRecord } from './appender.js';

const WRITERS = 4;
const LANES_PER_WRITER = 64;
const ENTRY_BYTES = 16;
const RUN_MS = Number(process.env.SYNOD_DEMO_MS ?? 4000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

async function main(): Promise<number> {
  const machine = machineInfo();
  console.log(`synod demo: replicated log, ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.nodeVersion}`);
  const log = await ReplicatedLog.open();
  try {
    await log.append(new Uint8Array(ENTRY_BYTES)); // leader elected and warm
    const actors = await log.cluster.actors();
    console.log(`cluster: ${actors.map((a) => `${a.role} ${a.id}${a.leader ? ' (leader)' : ''} on thread ${a.threadId}`).join(', ')}`);

    const stop = new SharedArrayBuffer(4);
    const writers = Array.from({ length: WRITERS }, (_, writer) => {
      const worker = new Worker(new URL('./appender.js', import.meta.url), {
        workerData: { handle: log.handle(), writer: writer + 1, lanes: LANES_PER_WRITER, entryBytes: ENTRY_BYTES, stop },
      });
      return new Promise<{ writer: number; records: AppendRecord[] }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    });
    console.log(`appending: ${WRITERS} threads x ${LANES_PER_WRITER} appends in flight, ${ENTRY_BYTES}-byte entries, ${RUN_MS} ms`);
    const startMs = now();
    await sleep(RUN_MS / 2);
    const leader = (await log.cluster.actors()).find((actor) => actor.leader);
    const killMs = now();
    if (leader !== undefined) await log.cluster.kill(leader.id);
    console.log(`killed the leader (proposer ${leader?.id ?? '?'}) at ${(killMs - startMs).toFixed(0)} ms`);
    await sleep(RUN_MS / 2);
    Atomics.store(new Int32Array(stop), 0, 1);
    const results = await Promise.all(writers);
    const endMs = now();

    const records = results.flatMap((result) => result.records.map((record) => ({ ...record, writer: result.writer })));
    const committed = records.filter((record) => record.index >= 0);
    const rejected = records.length - committed.length;
    const before = committed.filter((record) => record.committedMs < killMs).length;
    const firstAfter = committed.filter((record) => record.startedMs >= killMs).reduce((min, record) => Math.min(min, record.committedMs), Infinity);
    const pauseMs = firstAfter - killMs;
    const latencies = committed.map((record) => record.committedMs - record.startedMs).sort((a, b) => a - b);
    const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;

    console.log(`committed ${committed.length} appends in ${(endMs - startMs).toFixed(0)} ms: ${Math.round(committed.length / ((endMs - startMs) / 1000))} appends/s`);
    console.log(`  before the kill: ${Math.round(before / ((killMs - startMs) / 1000))} appends/s`);
    console.log(`  latency: p50 ${percentile(50).toFixed(2)} ms, p99 ${percentile(99).toFixed(2)} ms, max ${percentile(100).toFixed(2)} ms`);
    console.log(`  rejected (retryable): ${rejected}`);
    console.log(`failover pause (kill -> first commit of an append issued after it): ${pauseMs.toFixed(1)} ms`);

    // The log is intact: every acknowledged append appears exactly once, at its acknowledged index.
    const seen = new Map<string, number>();
    let entries = 0;
    let problems = 0;
    for await (const { index, data } of log.read({ from: 0 })) {
      entries++;
      if (index === 0) continue; // the warm-up entry
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const key = `${view.getUint32(0, true)}/${view.getUint32(4, true)}`;
      if (seen.has(key)) problems++;
      seen.set(key, index);
    }
    for (const record of committed) if (seen.get(`${record.writer}/${record.seq}`) !== record.index) problems++;
    console.log(`log check: ${entries} entries read; ${committed.length} acknowledged appends each found once at their index: ${problems === 0 ? 'INTACT' : `${problems} PROBLEMS`}`);
    if (leader !== undefined) {
      // Nobody restarts it here: the supervisor did, milliseconds after the kill, as a standby.
      const back = (await log.cluster.actors()).find((actor) => actor.id === leader.id)?.alive === true;
      console.log(`killed proposer ${leader.id} restarted by the supervisor: ${back ? 'yes' : 'NO'}`);
    }
    return problems === 0 ? 0 : 1;
  } finally {
    await log.close();
  }
}

process.exitCode = await main();
