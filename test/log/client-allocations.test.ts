// What an append costs the caller's thread in garbage, held to a bound so a regression shows: the
// allocation bench (bench/allocations/client.ts) run briefly, its sites in the log's client summed.
// The client allocated 479 bytes per append there before its settlement became one object (an
// object and three closures, and an abort listener made with or without a signal); 335 after.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bench = fileURLToPath(new URL('../../dist/bench/allocations/client.js', import.meta.url));
/** Bytes per append the client's own code may allocate (335 measured, 479 before). */
const CLIENT_BYTES_PER_APPEND_MAX = 420;

describe("an append's garbage on the caller's thread", () => {
  it(`stays under ${CLIENT_BYTES_PER_APPEND_MAX} bytes in the client (promise and settlement included)`, () => {
    const result = spawnSync(process.execPath, [bench, '--seconds', '1', '--in-flight', '64'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { appends: number; bytesPerAppend: number; sites: Array<{ site: string; bytesPerAppend: number }> };
    expect(report.appends).toBeGreaterThan(1000);
    const client = report.sites.filter(({ site }) => site.includes('log/client.js')).reduce((sum, { bytesPerAppend }) => sum + bytesPerAppend, 0);
    // The promise alone is most of it: a bound of 0 would be no measurement at all.
    expect(client).toBeGreaterThan(100);
    expect(client).toBeLessThan(CLIENT_BYTES_PER_APPEND_MAX);
  }, 90_000);
});
