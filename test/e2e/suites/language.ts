// End-to-end suite "language": a copy of seed 004 opens as the Lockstep language and the
// real editor colours it with the grammar's scopes (checked on the rendered page).

import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { driver, lockstepExtension, runStages, workspaceFile, type RenderedToken } from '../harness';

const SEED_004 = ['examples', 'seeds', '004-mm-iommu-deadlock.buggy.lockstep'];

function colorOf(tokens: readonly RenderedToken[], text: string): string {
  // Monaco renders a long token in chunks: a prefix finds its first chunk.
  const token = tokens.find((t) => t.text.trim() === text) ?? tokens.find((t) => t.text.includes(text));
  assert.ok(token, `no rendered token "${text}" in ${JSON.stringify(tokens)}`);
  return token.color;
}

/** Scrolls the first line containing `text` into the middle of the editor (only visible lines are rendered). */
function reveal(editor: vscode.TextEditor, text: string): string {
  const line = editor.document.getText().split('\n').findIndex((l) => l.includes(text));
  assert.ok(line >= 0, `no line contains ${text}`);
  editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenter);
  return text;
}

async function openScenario(): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceFile(...SEED_004));
  return vscode.window.showTextDocument(document, { preview: false });
}

export function run(): Promise<void> {
  return runStages([
    {
      name: 'language-recognised',
      async run() {
        lockstepExtension();
        assert.ok((await vscode.languages.getLanguages()).includes('lockstep'), 'the lockstep language is not registered');
        const editor = await openScenario();
        assert.equal(editor.document.languageId, 'lockstep');
      },
    },
    {
      name: 'highlighted',
      async run() {
        const editor = await openScenario();
        const call = (await driver('tokens', { line: reveal(editor, 'mutex_lock(&mem_list_mutex);') })).tokens;
        assert.notEqual(colorOf(call, 'mutex_lock'), colorOf(call, 'mem_list_mutex'), 'a lock builtin is coloured like a plain name');

        const header = (await driver('tokens', { line: reveal(editor, 'thread ioctl on cpu0') })).tokens;
        const keyword = colorOf(header, 'thread');
        const description = colorOf(header, '"VFIO_IOMMU_SPAPR_REGISTER_MEMORY');
        assert.notEqual(keyword, colorOf(header, 'ioctl'), 'the actor name is coloured like its keyword');
        assert.notEqual(keyword, description, 'the description is coloured like the keyword');

        // (The held-lock inlay hint sits between the statement and its comment.)
        const comment = (await driver('tokens', { line: reveal(editor, 'mm_iommu_newdev(16, 2, 4096);') })).tokens;
        assert.notEqual(colorOf(comment, 'vfio_pci_nvgpu_mmap(): data->gpu_hpa'), colorOf(comment, 'mm_iommu_newdev'), 'comments are not coloured');
        assert.notEqual(colorOf(comment, '16'), colorOf(comment, 'mm_iommu_newdev'), 'numbers are not coloured');

        // The scope inspector shows the TextMate scopes of the token under the cursor.
        const line = editor.document.getText().split('\n').findIndex((l) => l.includes(reveal(editor, 'mutex_lock(&mem_list_mutex)')));
        const position = new vscode.Position(line, editor.document.lineAt(line).text.indexOf('mutex_lock') + 2);
        editor.selection = new vscode.Selection(position, position);
        await vscode.commands.executeCommand('editor.action.inspectTMScopes');
        const widget = await driver('text', { selector: '.token-inspect-widget', contains: 'support.function.locks.lockstep' });
        assert.match(widget.texts.join('\n'), /source\.lockstep/);
      },
    },
  ]);
}
