// Memory, user copies and small atomics as the kernel writes them: failure injection
// (`config FAULT_INJECTION;`) makes allocations, user copies and interruptible sleeps fail
// as a branch the checker explores; bit operations and exchanges are single marked steps.
// Each detector fires on the buggy form and not on the fixed twin, and reduced and
// unreduced searches agree.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from '../../core/explore';
import { compileOk, exploreAll } from '../helpers/scenario';

function kinds(text: string, reduction = true): string[] {
  return [...new Set(check(compileOk(text), { reduction }).violations.map((v) => v.kind))].sort();
}

function agree(text: string): string[] {
  const reduced = kinds(text);
  assert.deepEqual(kinds(text, false), reduced, 'reduced and unreduced searches agree');
  assert.deepEqual([...exploreAll(compileOk(text)).kinds].sort(), reduced, 'and a plain walk of every state agrees');
  return reduced;
}

const ALLOC = (config: boolean, checked: boolean): string => `
${config ? 'config FAULT_INJECTION;' : ''}
struct dev { int id; }
struct dev *devs;
thread create {
    struct dev *d = kzalloc(struct dev, GFP_KERNEL);
    ${checked ? 'if (d == NULL) { return; }' : ''}
    d->id = 1;
    devs = d;
}
`;

test('failure injection: a failed allocation is explored only when configured', () => {
  assert.deepEqual(agree(ALLOC(false, false)), []);
  assert.deepEqual(agree(ALLOC(true, false)), ['null_deref']);
  assert.deepEqual(agree(ALLOC(true, true)), []);
});

test('failure injection: mutex_lock_interruptible returns -EINTR without the mutex', () => {
  const text = (checked: boolean): string => `
    config FAULT_INJECTION;
    mutex m;
    int x;
    fn ioctl() {
        int ret = mutex_lock_interruptible(&m);
        ${checked ? 'if (ret) { return; }' : ''}
        x = x + 1;
        mutex_unlock(&m);
    }
    thread a { ioctl(); }
    thread b { ioctl(); }
  `;
  assert.deepEqual(agree(text(false)), ['unlock_not_held']);
  assert.deepEqual(agree(text(true)), []);
});

test('user copies may sleep, and may fail under fault injection', () => {
  assert.deepEqual(agree('spinlock l; thread t { int v; spin_lock(&l); copy_from_user(0, 0, 8); spin_unlock(&l); }'), ['sleep_in_atomic']);
  const efault = `
    config FAULT_INJECTION;
    int copied;
    thread t {
        if (copy_from_user(0, 0, 8)) { return; }
        copied = 1;
    }
    final { assert(copied == 1); }
  `;
  assert.deepEqual(agree(efault), ['assertion']);
  assert.deepEqual(agree(efault.replace('config FAULT_INJECTION;', '')), []);
});

test('every user and guest copy may sleep and, under fault injection, fails with its own value', () => {
  const calls: readonly [string, string][] = [
    ['copy_from_user(0, 0, 8)', '8'], ['copy_to_user(0, 0, 4)', '4'], ['get_user(0, 0)', '-EFAULT'], ['put_user(0, 0)', '-EFAULT'],
    ['kvm_read_guest(0, 0x1000, 0, 8)', '-EFAULT'], ['kvm_write_guest(0, 0x1000, 0, 8)', '-EFAULT'],
  ];
  for (const [call, failed] of calls) {
    assert.deepEqual(agree(`spinlock l; thread t { spin_lock(&l); ${call}; spin_unlock(&l); }`), ['sleep_in_atomic'], call);
    const text = (fi: boolean): string => `
      ${fi ? 'config FAULT_INJECTION;' : ''}
      int ret;
      thread t { ret = ${call}; }
      final { assert(ret == 0); }
    `;
    assert.deepEqual(agree(text(false)), [], call);
    assert.deepEqual(agree(text(true)), ['assertion'], call);
    // The failing outcome is exactly the kernel's: bytes not copied, or -EFAULT.
    assert.deepEqual(agree(text(true).replace('ret == 0', `ret == 0 || ret == ${failed}`)), [], call);
  }
  assert.deepEqual(agree('spinlock l; thread t { spin_lock(&l); might_fault(); spin_unlock(&l); }'), ['sleep_in_atomic']);
  assert.deepEqual(agree('thread t { might_fault(); }'), []);
});

test('test_and_set_bit claims once; test_bit then set_bit lets two claim', () => {
  const text = (atomic: boolean): string => `
    int flags;
    int claimed;
    fn claim() {
        ${atomic ? 'if (!test_and_set_bit(0, &flags)) {' : 'if (!test_bit(0, &flags)) { set_bit(0, &flags);'}
            atomic_inc(&claims);
        }
    }
    atomic_t claims;
    thread a on cpu0 { claim(); }
    thread b on cpu1 { claim(); }
    final { assert(atomic_read(&claims) == 1); }
  `;
  assert.deepEqual(agree(text(true)), []);
  assert.deepEqual(agree(text(false)), ['assertion']);
});

test('xchg and cmpxchg are one step each; cmpxchg loses a race it should', () => {
  const text = `
    int owner;
    thread a on cpu0 { if (cmpxchg(&owner, 0, 1) == 0) { atomic_inc(&won); } }
    thread b on cpu1 { if (cmpxchg(&owner, 0, 2) == 0) { atomic_inc(&won); } }
    atomic_t won;
    final { assert(atomic_read(&won) == 1); assert(owner != 0); }
  `;
  assert.deepEqual(agree(text), []);
  assert.deepEqual(agree('int p; thread a { int old = xchg(&p, 5); assert(old == 0); } thread b { int old = xchg(&p, 7); assert(old == 0); }'), ['assertion']);
});

test('errno names of errno-base.h and the common errno.h ones are constants', () => {
  const s = compileOk('int r; thread t { r = -ENXIO; r = -ENOSPC; r = -EWOULDBLOCK; r = -ENOTTY; r = -EIO; }');
  assert.ok(s);
});
