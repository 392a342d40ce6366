// Client ids of different connections never meet: each connection (every open, every connect)
// takes a generation of its own (connection-generations.ts), up to GENERATIONS_MAX over the life
// of a storage dir; an open past it is refused. (Incarnations, which these replaced, used to wrap
// at 2^20 openings, giving a later opening's clients an earlier one's ids, whose sessions the
// learners remember.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionLimitError, ReplicatedLog } from 'synod';
import { ConnectionGenerations } from '../../src/log/connection-generations.js';
import { CLIENT_ID_MAX, ENDPOINTS_PER_GENERATION, GENERATIONS_MAX, SESSIONS_PER_ENDPOINT, clientIdOf } from '../../src/protocol/wire.js';

describe('client ids at their bounds', () => {
  it('pack the largest fields into the largest safe integer, exactly', () => {
    expect(CLIENT_ID_MAX).toBe(Number.MAX_SAFE_INTEGER);
    expect(clientIdOf(GENERATIONS_MAX - 1, ENDPOINTS_PER_GENERATION - 1, SESSIONS_PER_ENDPOINT - 1)).toBe(CLIENT_ID_MAX);
    expect(clientIdOf(GENERATIONS_MAX - 1, 0, 0)).toBe((GENERATIONS_MAX - 1) * 2 ** 32);
  });

  it('differ between generations 0 and 2^20 (where incarnations used to wrap)', () => {
    expect(clientIdOf(2 ** 20, 3, 7)).not.toBe(clientIdOf(0, 3, 7));
  });

  it('refuse a field outside its bits, naming it and its limit', () => {
    expect(() => clientIdOf(GENERATIONS_MAX, 0, 0)).toThrow(new RangeError(
      `client id fields out of range: generation ${GENERATIONS_MAX} (< ${GENERATIONS_MAX}), endpoint 0 (< 65536), session 0 (< 65536)`,
    ));
    expect(() => clientIdOf(-1, 0, 0)).toThrow(RangeError);
    expect(() => clientIdOf(0, ENDPOINTS_PER_GENERATION, 0)).toThrow(RangeError);
    expect(() => clientIdOf(0, 0, SESSIONS_PER_ENDPOINT)).toThrow(RangeError);
  });
});

describe('the generations of a data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'synod-generations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('are handed out up to GENERATIONS_MAX; the next is refused, and nothing past the last is reserved', () => {
    writeFileSync(join(dir, 'INCARNATION'), String(GENERATIONS_MAX - 3));
    const generations = new ConnectionGenerations(dir);
    expect(generations.take()).toBe(GENERATIONS_MAX - 2);
    expect(generations.take()).toBe(GENERATIONS_MAX - 1);
    // (By its code: this ConnectionGenerations is the test's copy of the source, not the build's.)
    expect(() => generations.take()).toThrow(expect.objectContaining({ code: 'ERR_SYNOD_CONNECTION_LIMIT', generationsMax: GENERATIONS_MAX }));
    expect(readFileSync(join(dir, 'INCARNATION'), 'utf8')).toBe(String(GENERATIONS_MAX - 1));
  });

  it('once spent, make open() reject, releasing the directory', async () => {
    writeFileSync(join(dir, 'INCARNATION'), String(GENERATIONS_MAX - 1));
    await expect(ReplicatedLog.open({ storage: { dir } })).rejects.toThrow(ConnectionLimitError);
    // The refused open released the directory: the error is the same again, not "in use".
    await expect(ReplicatedLog.open({ storage: { dir } })).rejects.toThrow(ConnectionLimitError);
  });
});
