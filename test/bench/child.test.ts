// The bench's child process as bench/lockstep.ts runs it: one check, and the engine table's
// "side by side" row (two independent one-worker checks in threads of one process), and the
// scaling table's warm check.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { philosophersScenario } from '../../bench/generate';
import { childEnv, runLockstep } from '../../bench/lockstep';
import type { LockstepSummary } from '../../bench/measure';
import { scalingFindings, type ScalingRow } from '../../bench/scaling';

test('two one-worker checks side by side each make what one check makes', () => {
  const text = philosophersScenario(6, true);
  const one = runLockstep('philosophers6.lockstep', text, { workers: 1 });
  const two = runLockstep('philosophers6.lockstep', text, { workers: 1, alongside: 2 });
  assert.equal(one.status, 'ok', JSON.stringify(one));
  assert.equal(two.status, 'ok', JSON.stringify(two));
  if (one.status !== 'ok' || two.status !== 'ok') return;
  assert.equal(two.run.result.verdict, 'verified');
  const { states, transitions, maxDepth } = one.run.result.stats;
  assert.ok(states > 100, `${states} states`);
  assert.deepEqual(
    { states: two.run.result.stats.states, transitions: two.run.result.stats.transitions, maxDepth: two.run.result.stats.maxDepth },
    { states, transitions, maxDepth },
  );
  assert.ok(two.run.checkSeconds > 0);
});

test('the child runs without NODE_EXTRA_CA_CERTS and with the rest of the environment', () => {
  const saved = process.env.NODE_EXTRA_CA_CERTS;
  process.env.NODE_EXTRA_CA_CERTS = '/etc/ssl/certs/ca-certificates.crt';
  try {
    const env = childEnv();
    assert.equal('NODE_EXTRA_CA_CERTS' in env, false);
    assert.equal(env.PATH, process.env.PATH);
  } finally {
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
  }
});

test('a warm check is timed again on fresh compiles after the first and counts what it counted', () => {
  const text = philosophersScenario(6, true);
  const r = runLockstep('philosophers6.lockstep', text, { workers: 1, warm: true });
  assert.equal(r.status, 'ok', JSON.stringify(r));
  if (r.status !== 'ok') return;
  const warm = r.run.warm;
  assert.ok(warm, 'no warm figures');
  // 840 states take milliseconds: the warm-up and the timed phase each run many checks.
  assert.ok(warm.warmUps > 1 && warm.runs > 1, JSON.stringify(warm));
  assert.ok(warm.seconds > 0 && warm.seconds < r.run.checkSeconds, `warm ${warm.seconds} s, cold ${r.run.checkSeconds} s`);
  assert.equal(r.run.result.stats.states, 840);
});

test('the scaling findings judge warm time per state, largest over smallest, against 2×', () => {
  const row = (family: 'philosophers' | 'counter', n: number, states: number, check: number, warm: number): ScalingRow => ({
    case: { family, n } as ScalingRow['case'],
    spin: { ok: false, why: 'not run' },
    lockstep: { ok: true, value: { run: { result: { stats: { states } }, maxRssMB: 50 }, reps: 1, load: 0, check, wall: check, warm } as unknown as LockstepSummary },
  });
  const lines = scalingFindings([
    row('philosophers', 6, 1_000, 0.05, 0.002),
    row('philosophers', 8, 10_000, 0.1, 0.03),
    row('counter', 3, 1_000, 0.05, 0.002),
    row('counter', 4, 10_000, 0.1, 0.015),
  ]);
  const warm = lines.filter((l) => l.includes('warm'));
  assert.equal(warm.length, 2, lines.join('\n'));
  assert.match(warm[0]!, /^philosophers: .*N=6 2\.00, N=8 3\.00 \(largest \/ smallest: 1\.50×; flat within 2× with the code warm: met\)/);
  assert.match(warm[1]!, /^counter: .*N=3 2\.00, N=4 1\.50 \(largest \/ smallest: 1\.33×; .*: met\)/);
  const over = scalingFindings([row('counter', 3, 1_000, 0.05, 0.005), row('counter', 4, 10_000, 0.1, 0.015)]).find((l) => l.includes('warm'))!;
  assert.match(over, /3\.33×; flat within 2× with the code warm: \*\*not met\*\*/);
});
