// Bad input never takes the server down: positions outside the document, unknown and closed
// documents, random bytes as a document and on the wire, malformed parameters, unknown
// methods, messages out of order. Each request gets an answer (empty, or an error) and the
// server keeps serving.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CompletionItem, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { fixture, ROOT, TestClient } from './client';

let client: TestClient;
const seed = fixture('examples/seeds/004-mm-iommu-deadlock.buggy.lockstep');

before(async () => {
  client = await TestClient.start({ settings: { lockstep: { diagnosticsDelayMs: 0 } } });
  await client.open(seed.uri, seed.text);
});

after(async () => {
  assert.equal(client.child.exitCode, null, 'still running after everything');
  assert.equal(await client.stop(), 0);
});

/** A deterministic stream of pseudo-random bytes (a linear congruential generator). */
function randomBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Every position-taking request, at `position`, on `uri`: each must answer without failing the server. */
async function everyRequest(uri: string, position: unknown): Promise<unknown[]> {
  const td = { textDocument: { uri } };
  const range = { start: position, end: position };
  const requests: [string, unknown][] = [
    ['textDocument/completion', { ...td, position }],
    ['textDocument/hover', { ...td, position }],
    ['textDocument/signatureHelp', { ...td, position }],
    ['textDocument/definition', { ...td, position }],
    ['textDocument/references', { ...td, position, context: { includeDeclaration: true } }],
    ['textDocument/documentHighlight', { ...td, position }],
    ['textDocument/inlayHint', { ...td, range }],
    ['textDocument/codeAction', { ...td, range, context: { diagnostics: [] } }],
    ['textDocument/documentSymbol', td],
    ['textDocument/foldingRange', td],
    ['textDocument/semanticTokens/full', td],
    ['textDocument/codeLens', td],
    ['textDocument/formatting', { ...td, options: { tabSize: 4, insertSpaces: true } }],
  ];
  const answers: unknown[] = [];
  for (const [method, params] of requests) {
    answers.push(await client.request(method, params).catch((e: Error) => ({ error: e.message })));
  }
  return answers;
}

test('positions outside the document: empty answers', async () => {
  for (const position of [{ line: 99_999, character: 99_999 }, { line: -5, character: -1 }, { line: 1.5, character: Number.MAX_SAFE_INTEGER }, { line: 0, character: 10_000 }]) {
    const answers = await everyRequest(seed.uri, position);
    assert.equal(answers.length, 13);
    assert.ok(answers.every((x) => !(typeof x === 'object' && x !== null && 'error' in x)), JSON.stringify(answers).slice(0, 300));
  }
  await assert.rejects(client.request('textDocument/rename', { textDocument: { uri: seed.uri }, position: { line: 99_999, character: 0 }, newName: 'x' }));
});

test('unknown documents, and documents after they are closed: null or empty', async () => {
  const answers = await everyRequest('file:///never-opened.lockstep', { line: 0, character: 0 });
  assert.deepEqual(answers, [[], null, null, null, [], [], [], [], [], [], { data: [] }, [], []]);
  const uri = 'file:///closed.lockstep';
  await client.open(uri, 'mutex a;\nthread t on cpu0 { mutex_lock(&a); mutex_unlock(&a); }\n');
  await client.close(uri);
  assert.deepEqual(await everyRequest(uri, { line: 1, character: 20 }), answers);
  // Changes and closes for documents that are not open are ignored.
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 9 }, contentChanges: [{ text: 'x' }] });
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: 'file:///nothing.lockstep' } });
  assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }), null);
});

test('a file of random bytes and a document that is not a scenario: diagnostics, and every feature answers', async () => {
  for (const [uri, text] of [
    ['file:///random-latin1.lockstep', randomBytes(20_000, 7).toString('latin1')],
    ['file:///random-utf8.lockstep', randomBytes(20_000, 11).toString('utf8')],
    ['file:///not-a-scenario.c', '#include <linux/kvm_host.h>\nstatic int kvm_vm_ioctl(struct file *filp, unsigned int ioctl) { return -ENOTTY; }\n'],
    ['file:///nested.lockstep', `thread t on cpu0 { x = ${'('.repeat(50_000)}1; }`],
    ['file:///empty.lockstep', ''],
  ] as const) {
    const d: PublishDiagnosticsParams = await client.open(uri, text);
    assert.ok(uri.includes('empty') ? d.diagnostics.length >= 0 : d.diagnostics.length > 0, uri);
    const answers = await everyRequest(uri, { line: 3, character: 5 });
    assert.ok(answers.every((x) => !(typeof x === 'object' && x !== null && 'error' in x)), `${uri}: ${JSON.stringify(answers).slice(0, 200)}`);
    await client.close(uri);
  }
});

test('malformed parameters and unknown methods get an error or an empty answer', async () => {
  const outcomes: string[] = [];
  for (const [method, params] of [
    ['textDocument/completion', {}],
    ['textDocument/hover', { textDocument: 42, position: 'here' }],
    ['textDocument/definition', null],
    ['textDocument/rename', { textDocument: { uri: seed.uri }, position: { line: 40, character: 8 } }],
    ['textDocument/formatting', { textDocument: {} }],
    ['workspace/symbol', {}],
    ['lockstep/check', { uri: 17 }],
    ['no/such/method', { a: 1 }],
  ] as const) {
    outcomes.push(await client.request(method, params).then(() => 'answered', () => 'error'));
  }
  // null params fail in the protocol library before any handler runs: an error answer, which is fine.
  assert.deepEqual(outcomes, ['answered', 'answered', 'error', 'error', 'answered', 'answered', 'answered', 'error']);
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: 42 } });
  await client.connection.sendNotification('no/such/notification', 'x');
  const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: seed.uri }, position: { line: 62, character: 16 } });
  assert.ok(items.length > 0, 'still serving');
});

test('garbage on the wire: malformed headers, random bytes, a body that is not JSON', async () => {
  const stdin = client.child.stdin;
  stdin.write('this is not a header\r\n\r\n');
  stdin.write(randomBytes(5000, 3));
  stdin.write('\r\n\r\n');
  stdin.write('Content-Length: 9\r\n\r\n{"oops": ');
  stdin.write('Content-Length: nope\r\n\r\n');
  const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: seed.uri }, position: { line: 62, character: 16 } });
  assert.ok(items.length > 0, 'the next well-formed request is answered');
});

test('requests before initialize are refused, and the session then starts normally', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'lockstep-lsp.js'), '--stdio'], { stdio: 'pipe' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const frame = (o: object): string => {
      const body = JSON.stringify(o);
      return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    const replies = new Map<number, { error?: { code: number }; result?: unknown }>();
    const both = new Promise<void>((resolve) => {
      let buffer = Buffer.alloc(0);
      child.stdout.on('data', (d: Buffer) => {
        buffer = Buffer.concat([buffer, d]);
        for (;;) {
          const end = buffer.indexOf('\r\n\r\n');
          const length = Number(/Content-Length: (\d+)/.exec(buffer.subarray(0, end).toString())?.[1]);
          if (end < 0 || buffer.length < end + 4 + length) break;
          const message = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString()) as { id?: number; error?: { code: number }; result?: unknown };
          if (typeof message.id === 'number') replies.set(message.id, message);
          buffer = buffer.subarray(end + 4 + length);
        }
        if (replies.has(1) && replies.has(2)) resolve();
      });
    });
    child.stdin.write(frame({ jsonrpc: '2.0', id: 1, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///x' }, position: { line: 0, character: 0 } } }));
    child.stdin.write(frame({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///x', languageId: 'lockstep', version: 1, text: 'mutex' } } }));
    child.stdin.write(frame({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }));
    await both;
    assert.equal(replies.get(1)!.error?.code, -32002, 'ServerNotInitialized');
    assert.ok(replies.get(2)!.result, 'initialize answered');
    child.stdin.end();
    assert.equal(await exited, 1, 'stdin closed without shutdown: exit code 1, as the protocol says');
  } finally {
    if (child.exitCode === null) child.kill();
  }
});
