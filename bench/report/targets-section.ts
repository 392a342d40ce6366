import { VERDICTS } from '../lib/targets-check.js';
import { escapeXml } from './chart-frame.js';
import type { Section } from './html-parts.js';
import { formatQuantity } from './units.js';

/**
 * Every target the run's suites check, in one table. Two shapes arrive: GoalCheck (status,
 * measured) and the mailbox suite's TargetCheck (pass, ratio).
 */
export function targetsSection(suites: Readonly<Record<string, Record<string, unknown>>>): Section | undefined {
  const rows: string[] = [];
  for (const [name, suite] of Object.entries(suites)) {
    for (const check of Object.values((suite.targets ?? {}) as Record<string, Record<string, any>>)) {
      const status = String(check.status ?? (check.pass ? 'PASS' : 'MISS')) as keyof typeof VERDICTS;
      // In the words of the text report: a goal not met is a figure to improve, not a failure.
      const verdict = VERDICTS[status] ?? status;
      const measured = check.measured ?? check.ratio;
      const cells = [
        `<td>${escapeXml(name)}</td>`,
        `<td class="text">${escapeXml(String(check.description))}</td>`,
        `<td>${measured === null || measured === undefined ? '-' : escapeXml(formatQuantity(measured))}</td>`,
        `<td>${escapeXml(`${check.comparison} ${formatQuantity(check.bound)}`)}</td>`,
        `<td class="${escapeXml(status)}">${escapeXml(verdict)}</td>`,
        `<td class="text">${escapeXml(String(check.note ?? ''))}</td>`,
      ];
      rows.push(`<tr>${cells.join('')}</tr>`);
    }
  }
  if (rows.length === 0) return undefined;
  return {
    id: 'targets',
    title: 'Goals',
    body:
      '<p class="note">The goals synod is built to, against this run&#39;s figures: a goal not met is not an error. Absolute figures depend on the machine (see About this run), ratios within one run much less.</p>' +
      `<table class="targets"><thead><tr><th>suite</th><th class="text">target</th><th>measured</th><th>bound</th><th>verdict</th><th class="text">note</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  };
}
