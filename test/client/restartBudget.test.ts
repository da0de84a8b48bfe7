// The language server's restart budget: a few restarts within the window, then none until
// the window has moved on or the user restarts by hand.

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RestartBudget } from '../../client/restartBudget';

test('allows max restarts in the window, refuses the next, allows again once the window has passed', () => {
  let now = 0;
  const budget = new RestartBudget(3, 1000, () => now);
  const crashes: boolean[] = [];
  for (const t of [0, 100, 200]) {
    now = t;
    crashes.push(budget.allowRestart());
  }
  assert.deepEqual(crashes, [true, true, true]);
  now = 999;
  assert.equal(budget.allowRestart(), false, 'a fourth crash within the window');
  now = 1001;
  assert.equal(budget.allowRestart(), true, 'the first restart has left the window');
  assert.equal(budget.allowRestart(), false, 'the restarts at 100, 200 and 1001 are in it');
});

test('a restart by hand starts with a full budget', () => {
  const budget = new RestartBudget(1, 60_000, () => 5);
  assert.equal(budget.allowRestart(), true);
  assert.equal(budget.allowRestart(), false);
  budget.reset();
  assert.equal(budget.allowRestart(), true);
});
