import type { CompareReport } from '../compare/suite.js';
import type { FailoverReport } from '../failover/suite.js';
import type { RunInfo } from '../lib/run-info.js';
import type { LogReport } from '../log/suite.js';
import type { MailboxReport } from '../mailbox/suite.js';
import type { MemoryReport } from '../memory/suite.js';
import type { SequencerReport } from '../sequencer/suite.js';
import { failoverSection } from './failover-section.js';
import { renderSection, type Section } from './html-parts.js';
import { logSection } from './log-section.js';
import { mailboxSection } from './mailbox-section.js';
import { memorySection } from './memory-section.js';
import { peerSection } from './peer-section.js';
import { runSection } from './run-section.js';
import { sequencerSection } from './sequencer-section.js';
import { escapeXml } from './chart-frame.js';
import { targetsSection } from './targets-section.js';
import { REPORT_CSS } from './style.js';

/**
 * `--report FILE.html`: one self-contained HTML file (inline CSS and SVG, no script, nothing
 * fetched) from the JSON figures of one suite or of `all`, plus what only the CLI knows about the
 * run (date, version, commit, command). A suite has a section only when it ran and produced
 * figures: a report of `bench log` is about the log alone. The section of a suite that failed is
 * its error message.
 */
type SuiteJson = Record<string, unknown>;

/** Each suite's section, in the page's order, given figures of the shape the suite writes. */
const SECTIONS: ReadonlyArray<{ suite: string; has: (json: SuiteJson) => boolean; render: (json: SuiteJson) => Section }> = [
  { suite: 'log', has: (j) => nonEmpty(j.configurations), render: (j) => logSection(j as unknown as LogReport) },
  { suite: 'compare', has: (j) => nonEmpty(j.rows), render: (j) => peerSection(j as unknown as CompareReport) },
  { suite: 'sequencer', has: (j) => nonEmpty(j.configurations), render: (j) => sequencerSection(j as unknown as SequencerReport) },
  { suite: 'failover', has: (j) => nonEmpty((j.timeline as SuiteJson | undefined)?.commits), render: (j) => failoverSection(j as unknown as FailoverReport) },
  { suite: 'mailbox', has: (j) => typeof j.oneWay === 'object' && typeof j.roundTrip === 'object', render: (j) => mailboxSection(j as unknown as MailboxReport) },
  { suite: 'memory', has: (j) => nonEmpty(j.configurations), render: (j) => memorySection(j as unknown as MemoryReport) },
];

function nonEmpty(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** The suites in a report's JSON: `all` nests them by name; any other suite is its own. */
export function suitesOf(json: Readonly<Record<string, unknown>>): Record<string, SuiteJson> {
  return json.suite === 'all' ? ((json.suites as Record<string, SuiteJson> | undefined) ?? {}) : { [String(json.suite)]: json as SuiteJson };
}

export function renderHtmlReport(json: Readonly<Record<string, unknown>>, run: RunInfo): string {
  const suites = suitesOf(json);
  const failures = Object.entries(suites).filter(([, s]) => typeof s.error === 'string');
  const sections: Section[] = [runSection(run, suites)];
  if (failures.length > 0) {
    sections.push({
      id: 'failures',
      title: 'Suites that failed',
      body: failures.map(([name, s]) => `<p class="error">suite ${escapeXml(name)} FAILED: ${escapeXml(String(s.error))}</p>`).join('\n'),
    });
  }
  for (const { suite, has, render } of SECTIONS) {
    const figures = suites[suite];
    if (figures !== undefined && has(figures)) sections.push(render(figures));
  }
  const targets = targetsSection(suites);
  if (targets !== undefined) sections.push(targets);
  const contents = sections.map((s) => `<a href="#${escapeXml(s.id)}">${escapeXml(s.title)}</a>`).join(' · ');
  const suiteNames = Object.keys(suites).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(`synod bench report: ${suiteNames}, ${run.finishedAt.slice(0, 10)}`)}</title>
<style>${REPORT_CSS}</style></head><body>
<h1>synod bench report <span class="subtitle">${escapeXml(suiteNames)}</span></h1>
<nav>${contents}</nav>
${sections.map(renderSection).join('\n')}
</body></html>
`;
}
