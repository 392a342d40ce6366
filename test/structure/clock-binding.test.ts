// Node defines the global `performance` as a replaceable accessor (a getter that runs a check and
// a lookup on every read), so optimized code cannot fold it to a constant: each
// `performance.now()` through the global went through V8's LoadGlobalIC and that getter. On the
// append path (a client's submit and every message it takes, an actor's turn, a mailbox's spin)
// `perf` showed LoadGlobalIC at 1.5-2% of the whole process's samples at 16 B x 256 in flight
// (2-core VM). Imported from node:perf_hooks, the binding is a module constant. This test keeps
// every source file that reads the clock on the imported binding.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** True if `text` reads `performance.` without importing `performance` from node:perf_hooks. */
export function readsGlobalClock(text: string): boolean {
  const reads = /(?<![\w.])performance\.(?:now|timeOrigin)\b/.test(text);
  const imports = /import\s*\{[^}]*\bperformance\b[^}]*\}\s*from\s*'node:perf_hooks'/.test(text);
  return reads && !imports;
}

describe('the clock on the append path', () => {
  const files = [...sourceFiles('src'), 'bench/log/load-worker.ts'];

  it('every source file that reads performance.now() imports it from node:perf_hooks', () => {
    const readers = files.filter((file) => /(?<![\w.])performance\./.test(readFileSync(join(root, file), 'utf8')));
    // The client, the actor host, the mailboxes, the sequencer and more read the clock.
    expect(readers.length).toBeGreaterThan(10);
    expect(readers.filter((file) => readsGlobalClock(readFileSync(join(root, file), 'utf8')))).toEqual([]);
  });

  it('tells a file on the global from one on the import', () => {
    expect(readsGlobalClock('const t = performance.now();')).toBe(true);
    expect(readsGlobalClock("import { performance } from 'node:perf_hooks';\nconst t = performance.now();")).toBe(false);
    expect(readsGlobalClock("import { PerformanceObserver, performance } from 'node:perf_hooks';\nperformance.timeOrigin;")).toBe(false);
    expect(readsGlobalClock('const t = this.performance.now();')).toBe(false);
    expect(readsGlobalClock('const x = 1;')).toBe(false);
  });
});
