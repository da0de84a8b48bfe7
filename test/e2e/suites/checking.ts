// End-to-end suite "checking": "Check Scenario" on a copy of seed 004 puts the lock-order
// violation (and the deadlock) in the Problems panel once each and opens the swimlane view;
// a click on a step opens its line; "Debug Counterexample" replays the lock-order cycle and a
// click on a step moves the replay there.
// e2e: trusted workspace (the last stage debugs, which VS Code allows only in trusted workspaces)

import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { CheckResultJson } from '../../../server/protocol';
import { DebugStops, diagnosticsOf, driver, lockstepExtension, openScenario, runStages, SEED_004, topFrame, when } from '../harness';

const stops = new DebugStops();
let checked: CheckResultJson | undefined;

function result(): CheckResultJson {
  assert.ok(checked, 'no check result: an earlier stage failed');
  return checked;
}

function swimlaneTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs)
    .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('lockstep.swimlane'));
}

/** The index of the first counterexample of this kind, and the counterexample. */
function counterexample(kind: string): { index: number; c: CheckResultJson['counterexamples'][number] } {
  const index = result().counterexamples.findIndex((c) => c.kind === kind);
  assert.ok(index >= 0, `no ${kind} counterexample`);
  return { index, c: result().counterexamples[index]! };
}

/**
 * Switches the colour theme and waits until the swimlane's page has taken it (VS Code sets
 * a class on the webview's body; the page's colours are the theme's variables).
 */
async function showTheme(theme: string, kind: vscode.ColorThemeKind, bodyClass: string): Promise<void> {
  const changed = when(`the ${theme} theme`, () => vscode.window.activeColorTheme.kind === kind, [vscode.window.onDidChangeActiveColorTheme]);
  await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
  await changed;
  const { index } = counterexample('deadlock');
  await driver('webviewText', { selector: `body.${bodyClass} #counterexample-${index} .lane-title`, contains: 'CPU1 (mmap)' });
}

export function run(): Promise<void> {
  return runStages([
    {
      name: 'check-problems',
      async run() {
        lockstepExtension();
        const editor = await openScenario(...SEED_004);
        const uri = editor.document.uri;
        checked = (await vscode.commands.executeCommand<CheckResultJson | null>('lockstep.check', uri)) ?? undefined;
        assert.equal(result().summary.verdict, 'violation');
        assert.deepEqual([...result().summary.details].sort(), ['deadlock', 'lock_order']);
        const found = await diagnosticsOf(uri, 'the check\'s findings', (d) => d.some((x) => x.source === 'lockstep check' && x.code === 'lock_order'));
        const fromCheck = found.filter((x) => x.source === 'lockstep check');
        const order = fromCheck.filter((x) => x.code === 'lock_order');
        assert.ok(order.some((x) => x.range.start.line === 60 && /possible circular locking dependency/.test(x.message)), 'the closing acquisition, line 61');
        assert.ok(order.some((x) => x.range.start.line === 46 && /the other side of the cycle/.test(x.message)), 'the other side, line 47');
        assert.ok(fromCheck.some((x) => x.code === 'deadlock'));
        const keys = fromCheck.map((x) => `${x.range.start.line}:${x.range.start.character}:${x.message}`);
        assert.equal(new Set(keys).size, keys.length, 'each finding is in the Problems panel once');
        await vscode.commands.executeCommand('workbench.actions.view.problems');
        await driver('text', { selector: '.markers-panel .monaco-list-row', contains: 'lock_order: ' });
        // The picture after this stage shows the swimlane beside the Problems panel: wait for
        // its lanes to be drawn, not just for its tab.
        await when('the swimlane view to open', swimlaneTab, [vscode.window.tabGroups.onDidChangeTabs]);
        const { index } = counterexample('deadlock');
        await driver('webviewText', { selector: `#counterexample-${index} .lane-title`, contains: 'CPU1 (mmap)' });
        await driver('webviewText', { selector: `#counterexample-${index} .footer`, contains: '*** DEADLOCK ***' });
      },
    },
    {
      name: 'swimlane',
      async run() {
        const tab = await when('the swimlane view to open', swimlaneTab, [vscode.window.tabGroups.onDidChangeTabs]);
        // Room for the lanes in the screenshot.
        await vscode.commands.executeCommand('workbench.action.closeSidebar');
        await vscode.commands.executeCommand('workbench.action.closePanel');
        assert.equal(tab.label, 'Swimlane: 004-mm-iommu-deadlock.buggy.lockstep');
        const { index } = counterexample('deadlock');
        for (const lane of ['CPU0 (ioctl)', 'CPU1 (mmap)']) {
          assert.deepEqual((await driver('webviewText', { selector: `#counterexample-${index} .lane-title`, contains: lane })).texts, [lane]);
        }
        await driver('webviewText', { selector: `#counterexample-${index} .footer`, contains: '*** DEADLOCK ***' });
        await driver('webviewText', { selector: `#counterexample-${index} .mark.acquire`, contains: 'mem_list_mutex' });
        const order = counterexample('lock_order');
        await driver('webviewText', { selector: `#counterexample-${order.index} button.step.failing`, contains: 'mutex_lock(&mem_list_mutex)' });
      },
    },
    {
      name: 'swimlane-opens-line',
      async run() {
        const { index, c } = counterexample('deadlock');
        const step = c.steps.find((s) => s.text.startsWith('down_write_killable'));
        assert.ok(step, 'mmap takes mmap_sem in the deadlock');
        const moved = when('the editor to select the step\'s line', () => {
          const e = vscode.window.activeTextEditor;
          return e?.document.languageId === 'lockstep' && e.selection.start.line === step.range.start.line ? e : undefined;
        }, [vscode.window.onDidChangeTextEditorSelection, vscode.window.onDidChangeActiveTextEditor]);
        await driver('webviewClick', { selector: `#counterexample-${index} button.step`, contains: 'down_write_killable' });
        const editor = await moved;
        assert.equal(editor.document.lineAt(step.range.start.line).text.trim().startsWith('if (down_write_killable(&mm->mmap_sem))'), true);
      },
    },
    {
      name: 'swimlane-dark',
      async run() {
        await showTheme('Default Dark Modern', vscode.ColorThemeKind.Dark, 'vscode-dark');
      },
    },
    {
      name: 'swimlane-high-contrast',
      async run() {
        await showTheme('Default High Contrast', vscode.ColorThemeKind.HighContrast, 'vscode-high-contrast');
      },
    },
    {
      name: 'debug-counterexample',
      async run() {
        await showTheme('Default Light Modern', vscode.ColorThemeKind.Light, 'vscode-light');
        // With no argument, the first counterexample: seed 004's lock-order cycle.
        const { index, c } = counterexample('lock_order');
        assert.equal(index, 0);
        let seen = stops.stops.length;
        assert.equal(await vscode.commands.executeCommand<boolean>('lockstep.debugCounterexample'), true);
        const end = await stops.next(seen, 'the replay to reach the cycle');
        assert.equal(end.body.reason, 'exception');
        assert.equal(end.body.description, 'Paused on Lock order (lockdep)');
        const session = end.session;
        assert.equal(session.configuration['schedule'], 'replay');
        // A click on the first step goes back to just before it.
        const first = c.steps[0]!;
        seen = stops.stops.length;
        await driver('webviewClick', { selector: `#counterexample-${index} button.step`, contains: first.text });
        const back = await stops.next(seen, 'the replay to go to the clicked step');
        assert.equal(back.body.reason, 'goto');
        const actor = c.lanes[first.lane]!.actor + 1;
        assert.equal(back.body.threadId, actor, 'the stop is on the thread whose step was clicked');
        assert.equal((await topFrame(session, actor)).line - 1, first.range.start.line);
        await driver('webviewText', { selector: `#counterexample-${index} button.step.current`, contains: first.text });
      },
    },
  ]);
}
