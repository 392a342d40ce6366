#!/usr/bin/env node
// synod bench CLI: parses the command line, checks it against the chosen suite, prints an
// estimate, runs the suite with progress on stderr, prints its report on stdout.
// Exit codes: 0 done, 1 the benchmark itself failed (or the report could not be written),
// 2 bad command line. Every command-line mistake is found before the first measurement.
import { writeFileSync } from 'node:fs';
import { UsageError, parseCommand, type BenchCommand } from './lib/args.js';
import { checkApplicable, describeReach } from './lib/applicable.js';
import { renderEstimate } from './lib/estimate.js';
import { createProgress } from './lib/progress.js';
import { checkReportPath } from './lib/report-path.js';
import { closestMatch } from './lib/suggest.js';
import { usage } from './lib/usage.js';
import { ALL_SUITES, suites, type SuiteEntry } from './suites.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

async function main(argv: readonly string[]): Promise<number> {
  let command: BenchCommand;
  let entry: SuiteEntry;
  try {
    command = parseCommand(argv);
    if (command.help) {
      process.stdout.write(`${usage(suites)}\n`);
      return 0;
    }
    entry = checkCommand(command);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`synod bench: ${error.message}\nusage: synod bench <suite> [options]; 'synod bench --help' lists the suites and options\n`);
    return EXIT_USAGE;
  }
  const name = command.suite!;
  const suite = await entry.load();
  const estimate = await suite.estimate(command.options);
  const reach = name === 'all' ? describeReach(command.given, ALL_SUITES.map((s) => [s, suites.get(s)!] as const)) : [];
  process.stderr.write([...renderEstimate(name, estimate), ...(reach.length > 0 ? ['options:', ...reach] : [])].join('\n') + '\n');
  // A bar only for people watching a terminal; with --json or a pipe, plain lines on stderr.
  const progress = await createProgress({
    bar: !command.options.json && process.stdout.isTTY === true && process.stderr.isTTY === true,
    write: (line) => process.stderr.write(`[${name}] ${line}\n`),
    name,
    plannedSteps: estimate.steps,
    estimatedSeconds: estimate.seconds,
  });
  let report;
  try {
    report = await suite.run(command.options, progress.sink);
  } finally {
    progress.stop();
  }
  process.stdout.write(command.options.json ? `${JSON.stringify(report.json)}\n` : `${report.text}\n`);
  const reportWritten = command.options.report === undefined || (await writeReport(command.options.report, report.json));
  // `all` reports a failed suite in place of its figures and carries on; the run as a whole failed.
  return report.json.failed === true || !reportWritten ? EXIT_FAILED : 0;
}

/** The suite the command names, once every option is known to apply to it: nothing runs before this passes. */
function checkCommand(command: BenchCommand): SuiteEntry {
  const entry = suites.get(command.suite!);
  if (entry === undefined) {
    const guess = closestMatch(command.suite!, [...suites.keys()]);
    throw new UsageError(`unknown suite '${command.suite}'${guess === undefined ? '' : ` (did you mean '${guess}'?)`}; suites: ${[...suites.keys()].join(', ')}`);
  }
  checkApplicable(command.suite!, entry, command.given, command.options);
  if (command.options.report !== undefined) checkReportPath(command.options.report);
  return entry;
}

/** The HTML report, after the figures are on stdout: a failure to write it costs one line, not the run. */
async function writeReport(path: string, json: Readonly<Record<string, unknown>>): Promise<boolean> {
  const [{ renderHtmlReport }, { collectRunInfo }] = await Promise.all([import('./report/html.js'), import('./lib/run-info.js')]);
  try {
    writeFileSync(path, renderHtmlReport(json, collectRunInfo()));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`synod bench: could not write the report to ${path} (${reason}); the figures are on stdout above\n`);
    return false;
  }
  process.stderr.write(`synod bench: report written to ${path}\n`);
  return true;
}

/** How long a failed run may take to wind down before it is ended. */
const FAILED_EXIT_GRACE_MS = 10_000;

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`synod bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT_FAILED;
    // A suite that failed half-way may leave threads behind (a load pool, a log) that keep the
    // process alive: a failed run must end, not hang. A run that cleaned up exits before this.
    setTimeout(() => {
      process.stderr.write(`synod bench: still running ${FAILED_EXIT_GRACE_MS} ms after the failure (threads left behind); exiting\n`);
      process.exit(EXIT_FAILED);
    }, FAILED_EXIT_GRACE_MS).unref();
  },
);
