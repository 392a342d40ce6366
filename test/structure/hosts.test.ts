// The hosts of the role nodes (src/roles) run every role the same way: they step, tick and end
// turns, and hear of elections and deliveries from the nodes' hooks. A host that asks which kind
// of role it holds (a switch on the kind, a test of it) has grown a per-role path again, the
// tangle issue 21 took apart: the simulator switched on the kind in start, tick, arrive and commit.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

const HOSTS = ['src/sim/cluster.ts', 'src/log/actors/role-actor.ts', 'src/log/actors/leader-warmup.ts'];

/** Lines of `text` that branch on a role's kind. */
export function kindBranches(text: string): string[] {
  const branch = /switch\s*\(\s*[\w.?]*\bkind\s*\)|\bkind\s*[!=]==?\s*'(?:proposer|acceptor|learner|client)'|'(?:proposer|acceptor|learner|client)'\s*[!=]==?\s*[\w.?]*\bkind\b/;
  return text.split('\n').filter((line) => branch.test(line));
}

describe('the hosts of the role nodes', () => {
  it.each(HOSTS)('%s never branches on what kind of role it runs', (file) => {
    const text = readFileSync(`${root}${file}`, 'utf8');
    expect(text.length).toBeGreaterThan(1000);
    expect(kindBranches(text)).toEqual([]);
  });

  it('finds the branches the simulator had', () => {
    // From the simulator before the role nodes (15a9c45).
    const before = [
      "    if (!node.up || node.kind === 'client') return;",
      '    switch (node.kind) {',
      "            if (this.nodes[endpoint]?.kind === 'client') this.send(node.id, endpoint, message);",
      "      if (event.kind === EVENT_ACTION) {",
    ].join('\n');
    expect(kindBranches(before)).toHaveLength(3);
  });
});
