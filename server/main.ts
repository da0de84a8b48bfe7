// Entry point of `lockstep-lsp`: a language server over stdio (`--stdio`, also the default)
// or Node IPC (`--node-ipc`, as VS Code's client starts it). It keeps serving whatever
// arrives; only the protocol's exit notification (or the client process dying) ends it.

import { createConnection, type Connection } from 'vscode-languageserver/node';
import { LockstepServer } from './server';

function connect(): Connection {
  const args = process.argv.slice(2);
  const transport = args.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'));
  return transport ? createConnection() : createConnection(process.stdin, process.stdout);
}

export function main(): void {
  // A bug in one request must not end the session: log and carry on.
  process.on('uncaughtException', (e) => process.stderr.write(`lockstep-lsp: uncaught: ${e.stack ?? String(e)}\n`));
  process.on('unhandledRejection', (e) => process.stderr.write(`lockstep-lsp: unhandled rejection: ${String(e)}\n`));
  new LockstepServer(connect()).listen();
}

if (require.main === module) main();
