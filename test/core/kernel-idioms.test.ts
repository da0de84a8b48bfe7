// RCU and SRCU as the kernel uses them, lists that tear, refcount_t and lockdep's lock
// nesting: each construct works, its detector fires on a minimal scenario and stays silent
// on the fixed twin (reduced and unreduced searches are compared on the detector cases in
// test/explore/detector-cases.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileOk, exploreAll } from '../helpers/scenario';
import { initialState, step } from '../../core/model/machine';
import type { MachineState, ViolationKind } from '../../core/model/types';
import type { CompiledScenario } from '../../core/model/compiled';

function kinds(text: string): ViolationKind[] {
  return [...exploreAll(compileOk(text)).kinds].sort();
}

function reports(text: string): string[] {
  return exploreAll(compileOk(text)).violations.map((v) => v.report);
}

/** Runs the moves (actor names) in order; every one must be an ordinary step. */
function run(s: CompiledScenario, moves: readonly string[]): MachineState {
  let state = initialState(s);
  for (const name of moves) {
    const actor = s.actors.findIndex((a) => a.name === name);
    const r = step(s, state, { actor, choice: 0 });
    assert.equal(r.status, 'ok', `${name}: ${r.status === 'blocked' ? JSON.stringify(r.wait) : r.status === 'violation' ? r.violation.message : ''}`);
    if (r.status === 'ok') state = r.state;
  }
  return state;
}

// ---------- SRCU and RCU ----------

test('synchronize_srcu waits for the readers of its start, not for readers that begin later', () => {
  const s = compileOk(`srcu ss; int x;
thread a { int i = srcu_read_lock(&ss); x = 1; srcu_read_unlock(&ss, i); }
thread w { synchronize_srcu(&ss); x = 2; }
thread b { int i = srcu_read_lock(&ss); x = 3; srcu_read_unlock(&ss, i); }`);
  // a reads; w's grace period starts (a is in it); b begins a section; a leaves.
  const state = run(s, ['a', 'w', 'b', 'a', 'a']);
  const w = s.actors.findIndex((x) => x.name === 'w');
  const r = step(s, state, { actor: w, choice: 0 });
  assert.equal(r.status, 'ok', 'b began after the grace period started: w does not wait for it');
});

test('synchronize_srcu blocks while a reader of its start is still inside', () => {
  const s = compileOk(`srcu ss; int x;
thread a { int i = srcu_read_lock(&ss); x = 1; srcu_read_unlock(&ss, i); }
thread w { synchronize_srcu(&ss); x = 2; }`);
  const state = run(s, ['a', 'w']);
  const r = step(s, state, { actor: 1, choice: 0 });
  assert.equal(r.status, 'blocked');
  assert.equal(r.status === 'blocked' && r.wait.kind, 'srcu');
});

test('nested srcu_read_lock sections: the inner unlock does not end the outer one (no false use-after-free)', () => {
  assert.deepEqual(kinds(`struct obj { int v; }
struct obj *gp; srcu ss;
thread reader {
    int idx = srcu_read_lock(&ss);
    struct obj *o = srcu_dereference(gp, &ss);
    int idx2 = srcu_read_lock(&ss);
    srcu_read_unlock(&ss, idx2);
    if (o != NULL) { int v = o->v; }
    srcu_read_unlock(&ss, idx);
}
thread updater { struct obj *o = gp; rcu_assign_pointer(gp, NULL); synchronize_srcu(&ss); kfree(o); }
init { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }`), []);
});

test('a reader that keeps a pointer past its read section uses freed memory', () => {
  assert.deepEqual(kinds(`struct obj { int v; }
struct obj *gp; srcu ss;
thread reader {
    int idx = srcu_read_lock(&ss);
    struct obj *o = srcu_dereference(gp, &ss);
    srcu_read_unlock(&ss, idx);
    idx = srcu_read_lock(&ss);
    if (o != NULL) { int v = o->v; }
    srcu_read_unlock(&ss, idx);
}
thread updater { struct obj *o = gp; rcu_assign_pointer(gp, NULL); synchronize_srcu(&ss); kfree(o); }
init { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }`), ['use_after_free']);
});

test('synchronize_srcu inside its own read section is a deadlock; srcu_read_unlock without a section is a bad unlock', () => {
  assert.deepEqual(kinds('srcu ss; thread t { int i = srcu_read_lock(&ss); synchronize_srcu(&ss); srcu_read_unlock(&ss, i); }'), ['deadlock']);
  assert.deepEqual(kinds('srcu ss; thread t { srcu_read_unlock(&ss, 0); }'), ['unlock_not_held']);
});

test('synchronize_srcu under a lock the readers take inside their sections: lockdep circular dependency', () => {
  const r = reports(`srcu ss; mutex lock; int x; bool done;
thread reader { int idx = srcu_read_lock(&ss); mutex_lock(&lock); x = 1; mutex_unlock(&lock); srcu_read_unlock(&ss, idx); done = true; }
thread updater { await(done); mutex_lock(&lock); synchronize_srcu(&ss); mutex_unlock(&lock); }`);
  assert.ok(r.some((t) => t.includes('possible circular locking dependency detected') && t.includes('ss')), r.join('\n---\n'));
  // Readers nested in one another's locks never make a cycle: they do not wait.
  assert.deepEqual(kinds(`srcu ss; mutex lock; int x;
thread a { mutex_lock(&lock); int i = srcu_read_lock(&ss); x = 1; srcu_read_unlock(&ss, i); mutex_unlock(&lock); }
thread b { int i = srcu_read_lock(&ss); mutex_lock(&lock); x = 2; mutex_unlock(&lock); srcu_read_unlock(&ss, i); }`), []);
});

test('lockdep-RCU checks rcu_dereference* and srcu_dereference* calls, never plain accesses', () => {
  const base = 'struct obj { int v; } struct obj *gp; mutex lock; srcu ss;';
  assert.deepEqual(kinds(`${base} thread t { struct obj *o = rcu_dereference(gp); }`), ['suspicious_rcu']);
  assert.deepEqual(kinds(`${base} thread t { rcu_read_lock(); struct obj *o = rcu_dereference(gp); rcu_read_unlock(); }`), []);
  assert.deepEqual(kinds(`${base} thread t { struct obj *o = rcu_dereference_protected(gp, lockdep_is_held(&lock)); }`), ['suspicious_rcu']);
  assert.deepEqual(kinds(`${base} thread t { mutex_lock(&lock); struct obj *o = rcu_dereference_protected(gp, lockdep_is_held(&lock)); mutex_unlock(&lock); }`), []);
  assert.deepEqual(kinds(`${base} thread t { struct obj *o = srcu_dereference(gp, &ss); }`), ['suspicious_rcu']);
  assert.deepEqual(kinds(`${base} thread t { mutex_lock(&lock); struct obj *o = srcu_dereference_check(gp, &ss, lockdep_is_held(&lock)); mutex_unlock(&lock); }`), []);
  assert.deepEqual(kinds(`${base} thread t { struct obj *o = rcu_access_pointer(gp); struct obj *p = gp; }`), []);
  const r = reports(`${base} thread t { struct obj *o = rcu_dereference(gp); }`);
  assert.match(r[0]!, /WARNING: suspicious RCU usage[\s\S]*suspicious rcu_dereference_check\(\) usage!/);
});

test('rcu_dereference of a non-pointer is an error with the kernel idiom as a hint', () => {
  assert.throws(() => compileOk('int x; thread t { rcu_read_lock(); int v = rcu_dereference(x); rcu_read_unlock(); }'), /rcu_dereference of a non-pointer/);
});

test('kfree_rcu frees after the readers of its call; kfree does not wait', () => {
  const text = (free: string): string => `struct obj { int v; rcu_head rcu; }
struct obj *gp;
thread reader { rcu_read_lock(); struct obj *o = rcu_dereference(gp); if (o != NULL) { int v = o->v; } rcu_read_unlock(); }
thread updater { struct obj *o = rcu_dereference_protected(gp, true); RCU_INIT_POINTER(gp, NULL); ${free} }
init { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }`;
  assert.deepEqual(kinds(text('kfree(o);')), ['use_after_free']);
  assert.deepEqual(kinds(text('kfree_rcu(o, rcu);')), []);
});

test('call_rcu runs its callback once the grace period has elapsed', () => {
  assert.deepEqual(kinds(`struct obj { int v; rcu_head rcu; }
struct obj *gp; int freed;
fn obj_free_rcu(struct obj *o) { freed = 1; kfree(o); }
thread reader { rcu_read_lock(); struct obj *o = rcu_dereference(gp); if (o != NULL) { int v = o->v; } rcu_read_unlock(); }
thread updater { struct obj *o = rcu_dereference_protected(gp, true); RCU_INIT_POINTER(gp, NULL); call_rcu(&o->rcu, obj_free_rcu); }
init { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }`), []);
});

// ---------- lists ----------

test('two unserialised list_add tear the list: CONFIG_DEBUG_LIST reports it in the kernel words', () => {
  const r = reports(`struct dev { list_head node; }
list_head devices; struct dev *da; struct dev *db;
thread a { struct dev *d = kzalloc(struct dev); da = d; list_add(&d->node, &devices); }
thread b { struct dev *d = kzalloc(struct dev); db = d; list_add(&d->node, &devices); }`);
  assert.ok(r.some((t) => /list_add corruption\. next->prev should be prev \(\w+ devices\.next\), but was \w+ \(dev#\d->node\.next\)/.test(t)), r.join('\n---\n'));
});

test('a list_add is four steps and a list_del three', () => {
  const s = compileOk(`struct dev { list_head node; } list_head devices;
thread a { struct dev *d = kzalloc(struct dev); list_add(&d->node, &devices); list_del(&d->node); kfree(d); }`);
  // kzalloc, then the four steps of list_add, three of list_del, and kfree.
  const end = run(s, ['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a']);
  const r = step(s, end, { actor: 0, choice: 0 });
  assert.equal(r.status === 'blocked' && r.wait.kind, 'done');
});

// ---------- refcount_t ----------

test('refcount_t warns in the kernel words', () => {
  const obj = 'struct obj { refcount_t ref; } struct obj o;';
  const inc = reports(`${obj} thread t { refcount_inc(&o.ref); }`);
  assert.match(inc[0]!, /refcount_t: addition on 0; use-after-free\./);
  const under = reports(`${obj} thread t { refcount_set(&o.ref, 1); if (refcount_dec_and_test(&o.ref)) { } if (refcount_dec_and_test(&o.ref)) { } }`);
  assert.match(under[0]!, /refcount_t: underflow; use-after-free\./);
  assert.deepEqual(kinds(`${obj} thread t { refcount_set(&o.ref, 1); refcount_dec(&o.ref); }`), ['leak']);
  assert.deepEqual(kinds(`${obj} thread t { refcount_set(&o.ref, 2); refcount_dec(&o.ref); if (refcount_dec_not_one(&o.ref)) { assert(false); } }`), []);
});

test('after a refcount_t warning the count is saturated: it never reaches 0 through it again', () => {
  const obj = 'struct obj { refcount_t ref; } struct obj o;';
  assert.deepEqual(kinds(`${obj} thread t {
    refcount_inc(&o.ref);
    assert(refcount_read(&o.ref) == -0x40000000);
    refcount_inc(&o.ref);
    if (refcount_dec_and_test(&o.ref)) { assert(false); }
    assert(refcount_read(&o.ref) < 0);
}`), ['use_after_free']);
});

test('refcount_dec_and_mutex_lock takes the mutex only for the last reference', () => {
  assert.deepEqual(kinds(`struct obj { refcount_t ref; } struct obj o; mutex m; int released;
thread a { if (refcount_dec_and_mutex_lock(&o.ref, &m)) { released = released + 1; mutex_unlock(&m); } }
thread b { if (refcount_dec_and_mutex_lock(&o.ref, &m)) { released = released + 1; mutex_unlock(&m); } }
init { refcount_set(&o.ref, 2); }`), []);
});

// ---------- lockdep nesting ----------

test('two instances of one class nested: recursive_locking unless annotated', () => {
  const two = 'struct kvm { mutex lock; } struct kvm a; struct kvm b; mutex outer;';
  assert.deepEqual(kinds(`${two} thread t { mutex_lock(&a.lock); mutex_lock(&b.lock); mutex_unlock(&b.lock); mutex_unlock(&a.lock); }`), ['recursive_locking']);
  assert.deepEqual(kinds(`${two} thread t { mutex_lock(&a.lock); mutex_lock_nested(&b.lock, SINGLE_DEPTH_NESTING); mutex_unlock(&b.lock); mutex_unlock(&a.lock); }`), []);
  assert.deepEqual(kinds(`${two} thread t { mutex_lock(&outer); mutex_lock_nest_lock(&a.lock, &outer); mutex_lock_nest_lock(&b.lock, &outer); mutex_unlock(&b.lock); mutex_unlock(&a.lock); mutex_unlock(&outer); }`), []);
  assert.deepEqual(kinds(`${two} thread t { mutex_lock_nest_lock(&a.lock, &outer); mutex_lock_nest_lock(&b.lock, &outer); mutex_unlock(&b.lock); mutex_unlock(&a.lock); }`), ['recursive_locking']);
  const spin = 'struct q { spinlock lock; } struct q a; struct q b;';
  assert.deepEqual(kinds(`${spin} thread t { spin_lock(&a.lock); spin_lock(&b.lock); spin_unlock(&b.lock); spin_unlock(&a.lock); }`), ['recursive_locking']);
  assert.deepEqual(kinds(`${spin} thread t { spin_lock(&a.lock); spin_lock_nested(&b.lock, 1); spin_unlock(&b.lock); spin_unlock(&a.lock); }`), []);
  const sem = 'struct mm { rwsem sem; } struct mm a; struct mm b;';
  assert.deepEqual(kinds(`${sem} thread t { down_write(&a.sem); down_read(&b.sem); up_read(&b.sem); up_write(&a.sem); }`), ['recursive_locking']);
  assert.deepEqual(kinds(`${sem} thread t { down_write(&a.sem); down_read_nested(&b.sem, 1); up_read(&b.sem); up_write(&a.sem); }`), []);
  assert.deepEqual(kinds(`${sem} thread t { down_write(&a.sem); down_write_nested(&b.sem, 1); up_write(&b.sem); up_write(&a.sem); }`), []);
});

test('the same instance taken twice stays a deadlock, with lockdep splat; the report names the missing annotation otherwise', () => {
  const same = reports('mutex m; thread t { mutex_lock(&m); mutex_lock(&m); }');
  assert.ok(same.some((t) => t.includes('WARNING: possible recursive locking detected')));
  assert.deepEqual(kinds('mutex m; thread t { mutex_lock(&m); mutex_lock(&m); }'), ['deadlock']);
  const r = reports('struct kvm { mutex lock; } struct kvm a; struct kvm b; thread t { mutex_lock(&a.lock); mutex_lock(&b.lock); mutex_unlock(&b.lock); mutex_unlock(&a.lock); }');
  assert.ok(r.some((t) => /May be due to missing lock nesting notation/.test(t)), r.join('\n---\n'));
});

test('nesting within one class is never a lock_order cycle; a trylock adds no dependency', () => {
  assert.deepEqual(kinds(`struct kvm { mutex lock; } struct kvm a; struct kvm b; bool done;
thread t { mutex_lock(&a.lock); mutex_lock_nested(&b.lock, 1); mutex_unlock(&b.lock); mutex_unlock(&a.lock); done = true; }
thread u { await(done); mutex_lock(&b.lock); mutex_lock_nested(&a.lock, 1); mutex_unlock(&a.lock); mutex_unlock(&b.lock); }`), []);
  assert.deepEqual(kinds(`mutex a; mutex b; bool done;
thread t { mutex_lock(&a); if (mutex_trylock(&b)) { mutex_unlock(&b); } mutex_unlock(&a); done = true; }
thread u { await(done); mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }`), []);
});

test('lockdep_assert_held is an assertion when the lock is not held', () => {
  assert.deepEqual(kinds('mutex m; thread t { lockdep_assert_held(&m); }'), ['assertion']);
  assert.deepEqual(kinds('mutex m; thread t { mutex_lock(&m); lockdep_assert_held(&m); mutex_unlock(&m); }'), []);
});

test('a list_for_each_entry step shows the macro, never a bare &head', () => {
  const s = compileOk(`struct t { list_head list; int v; } struct kvm { list_head tables; } struct kvm *kvmp; struct kvm k;
thread a { struct t *p; list_for_each_entry(p, &kvmp->tables, list) { int v = p->v; } }
init { kvmp = &k; }`);
  const texts = s.instrs.filter((i) => i.visible).map((i) => s.text.slice(i.span.start, i.span.end));
  assert.ok(texts.every((t) => !t.startsWith('&')), texts.join(' | '));
  assert.ok(texts.some((t) => t.startsWith('list_for_each_entry(p, &kvmp->tables, list)')), texts.join(' | '));
});

test('list links are readable; list_first_entry(_or_null), list_empty_careful, list_for_each_entry_safe and _srcu walk as the kernel does', () => {
  const lists = `struct dev { int id; list_head node; }
list_head devices; srcu ss; int sum;`;
  assert.deepEqual(kinds(`${lists}
thread t {
    struct dev *a = kzalloc(struct dev); a->id = 1;
    struct dev *b = kzalloc(struct dev); b->id = 2;
    assert(list_first_entry_or_null(&devices, struct dev, node) == NULL);
    assert(list_empty_careful(&devices));
    list_add_tail(&a->node, &devices);
    list_add_tail(&b->node, &devices);
    assert(devices.next == &a->node && devices.prev == &b->node && a->node.next == &b->node);
    struct dev *first = list_first_entry(&devices, struct dev, node);
    assert(first == a);
    int idx = srcu_read_lock(&ss);
    list_for_each_entry_srcu(pos, &devices, node, srcu_read_lock_held(&ss)) { sum = sum + pos->id; }
    srcu_read_unlock(&ss, idx);
    assert(sum == 3);
    list_for_each_entry_safe(d, n, &devices, node) { list_del(&d->node); kfree(d); }
    assert(list_empty(&devices));
}`), []);
  // The plain walk over entries it frees reads freed memory (and, going on as the kernel
  // does, follows the poisoned link); the _safe one does not.
  assert.deepEqual(kinds(`${lists}
thread t {
    struct dev *a = kzalloc(struct dev);
    list_add(&a->node, &devices);
    list_for_each_entry(d, &devices, node) { list_del(&d->node); kfree(d); }
}`), ['list_corruption', 'use_after_free']);
  assert.throws(() => compileOk(`${lists} thread t { struct dev *d = list_first_entry(&devices, struct dev, id); }`), /has no list_head 'id'/);
});
