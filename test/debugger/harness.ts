// Drives the real adapter (out/debugger/main.js, a child process over stdio) with
// @vscode/debugadapter-testsupport's DebugClient. Everything waits for protocol events;
// the client's own time limit only turns a hang into a failure.

import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

/** The repository root, from out/test/debugger. */
export const ROOT = resolve(__dirname, '../../..');
export const FIXTURES = resolve(ROOT, 'test/debugger/fixtures');
export const SEEDS = resolve(ROOT, 'examples/seeds');
const ADAPTER = resolve(ROOT, 'out/debugger/main.js');

export interface Adapter {
  readonly dc: DebugClient;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the adapter as a child process and connects a DebugClient to its stdio. */
export function startAdapter(): Adapter {
  const child = spawn(process.execPath, [ADAPTER], { stdio: ['pipe', 'pipe', 'pipe'] });
  const dc = new DebugClient(process.execPath, ADAPTER, 'lockstep');
  dc.defaultTimeout = 20_000;
  // DebugClient.start() would spawn the adapter itself; connecting to our own child keeps
  // its stdin in reach, to send malformed bytes.
  (dc as unknown as { connect(r: NodeJS.ReadableStream, w: NodeJS.WritableStream): void }).connect(child.stdout!, child.stdin!);
  return {
    dc,
    process: child,
    async stop() {
      // An adapter that has exited (its client vanished) has no one to answer a disconnect.
      if (child.exitCode === null && child.signalCode === null) await dc.disconnectRequest({}).catch(() => undefined);
      child.kill();
    },
  };
}

/** Launches, letting `configure` set breakpoints between `initialized` and configurationDone; resolves with the first stop. */
export async function launch(
  dc: DebugClient,
  args: Record<string, unknown>,
  configure?: () => Promise<unknown>,
): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await configure?.();
      await dc.configurationDoneRequest();
    }),
    dc.launch(args),
  ]);
  return stopped;
}

/** Sends a request that makes the adapter stop again, and resolves with that stop. */
export async function stopAfter(dc: DebugClient, request: Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await request;
  return stopped;
}

/** The thread id of an actor, by the actor name in its title (`CPU0 · ioctl (…)`). */
export async function threadId(dc: DebugClient, actor: string): Promise<number> {
  const { body } = await dc.threadsRequest();
  const t = body.threads.find((x) => x.name.split(' · ')[1]?.split(' ')[0] === actor || x.name.includes(` · ${actor} `) || x.name.endsWith(` · ${actor}`));
  if (!t) throw new Error(`no thread for ${actor} in ${body.threads.map((x) => x.name).join(' | ')}`);
  return t.id;
}

/** The top frame of a thread: name and line. */
export async function top(dc: DebugClient, thread: number): Promise<{ name: string; line: number; id: number }> {
  const { body } = await dc.stackTraceRequest({ threadId: thread });
  const f = body.stackFrames[0]!;
  return { name: f.name, line: f.line, id: f.id };
}

/** The variables of a named scope of a frame (Locals, Locks, Shared, Heap, vCPUs). */
export async function scopeVariables(dc: DebugClient, frameId: number, scope: string): Promise<{ ref: number; vars: DebugProtocol.Variable[] }> {
  const { body } = await dc.scopesRequest({ frameId });
  const s = body.scopes.find((x) => x.name === scope);
  if (!s) throw new Error(`no scope ${scope}: ${body.scopes.map((x) => x.name).join(', ')}`);
  const v = await dc.variablesRequest({ variablesReference: s.variablesReference });
  return { ref: s.variablesReference, vars: v.body.variables };
}

/** Expects a request to fail; resolves with its message. */
export async function errorOf(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the request succeeded, but an error response was expected');
}
