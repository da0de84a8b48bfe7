// Kernel reports through the language server, as an editor uses them: the
// `lockstep/importReport` request, the "Generate scenario from this report" code action on a
// report pasted into a block comment, and each check counterexample's commit-message diagram.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CodeAction } from 'vscode-languageserver-protocol';
import { loadScenario } from '../../core';
import { IMPORT_REPORT_REQUEST, NEW_SCENARIO_FROM_REPORT_COMMAND, type CheckReply, type ImportReportReply } from '../../server/protocol';
import { fixture, positionOf, ROOT, TestClient } from './client';

let client: TestClient;
const report = readFileSync(join(ROOT, 'test', 'fixtures', 'reports', '01-lockdep-circular-mm-iommu.txt'), 'utf8');

before(async () => {
  client = await TestClient.start({ settings: { lockstep: { diagnosticsDelayMs: 0, check: { onSave: false } } } });
});

after(async () => {
  assert.equal(await client.stop(), 0);
});

test('lockstep/importReport: a report becomes a skeleton that loads; junk is a clear error', async () => {
  const r = await client.request<ImportReportReply>(IMPORT_REPORT_REQUEST, { text: report });
  assert.ok(r.ok);
  assert.equal(r.kind, 'lockdep-circular');
  assert.equal(r.reports, 1);
  const loaded = loadScenario('skeleton.lockstep', r.scenario);
  assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.match(r.scenario, /^thread qemu_system_ppc /m);
  const junk = await client.request<ImportReportReply>(IMPORT_REPORT_REQUEST, { text: 'just a README' });
  assert.equal(junk.ok, false);
  assert.match(junk.ok ? '' : junk.error, /^no kernel report found: looked for/);
  const index = await client.request<ImportReportReply>(IMPORT_REPORT_REQUEST, { text: report, index: 2 });
  assert.equal(index.ok, false);
  await assert.rejects(client.request(IMPORT_REPORT_REQUEST, {}), /needs the report text/);
});

test('a report pasted in a /* */ comment offers "Generate scenario from this report" with its text', async () => {
  const splat = report.split('\n').slice(2).join('\n');
  const text = `/*\n * Seen in CI:\n${splat.split('\n').map((l) => ` * ${l}`).join('\n')}\n */\n\nmutex m;\nthread t { mutex_lock(&m); mutex_unlock(&m); }\n`;
  const uri = pathToFileURL(join(ROOT, 'pasted.lockstep')).toString();
  await client.open(uri, text);
  const inside = positionOf(text, 'mm_iommu_do_alloc+0x70/0x490', 4);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri }, range: { start: inside, end: inside }, context: { diagnostics: [] },
  });
  const gen = actions.find((a) => a.title === 'Generate scenario from this report');
  assert.ok(gen, JSON.stringify(actions));
  assert.equal(gen.command?.command, NEW_SCENARIO_FROM_REPORT_COMMAND);
  const arg = gen.command?.arguments?.[0] as string;
  assert.match(arg, /^WARNING: possible circular locking dependency detected$/m);
  const back = await client.request<ImportReportReply>(IMPORT_REPORT_REQUEST, { text: arg });
  assert.ok(back.ok);
  // Outside the comment, no such action.
  const outside = positionOf(text, 'thread t', 2);
  const none = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: outside, end: outside }, context: { diagnostics: [] } });
  assert.ok(!none.some((a) => a.title === 'Generate scenario from this report'));
  await client.close(uri);
});

test('each counterexample of lockstep/check carries its commit-message diagram', async () => {
  const seed = fixture('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
  await client.open(seed.uri, seed.text);
  const reply = await client.request<CheckReply>('lockstep/check', { uri: seed.uri });
  assert.ok(reply && reply.counterexamples.length >= 2);
  const order = reply.counterexamples.find((c) => c.kind === 'lock_order')!;
  assert.match(order.commitDiagram, /^ Possible unsafe locking scenario:$/m);
  const deadlock = reply.counterexamples.find((c) => c.kind === 'deadlock')!;
  assert.match(deadlock.commitDiagram, /^  CPU0 +CPU1\n  ---- +----$/m);
  for (const c of reply.counterexamples) for (const l of c.commitDiagram.split('\n')) assert.ok(l.length <= 75 && /^[\x20-\x7e]*$/.test(l), l);
  await client.close(seed.uri);
});
