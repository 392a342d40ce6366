#!/usr/bin/env node
// synod bench CLI: parses the command line, looks the suite up, runs it, prints its report.
// Exit codes: 0 done, 1 the benchmark itself failed, 2 bad command line (unknown suite or option).
import { UsageError, parseCommand, usage } from './lib/args.js';
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
  const report = await suite.run(command.options, (line) => process.stderr.write(`[${suite.name}] ${line}\n`));
  process.stdout.write(command.options.json ? `${JSON.stringify(report.json)}\n` : `${report.text}\n`);
  return 0;
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
