// What an append costs the caller's thread in garbage, held to a bound so a regression shows: the
// allocation bench (bench/allocations/client.ts) run briefly. Counted in all on that thread: V8
// inlines the client's code into its caller, so the client's own sites cannot be told apart by file
// (the harness's `.then` per append is in the figure too, about 100 bytes).
// History: 479 bytes per append in the client before its settlement became one object (an object
// and three closures); 335 after; then 995 in all on the thread, and 914-920 once the promise's
// settlers came through one executor made once instead of a closure per append; 842-844 once the
// sent appends were no longer a Map by client id (909-914 with the Map, in the same hour); 659-661
// once the core reused the records of settled appends (845-849 without, in the same hour); 615-617
// once its free sessions were a ring (a head index and a slice of the rest allocated); 558-568 once
// append() without options stopped allocating its default `{}` (617-636 with it, in the same hour);
// 523-547 once an append's settlement shrank to five fields (its counters and signal moved out).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bench = fileURLToPath(new URL('../../dist/bench/allocations/client.js', import.meta.url));
/** Bytes per append the caller's thread may allocate in all (523-547 measured; 558-568 with a ten-field settlement, 617-636 with a default `{}` of options). */
const THREAD_BYTES_PER_APPEND_MAX = 575;

describe("an append's garbage on the caller's thread", () => {
  it(`stays under ${THREAD_BYTES_PER_APPEND_MAX} bytes in all (promise, settlement and the harness's .then included)`, () => {
    const result = spawnSync(process.execPath, [bench, '--seconds', '1', '--in-flight', '64'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { appends: number; bytesPerAppend: number };
    expect(report.appends).toBeGreaterThan(1000);
    // A promise and its settlers alone are a few hundred bytes: a bound met by 0 would measure nothing.
    expect(report.bytesPerAppend).toBeGreaterThan(300);
    expect(report.bytesPerAppend).toBeLessThan(THREAD_BYTES_PER_APPEND_MAX);
  }, 90_000);
});
