// Sharded search joined by the merge: n shards of every example, merged, give the verdict
// and the violations of one search; a lock-order cycle whose two sides fall in different
// shards, and a spinlock taken in an irq handler in one shard and with interrupts on in
// another, are found by the merge alone, with the run that shows them; the scenario version
// changes with the scenario and only with it.
// LOCKSTEP_SHARD_EXAMPLES=all: every example, however large (npm run test:shards).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, test } from 'node:test';
import { loadScenario } from '../../core';
import { check } from '../../core/explore';
import { findingFromRecord, findingKey, findingRecord, mergeShards, scenarioVersion, shardOutput, type ShardOutput } from '../../core/explore/shards';
import type { CompiledScenario } from '../../core/model/compiled';
import { EXAMPLES, exampleFiles } from '../helpers/examples';
import { compileText, kindsOf } from './helpers';
import { ACROSS_SHARDS, IRQ_ACROSS_SHARDS } from './shard-cases';


/** Shards 1..n of a scenario, each finding through its JSON record and back. */
function shards(s: CompiledScenario, n: number): ShardOutput[] {
  return Array.from({ length: n }, (_, index) => {
    const out = shardOutput(s, { index, count: n }, check(s, { shard: { index, count: n } }));
    return { ...out, findings: out.findings.map((f) => findingFromRecord(s, f.kind, f.message, JSON.parse(JSON.stringify(findingRecord(f))))) };
  });
}

/**
 * npm test merges the examples one search covers in a few thousand states; `npm run
 * test:shards` (CI, after npm test) merges every one of them.
 */
const ALL = process.env.LOCKSTEP_SHARD_EXAMPLES === 'all';
const SMALL = 5_000;

describe('n shards merged equal one search', () => {
  for (const file of exampleFiles()) {
    const name = relative(EXAMPLES, file);
    test(name, (t) => {
      const s = loadScenario(name, readFileSync(file, 'utf8')).compiled!;
      const whole = check(s, ALL ? {} : { maxStates: SMALL });
      if (whole.bound?.kind === 'states') return t.skip(`more than ${SMALL} states: npm run test:shards merges it`);
      for (const n of [2, 3]) {
        const merged = mergeShards(s, shards(s, n));
        assert.equal(merged.verdict, whole.verdict, `${n} shards`);
        assert.deepEqual(kindsOf(merged), kindsOf(whole), `${n} shards`);
        // Each violation once, as one search reports it (kind and place, lockdep's by classes).
        assert.deepEqual(merged.violations.map(findingKey).sort(), whole.violations.map(findingKey).sort(), `${n} shards`);
      }
    });
  }
});

describe('a lock-order cycle across shards', () => {
  const s = compileText(ACROSS_SHARDS);

  test('each shard alone sees one side only; one search and the merge see the cycle', () => {
    const parts = shards(s, 2);
    for (const p of parts) {
      assert.deepEqual(p.findings, [], `shard ${p.shard.index + 1} finds nothing`);
      assert.equal(p.dependencies.length, 1, `shard ${p.shard.index + 1} sees one dependency`);
    }
    assert.deepEqual(kindsOf(check(s)), ['lock_order']);
    const merged = mergeShards(s, parts);
    assert.equal(merged.verdict, 'violation');
    assert.deepEqual(kindsOf(merged), ['lock_order']);
    assert.equal(merged.acrossShards.length, 1);
    const f = merged.violations[0]!;
    assert.deepEqual(f.violation.lockClasses, [0, 1]);
    assert.match(f.violation.report, /WARNING: possible circular locking dependency detected/);
    // The run that closes the cycle, ending in the acquisition lockdep reports.
    assert.ok(f.trace.length > 0);
    assert.equal(f.trace[f.trace.length - 1]!.span.start, f.violation.span.start);
  });

  test('a cycle a shard reported is not reported again by the merge', () => {
    const abba = compileText(`scenario "abba"
mutex a; mutex b;
thread t0 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
thread t1 { mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }
`);
    const merged = mergeShards(abba, shards(abba, 2));
    assert.equal(merged.violations.filter((v) => v.kind === 'lock_order').length, 1);
    assert.deepEqual(merged.acrossShards, []);
  });
});

describe('an irq-unsafe lock across shards', () => {
  test('taken in an irq handler in one shard, with interrupts on in the other: the merge reports it', () => {
    const s = compileText(IRQ_ACROSS_SHARDS);
    const parts = shards(s, 2);
    assert.deepEqual(parts.map((p) => p.findings.length), [0, 0]);
    assert.deepEqual(parts.map((p) => p.usages.map((u) => u.context)), [['irq'], ['irqs-on']]);
    assert.deepEqual(kindsOf(check(s)), ['irq_lock_inversion']);
    const merged = mergeShards(s, parts);
    assert.deepEqual(kindsOf(merged), ['irq_lock_inversion']);
    assert.equal(merged.acrossShards.length, 1);
    const f = merged.violations[0]!;
    assert.match(f.violation.report, /WARNING: inconsistent lock state/);
    assert.ok(f.trace.length > 0);
    assert.equal(f.trace[f.trace.length - 1]!.span.start, f.violation.span.start);
  });
});

describe('scenario version', () => {
  test('the same text gives the same version, wherever the file is', () => {
    assert.equal(scenarioVersion(compileText(ACROSS_SHARDS, 'a.lockstep')), scenarioVersion(compileText(ACROSS_SHARDS, 'dir/b.lockstep')));
  });

  test('any change gives another version', () => {
    const v = scenarioVersion(compileText(ACROSS_SHARDS));
    assert.notEqual(scenarioVersion(compileText(ACROSS_SHARDS.replace('x = 2', 'x = 3'))), v);
    assert.notEqual(scenarioVersion(compileText(ACROSS_SHARDS.replace('int x;', 'int x; int z;'))), v);
  });
});
