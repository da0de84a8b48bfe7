// The language server end to end: a real LSP client over stdio drives every feature on the
// seeds and on a marker fixture, with exact expectations. Waits are for notifications and
// responses, never for time.

import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type {
  CodeAction, CodeLens, CompletionItem, DocumentSymbol, FoldingRange, Hover, InlayHint, Location, SemanticTokens,
  SignatureHelp, SymbolInformation, TextEdit, WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { fixture, markers, positionOf, ROOT, TestClient } from './client';

let client: TestClient;
const seed4 = fixture('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
const seed0 = fixture('examples/seeds/000-spapr-tce.fixed.lockstep');
const seed0buggy = fixture('examples/seeds/000-spapr-tce.buggy.lockstep');
const marked = fixture('test/server/fixtures/markers.lockstep');
const marks = markers(marked.text);

before(async () => {
  client = await TestClient.start({ settings: { lockstep: { diagnosticsDelayMs: 0 } }, rootUri: pathToFileURL(join(ROOT, 'examples')).toString() });
  for (const f of [seed4, seed0, seed0buggy, marked]) await client.open(f.uri, f.text);
});

after(async () => {
  assert.equal(await client.stop(), 0, 'the server exits cleanly after shutdown and exit');
});

const doc = (uri: string): { textDocument: { uri: string } } => ({ textDocument: { uri } });
/** 0-based line of the `nth` occurrence of `needle`. */
const lineOf = (text: string, needle: string, nth = 1): number => positionOf(text, needle, 0, nth).line;
const mark = (name: string): { line: number; character: number } => {
  const p = marks.get(name);
  assert.ok(p, `marker ${name}`);
  return p;
};

test('initialize announces every feature', () => {
  const c = client.capabilities;
  for (const k of [
    'completionProvider', 'hoverProvider', 'signatureHelpProvider', 'definitionProvider', 'referencesProvider', 'documentHighlightProvider',
    'renameProvider', 'documentSymbolProvider', 'workspaceSymbolProvider', 'foldingRangeProvider', 'semanticTokensProvider',
    'documentFormattingProvider', 'inlayHintProvider', 'codeActionProvider', 'codeLensProvider',
  ] as const) assert.ok(c[k], k);
  assert.deepEqual(c.semanticTokensProvider?.legend.tokenTypes, ['struct', 'property', 'variable', 'parameter', 'function', 'enumMember', 'class', 'macro', 'label']);
});

test('diagnostics: none on the seeds; errors with their related location on a broken scenario', async () => {
  assert.deepEqual(client.diagnostics.get(seed4.uri)?.diagnostics, []);
  assert.deepEqual(client.diagnostics.get(marked.uri)?.diagnostics, []);
  const uri = 'file:///broken.lockstep';
  const d = await client.open(uri, 'mutex a;\nmutex a;\nthread t on cpu0 {\n    mutex_lock(&b);\n    spin_lock(&a);\n}\n');
  assert.deepEqual(d.diagnostics.map((x) => [x.range.start.line, x.code, x.severity, x.message]), [
    [1, 'duplicate-declaration', 1, "'a' is already declared"],
    [3, 'unknown-name', 1, "unknown name 'b' (did you mean 'a'?)"],
    [4, 'wrong-lock-kind', 1, 'spin_lock expects a spinlock, but a is a mutex (use mutex_lock)'],
  ]);
  assert.deepEqual(d.diagnostics[0]!.relatedInformation, [{ location: { uri, range: { start: { line: 0, character: 6 }, end: { line: 0, character: 7 } } }, message: 'first declared here' }]);
  const fixed = await client.change(uri, 'mutex a;\nthread t on cpu0 {\n    mutex_lock(&a);\n    mutex_unlock(&a);\n}\n');
  assert.deepEqual(fixed.diagnostics, []);
  await client.close(uri);
});

test('completion: the locks of the right kind, fields after ->, CPU names after on', async () => {
  const labels = async (uri: string, position: { line: number; character: number }): Promise<string[]> =>
    (await client.request<CompletionItem[]>('textDocument/completion', { ...doc(uri), position })).map((i) => i.label);
  assert.deepEqual(await labels(marked.uri, mark('rwsemarg')), ['sem']);
  assert.deepEqual(await labels(marked.uri, mark('mutexarg')), ['kvm->lock']);
  assert.deepEqual(await labels(marked.uri, mark('field')), ['lock', 'mmu_lock', 'devices'].filter((f) => f === 'mmu_lock'));
  assert.deepEqual(await labels(marked.uri, mark('cpu')), ['cpu0', 'cpu1']);
  assert.deepEqual(await labels(seed4.uri, positionOf(seed4.text, 'down_write_killable(&mm->mmap_sem)', 21)), ['mm->mmap_sem']);
  assert.deepEqual(await labels(seed0.uri, positionOf(seed0.text, 'mutex_lock(&stt->kvm->lock)', 12)), ['stt->kvm->lock', 'kvm->lock']);
  assert.deepEqual(await labels(seed4.uri, positionOf(seed4.text, 'mm->locked_vm += npages', 4)), ['context', 'locked_vm', 'mmap_sem']);
});

test('completion items get the registry documentation on resolve; snippets become plain text without snippet support', async () => {
  const items = await client.request<CompletionItem[]>('textDocument/completion', { ...doc(marked.uri), position: mark('call') });
  const lock = items.find((i) => i.label === 'mutex_lock')!;
  assert.equal(lock.detail, 'void mutex_lock(mutex * lock)');
  assert.equal(lock.documentation, undefined);
  const resolved = await client.request<CompletionItem>('completionItem/resolve', lock);
  assert.match((resolved.documentation as { value: string }).value, /^Acquires the mutex, sleeping until it is available\./);
  assert.deepEqual({ ...resolved, documentation: undefined }, { ...lock, documentation: undefined });
  // An item of an earlier completion comes back as it was.
  const stranger = { ...lock, data: (lock.data as number) - 1 };
  assert.deepEqual(await client.request('completionItem/resolve', stranger), stranger);
  assert.equal(lock.insertTextFormat, 1);
  assert.equal((lock.textEdit as TextEdit).newText, 'mutex_lock(&lock);');
  assert.equal((items.find((i) => i.label === 'take')!.textEdit as TextEdit).newText, 'take(k)');
});

test('hover: builtin docs, a lock with every place it is taken, an actor', async () => {
  const hover = async (uri: string, position: { line: number; character: number }): Promise<string> =>
    ((await client.request<Hover>('textDocument/hover', { ...doc(uri), position })).contents as { value: string }).value;
  assert.match(await hover(seed4.uri, positionOf(seed4.text, 'down_write(&mm->mmap_sem);', 3)),
    /^```lockstep\nvoid down_write\(rwsem \* sem\)\n```\n\nAcquires the rw_semaphore for writing; sleeps while anyone holds it\.\n\n\*\*Model:\*\* One step\./);
  assert.equal(await hover(seed4.uri, positionOf(seed4.text, 'mutex mem_list_mutex', 8)),
    `\`\`\`lockstep\nmutex mem_list_mutex\n\`\`\`\n\n**mutex** · lockdep class \`mem_list_mutex\`\n\nTaken at:\n- line ${lineOf(seed4.text, 'mutex_lock(&mem_list_mutex)') + 1}: \`mutex_lock(&mem_list_mutex)\` in fn mm_iommu_do_alloc`);
  assert.equal(await hover(marked.uri, positionOf(marked.text, 'thread b', 7)),
    '```lockstep\nthread b on cpu1 "second"\n```\n\nA host task: it runs its body once, concurrently with the other actors.\n\nRuns on CPU 1.');
  assert.equal(await client.request('textDocument/hover', { ...doc(seed4.uri), position: positionOf(seed4.text, '// Seed 004', 3) }), null);
});

test('signature help inside a builtin call and a fn call', async () => {
  const s = await client.request<SignatureHelp>('textDocument/signatureHelp', { ...doc(seed4.uri), position: positionOf(seed4.text, 'mm_iommu_do_alloc(ua, entries, -1)', 32) });
  assert.equal(s.signatures[0]!.label, 'fn mm_iommu_do_alloc(ua, entries, dev_hpa)');
  assert.equal(s.activeParameter, 2);
});

test('definition, references and highlights', async () => {
  const def = await client.request<Location>('textDocument/definition', { ...doc(seed4.uri), position: positionOf(seed4.text, 'mm_iommu_do_alloc(ua, entries, -1)', 3) });
  const fnLine = lineOf(seed4.text, 'fn mm_iommu_do_alloc');
  assert.deepEqual(def, { uri: seed4.uri, range: { start: { line: fnLine, character: 3 }, end: { line: fnLine, character: 20 } } });
  const refs = await client.request<Location[]>('textDocument/references', { ...doc(seed4.uri), position: positionOf(seed4.text, 'mutex mem_list_mutex', 8), context: { includeDeclaration: true } });
  const uses = [[lineOf(seed4.text, 'mutex mem_list_mutex'), 6], [lineOf(seed4.text, 'mutex_lock(&mem_list_mutex)'), 16], [lineOf(seed4.text, 'mutex_unlock(&mem_list_mutex)'), 18]];
  assert.deepEqual(refs.map((r) => [r.range.start.line, r.range.start.character]), uses);
  const hl = await client.request<{ kind: number }[]>('textDocument/documentHighlight', { ...doc(seed4.uri), position: positionOf(seed4.text, 'mutex mem_list_mutex', 8) });
  assert.deepEqual(hl.map((h) => h.kind), [3, 2, 2]);
});

test('rename: the edits, and a refusal as an error', async () => {
  const edit = await client.request<WorkspaceEdit>('textDocument/rename', { ...doc(seed4.uri), position: positionOf(seed4.text, 'mutex mem_list_mutex', 8), newName: 'mem_mutex' });
  assert.deepEqual(edit.changes![seed4.uri]!.map((e) => [e.range.start.line, e.range.start.character, e.range.end.character, e.newText]), [
    [lineOf(seed4.text, 'mutex mem_list_mutex'), 6, 20, 'mem_mutex'],
    [lineOf(seed4.text, 'mutex_lock(&mem_list_mutex)'), 16, 30, 'mem_mutex'],
    [lineOf(seed4.text, 'mutex_unlock(&mem_list_mutex)'), 18, 32, 'mem_mutex'],
  ]);
  const prepared = await client.request<{ placeholder: string }>('textDocument/prepareRename', { ...doc(seed4.uri), position: positionOf(seed4.text, 'thread mmap', 8) });
  assert.equal(prepared.placeholder, 'mmap');
  await assert.rejects(
    client.request('textDocument/rename', { ...doc(seed4.uri), position: positionOf(seed4.text, 'mutex mem_list_mutex', 8), newName: 'mm' }),
    (e: Error) => e.message === "'mm' is already declared.",
  );
  await assert.rejects(
    client.request('textDocument/prepareRename', { ...doc(seed4.uri), position: positionOf(seed4.text, 'mutex_lock(&mem', 3) }),
    (e: Error) => e.message === 'mutex_lock is a builtin primitive; it cannot be renamed.',
  );
});

test('held-lock inlay hints on seed 004 and seed 000', async () => {
  // Each hint as the code it follows on its line (right after the statement's `;`) and its label.
  const hints = async (f: { uri: string; text: string }, range = { start: { line: 0, character: 0 }, end: { line: 10_000, character: 0 } }): Promise<string[]> =>
    (await client.request<InlayHint[]>('textDocument/inlayHint', { ...doc(f.uri), range }))
      .map((h) => `${f.text.split('\n')[h.position.line]!.slice(0, h.position.character).trim()} → ${String(h.label)}`);
  const h4 = await hints(seed4);
  assert.equal(h4.length, 36);
  for (const h of [
    'down_write(&mm->mmap_sem); → holds mem_list_mutex',
    'mutex_lock(&mem_list_mutex); → holds mm->mmap_sem (mmap)',
    'list_for_each_entry_rcu(mem, &mm->context.iommu_group_mem_list, next) { → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    'up_read(&mm->mmap_sem); → holds mem_list_mutex, mm->mmap_sem (read)',
    'mutex_unlock(&mem_list_mutex); → holds mem_list_mutex (ioctl) · mm->mmap_sem, mem_list_mutex (mmap)',
    'mm_iommu_newdev(16, 2, 4096); → holds mm->mmap_sem',
  ]) assert.ok(h4.includes(h), h);
  assert.deepEqual(await hints(seed0buggy), ['list_add_rcu(&stt->list, &kvm->arch.spapr_tce_tables); → holds kvm->lock', 'mutex_unlock(&kvm->lock); → holds kvm->lock']);
  const h0 = await hints(seed0);
  assert.deepEqual(h0.slice(0, 3), ['list_del_rcu(&stt->list); → holds stt->kvm->lock', 'mutex_unlock(&stt->kvm->lock); → holds stt->kvm->lock', 'ret = 0; → holds kvm->lock']);
  assert.equal(h0.length, 12);
  const mmap = lineOf(seed4.text, 'thread mmap');
  assert.deepEqual(await hints(seed4, { start: { line: mmap, character: 0 }, end: { line: mmap + 6, character: 0 } }), [
    'mm_iommu_newdev(16, 2, 4096); → holds mm->mmap_sem',
    'up_write(&mm->mmap_sem); → holds mm->mmap_sem',
  ]);
  const [first] = await client.request<InlayHint[]>('textDocument/inlayHint', { ...doc(seed4.uri), range: { start: { line: mmap, character: 0 }, end: { line: mmap + 6, character: 0 } } });
  assert.equal((first!.tooltip as { value: string }).value, `**mmap**: \`mm->mmap_sem\` (down_write_killable, line ${lineOf(seed4.text, 'down_write_killable') + 1})`);
});

test('formatting: edits that reach the canonical text, then none', async () => {
  const uri = 'file:///ugly.lockstep';
  const ugly = 'mutex a;\nthread t on cpu0{mutex_lock( &a );  if(1)mutex_unlock(&a);}\n';
  await client.open(uri, ugly);
  const edits = await client.request<TextEdit[]>('textDocument/formatting', { ...doc(uri), options: { tabSize: 4, insertSpaces: true } });
  const formatted = TextDocument.applyEdits(TextDocument.create(uri, 'lockstep', 1, ugly), edits);
  assert.equal(formatted, 'mutex a;\n\nthread t on cpu0 {\n    mutex_lock(&a);\n    if (1)\n        mutex_unlock(&a);\n}\n');
  await client.change(uri, formatted);
  assert.deepEqual(await client.request('textDocument/formatting', { ...doc(uri), options: { tabSize: 4, insertSpaces: true } }), []);
  await client.close(uri);
  for (const f of [seed4, seed0]) {
    const e = await client.request<TextEdit[]>('textDocument/formatting', { ...doc(f.uri), options: { tabSize: 4, insertSpaces: true } });
    const once = TextDocument.applyEdits(TextDocument.create(f.uri, 'lockstep', 1, f.text), e);
    assert.ok(once.length > 0);
  }
});

test('document symbols, workspace symbols across the examples folder, folding', async () => {
  const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc(marked.uri));
  assert.deepEqual(symbols.map((s) => [s.name, s.kind, s.children?.map((c) => c.name)]), [
    ['markers: each feature at a marked place', 1, []],
    ['struct kvm', 23, ['lock', 'mmu_lock', 'devices']],
    ['kvm', 13, []],
    ['sem', 20, []],
    ['take', 12, []],
    ['a', 5, []],
    ['b', 5, []],
    ['expect no violation', 24, []],
  ]);
  const ws = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'kvm_spapr_tce_release' });
  assert.deepEqual([...new Set(ws.map((s) => s.location.uri.replace(/^.*\/examples\//, '')))].sort(), [
    'kvm/spapr-tce-rcu-lookup.buggy.lockstep', 'kvm/spapr-tce-rcu-lookup.fixed.lockstep',
    'seeds/000-spapr-tce.buggy.lockstep', 'seeds/000-spapr-tce.fixed.lockstep', 'spapr-tce-v4.11-writers.lockstep',
  ]);
  const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', doc(marked.uri));
  assert.deepEqual(folds.map((f) => [f.startLine, f.endLine, f.kind ?? '']), [[0, 1, 'comment'], [4, 7, ''], [13, 17, ''], [20, 23, ''], [26, 28, '']]);
});

test('semantic tokens: one per resolved name, relative-encoded', async () => {
  const t = await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc(marked.uri));
  assert.equal(t.data.length % 5, 0);
  // The first token: `kvm` of `struct kvm {` (line 4), a struct declaration.
  assert.deepEqual(t.data.slice(0, 5), [4, 7, 3, 0, 1]);
});

test('code actions: the quick fix for a primitive of the wrong kind', async () => {
  const uri = 'file:///fix.lockstep';
  const text = 'rwsem sem;\nthread t on cpu0 {\n    mutex_lock(&sem);\n}\n';
  await client.open(uri, text);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
    ...doc(uri), range: { start: { line: 2, character: 0 }, end: { line: 2, character: 20 } }, context: { diagnostics: [] },
  });
  assert.deepEqual(actions.map((a) => [a.title, a.kind, a.isPreferred]), [['Use down_write', 'quickfix', true]]);
  assert.deepEqual(actions[0]!.edit!.changes![uri], [{ range: { start: { line: 2, character: 4 }, end: { line: 2, character: 14 } }, newText: 'down_write' }]);
  await client.close(uri);
});

test('code lenses: Check and Debug on the scenario line, commands for the client', async () => {
  const lenses = await client.request<CodeLens[]>('textDocument/codeLens', doc(seed4.uri));
  const line = lineOf(seed4.text, 'scenario "');
  assert.deepEqual(lenses.map((l) => [l.range.start.line, l.command!.title, l.command!.command, l.command!.arguments]), [
    [line, '▶ Check', 'lockstep.check', [seed4.uri]],
    [line, '⏵ Debug', 'lockstep.debug', [seed4.uri]],
  ]);
});

test('completion right after a keystroke in a large document (answered through the last analysis)', async () => {
  const { generateScenario } = await import('../perf/lsp-latency');
  const uri = 'file:///large.lockstep';
  const text = generateScenario(3000);
  assert.ok(text.length > 50_000, 'large enough for the server to answer through an overlay');
  await client.open(uri, text);
  const at = positionOf(text, '    mutex_lock(&v->mutex);\n', '    mutex_lock(&v->mutex);\n'.length);
  // didChange then completion at once, as an editor sends them while the user types.
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: { start: at, end: at }, text: '    spin_lock(\n' }],
  });
  const items = await client.request<CompletionItem[]>('textDocument/completion', { ...doc(uri), position: { line: at.line, character: 14 } });
  assert.deepEqual(items.map((i) => i.label), ['k->arch.mmu_lock', 'v->kvm->arch.mmu_lock', 'kvm->arch.mmu_lock', 'vcpus[0].kvm->arch.mmu_lock']);
  await client.close(uri);
});
