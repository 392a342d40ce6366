#!/usr/bin/env node
// synod bench CLI: parses the command line, looks the suite up, runs it, prints its report.
// Exit codes: 0 done, 1 the benchmark itself failed, 2 bad command line (unknown suite or option).
import { writeFileSync } from 'node:fs';
import { UsageError, parseCommand, usage } from './lib/args.js';
import { createProgress } from './lib/progress.js';
import { suites } from './suites.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

async function main(argv: readonly string[]): Promise<number> {
  const suiteNames = [...suites.keys()];
  let command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`synod bench: ${error.message}\n\n${usage(suiteNames)}\n`);
    return EXIT_USAGE;
  }
  if (command.help) {
    process.stdout.write(`${usage(suiteNames)}\n`);
    return 0;
  }
  const loadSuite = suites.get(command.suite!);
  if (loadSuite === undefined) {
    process.stderr.write(`synod bench: unknown suite '${command.suite}' (known: ${suiteNames.join(', ')})\n\n${usage(suiteNames)}\n`);
    return EXIT_USAGE;
  }
  const suite = await loadSuite();
  // A bar only for people watching a terminal; with --json or a pipe, plain lines on stderr.
  const progress = await createProgress({
    bar: !command.options.json && process.stdout.isTTY === true && process.stderr.isTTY === true,
    write: (line) => process.stderr.write(`[${suite.name}] ${line}\n`),
  });
  let report;
  try {
    report = await suite.run(command.options, progress.sink);
  } finally {
    progress.stop();
  }
  process.stdout.write(command.options.json ? `${JSON.stringify(report.json)}\n` : `${report.text}\n`);
  if (command.options.report !== undefined) {
    const [{ renderHtmlReport }, { collectRunInfo }] = await Promise.all([import('./report/html.js'), import('./lib/run-info.js')]);
    writeFileSync(command.options.report, renderHtmlReport(report.json, collectRunInfo()));
    process.stderr.write(`synod bench: report written to ${command.options.report}\n`);
  }
  // `all` reports a failed suite in place of its figures and carries on; the run as a whole failed.
  return report.json.failed === true ? EXIT_FAILED : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`synod bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT_FAILED;
  },
);
