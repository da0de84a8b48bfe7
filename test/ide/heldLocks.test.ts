// The held-lock inlay hints and the lock lints built on the same pass: exact hints on seeds
// 000 and 004 (buggy and fixed), trylocks, loops, calls with arguments, and the quick fix
// for a path that returns holding a lock.

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { analyze, applyEdits, codeActions, heldLockHints, type Analysis } from '../../core/ide';
import { example, lineOf } from './helpers';

/** `line: label` for every hint, the shape the expectations below are written in. */
function hints(a: Analysis): string[] {
  return heldLockHints(a).map((h) => `${lineOf(a, h.offset)}: ${h.label}`);
}

test('seed 004 (buggy): mem_list_mutex then mmap_sem in the ioctl, the reverse in mmap', () => {
  const a = example('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
  assert.deepEqual(hints(a), [
    // mm_iommu_adjust_locked_vm: only the ioctl reaches it (the mmap path's dev_hpa is not -1).
    '47: holds mem_list_mutex',
    '48: holds mem_list_mutex',
    '49: holds mem_list_mutex',
    '50: holds mem_list_mutex, mm->mmap_sem',
    '51: holds mem_list_mutex, mm->mmap_sem',
    '53: holds mem_list_mutex, mm->mmap_sem',
    '54: holds mem_list_mutex, mm->mmap_sem',
    '55: holds mem_list_mutex',
    // mm_iommu_do_alloc, called by both threads.
    '59: holds mm->mmap_sem (mmap)',
    '60: holds mm->mmap_sem (mmap)',
    '61: holds mm->mmap_sem (mmap)',
    '63: holds mm->mmap_sem (mmap)',
    '65: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '67: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '68: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '69: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '73: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '74: holds mem_list_mutex',
    '75: holds mem_list_mutex',
    '76: holds mem_list_mutex',
    '79: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '80: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '81: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '82: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '83: holds mem_list_mutex',
    '84: holds mem_list_mutex, mm->mmap_sem (read)',
    '87: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '88: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '89: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '93: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '94: holds mem_list_mutex',
    '96: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '98: holds mm->mmap_sem (mmap)',
    // mm_iommu_newdev and the mmap thread.
    '108: holds mm->mmap_sem',
    '117: holds mm->mmap_sem',
    '118: holds mm->mmap_sem',
  ]);
});

test('seed 004 (fixed): mmap_sem is no longer taken under mem_list_mutex', () => {
  const a = example('examples/seeds/004-mm-iommu-deadlock.fixed.lockstep');
  const got = hints(a);
  assert.ok(got.every((h) => !/mem_list_mutex.*mmap_sem/.test(h.replace(/\(mmap\)/g, '').replace(/mm->mmap_sem, mem_list_mutex/g, ''))), got.join('\n'));
  assert.deepEqual(got.filter((h) => /^(44|45|46|71|72|78|91|100):/.test(h)), [
    '44: holds mm->mmap_sem (mmap)',
    '45: holds mm->mmap_sem',
    '72: holds mm->mmap_sem (read)',
    '78: holds mm->mmap_sem (mmap)',
    '91: holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    '100: holds mm->mmap_sem (mmap)',
  ]);
});

test('seed 000 (buggy): only the list_add is under kvm->lock; release takes nothing', () => {
  const a = example('examples/seeds/000-spapr-tce.buggy.lockstep');
  assert.deepEqual(hints(a), ['79: holds kvm->lock', '80: holds kvm->lock']);
});

test('seed 000 (fixed): release takes stt->kvm->lock; the ioctl holds kvm->lock from the check to the list_add', () => {
  const a = example('examples/seeds/000-spapr-tce.fixed.lockstep');
  assert.deepEqual(hints(a), [
    '44: holds stt->kvm->lock',
    '45: holds stt->kvm->lock',
    '64: holds kvm->lock',
    '65: holds kvm->lock',
    '66: holds kvm->lock',
    '67: holds kvm->lock',
    '68: holds kvm->lock',
    '72: holds kvm->lock',
    '73: holds kvm->lock',
    '75: holds kvm->lock',
    '76: holds kvm->lock',
    '78: holds kvm->lock',
  ]);
});

test('the hint tooltip says, per actor, where each lock was taken', () => {
  const a = example('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
  const h = heldLockHints(a).find((x) => lineOf(a, x.offset) === 65)!;
  assert.equal(h.tooltip, '**ioctl**: `mem_list_mutex` (mutex_lock, line 63)\n\n**mmap**: `mm->mmap_sem` (down_write, line 116), `mem_list_mutex` (mutex_lock, line 63)');
});

const BASE = `mutex a;
mutex b;
spinlock s;
struct obj { mutex m; };
struct obj o;
`;

test('a trylock holds its lock only where it succeeded; `?` marks a lock held on some paths', () => {
  const a = analyze('t', `${BASE}
thread t on cpu0 {
    if (!mutex_trylock(&a))
        return;
    b_work();
    choose {
        mutex_lock(&b);
    } or {
        spin_lock(&s);
    }
    mutex_unlock(&a);
}
fn b_work() {
    int x = 0;
}
`);
  assert.deepEqual(hints(a), [
    '10: holds a',
    '11: holds a',
    '12: holds a',
    '14: holds a',
    '16: holds a, b?, s?',
    '19: holds a',
  ]);
});

test('locks through parameters are named as the caller passes them; loops reach a fixpoint', () => {
  const a = analyze('t', `${BASE}
fn lock_obj(struct obj *p) {
    mutex_lock(&p->m);
}
thread t on cpu0 {
    int i = 0;
    while (i < 3) {
        lock_obj(&o);
        mutex_unlock(&o.m);
        i++;
    }
    mutex_lock(&a);
}
`);
  assert.deepEqual(hints(a), ['14: holds o->m']);
});

test('a fn that returns holding a lock its other paths release: a warning and the unlock as a fix', () => {
  const text = `${BASE}
fn f(x) {
    mutex_lock(&a);
    if (x)
        return -EBUSY;
    mutex_unlock(&a);
    return 0;
}
thread t on cpu0 {
    f(1);
}
`;
  const a = analyze('t', text);
  const lint = a.diagnostics().find((d) => d.code === 'return-holding-lock');
  assert.ok(lint, 'the lint is reported');
  assert.equal(lint.message, 'f returns here holding a, which its other paths release');
  assert.equal(lineOf(a, lint.span.start), 10);
  const [fix] = codeActions(a, lint.span);
  assert.ok(fix);
  assert.equal(fix.title, 'Add mutex_unlock(&a); before the return');
  const fixed = applyEdits(text, fix.edits);
  assert.ok(fixed.includes('    if (x) {\n        mutex_unlock(&a);\n        return -EBUSY;\n    }\n    mutex_unlock(&a);\n'), fixed);
  assert.equal(analyze('t', fixed).diagnostics().filter((d) => d.code === 'return-holding-lock').length, 0);
});

test('an actor that finishes holding a lock: a warning, and the unlock inserted before its end', () => {
  const text = `${BASE}
thread t on cpu0 {
    spin_lock_irqsave(&s, flags);
    mutex_lock(&a);
}
`;
  const a = analyze('t', text.replace('flags', '0'));
  const lint = a.diagnostics().find((d) => d.code === 'exit-holding-lock');
  assert.ok(lint);
  assert.equal(lint.message, 'thread t can finish holding s, a');
  const fixed = applyEdits(a.text, codeActions(a, lint.span)[0]!.edits);
  assert.ok(fixed.endsWith('    mutex_lock(&a);\n    mutex_unlock(&a);\n    spin_unlock_irqrestore(&s, 0);\n}\n'), fixed);
});

test('no lock lints on the seeds', () => {
  for (const f of ['000-spapr-tce.buggy', '000-spapr-tce.fixed', '004-mm-iommu-deadlock.buggy', '004-mm-iommu-deadlock.fixed']) {
    const a = example(`examples/seeds/${f}.lockstep`);
    assert.deepEqual(a.lockLints().map((l) => l.diagnostic.message), [], f);
  }
});
