// Hover, signature help, the outline, folding, semantic tokens, quick fixes, code lenses and
// the checker's findings as diagnostics, each with exact expectations.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  analyze, applyEdits, codeActions, codeLenses, foldingRanges, hover, outline, semanticTokens, signatureHelp,
} from '../../core/ide';
import { checkDiagnostics, verdictSummary, type CheckOutcome } from '../../core/ide/checkDiagnostics';
import { exampleFiles } from '../helpers/examples';
import { example, lineAt, offsetOf } from './helpers';

const s4 = example('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
const s0 = example('examples/seeds/000-spapr-tce.fixed.lockstep');
const at = (a: typeof s4, needle: string, delta = 0): number => offsetOf(a.text, needle, delta);

test('hover: a builtin says what the kernel does, then what the model does', () => {
  const h = hover(s4, at(s4, 'mutex_lock(&mem', 2))!;
  assert.equal(s4.text.slice(h.span.start, h.span.end), 'mutex_lock');
  assert.equal(h.markdown, [
    '```lockstep\nvoid mutex_lock(mutex * lock)\n```',
    'Acquires the mutex, sleeping until it is available. Must not be called in atomic context.',
    '**Model:** One step. Blocks while another actor holds the mutex; acquiring a mutex this actor already holds is a deadlock (lockdep: possible recursive locking). Records the lock-class dependency on every lock already held (lockdep). Calling it with a spinlock held or interrupts off is sleep_in_atomic.',
    'May sleep: calling it with a spinlock held or interrupts off is `sleep_in_atomic`.',
  ].join('\n\n'));
});

test('hover: a lock has its kind, class and every place it is taken', () => {
  const L = (needle: string): number => lineAt(s4.text, needle);
  assert.equal(hover(s4, at(s4, '&mem_list_mutex', 3))!.markdown,
    `\`\`\`lockstep\nmutex mem_list_mutex\n\`\`\`\n\n**mutex** · lockdep class \`mem_list_mutex\`\n\nTaken at:\n- line ${L('mutex_lock(&mem_list_mutex)')}: \`mutex_lock(&mem_list_mutex)\` in fn mm_iommu_do_alloc`);
  assert.equal(hover(s4, at(s4, 'rwsem mmap_sem', 8))!.markdown, [
    '```lockstep\nrwsem mm_struct->mmap_sem\n```',
    '**rwsem** · lockdep class `mm->mmap_sem`',
    `Taken at:\n- line ${L('down_write(&mm->mmap_sem)')}: \`down_write(&mm->mmap_sem)\` in fn mm_iommu_adjust_locked_vm` +
      `\n- line ${L('down_read(&mm->mmap_sem)')}: \`down_read(&mm->mmap_sem)\` in fn mm_iommu_do_alloc` +
      `\n- line ${L('down_write_killable(&mm->mmap_sem)')}: \`down_write_killable(&mm->mmap_sem)\` in thread mmap`,
  ].join('\n\n'));
});

test('hover: a lock taken in many places lists the first twelve and counts the rest', () => {
  const fns = Array.from({ length: 15 }, (_, i) => `fn f${i}(void) {\n    mutex_lock(&big);\n    mutex_unlock(&big);\n}\n`).join('');
  const a = analyze('many.lockstep', `scenario "many"\nmutex big;\n${fns}thread t on cpu0 { f0(); }\n`);
  const lines = hover(a, at(a, 'mutex big', 7))!.markdown.split('\n');
  const sites = lines.filter((l) => l.startsWith('- '));
  assert.equal(sites.length, 13);
  assert.match(sites[0]!, /^- line 4: `mutex_lock\(&big\)` in fn f0$/);
  assert.match(sites[11]!, /^- line 48: `mutex_lock\(&big\)` in fn f11$/);
  assert.equal(sites[12], '- … and 3 more');
});

test('ownerAt answers as a scan of every fn and actor body would, at every offset of every example', () => {
  for (const file of exampleFiles()) {
    const a = analyze(file, readFileSync(file, 'utf8'));
    const scan = (offset: number): unknown =>
      [...a.binding.fns, ...a.binding.actors].find((o) => o.decl.body.span.start < offset && offset < o.decl.body.span.end);
    for (let offset = 0; offset <= a.text.length; offset++) assert.equal(a.ownerAt(offset), scan(offset), `${file} at ${offset}`);
  }
});

test('hover: variables, actors, fns, constants, CPUs', () => {
  const md = (a: typeof s4, needle: string, delta: number): string => hover(a, at(a, needle, delta))!.markdown;
  assert.equal(md(s4, 'npages == 0', 2), '```lockstep\nint npages\n```\n\nParameter of fn mm_iommu_adjust_locked_vm; private to the actor running it.');
  assert.equal(md(s0, 'struct kvmppc_spapr_tce_table *siter', 35), '```lockstep\nstruct kvmppc_spapr_tce_table *siter\n```\n\nLocal of fn kvm_vm_ioctl_create_spapr_tce; private to the actor running it.');
  assert.equal(md(s4, 'thread ioctl', 8), '```lockstep\nthread ioctl on cpu0 "VFIO_IOMMU_SPAPR_REGISTER_MEMORY: tce_iommu_register_pages"\n```\n\nA host task: it runs its body once, concurrently with the other actors.\n\nRuns on CPU 0.');
  assert.equal(md(s4, 'mm_iommu_do_alloc(ua, entries, -1)', 3), '```lockstep\nfn mm_iommu_do_alloc(ua, entries, dev_hpa)\n```\n\nCalled from fn mm_iommu_new, fn mm_iommu_newdev.');
  assert.equal(md(s0, 'fn kvm_spapr_tce_release', 5),
    `\`\`\`lockstep\nfn kvm_spapr_tce_release(struct kvmppc_spapr_tce_table *stt)\n\`\`\`\n\nRelease callback passed to anon_inode_getfd (line ${lineAt(s0.text, 'anon_inode_getfd(stt')}).`);
  assert.equal(md(s4, '-EINVAL', 2), '```lockstep\nEINVAL = 22\n```\n\nInvalid argument.');
  assert.equal(md(s4, 'on cpu1', 4), '**CPU 1**: thread mmap');
  assert.equal(hover(s4, at(s4, 'scenario "', 2)), undefined);
});

test('signature help: the parameter under the cursor, for builtins and fns', () => {
  const b = signatureHelp(s4, at(s4, 'down_write(&mm->mmap_sem);', 11))!;
  assert.equal(b.label, 'void down_write(rwsem * sem)');
  assert.deepEqual(b.parameters.map((p) => b.label.slice(p.label[0], p.label[1])), ['rwsem * sem']);
  assert.match(b.documentation, /^Acquires the rw_semaphore for writing/);
  const f = signatureHelp(s4, at(s4, 'mm_iommu_do_alloc(ua, entries, -1)', 22))!;
  assert.equal(f.label, 'fn mm_iommu_do_alloc(ua, entries, dev_hpa)');
  assert.equal(f.activeParameter, 1);
  assert.deepEqual(f.parameters.map((p) => f.label.slice(p.label[0], p.label[1])), ['ua', 'entries', 'dev_hpa']);
  assert.equal(signatureHelp(s4, at(s4, 'fn mm_iommu_new', 2)), undefined);
});

test('outline: the scenario, structs with fields, shared declarations, fns, actors, the expectation', () => {
  assert.deepEqual(outline(s4).map((s) => [s.kind, s.name, s.detail, s.children.map((c) => `${c.name}: ${c.detail}`)]), [
    ['scenario', 'mm_iommu: VFIO_IOMMU_SPAPR_REGISTER_MEMORY ioctl vs vfio_pci_nvgpu mmap (mem_list_mutex vs mmap_sem)', 'scenario', []],
    ['struct', 'struct mm_iommu_table_group_mem_t', '', ['next: list_head', 'ua: int', 'entries: int', 'dev_hpa: int']],
    ['struct', 'struct mm_context_t', '', ['iommu_group_mem_list: list_head']],
    ['struct', 'struct mm_struct', '', ['mmap_sem: rwsem', 'locked_vm: int', 'context: struct mm_context_t']],
    ['lock', 'mem_list_mutex', 'mutex', []],
    ['variable', 'mm', 'struct mm_struct', []],
    ['fn', 'mm_iommu_adjust_locked_vm', '(npages, incr)', []],
    ['fn', 'mm_iommu_do_alloc', '(ua, entries, dev_hpa)', []],
    ['fn', 'mm_iommu_new', '(ua, entries)', []],
    ['fn', 'mm_iommu_newdev', '(ua, entries, dev_hpa)', []],
    ['actor', 'ioctl', 'thread on cpu0', []],
    ['actor', 'mmap', 'thread on cpu1', []],
    ['expect', 'expect lock_order, deadlock', '', []],
  ]);
});

test('folding: comment runs, block comments, structs, bodies and nested blocks', () => {
  const a = analyze('fold', [
    '// one',
    '// two',
    'struct s {',
    '    int a;',
    '};',
    '/* a',
    '   b */',
    'thread t on cpu0 {',
    '    if (1) {',
    '        int x = 0;',
    '    }',
    '}',
  ].join('\n'));
  assert.deepEqual(foldingRanges(a), [
    { startLine: 0, endLine: 1, kind: 'comment' },
    { startLine: 2, endLine: 3 },
    { startLine: 5, endLine: 6, kind: 'comment' },
    { startLine: 7, endLine: 10 },
    { startLine: 8, endLine: 9 },
  ]);
  assert.deepEqual(foldingRanges(s4)[0], { startLine: 0, endLine: lineAt(s4.text, 'scenario "') - 3, kind: 'comment' });
});

test('semantic tokens: locks, parameters, builtins, constants, actors and CPUs', () => {
  const text = 'mutex a;\nfn f(p) { mutex_lock(&a); p = EBUSY; }\nthread t on cpu0 { f(1); }';
  const a = analyze('t', text);
  assert.deepEqual(semanticTokens(a).map((t) => [text.slice(t.span.start, t.span.end), t.type, t.modifiers.join('+')]), [
    ['a', 'variable', 'declaration+static+lock'],
    ['f', 'function', 'declaration'],
    ['p', 'parameter', 'declaration'],
    ['mutex_lock', 'function', 'defaultLibrary'],
    ['a', 'variable', 'static+lock'],
    ['p', 'parameter', ''],
    ['EBUSY', 'enumMember', 'readonly+defaultLibrary'],
    ['t', 'class', 'declaration'],
    ['cpu0', 'enumMember', 'readonly'],
    ['f', 'function', ''],
  ]);
});

test('quick fixes: declare an unknown lock or field, use the primitive of the lock\'s kind, take the suggestion', () => {
  const text = [
    'scenario "fixes"',
    '',
    'struct kvm {',
    '    int n;',
    '};',
    '',
    'struct kvm kvm;',
    'rwsem sem;',
    '',
    'thread t on cpu0 {',
    '    mutex_lock(&big_lock);',
    '    spin_lock(&kvm->mmu_lock);',
    '    mutex_lock(&sem);',
    '    mutex_unlok(&big_lock);',
    '}',
    '',
  ].join('\n');
  const a = analyze('fixes', text);
  const fix = (line: number): { title: string; result: string; fixes: string }[] => {
    const start = a.lines.lineStart(line - 1);
    return codeActions(a, { start, end: start + a.lines.lineText(line - 1).length })
      .map((x) => ({ title: x.title, result: applyEdits(text, x.edits), fixes: x.diagnostic.message }));
  };
  const [declare] = fix(11);
  assert.equal(declare!.title, 'Declare mutex big_lock');
  assert.ok(declare!.result.includes('struct kvm kvm;\nrwsem sem;\nmutex big_lock;\n\nthread'), declare!.result);
  const [field] = fix(12);
  assert.equal(field!.title, 'Add field spinlock mmu_lock to struct kvm');
  assert.ok(field!.result.includes('struct kvm {\n    int n;\n    spinlock mmu_lock;\n};'), field!.result);
  const [kind] = fix(13);
  assert.equal(kind!.title, 'Use down_write');
  assert.ok(kind!.result.includes('    down_write(&sem);\n'));
  assert.deepEqual(fix(14).map((x) => x.title), ['Change to \'mutex_unlock\'']);
  for (const f of [declare!, field!, kind!]) {
    assert.ok(!analyze('fixed', f.result).diagnostics().some((d) => d.message === f.fixes), `${f.title} fixes '${f.fixes}'`);
  }
});

test('code lenses: Check and Debug above the scenario, then the verdict', () => {
  const scenarioLine = lineAt(s4.text, 'scenario "') - 1;
  assert.deepEqual(codeLenses(s4).map((l) => [l.title, l.command, s4.lines.position(l.span.start).line]), [
    ['▶ Check', 'check', scenarioLine],
    ['⏵ Debug', 'debug', scenarioLine],
  ]);
  const titles = codeLenses(s4, { verdict: 'violation', details: ['lock_order', 'deadlock'], asExpected: true, states: 1234 }).map((l) => l.title);
  assert.deepEqual(titles, ['▶ Check', '⏵ Debug', '✗ lock_order, deadlock (as expected) · 1,234 states']);
  assert.deepEqual(codeLenses(analyze('none', 'mutex a;')), [], 'nothing to check without actors');
});

test('checker findings: at the failing step, each trace step related, a lock-order cycle on both acquisitions', () => {
  const site = (needle: string, delta: number, len: number): { start: number; end: number } => {
    const start = at(s4, needle, delta);
    return { start, end: start + len };
  };
  const closing = site('mutex_lock(&mem_list_mutex)', 0, 27);
  const other = site('down_write(&mm->mmap_sem);\n    if (incr)', 0, 25);
  const held = site('down_write_killable(&mm->mmap_sem)', 0, 34);
  const outcome: CheckOutcome = {
    verdict: 'violation',
    violations: [{
      kind: 'lock_order',
      message: 'possible circular locking dependency',
      violation: {
        span: closing,
        related: [
          { span: held, message: 'mmap holds mm->mmap_sem (taken here)' },
          { span: closing, message: 'ioctl took mem_list_mutex here' },
          { span: other, message: '…then mm->mmap_sem here (mem_list_mutex -> mm->mmap_sem)' },
        ],
      },
      trace: [{ actorName: 'ioctl', text: 'mutex_lock(&mem_list_mutex)', span: closing }],
    }],
    stats: { states: 42 },
  };
  const ds = checkDiagnostics(outcome, ['lock_order', 'deadlock']);
  assert.deepEqual(ds.map((d) => [d.severity, d.code, s4.lines.position(d.span.start).line + 1, d.message]), [
    ['warning', 'lock_order', lineAt(s4.text, 'mutex_lock(&mem_list_mutex)'), 'lock_order: possible circular locking dependency'],
    ['warning', 'lock_order', lineAt(s4.text, 'down_write(&mm->mmap_sem);\n    if (incr)'), 'lock_order: the other side of the cycle: mm->mmap_sem here (mem_list_mutex -> mm->mmap_sem)'],
  ]);
  assert.deepEqual(ds[0]!.related!.map((r) => r.message).slice(-1), ['step 1: ioctl: mutex_lock(&mem_list_mutex)']);
  assert.equal(checkDiagnostics(outcome, [])[0]!.severity, 'error', 'an unexpected violation is an error');
  assert.deepEqual(verdictSummary(outcome, { none: false, kinds: ['lock_order'] }), { verdict: 'violation', details: ['lock_order'], asExpected: true, states: 42 });
});
