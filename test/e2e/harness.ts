// The in-editor half of the end-to-end tests: runs a suite's stages in order inside VS Code's
// extension host, asks the driver (test/e2e/run.mjs) for a screenshot after each stage and
// reports each result to it. VS Code itself hands the suite's verdict back to the driver.

import type { DebugProtocol } from '@vscode/debugprotocol';
import * as vscode from 'vscode';

export interface Stage {
  readonly name: string;
  run(): Promise<void>;
}

/** A span of rendered editor text and the colour the theme gave it. */
export interface RenderedToken {
  readonly text: string;
  readonly color: string;
}

/** What the driver answers, by request. */
interface DriverApi {
  screenshot: { request: { name: string }; response: { file: string } };
  result: { request: { stage: string; ok: boolean; ms: number; error?: string }; response: object };
  /** The tokens of the first rendered editor line containing `line`, once it is coloured. */
  tokens: { request: { line: string }; response: { tokens: RenderedToken[] } };
  /** The text of the elements matching `selector`, once one contains `contains`. */
  text: { request: { selector: string; contains: string }; response: { texts: string[] } };
  /** As `text`, inside the page of the visible webview (the swimlane view). */
  webviewText: { request: { selector: string; contains: string }; response: { texts: string[] } };
  /** Clicks the first element matching `selector` that contains `contains`, inside the visible webview. */
  webviewClick: { request: { selector: string; contains: string }; response: object };
  /** Once the quick pick shows `contains`, types `type` into it and presses Enter. */
  quickPick: { request: { contains: string; type: string }; response: object };
}

const driverUrl = process.env['LOCKSTEP_E2E_DRIVER'];

export async function driver<K extends keyof DriverApi>(request: K, body: DriverApi[K]['request']): Promise<DriverApi[K]['response']> {
  if (!driverUrl) throw new Error('LOCKSTEP_E2E_DRIVER is not set: run the suites through test/e2e/run.mjs');
  const response = await fetch(`${driverUrl}/${request}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`driver ${request} failed: ${response.status} ${text}`);
  return JSON.parse(text) as DriverApi[K]['response'];
}

/**
 * The Lockstep extension as this session loaded it: from the installed .vsix (`--vsix`) or
 * from the repository folder; fails when it is not the one the driver asked for.
 */
export function lockstepExtension(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension('lockstep.lockstep');
  if (!extension) {
    throw new Error(`the Lockstep extension is not loaded; loaded: ${vscode.extensions.all.map((e) => e.id).join(', ')}`);
  }
  const installed = extension.extensionUri.path.includes('/extensions/lockstep.lockstep-');
  const wanted = process.env['LOCKSTEP_E2E_TARGET'];
  if ((wanted === 'vsix') !== installed) {
    throw new Error(`expected the ${wanted} build of Lockstep, got ${extension.extensionUri.toString()}`);
  }
  return extension;
}

/** The copy of the test workspace this session opened (never the repository itself). */
export function workspaceFile(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test session opened no workspace folder');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

/** The longest a stage may take; the suite as a whole has run.mjs's limit. */
const STAGE_MS = 90_000;

/**
 * Runs the stages in order, each followed by a screenshot; a failed stage is reported and
 * the next ones still run when they can, so one run shows every broken stage.
 */
export async function runStages(stages: readonly Stage[]): Promise<void> {
  // The chat panel would take a third of every screenshot.
  await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
  const failed: string[] = [];
  for (const stage of stages) {
    const started = Date.now();
    let error: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A stage that hangs (a dialog nobody answers) fails by name instead of stalling the suite.
      await Promise.race([
        stage.run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the stage did not finish within ${STAGE_MS / 1000} s`)), STAGE_MS);
        }),
      ]);
    } catch (e) {
      error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      failed.push(stage.name);
    }
    clearTimeout(timer);
    await driver('screenshot', { name: stage.name });
    await driver('result', { stage: stage.name, ok: error === undefined, ms: Date.now() - started, ...(error ? { error } : {}) });
  }
  if (failed.length > 0) throw new Error(`failed stages: ${failed.join(', ')}`);
}

/** How long an event-driven wait may take before the stage fails (it never sleeps). */
const WAIT_MS = 30_000;

/**
 * Resolves with `ready()`'s value as soon as it has one, checking now and again each time one
 * of `events` fires; fails, naming `what`, if that has not happened within WAIT_MS.
 */
export function when<T>(what: string, ready: () => T | undefined | null | false, events: readonly vscode.Event<unknown>[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const subscriptions: vscode.Disposable[] = [];
    const finish = (f: () => void): void => {
      clearTimeout(timer);
      for (const s of subscriptions) s.dispose();
      f();
    };
    const check = (): boolean => {
      try {
        const value = ready();
        if (value === undefined || value === null || value === false) return false;
        finish(() => resolve(value));
      } catch (e) {
        finish(() => reject(e));
      }
      return true;
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${WAIT_MS / 1000} s waiting for ${what}`))), WAIT_MS);
    if (check()) return;
    for (const e of events) subscriptions.push(e(() => void check()));
  });
}

/** The diagnostics of a document once `accept` holds of them. */
export function diagnosticsOf(uri: vscode.Uri, what: string, accept: (d: readonly vscode.Diagnostic[]) => boolean): Promise<readonly vscode.Diagnostic[]> {
  return when(what, () => {
    const d = vscode.languages.getDiagnostics(uri);
    return accept(d) ? d : undefined;
  }, [vscode.languages.onDidChangeDiagnostics]);
}

export interface Stop {
  readonly session: vscode.DebugSession;
  readonly body: DebugProtocol.StoppedEvent['body'];
}

/** Every `stopped` event Lockstep debug sessions send, as the protocol carries them. */
export class DebugStops implements vscode.Disposable {
  readonly stops: Stop[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.debug.registerDebugAdapterTrackerFactory('lockstep', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: DebugProtocol.ProtocolMessage) => {
          const event = m as DebugProtocol.Event;
          if (m.type === 'event' && event.event === 'stopped') {
            this.stops.push({ session, body: (event as DebugProtocol.StoppedEvent).body });
            this.changed.fire();
          }
        },
      }),
    });
  }

  /** The first stop after the first `seen` stops. */
  next(seen: number, what: string): Promise<Stop> {
    return when(what, () => this.stops[seen], [this.changed.event]);
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

/** The line (1-based) and frame name at the top of a thread's stack. */
export async function topFrame(session: vscode.DebugSession, threadId: number): Promise<{ name: string; line: number }> {
  const r = (await session.customRequest('stackTrace', { threadId, levels: 1 })) as DebugProtocol.StackTraceResponse['body'];
  const f = r.stackFrames[0];
  if (!f) throw new Error(`thread ${threadId} has no stack frame`);
  return { name: f.name, line: f.line };
}

/** Thread ids by actor name (`CPU0 · ioctl (…)` is ioctl's). */
export async function threadsByActor(session: vscode.DebugSession): Promise<Map<string, { id: number; name: string }>> {
  const r = (await session.customRequest('threads')) as DebugProtocol.ThreadsResponse['body'];
  return new Map(r.threads.map((t) => [/· (\S+)/.exec(t.name)?.[1] ?? t.name, { id: t.id, name: t.name }]));
}

/** The 0-based line of the first line containing `text`. */
export function lineOf(document: vscode.TextDocument, text: string, nth = 1): number {
  let seen = 0;
  for (let i = 0; i < document.lineCount; i++) {
    if (document.lineAt(i).text.includes(text) && ++seen === nth) return i;
  }
  throw new Error(`no line ${nth > 1 ? `(occurrence ${nth}) ` : ''}contains ${text}`);
}

/** Opens a scenario of the test workspace in the first editor column. */
export async function openScenario(...segments: string[]): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceFile(...segments));
  return vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.One });
}

export const SEED_004 = ['examples', 'seeds', '004-mm-iommu-deadlock.buggy.lockstep'] as const;
