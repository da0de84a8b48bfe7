// The language server as the extension runs it: the bundled dist/server.js over Node IPC,
// restarted after a crash within a budget, stopped on deactivate. Everything else in the
// extension talks to the server through `client()`.

import * as vscode from 'vscode';
import {
  CloseAction, ErrorAction, LanguageClient, TransportKind,
  type CloseHandlerResult, type ErrorHandlerResult, type LanguageClientOptions, type ServerOptions,
} from 'vscode-languageclient/node';
import { RestartBudget } from './restartBudget';

/** Four restarts in three minutes, as VS Code's own language clients allow. */
const RESTARTS = new RestartBudget(4, 3 * 60_000);

export class ScenarioServer implements vscode.Disposable {
  private readonly languageClient: LanguageClient;

  constructor(context: vscode.ExtensionContext, output: vscode.LogOutputChannel) {
    const module = vscode.Uri.joinPath(context.extensionUri, 'dist', 'server.js').fsPath;
    // The bundle is also the checker's worker script (server/main.ts serves only on the main thread).
    const env = { ...process.env, LOCKSTEP_CHECK_WORKER: module };
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc, options: { env } },
      debug: { module, transport: TransportKind.ipc, options: { env, execArgv: ['--nolazy', '--inspect=6010'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: 'lockstep' }],
      outputChannel: output,
      initializationOptions: { settings: vscode.workspace.getConfiguration('lockstep') },
      synchronize: { configurationSection: 'lockstep' },
      errorHandler: {
        error: (_e, _m, count): ErrorHandlerResult => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
        closed: (): CloseHandlerResult => RESTARTS.allowRestart()
          ? { action: CloseAction.Restart, message: 'The Lockstep language server stopped; restarting it.', handled: true }
          : {
              action: CloseAction.DoNotRestart,
              message: `The Lockstep language server crashed ${RESTARTS.max + 1} times in ${RESTARTS.windowMs / 60_000} minutes and will not be restarted. ` +
                'See the Lockstep output for the cause, then run "Lockstep: Restart Language Server".',
            },
      },
    };
    this.languageClient = new LanguageClient('lockstep', 'Lockstep Language Server', serverOptions, clientOptions);
  }

  start(): Promise<void> {
    return this.languageClient.start();
  }

  /** The running client; waits for a start or restart in progress. */
  async client(): Promise<LanguageClient> {
    if (!this.languageClient.isRunning()) await this.languageClient.start();
    return this.languageClient;
  }

  async restart(): Promise<void> {
    RESTARTS.reset();
    await (this.languageClient.isRunning() ? this.languageClient.restart() : this.languageClient.start());
  }

  async dispose(): Promise<void> {
    if (this.languageClient.needsStop()) await this.languageClient.stop();
  }
}
