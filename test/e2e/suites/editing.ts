// End-to-end suite "editing": the language server in the real editor, on a copy of seed 004.
// An error becomes a diagnostic in the Problems panel, completion inside `mutex_lock(` offers
// the scenario's mutexes, and hovering a builtin shows its documentation from the registry.

import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { diagnosticsOf, driver, lineOf, lockstepExtension, openScenario, runStages, SEED_004 } from '../harness';

/** Inserts a line after the first line containing `after`; returns the position at its end. */
async function insertLineAfter(editor: vscode.TextEditor, after: string, text: string): Promise<vscode.Position> {
  const line = lineOf(editor.document, after);
  const end = editor.document.lineAt(line).range.end;
  assert.ok(await editor.edit((e) => e.insert(end, `\n${text}`)), 'the edit was applied');
  return new vscode.Position(line + 1, text.length);
}

/**
 * Takes the inserted line out again, so the next stage starts from the seed as it is (the web
 * workbench saves edits by itself, so reverting to the file would keep them).
 */
async function removeLine(editor: vscode.TextEditor, text: string): Promise<void> {
  const doc = editor.document;
  const line = Array.from({ length: doc.lineCount }, (_, i) => doc.lineAt(i).text).indexOf(text);
  assert.ok(line > 0, `no line is exactly ${JSON.stringify(text)}`);
  const range = new vscode.Range(line - 1, editor.document.lineAt(line - 1).range.end.character, line, editor.document.lineAt(line).range.end.character);
  assert.ok(await editor.edit((e) => e.delete(range)), 'the edit was undone');
}

export function run(): Promise<void> {
  return runStages([
    {
      name: 'diagnostics',
      async run() {
        lockstepExtension();
        const editor = await openScenario(...SEED_004);
        const uri = editor.document.uri;
        await diagnosticsOf(uri, 'the seed to be analysed without errors', (d) => d.every((x) => x.severity !== vscode.DiagnosticSeverity.Error));
        await insertLineAfter(editor, 'mm_iommu_new(16, 2);', '    mutex_lock(&no_such_mutex);');
        const found = await diagnosticsOf(uri, 'the unknown lock to be reported', (d) => d.some((x) => x.code === 'unknown-name'));
        const error = found.find((x) => x.code === 'unknown-name')!;
        assert.equal(error.message, "unknown name 'no_such_mutex'");
        assert.equal(error.severity, vscode.DiagnosticSeverity.Error);
        assert.equal(error.source, 'lockstep');
        assert.equal(error.range.start.line, lineOf(editor.document, 'no_such_mutex'));
        await vscode.commands.executeCommand('workbench.actions.view.problems');
        await driver('text', { selector: '.markers-panel .monaco-list-row', contains: "unknown name 'no_such_mutex'" });
        await removeLine(editor, '    mutex_lock(&no_such_mutex);');
        await diagnosticsOf(uri, 'the error to go away with the edit', (d) => !d.some((x) => x.code === 'unknown-name'));
      },
    },
    {
      name: 'completion-mutexes',
      async run() {
        const editor = await openScenario(...SEED_004);
        await vscode.commands.executeCommand('workbench.action.closePanel');
        const position = await insertLineAfter(editor, 'mm_iommu_new(16, 2);', '    mutex_lock(');
        const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, position, '(');
        const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
        assert.deepEqual(labels, ['mem_list_mutex'], 'only the scenario\'s mutexes (not its rwsem) are offered');
        const item = list.items[0]!;
        assert.equal(typeof item.insertText === 'string' ? item.insertText : item.insertText?.value, '&mem_list_mutex');
        // The same list in the editor's suggest widget.
        editor.selection = new vscode.Selection(position, position);
        await vscode.commands.executeCommand('editor.action.triggerSuggest');
        await driver('text', { selector: '.suggest-widget .monaco-list-row', contains: 'mem_list_mutex' });
      },
    },
    {
      name: 'hover-builtin',
      async run() {
        const editor = await openScenario(...SEED_004);
        await vscode.commands.executeCommand('hideSuggestWidget');
        await removeLine(editor, '    mutex_lock(');
        const line = lineOf(editor.document, 'mutex_lock(&mem_list_mutex);');
        const position = new vscode.Position(line, editor.document.lineAt(line).text.indexOf('mutex_lock') + 3);
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, position);
        const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
        assert.match(text, /void mutex_lock\(mutex \* lock\)/);
        assert.match(text, /Acquires the mutex, sleeping until it is available/);
        assert.match(text, /\*\*Model:\*\*/);
        editor.selection = new vscode.Selection(position, position);
        editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
        await vscode.commands.executeCommand('editor.action.showHover');
        await driver('text', { selector: '.monaco-hover', contains: 'Acquires the mutex' });
      },
    },
  ]);
}
