// The seed scenarios under `lockstep run`'s random schedules: every file loads with no
// diagnostics, some seed drives each buggy file into its failure (except the files in
// NARROW_WINDOW), and no seed drives a file into any violation its `expect` clause does
// not name. full-search.test.ts checks every file's expect clause exhaustively.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../../core';
import { runOnce } from '../../core/explore/run';
import { pctScheduler, randomScheduler, type Scheduler } from '../../core/explore/schedulers';
import type { ViolationKind } from '../../core/model/types';

const dir = join(__dirname, '..', '..', '..', 'examples', 'seeds');
const SEEDS = 300;

const EXPECTED_FILES = [
  '000-spapr-tce.buggy', '000-spapr-tce.fixed',
  '001-xive-release.buggy', '001-xive-release.fixed', '001-xive-release.final',
  '002-vpa-registration.buggy', '002-vpa-registration.fixed',
  '003-gfn-pfn-cache.buggy', '003-gfn-pfn-cache.fixed',
  '004-mm-iommu-deadlock.buggy', '004-mm-iommu-deadlock.fixed',
];

// Buggy files whose failure needs a window that uniform random schedules essentially never
// hit: PCT schedules (a few random priority changes) drive them there instead.
//  - 003: the commit's column diagram. The vCPU must see the invalidated cache and run its
//    whole refresh (about a dozen steps) between two steps of the mmu_notifier (dropping
//    gpc->lock and taking kvm->mmu_lock): no uniform-random seed in 1..20000 gets there.
const NARROW_WINDOW = new Set(['003-gfn-pfn-cache.buggy']);

test('all eleven seed files are there', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.lockstep')).map((f) => f.replace(/\.lockstep$/, '')).sort();
  assert.deepEqual(files, [...EXPECTED_FILES].sort());
});

function kindsOverSeeds(file: string, scheduler: (seed: number) => Scheduler = randomScheduler): Map<ViolationKind, number> {
  const text = readFileSync(join(dir, `${file}.lockstep`), 'utf8');
  const l = loadScenario(`${file}.lockstep`, text);
  assert.deepEqual(l.diagnostics.map((d) => d.message), [], `${file} has diagnostics`);
  const s = l.compiled!;
  const kinds = new Map<ViolationKind, number>();
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = runOnce(s, scheduler(seed), { maxSteps: 10_000 });
    assert.notEqual(r.end, 'max-steps', `${file} seed ${seed} did not finish`);
    if (r.violation) kinds.set(r.violation.kind, (kinds.get(r.violation.kind) ?? 0) + 1);
  }
  return kinds;
}

for (const file of EXPECTED_FILES) {
  test(`${file}: random runs agree with its expect clause`, () => {
    const text = readFileSync(join(dir, `${file}.lockstep`), 'utf8');
    const expect = loadScenario(file, text).compiled?.expect;
    assert.ok(expect, `${file} has no expect clause`);
    const kinds = kindsOverSeeds(file);
    const unexpected = [...kinds.keys()].filter((k) => !expect.kinds.includes(k));
    assert.deepEqual(unexpected, [], `${file}: violations not named by its expect clause (${[...kinds].map(([k, n]) => `${k} x${n}`).join(', ')})`);
    if (file.endsWith('.buggy')) {
      const found = NARROW_WINDOW.has(file) ? kindsOverSeeds(file, (seed) => pctScheduler(seed)) : kinds;
      assert.deepEqual([...found.keys()].filter((k) => !expect.kinds.includes(k)), []);
      assert.ok(found.size > 0, `${file}: no seed in 1..${SEEDS} shows the bug`);
      assert.ok(expect.kinds.some((k) => found.has(k)));
    }
    if (expect.none) assert.equal(kinds.size, 0);
  });
}
