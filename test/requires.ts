// Tests that need more than Node (headless Chromium, root to mount a tmpfs) run wherever what
// they need is there, are skipped elsewhere so that `npm install && npm test` passes on a machine
// with Node alone, and must run under CI=true (CI installs and provides what they need: .ci/run),
// where a missing requirement fails them instead of hiding them.
import { describe } from 'vitest';

const underCi = process.env.CI === 'true' || process.env.CI === '1';

/** `describe` if `available` or under CI; otherwise a skipped one, saying what is missing and how to get it. */
export function describeIfAvailable(available: boolean, missing: string): (name: string, body: () => void) => void {
  if (available || underCi) return (name, body) => describe(name, body);
  console.warn(`skipped (not CI): ${missing}`);
  return (name, body) => describe.skip(`${name} (skipped: ${missing})`, body);
}

/** Whether the suites gated by describeIfAvailable run here (to guard their hooks). */
export function runsHere(available: boolean): boolean {
  return available || underCi;
}
