import type { MemoryReport } from '../memory/suite.js';
import { formatCount } from '../lib/format.js';
import { paragraph, table, type Section } from './html-parts.js';
import { formatRate } from './units.js';

/** The memory suite: resident bytes per entry kept, with and without trim, per storage. */
export function memorySection(memory: MemoryReport): Section {
  const rows = memory.configurations.map((c) => [
    c.storage,
    formatCount(c.entriesPerRound),
    c.rssBytesPerEntry.toFixed(1),
    c.rssBytesPerEntryWithTrim.toFixed(1),
    formatRate(c.appendsPerSecond),
  ]);
  return {
    id: 'memory',
    title: 'Memory per entry (memory suite)',
    body:
      table(['storage', 'entries per round', 'RSS bytes / entry', 'with trim', 'appends/s'], rows, 'figures') +
      memory.notes.map((note) => paragraph(note, 'note')).join(''),
  };
}
