import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import the built package (`synod`, `synod/mailbox`, ...) from dist/, never the TypeScript
// sources: actors run on worker threads, which load plain JavaScript that vitest does not transform.
// Importing the same build on both sides keeps one copy of every class and every layout constant.
const dist = fileURLToPath(new URL('./dist/src/', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^synod$/, replacement: `${dist}index.js` },
      { find: /^synod\/(.+)$/, replacement: `${dist}$1/index.js` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Worker-thread tests each start real threads; on a 2-core machine running test files
    // in parallel only makes them compete. One file at a time keeps timings sane.
    fileParallelism: false,
    pool: 'forks',
  },
});
