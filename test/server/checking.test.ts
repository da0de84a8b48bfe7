// Background checking through the server: on save the checker runs in a worker; its findings
// arrive as diagnostics at the failing step (a lock-order cycle on both acquisitions, related
// information per trace step) and its verdict as a code lens; a change or a close cancels a
// running check, during which the server keeps answering. Waits are for notifications.

import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { CancellationTokenSource, WorkDoneProgress, type CodeLens, type CompletionItem, type Diagnostic } from 'vscode-languageserver-protocol';
import { fixture, positionOf, TestClient } from './client';

let client: TestClient;
const buggy = fixture('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
const fixed = fixture('examples/seeds/004-mm-iommu-deadlock.fixed.lockstep');
const slow = fixture('test/server/fixtures/slow-search.lockstep');

before(async () => {
  client = await TestClient.start({ settings: { lockstep: { diagnosticsDelayMs: 0, check: { onSave: true, maxSeconds: 600 } } } });
});

after(async () => {
  assert.equal(await client.stop(), 0);
});

const save = (uri: string): Promise<void> => client.connection.sendNotification('textDocument/didSave', { textDocument: { uri } });
const lenses = async (uri: string): Promise<string[]> =>
  (await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } })).map((l) => l.command!.title);
const fromCheck = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.source === 'lockstep check');
const line = (text: string, needle: string): number => positionOf(text, needle).line;

test('saving seed 004: the lock-order cycle on both acquisitions, the deadlock, each trace step related, the verdict lens', async () => {
  await client.open(buggy.uri, buggy.text);
  const checked = client.nextDiagnostics(buggy.uri, (p) => fromCheck(p.diagnostics).length > 0);
  await save(buggy.uri);
  assert.deepEqual(await lenses(buggy.uri), ['▶ Check', '⏵ Debug', '$(sync~spin) checking…']);
  const ds = fromCheck((await checked).diagnostics);
  const order = ds.filter((d) => d.code === 'lock_order');
  // The trace is one run with the whole cycle: ioctl takes both locks, then mmap closes it.
  assert.deepEqual(order.map((d) => d.range.start.line), [line(buggy.text, 'mutex_lock(&mem_list_mutex)'), line(buggy.text, 'down_write(&mm->mmap_sem);')]);
  assert.match(order[0]!.message, /^lock_order: possible circular locking dependency: mmap\/2 takes mem_list_mutex while holding &mm->mmap_sem/);
  assert.equal(order[0]!.severity, 2, 'expected by the scenario: a warning');
  assert.match(order[1]!.message, /^lock_order: the other side of the cycle: /);
  const steps = order[0]!.relatedInformation!.filter((r) => r.message.startsWith('step ')).map((r) => [r.message, r.location.range.start.line]);
  assert.deepEqual(steps.slice(0, 3), [
    ['step 1: ioctl: mutex_lock(&mem_list_mutex)', line(buggy.text, 'mutex_lock(&mem_list_mutex)')],
    ['step 2: ioctl: list_for_each_entry_rcu(mem, &mm->context.iommu_group_mem_list, next)', line(buggy.text, 'list_for_each_entry_rcu(mem')],
    ['step 3: ioctl: down_write(&mm->mmap_sem)', line(buggy.text, 'down_write(&mm->mmap_sem);')],
  ]);
  assert.deepEqual(steps.slice(-2), [
    [`step ${steps.length - 1}: mmap: down_write_killable(&mm->mmap_sem)`, line(buggy.text, 'down_write_killable(&mm->mmap_sem)')],
    [`step ${steps.length}: mmap: mutex_lock(&mem_list_mutex)`, line(buggy.text, 'mutex_lock(&mem_list_mutex)')],
  ]);
  assert.ok(ds.some((d) => d.code === 'deadlock'), 'the deadlock too');
  const after = await lenses(buggy.uri);
  assert.deepEqual(after.slice(0, 2), ['▶ Check', '⏵ Debug']);
  assert.match(after[2]!, /^✗ lock_order, deadlock \(as expected\) · [\d,]+ states$/);
});

test('an edit makes the check results stale: they go', async () => {
  const edited = buggy.text.replace('thread ioctl', 'thread ioctl ');
  const stale = await client.change(buggy.uri, edited);
  assert.deepEqual(fromCheck(stale.diagnostics), []);
  assert.deepEqual(await lenses(buggy.uri), ['▶ Check', '⏵ Debug']);
  await client.change(buggy.uri, buggy.text);
});

test('the fixed seed verifies; lockstep/check answers the verdict and the checker result', async () => {
  await client.open(fixed.uri, fixed.text);
  const answer = await client.request<{ summary: { verdict: string; asExpected: boolean }; result: { violations: unknown[] } }>('lockstep/check', { uri: fixed.uri });
  assert.equal(answer.summary.verdict, 'verified');
  assert.equal(answer.summary.asExpected, true);
  assert.deepEqual(answer.result.violations, []);
  assert.equal((await lenses(fixed.uri))[2]!.startsWith('✓ verified (as expected)'), true);
  assert.equal(await client.request('lockstep/check', { uri: 'file:///not-open.lockstep' }), null);
});

test('a change cancels a running check; the server answers while a check runs', async () => {
  await client.open(slow.uri, slow.text);
  await save(slow.uri);
  assert.equal((await lenses(slow.uri))[2], '$(sync~spin) checking…');
  const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: slow.uri }, position: positionOf(slow.text, 'x = x + 1;') });
  assert.ok(items.some((i) => i.label === 'x'), 'completion answered during the check');
  const changed = await client.change(slow.uri, slow.text.replace('int x;', 'int x = 1;'));
  assert.deepEqual(fromCheck(changed.diagnostics), []);
  assert.deepEqual(await lenses(slow.uri), ['▶ Check', '⏵ Debug'], 'the running check is gone');
});

test('a document closed while its check runs: diagnostics cleared, the server serves on', async () => {
  await save(slow.uri);
  assert.equal((await lenses(slow.uri))[2], '$(sync~spin) checking…');
  const cleared = await client.close(slow.uri);
  assert.deepEqual(cleared.diagnostics, []);
  assert.deepEqual(await client.request('textDocument/codeLens', { textDocument: { uri: slow.uri } }), []);
  const answer = await client.request<{ summary: { verdict: string } }>('lockstep/check', { uri: fixed.uri });
  assert.equal(answer.summary.verdict, 'verified');
});

test('with checking on save turned off, saving starts nothing', async () => {
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { lockstep: { check: { onSave: false } } } });
  await client.change(fixed.uri, `${fixed.text}\n`);
  await save(fixed.uri);
  assert.deepEqual(await lenses(fixed.uri), ['▶ Check', '⏵ Debug']);
});

test('lockstep/check reports progress on the work-done token it is given, and $/cancelRequest stops it', async () => {
  const slowUri = 'file:///slow-progress.lockstep';
  await client.open(slowUri, slow.text);
  const token = 'check-progress-1';
  const seen: string[] = [];
  const reported = new Promise<void>((resolve) => {
    client.connection.onProgress(WorkDoneProgress.type, token, (v) => {
      seen.push(v.kind);
      if (v.kind === 'report') resolve();
    });
  });
  const source = new CancellationTokenSource();
  const answer = client.connection.sendRequest('lockstep/check', { uri: slowUri, workDoneToken: token }, source.token);
  await reported;
  source.cancel();
  await assert.rejects(answer, (e: { code?: number }) => e.code === -32800, 'a cancelled request answers RequestCancelled');
  assert.deepEqual(seen.slice(0, 2), ['begin', 'report']);
  assert.deepEqual(await lenses(slowUri), ['▶ Check', '⏵ Debug'], 'the cancelled check is gone');
  await client.close(slowUri);
});
