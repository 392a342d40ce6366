// SessionTable: one table of client sessions, with an undo journal between checkpoints.
import { describe, expect, it } from 'vitest';
import { JOURNAL_RETAIN_ENTRIES, SessionTable } from '../../src/paxos/session-table.js';

const sorted = (table: SessionTable) => [...table].sort((x, y) => x[0] - y[0]);
/** A client id above 2^32, as a worker thread's connection gets (wire.ts). */
const BIG_CLIENT = 2 ** 40 + 5;

describe('SessionTable', () => {
  it('holds what it is built from and what advances set', () => {
    const table = SessionTable.from([
      [1, 4, 10],
      [BIG_CLIENT, 2, 11],
    ]);
    expect(table.size).toBe(2);
    table.advance(1, 5, 12, table.get(1));
    table.advance(3, 1, 13, undefined);
    expect(sorted(table)).toEqual([
      [1, 5, 12],
      [3, 1, 13],
      [BIG_CLIENT, 2, 11],
    ]);
    // Nobody checkpointed it: nothing is journaled, so nothing can be undone.
    expect(table.journaled).toBe(0);
    expect(table.rollbackFrom(0)).toBe(0);
    expect(table.get(3)).toEqual({ seq: 1, logIndex: 13 });
  });

  it('undoes, newest first, the advances since the checkpoint to an index at or above the one given', () => {
    const table = SessionTable.from([[1, 4, 10]]);
    table.checkpoint();
    table.advance(1, 5, 20, table.get(1)); // recorded
    table.advance(BIG_CLIENT, 1, 21, undefined); // recorded
    table.advance(1, 6, 22, table.get(1)); // refused from here on
    table.advance(2, 1, 23, undefined);
    table.advance(1, 7, 24, table.get(1));
    expect(table.journaled).toBe(5);
    expect(table.rollbackFrom(22)).toBe(3);
    expect(sorted(table)).toEqual([
      [1, 5, 20],
      [BIG_CLIENT, 1, 21],
    ]);
    // All the way back: the client that had no session has none again.
    expect(table.rollbackFrom(0)).toBe(2);
    expect(sorted(table)).toEqual([[1, 4, 10]]);
    expect(table.rollbackFrom(0)).toBe(0);
  });

  it('forgets its journal at each checkpoint: a record that went through is not undone', () => {
    const table = new SessionTable();
    table.checkpoint();
    table.advance(1, 1, 0, undefined);
    table.checkpoint();
    table.advance(1, 2, 1, table.get(1));
    expect(table.rollbackFrom(0)).toBe(1);
    expect(sorted(table)).toEqual([[1, 1, 0]]);
  });

  it('journals a batch of any size, and gives back a journal grown past its bound at the next checkpoint', () => {
    const table = new SessionTable();
    table.checkpoint();
    const advances = JOURNAL_RETAIN_ENTRIES * 3 + 1;
    for (let i = 0; i < advances; i++) table.advance(i % 7, Math.floor(i / 7) + 1, i, table.get(i % 7));
    expect(table.journaled).toBe(advances);
    expect(table.rollbackFrom(0)).toBe(advances);
    expect(table.size).toBe(0);
    const journalBytes = (t: SessionTable) => (t as unknown as { journalClients: Float64Array }).journalClients.length;
    expect(journalBytes(table)).toBeGreaterThan(JOURNAL_RETAIN_ENTRIES);
    table.checkpoint();
    expect(journalBytes(table)).toBeLessThanOrEqual(JOURNAL_RETAIN_ENTRIES);
  });

  it('clear() drops every session and the journal', () => {
    const table = SessionTable.from([[1, 1, 0]]);
    table.checkpoint();
    table.advance(2, 1, 1, undefined);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.journaled).toBe(0);
  });
});
