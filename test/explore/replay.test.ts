// A saved trace replays to the same violation: the JSON schedule `check --trace-out`
// writes is read back by `scheduleFromTrace` and run with the replay scheduler, as
// `lockstep run --replay` and the debugger do.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check } from '../../core/explore';
import { runOnce } from '../../core/explore/run';
import { replayScheduler } from '../../core/explore/schedulers';
import { scheduleFromTrace, toTraceFile } from '../../core/explore/trace';
import { DETECTOR_CASES, scenarioText } from './detector-cases';
import { compileText } from './helpers';

describe('replay of a saved trace', () => {
  for (const kind of ['use_after_free', 'double_free', 'list_corruption', 'deadlock', 'lock_order', 'assertion', 'null_deref', 'unlock_not_held']) {
    test(`${kind}: the trace reproduces the same violation`, () => {
      const c = DETECTOR_CASES.find((x) => x.kind === kind)!;
      const s = compileText(scenarioText(c, 'buggy'));
      const r = check(s);
      const f = r.violations.find((v) => v.kind === kind)!;
      const saved = JSON.parse(JSON.stringify(toTraceFile(s, f.trace, f.violation))) as unknown;
      const run = runOnce(s, replayScheduler(scheduleFromTrace(s, saved)));
      assert.equal(run.violation?.kind, kind);
      assert.equal(run.violation?.span.start, f.violation.span.start);
      assert.equal(run.steps.length, f.trace.length);
    });
  }

  test('the trace file names actors and lines, and says which violation it reaches', () => {
    const s = compileText(scenarioText(DETECTOR_CASES.find((x) => x.kind === 'use_after_free')!, 'buggy'));
    const f = check(s).violations[0]!;
    const file = toTraceFile(s, f.trace, f.violation);
    assert.equal(file.lockstepTrace, 1);
    assert.equal(file.violation?.kind, 'use_after_free');
    assert.ok(file.steps.every((st) => typeof st.actor === 'string' && st.line > 0 && st.text.length > 0));
  });
});

describe('lock-order traces', () => {
  test('the trace is one run with both sides of the cycle, even when no run deadlocks', () => {
    const c = DETECTOR_CASES.find((x) => x.kind === 'lock_order')!;
    const s = compileText(scenarioText(c, 'buggy'));
    const f = check(s).violations[0]!;
    assert.equal(f.kind, 'lock_order');
    assert.deepEqual([...new Set(f.trace.map((t) => t.actorName))].sort(), ['t0', 't1']);
    const locks = f.trace.filter((t) => t.text.startsWith('mutex_lock')).map((t) => `${t.actorName}:${t.text}`);
    assert.deepEqual(locks, ['t0:mutex_lock(&a)', 't0:mutex_lock(&b)', 't1:mutex_lock(&b)', 't1:mutex_lock(&a)']);
  });
});
