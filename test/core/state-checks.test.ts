// `final { … }` runs on every state where all actors have finished and `invariant EXPR;` on
// every state after init; both fail as kind `assertion`, with no observer thread. Reduced
// and unreduced searches agree on scenarios that use them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadScenario } from '../../core';
import { check } from '../../core/explore';
import { lockstep, tempFiles } from '../helpers/cli';
import { compileOk, exploreAll } from '../helpers/scenario';

// A lost update: two tasks increment a counter without its lock; the end state shows it.
const LOST_UPDATE = (locked: boolean): string => `
mutex lock;
int count;
fn inc() {
    ${locked ? 'mutex_lock(&lock);' : ''}
    int c = count;
    count = c + 1;
    ${locked ? 'mutex_unlock(&lock);' : ''}
}
thread a on cpu0 { inc(); }
thread b on cpu1 { inc(); }
final {
    assert(count == 2);
}
`;

test('final: a lost update is found at the end state, its twin with the lock verifies', () => {
  const buggy = check(compileOk(LOST_UPDATE(false)));
  assert.equal(buggy.verdict, 'violation');
  assert.deepEqual(buggy.violations.map((v) => v.kind), ['assertion']);
  assert.match(buggy.violations[0]!.message, /assertion failed: assert\(count == 2\)/);
  // The trace is a whole run: both increments interleaved, then every actor finished.
  assert.ok(buggy.violations[0]!.trace.length >= 4);
  assert.equal(check(compileOk(LOST_UPDATE(true))).verdict, 'verified');
});

test('final walks a list and reads through pointers; an interrupt that never fired is finished', () => {
  const s = compileOk(`
    struct e { int v; list_head node; }
    list_head head;
    int fired;
    thread t on cpu0 { struct e *x = kzalloc(struct e); x->v = 1; list_add(&x->node, &head); }
    irq h on cpu0 { fired = 1; }
    final {
        int n = 0;
        struct e *p;
        list_for_each_entry(p, &head, node) { n = n + p->v; }
        assert(n == 1);
        assert(fired == 0);
    }
  `);
  const r = check(s);
  // The run where h never fires passes both assertions; the one where it fired fails the second.
  assert.deepEqual(r.violations.map((v) => v.message), ['assertion failed: assert(fired == 0)']);
});

test('invariant: checked on every state, so a window in the middle of a run is caught', () => {
  // Two tasks move a and b together without a lock: they never drift more than one apart.
  const r = check(compileOk(`
    int a;
    int b;
    thread t on cpu0 { a = a + 1; b = b + 1; }
    thread u on cpu1 { a = a - 1; b = b - 1; }
    invariant a - b <= 1 && b - a <= 1;
  `));
  assert.deepEqual(r.violations.map((v) => v.kind), []);
  const strict = compileOk(`
    int a;
    int b;
    thread t { a = 1; b = 1; }
    invariant a == b;
  `);
  const s = check(strict);
  assert.equal(s.violations.length, 1);
  assert.match(s.violations[0]!.message, /assertion failed: invariant a == b/);
  assert.equal(s.violations[0]!.trace.length, 1, 'the state right after a = 1 breaks it');
});

test('reduced and unreduced searches find the same state-check violations', () => {
  for (const text of [LOST_UPDATE(false), LOST_UPDATE(true),
    'int x; int y; thread t on cpu0 { x = 1; y = 1; } thread u on cpu1 { y = 2; x = 2; } final { assert(x == y); } invariant x <= 2;']) {
    const s = compileOk(text);
    const reduced = check(s).violations.map((v) => `${v.kind}@${v.violation.span.start}`).sort();
    const full = check(s, { reduction: false }).violations.map((v) => `${v.kind}@${v.violation.span.start}`).sort();
    assert.deepEqual(reduced, full);
    assert.deepEqual(new Set(reduced.map((k) => k.split('@')[0])), exploreAll(s).kinds);
  }
});

test('a check may only read: a write is reported; there is one final block', () => {
  const w = check(compileOk('int x; thread t { x = 1; } final { x = 2; }'));
  assert.match(w.violations[0]!.message, /final block changes shared state/);
  const twice = loadScenario('t.lockstep', 'int x; thread t { x = 1; } final { assert(x == 1); } final { assert(x == 1); }');
  assert.ok(twice.diagnostics.some((d) => /one final block/.test(d.message)));
});

test('lockstep check reports a failed final block at its assertion', () => {
  const dir = tempFiles({ 'lost.lockstep': LOST_UPDATE(false) });
  const r = lockstep(['check', join(dir, 'lost.lockstep')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /lost\.lockstep:13:\d+: assertion: assertion failed: assert\(count == 2\)/);
});
