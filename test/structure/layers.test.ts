// The layers of src/, and the rule that every import runs down them: a layer may import itself and
// the layers named beside it, never one above. Drawn from the imports themselves, so a file that
// reaches up (a role node importing the log's API, the simulator reaching into an actor host) fails
// here with the file and the import named.
//
//   log (the public API)           ReplicatedLog, Sequencer, options, status, connections
//   log/actors (the runtime hosts) one worker-actor host of a role node, and each role's setup
//   sim                            the deterministic simulator: a host of the same role nodes
//   roles                          one node per role: "persist, then send" around the core
//   protocol                       what the hosts share: the log's wire, the client's cores,
//                                  acknowledgement ranges, read barrier, reads, limits, errors
//   actors                         the actor runtime: threads, mailboxes, supervision
//   storage                        record stores and the roles' record formats
//   paxos                          the pure protocol core
//   mailbox                        rings, doorbells, codec
//   error-codes.ts                 the codes every error carries
//   util                           small data structures every layer may use (ReusedList)
import { readdirSync, readFileSync } from 'node:fs';
import { join, normalize, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Each layer and what it may import besides itself. index.ts (the package's front door) may import anything. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  util: [],
  'error-codes': [],
  mailbox: ['util', 'error-codes'],
  paxos: ['util', 'error-codes'],
  storage: ['util', 'error-codes', 'mailbox', 'paxos'],
  actors: ['util', 'error-codes', 'mailbox'],
  protocol: ['util', 'error-codes', 'mailbox', 'paxos', 'storage'],
  roles: ['util', 'paxos', 'storage', 'protocol'],
  sim: ['util', 'error-codes', 'paxos', 'storage', 'protocol', 'roles'],
  'log/actors': ['util', 'error-codes', 'mailbox', 'paxos', 'storage', 'actors', 'protocol', 'roles'],
  log: ['util', 'error-codes', 'mailbox', 'paxos', 'storage', 'actors', 'protocol', 'roles', 'log/actors'],
};

/** The layer of a file under src/ ('src/log/actors/x.ts' -> 'log/actors'), or undefined for src/index.ts. */
export function layerOf(file: string): string | undefined {
  const path = relative('src', file);
  if (path === 'index.ts') return undefined;
  if (path === 'error-codes.ts') return 'error-codes';
  if (path.startsWith('log/actors/')) return 'log/actors';
  return path.split('/')[0];
}

export interface Import {
  readonly from: string;
  readonly to: string;
}

/** Imports that run against MAY_IMPORT, as 'from -> to' lines. */
export function violations(imports: readonly Import[]): string[] {
  const found: string[] = [];
  for (const { from, to } of imports) {
    const fromLayer = layerOf(from);
    const toLayer = layerOf(to);
    if (fromLayer === undefined || fromLayer === toLayer) continue;
    const allowed = MAY_IMPORT[fromLayer];
    if (allowed === undefined) found.push(`${from}: in no layer`);
    else if (toLayer === undefined || !allowed.includes(toLayer)) found.push(`${from} -> ${to} (${fromLayer} may not import ${toLayer ?? 'the package index'})`);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every relative import (static, re-export, dynamic) of every file under src/, resolved to a src path. */
function importsOfSrc(): Import[] {
  const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  const imports: Import[] = [];
  for (const file of sourceFiles('src')) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const match of text.matchAll(specifier)) {
      imports.push({ from: file, to: normalize(join(dirname(file), match[1]!)).replace(/\.js$/, '.ts') });
    }
  }
  return imports;
}

describe('the layers of src/', () => {
  it('every import runs down: no layer imports one above it', () => {
    const imports = importsOfSrc();
    // The parser sees the imports it must: a known edge of each kind.
    expect(imports).toContainEqual({ from: 'src/roles/learner-node.ts', to: 'src/protocol/wire.ts' });
    expect(imports.length).toBeGreaterThan(300);
    expect(violations(imports)).toEqual([]);
  });

  it('names an import that runs up, and a file in no layer', () => {
    expect(
      violations([
        { from: 'src/roles/learner-node.ts', to: 'src/log/replicated-log.ts' },
        { from: 'src/sim/cluster.ts', to: 'src/log/actors/learner-actor.ts' },
        { from: 'src/log/actors/learner-actor.ts', to: 'src/log/client.ts' },
        { from: 'src/protocol/wire.ts', to: 'src/actors/index.ts' },
        { from: 'src/paxos/ballot.ts', to: 'src/index.ts' },
        { from: 'src/newfolder/x.ts', to: 'src/paxos/index.ts' },
        { from: 'src/log/client.ts', to: 'src/protocol/wire.ts' }, // down: fine
      ]),
    ).toEqual([
      'src/roles/learner-node.ts -> src/log/replicated-log.ts (roles may not import log)',
      'src/sim/cluster.ts -> src/log/actors/learner-actor.ts (sim may not import log/actors)',
      'src/log/actors/learner-actor.ts -> src/log/client.ts (log/actors may not import log)',
      'src/protocol/wire.ts -> src/actors/index.ts (protocol may not import actors)',
      'src/paxos/ballot.ts -> src/index.ts (paxos may not import the package index)',
      'src/newfolder/x.ts: in no layer',
    ]);
  });
});
