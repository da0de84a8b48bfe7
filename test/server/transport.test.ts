// The other transport and the layering: `lockstep-lsp --node-ipc` serves over Node IPC as
// VS Code's client starts it, and nothing in core/ imports a protocol library.

import { strict as assert } from 'node:assert';
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProtocolConnection, IPCMessageReader, IPCMessageWriter, type Hover } from 'vscode-languageserver-protocol/node';
import { ROOT } from './client';

test('--node-ipc: initialize, open, hover, shutdown, exit', async () => {
  const child = fork(join(ROOT, 'bin', 'lockstep-lsp.js'), ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const c = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  c.listen();
  try {
    await c.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    await c.sendNotification('initialized', {});
    const uri = 'file:///ipc.lockstep';
    const published = new Promise<void>((resolve) => c.onNotification('textDocument/publishDiagnostics', () => resolve()));
    await c.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'lockstep', version: 1, text: 'mutex m;\nthread t on cpu0 { mutex_lock(&m); mutex_unlock(&m); }\n' } });
    await published;
    const h = await c.sendRequest<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 22 } });
    assert.match((h.contents as { value: string }).value, /^```lockstep\nvoid mutex_lock\(mutex \* lock\)/);
    await c.sendRequest('shutdown');
    await c.sendNotification('exit');
    assert.equal(await exited, 0);
  } finally {
    c.dispose();
    if (child.exitCode === null) child.kill();
  }
});

test('core/ never imports vscode, the protocol libraries or the debug adapter', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts') && /from '(vscode|vscode-languageserver[^']*|vscode-jsonrpc|@vscode\/[^']*)'/.test(readFileSync(path, 'utf8'))) offenders.push(path);
    }
  };
  walk(join(ROOT, 'core'));
  assert.deepEqual(offenders, []);
});
