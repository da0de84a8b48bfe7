// The held-lock inlay hints and the lock lints built on the same pass: exact hints on seeds
// 000 and 004 (buggy and fixed), trylocks, loops, calls with arguments, and the quick fix
// for a path that returns holding a lock.

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { analyze, applyEdits, codeActions, heldLockHints, type Analysis } from '../../core/ide';
import { example, lineOf } from './helpers';

/** `line: label` for every hint, for small texts. */
function hints(a: Analysis): string[] {
  return heldLockHints(a).map((h) => `${lineOf(a, h.offset)}: ${h.label}`);
}

/** `code → label` for every hint (the code of the hinted line up to the hint), for the seeds. */
function seedHints(a: Analysis): string[] {
  return heldLockHints(a).map((h) => {
    const p = a.lines.position(h.offset);
    return `${a.lines.lineText(p.line).slice(0, p.character).trim()} → ${h.label}`;
  });
}

test('seed 004 (buggy): mem_list_mutex then mmap_sem in the ioctl, the reverse in mmap', () => {
  const a = example('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
  // mm_iommu_adjust_locked_vm is reached by the ioctl only (for mmap, dev_hpa is not -1 and
  // locked_entries stays 0); mm_iommu_do_alloc by both; mmap's early return never happens
  // (down_write_killable returns 0 in the model).
  assert.deepEqual(seedHints(a), [
      'if (npages == 0) → holds mem_list_mutex',
      'return 0; → holds mem_list_mutex',
      'down_write(&mm->mmap_sem); → holds mem_list_mutex',
      'if (incr) → holds mem_list_mutex, mm->mmap_sem',
      'mm->locked_vm += npages; → holds mem_list_mutex, mm->mmap_sem',
      'mm->locked_vm -= npages; → holds mem_list_mutex, mm->mmap_sem',
      'up_write(&mm->mmap_sem); → holds mem_list_mutex, mm->mmap_sem',
      'return 0; → holds mem_list_mutex',
      'struct mm_iommu_table_group_mem_t *mem; → holds mm->mmap_sem (mmap)',
      'int ret = 0; → holds mm->mmap_sem (mmap)',
      'int locked_entries = 0; → holds mm->mmap_sem (mmap)',
      'mutex_lock(&mem_list_mutex); → holds mm->mmap_sem (mmap)',
      'list_for_each_entry_rcu(mem, &mm->context.iommu_group_mem_list, next) { → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'if (mem->ua < ua + entries && ua < mem->ua + mem->entries) { → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'ret = -EINVAL; → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'break; → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'if (ret == 0 && dev_hpa == -1) { → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'ret = mm_iommu_adjust_locked_vm(entries, true); → holds mem_list_mutex',
      'if (ret == 0) → holds mem_list_mutex',
      'locked_entries = entries; → holds mem_list_mutex',
      'if (ret == 0) { → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'mem = kzalloc(struct mm_iommu_table_group_mem_t); → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'mem->dev_hpa = dev_hpa; → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'if (dev_hpa == -1) { → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'down_read(&mm->mmap_sem); → holds mem_list_mutex',
      'up_read(&mm->mmap_sem); → holds mem_list_mutex, mm->mmap_sem (read)',
      'mem->ua = ua; → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'mem->entries = entries; → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'list_add_rcu(&mem->next, &mm->context.iommu_group_mem_list); → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'if (locked_entries != 0 && ret != 0) → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'mm_iommu_adjust_locked_vm(locked_entries, false); → holds mem_list_mutex',
      'mutex_unlock(&mem_list_mutex); → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
      'return ret; → holds mm->mmap_sem (mmap)',
      'return mm_iommu_do_alloc(ua, entries, dev_hpa); → holds mm->mmap_sem',
      'mm_iommu_newdev(16, 2, 4096); → holds mm->mmap_sem',
      'up_write(&mm->mmap_sem); → holds mm->mmap_sem',
  ]);
});

test('seed 004 (fixed): mmap_sem is no longer taken under mem_list_mutex', () => {
  const a = example('examples/seeds/004-mm-iommu-deadlock.fixed.lockstep');
  const got = seedHints(a);
  assert.ok(!got.some((h) => /mem_list_mutex, mm->mmap_sem/.test(h)), got.join('\n'));
  assert.deepEqual(got.filter((h) => /^(if \(npages|down_read|up_read|mm_iommu_adjust_locked_vm\(locked)/.test(h)), [
    'if (npages == 0) → holds mm->mmap_sem (mmap)',
    'up_read(&mm->mmap_sem); → holds mm->mmap_sem (read)',
    'mm_iommu_adjust_locked_vm(locked_entries, false); → holds mm->mmap_sem (mmap)',
  ]);
});

test('seed 000 (buggy): only the list_add is under kvm->lock; release takes nothing', () => {
  const a = example('examples/seeds/000-spapr-tce.buggy.lockstep');
  assert.deepEqual(seedHints(a), [
    'list_add_rcu(&stt->list, &kvm->arch.spapr_tce_tables); → holds kvm->lock',
    'mutex_unlock(&kvm->lock); → holds kvm->lock',
  ]);
});

test('seed 000 (fixed): release takes stt->kvm->lock; the ioctl holds kvm->lock from the check to the list_add', () => {
  const a = example('examples/seeds/000-spapr-tce.fixed.lockstep');
  assert.deepEqual(seedHints(a), [
      'list_del_rcu(&stt->list); → holds stt->kvm->lock',
      'mutex_unlock(&stt->kvm->lock); → holds stt->kvm->lock',
      'ret = 0; → holds kvm->lock',
      'list_for_each_entry(siter, &kvm->arch.spapr_tce_tables, list) { → holds kvm->lock',
      'if (siter->liobn == liobn) { → holds kvm->lock',
      'ret = -EBUSY; → holds kvm->lock',
      'break; → holds kvm->lock',
      'if (ret == 0) → holds kvm->lock',
      'ret = anon_inode_getfd(stt, kvm_spapr_tce_release); → holds kvm->lock',
      'if (ret >= 0) → holds kvm->lock',
      'list_add_rcu(&stt->list, &kvm->arch.spapr_tce_tables); → holds kvm->lock',
      'mutex_unlock(&kvm->lock); → holds kvm->lock',
  ]);
});

test('the hint tooltip says, per actor, where each lock was taken', () => {
  const a = example('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
  const h = heldLockHints(a).find((x) => a.lines.lineText(a.lines.position(x.offset).line).includes('list_for_each_entry_rcu'))!;
  const killable = lineOf(a, a.text.indexOf('down_write_killable'));
  const lock = lineOf(a, a.text.indexOf('mutex_lock(&mem_list_mutex)'));
  assert.equal(h.tooltip, `**ioctl**: \`mem_list_mutex\` (mutex_lock, line ${lock})\n\n**mmap**: \`mm->mmap_sem\` (down_write_killable, line ${killable}), \`mem_list_mutex\` (mutex_lock, line ${lock})`);
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

test('a do-while body runs at least once; _killable locks are taken (the model sends no signals); rwlock_t readers', () => {
  const a = analyze('t', `rwlock_t l;
mutex m;
thread t on cpu0 {
    do {
        read_lock(&l);
        read_unlock(&l);
    } while (0);
    if (mutex_lock_killable(&m))
        return;
    write_lock(&l);
    write_unlock(&l);
    mutex_unlock(&m);
}
`);
  assert.deepEqual(hints(a), ['6: holds l (read)', '10: holds m', '11: holds m, l', '12: holds m']);
});

test('one fn called for two array elements: the element lock is one hint, vcpus[*]', () => {
  const a = analyze('t', `struct vcpu { mutex mutex; int n; };
struct vcpu vcpus[2];
fn ioctl(struct vcpu *v) {
    mutex_lock(&v->mutex);
    v->n = 1;
    mutex_unlock(&v->mutex);
}
thread t on cpu0 {
    ioctl(&vcpus[0]);
    ioctl(&vcpus[1]);
}
`);
  assert.deepEqual(hints(a), ['5: holds vcpus[*]->mutex', '6: holds vcpus[*]->mutex']);
});
