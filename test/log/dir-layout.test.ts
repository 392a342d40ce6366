// A data directory records what it is (log or sequencer) and its layout; opening it with another
// is a LayoutMismatchError naming both, and nothing acknowledged is lost by an open (issue 10:
// reopened with 5 acceptors it read 0 entries, and back with 3 lost what was appended under 5).
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LayoutMismatchError, ReplicatedLog, Sequencer } from 'synod';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synod-layout-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function entriesOf(log: ReplicatedLog): Promise<string[]> {
  const entries: string[] = [];
  for await (const { data } of log.read({ from: 0 })) entries.push(new TextDecoder().decode(data));
  return entries;
}

describe('the layout a data directory records', () => {
  it('refuses another acceptor count, naming both layouts, and keeps every acknowledged append', async () => {
    let log = await ReplicatedLog.open({ storage: { dir }, acceptors: 3 });
    await log.append(new TextEncoder().encode('one'));
    await log.append(new TextEncoder().encode('two'));
    await log.close();
    const error = await ReplicatedLog.open({ storage: { dir }, acceptors: 5 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LayoutMismatchError);
    expect(String(error)).toMatch(/holds a log of 2 proposer\(s\), 3 acceptor\(s\), 1 learner\(s\), but was opened as a log of 2 proposer\(s\), 5 acceptor\(s\)/);
    expect(error).toMatchObject({ dir, recorded: { acceptors: 3 }, requested: { acceptors: 5 } });
    log = await ReplicatedLog.open({ storage: { dir }, acceptors: 3 }); // the refused open left no lock behind
    expect(await entriesOf(log)).toEqual(['one', 'two']);
    await log.close();
  });

  it('refuses another proposer or learner count (the role files are named by actor ids, which follow from the counts)', async () => {
    const log = await ReplicatedLog.open({ storage: { dir } });
    await log.append(new Uint8Array([1]));
    await log.close();
    await expect(ReplicatedLog.open({ storage: { dir }, proposers: 1 })).rejects.toBeInstanceOf(LayoutMismatchError);
    await expect(ReplicatedLog.open({ storage: { dir }, learners: 2 })).rejects.toBeInstanceOf(LayoutMismatchError);
  });

  it('a sequencer does not open a log\'s directory, nor a log a sequencer\'s', async () => {
    const log = await ReplicatedLog.open({ storage: { dir } });
    await log.close();
    await expect(Sequencer.open({ storage: { dir } })).rejects.toThrow(/holds a log .* but was opened as a sequencer/);
    const other = mkdtempSync(join(tmpdir(), 'synod-layout-'));
    try {
      const sequencer = await Sequencer.open({ storage: { dir: other } });
      await sequencer.next();
      await sequencer.close();
      await expect(ReplicatedLog.open({ storage: { dir: other } })).rejects.toThrow(/holds a sequencer .* but was opened as a log/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('a directory from before layouts were recorded is checked against its role files', async () => {
    const log = await ReplicatedLog.open({ storage: { dir } });
    await log.append(new TextEncoder().encode('old'));
    await log.close();
    unlinkSync(join(dir, 'LAYOUT.json'));
    await expect(ReplicatedLog.open({ storage: { dir }, acceptors: 5 })).rejects.toThrow(/holds the files of acceptors \[2, 3, 4\] and learners \[5\]/);
    const reopened = await ReplicatedLog.open({ storage: { dir } });
    expect(await entriesOf(reopened)).toEqual(['old']);
    await reopened.close();
    await expect(ReplicatedLog.open({ storage: { dir }, acceptors: 5 })).rejects.toBeInstanceOf(LayoutMismatchError);
  });

  it('refuses a ring too small for the largest entries the directory may hold', async () => {
    const log = await ReplicatedLog.open({ storage: { dir }, entryBytesMax: 60_000 });
    await log.append(new Uint8Array(60_000));
    await log.close();
    await expect(ReplicatedLog.open({ storage: { dir }, ringBytes: 65_536, entryBytesMax: 1000 })).rejects.toThrow(
      /may hold entries of up to 60000 bytes, more than one message carries with ringBytes 65536/,
    );
    const reopened = await ReplicatedLog.open({ storage: { dir }, entryBytesMax: 1000 });
    for await (const { data } of reopened.read({ from: 0 })) expect(data.byteLength).toBe(60_000);
    await reopened.close();
  });
});
