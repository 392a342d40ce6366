import type { RunInfo } from '../lib/run-info.js';
import { escapeXml } from './chart-frame.js';
import { table, type Section } from './html-parts.js';
import { formatSeconds } from './units.js';

/**
 * "About this run": what a reader needs before trusting any figure below: when, which synod,
 * the command, the machine, and the settings each suite ran with (its grid included).
 */
export function runSection(run: RunInfo, suites: Readonly<Record<string, Record<string, unknown>>>): Section {
  const { machine } = run;
  const facts: Array<[string, string]> = [
    ['date', `${formatUtc(run.startedAt)} to ${formatUtc(run.finishedAt)} (${formatElapsed(run.startedAt, run.finishedAt)})`],
    ['synod', `${run.synodVersion}, commit ${run.commit}`],
    ['command', run.command],
    ['machine', `${machine.cores} cores available (${machine.cpuModel}), ${machine.platform}`],
    ['Node.js', machine.nodeVersion],
  ];
  const list = `<dl class="facts">${facts.map(([term, value]) => `<dt>${escapeXml(term)}</dt><dd data-fact="${escapeXml(term)}">${escapeXml(value)}</dd>`).join('')}</dl>`;
  const settings = table(
    ['suite', 'measured', 'warm-up', 'runs (median of)', 'grid and other settings'],
    Object.entries(suites).map(([name, suite]) => settingsRow(name, suite)),
    'settings',
  );
  return { id: 'run', title: 'About this run', body: `${list}\n${settings}` };
}

function settingsRow(name: string, suite: Record<string, unknown>): string[] {
  const settings = suite.settings as Record<string, unknown> | undefined;
  if (typeof suite.error === 'string') return [name, '-', '-', '-', 'the suite failed (see below)'];
  if (settings === undefined) return [name, '-', '-', '-', 'a fixed workload, described in its section'];
  const { durationMs, warmupMs, runs, ...rest } = settings;
  return [
    name,
    typeof durationMs === 'number' ? formatSeconds(durationMs) : '-',
    typeof warmupMs === 'number' ? formatSeconds(warmupMs) : '-',
    typeof runs === 'number' ? String(runs) : '-',
    describeSettings(rest),
  ];
}

/** { grid: { entryBytes: [16, 1024] }, inFlight: 256 } -> "entry (bytes): 16, 1024; in flight: 256". Generic, so that a new setting of a suite shows up unasked. */
export function describeSettings(settings: Record<string, unknown>): string {
  return Object.entries(settings)
    .flatMap(([key, value]): string[] => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return [describeSettings(value as Record<string, unknown>)];
      return [`${words(key)}: ${Array.isArray(value) ? value.join(', ') : String(value)}`];
    })
    .join('; ');
}

/** camelCase -> words, with a unit suffix spelled out: "bucketMs" -> "bucket (ms)". */
function words(key: string): string {
  const unit = /(Ms|Bytes)$/.exec(key)?.[1];
  const stem = unit ? key.slice(0, -unit.length) : key;
  const spaced = stem.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return unit ? `${spaced} (${unit === 'Ms' ? 'ms' : 'bytes'})` : spaced;
}

function formatUtc(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function formatElapsed(from: string, to: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
