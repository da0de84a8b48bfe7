// Allocations as the kernel writes them (sizeof, GFP flags, array and kv* forms), smp_store_mb,
// the vCPU's kvm->srcu read section, the xarray and IDR families, hlists that tear, fget/fput
// and lockdep_set_class. For each: the construct works, its detector fires on a minimal
// scenario and is silent on the fixed twin, reduced and unreduced searches agree, and a
// misuse is an error with a suggestion.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agreedKinds, errorsOf } from '../helpers/scenario';

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
