// A report does not end the run where the kernel goes on: KASAN, list-debug, lockdep's
// warnings, sleeping in atomic context and WARN_ON are printed and the run continues (a
// kernel without panic_on_warn); BUG_ON, a NULL dereference and a deadlock stop it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { check } from '../../core/explore';
import { runOnce } from '../../core/explore/run';
import { roundRobin } from '../../core/explore/schedulers';
import { lockstep, tempFiles } from '../helpers/cli';
import { compileOk, exploreAll } from '../helpers/scenario';

const UAF_THEN_DOUBLE_FREE = `
struct obj { int v; }
thread t {
    struct obj *q = kzalloc(struct obj);
    q->v = 7;
    kfree(q);
    int x = q->v;          // KASAN: use-after-free; the freed word still holds 7
    assert(x == 7);
    kfree(q);              // KASAN: double-free
}
`;

test('a use-after-free followed by a double free on the same run reports both, in order', () => {
  const s = compileOk(UAF_THEN_DOUBLE_FREE);
  const r = runOnce(s, roundRobin());
  assert.deepEqual(r.violations.map((v) => v.kind), ['use_after_free', 'double_free']);
  assert.equal(r.end, 'violation');
  // The run went on to the end: the read returned the value the word last held (the
  // assertion between the two reports held), and every statement ran.
  assert.equal(r.steps.length, 6);
  assert.ok(r.at[0]! < r.at[1]!, 'the use-after-free is reported before the double free');
  assert.match(r.violations[0]!.report, /BUG: KASAN: slab-use-after-free/);
  assert.match(r.violations[1]!.report, /BUG: KASAN: double-free/);
});

test('the checker finds both, each with its own trace', () => {
  const s = compileOk(UAF_THEN_DOUBLE_FREE);
  const r = check(s);
  assert.deepEqual(r.violations.map((v) => v.kind).sort(), ['double_free', 'use_after_free']);
  const uaf = r.violations.find((v) => v.kind === 'use_after_free')!;
  const df = r.violations.find((v) => v.kind === 'double_free')!;
  assert.ok(uaf.trace.length < df.trace.length);
  assert.deepEqual(exploreAll(s).kinds, new Set(['use_after_free', 'double_free']));
});

test('BUG_ON ends the run; WARN_ON does not', () => {
  const warn = runOnce(compileOk('int x; thread t { WARN_ON(x == 0); x = 1; BUG_ON(x == 1); x = 2; }'), roundRobin());
  assert.deepEqual(warn.violations.map((v) => v.message.split(':')[0]), ['WARNING', 'kernel BUG']);
  assert.equal(warn.steps.length, 3, 'the run stops at BUG_ON: x = 2 never runs');
  assert.equal(warn.state.mem.includes(2), false);
});

test('list-debug skips the corrupting operation and the run goes on', () => {
  const s = compileOk(`
    struct e { list_head node; }
    list_head head;
    int after;
    thread t { struct e *a = kzalloc(struct e); list_del(&a->node); after = 1; }
  `);
  const r = runOnce(s, roundRobin());
  assert.deepEqual(r.violations.map((v) => v.kind), ['list_corruption', 'leak']);
  assert.match(r.violations[0]!.report, /list_del corruption/);
  assert.equal(r.steps.length, 3, 'the statement after the skipped list_del runs');
});

test('an interrupt that deadlocks on a lock its task holds is one finding, wherever it preempts', () => {
  const s = compileOk(`
    spinlock l;
    int a;
    thread t on cpu0 { spin_lock(&l); a = 1; a = 2; a = 3; spin_unlock(&l); }
    irq h on cpu0 { spin_lock(&l); spin_unlock(&l); }
  `);
  const r = check(s);
  const deadlocks = r.violations.filter((v) => v.kind === 'deadlock');
  assert.equal(deadlocks.length, 1, deadlocks.map((d) => d.message).join('\n'));
  assert.match(deadlocks[0]!.message, /h waits for l, held by t/);
});

test('lockstep run prints each report where the run printed it and exits 1', () => {
  const dir = tempFiles({ 'twice.lockstep': UAF_THEN_DOUBLE_FREE });
  const r = lockstep(['run', join(dir, 'twice.lockstep')]);
  assert.equal(r.code, 1, r.stderr);
  const uaf = r.stdout.indexOf('BUG: KASAN: slab-use-after-free');
  const df = r.stdout.indexOf('BUG: KASAN: double-free');
  assert.ok(uaf > 0 && df > uaf, r.stdout);
  assert.match(r.stdout, /twice\.lockstep:7:\d+: use_after_free: /);
  assert.match(r.stdout, /twice\.lockstep:9:\d+: double_free: /);
});

test('a trylock in a condition says in the trace whether it took the lock', () => {
  const s = compileOk(`mutex m;
int x;
thread a { if (!mutex_trylock(&m)) return; x = 1; mutex_unlock(&m); }
thread b { mutex_lock(&m); x = 2; mutex_unlock(&m); assert(x == 2); }
`);
  const v = check(s).violations.find((x) => x.kind === 'assertion');
  assert.ok(v);
  const tryStep = v.trace.find((t) => t.text.startsWith('!mutex_trylock(&m)'));
  // The assertion fails only when a's trylock succeeded after b unlocked.
  assert.equal(tryStep?.text, '!mutex_trylock(&m)  // trylock: took the lock');
  // A run where the lock was held says so.
  const busy = compileOk(`mutex m;
int x;
thread a { mutex_lock(&m); x = 1; mutex_unlock(&m); }
thread b { if (!mutex_trylock(&m)) { assert(x == 1); return; } mutex_unlock(&m); }
`);
  const w = check(busy).violations.find((x) => x.kind === 'assertion');
  assert.equal(w?.trace.find((t) => t.text.startsWith('!mutex_trylock'))?.text, '!mutex_trylock(&m)  // trylock: held, not taken');
});
