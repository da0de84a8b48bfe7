// Completion knows where the cursor is: exact candidate lists at chosen places in the seeds
// (with the cursor at `¦` after an edit that leaves the line half typed, as while typing).

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze, complete, type Analysis, type CompletionResult } from '../../core/ide';
import { BUILTINS } from '../../core/model/builtins';
import { ROOT } from './helpers';

const SEED_000 = 'examples/seeds/000-spapr-tce.fixed.lockstep';
const SEED_004 = 'examples/seeds/004-mm-iommu-deadlock.buggy.lockstep';

/** Completes in `file` after replacing `from` by `to`, whose `¦` is the cursor. */
function completeAfterEdit(file: string, from: string, to: string): CompletionResult & { text: string } {
  const original = readFileSync(join(ROOT, file), 'utf8');
  assert.ok(original.includes(from), `'${from}' is not in ${file}`);
  const edited = original.replace(from, to);
  const offset = edited.indexOf('¦');
  const text = edited.slice(0, offset) + edited.slice(offset + 1);
  return { ...complete(analyze(file, text), offset), text };
}

function labels(file: string, from: string, to: string): string[] {
  return completeAfterEdit(file, from, to).items.map((i) => i.label);
}

test('inside down_write( only rwsems, as paths through fields', () => {
  assert.deepEqual(labels(SEED_004, 'if (down_write_killable(&mm->mmap_sem))', 'down_write(¦);'), ['mm->mmap_sem']);
  assert.deepEqual(labels(SEED_004, 'if (down_write_killable(&mm->mmap_sem))', 'if (down_write_killable(&¦))'), ['mm->mmap_sem']);
});

test('inside mutex_lock( only mutexes: globals, and mutex fields reachable from locals and globals', () => {
  assert.deepEqual(labels(SEED_004, '    mutex_lock(&mem_list_mutex);', '    mutex_lock(&¦'), ['mem_list_mutex']);
  assert.deepEqual(labels(SEED_000, '    mutex_lock(&stt->kvm->lock);', '    mutex_lock(¦'), ['stt->kvm->lock', 'kvm->lock']);
});

test('a lock item inserts the & the kernel writes, and documents where the lock is taken', () => {
  const r = completeAfterEdit(SEED_000, '    mutex_lock(&stt->kvm->lock);', '    mutex_lock(¦');
  const item = r.items.find((i) => i.label === 'kvm->lock')!;
  assert.equal(item.insertText, '&kvm->lock');
  assert.equal(item.kind, 'lock');
  assert.equal(item.detail, 'mutex');
  const line = r.text.slice(0, r.text.indexOf('mutex_lock(&kvm->lock)')).split('\n').length;
  assert.equal(item.documentation, `**mutex** · lockdep class \`stt->kvm->lock\`\n\nTaken at:\n- line ${line}: \`mutex_lock(&kvm->lock)\` in fn kvm_vm_ioctl_create_spapr_tce`);
  const typed = completeAfterEdit(SEED_000, '    mutex_lock(&stt->kvm->lock);', '    mutex_lock(&¦');
  assert.equal(typed.items.find((i) => i.label === 'kvm->lock')!.insertText, undefined);
});

test('after -> the fields of that struct; inside a lock argument only those leading to a lock of that kind', () => {
  assert.deepEqual(labels(SEED_004, '    mm->locked_vm += npages;', '    mm->¦'), ['context', 'locked_vm', 'mmap_sem']);
  assert.deepEqual(labels(SEED_000, '    mutex_lock(&stt->kvm->lock);', '    mutex_lock(&stt->¦'), ['kvm']);
  assert.deepEqual(labels(SEED_000, '    mutex_lock(&stt->kvm->lock);', '    mutex_lock(&stt->kvm->¦'), ['lock']);
  assert.deepEqual(labels(SEED_000, '    mutex_lock(&stt->kvm->lock);', '    mutex_lock(&stt->kvm->lo¦'), ['lock']);
});

test('after `on` the CPU names, with who runs there', () => {
  const r = completeAfterEdit(SEED_004, 'thread mmap on cpu1', 'thread mmap on ¦');
  assert.deepEqual(r.items.map((i) => [i.label, i.detail]), [['cpu0', 'runs ioctl'], ['cpu1', 'free']]);
});

test('expect: the violation kinds, then the ones not listed yet', () => {
  assert.deepEqual(labels(SEED_004, 'expect lock_order, deadlock;', 'expect ¦'), [
    'assertion', 'data_race', 'deadlock', 'double_free', 'irq_lock_inversion', 'leak', 'list_corruption', 'livelock',
    'lock_order', 'no violation', 'null_deref', 'out_of_bounds', 'recursive_locking', 'sleep_in_atomic', 'suspicious_rcu',
    'unlock_not_held', 'use_after_free',
  ]);
  assert.ok(!labels(SEED_004, 'expect lock_order, deadlock;', 'expect lock_order, ¦').includes('lock_order'));
});

test('arguments by parameter kind: struct types, release fns, fds, list heads', () => {
  assert.deepEqual(labels(SEED_000, '    stt = kzalloc(struct kvmppc_spapr_tce_table);', '    stt = kzalloc(¦);'),
    ['struct kvm', 'struct kvm_arch', 'struct kvmppc_spapr_tce_table']);
  assert.deepEqual(labels(SEED_000, 'ret = anon_inode_getfd(stt, kvm_spapr_tce_release);', 'ret = anon_inode_getfd(stt, ¦);'),
    ['kvm_spapr_tce_release', 'kvm_vm_ioctl_create_spapr_tce', 'release_spapr_tce_table']);
  assert.deepEqual(labels(SEED_000, '    close(any);', '    close(¦);'), ['any']);
  assert.deepEqual(labels(SEED_000, '    list_del_rcu(&stt->list);', '    list_del_rcu(¦);'),
    ['stt->kvm->arch.spapr_tce_tables', 'stt->list', 'kvm->arch.spapr_tce_tables']);
});

test('at the top level: declarations and skeletons for scenario, thread, vcpu, irq, work, fn and struct', () => {
  const r = completeAfterEdit(SEED_000, 'struct kvm kvm;', '¦');
  assert.deepEqual(r.items.map((i) => i.label), [
    'atomic_t', 'bool', 'config', 'expect', 'int', 'kref', 'list_head', 'mutex', 'rcu_head', 'refcount_t', 'rwlock_t', 'rwsem', 'spinlock', 'srcu', 'struct', 'wait_queue_head',
    'fn', 'init', 'irq', 'scenario', 'struct', 'thread', 'vcpu', 'work',
  ].filter((l, i, all) => all.indexOf(l) === i));
  const thread = r.items.find((i) => i.label === 'thread')!;
  assert.equal(thread.kind, 'snippet');
  assert.equal(thread.insertText, 'thread ${1:name} on cpu${2:2} "${3:description}" {\n    $0\n}');
});

test('at a statement start: locals and globals, fns with their parameters, statements, and every builtin valid there', () => {
  const r = completeAfterEdit(SEED_000, '    close(any);', '    ¦');
  const byLabel = new Map(r.items.map((i) => [i.label, i]));
  assert.deepEqual(r.items.slice(0, 16).map((i) => i.label), [
    'current', 'kvm', 'kvm_spapr_tce_release', 'kvm_vm_ioctl_create_spapr_tce', 'release_spapr_tce_table',
    'bool', 'choose', 'do', 'for', 'if', 'int', 'kvm_for_each_vcpu', 'list_for_each_entry', 'return', 'struct', 'while',
  ]);
  assert.equal(byLabel.get('kvm_vm_ioctl_create_spapr_tce')!.insertText, 'kvm_vm_ioctl_create_spapr_tce(${1:liobn})');
  // A thread gets every builtin except the vcpu-only ones, each with its registry docs.
  const builtins = r.items.filter((i) => i.kind === 'builtin');
  assert.deepEqual(builtins.map((i) => i.label).sort(), BUILTINS.filter((b) => !b.vcpuOnly).map((b) => b.name).sort());
  const lock = byLabel.get('mutex_lock')!;
  assert.equal(lock.detail, 'void mutex_lock(mutex * lock)');
  assert.match(lock.documentation ?? '', /^Acquires the mutex, sleeping until it is available\.[\s\S]*\*\*Model:\*\* One step\./);
  assert.equal(lock.insertText, 'mutex_lock(${1:&lock});');
  assert.ok(!byLabel.has('break'), 'break only inside a loop');
});

test('inside a loop, break and continue; no completion inside comments or strings', () => {
  const inLoop = labels(SEED_000, '            ret = -EBUSY;', '            ¦');
  assert.ok(inLoop.includes('break') && inLoop.includes('continue'));
  assert.deepEqual(labels(SEED_000, '    kfree(stt);\n}', '    kfree(stt); // a comm¦ent\n}'), []);
  assert.deepEqual(labels(SEED_004, 'thread mmap on cpu1 "mmap()', 'thread mmap on cpu1 "mm¦ap()'), []);
});

test('while typing in a large document, completion through an overlay of the last analysis answers as a full one', async () => {
  const { generateScenario } = await import('../perf/lsp-latency');
  const text = generateScenario(2000);
  // Each keystroke's overlay is made from the one before (it takes that one's tokens over).
  let typing = analyze('big', text);
  for (const [from, to] of [
    ['    mutex_lock(&v->mutex);\n', '    mutex_lock(&v->mutex);\n    spin_lock(¦\n'],
    ['    int ret = 0;\n', '    int ret = 0;\n    k->¦\n'],
    ['    int ret = 0;\n', '    int ret = 0;\n    mut¦\n'],
    ['thread ioctl on cpu0', 'thread ioctl on ¦'],
  ] as const) {
    const edited = text.replace(from, to);
    const offset = edited.indexOf('¦');
    const typed = edited.slice(0, offset) + edited.slice(offset + 1);
    // The same candidates; only the line numbers in their documentation may lag behind.
    const candidates = (a: Analysis): unknown[] => {
      const r = complete(a, offset);
      return [r.replace, ...r.items.map((i) => [i.label, i.kind, i.insertText, i.detail])];
    };
    typing = typing.overlay(typed);
    assert.deepEqual(candidates(typing), candidates(analyze('big', typed)), to);
    assert.ok(complete(typing, offset).items.length > 0, to);
  }
});
