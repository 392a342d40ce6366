#!/usr/bin/env node
// node dist/bench/supervision/restart-time.js [kills]: how long a killed acceptor of a default log
// (in memory, under a light append load) stays down under the supervisor. For each kill: kill ->
// 'actorRestart' (its new thread runs the behaviour again, links attached), and kill -> its first
// answer (the new instance's `sent` counter leaves 0: it replied to the leader). Prints medians
// and ranges. Every kill is measured as a first crash: the backoff resets after 100 ms up here
// (the default, 5 s, would make kills 200 ms apart wait ever longer: 5, 10, 20 ... 2000 ms).
// A measurement script, not a suite: it reads the log's ActorSystem directly.
import type { ActorRestartEvent, ActorSystem } from '../../src/actors/index.js';
import { ReplicatedLog } from '../../src/index.js';
import { maximum, median, minimum } from '../lib/stats.js';

const kills = Number(process.argv[2] ?? 20);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const log = await ReplicatedLog.open({ supervision: { backoffResetAfterMs: 100 } });
try {
  const system = (log as unknown as { system: ActorSystem }).system;
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
      system.on('actorRestart', function onRestart(event: ActorRestartEvent) {
        if (event.id !== id) return;
        system.off('actorRestart', onRestart);
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
    await sleep(200); // up well past backoffResetAfterMs: the next kill is a first crash again
  }
  appending = false;
  await load;
  const line = (what: string, values: number[]) =>
    `${what}: median ${median(values).toFixed(1)} ms, min ${minimum(values).toFixed(1)} ms, max ${maximum(values).toFixed(1)} ms`;
  console.log(`${kills} acceptor kills, each a first crash (restart after backoffInitialMs, 5 ms)`);
  console.log(line('kill -> actorRestart', toRestartMs));
  console.log(line('kill -> first answer', toAnswerMs));
} finally {
  await log.close();
}
