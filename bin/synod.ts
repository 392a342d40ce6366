#!/usr/bin/env node
// The `synod` command (npx synod ...): one entry for what the package can run. Each subcommand is
// its own program; this only picks one and hands it the rest of the command line.
//   synod demo            the replicated log's main job in one run (bench/demo/demo.ts)
//   synod bench <suite>   the benchmarks (bench/cli.ts)
//   synod sim [options]   the deterministic simulator (src/sim/cli.ts)

const COMMANDS: ReadonlyMap<string, { summary: string; load: () => Promise<unknown> }> = new Map([
  ['demo', { summary: 'start a log, append from 4 threads, kill the leader, check every append', load: () => import('../bench/demo/demo.js') }],
  ['bench', { summary: 'benchmarks: synod bench --help', load: () => import('../bench/cli.js') }],
  ['sim', { summary: 'the deterministic simulator: synod sim --help', load: () => import('../src/sim/cli.js') }],
]);

const EXIT_USAGE = 2;

function usage(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((name) => name.length));
  return ['usage: synod <command> [options]', '', ...[...COMMANDS].map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`)].join('\n');
}

const [command, ...rest] = process.argv.slice(2);
const entry = command === undefined ? undefined : COMMANDS.get(command);
if (command === undefined || command === '-h' || command === '--help') {
  process.stdout.write(`${usage()}\n`);
} else if (entry === undefined) {
  process.stderr.write(`synod: unknown command '${command}'\n\n${usage()}\n`);
  process.exitCode = EXIT_USAGE;
} else {
  // Each program reads its own arguments from process.argv, as when it is run directly.
  process.argv.splice(2, process.argv.length - 2, ...rest);
  await entry.load();
}
