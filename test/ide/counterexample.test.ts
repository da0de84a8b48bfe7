// The swimlane layout of a finding: lanes per CPU, lock marks from replaying the trace with
// the model, the failing step or the blocked acquisitions, and a replayable trace file. The
// findings come from single runs of seed 004 (the checker's own findings have the same shape).

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadScenario } from '../../core';
import { counterexample, type FindingTrace } from '../../core/ide/counterexample';
import { runOnce } from '../../core/explore/run';
import { scheduleFromTrace } from '../../core/explore/trace';
import type { CompiledScenario } from '../../core/model/compiled';
import type { Move } from '../../core/model/types';
import { ROOT } from './helpers';

const SEED_004 = 'examples/seeds/004-mm-iommu-deadlock.buggy.lockstep';

function seed004(): CompiledScenario {
  const compiled = loadScenario(SEED_004, readFileSync(join(ROOT, SEED_004), 'utf8')).compiled;
  assert.ok(compiled, 'seed 004 compiles');
  return compiled;
}

/** A run that takes the `first` actors' steps in that order, then prefers `order` whenever they can move. */
function runPreferring(s: CompiledScenario, order: readonly string[], first: readonly string[] = []): FindingTrace {
  const rank = (m: Move): number => order.indexOf(s.actors[m.actor]!.name);
  const pick = (moves: readonly Move[], i: number): Move | undefined =>
    moves.find((m) => s.actors[m.actor]!.name === first[i]) ?? [...moves].sort((a, b) => rank(a) - rank(b))[0];
  const r = runOnce(s, { name: 'preferring', pick });
  assert.ok(r.violation, `the run preferring ${order.join(', ')} ends in a violation`);
  // The run goes on past lockdep's report: the counterexample is the run up to it.
  const trace = r.steps.slice(0, r.at[0]);
  const blocked = r.violation.kind === 'deadlock' && r.blocked ? { blocked: r.blocked } : {};
  return { kind: r.violation.kind, message: r.violation.message, violation: r.violation, trace, ...blocked };
}

test('seed 004 lock order: two lanes, each lock acquisition marked, the closing acquisition failing', () => {
  const s = seed004();
  const c = counterexample(s, runPreferring(s, ['ioctl', 'mmap']));
  assert.equal(c.kind, 'lock_order');
  assert.deepEqual(c.lanes.map((l) => l.title), ['CPU0 (ioctl)', 'CPU1 (mmap)']);
  assert.equal(c.lanes[1]!.description, 'mmap() of the GPU RAM region: vfio_pci_nvgpu_mmap');
  const acquisitions = c.steps.filter((st) => st.acquires.length > 0).map((st) => [c.lanes[st.lane]!.title, st.acquires.join(',')]);
  assert.deepEqual(acquisitions, [
    ['CPU0 (ioctl)', 'mem_list_mutex'],
    ['CPU0 (ioctl)', 'mm->mmap_sem'],
    ['CPU0 (ioctl)', 'mm->mmap_sem'],
    ['CPU1 (mmap)', 'mm->mmap_sem'],
    ['CPU1 (mmap)', 'mem_list_mutex'],
  ]);
  const last = c.steps[c.steps.length - 1]!;
  assert.equal(last.failing, true);
  assert.equal(last.text, 'mutex_lock(&mem_list_mutex)');
  assert.equal(c.steps.filter((st) => st.failing).length, 1, 'only the last step fails');
  assert.deepEqual(c.steps.map((st) => st.step), c.steps.map((_, i) => i + 1));
  assert.ok(c.steps.some((st) => st.releases.includes('mem_list_mutex')), 'the ioctl releases mem_list_mutex');
  assert.equal(c.footer, 'possible circular locking dependency detected');
  assert.match(c.report, /possible circular locking dependency detected/);
  assert.deepEqual(c.after, []);
});

test('seed 004 deadlock: the trace, then each blocked acquisition in its lane', () => {
  const s = seed004();
  const c = counterexample(s, runPreferring(s, ['ioctl', 'mmap'], ['mmap']));
  assert.equal(c.kind, 'deadlock');
  assert.equal(c.steps.some((st) => st.failing), false, 'a deadlock is a state, not a step');
  assert.deepEqual(c.after.map((n) => [c.lanes[n.lane]!.title, n.note]).sort(), [['CPU0 (ioctl)', 'blocks'], ['CPU1 (mmap)', 'blocks']]);
  assert.equal(c.footer, '*** DEADLOCK ***');
});

test('the trace file replays: the same moves, in the format lockstep check --trace-out writes', () => {
  const s = seed004();
  const f = runPreferring(s, ['ioctl', 'mmap']);
  const c = counterexample(s, f);
  assert.equal(c.traceFile.lockstepTrace, 1);
  assert.equal(c.traceFile.violation?.kind, 'lock_order');
  assert.deepEqual(scheduleFromTrace(s, JSON.parse(JSON.stringify(c.traceFile))), f.trace.map((t) => ({ actor: t.actor, choice: t.choice })));
});
