// `lockstep run` as a user runs it: the interleaving printed step by step, exit codes
// 0/1/2, `file:line:col: error:` for mistakes, and never a stack trace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lockstep, tempFiles } from '../helpers/cli';

const ABBA = `scenario "abba"
mutex a;
mutex b;
thread t1 on cpu0 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
thread t2 on cpu1 { mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }
`;
const CLEAN = 'mutex a;\nthread t1 { mutex_lock(&a); mutex_unlock(&a); }\nthread t2 { mutex_lock(&a); mutex_unlock(&a); }\n';

test('a clean run prints every step and exits 0', () => {
  const dir = tempFiles({ 'clean.lockstep': CLEAN });
  const r = lockstep(['run', join(dir, 'clean.lockstep')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 {2}t1 +.*clean\.lockstep:2 {2}mutex_lock\(&a\)/);
  assert.match(r.stdout, /finished after 4 steps: no violation/);
});

test('a round-robin run of an ABBA scenario deadlocks: report, diagram, exit 1', () => {
  const dir = tempFiles({ 'abba.lockstep': ABBA });
  const r = lockstep(['run', join(dir, 'abba.lockstep')]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /WARNING: all remaining tasks are blocked: DEADLOCK/);
  assert.match(r.stdout, /CPU0 \(t1\) +CPU1 \(t2\)/);
  assert.match(r.stdout, /mutex_lock\(&b\) {3}<- blocks/);
  assert.match(r.stdout, /abba\.lockstep:\d+:\d+: deadlock: t1 waits for b, held by t2; t2 waits for a, held by t1/);
  assert.equal(r.stderr, '');
});

test('random schedules are reproducible from their seed', () => {
  const dir = tempFiles({ 'abba.lockstep': ABBA });
  const runs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => lockstep(['run', join(dir, 'abba.lockstep'), '--schedule', 'random', '--seed', String(seed)]).stdout);
  const again = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => lockstep(['run', join(dir, 'abba.lockstep'), '--schedule', 'random', '--seed', String(seed)]).stdout);
  assert.deepEqual(again, runs);
  assert.ok(new Set(runs).size > 1, 'different seeds give different interleavings');
});

test('errors in the file are file:line:col: error: lines, exit 2', () => {
  const dir = tempFiles({ 'bad.lockstep': 'mutex a;\nthread t { down_read(&a); mutex_lok(&a) }\n' });
  const r = lockstep(['run', join(dir, 'bad.lockstep')]);
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.replace(dir, 'DIR')), [
    'DIR/bad.lockstep:2:22: error: down_read expects an rwsem, but a is a mutex (use mutex_lock)',
    "DIR/bad.lockstep:2:27: error: unknown function 'mutex_lok' (did you mean 'mutex_lock'?)",
    "DIR/bad.lockstep:2:41: error: expected ';', found '}'",
  ]);
});

test('random bytes, a missing file and bad options never print a stack trace', () => {
  const bytes = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 131 + 7) % 256));
  const dir = tempFiles({ 'noise.lockstep': bytes });
  for (const args of [['run', join(dir, 'noise.lockstep')], ['run', join(dir, 'missing.lockstep')], ['run'], ['run', 'x', '--seed', 'abc'], ['frobnicate'], ['run', 'x', '--bogus']]) {
    const r = lockstep(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, `stack trace for ${args.join(' ')}`);
    assert.ok(r.stderr.length > 0);
  }
});
