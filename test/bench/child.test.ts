// The bench's child process as bench/lockstep.ts runs it: one check, and the engine table's
// "side by side" row (two independent one-worker checks in threads of one process).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { philosophersScenario } from '../../bench/generate';
import { runLockstep } from '../../bench/lockstep';

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
