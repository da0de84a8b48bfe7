// The language server against the inputs that once broke it: stray bytes without a CRLF
// (a too-short Content-Length, a header without its blank line) resynchronise at the next
// header; deep expressions get a located error and keep the outline; malformed didChange
// ranges are clamped silently; workspace/symbol over `file:///` never holds up a request
// and never leaves the workspace folders.

import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { DocumentSymbol, Hover, SymbolInformation } from 'vscode-languageserver-protocol';
import { fixture, TestClient } from './client';

let client: TestClient;
const seed = fixture('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');
const STACK = /\n\s+at /;

before(async () => {
  client = await TestClient.start({ settings: { lockstep: { diagnosticsDelayMs: 0 } } });
  await client.open(seed.uri, seed.text);
});

after(async () => {
  assert.equal(client.child.exitCode, null, 'still running after everything');
  assert.doesNotMatch(client.stderr, STACK);
  assert.equal(await client.stop(), 0);
});

const hoverMutexLock = (): Promise<Hover | null> => client.request<Hover | null>('textDocument/hover', { textDocument: { uri: seed.uri }, position: { line: seed.text.split('\n').findIndex((l) => l.includes('mutex_lock(')), character: seed.text.split('\n').find((l) => l.includes('mutex_lock('))!.indexOf('mutex_lock(') + 2 } });

test('stray bytes without a CRLF: the server resynchronises at the next header, every time', async () => {
  const stdin = client.child.stdin;
  const body = JSON.stringify({ jsonrpc: '2.0', method: 'no/such/notification', params: {} });
  for (let i = 0; i < 20; i++) {
    stdin.write(`Content-Length: 3\r\n\r\n${body}`); // too short: the rest of the body is stray
    stdin.write('Content-Length: 40'); // a header without its CRLF
    stdin.write('garbage without any line end');
    const h = await hoverMutexLock();
    assert.ok(h, `answered after junk ${i + 1}`);
  }
});

test('deep expressions: a located error, the outline kept, lockstep/check answers', async () => {
  const uri = 'file:///deep.lockstep';
  const text = `mutex m;\nstruct node { struct node *next; };\nstruct node *p;\nthread t on cpu0 { p = p${'->next'.repeat(3500)}; }\nthread u on cpu1 { mutex_lock(&m); mutex_unlock(&m); }\n`;
  const d = await client.open(uri, text);
  const deep = d.diagnostics.find((x) => /expression nested too deeply \(3503 levels; the limit is 256\)/.test(x.message));
  assert.ok(deep, JSON.stringify(d.diagnostics).slice(0, 300));
  assert.deepEqual(deep.range.start, { line: 3, character: 23 });
  const outline = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
  assert.deepEqual(outline.map((s) => s.name), ['m', 'struct node', 'p', 't', 'u']);
  const reply = await client.request<{ summary?: string } | null>('lockstep/check', { uri });
  assert.notEqual(reply, null);
  await client.close(uri);
});

test('malformed didChange ranges are clamped, silently', async () => {
  const uri = 'file:///clamped.lockstep';
  await client.open(uri, 'int x;\n');
  const before = client.stderr.length;
  const changes = [
    { range: { start: { line: 99, character: 0 }, end: { line: 99, character: 5 } }, text: '\nint y;' },
    { range: { start: { line: -3, character: -7 }, end: { line: 0, character: 0 } }, text: '// head\n' },
    { range: { start: { line: 0, character: 9 }, end: { line: 0, character: 2 } }, text: '' },
    { range: { start: { line: 'a', character: null }, end: {} }, text: '' },
    { range: 'nonsense', text: '' },
    { text: 42 },
    null,
  ];
  const published = client.nextDiagnostics(uri, (p) => p.version === 2);
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: changes });
  await published;
  const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
  assert.deepEqual(symbols.map((s) => s.name), ['x', 'y']);
  assert.equal(client.stderr.slice(before), '');
  await client.close(uri);
});

test('workspace/symbol over file:/// never holds up another request', async () => {
  const root = await TestClient.start({ rootUri: 'file:///' });
  try {
    await root.open(seed.uri, seed.text);
    const order: string[] = [];
    const symbols = root.request<SymbolInformation[]>('workspace/symbol', { query: 'mm_iommu' }).then((s) => {
      order.push('symbols');
      return s;
    });
    const hover = root.request('textDocument/hover', { textDocument: { uri: seed.uri }, position: { line: 0, character: 0 } }).then(() => order.push('hover'));
    await Promise.all([symbols, hover]);
    assert.deepEqual(order, ['hover', 'symbols']);
    assert.ok((await symbols).some((s) => s.location.uri === seed.uri), 'the open document answers at once');
  } finally {
    await root.stop();
  }
});

test('workspace symbols stay inside the workspace folders (no symbolic link is followed)', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'lockstep-outside-'));
  writeFileSync(join(outside, 'elsewhere.lockstep'), 'mutex outside_lock;\n');
  const folder = mkdtempSync(join(tmpdir(), 'lockstep-ws-'));
  mkdirSync(join(folder, 'sub'));
  writeFileSync(join(folder, 'sub', 'inside.lockstep'), 'mutex inside_lock;\n');
  symlinkSync(outside, join(folder, 'link'));
  const ws = await TestClient.start({ rootUri: pathToFileURL(folder).toString() });
  try {
    const found = await ws.request<SymbolInformation[]>('workspace/symbol', { query: '_lock' });
    assert.deepEqual(found.map((s) => s.name).sort(), ['inside_lock']);
  } finally {
    await ws.stop();
  }
});
