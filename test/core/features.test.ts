// Language features beyond the detectors: the init block, do-while, RCU list walks,
// aliases, and the step granularity (local computation folds into the next step).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileOk, exploreAll } from '../helpers/scenario';
import { initialState, isFinished, successors } from '../../core/model/machine';
import { runOnce } from '../../core/explore/run';
import { roundRobin } from '../../core/explore/schedulers';

test('init runs to completion before any actor, and nothing interleaves with it', () => {
  const s = compileOk(`int a; int b;
    init { a = 1; b = a + 1; }
    thread t { assert(a == 1 && b == 2); }`);
  const st = initialState(s);
  assert.equal(st.mem[s.globals[1]!.address], 2);
  const moves = successors(s, st);
  assert.deepEqual(moves.map((m) => s.actors[m.move.actor]!.name), ['t']);
  assert.deepEqual([...exploreAll(s).kinds], []);
});

test('a failing init is reported, and no actor starts', () => {
  const s = compileOk(`struct o { int x; } struct o *p;
    init { p->x = 1; }
    thread t { p = NULL; }`);
  const r = runOnce(s, roundRobin());
  assert.equal(r.violation?.kind, 'null_deref');
  assert.equal(r.steps.length, 1);
  assert.equal(r.steps[0]!.actorName, 'init');
});

test('do-while runs its body before testing, and break/continue work in it', () => {
  const s = compileOk(`int n; int m;
    thread t { int i = 0; do { n = n + 1; i++; if (i == 2) { continue; } if (i == 4) { break; } } while (i < 10); m = i; }`);
  const r = runOnce(s, roundRobin());
  assert.equal(r.end, 'finished');
  assert.equal(r.state.mem[s.globals[0]!.address], 4);
  assert.equal(r.state.mem[s.globals[1]!.address], 4);
});

test('list_for_each_entry and its _rcu form walk a list in order', () => {
  const s = compileOk(`struct e { list_head node; int v; } list_head head; int sum; int order;
    init { for (int i = 1; i <= 3; i++) { struct e *x = kzalloc(struct e); x->v = i; list_add_tail(&x->node, &head); } }
    thread t { list_for_each_entry(p, &head, node) { sum = sum + p->v; order = order * 10 + p->v; }
               list_for_each_entry_rcu(q, &head, node) { sum = sum + q->v; } }`);
  const r = runOnce(s, roundRobin());
  assert.equal(r.end, 'finished');
  const value = (name: string): number | undefined => r.state.mem[s.globals.find((g) => g.name === name)!.address];
  assert.equal(value('sum'), 12);
  assert.equal(value('order'), 123);
});

test('local computation folds into the next step: one step per shared access', () => {
  const s = compileOk('int x; thread t { int a = 1; int b = a * 2; x = b; int c = b + 1; x = c; }');
  const r = runOnce(s, roundRobin());
  assert.deepEqual(r.steps.map((t) => t.text), ['x = b', 'x = c']);
  assert.ok(isFinished(s, r.state));
});

test('aliases behave as the primitive they name', () => {
  const s = compileOk(`mutex m; rwsem r; spinlock s; int n;
    thread t { mutex_lock_killable(&m); down_write_killable(&r); raw_spin_lock(&s); n = 1; raw_spin_unlock(&s); up_write(&r); mutex_unlock(&m); }
    thread u { mutex_lock(&m); n = 2; mutex_unlock(&m); }`);
  assert.deepEqual([...exploreAll(s).kinds], []);
});

test('a call stack shows each caller at its call, not at the statement after it', async () => {
  const { stackOf } = await import('../../core/model/machine');
  const s = compileOk(`mutex m;
fn inner() {
    mutex_lock(&m);
    mutex_unlock(&m);
}
fn outer() {
    inner();
    mutex_lock(&m);
}
thread t { outer(); mutex_unlock(&m); }`);
  const st = initialState(s);
  const lines = stackOf(s, st, 0).map((f) => `${f.name}:${s.text.slice(0, f.span.start).split('\n').length}`);
  assert.deepEqual(lines, ['inner:3', 'outer:7', 't:10']);
});
