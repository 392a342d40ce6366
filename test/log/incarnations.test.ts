// Client ids of different openings of a data directory never meet: the incarnation field holds
// every opening up to INCARNATIONS_MAX (it used to wrap at 2^20, giving a later opening's clients
// an earlier one's ids, whose sessions the learners remember), and an opening past it is refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncarnationsExhaustedError, ReplicatedLog, nextIncarnation } from 'synod';
import { CLIENT_ID_MAX, ENDPOINTS_PER_INCARNATION, INCARNATIONS_MAX, SESSIONS_PER_ENDPOINT, clientIdOf } from '../../src/log/wire.js';

describe('client ids at their bounds', () => {
  it('pack the largest fields into the largest safe integer, exactly', () => {
    expect(CLIENT_ID_MAX).toBe(Number.MAX_SAFE_INTEGER);
    expect(clientIdOf(INCARNATIONS_MAX - 1, ENDPOINTS_PER_INCARNATION - 1, SESSIONS_PER_ENDPOINT - 1)).toBe(CLIENT_ID_MAX);
    expect(clientIdOf(INCARNATIONS_MAX - 1, 0, 0)).toBe((INCARNATIONS_MAX - 1) * 2 ** 32);
  });

  it('differ between incarnations 0 and 2^20 (where they used to wrap)', () => {
    expect(clientIdOf(2 ** 20, 3, 7)).not.toBe(clientIdOf(0, 3, 7));
  });

  it('refuse a field outside its bits, naming it and its limit', () => {
    expect(() => clientIdOf(INCARNATIONS_MAX, 0, 0)).toThrow(new RangeError(
      `client id fields out of range: incarnation ${INCARNATIONS_MAX} (< ${INCARNATIONS_MAX}), endpoint 0 (< 65536), session 0 (< 65536)`,
    ));
    expect(() => clientIdOf(-1, 0, 0)).toThrow(RangeError);
    expect(() => clientIdOf(0, ENDPOINTS_PER_INCARNATION, 0)).toThrow(RangeError);
    expect(() => clientIdOf(0, 0, SESSIONS_PER_ENDPOINT)).toThrow(RangeError);
  });
});

describe('the openings of a data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'synod-incarnations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('are counted up to INCARNATIONS_MAX; the next one is refused and not counted', () => {
    writeFileSync(join(dir, 'INCARNATION'), String(INCARNATIONS_MAX - 2));
    expect(nextIncarnation(dir)).toBe(INCARNATIONS_MAX - 1);
    expect(() => nextIncarnation(dir)).toThrow(IncarnationsExhaustedError);
    expect(() => nextIncarnation(dir)).toThrow(`opening ${INCARNATIONS_MAX} would need client ids`);
    expect(readFileSync(join(dir, 'INCARNATION'), 'utf8')).toBe(String(INCARNATIONS_MAX - 1));
  });

  it('past the last, make open() reject, releasing the directory', async () => {
    writeFileSync(join(dir, 'INCARNATION'), String(INCARNATIONS_MAX - 1));
    await expect(ReplicatedLog.open({ storage: { dir } })).rejects.toThrow(IncarnationsExhaustedError);
    // The refused open released the directory: the error is the same again, not "in use".
    await expect(ReplicatedLog.open({ storage: { dir } })).rejects.toThrow(IncarnationsExhaustedError);
  });
});
