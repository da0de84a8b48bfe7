// The swimlane view: one webview panel beside the editor that draws the last check's
// counterexamples (client/swimlaneHtml.ts) and turns clicks on it into actions the
// extension carries out (open a line, move a debug session, start a replay).

import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { CheckResultJson } from '../server/protocol';
import { swimlaneHtml } from './swimlaneHtml';

export const SWIMLANE_VIEW_TYPE = 'lockstep.swimlane';

/** What a click in the view asks for. */
export type SwimlaneRequest =
  | { readonly type: 'step'; readonly counterexample: number; readonly step: number }
  | { readonly type: 'debug'; readonly counterexample: number }
  | { readonly type: 'copy'; readonly counterexample: number };

function isRequest(m: unknown): m is SwimlaneRequest {
  const r = m as { type?: unknown; counterexample?: unknown; step?: unknown } | undefined;
  if (!Number.isInteger(r?.counterexample)) return false;
  return r?.type === 'debug' || r?.type === 'copy' || (r?.type === 'step' && Number.isInteger(r.step));
}

export interface SwimlaneHandler {
  (uri: vscode.Uri, result: CheckResultJson, request: SwimlaneRequest): Promise<void>;
}

export class SwimlaneView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private shown: { uri: vscode.Uri; result: CheckResultJson } | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly handler: SwimlaneHandler) {}

  /** The scenario the view shows now, if it is open. */
  get showing(): vscode.Uri | undefined {
    return this.panel ? this.shown?.uri : undefined;
  }

  show(uri: vscode.Uri, result: CheckResultJson): void {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        SWIMLANE_VIEW_TYPE,
        'Swimlane',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: false },
      );
      this.panel.onDidDispose(() => {
        this.panel = undefined;
      });
      this.panel.webview.onDidReceiveMessage((m: unknown) => {
        const shown = this.shown;
        if (!shown || !isRequest(m)) return;
        void this.handler(shown.uri, shown.result, m).catch((e: unknown) =>
          vscode.window.showWarningMessage(`Lockstep: ${e instanceof Error ? e.message : String(e)}`));
      });
    } else {
      this.panel.reveal(undefined, true);
    }
    this.shown = { uri, result };
    const name = uri.path.split('/').pop() ?? uri.toString();
    const webview = this.panel.webview;
    this.panel.title = `Swimlane: ${name}`;
    webview.html = swimlaneHtml({ title: name, result }, {
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'swimlane.css')).toString(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'swimlane.js')).toString(),
    });
  }

  /** Marks the step a debug session now stands at. */
  markCurrent(counterexample: number, step: number): void {
    void this.panel?.webview.postMessage({ type: 'current', counterexample, step });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
