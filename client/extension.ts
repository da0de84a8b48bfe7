// The Lockstep extension's entry point: starts the language server, registers the debugger,
// the check commands with their swimlane view, the thread commands and the report import.
// Each part lives in a module of its own; this file only wires them together.

import * as vscode from 'vscode';
import { Checks } from './checks';
import { registerDebugger } from './debugger';
import { registerImportReport } from './importReport';
import { ScenarioServer } from './languageServer';
import { registerThreadCommands } from './threadCommands';

let server: ScenarioServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Lockstep', { log: true });
  const scenarioServer = new ScenarioServer(context, output);
  server = scenarioServer;
  const client = () => scenarioServer.client();
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('lockstep.restartServer', () => scenarioServer.restart()),
  );
  registerDebugger(context);
  new Checks(context, client);
  registerThreadCommands(context, client);
  registerImportReport(context, client);
  await scenarioServer.start();
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
  server = undefined;
}
