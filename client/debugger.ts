// The `lockstep` debug type: the adapter runs inline in the extension host (one
// LockstepDebugSession per session), and a configuration provider makes F5 on an open
// scenario just work, with or without a launch.json.

import * as vscode from 'vscode';
import { LockstepDebugSession } from '../debugger/session';

export const DEBUG_TYPE = 'lockstep';

/** The launch configuration of a scenario file; `extra` adds or overrides attributes (a replay). */
export function scenarioLaunch(program: vscode.Uri, extra: Partial<vscode.DebugConfiguration> = {}): vscode.DebugConfiguration {
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `Debug ${program.path.split('/').pop() ?? 'scenario'}`,
    program: program.fsPath,
    stopOnEntry: true,
    schedule: 'manual',
    ...extra,
  };
}

/** The scenario of the active editor, if it is one saved on disk. */
function activeScenario(): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === 'lockstep' && doc.uri.scheme === 'file' ? doc.uri : undefined;
}

class ScenarioConfigurations implements vscode.DebugConfigurationProvider {
  /** Fills in F5 without a launch.json, and a configuration that names no program. */
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    const scenario = activeScenario();
    if (!config.type && !config.request && !config.name) {
      if (scenario) return scenarioLaunch(scenario);
      void vscode.window.showErrorMessage('Lockstep: open a saved .lockstep scenario to debug it.');
      return undefined;
    }
    if (!config.program) {
      if (!scenario) {
        void vscode.window.showErrorMessage('Lockstep: the launch configuration names no "program", and no scenario is open.');
        return undefined;
      }
      return { ...config, program: scenario.fsPath };
    }
    return config;
  }
}

/** "Debug <file>" for each open scenario, in the Run and Debug view's dropdown. */
class OpenScenarios implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return vscode.workspace.textDocuments
      .filter((d) => d.languageId === 'lockstep' && d.uri.scheme === 'file')
      .map((d) => scenarioLaunch(d.uri));
  }
}

export function registerDebugger(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new LockstepDebugSession()),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ScenarioConfigurations()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new OpenScenarios(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  );
}
