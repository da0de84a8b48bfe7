// "Lockstep: New Scenario from Kernel Report…": the selection, or the clipboard, or the text
// a "Generate scenario from this report" code action passes, sent to the language server
// (`lockstep/importReport`), and its skeleton opened as a new untitled scenario.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { IMPORT_REPORT_REQUEST, NEW_SCENARIO_FROM_REPORT_COMMAND, type ImportReportParams, type ImportReportReply } from '../server/protocol';

/** The report to import: the command's argument, else the editor's selection, else the clipboard. */
async function reportText(arg: unknown): Promise<{ text: string; from: string }> {
  if (typeof arg === 'string' && arg.trim() !== '') return { text: arg, from: 'the comment' };
  const editor = vscode.window.activeTextEditor;
  if (editor && !editor.selection.isEmpty) return { text: editor.document.getText(editor.selection), from: 'the selection' };
  return { text: await vscode.env.clipboard.readText(), from: 'the clipboard' };
}

export function registerImportReport(context: vscode.ExtensionContext, client: () => Promise<LanguageClient>): void {
  context.subscriptions.push(vscode.commands.registerCommand(NEW_SCENARIO_FROM_REPORT_COMMAND, async (arg?: unknown) => {
    const { text, from } = await reportText(arg);
    if (text.trim() === '') {
      void vscode.window.showWarningMessage('Lockstep: copy a kernel report (a lockdep splat, a KASAN or KCSAN report, a hung task, …) or select it, then run this again.');
      return undefined;
    }
    const params: ImportReportParams = { text };
    const reply = await (await client()).sendRequest<ImportReportReply>(IMPORT_REPORT_REQUEST, params);
    if (!reply.ok) {
      void vscode.window.showErrorMessage(`Lockstep: ${from} holds no kernel report this can read: ${reply.error.split('\n')[0]}`);
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'lockstep', content: reply.scenario });
    await vscode.window.showTextDocument(doc, { preview: false });
    if (reply.reports > 1) void vscode.window.showInformationMessage(`Lockstep: ${from} holds ${reply.reports} reports; this is the first (${reply.title}).`);
    return doc.uri.toString();
  }));
}
