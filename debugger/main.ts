// `lockstep-dap`: the debug adapter as a program, speaking DAP over stdio (or, with
// --server=PORT, on a socket) for any DAP client. The extension hosts the same session inline.

import { DebugSession } from '@vscode/debugadapter';
import { LockstepDebugSession } from './session';

// A bug in a handler must not end a debugging session: report it and keep serving.
process.on('uncaughtException', (e) => {
  process.stderr.write(`lockstep-dap: internal error: ${e.stack ?? e.message}\n`);
});

DebugSession.run(LockstepDebugSession);
