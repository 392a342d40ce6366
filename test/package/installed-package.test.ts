// The front door, as someone who installs synod as a dependency meets it: the package `npm pack`
// makes is installed into a project of its own outside this repository (only synod's declared
// dependencies beside it, so an undeclared import fails here), and every example the README
// shows runs there as written, in JavaScript and in TypeScript, as do `require('synod')` and the
// `synod` command. The README's code blocks marked `<!-- example: FILE -->` must equal FILE.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

let project: string;
let packedFiles: string[];

function run(command: string, args: readonly string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: project, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
}

function runOk(command: string, args: readonly string[], env: Record<string, string> = {}): string {
  const result = run(command, args, env);
  expect(result.status, `${command} ${args.join(' ')}\n${result.error ?? ''}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'synod-consumer-'));
  // dist/ is built by `npm test`'s pretest; --ignore-scripts keeps pack from building it again.
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], { cwd: repo, encoding: 'utf8' }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packedFiles = pack!.files.map((file) => file.path);
  const installed = join(project, 'node_modules', 'synod');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(project, pack!.filename), '-C', installed, '--strip-components=1']);
  // What npm install would put beside it: the declared dependencies (their own from this repo's
  // node_modules, where they resolve through the real path), the bin link, and @types/node for tsc.
  for (const name of Object.keys(packageJson.dependencies)) symlinkSync(join(repo, 'node_modules', name), join(project, 'node_modules', name), 'dir');
  mkdirSync(join(project, 'node_modules', '@types'));
  symlinkSync(join(repo, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
  mkdirSync(join(project, 'node_modules', '.bin'));
  symlinkSync('../synod/dist/bin/synod.js', join(project, 'node_modules', '.bin', 'synod'));
  chmodSync(join(installed, 'dist', 'bin', 'synod.js'), 0o755); // as npm makes a bin it links executable
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const example of ['quick-start.mjs', 'quick-start.ts', 'threads.mjs', 'durable.mjs']) copyFileSync(join(repo, 'examples', example), join(project, example));
}, 120_000);

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

const QUICK_START_OUTPUT = [
  'appended alpha at index 0',
  'appended beta at index 1',
  'appended gamma at index 2',
  'read 0: alpha',
  'read 1: beta',
  'read 2: gamma',
  'the log holds indexes 0 to 2',
  'numbers: 0, then 1 to 100',
  '',
].join('\n');

describe('the README', () => {
  it('shows every marked example exactly as the file the tests run', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)```/g)];
    expect(blocks.map((block) => block[1])).toEqual(['examples/quick-start.mjs', 'examples/quick-start.ts']);
    for (const [, file, code] of blocks) expect(code, file).toBe(readFileSync(join(repo, file!), 'utf8'));
  });
});

describe('the package as installed', () => {
  it('holds the library, its types, the synod command, the README and the examples, and no tests', () => {
    for (const path of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/bin/synod.js', 'dist/bench/demo/demo.js', 'cjs/index.cjs', 'README.md', 'examples/quick-start.mjs', 'docs/guarantees.md']) {
      expect(packedFiles, path).toContain(path);
    }
    expect(packedFiles.filter((path) => path.startsWith('test/') || path.startsWith('dist/test/'))).toEqual([]);
  });

  it('runs the JavaScript quick start as written', () => {
    expect(runOk('node', ['quick-start.mjs'])).toBe(QUICK_START_OUTPUT);
  });

  it('compiles the TypeScript quick start against the published types, strictly, and runs it', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', target: 'es2022', lib: ['es2023', 'esnext.disposable'], types: ['node'], strict: true, outDir: 'out' },
        files: ['quick-start.ts'],
      }),
    );
    runOk('node', [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
    expect(runOk('node', ['out/quick-start.js'])).toBe(QUICK_START_OUTPUT);
  });

  it('runs the worker-thread example: every entry followed, each thread in its order', () => {
    expect(runOk('node', ['threads.mjs'])).toBe('followed 1000 entries from 4 threads, each thread\'s in its order\n');
  });

  it('runs the durable example twice: the second run reads what the first appended', () => {
    const dir = join(project, 'data');
    expect(runOk('node', ['durable.mjs', dir])).toMatch(/^appended at index 0\n0: opened at \S+\n$/);
    expect(runOk('node', ['durable.mjs', dir])).toMatch(/^appended at index 1\n0: opened at \S+\n1: opened at \S+\n$/);
  });

  it("gives the same module to require('synod') as to import, and a clear sentence where Node cannot", () => {
    // Node 20.15-20.18 has no require() of an ES module; on newer Node this flag turns it off.
    const requireModule = (process.features as { require_module?: boolean }).require_module === true;
    if (requireModule) {
      const names = 'Object.keys(m).sort().join(",")';
      const required = runOk('node', ['--input-type=commonjs', '-e', `const m = require('synod'); console.log(${names})`]);
      const imported = runOk('node', ['--input-type=module', '-e', `const m = await import('synod'); console.log(${names})`]);
      expect(required).toBe(imported);
      expect(required).toContain('ReplicatedLog');
    }
    const old = run('node', [...(requireModule ? ['--no-experimental-require-module'] : []), '--input-type=commonjs', '-e', "require('synod')"]);
    expect(old.status).not.toBe(0);
    expect(old.stderr).toContain("synod is an ES module: use `import { ReplicatedLog } from 'synod'`");
  });

  it('runs `npx synod demo`: the log intact after its leader was killed', () => {
    const output = runOk(join(project, 'node_modules', '.bin', 'synod'), ['demo'], { SYNOD_DEMO_MS: '1000' });
    expect(output).toMatch(/log check: \d+ entries read; \d+ acknowledged appends each found once at their index: INTACT/);
  });

  it('answers `synod` with its commands, and an unknown command with exit code 2', () => {
    expect(runOk(join(project, 'node_modules', '.bin', 'synod'), [])).toMatch(/^usage: synod <command>[\s\S]*demo[\s\S]*bench[\s\S]*sim/);
    const unknown = run(join(project, 'node_modules', '.bin', 'synod'), ['nope']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("synod: unknown command 'nope'");
    // Each command answers --help, as the list says.
    expect(runOk(join(project, 'node_modules', '.bin', 'synod'), ['sim', '--help'])).toMatch(/^usage: synod sim[\s\S]*--seeds N[\s\S]*--break BUG/);
    expect(runOk(join(project, 'node_modules', '.bin', 'synod'), ['bench', '--help'])).toMatch(/^usage: synod bench/);
    expect(run(join(project, 'node_modules', '.bin', 'synod'), ['sim', '--bogus']).status).toBe(2);
  });
});
