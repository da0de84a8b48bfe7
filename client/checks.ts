// "Check Scenario" and what follows from it: the check runs in the language server with a
// cancellable progress notification (its findings become the server's diagnostics, so the
// Problems panel has them once), the counterexamples open in the swimlane view, and
// "Debug Counterexample" replays one in the debugger.

import * as vscode from 'vscode';
import { WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import { CHECK_REQUEST, type CheckParams, type CheckReply, type CheckResultJson } from '../server/protocol';
import { scenarioLaunch } from './debugger';
import { SwimlaneView, type SwimlaneRequest } from './swimlane';

interface CheckedScenario {
  readonly uri: vscode.Uri;
  readonly result: CheckResultJson;
}

/** A replay this extension started: which counterexample its positions follow. */
interface Replay {
  readonly uri: string;
  readonly counterexample: number;
  readonly tracePath: string;
}

/** The scenario a command is for: its argument (a URI or its string, from a lens), else the active editor's. */
function scenarioArg(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === 'lockstep' ? doc.uri : undefined;
}

function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.toString();
}

let progressTokens = 0;

export class Checks {
  private readonly checked = new Map<string, CheckedScenario>();
  private readonly replays = new Map<string, Replay>();
  /** The replay being launched, until its session starts. */
  private pendingReplay: Replay | undefined;
  private readonly swimlane: SwimlaneView;

  constructor(private readonly context: vscode.ExtensionContext, private readonly client: () => Promise<LanguageClient>) {
    this.swimlane = new SwimlaneView(context.extensionUri, (uri, result, request) => this.onSwimlane(uri, result, request));
    context.subscriptions.push(
      this.swimlane,
      vscode.commands.registerCommand('lockstep.check', (arg?: unknown) => this.check(scenarioArg(arg))),
      vscode.commands.registerCommand('lockstep.showVerdict', (arg?: unknown) => this.showCounterexamples(scenarioArg(arg))),
      vscode.commands.registerCommand('lockstep.debug', (arg?: unknown) => this.debugScenario(scenarioArg(arg))),
      vscode.commands.registerCommand('lockstep.debugCounterexample', (arg?: unknown) => {
        const a = arg as { uri?: unknown; counterexample?: unknown } | undefined;
        const index = typeof a?.counterexample === 'number' ? a.counterexample : undefined;
        return this.debugCounterexample(scenarioArg(a?.uri ?? arg) ?? this.lastChecked()?.uri, index);
      }),
      vscode.commands.registerCommand('lockstep.copyCommitDiagram', (arg?: unknown) => {
        const a = arg as { uri?: unknown; counterexample?: unknown } | undefined;
        const entry = (typeof a?.uri === 'string' ? this.checked.get(a.uri) : undefined) ?? this.lastChecked();
        return this.copyDiagram(entry, typeof a?.counterexample === 'number' ? a.counterexample : 0);
      }),
      // In the Problems panel's context menu (and the editor's light bulb) on a checker finding.
      vscode.languages.registerCodeActionsProvider({ language: 'lockstep' }, {
        provideCodeActions: (doc, _range, ctx) => this.diagramActions(doc.uri, ctx.diagnostics),
      }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
      vscode.debug.onDidStartDebugSession((s) => this.noteReplay(s)),
      vscode.debug.onDidTerminateDebugSession((s) => this.replays.delete(s.id)),
    );
  }

  /** Checks a scenario now; resolves with the server's reply (null when cancelled or superseded). */
  async check(uri: vscode.Uri | undefined): Promise<CheckReply | undefined> {
    if (!uri) {
      void vscode.window.showWarningMessage('Lockstep: open a .lockstep scenario to check it.');
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const client = await this.client();
    const workDoneToken = `lockstep-check-${++progressTokens}`;
    const reply = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Lockstep: checking ${fileName(uri)}`, cancellable: true },
      async (progress, cancel) => {
        const listening = client.onProgress(WorkDoneProgress.type, workDoneToken, (p) => {
          if (p.kind !== 'end' && p.message) progress.report({ message: p.message });
        });
        try {
          const params: CheckParams = { uri: doc.uri.toString(), workDoneToken };
          return await client.sendRequest<CheckReply>(CHECK_REQUEST, params, cancel);
        } catch (e) {
          if (cancel.isCancellationRequested) return null;
          throw e;
        } finally {
          listening.dispose();
        }
      },
    );
    if (!reply) return reply;
    // Delete first: the map's order is the order of checks (the last one is the most recent).
    this.checked.delete(uri.toString());
    this.checked.set(uri.toString(), { uri, result: reply });
    if (reply.counterexamples.length > 0) {
      this.swimlane.show(uri, reply);
    } else {
      if (this.swimlane.showing?.toString() === uri.toString()) this.swimlane.show(uri, reply);
      const summary = reply.summary;
      const states = reply.stats ? ` (${reply.stats.states.toLocaleString('en-US')} states)` : '';
      const text = summary.verdict === 'verified' ? `verified: no violation in any interleaving${states}` : `${summary.verdict}: ${summary.details.join(', ')}${states}`;
      void (summary.verdict === 'verified' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage)(`Lockstep: ${fileName(uri)}: ${text}`);
    }
    return reply;
  }

  private lastChecked(): CheckedScenario | undefined {
    return [...this.checked.values()].pop();
  }

  /** Re-opens the swimlane of the last check of a scenario (checking it when there is none). */
  private async showCounterexamples(uri: vscode.Uri | undefined): Promise<void> {
    const known = uri && this.checked.get(uri.toString());
    if (known) this.swimlane.show(known.uri, known.result);
    else await this.check(uri);
  }

  private async debugScenario(uri: vscode.Uri | undefined): Promise<boolean> {
    if (!uri || uri.scheme !== 'file') {
      void vscode.window.showWarningMessage('Lockstep: save the scenario to a file to debug it.');
      return false;
    }
    return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), scenarioLaunch(uri));
  }

  /**
   * Replays a counterexample of the last check: its trace is written to the extension's
   * storage and launched with `schedule: 'replay'`, running until the violation.
   */
  async debugCounterexample(uri: vscode.Uri | undefined, which?: number): Promise<boolean> {
    let entry = uri && this.checked.get(uri.toString());
    const doc = uri && (await vscode.workspace.openTextDocument(uri));
    // The trace must match the file the debugger reads: check again after an edit.
    if (doc && (!entry || entry.result.version !== doc.version)) {
      if (doc.isDirty) await doc.save();
      const reply = await this.check(doc.uri);
      entry = reply ? { uri: doc.uri, result: reply } : undefined;
    }
    const index = which ?? 0;
    const counterexample = entry?.result.counterexamples[index];
    if (!entry || !counterexample) {
      void vscode.window.showWarningMessage(entry
        ? `Lockstep: the last check of ${fileName(entry.uri)} found no violation: there is no counterexample to replay.`
        : 'Lockstep: run "Lockstep: Check Scenario" on a scenario first: it finds the counterexample to replay.');
      return false;
    }
    if (doc?.isDirty) await doc.save();
    const traces = vscode.Uri.joinPath(this.context.globalStorageUri, 'traces');
    await vscode.workspace.fs.createDirectory(traces);
    const trace = vscode.Uri.joinPath(traces, `${fileName(entry.uri).replace(/\.lockstep$/, '')}.${counterexample.kind}.trace.json`);
    await vscode.workspace.fs.writeFile(trace, new TextEncoder().encode(`${JSON.stringify(counterexample.traceFile, null, 2)}\n`));
    const config = scenarioLaunch(entry.uri, {
      name: `Counterexample: ${counterexample.kind} (${fileName(entry.uri)})`,
      schedule: 'replay',
      trace: trace.fsPath,
      stopOnEntry: false,
    });
    this.pendingReplay = { uri: entry.uri.toString(), counterexample: index, tracePath: trace.fsPath };
    return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(entry.uri), config);
  }

  private noteReplay(session: vscode.DebugSession): void {
    const pending = this.pendingReplay;
    if (pending && session.configuration['trace'] === pending.tracePath) {
      this.replays.set(session.id, pending);
      this.pendingReplay = undefined;
    }
  }

  /** A click in the swimlane: move the replay of that counterexample there, else open the line. */
  /** Copies a counterexample drawn as a kernel commit message draws it to the clipboard. */
  private async copyDiagram(entry: CheckedScenario | undefined, index: number): Promise<boolean> {
    const c = entry?.result.counterexamples[index];
    if (!entry || !c) {
      void vscode.window.showWarningMessage('Lockstep: check a scenario first: its counterexamples are what is copied.');
      return false;
    }
    await vscode.env.clipboard.writeText(`${c.commitDiagram}\n`);
    void vscode.window.showInformationMessage(`Lockstep: the ${c.kind.replace(/_/g, ' ')} counterexample of ${fileName(entry.uri)} is on the clipboard as a commit message diagram.`);
    return true;
  }

  /** "Copy as Commit Message Diagram" for each diagnostic that is one of the last check's findings. */
  private diagramActions(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]): vscode.CodeAction[] {
    const entry = this.checked.get(uri.toString());
    if (!entry) return [];
    const out: vscode.CodeAction[] = [];
    for (const d of diagnostics) {
      const index = entry.result.counterexamples.findIndex((c) => c.range.start.line === d.range.start.line && d.message.includes(c.message));
      if (index < 0) continue;
      const action = new vscode.CodeAction('Copy as Commit Message Diagram', vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.command = { title: 'Copy as Commit Message Diagram', command: 'lockstep.copyCommitDiagram', arguments: [{ uri: uri.toString(), counterexample: index }] };
      out.push(action);
    }
    return out;
  }

  private async onSwimlane(uri: vscode.Uri, result: CheckResultJson, request: SwimlaneRequest): Promise<void> {
    if (request.type === 'copy') {
      await this.copyDiagram(this.checked.get(uri.toString()) ?? { uri, result }, request.counterexample);
      return;
    }
    if (request.type === 'debug') {
      await this.debugCounterexample(uri, request.counterexample);
      return;
    }
    const counterexample = result.counterexamples[request.counterexample];
    const step = counterexample?.steps[request.step - 1];
    if (!counterexample || !step) return;
    const session = vscode.debug.activeDebugSession;
    const replay = session && this.replays.get(session.id);
    if (session && replay?.uri === uri.toString() && replay.counterexample === request.counterexample) {
      // Goto target ids are history positions + 1; position step - 1 is just before the step.
      const threadId = (counterexample.lanes[step.lane]?.actor ?? 0) + 1;
      await session.customRequest('goto', { threadId, targetId: request.step });
      this.swimlane.markCurrent(request.counterexample, request.step);
      return;
    }
    const { start, end } = step.range;
    const doc = await vscode.workspace.openTextDocument(uri);
    const column = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString())?.viewColumn ?? vscode.ViewColumn.One;
    await vscode.window.showTextDocument(doc, {
      viewColumn: column,
      selection: new vscode.Range(start.line, start.character, end.line, end.character),
    });
    this.swimlane.markCurrent(request.counterexample, request.step);
  }
}
