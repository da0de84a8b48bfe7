// Definition, references and rename on seed 004, and the names rename refuses.

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { analyze, applyEdits, definition, highlights, prepareRename, references, rename } from '../../core/ide';
import { example, lineAt, lineOf, offsetOf } from './helpers';

const a = example('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
const at = (needle: string, delta = 0, nth = 1): number => offsetOf(a.text, needle, delta, nth);
const L = (needle: string, nth = 1): number => lineAt(a.text, needle, nth);

test('definition: a fn call goes to the fn, a lock use to its declaration, a builtin nowhere', () => {
  const fn = definition(a, at('mm_iommu_do_alloc(ua, entries, -1)', 2))!;
  assert.equal(a.text.slice(fn.start, fn.end), 'mm_iommu_do_alloc');
  assert.equal(lineOf(a, fn.start), L('fn mm_iommu_do_alloc'));
  const lock = definition(a, at('mutex_lock(&mem_list_mutex)', 13))!;
  assert.equal(lineOf(a, lock.start), L('mutex mem_list_mutex'));
  const field = definition(a, at('up_write(&mm->mmap_sem)', 15))!;
  assert.equal(lineOf(a, field.start), L('rwsem mmap_sem'));
  assert.equal(definition(a, at('mutex_lock(&mem_list_mutex)', 2)), undefined);
});

test('references: every use of the lock, with or without its declaration', () => {
  const uses = [L('mutex mem_list_mutex'), L('mutex_lock(&mem_list_mutex)'), L('mutex_unlock(&mem_list_mutex)')];
  assert.deepEqual(references(a, at('mem_list_mutex;', 2), true).map((s) => lineOf(a, s.start)), uses);
  assert.deepEqual(references(a, at('mem_list_mutex;', 2), false).map((s) => lineOf(a, s.start)), uses.slice(1));
  assert.deepEqual(references(a, at('mmap_sem;', 1), true).map((s) => lineOf(a, s.start)), [
    L('rwsem mmap_sem'), L('down_write(&mm->mmap_sem)'), L('up_write(&mm->mmap_sem)'), L('down_read(&mm->mmap_sem)'), L('up_read(&mm->mmap_sem)'),
    L('down_write_killable(&mm->mmap_sem)'), L('up_write(&mm->mmap_sem)', 2),
  ]);
  assert.deepEqual(highlights(a, at('int locked_entries', 5)).map((h) => [lineOf(a, h.span.start), h.declaration]), [
    [L('int locked_entries'), true], [L('locked_entries = entries'), false], [L('if (locked_entries'), false], [L('adjust_locked_vm(locked_entries'), false],
  ]);
});

test('rename: a lock, a field and a local, each everywhere it is used and nowhere else', () => {
  const lock = rename(a, at('mem_list_mutex;', 2), 'mem_mutex');
  assert.ok('edits' in lock);
  const renamed = applyEdits(a.text, lock.edits);
  assert.equal((renamed.match(/\bmem_mutex\b/g) ?? []).length, 3);
  assert.equal((renamed.match(/&mem_list_mutex\b/g) ?? []).length, 0);
  assert.ok(renamed.includes('// static DEFINE_MUTEX(mem_list_mutex)'), 'comments are not code');
  const field = rename(a, at('rwsem mmap_sem', 7), 'mmap_lock');
  assert.ok('edits' in field);
  assert.equal(field.edits.length, 7);
  const local = rename(a, at('int ret = 0', 5), 'status');
  assert.ok('edits' in local);
  assert.deepEqual(local.edits.map((e) => lineOf(a, e.span.start)), [
    L('int ret = 0'), L('ret = -EINVAL'), L('if (ret == 0 && dev_hpa'), L('ret = mm_iommu_adjust_locked_vm'), L('if (ret == 0)\n'),
    L('if (ret == 0) {'), L('&& ret != 0'), L('return ret;'),
  ]);
  assert.equal(analyze('renamed', applyEdits(a.text, local.edits)).diagnostics().filter((d) => d.severity === 'error').length, 0);
});

test('rename refuses names that would change the scenario', () => {
  const err = (offset: number, name: string): string => {
    const r = rename(a, offset, name);
    return 'error' in r ? r.error : 'accepted';
  };
  const lock = at('mem_list_mutex;', 2);
  assert.equal(err(lock, 'mm'), "'mm' is already declared.");
  assert.equal(err(lock, 'mutex_lock'), "'mutex_lock' is a builtin primitive.");
  assert.equal(err(lock, 'if'), "'if' is a keyword.");
  assert.equal(err(lock, '1x'), "'1x' is not a valid name.");
  assert.equal(err(lock, 'EBUSY'), "'EBUSY' is a predefined constant.");
  assert.equal(err(lock, 'ua'), "A local 'ua' is visible where mem_list_mutex is used; it would capture the name.");
  assert.equal(err(at('int ret = 0', 5), 'mem'), "A local 'mem' is already visible there.");
  assert.equal(err(at('int ret = 0', 5), 'mm'), "The local would hide the shared 'mm' used in its scope.");
  assert.equal(err(at('rwsem mmap_sem', 7), 'locked_vm'), "struct mm_struct already has a field 'locked_vm'.");
  assert.deepEqual(prepareRename(a, at('mutex_lock(&mem', 2)), { error: 'mutex_lock is a builtin primitive; it cannot be renamed.' });
  assert.deepEqual(prepareRename(a, at('-EINVAL', 2)), { error: 'EINVAL is a predefined constant; it cannot be renamed.' });
  const ok = prepareRename(a, at('thread mmap', 8));
  assert.ok('span' in ok && ok.placeholder === 'mmap');
});
