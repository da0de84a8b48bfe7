// End-to-end suite "importing": a kernel report becomes a scenario and the scenario is
// checked. "New Scenario from Kernel Report…" takes a lockdep splat from the clipboard and
// opens the skeleton as an untitled scenario; checking it finds the report's cycle; the
// "Generate scenario from this report" code action does the same for a splat pasted in a
// comment; "Copy as Commit Message Diagram" puts a counterexample on the clipboard.

import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { CheckResultJson } from '../../../server/protocol';
import { driver, lockstepExtension, openScenario, runStages, when, workspaceFile } from '../harness';

let imported: vscode.TextDocument | undefined;
let checked: CheckResultJson | undefined;

function untitledLockstep(except: ReadonlySet<string>): vscode.TextDocument | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.isUntitled && doc.languageId === 'lockstep' && !except.has(doc.uri.toString()) ? doc : undefined;
}

export function run(): Promise<void> {
  return runStages([
    {
      name: 'import-report',
      async run() {
        lockstepExtension();
        const splat = new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceFile('mm-iommu-splat.txt')));
        await vscode.env.clipboard.writeText(splat);
        const opened = when('the skeleton to open', () => untitledLockstep(new Set()), [vscode.window.onDidChangeActiveTextEditor]);
        await vscode.commands.executeCommand('lockstep.newScenarioFromReport');
        imported = await opened;
        const text = imported.getText();
        assert.match(text, /^\/\/ WARNING: possible circular locking dependency detected$/m);
        assert.match(text, /^thread qemu_system_ppc "qemu-system-ppc\/8038: mmap_pgoff\(\)" \{$/m);
        assert.match(text, /^expect lock_order, deadlock;$/m);
        await driver('text', { selector: '.monaco-editor .view-lines', contains: 'scenario "possible circular locking dependency detected' });
      },
    },
    {
      name: 'import-check',
      async run() {
        assert.ok(imported, 'no imported scenario: the previous stage failed');
        checked = (await vscode.commands.executeCommand<CheckResultJson | null>('lockstep.check', imported.uri)) ?? undefined;
        assert.ok(checked);
        assert.deepEqual([...checked.summary.details].sort(), ['deadlock', 'lock_order']);
        const order = checked.counterexamples.find((c) => c.kind === 'lock_order');
        assert.ok(order && /mem_list_mutex/.test(order.message) && /mm->mmap_sem/.test(order.message), order?.message);
        // The swimlane's lanes are drawn before the picture is taken.
        const index = checked.counterexamples.indexOf(order);
        await driver('webviewText', { selector: `#counterexample-${index} .lane-title`, contains: 'CPU' });
      },
    },
    {
      name: 'import-copy-diagram',
      async run() {
        assert.ok(imported && checked, 'no checked scenario: an earlier stage failed');
        const index = checked.counterexamples.findIndex((c) => c.kind === 'deadlock');
        await vscode.env.clipboard.writeText('');
        assert.equal(await vscode.commands.executeCommand<boolean>('lockstep.copyCommitDiagram', { uri: imported.uri.toString(), counterexample: index }), true);
        const copied = await vscode.env.clipboard.readText();
        assert.match(copied, /^ {2}CPU0 +CPU1\n {2}---- +----\n/);
        assert.match(copied, /\*\*\* DEADLOCK \*\*\*/);
        for (const line of copied.split('\n')) assert.ok(line.length <= 75, line);
        // The same action is offered on the finding in the Problems panel (as a quick fix).
        const diagnostics = vscode.languages.getDiagnostics(imported.uri).filter((d) => d.source === 'lockstep check');
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', imported.uri, diagnostics[0]!.range);
        assert.ok(actions.some((a) => a.title === 'Copy as Commit Message Diagram'), actions.map((a) => a.title).join(', '));
      },
    },
    {
      name: 'import-code-action',
      async run() {
        const editor = await openScenario('pasted-report.lockstep');
        const doc = editor.document;
        const inside = doc.positionAt(doc.getText().indexOf('mm_iommu_do_alloc+0x70/0x490') + 3);
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, new vscode.Range(inside, inside));
        const generate = actions.find((a) => a.title === 'Generate scenario from this report');
        assert.ok(generate?.command, actions.map((a) => a.title).join(', '));
        const before = new Set(imported ? [imported.uri.toString()] : []);
        const opened = when('the generated scenario to open', () => untitledLockstep(before), [vscode.window.onDidChangeActiveTextEditor]);
        await vscode.commands.executeCommand(generate.command.command, ...(generate.command.arguments ?? []));
        const generated = await opened;
        assert.match(generated.getText(), /^static DEFINE_MUTEX\(mem_list_mutex\);$/m);
        assert.match(generated.getText(), /^static void mm_iommu_adjust_locked_vm\(void\)$/m);
      },
    },
  ]);
}
