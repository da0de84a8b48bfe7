// Lockstep's own requests over a real LSP client: lockstep/check with work-done progress, its
// counterexamples and the diagnostics it publishes, cancellation of a long search, and
// lockstep/locks. Waits are for responses and notifications, never for time.

import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { CancellationTokenSource, WorkDoneProgress, type PublishDiagnosticsParams, type WorkDoneProgressBegin, type WorkDoneProgressEnd, type WorkDoneProgressReport } from 'vscode-languageserver-protocol';
import { CHECK_REQUEST, LOCKS_REQUEST, type CheckReply, type LockJson } from '../../server/protocol';
import { fixture, TestClient } from './client';

type ProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

let client: TestClient;
const seed4 = fixture('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
const long = fixture('test/server/fixtures/long-search.lockstep');

before(async () => {
  client = await TestClient.start({ settings: { lockstep: { diagnosticsDelayMs: 0, check: { onSave: false, maxSeconds: 120, maxStates: 1e8 } } } });
  for (const f of [seed4, long]) await client.open(f.uri, f.text);
});

after(async () => {
  assert.equal(await client.stop(), 0);
});

/** Sends lockstep/check with a progress token; collects the progress values until the reply. */
function check(uri: string, token: string, cancel?: CancellationTokenSource, onReport?: () => void): { reply: Promise<CheckReply>; progress: ProgressValue[] } {
  const progress: ProgressValue[] = [];
  const listening = client.connection.onProgress(WorkDoneProgress.type, token, (v) => {
    progress.push(v);
    if (v.kind === 'report') onReport?.();
  });
  const params = { uri, workDoneToken: token };
  // (An undefined third argument would be sent as a second parameter.)
  const sent = cancel ? client.connection.sendRequest<CheckReply>(CHECK_REQUEST, params, cancel.token) : client.connection.sendRequest<CheckReply>(CHECK_REQUEST, params);
  const reply = sent.finally(() => listening.dispose());
  return { reply, progress };
}

test('check of seed 004: the verdict, its counterexamples in lanes, and the findings as diagnostics', async () => {
  const published = client.nextDiagnostics(seed4.uri, (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.source === 'lockstep check'));
  const { reply, progress } = check(seed4.uri, 'seed4');
  const r = await reply;
  assert.ok(r, 'a reply');
  assert.equal(r.summary.verdict, 'violation');
  assert.deepEqual([...r.summary.details].sort(), ['deadlock', 'lock_order']);
  assert.equal(r.summary.asExpected, true, 'seed 004 expects lock_order and deadlock');
  assert.equal(r.version, 1);
  assert.ok(r.stats && r.stats.states > 0);

  const order = r.counterexamples.find((c) => c.kind === 'lock_order');
  assert.ok(order);
  // One run with the whole cycle: ioctl takes both locks in turn, then mmap closes it.
  assert.deepEqual(order.lanes.map((l) => l.title), ['CPU0 (ioctl)', 'CPU1 (mmap)']);
  const failing = order.steps.filter((s) => s.failing);
  assert.deepEqual(failing.map((s) => [order.lanes[s.lane]!.title, s.text, s.range.start.line + 1, s.acquires]), [['CPU1 (mmap)', 'mutex_lock(&mem_list_mutex)', 61, ['mem_list_mutex']]]);
  assert.ok(order.steps.some((s) => order.lanes[s.lane]!.title === 'CPU0 (ioctl)' && s.acquires.includes('mm->mmap_sem')), 'ioctl took mmap_sem under mem_list_mutex');
  assert.equal(order.footer, 'possible circular locking dependency detected');
  assert.equal(order.traceFile.violation?.kind, 'lock_order');

  const deadlock = r.counterexamples.find((c) => c.kind === 'deadlock');
  assert.ok(deadlock);
  assert.deepEqual(deadlock.lanes.map((l) => l.title), ['CPU0 (ioctl)', 'CPU1 (mmap)']);
  assert.deepEqual(deadlock.after.map((n) => [deadlock.lanes[n.lane]!.title, n.note]).sort(), [['CPU0 (ioctl)', 'blocks'], ['CPU1 (mmap)', 'blocks']]);
  assert.equal(deadlock.footer, '*** DEADLOCK ***');

  assert.equal(progress[0]?.kind, 'begin');
  assert.equal(progress[progress.length - 1]?.kind, 'end');
  for (const p of progress) if (p.kind === 'report') assert.match(p.message ?? '', /^[\d,]+ states · [\d,]+ states\/s$/);

  const diagnostics = (await published).diagnostics.filter((d) => d.source === 'lockstep check');
  assert.ok(diagnostics.some((d) => d.code === 'lock_order' && d.range.start.line === 60), 'the closing acquisition');
  assert.ok(diagnostics.some((d) => d.code === 'lock_order' && d.range.start.line === 46), 'the other side of the cycle');
  assert.ok(diagnostics.some((d) => d.code === 'deadlock'));
  // The findings are expected ones (`expect lock_order, deadlock`): warnings, not errors.
  assert.ok(diagnostics.every((d) => d.severity === 2));
});

test('cancelling a check stops the search: the request answers RequestCancelled and the progress ends', async () => {
  const cancel = new CancellationTokenSource();
  const { reply, progress } = check(long.uri, 'long', cancel, () => cancel.cancel());
  await assert.rejects(reply, (e: { code?: number }) => e.code === -32800);
  assert.ok(progress.some((p) => p.kind === 'report'), 'it reported progress before it was cancelled');
  assert.equal(progress[progress.length - 1]?.kind, 'end');
  // The server is still there and answers.
  const again = await client.request<LockJson[]>(LOCKS_REQUEST, { uri: seed4.uri });
  assert.equal(again.length, 2);
});

test('locks: each lock class with its kind, declaration and number of acquisitions', async () => {
  const locks = await client.request<LockJson[]>(LOCKS_REQUEST, { uri: seed4.uri });
  assert.deepEqual(locks.map((l) => [l.name, l.kind, l.range.start.line + 1, l.acquisitions]), [
    ['mm->mmap_sem', 'rwsem', 34, 3],
    ['mem_list_mutex', 'mutex', 39, 1],
  ]);
  assert.deepEqual(await client.request<LockJson[]>(LOCKS_REQUEST, { uri: 'file:///not-open.lockstep' }), []);
});
