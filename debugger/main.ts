// `lockstep-dap`: the debug adapter as a program, speaking DAP over stdio (or, with
// --server=PORT, one session per connection on a socket) for any DAP client. The extension
// hosts the same session inline. Input passes through the shared frame reader, so stray
// bytes and malformed frames are dropped and the session resynchronises; a client that goes
// away (end of input, EPIPE on output) ends the adapter at once.

import { createServer, type Socket } from 'node:net';
import { FrameReader } from '../transport/frames';
import { LockstepDebugSession } from './session';

function report(m: string): void {
  process.stderr.write(`lockstep-dap: ${m}\n`);
}

/** Stdio: one session; the process lives exactly as long as its client. */
function serveStdio(): void {
  const session = new LockstepDebugSession(false);
  // Nobody reads our output any more: there is no one left to serve.
  process.stdout.on('error', () => process.exit(0));
  // End of input: flush what is queued (briefly: a client that stopped reading gets nothing), then go.
  process.stdin.on('end', () => {
    setTimeout(() => process.exit(0), 200).unref();
    process.stdout.write('', () => process.exit(0));
  });
  process.on('SIGTERM', () => process.exit(0));
  session.start(process.stdin.pipe(new FrameReader({ report })), process.stdout);
}

/** --server=PORT: a session per connection; a connection's failure ends only that session. */
function serveSocket(port: number): void {
  const server = createServer((socket: Socket) => {
    const session = new LockstepDebugSession(false, true);
    session.setRunAsServer(true);
    socket.on('error', () => socket.destroy());
    session.start(socket.pipe(new FrameReader({ report })), socket);
  });
  server.on('error', (e) => {
    report(`cannot listen on port ${port}: ${e.message}`);
    process.exit(1);
  });
  // Port 0 lets the system choose; the line says which.
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    report(`waiting for debug protocol on port ${typeof address === 'object' && address ? address.port : port}`);
  });
}

// A bug in a handler must not end a debugging session: one line (the stack with LOCKSTEP_DEBUG=1), and keep serving.
process.on('uncaughtException', (e) => {
  report(`internal error: ${process.env.LOCKSTEP_DEBUG ? e.stack ?? e.message : e.message}`);
});

const port = process.argv.slice(2).map((a) => /^--server=(\d{1,5})$/.exec(a)?.[1]).find((p) => p !== undefined);
if (port !== undefined) serveSocket(Number(port));
else serveStdio();
