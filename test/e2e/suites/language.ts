// End-to-end suite "language": a `.lockstep` file opens as the Lockstep language and the
// real editor colours it with the grammar's scopes (checked on the rendered page).

import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { driver, lockstepExtension, runStages, workspaceFile, type RenderedToken } from '../harness';

const SCENARIO = 'mm_iommu.lockstep';

function colorOf(tokens: readonly RenderedToken[], text: string): string {
  const token = tokens.find((t) => t.text.trim() === text) ?? tokens.find((t) => t.text.includes(text));
  assert.ok(token, `no rendered token "${text}" in ${JSON.stringify(tokens)}`);
  return token.color;
}

async function openScenario(): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceFile(SCENARIO));
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
        const call = (await driver('tokens', { line: 'mutex_lock(&mem_list_mutex);' })).tokens;
        assert.notEqual(colorOf(call, 'mutex_lock'), colorOf(call, 'mem_list_mutex'), 'a lock builtin is coloured like a plain name');

        const header = (await driver('tokens', { line: 'thread ioctl on cpu0' })).tokens;
        const keyword = colorOf(header, 'thread');
        const description = colorOf(header, '"VFIO_IOMMU_SPAPR_REGISTER_MEMORY"');
        assert.notEqual(keyword, colorOf(header, 'ioctl'), 'the actor name is coloured like its keyword');
        assert.notEqual(keyword, description, 'the description is coloured like the keyword');

        const comment = (await driver('tokens', { line: 'down_write(&mmap_sem);          // mm_iommu_adjust_locked_vm' })).tokens;
        assert.notEqual(colorOf(comment, '// mm_iommu_adjust_locked_vm'), colorOf(comment, 'down_write'), 'comments are not coloured');

        // The scope inspector shows the TextMate scopes of the token under the cursor.
        const line = editor.document.getText().split('\n').findIndex((l) => l.includes('mutex_lock(&mem_list_mutex)'));
        const position = new vscode.Position(line, editor.document.lineAt(line).text.indexOf('mutex_lock') + 2);
        editor.selection = new vscode.Selection(position, position);
        await vscode.commands.executeCommand('editor.action.inspectTMScopes');
        const widget = await driver('text', { selector: '.token-inspect-widget', contains: 'support.function.locks.lockstep' });
        assert.match(widget.texts.join('\n'), /source\.lockstep/);
      },
    },
  ]);
}
