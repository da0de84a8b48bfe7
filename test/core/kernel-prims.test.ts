// Allocations as the kernel writes them (sizeof, GFP flags, array and kv* forms), smp_store_mb,
// the vCPU's kvm->srcu read section, the xarray and IDR families, hlists that tear, fget/fput
// and lockdep_set_class. For each: the construct works, its detector fires on a minimal
// scenario and is silent on the fixed twin, reduced and unreduced searches agree, and a
// misuse is an error with a suggestion.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from '../../core/explore';
import { agreedKinds, compileOk, errorsOf } from '../helpers/scenario';

// ---------- allocations ----------

const ALLOC = (form: string, checked: boolean): string => `
config FAULT_INJECTION;
struct dev { int id; }
struct dev *devs;
thread create {
    struct dev *d = ${form};
    ${checked ? 'if (!d) return;' : ''}
    d->id = 1;
    devs = d;
}
`;

test('allocations written as the kernel does: sizeof(*p), sizeof(struct T), arrays, kv*', () => {
  for (const form of [
    'kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT)',
    'kmalloc(sizeof(struct dev), GFP_ATOMIC)',
    'kcalloc(4, sizeof(*d), GFP_KERNEL)',
    'kmalloc_array(2, sizeof(struct dev), GFP_KERNEL | __GFP_ZERO)',
    'kvzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT)',
    'kvmalloc(sizeof(*d), GFP_KERNEL)',
    'kvcalloc(1, sizeof(*d), GFP_KERNEL)',
  ]) {
    assert.deepEqual(agreedKinds(ALLOC(form, false)), ['null_deref'], `${form} may fail under FAULT_INJECTION`);
    assert.deepEqual(agreedKinds(ALLOC(form, true)), [], `${form} checked`);
  }
});

test('an array allocation of no elements is NULL; sizeof(*p) after the declaration measures *p', () => {
  assert.deepEqual(agreedKinds(`
struct dev { int id; }
thread t { int n = 0; struct dev *d = kcalloc(n, sizeof(*d), GFP_KERNEL); d->id = 1; }`), ['null_deref']);
  assert.deepEqual(agreedKinds(`
struct dev { int id; }
struct dev *g;
thread t { struct dev *d; d = kzalloc(sizeof(*d), GFP_KERNEL); g = d; kvfree(d); }`), []);
});

test('GFP flags decide whether an allocation may sleep', () => {
  const under = (gfp: string): string => `
struct dev { int id; }
struct dev *g;
spinlock_t lock;
thread t { spin_lock(&lock); g = kzalloc(sizeof(struct dev), ${gfp}); spin_unlock(&lock); }`;
  assert.deepEqual(agreedKinds(under('GFP_KERNEL_ACCOUNT')), ['sleep_in_atomic']);
  assert.deepEqual(agreedKinds(under('GFP_KERNEL | __GFP_NOWARN')), ['sleep_in_atomic']);
  assert.deepEqual(agreedKinds(under('GFP_ATOMIC')), []);
  assert.deepEqual(agreedKinds(under('GFP_NOWAIT | __GFP_ZERO')), []);
});

test('kvfree frees as kfree does: twice is a double free', () => {
  const text = (twice: boolean): string => `
struct buf { int n; }
thread t { struct buf *b = kvzalloc(sizeof(*b), GFP_KERNEL); kvfree(b); ${twice ? 'kvfree(b);' : ''} }`;
  assert.deepEqual(agreedKinds(text(true)), ['double_free']);
  assert.deepEqual(agreedKinds(text(false)), []);
});

test('an allocation size that is not a struct is an error with the forms that work', () => {
  const errs = errorsOf(`
struct dev { int id; }
thread t { int n = 4; struct dev *d = kzalloc(sizeof(n), GFP_KERNEL); struct dev *e = kcalloc(2, n, GFP_KERNEL); }`);
  assert.equal(errs.length, 2, errs.join('\n'));
  assert.match(errs[0]!, /^3:47: kzalloc allocates a struct here, but sizeof\(n\) is the size of an int \(use sizeof\(struct T\), or sizeof\(\*p\)/);
  assert.match(errs[1]!, /kcalloc expects a struct type \(kcalloc\(n, sizeof\(\*p\), GFP_KERNEL\) or kcalloc\(n, struct T\)\)/);
});

// ---------- smp_store_mb ----------

test('smp_store_mb is one marked store of the value', () => {
  const text = (store: string): string => `
config KCSAN;
int mode;
thread vcpu0 on cpu0 { ${store} BUG_ON(READ_ONCE(mode) != 1); }
thread kicker on cpu1 { int m = mode; }`;
  assert.deepEqual(agreedKinds(text('mode = 1;')), ['data_race']);
  assert.deepEqual(agreedKinds(text('smp_store_mb(mode, 1);')), []);
  assert.deepEqual(agreedKinds(text('smp_store_mb(mode, 2);')), ['assertion']);
});

// ---------- kvm_vcpu_srcu_read_lock ----------

const VCPU_SRCU = (reader: boolean, grace: boolean): string => `
struct kvm_memslots { int base_gfn; };
struct kvm {
    struct srcu_struct srcu;
    struct mutex slots_lock;
    struct kvm_memslots *memslots;
};
struct kvm kvm;

vcpu v0 on cpu0 {
    ${reader ? 'kvm_vcpu_srcu_read_lock(vcpu);' : ''}
    struct kvm_memslots *slots = srcu_dereference(vcpu->kvm->memslots, &vcpu->kvm->srcu);
    int base = slots->base_gfn;
    ${reader ? 'kvm_vcpu_srcu_read_unlock(vcpu);' : ''}
}

thread qemu on cpu1 {
    mutex_lock(&kvm.slots_lock);
    struct kvm_memslots *old = kvm.memslots;
    struct kvm_memslots *slots = kzalloc(sizeof(*slots), GFP_KERNEL_ACCOUNT);
    rcu_assign_pointer(kvm.memslots, slots);
    mutex_unlock(&kvm.slots_lock);
    ${grace ? 'synchronize_srcu(&kvm.srcu);' : ''}
    kfree(old);
}

init { kvm.memslots = kzalloc(sizeof(struct kvm_memslots), GFP_KERNEL); }
`;

test('kvm_vcpu_srcu_read_lock holds kvm->srcu for the vCPU: synchronize_srcu waits for it', () => {
  assert.deepEqual(agreedKinds(VCPU_SRCU(true, true)), []);
  assert.deepEqual(agreedKinds(VCPU_SRCU(true, false)), ['use_after_free']);
  assert.deepEqual(agreedKinds(VCPU_SRCU(false, true)), ['suspicious_rcu', 'use_after_free']);
});

test('kvm_vcpu_srcu_read_unlock without the section is a bad unlock; without kvm->srcu an error', () => {
  assert.deepEqual(agreedKinds(`
struct kvm { struct srcu_struct srcu; };
struct kvm kvm;
vcpu v0 { kvm_vcpu_srcu_read_unlock(vcpu); }`), ['unlock_not_held']);
  const errs = errorsOf(`
struct kvm { struct mutex lock; };
struct kvm kvm;
vcpu v0 { kvm_vcpu_srcu_read_lock(vcpu); }`);
  assert.deepEqual(errs, ["4:11: kvm_vcpu_srcu_read_lock takes vcpu->kvm->srcu, but struct kvm has no struct srcu_struct srcu field (add 'struct srcu_struct srcu;' to it)"]);
});

// ---------- XArray ----------

const XA_LOOKUP = (fixed: boolean): string => `
struct kvm_vcpu_stat { int exits; };
DEFINE_XARRAY(vcpus);

thread lookup on cpu0 "a reader" {
    ${fixed ? 'rcu_read_lock();' : ''}
    struct kvm_vcpu_stat *v = xa_load(&vcpus, 3);
    if (v)
        v->exits = v->exits + 1;
    ${fixed ? 'rcu_read_unlock();' : ''}
}

thread remove on cpu1 "the destroyer" {
    struct kvm_vcpu_stat *v = xa_erase(&vcpus, 3);
    ${fixed ? 'synchronize_rcu();' : ''}
    kfree(v);
}

init {
    struct kvm_vcpu_stat *v = kzalloc(sizeof(*v), GFP_KERNEL);
    xa_store(&vcpus, 3, v, GFP_KERNEL);
}
`;

test('xa_load racing xa_erase and kfree is a use-after-free; RCU around the lookup fixes it', () => {
  assert.deepEqual(agreedKinds(XA_LOOKUP(false)), ['use_after_free']);
  assert.deepEqual(agreedKinds(XA_LOOKUP(true)), []);
});

test('xa_store, xa_load, xa_erase and xa_empty keep an index -> pointer map; an XArray field works in a heap object', () => {
  assert.deepEqual(agreedKinds(`
struct obj { int id; };
struct table { struct mutex lock; struct xarray xa; };
thread t {
    struct table *t = kzalloc(sizeof(*t), GFP_KERNEL);
    struct obj *a = kzalloc(sizeof(*a), GFP_KERNEL);
    struct obj *b = kzalloc(sizeof(*b), GFP_KERNEL);
    xa_init(&t->xa);
    BUG_ON(!xa_empty(&t->xa));
    BUG_ON(xa_store(&t->xa, 7, a, GFP_KERNEL) != NULL);
    BUG_ON(xa_store(&t->xa, 100, b, GFP_KERNEL) != NULL);
    BUG_ON(xa_load(&t->xa, 7) != a);
    BUG_ON(xa_load(&t->xa, 8) != NULL);
    BUG_ON(xa_store(&t->xa, 7, b, GFP_KERNEL) != a);
    BUG_ON(xa_erase(&t->xa, 7) != b);
    BUG_ON(xa_erase(&t->xa, 100) != b);
    BUG_ON(!xa_empty(&t->xa));
    kfree(a); kfree(b); kfree(t);
}`), []);
});

test('__xa_erase wants xa_lock; xa_store under it spins on itself; xa_lock is a lockdep class &xa->xa_lock', () => {
  const under = (body: string): string => `
struct obj { int id; };
DEFINE_XARRAY(objs);
thread t { unsigned long flags; ${body} }`;
  assert.deepEqual(agreedKinds(under('xa_lock(&objs); __xa_erase(&objs, 1); xa_unlock(&objs);')), []);
  assert.deepEqual(agreedKinds(under('xa_lock_irqsave(&objs, flags); __xa_store(&objs, 1, NULL, GFP_ATOMIC); xa_unlock_irqrestore(&objs, flags);')), []);
  assert.deepEqual(agreedKinds(under('__xa_erase(&objs, 1);')), ['assertion']);
  assert.deepEqual(agreedKinds(under('xa_lock_bh(&objs); xa_erase(&objs, 1); xa_unlock_bh(&objs);')), ['deadlock']);
  assert.deepEqual(agreedKinds(under('xa_lock_irq(&objs); struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL); xa_unlock_irq(&objs); kfree(o);')), ['sleep_in_atomic']);
  const abba = `
DEFINE_MUTEX(lock);
DEFINE_XARRAY(objs);
thread a on cpu0 { mutex_lock(&lock); xa_store(&objs, 1, NULL, GFP_ATOMIC); mutex_unlock(&lock); }
thread b on cpu1 { xa_lock(&objs); mutex_lock(&lock); mutex_unlock(&lock); xa_unlock(&objs); }`;
  assert.deepEqual(agreedKinds(abba), ['lock_order', 'sleep_in_atomic']);
  const r = check(compileOk(abba));
  assert.match(r.violations.find((v) => v.kind === 'lock_order')!.message, /&xa->xa_lock/);
});

// ---------- IDR ----------

test('idr_alloc hands out the lowest free id in [start, end), then -ENOSPC; idr_find and idr_remove', () => {
  assert.deepEqual(agreedKinds(`
struct port { int n; };
DEFINE_IDR(ports);
thread t {
    struct port *a = kzalloc(sizeof(*a), GFP_KERNEL);
    BUG_ON(idr_alloc(&ports, a, 1, 3, GFP_KERNEL) != 1);
    BUG_ON(idr_alloc(&ports, a, 1, 3, GFP_KERNEL) != 2);
    BUG_ON(idr_alloc(&ports, a, 1, 3, GFP_KERNEL) != -ENOSPC);
    BUG_ON(idr_alloc(&ports, a, 5, 0, GFP_KERNEL) != 5);
    BUG_ON(idr_find(&ports, 2) != a);
    BUG_ON(idr_remove(&ports, 2) != a);
    BUG_ON(idr_find(&ports, 2) != NULL);
    BUG_ON(idr_remove(&ports, 2) != NULL);
    idr_remove(&ports, 1);
    idr_remove(&ports, 5);
    kfree(a);
}`), []);
});

test('IDR writers that nothing serialises race (KCSAN); a mutex around them is silent', () => {
  const text = (locked: boolean): string => `
config KCSAN;
struct port { int n; };
DEFINE_IDR(ports);
DEFINE_MUTEX(lock);
struct port p1;
struct port p2;
thread a on cpu0 { ${locked ? 'mutex_lock(&lock);' : ''} idr_alloc(&ports, &p1, 1, 0, GFP_KERNEL); ${locked ? 'mutex_unlock(&lock);' : ''} }
thread b on cpu1 { ${locked ? 'mutex_lock(&lock);' : ''} idr_alloc(&ports, &p2, 1, 0, GFP_KERNEL); ${locked ? 'mutex_unlock(&lock);' : ''} }
thread c on cpu2 { struct port *p = idr_find(&ports, 1); }`;
  assert.deepEqual(agreedKinds(text(false)), ['data_race']);
  assert.deepEqual(agreedKinds(text(true)), []);
});

test('XArray and IDR misuse is an error naming what to use', () => {
  const errs = errorsOf(`
struct obj { list_head node; struct xarray xa; };
DEFINE_IDR(ids);
struct obj o;
thread t { xa_load(&o.node, 1); idr_find(&o.xa, 1); xa_erase(&ids, 1); xa_load(&o, 1); }`);
  assert.equal(errs.length, 4, errs.join('\n'));
  assert.match(errs[0]!, /xa_load expects a struct xarray, but o\.node is a list_head/);
  assert.match(errs[1]!, /idr_find expects a struct idr, but o\.xa is a struct xarray \(an XArray takes xa_store, xa_load, xa_erase\)/);
  assert.match(errs[2]!, /xa_erase expects a struct xarray, but ids is a struct idr \(an IDR takes idr_alloc, idr_find, idr_remove\)/);
  assert.match(errs[3]!, /xa_load expects a struct xarray, but o is a struct obj \(did you mean &o->xa\?\)/);
});

// ---------- hlists ----------

const HLIST = (locked: boolean): string => `
struct item { int key; struct hlist_node node; };
HLIST_HEAD(bucket);
DEFINE_SPINLOCK(lock);

fn add(int key) {
    struct item *it = kzalloc(sizeof(*it), GFP_KERNEL);
    it->key = key;
    ${locked ? 'spin_lock(&lock);' : ''}
    hlist_add_head(&it->node, &bucket);
    ${locked ? 'spin_unlock(&lock);' : ''}
}

thread a on cpu0 { add(1); }
thread b on cpu1 { add(2); }

final {
    struct item *it;
    int n = 0;
    hlist_for_each_entry(it, &bucket, node)
        n++;
    assert(n == 2);
}
`;

test('hlist_add_head takes the kernel\'s stores: unserialised adds lose a node; a lock keeps both', () => {
  assert.deepEqual(agreedKinds(HLIST(false)), ['assertion', 'leak']);
  assert.deepEqual(agreedKinds(HLIST(true)), []);
});

test('hlist_del unlinks and poisons, hlist_del_init reinitialises; the walk sees what is left', () => {
  assert.deepEqual(agreedKinds(`
struct item { int key; struct hlist_node node; };
struct table { struct hlist_head hash; };
struct table t;
struct item a;
struct item b;
struct item c;
thread w {
    struct item *it;
    int sum = 0;
    INIT_HLIST_NODE(&c.node);
    BUG_ON(!hlist_empty(&t.hash) || !hlist_unhashed(&c.node));
    hlist_add_head(&a.node, &t.hash);
    hlist_add_head_rcu(&b.node, &t.hash);
    hlist_add_head(&c.node, &t.hash);
    hlist_del(&b.node);
    hlist_for_each_entry(it, &t.hash, node)
        sum = sum * 10 + it->key;
    BUG_ON(sum != 31);
    BUG_ON(it != NULL);
    hlist_del_rcu(&c.node);
    hlist_del_init(&a.node);
    hlist_del_init(&a.node);
    BUG_ON(!hlist_empty(&t.hash) || !hlist_unhashed(&a.node));
}
init { a.key = 1; b.key = 2; c.key = 3; }`), []);
  assert.deepEqual(agreedKinds(`
struct item { int key; struct hlist_node node; };
HLIST_HEAD(h);
struct item a;
thread w { hlist_add_head(&a.node, &h); hlist_del(&a.node); hlist_del(&a.node); }`), ['list_corruption'], 'the second delete faults on LIST_POISON2');
  assert.deepEqual(agreedKinds(`
struct item { int key; struct hlist_node node; };
struct item a;
thread w { INIT_HLIST_NODE(&a.node); hlist_del(&a.node); }`), ['null_deref'], 'a node never added has pprev NULL');
});

test('hlist_for_each_entry_rcu walks under RCU: a node deleted and freed after a grace period is never read freed', () => {
  const text = (grace: boolean): string => `
struct item { int key; struct hlist_node node; };
HLIST_HEAD(h);
DEFINE_SPINLOCK(lock);
struct item *the;
thread reader on cpu0 {
    struct item *it;
    int sum = 0;
    rcu_read_lock();
    hlist_for_each_entry_rcu(it, &h, node)
        sum = sum + it->key;
    rcu_read_unlock();
}
thread remover on cpu1 {
    spin_lock(&lock);
    hlist_del_rcu(&the->node);
    spin_unlock(&lock);
    ${grace ? 'synchronize_rcu();' : ''}
    kfree(the);
}
init {
    the = kzalloc(sizeof(*the), GFP_KERNEL);
    the->key = 1;
    hlist_add_head_rcu(&the->node, &h);
}`;
  assert.deepEqual(agreedKinds(text(false)), ['use_after_free']);
  assert.deepEqual(agreedKinds(text(true)), []);
});

test('hlist misuse is an error naming the right form', () => {
  const errs = errorsOf(`
struct item { struct hlist_node node; list_head link; };
HLIST_HEAD(h);
LIST_HEAD(l);
struct item a;
thread t {
    struct item *it;
    hlist_add_head(&h, &a.node);
    list_add(&a.node, &l);
    hlist_for_each_entry(it, &l, link) { }
    list_for_each_entry(it, &h, node) { }
}`);
  assert.ok(errs.some((e) => /hlist_add_head expects a struct hlist_node, but h is a struct hlist_head \(the head goes second: hlist_add_head\(&obj->node, &head\)\)/.test(e)), errs.join('\n'));
  assert.ok(errs.some((e) => /hlist_for_each_entry needs a struct hlist_head, but this is a list_head \(use list_for_each_entry\)/.test(e)), errs.join('\n'));
  assert.ok(errs.some((e) => /list_for_each_entry needs a list_head, but this is a struct hlist_head \(use hlist_for_each_entry\)/.test(e)), errs.join('\n'));
});

// ---------- lockdep_set_class ----------

const NESTED = (keyed: boolean): string => `
struct kvm { struct mutex lock; };
struct kvm l1;
struct kvm l2;
static struct lock_class_key nested_vm_key;
thread t {
    ${keyed ? 'lockdep_set_class(&l2.lock, &nested_vm_key);' : ''}
    mutex_lock(&l1.lock);
    mutex_lock(&l2.lock);
    mutex_unlock(&l2.lock);
    mutex_unlock(&l1.lock);
}
`;

test('lockdep_set_class gives one instance a class of its own: nesting two instances is then no recursive locking', () => {
  assert.deepEqual(agreedKinds(NESTED(false)), ['recursive_locking']);
  assert.deepEqual(agreedKinds(NESTED(true)), []);
});

test('a re-keyed lock orders by its key\'s class, named after the key', () => {
  const text = `
struct dev { spinlock_t lock; };
struct dev a;
struct dev b;
static struct lock_class_key b_key;
init { lockdep_set_class(&b.lock, &b_key); }
thread x on cpu0 { spin_lock(&a.lock); spin_lock(&b.lock); spin_unlock(&b.lock); spin_unlock(&a.lock); }
thread y on cpu1 { spin_lock(&b.lock); spin_lock(&a.lock); spin_unlock(&a.lock); spin_unlock(&b.lock); }`;
  assert.deepEqual(agreedKinds(text), ['deadlock', 'lock_order']);
  const order = check(compileOk(text)).violations.find((v) => v.kind === 'lock_order')!;
  assert.match(order.message, /b_key/);
});

test('lockdep_set_class misuse: a key for another kind of lock, or not a key', () => {
  const errs = errorsOf(`
struct dev { spinlock_t lock; struct mutex m; };
struct dev a;
static struct lock_class_key key;
thread t { lockdep_set_class(&a.lock, &key); lockdep_set_class(&a.m, &key); lockdep_set_class(&a.m, &a); }`);
  assert.equal(errs.length, 2, errs.join('\n'));
  assert.match(errs[0]!, /this lock_class_key already keys a spinlock; a\.m is a mutex \(declare a key per kind of lock\)/);
  assert.match(errs[1]!, /lockdep_set_class expects a struct lock_class_key, but a is a struct dev/);
});
