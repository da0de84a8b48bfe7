// `lockstep check --diagram commit`: every seed's counterexamples drawn as a kernel commit
// message would, compared with golden files (regenerate: UPDATE_GOLDEN=1), each line at
// most 75 columns of plain ASCII with no tabs; and the option through the CLI.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadScenario } from '../../core';
import { check } from '../../core/explore';
import { COMMIT_WIDTH, commitDiagram } from '../../core/explore/commitDiagram';
import { lockstep, repoRoot } from '../helpers/cli';

const SEEDS = join(repoRoot, 'examples', 'seeds');
const GOLDEN = join(repoRoot, 'test', 'fixtures', 'diagrams');
const update = process.env.UPDATE_GOLDEN === '1';

function diagrams(file: string): { kind: string; text: string }[] {
  const loaded = loadScenario(file, readFileSync(join(SEEDS, file), 'utf8'));
  assert.ok(loaded.compiled, file);
  const r = check(loaded.compiled, {});
  assert.equal(r.verdict, 'violation', file);
  return r.violations.map((f) => ({ kind: f.kind, text: commitDiagram(loaded.compiled!, f) }));
}

describe('commit-message diagrams of the seeds', () => {
  const seeds = readdirSync(SEEDS).filter((f) => f.endsWith('.buggy.lockstep')).sort();
  it('covers every seed', () => assert.ok(seeds.length >= 5));
  for (const file of seeds) {
    it(`${file}: golden, <= ${COMMIT_WIDTH} columns, ASCII, spaces only`, () => {
      const all = diagrams(file);
      const text = all.map((d) => `--- ${d.kind}\n${d.text}\n`).join('\n');
      const golden = join(GOLDEN, file.replace(/\.lockstep$/, '.txt'));
      if (update || !existsSync(golden)) writeFileSync(golden, text);
      assert.equal(text, readFileSync(golden, 'utf8'));
      for (const line of text.split('\n')) {
        assert.ok(line.length <= COMMIT_WIDTH, `${line.length} columns: ${line}`);
        assert.ok(/^[\x20-\x7e]*$/.test(line), `not plain ASCII: ${line}`);
      }
      // Each drawing has the CPU0 / CPU1 headers underlined, as commit messages do.
      for (const d of all) {
        const lines = d.text.split('\n');
        const head = lines.findIndex((l) => /^\s+CPU0\b/.test(l));
        assert.ok(head >= 0, d.text);
        assert.match(lines[head + 1]!, /^\s+----/);
        if (d.kind === 'lock_order') assert.match(d.text, /Possible unsafe locking scenario/);
      }
    });
  }

  it('seed 003 hangs each function\'s steps under its name, as its commit message does', () => {
    const race = diagrams('003-gfn-pfn-cache.buggy.lockstep')[0]!.text;
    assert.match(race, /^  gfn_to_pfn_cache_invalidate_start\(\)\n  \|\n  \|-> write_lock_irq\(&gpc->lock\)/m);
    assert.match(race, /^ {38}kvm_gfn_to_pfn_cache_refresh\(\)\n {38}\|\n {38}\|-> /m);
  });

  it('--diagram commit through the CLI; a wrong value is a usage error', () => {
    const r = lockstep(['check', '-q', '--diagram', 'commit', join(SEEDS, '004-mm-iommu-deadlock.buggy.lockstep')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^ Possible unsafe locking scenario:$/m);
    assert.match(r.stdout, /^  CPU0 {32}CPU1$/m);
    assert.match(r.stdout, /^ {2}\*\*\* DEADLOCK \*\*\*$/m);
    const bad = lockstep(['check', '--diagram', 'wide', join(SEEDS, '004-mm-iommu-deadlock.buggy.lockstep')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--diagram must be columns or commit/);
  });
});
