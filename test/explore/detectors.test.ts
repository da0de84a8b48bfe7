// Each violation class fires on a minimal scenario and stays silent on its fixed twin, with
// and without partial-order reduction; the reports read as the kernel's do.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check } from '../../core/explore';
import { DETECTOR_CASES, scenarioText } from './detector-cases';
import { compileText, kindsOf } from './helpers';

describe('detectors', () => {
  for (const c of DETECTOR_CASES) {
    const expected = c.kind === 'deadlock' ? ['deadlock', 'lock_order'] : [c.kind];
    for (const reduction of [true, false]) {
      const mode = reduction ? 'reduced' : 'every interleaving';
      test(`${c.kind} fires on "${c.title}" (${mode})`, () => {
        const r = check(compileText(scenarioText(c, 'buggy')), { reduction });
        assert.equal(r.verdict, 'violation');
        assert.deepEqual(kindsOf(r), expected);
        for (const f of r.violations) assert.ok(f.trace.length > 0 || (f.pending?.length ?? 0) > 0, `${f.kind} has a trace`);
      });
      test(`${c.kind} is silent on the fixed twin (${mode})`, () => {
        const r = check(compileText(scenarioText(c, 'fixed')), { reduction });
        assert.equal(r.verdict, 'verified', r.violations.map((v) => v.message).join('\n'));
        assert.equal(r.bound, undefined);
      });
    }
  }
});

describe('reports', () => {
  const find = (kind: string) => DETECTOR_CASES.find((c) => c.kind === kind)!;

  test('a lock-order cycle is reported although no explored run deadlocks', () => {
    const r = check(compileText(scenarioText(find('lock_order'), 'buggy')));
    assert.deepEqual(kindsOf(r), ['lock_order']);
    const report = r.violations[0]!.violation.report;
    assert.match(report, /WARNING: possible circular locking dependency detected/);
    assert.match(report, /the existing dependency chain \(in reverse order\) is:/);
    assert.match(report, /Possible unsafe locking scenario/);
    assert.match(report, /CPU0 {20}CPU1/);
  });

  test('a use-after-free says where the object was allocated, freed and used', () => {
    const r = check(compileText(scenarioText(find('use_after_free'), 'buggy')));
    const f = r.violations[0]!;
    assert.match(f.violation.report, /BUG: KASAN: slab-use-after-free/);
    assert.match(f.violation.report, /Allocated by task/);
    assert.match(f.violation.report, /Freed by task/);
    assert.ok(f.violation.related.some((x) => /allocated/.test(x.message)));
    assert.ok(f.violation.related.some((x) => /freed/.test(x.message)));
  });

  test('a deadlock names who holds what and who waits for it', () => {
    const r = check(compileText(scenarioText(find('deadlock'), 'buggy')));
    const f = r.violations.find((v) => v.kind === 'deadlock')!;
    assert.match(f.violation.report, /DEADLOCK/);
    assert.equal(f.blocked?.length, 2);
  });

  test('--first stops at the first violation', () => {
    const r = check(compileText(scenarioText(find('deadlock'), 'buggy')), { first: true });
    assert.equal(r.violations.length, 1);
    assert.equal(r.verdict, 'violation');
  });
});
