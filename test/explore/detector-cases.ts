// Minimal scenarios, one per violation class: a buggy version that must report the class
// and a fixed twin that must verify. Shared by the detector tests and the CLI tests.

import type { ViolationKind } from '../../core/model/types';

export interface DetectorCase {
  readonly kind: ViolationKind;
  readonly title: string;
  readonly buggy: string;
  readonly fixed: string;
}

export const DETECTOR_CASES: readonly DetectorCase[] = [
  {
    kind: 'deadlock',
    title: 'ABBA deadlock',
    buggy: `mutex a; mutex b;
thread t0 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
thread t1 { mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }`,
    fixed: `mutex a; mutex b;
thread t0 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
thread t1 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }`,
  },
  {
    kind: 'lock_order',
    title: 'A->B then B->A, never overlapping (no run deadlocks)',
    buggy: `mutex a; mutex b; bool done;
thread t0 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); done = true; }
thread t1 { await(done); mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }`,
    fixed: `mutex a; mutex b; bool done;
thread t0 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); done = true; }
thread t1 { await(done); mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }`,
  },
  {
    kind: 'irq_lock_inversion',
    title: 'spinlock taken in an irq handler and with interrupts on',
    buggy: `spinlock l; int x;
thread t on cpu0 { spin_lock(&l); x = 1; spin_unlock(&l); }
irq h on cpu1 { spin_lock(&l); x = 2; spin_unlock(&l); }`,
    fixed: `spinlock l; int x;
thread t on cpu0 { int flags; spin_lock_irqsave(&l, flags); x = 1; spin_unlock_irqrestore(&l, flags); }
irq h on cpu1 { spin_lock(&l); x = 2; spin_unlock(&l); }`,
  },
  {
    kind: 'use_after_free',
    title: 'object freed while another thread still uses it',
    buggy: `struct obj { int v; }
struct obj *gp; bool ready; bool used;
thread owner { struct obj *o = kzalloc(struct obj); gp = o; ready = true; kfree(o); }
thread user { await(ready); struct obj *o = gp; int v = o->v; used = true; }`,
    fixed: `struct obj { int v; }
struct obj *gp; bool ready; bool used;
thread owner { struct obj *o = kzalloc(struct obj); gp = o; ready = true; await(used); kfree(o); }
thread user { await(ready); struct obj *o = gp; int v = o->v; used = true; }`,
  },
  {
    kind: 'double_free',
    title: 'two threads both take the pointer and free it',
    buggy: `struct obj { int v; }
struct obj *gp; bool ready;
thread setup { gp = kzalloc(struct obj); ready = true; }
thread a { await(ready); struct obj *o = gp; if (o != NULL) { gp = NULL; kfree(o); } }
thread b { await(ready); struct obj *o = gp; if (o != NULL) { gp = NULL; kfree(o); } }`,
    fixed: `struct obj { int v; }
struct obj *gp; bool ready; mutex m;
thread setup { gp = kzalloc(struct obj); ready = true; }
thread a { await(ready); mutex_lock(&m); struct obj *o = gp; if (o != NULL) { gp = NULL; kfree(o); } mutex_unlock(&m); }
thread b { await(ready); mutex_lock(&m); struct obj *o = gp; if (o != NULL) { gp = NULL; kfree(o); } mutex_unlock(&m); }`,
  },
  {
    kind: 'list_corruption',
    title: 'an entry deleted from its list twice',
    buggy: `struct e { list_head node; }
list_head head; struct e *gp; bool ready;
thread setup { struct e *x = kzalloc(struct e); list_add(&x->node, &head); gp = x; ready = true; }
thread a { await(ready); list_del(&gp->node); }
thread b { await(ready); list_del(&gp->node); }`,
    fixed: `struct e { list_head node; }
list_head head; struct e *gp; bool ready;
thread setup { struct e *x = kzalloc(struct e); list_add(&x->node, &head); gp = x; ready = true; }
mutex m;
thread a { await(ready); mutex_lock(&m); list_del_init(&gp->node); mutex_unlock(&m); }
thread b { await(ready); mutex_lock(&m); list_del_init(&gp->node); mutex_unlock(&m); }`,
  },
  {
    kind: 'sleep_in_atomic',
    title: 'mutex_lock under a spinlock',
    buggy: `spinlock l; mutex m;
thread t { spin_lock(&l); mutex_lock(&m); mutex_unlock(&m); spin_unlock(&l); }`,
    fixed: `spinlock l; mutex m;
thread t { mutex_lock(&m); spin_lock(&l); spin_unlock(&l); mutex_unlock(&m); }`,
  },
  {
    kind: 'unlock_not_held',
    title: 'unlock of a mutex another thread holds',
    buggy: `mutex m; bool locked;
thread a { mutex_lock(&m); locked = true; await(!locked); mutex_unlock(&m); }
thread b { await(locked); mutex_unlock(&m); locked = false; }`,
    fixed: `mutex m; bool locked;
thread a { mutex_lock(&m); locked = true; await(!locked); mutex_unlock(&m); }
thread b { await(locked); locked = false; }`,
  },
  {
    kind: 'data_race',
    title: 'plain write and plain read with nothing ordering them',
    buggy: `config KCSAN;
int x;
thread a { x = 1; }
thread b { int v = x; }`,
    fixed: `config KCSAN;
int x;
thread a { WRITE_ONCE(x, 1); }
thread b { int v = READ_ONCE(x); }`,
  },
  {
    kind: 'assertion',
    title: 'an assertion that holds only in one order',
    buggy: `int x;
thread a { x = 1; }
thread b { assert(x == 0); }`,
    fixed: `int x;
thread a { x = 1; }
thread b { assert(x == 0 || x == 1); }`,
  },
  {
    kind: 'leak',
    title: 'an object nobody can reach when every thread is done',
    buggy: `struct obj { int v; }
thread a { struct obj *o = kzalloc(struct obj); o->v = 1; }`,
    fixed: `struct obj { int v; }
thread a { struct obj *o = kzalloc(struct obj); o->v = 1; kfree(o); }`,
  },
  {
    kind: 'livelock',
    title: 'a busy-wait on a flag nobody will set',
    buggy: `bool flag; bool other;
thread spinner { while (!READ_ONCE(flag)) { cpu_relax(); } }
thread setter { if (READ_ONCE(other)) { WRITE_ONCE(flag, true); } }`,
    fixed: `bool flag; bool other;
thread spinner { while (!READ_ONCE(flag)) { cpu_relax(); } }
thread setter { WRITE_ONCE(flag, true); }`,
  },
  {
    kind: 'null_deref',
    title: 'dereference of a pointer that may not be set yet',
    buggy: `struct obj { int v; }
struct obj *gp;
thread a { gp = kzalloc(struct obj); }
thread b { struct obj *o = gp; int v = o->v; }`,
    fixed: `struct obj { int v; }
struct obj *gp;
thread a { gp = kzalloc(struct obj); }
thread b { struct obj *o = gp; if (o != NULL) { int v = o->v; } }`,
  },
  {
    kind: 'recursive_locking',
    title: 'two mutexes of one class nested without a lockdep annotation',
    buggy: `struct kvm { mutex lock; int x; }
struct kvm src; struct kvm dst;
thread t { mutex_lock(&dst.lock); mutex_lock(&src.lock); dst.x = src.x; mutex_unlock(&src.lock); mutex_unlock(&dst.lock); }`,
    fixed: `struct kvm { mutex lock; int x; }
struct kvm src; struct kvm dst;
thread t { mutex_lock(&dst.lock); mutex_lock_nested(&src.lock, SINGLE_DEPTH_NESTING); dst.x = src.x; mutex_unlock(&src.lock); mutex_unlock(&dst.lock); }`,
  },
  {
    kind: 'suspicious_rcu',
    title: 'rcu_dereference outside rcu_read_lock()',
    buggy: `struct obj { int v; }
struct obj *gp;
thread updater { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }
thread reader { struct obj *o = rcu_dereference(gp); }`,
    fixed: `struct obj { int v; }
struct obj *gp;
thread updater { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }
thread reader { rcu_read_lock(); struct obj *o = rcu_dereference(gp); rcu_read_unlock(); }`,
  },
  {
    kind: 'list_corruption',
    title: 'two list_add on one list with nothing serialising them (the stores tear)',
    buggy: `struct dev { list_head node; }
list_head devices; struct dev *da; struct dev *db;
thread a { struct dev *d = kzalloc(struct dev); da = d; list_add(&d->node, &devices); }
thread b { struct dev *d = kzalloc(struct dev); db = d; list_add(&d->node, &devices); }
init { INIT_LIST_HEAD(&devices); }`,
    fixed: `struct dev { list_head node; }
list_head devices; struct dev *da; struct dev *db; mutex lock;
thread a { struct dev *d = kzalloc(struct dev); da = d; mutex_lock(&lock); list_add(&d->node, &devices); mutex_unlock(&lock); }
thread b { struct dev *d = kzalloc(struct dev); db = d; mutex_lock(&lock); list_add(&d->node, &devices); mutex_unlock(&lock); }
init { INIT_LIST_HEAD(&devices); }`,
  },
  {
    kind: 'use_after_free',
    title: 'refcount_inc on a count that already dropped to 0',
    buggy: `struct obj { refcount_t ref; }
struct obj *gp;
thread putter { if (refcount_dec_and_test(&gp->ref)) { } }
thread getter { refcount_inc(&gp->ref); }
init { gp = kzalloc(struct obj); refcount_set(&gp->ref, 1); }`,
    fixed: `struct obj { refcount_t ref; }
struct obj *gp;
thread putter { if (refcount_dec_and_test(&gp->ref)) { } }
thread getter { if (refcount_inc_not_zero(&gp->ref)) { } }
init { gp = kzalloc(struct obj); refcount_set(&gp->ref, 1); }`,
  },
  {
    kind: 'use_after_free',
    title: 'an SRCU reader still using an object the updater freed without waiting',
    buggy: `struct obj { int v; }
struct obj *gp; srcu ss;
thread reader { int idx = srcu_read_lock(&ss); struct obj *o = srcu_dereference(gp, &ss); if (o != NULL) { int v = o->v; } srcu_read_unlock(&ss, idx); }
thread updater { struct obj *o = rcu_dereference_protected(gp, true); rcu_assign_pointer(gp, NULL); kfree(o); }
init { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }`,
    fixed: `struct obj { int v; }
struct obj *gp; srcu ss;
thread reader { int idx = srcu_read_lock(&ss); struct obj *o = srcu_dereference(gp, &ss); if (o != NULL) { int v = o->v; } srcu_read_unlock(&ss, idx); }
thread updater { struct obj *o = rcu_dereference_protected(gp, true); rcu_assign_pointer(gp, NULL); synchronize_srcu(&ss); kfree(o); }
init { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }`,
  },
  {
    kind: 'use_after_free',
    title: 'kfree where kfree_rcu is needed: an RCU reader still sees the object',
    buggy: `struct obj { int v; }
struct obj *gp;
thread reader { rcu_read_lock(); struct obj *o = rcu_dereference(gp); if (o != NULL) { int v = o->v; } rcu_read_unlock(); }
thread updater { struct obj *o = rcu_dereference_protected(gp, true); RCU_INIT_POINTER(gp, NULL); kfree(o); }
init { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }`,
    fixed: `struct obj { int v; rcu_head rcu; }
struct obj *gp;
thread reader { rcu_read_lock(); struct obj *o = rcu_dereference(gp); if (o != NULL) { int v = o->v; } rcu_read_unlock(); }
thread updater { struct obj *o = rcu_dereference_protected(gp, true); RCU_INIT_POINTER(gp, NULL); kfree_rcu(o, rcu); }
init { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }`,
  },
  {
    kind: 'lock_order',
    title: 'synchronize_srcu under a mutex the readers take inside their read sections',
    buggy: `srcu ss; mutex lock; int x; bool done;
thread reader { int idx = srcu_read_lock(&ss); mutex_lock(&lock); x = 1; mutex_unlock(&lock); srcu_read_unlock(&ss, idx); done = true; }
thread updater { await(done); mutex_lock(&lock); x = 2; synchronize_srcu(&ss); mutex_unlock(&lock); }`,
    fixed: `srcu ss; mutex lock; int x; bool done;
thread reader { int idx = srcu_read_lock(&ss); mutex_lock(&lock); x = 1; mutex_unlock(&lock); srcu_read_unlock(&ss, idx); done = true; }
thread updater { await(done); mutex_lock(&lock); x = 2; mutex_unlock(&lock); synchronize_srcu(&ss); }`,
  },
];

/** The scenario text with its title and expect clause. */
export function scenarioText(c: DetectorCase, which: 'buggy' | 'fixed'): string {
  const kinds = c.kind === 'deadlock' ? 'deadlock, lock_order' : c.kind;
  return `scenario "${c.title} (${which})"\n${which === 'buggy' ? c.buggy : c.fixed}\n${which === 'buggy' ? `expect ${kinds};` : 'expect no violation;'}\n`;
}
