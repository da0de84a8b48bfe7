// Each detector fires on a minimal scenario and stays silent on its fixed twin, checked
// over every interleaving (an unreduced walk of the whole state space).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileOk, exploreAll } from '../helpers/scenario';
import type { ViolationKind } from '../../core/model/types';

interface Case {
  readonly name: string;
  /** Kinds the buggy scenario must show (others may appear only if listed in `also`). */
  readonly kinds: readonly ViolationKind[];
  readonly buggy: string;
  readonly fixed: string;
}

const CASES: Case[] = [
  {
    name: 'ABBA deadlock',
    kinds: ['deadlock', 'lock_order'],
    buggy: `mutex a; mutex b;
      thread t1 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
      thread t2 { mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }`,
    fixed: `mutex a; mutex b;
      thread t1 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
      thread t2 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }`,
  },
  {
    name: 'recursive locking',
    kinds: ['deadlock'],
    buggy: 'mutex a; thread t { mutex_lock(&a); mutex_lock(&a); }',
    fixed: 'mutex a; thread t { mutex_lock(&a); mutex_unlock(&a); mutex_lock(&a); mutex_unlock(&a); }',
  },
  {
    name: 'irq-safety inversion (and the deadlock it allows)',
    kinds: ['irq_lock_inversion', 'deadlock'],
    buggy: `spinlock l; int n;
      thread t on cpu0 { spin_lock(&l); n = 1; spin_unlock(&l); }
      irq tick on cpu0 { spin_lock(&l); n = 2; spin_unlock(&l); }`,
    fixed: `spinlock l; int n;
      thread t on cpu0 { spin_lock_irqsave(&l, 0); n = 1; spin_unlock_irqrestore(&l, 0); }
      irq tick on cpu0 { spin_lock(&l); n = 2; spin_unlock(&l); }`,
  },
  {
    name: 'use-after-free of a published object',
    kinds: ['use_after_free'],
    buggy: `struct obj { int x; } struct obj *shared; mutex m;
      thread owner { struct obj *p = kzalloc(struct obj); shared = p; shared = NULL; kfree(p); }
      thread user { struct obj *q = shared; if (q != NULL) { q->x = 1; } }`,
    fixed: `struct obj { int x; } struct obj *shared; mutex m;
      thread owner { struct obj *p = kzalloc(struct obj); mutex_lock(&m); shared = p; mutex_unlock(&m);
                     mutex_lock(&m); shared = NULL; mutex_unlock(&m); kfree(p); }
      thread user { mutex_lock(&m); struct obj *q = shared; if (q != NULL) { q->x = 1; } mutex_unlock(&m); }`,
  },
  {
    name: 'double free from a check-then-free race',
    kinds: ['double_free'],
    buggy: `struct obj { int x; } struct obj *shared; bool ready;
      fn put() { struct obj *p = shared; if (p != NULL) { kfree(p); shared = NULL; } }
      thread init { shared = kzalloc(struct obj); ready = true; }
      thread a { await(ready); put(); }
      thread b { await(ready); put(); }`,
    fixed: `struct obj { int x; } struct obj *shared; mutex m; bool ready;
      fn put() { mutex_lock(&m); struct obj *p = shared; if (p != NULL) { kfree(p); shared = NULL; } mutex_unlock(&m); }
      thread init { shared = kzalloc(struct obj); ready = true; }
      thread a { await(ready); put(); }
      thread b { await(ready); put(); }`,
  },
  {
    name: 'list_del of an entry that was never added',
    kinds: ['list_corruption'],
    buggy: `struct e { list_head node; } list_head head;
      thread t { struct e *x = kzalloc(struct e); list_del(&x->node); kfree(x); }`,
    fixed: `struct e { list_head node; } list_head head;
      thread t { struct e *x = kzalloc(struct e); list_add(&x->node, &head); list_del(&x->node); kfree(x); }`,
  },
  {
    // A list operation is one step, so unserialised writers do not tear a list in the model:
    // KCSAN finds them as a data race on the list words.
    // The writers race (KCSAN), and since list_add / list_del are several stores they tear
    // the list (CONFIG_DEBUG_LIST), and a torn list leads one thread to a freed entry.
    name: 'unserialised list writers race (KCSAN) and tear the list',
    kinds: ['data_race', 'list_corruption', 'use_after_free'],
    buggy: `config KCSAN; struct e { list_head node; } list_head head; mutex m;
      thread a { struct e *x = kzalloc(struct e); list_add(&x->node, &head); list_del(&x->node); kfree(x); }
      thread b { struct e *y = kzalloc(struct e); list_add(&y->node, &head); list_del(&y->node); kfree(y); }`,
    fixed: `config KCSAN; struct e { list_head node; } list_head head; mutex m;
      thread a { struct e *x = kzalloc(struct e); mutex_lock(&m); list_add(&x->node, &head); list_del(&x->node); mutex_unlock(&m); kfree(x); }
      thread b { struct e *y = kzalloc(struct e); mutex_lock(&m); list_add(&y->node, &head); list_del(&y->node); mutex_unlock(&m); kfree(y); }`,
  },
  {
    name: 'sleeping under a spinlock',
    kinds: ['sleep_in_atomic'],
    buggy: 'spinlock s; mutex m; thread t { spin_lock(&s); mutex_lock(&m); mutex_unlock(&m); spin_unlock(&s); }',
    fixed: 'spinlock s; mutex m; thread t { mutex_lock(&m); spin_lock(&s); spin_unlock(&s); mutex_unlock(&m); }',
  },
  {
    name: 'unlock of a lock not held',
    kinds: ['unlock_not_held'],
    buggy: 'mutex m; thread t { mutex_unlock(&m); }',
    fixed: 'mutex m; thread t { mutex_lock(&m); mutex_unlock(&m); }',
  },
  {
    name: 'returning to user space with a lock held',
    kinds: ['unlock_not_held'],
    buggy: 'mutex m; int x; thread t { mutex_lock(&m); if (x == 0) { return; } mutex_unlock(&m); }',
    fixed: 'mutex m; int x; thread t { mutex_lock(&m); if (x == 0) { mutex_unlock(&m); return; } mutex_unlock(&m); }',
  },
  {
    name: 'data race (KCSAN)',
    kinds: ['data_race'],
    buggy: 'config KCSAN; int n; thread a { n = n + 1; } thread b { n = n + 1; }',
    fixed: 'config KCSAN; int n; mutex m; thread a { mutex_lock(&m); n = n + 1; mutex_unlock(&m); } thread b { mutex_lock(&m); n = n + 1; mutex_unlock(&m); }',
  },
  {
    name: 'lost update caught by an assertion',
    kinds: ['assertion'],
    buggy: `int n; int done;
      thread a { int t = n; n = t + 1; atomic_done(); }
      thread b { int t = n; n = t + 1; atomic_done(); }
      thread check { await(done == 2); assert(n == 2); }`.replace(/atomic_done\(\)/g, 'done = done + 1'),
    fixed: `int n; atomic_t done; mutex m;
      thread a { mutex_lock(&m); int t = n; n = t + 1; mutex_unlock(&m); atomic_inc(&done); }
      thread b { mutex_lock(&m); int t = n; n = t + 1; mutex_unlock(&m); atomic_inc(&done); }
      thread check { await(atomic_read(&done) == 2); mutex_lock(&m); assert(n == 2); mutex_unlock(&m); }`,
  },
  {
    name: 'leak of an object only a local pointed to',
    kinds: ['leak'],
    buggy: 'struct obj { int x; } thread t { struct obj *p = kzalloc(struct obj); p->x = 1; }',
    fixed: 'struct obj { int x; } thread t { struct obj *p = kzalloc(struct obj); p->x = 1; kfree(p); }',
  },
  {
    name: 'NULL pointer dereference',
    kinds: ['null_deref'],
    buggy: 'struct obj { int x; } struct obj *p; thread t { p->x = 1; }',
    fixed: 'struct obj { int x; } struct obj *p; thread t { if (p != NULL) { p->x = 1; } }',
  },
  {
    name: 'an endless local loop',
    kinds: ['livelock'],
    buggy: 'int x; thread t { x = 1; int i = 0; while (true) { i++; } }',
    fixed: 'int x; thread t { x = 1; int i = 0; while (i < 10) { i++; } }',
  },
  {
    name: 'guessed fd closed before the creator added the object to its list (seed 000 in miniature)',
    // list-debug skips the bad list_del and the kernel goes on: the release frees the
    // object, and the creator then links the freed object into the list.
    kinds: ['list_corruption', 'use_after_free'],
    buggy: `struct tbl { list_head list; } struct kvm { mutex lock; list_head tables; } struct kvm kvm;
      fn release(struct tbl *t) { list_del(&t->list); kfree(t); }
      thread create { struct tbl *t = kzalloc(struct tbl); anon_inode_getfd(t, release);
                      mutex_lock(&kvm->lock); list_add(&t->list, &kvm->tables); mutex_unlock(&kvm->lock); }
      thread guesser { close(any); }`,
    fixed: `struct tbl { list_head list; } struct kvm { mutex lock; list_head tables; } struct kvm kvm;
      fn release(struct tbl *t) { mutex_lock(&kvm->lock); list_del(&t->list); mutex_unlock(&kvm->lock); kfree(t); }
      thread create { struct tbl *t = kzalloc(struct tbl);
                      mutex_lock(&kvm->lock); anon_inode_getfd(t, release); list_add(&t->list, &kvm->tables); mutex_unlock(&kvm->lock); }
      thread guesser { close(any); }`,
  },
  {
    // lockdep's work annotation: the work holds (work_completion)(w) while it runs, flush_work takes it.
    name: 'flush_work under a lock the work item takes',
    kinds: ['deadlock', 'lock_order'],
    buggy: `mutex m; int n;
      work w { mutex_lock(&m); n = 1; mutex_unlock(&m); }
      thread t { queue_work(w); mutex_lock(&m); flush_work(w); mutex_unlock(&m); }`,
    fixed: `mutex m; int n;
      work w { mutex_lock(&m); n = 1; mutex_unlock(&m); }
      thread t { queue_work(w); flush_work(w); mutex_lock(&m); mutex_unlock(&m); }`,
  },
  {
    name: 'kref_get racing with the final kref_put',
    kinds: ['use_after_free'],
    buggy: `struct obj { kref ref; int x; } struct obj *shared;
      fn obj_release(struct obj *o) { kfree(o); }
      thread init { struct obj *o = kzalloc(struct obj); kref_init(&o->ref); shared = o; }
      thread putter { await(shared != NULL); struct obj *o = shared; kref_put(&o->ref, obj_release); }
      thread getter { await(shared != NULL); struct obj *o = shared; kref_get(&o->ref); o->x = 1; kref_put(&o->ref, obj_release); }`,
    fixed: `struct obj { kref ref; int x; } struct obj *shared; mutex m;
      fn obj_release(struct obj *o) { shared = NULL; kfree(o); }
      thread init { struct obj *o = kzalloc(struct obj); kref_init(&o->ref); shared = o; }
      thread putter { await(shared != NULL); mutex_lock(&m); struct obj *o = shared; if (o != NULL) { kref_put(&o->ref, obj_release); } mutex_unlock(&m); }
      thread getter { mutex_lock(&m); struct obj *o = shared; if (o != NULL) { if (refcount_inc_not_zero(&o->ref)) { o->x = 1; kref_put(&o->ref, obj_release); } } mutex_unlock(&m); }`,
  },
  {
    name: 'kick_all_cpus_sync waits for a vCPU with interrupts off',
    kinds: ['deadlock'],
    buggy: `bool stop;
      vcpu v on cpu1 { local_irq_disable(); await(stop); local_irq_enable(); }
      thread releaser on cpu0 { kick_all_cpus_sync(); stop = true; }`,
    fixed: `bool stop;
      vcpu v on cpu1 { local_irq_disable(); await(stop); local_irq_enable(); }
      thread releaser on cpu0 { stop = true; kick_all_cpus_sync(); }`,
  },
  {
    name: 'state set up by init, freed under a per-vCPU mutex the user does not take',
    kinds: ['use_after_free'],
    buggy: `struct xive_vcpu { int valid; } struct kvm_vcpu { mutex mutex; struct xive_vcpu *xive_vcpu; } struct kvm_vcpu vcpu[1];
      init { vcpu[0].xive_vcpu = kzalloc(struct xive_vcpu); }
      thread release { mutex_lock(&vcpu[0].mutex); struct xive_vcpu *x = vcpu[0].xive_vcpu; vcpu[0].xive_vcpu = NULL; mutex_unlock(&vcpu[0].mutex); kfree(x); }
      vcpu v0 { struct xive_vcpu *x = vcpu[0].xive_vcpu; if (x != NULL) { x->valid = 1; } }`,
    fixed: `struct xive_vcpu { int valid; } struct kvm_vcpu { mutex mutex; struct xive_vcpu *xive_vcpu; } struct kvm_vcpu vcpu[1];
      init { vcpu[0].xive_vcpu = kzalloc(struct xive_vcpu); }
      thread release { mutex_lock(&vcpu[0].mutex); struct xive_vcpu *x = vcpu[0].xive_vcpu; vcpu[0].xive_vcpu = NULL; mutex_unlock(&vcpu[0].mutex); kfree(x); }
      vcpu v0 { mutex_lock(&vcpu[0].mutex); struct xive_vcpu *x = vcpu[0].xive_vcpu; if (x != NULL) { x->valid = 1; } mutex_unlock(&vcpu[0].mutex); }`,
  },
  {
    name: 'sleeping under an rwlock_t read hold',
    kinds: ['sleep_in_atomic'],
    buggy: 'rwlock_t l; mutex m; thread t { read_lock(&l); mutex_lock(&m); mutex_unlock(&m); read_unlock(&l); }',
    fixed: 'rwlock_t l; mutex m; thread t { mutex_lock(&m); read_lock(&l); read_unlock(&l); mutex_unlock(&m); }',
  },
  {
    name: 'rwlock_t read in an irq handler, written with interrupts on',
    kinds: ['irq_lock_inversion', 'deadlock'],
    buggy: `rwlock_t l; int n;
      thread t on cpu0 { write_lock(&l); n = 1; write_unlock(&l); }
      irq tick on cpu0 { read_lock(&l); int v = n; read_unlock(&l); }`,
    fixed: `rwlock_t l; int n;
      thread t on cpu0 { write_lock_irqsave(&l, 0); n = 1; write_unlock_irqrestore(&l, 0); }
      irq tick on cpu0 { read_lock(&l); int v = n; read_unlock(&l); }`,
  },
];

for (const c of CASES) {
  test(`${c.name}: found`, () => {
    const found = exploreAll(compileOk(c.buggy));
    for (const k of c.kinds) assert.ok(found.kinds.has(k), `expected ${k}, found ${[...found.kinds].join(', ') || 'nothing'}`);
    assert.deepEqual([...found.kinds].filter((k) => !c.kinds.includes(k)), [], 'no other kind');
  });
  test(`${c.name}: fixed twin is clean in every interleaving`, () => {
    const found = exploreAll(compileOk(c.fixed));
    assert.deepEqual(found.violations.map((v) => `${v.kind}: ${v.message}`), []);
    assert.ok(found.states > 1);
  });
}

test('lockdep reports a cycle that no explored run can deadlock on', () => {
  // t2 takes b then a only after t1 has finished with both: no deadlock is reachable,
  // yet the class graph has a -> b and b -> a.
  const s = compileOk(`mutex a; mutex b; bool done;
    thread t1 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); done = true; }
    thread t2 { await(done); mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }`);
  const found = exploreAll(s);
  assert.deepEqual([...found.kinds], ['lock_order']);
  const v = found.violations[0]!;
  assert.match(v.report, /WARNING: possible circular locking dependency detected/);
  assert.match(v.report, /Possible unsafe locking scenario:/);
  assert.match(v.report, / {2}lock\(b\);\n {31}lock\(a\);\n {31}lock\(b\);\n {2}lock\(a\);/);
});

test('use-after-free reports say where the object was allocated and freed, KASAN style', () => {
  const found = exploreAll(compileOk(CASES[3]!.buggy));
  const v = found.violations.find((x) => x.kind === 'use_after_free')!;
  assert.match(v.report, /BUG: KASAN: slab-use-after-free in user/);
  // The field is an int: KASAN reports the width of the access by the field type.
  assert.match(v.report, /Write of size 4 at addr .* by task user\/2/);
  assert.match(v.report, /Allocated by task 1 \(owner\):\n kzalloc owner\+test\.lockstep:2:/);
  assert.match(v.report, /Freed by task 1 \(owner\):\n kfree owner\+test\.lockstep:2:/);
  assert.deepEqual(v.related.map((r) => r.message), ['obj#1 allocated here by owner', 'freed here by owner']);
});

test('lockdep names a work item\'s completion in the cycle it closes', () => {
  const c = CASES.find((x) => x.name.startsWith('flush_work'))!;
  const v = exploreAll(compileOk(c.buggy)).violations.find((x) => x.kind === 'lock_order')!;
  assert.match(v.message, /\(work_completion\)\(w\)/);
  assert.match(v.report, /lock\(m\);|lock\(\(work_completion\)\(w\)\);/);
});
