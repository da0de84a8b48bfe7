// The commands a debug session of a scenario adds to the Call Stack's thread menu and the
// debug toolbar: step or run one vCPU (VS Code's own buttons never send `singleThread`),
// freeze or thaw one, and a lock breakpoint picked from the scenario's locks.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { FREEZE_REQUEST } from '../debugger/session';
import { LOCKS_REQUEST, type LockJson, type LocksParams } from '../server/protocol';
import { DEBUG_TYPE } from './debugger';

interface ThreadTarget {
  readonly session: vscode.DebugSession;
  readonly threadId: number;
}

/** The thread a command is for: the Call Stack item it was invoked on, else the focused one. */
function threadTarget(sessions: ReadonlyMap<string, vscode.DebugSession>, args: readonly unknown[]): ThreadTarget | undefined {
  // The Call Stack passes (threadId or frame source, { sessionId, threadId, frameId? }).
  for (const arg of args) {
    const context = arg as { sessionId?: unknown; threadId?: unknown } | undefined;
    if (typeof context?.sessionId === 'string' && typeof context.threadId === 'number') {
      const session = sessions.get(context.sessionId);
      if (session) return { session, threadId: context.threadId };
    }
  }
  const item = vscode.debug.activeStackItem;
  if ((item instanceof vscode.DebugThread || item instanceof vscode.DebugStackFrame) && item.session.type === DEBUG_TYPE) {
    return { session: item.session, threadId: item.threadId };
  }
  return undefined;
}

/** Runs a request for the target thread; the adapter's refusals are shown as they are worded. */
function threadCommand(sessions: ReadonlyMap<string, vscode.DebugSession>, request: (t: ThreadTarget) => Thenable<unknown>) {
  return async (...args: unknown[]): Promise<unknown> => {
    const target = threadTarget(sessions, args);
    if (!target) {
      void vscode.window.showWarningMessage('Lockstep: select a thread of a Lockstep debug session first (in the Call Stack).');
      return undefined;
    }
    try {
      return await request(target);
    } catch (e) {
      void vscode.window.showWarningMessage(`Lockstep: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  };
}

/** The scenario a lock breakpoint is for: the active editor's, else the debugged one. */
function scenarioUri(): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc?.languageId === 'lockstep') return doc.uri;
  const session = vscode.debug.activeDebugSession;
  const program: unknown = session?.type === DEBUG_TYPE ? session.configuration['program'] : undefined;
  return typeof program === 'string' ? vscode.Uri.file(program) : undefined;
}

async function breakOnLock(client: () => Promise<LanguageClient>): Promise<vscode.FunctionBreakpoint | undefined> {
  const uri = scenarioUri();
  if (!uri) {
    void vscode.window.showWarningMessage('Lockstep: open a scenario (or debug one) to pick among its locks.');
    return undefined;
  }
  // The server knows the documents VS Code has open: opening one (without showing it) is enough.
  await vscode.workspace.openTextDocument(uri);
  const params: LocksParams = { uri: uri.toString() };
  const locks = await (await client()).sendRequest<LockJson[]>(LOCKS_REQUEST, params);
  const items: (vscode.QuickPickItem & { name: string })[] = [
    ...locks.map((l) => ({
      name: l.name,
      label: l.name,
      description: l.kind,
      detail: `declared on line ${l.range.start.line + 1} · taken in ${l.acquisitions} place${l.acquisitions === 1 ? '' : 's'}`,
    })),
    { name: '*', label: '*', description: 'every lock', detail: 'stop before any acquisition' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Break on Lock Acquisition',
    placeHolder: locks.length > 0 ? 'Stop when an actor is about to take this lock, or finds it held' : 'This scenario declares no locks',
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  const existing = vscode.debug.breakpoints.find((b): b is vscode.FunctionBreakpoint => b instanceof vscode.FunctionBreakpoint && b.functionName === picked.name);
  if (existing) return existing;
  const breakpoint = new vscode.FunctionBreakpoint(picked.name);
  vscode.debug.addBreakpoints([breakpoint]);
  return breakpoint;
}

export function registerThreadCommands(context: vscode.ExtensionContext, client: () => Promise<LanguageClient>): void {
  const sessions = new Map<string, vscode.DebugSession>();
  context.subscriptions.push(
    vscode.debug.onDidStartDebugSession((s) => s.type === DEBUG_TYPE && sessions.set(s.id, s)),
    vscode.debug.onDidTerminateDebugSession((s) => sessions.delete(s.id)),
    vscode.commands.registerCommand('lockstep.stepThisVcpu', threadCommand(sessions, ({ session, threadId }) =>
      session.customRequest('next', { threadId, singleThread: true }))),
    vscode.commands.registerCommand('lockstep.runThisVcpu', threadCommand(sessions, ({ session, threadId }) =>
      session.customRequest('continue', { threadId, singleThread: true }))),
    vscode.commands.registerCommand('lockstep.toggleFreezeVcpu', threadCommand(sessions, ({ session, threadId }) =>
      session.customRequest(FREEZE_REQUEST, { threadId }))),
    vscode.commands.registerCommand('lockstep.breakOnLock', () => breakOnLock(client)),
  );
}
