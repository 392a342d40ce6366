#!/usr/bin/env node
// node dist/bench/supervision/restart-time.js [kills] [--no-spare]: how long a killed acceptor of a default log
// (in memory, under a light append load) stays down under the supervisor. For each kill: kill ->
// 'actorRestart' (its new thread runs the behaviour again, links attached), and kill -> its first
// answer (the new instance's `sent` counter leaves 0: it replied to the leader). Prints medians
// and ranges. Every kill is measured as a first crash: the backoff resets after 100 ms up here
// (the default, 5 s, would make kills a second apart wait ever longer: 5, 10, 20 ... 2000 ms).
// Kills are a second apart, so the supervisor's spare thread is ready for each (--no-spare: a
// fresh thread for each restart, as without spareThread).
// A measurement script, not a suite.
import { ReplicatedLog, type LogActorRestartEvent } from '../../src/index.js';
import { maximum, median, minimum } from '../lib/stats.js';

const kills = Number(process.argv[2] ?? 20);
const spareThread = !process.argv.includes('--no-spare');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const log = await ReplicatedLog.open({ supervision: { backoffResetAfterMs: 100, spareThread } });
try {
  const acceptors = (await log.cluster.actors()).filter((actor) => actor.role === 'acceptor').map((actor) => actor.id);
  let appending = true;
  const load = (async () => {
    while (appending) await log.append(new Uint8Array(16));
  })();
  const toRestartMs: number[] = [];
  const toAnswerMs: number[] = [];
  for (let k = 0; k < kills; k++) {
    const id = acceptors[k % acceptors.length]!; // round robin: each stays well under the restart intensity
    const restarted = new Promise<number>((resolve) =>
      log.on('actorRestart', function onRestart(event: LogActorRestartEvent) {
        if (event.id !== id) return;
        log.off('actorRestart', onRestart);
        resolve(performance.now());
      }),
    );
    const killedAtMs = performance.now();
    await log.cluster.kill(id);
    const restartedAtMs = await restarted;
    let answeredAtMs = Number.NaN;
    while (Number.isNaN(answeredAtMs)) {
      const sent = (await log.cluster.counters(id).catch(() => ({ sent: 0 }))).sent ?? 0;
      if (sent > 0) answeredAtMs = performance.now();
      else await new Promise((resolve) => setImmediate(resolve));
    }
    toRestartMs.push(restartedAtMs - killedAtMs);
    toAnswerMs.push(answeredAtMs - killedAtMs);
    await sleep(1000); // up well past backoffResetAfterMs (the next kill is a first crash again), and a new spare started
  }
  appending = false;
  await load;
  const line = (what: string, values: number[]) =>
    `${what}: median ${median(values).toFixed(1)} ms, min ${minimum(values).toFixed(1)} ms, max ${maximum(values).toFixed(1)} ms`;
  console.log(`${kills} acceptor kills, each a first crash (restart after backoffInitialMs, 5 ms), ${spareThread ? 'onto the spare thread' : 'each on a new thread'}`);
  console.log(line('kill -> actorRestart', toRestartMs));
  console.log(line('kill -> first answer', toAnswerMs));
} finally {
  await log.close();
}
