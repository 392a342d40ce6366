// Scripted interaction tests (test/sim/scripts/*.txt): each step's expected output sits beside
// it in the file. Set UPDATE_SCRIPTS=1 to write the current output back, then read the diff.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScriptError, runScript } from 'synod/sim';

const dir = new URL('./scripts/', import.meta.url);

describe('scripted interactions', () => {
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.txt')).sort()) {
    it(name, () => {
      const file = new URL(name, dir);
      const script = readFileSync(file, 'utf8');
      const actual = runScript(script);
      if (process.env.UPDATE_SCRIPTS === '1') writeFileSync(file, actual);
      else expect(actual).toBe(script);
    });
  }

  it('a script whose output changed fails, and a malformed one is a ScriptError', () => {
    const script = 'cluster proposers=1 acceptors=1 learners=1\n----\nP1 A1 L1\n\nstate P1\n----\nP1 leader ballot=9.9 chosen-below=0\n';
    expect(runScript(script)).not.toBe(script);
    expect(runScript(script)).toContain('P1 not leader ballot=');
    expect(() => runScript('cluster proposers=1\nstate P1\n')).toThrow(ScriptError);
  });
});
