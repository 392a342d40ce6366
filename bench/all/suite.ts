import type { Estimate } from '../lib/estimate.js';
import { renderTable } from '../lib/format.js';
import { machineInfo } from '../lib/machine.js';
import { prefixedSink } from '../lib/progress.js';
import { VERDICTS } from '../lib/targets-check.js';
import type { Suite } from '../lib/suite.js';
import { ALL_SUITES, suites } from '../suites.js';

export interface TargetSummary {
  readonly suite: string;
  readonly target: string;
  readonly description: string;
  readonly status: 'PASS' | 'MISS' | 'UNMEASURED' | 'FAILED';
}

/**
 * Every suite, one after the other, with the same options. A suite that throws does not stop the
 * others: its error is reported in its place, and the CLI then exits with code 1.
 */
export const allSuite: Suite = {
  name: 'all',
  description: 'every suite: ' + ALL_SUITES.join(', '),
  async estimate(options) {
    const parts: { suite: string; estimate: Estimate }[] = [];
    for (const name of ALL_SUITES) parts.push({ suite: name, estimate: await (await suites.get(name)!.load()).estimate(options) });
    const sum = (key: 'measurements' | 'steps' | 'seconds'): number => parts.reduce((total, part) => total + part.estimate[key], 0);
    return { measurements: sum('measurements'), steps: sum('steps'), seconds: sum('seconds'), basis: `${ALL_SUITES.length} suites`, parts };
  },
  async run(options, progress) {
    const json: Record<string, unknown> = {};
    const texts: string[] = [];
    const summary: TargetSummary[] = [];
    const failures: string[] = [];
    for (const name of ALL_SUITES) {
      try {
        const suite = await suites.get(name)!.load();
        const report = await suite.run(options, prefixedSink(progress, name));
        json[name] = report.json;
        texts.push(report.text);
        summary.push(...summarizeTargets(name, report.json.targets));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push(name);
        json[name] = { suite: name, error: message };
        texts.push(`synod bench ${name}\n\nFAILED: ${message}`);
        summary.push({ suite: name, target: '-', description: 'the suite itself', status: 'FAILED' });
      }
    }
    const text = [
      ...texts.flatMap((t) => [t, '', '-'.repeat(98), '']),
      "all goals: this run's figures against the project's targets (a goal not met is not an error)",
      renderTable([['suite', 'verdict', 'goal'], ...summary.map((s) => [s.suite, VERDICTS[s.status], s.description])]),
    ].join('\n');
    return { json: { suite: 'all', machine: machineInfo(), suites: json, summary, failed: failures.length > 0, failures }, text };
  },
};

/** Targets in either shape: GoalCheck (status) or the mailbox suite's TargetCheck (pass). */
export function summarizeTargets(suite: string, targets: unknown): TargetSummary[] {
  if (targets === null || typeof targets !== 'object') return [];
  return Object.entries(targets as Record<string, { description?: string; status?: string; pass?: boolean }>).map(([target, check]) => ({
    suite,
    target,
    description: check.description ?? target,
    status: check.status === 'PASS' || check.status === 'MISS' || check.status === 'UNMEASURED' ? check.status : check.pass === true ? 'PASS' : 'MISS',
  }));
}
