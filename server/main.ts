// Entry point of `lockstep-lsp`: a language server over stdio (`--stdio`, also the default)
// or Node IPC (`--node-ipc`, as VS Code's client starts it). It keeps serving whatever
// arrives; only the protocol's exit notification (or the client process dying) ends it.

import { isMainThread } from 'node:worker_threads';
import { createConnection, type Connection } from 'vscode-languageserver/node';
import { FrameReader } from '../transport/frames';
import { LockstepServer } from './server';

function connect(): Connection {
  const args = process.argv.slice(2);
  if (args.some((a) => a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) return createConnection();
  // stdio (with --stdio or by default): only well-formed frames reach the protocol reader.
  const input = process.stdin.pipe(new FrameReader({ report: (m) => process.stderr.write(`lockstep-lsp: ${m}\n`) }));
  return createConnection(input, process.stdout);
}

export function main(): void {
  // A bug in one request must not end the session: log and carry on.
  process.on('uncaughtException', (e) => process.stderr.write(`lockstep-lsp: uncaught: ${e.stack ?? String(e)}\n`));
  process.on('unhandledRejection', (e) => process.stderr.write(`lockstep-lsp: unhandled rejection: ${String(e)}\n`));
  // stdout carries the protocol: stray console output goes to stderr.
  console.log = (...a: unknown[]) => process.stderr.write(`${a.map(String).join(' ')}\n`);
  console.info = console.log;
  new LockstepServer(connect()).listen();
}

// The bundle (dist/server.js) is also the checker's worker script (core/explore/worker.ts
// runs its job when loaded in a worker): only the main thread serves.
if (require.main === module && isMainThread) main();
