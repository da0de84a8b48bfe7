// Primitives of the kernel-idiom families that the other suites exercise only through a
// footprint or an example: each one works, its detector fires on a minimal scenario and stays
// silent on the fixed twin, and the reduced search, the unreduced one and a plain walk of
// every state agree on both (agreedKinds).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agreedKinds } from '../helpers/scenario';

test('WARN_ON_ONCE warns once and the run goes on; KVM_BUG_ON is an assertion too', () => {
  // The run goes on past the warning: the double free after it is reported too.
  const warn = (cond: string): string => `struct obj { int v; };
int x;
thread a { x = 1; }
thread b { struct obj *o = kzalloc(struct obj); if (WARN_ON_ONCE(${cond})) { kfree(o); } kfree(o); }`;
  assert.deepEqual(agreedKinds(warn('x == 1')), ['assertion', 'double_free']);
  assert.deepEqual(agreedKinds(warn('x == 2')), []);
  const bug = (cond: string): string => `struct kvm { int nr; };
struct kvm k;
thread a { k.nr = 1; }
thread b { KVM_BUG_ON(${cond}, &k); }`;
  assert.deepEqual(agreedKinds(bug('k.nr == 1')), ['assertion']);
  assert.deepEqual(agreedKinds(bug('k.nr > 1')), []);
});

test('rcu_replace_pointer returns the old pointer; freeing it needs a grace period', () => {
  const text = (free: string): string => `struct obj { int v; };
struct obj *gp;
mutex m;
thread reader { rcu_read_lock(); struct obj *o = rcu_dereference(gp); if (o != NULL) { int v = o->v; } rcu_read_unlock(); }
thread updater {
  struct obj *n = kzalloc(struct obj);
  mutex_lock(&m);
  struct obj *old = rcu_replace_pointer(gp, n, lockdep_is_held(&m));
  mutex_unlock(&m);
  ${free}
}
init { struct obj *o = kzalloc(struct obj); o->v = 7; rcu_assign_pointer(gp, o); }
final { struct obj *o = rcu_access_pointer(gp); assert(o->v == 0); }`;
  assert.deepEqual(agreedKinds(text('kfree(old);')), ['use_after_free']);
  assert.deepEqual(agreedKinds(text('synchronize_rcu(); kfree(old);')), []);
});

test('synchronize_irq waits for a running handler before the teardown frees its data', () => {
  const text = (sync: string): string => `struct ctx { int count; };
struct dev { struct ctx *ctx; };
struct dev d;
init { d.ctx = kzalloc(struct ctx); }
irq dev_intr on cpu1 line 11 "device interrupt" { struct ctx *c = READ_ONCE(d.ctx); if (c) c->count++; }
thread teardown on cpu0 { struct ctx *c = d.ctx; WRITE_ONCE(d.ctx, NULL); ${sync} kfree(c); }`;
  assert.deepEqual(agreedKinds(text('')), ['use_after_free']);
  assert.deepEqual(agreedKinds(text('synchronize_irq(11);')), []);
});

test('kref_get_unless_zero and atomic_inc_not_zero refuse a dying object; a plain get revives it', () => {
  const kref = (get: string): string => `struct obj { struct kref ref; int v; };
struct obj *table;
spinlock_t lock;
void obj_release(struct kref *ref) { struct obj *o = container_of(ref, struct obj, ref); spin_lock(&lock); table = NULL; spin_unlock(&lock); kfree(o); }
thread lookup {
  spin_lock(&lock);
  struct obj *o = table;
  ${get}
  spin_unlock(&lock);
  if (o != NULL) { o->v = 1; kref_put(&o->ref, obj_release); }
}
thread owner {
  struct obj *o = table;
  kref_put(&o->ref, obj_release);
}
init { struct obj *o = kzalloc(struct obj); kref_init(&o->ref); table = o; }`;
  assert.deepEqual(agreedKinds(kref('if (o != NULL) kref_get(&o->ref);')), ['use_after_free']);
  assert.deepEqual(agreedKinds(kref('if (o != NULL && !kref_get_unless_zero(&o->ref)) o = NULL;')), []);
  const atomic = (get: string): string => `atomic_t users;
int got;
thread a { if (${get}) { got = 1; } }
init { atomic_set(&users, 0); }
final { assert(got == 0); }`;
  assert.deepEqual(agreedKinds(atomic('atomic_inc_not_zero(&users)')), []);
  assert.deepEqual(agreedKinds(atomic('atomic_inc_return(&users) > 0')), ['assertion']);
});

test('work_pending is true from queue_work until the kworker starts', () => {
  const text = (check: string): string => `struct dev { struct work_struct work; int done; };
struct dev *d;
void dev_work(struct work_struct *w) { struct dev *p = container_of(w, struct dev, work); p->done = 1; }
thread t {
  INIT_WORK(&d->work, dev_work);
  assert(!work_pending(&d->work));
  schedule_work(&d->work);
  ${check}
}
init { d = kzalloc(struct dev); }`;
  assert.deepEqual(agreedKinds(text('flush_work(&d->work); assert(!work_pending(&d->work)); assert(d->done == 1);')), []);
  // Right after queuing it is pending in the runs where the kworker has not started yet.
  assert.deepEqual(agreedKinds(text('assert(!work_pending(&d->work));')), ['assertion']);
});

test('refcount_dec_and_lock takes the spinlock only for the last reference', () => {
  const text = (dec: string): string => `struct obj { refcount_t ref; } struct obj o; spinlock_t l; int released;
thread a { if (${dec}) { released = released + 1; spin_unlock(&l); } }
thread b { if (${dec}) { released = released + 1; spin_unlock(&l); } }
init { refcount_set(&o.ref, 2); }
final { assert(released == 1); }`;
  assert.deepEqual(agreedKinds(text('refcount_dec_and_lock(&o.ref, &l)')), []);
  // Without the lock taken by the primitive the unlock is unbalanced.
  assert.deepEqual(agreedKinds(text('refcount_dec_and_test(&o.ref)')), ['unlock_not_held']);
});
