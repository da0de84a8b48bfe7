// The in-editor half of the end-to-end tests: runs a suite's stages in order inside VS Code's
// extension host, asks the driver (test/e2e/run.mjs) for a screenshot after each stage and
// reports each result to it. VS Code itself hands the suite's verdict back to the driver.

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
    try {
      await stage.run();
    } catch (e) {
      error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      failed.push(stage.name);
    }
    await driver('screenshot', { name: stage.name });
    await driver('result', { stage: stage.name, ok: error === undefined, ms: Date.now() - started, ...(error ? { error } : {}) });
  }
  if (failed.length > 0) throw new Error(`failed stages: ${failed.join(', ')}`);
}
