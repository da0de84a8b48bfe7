// A real LSP client for the tests: spawns `node bin/lockstep-lsp.js --stdio` and talks to
// it over the child's streams with vscode-languageserver-protocol, as an editor would.
// Every wait is for an event (a notification or a response), never for time.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter,
  type InitializeResult, type Position, type ProtocolConnection, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';

export const ROOT = join(__dirname, '..', '..', '..');

/** A fixture or example file's text and a file URI for it. */
export function fixture(relative: string): { uri: string; text: string; path: string } {
  const path = join(ROOT, relative);
  return { uri: pathToFileURL(path).toString(), text: readFileSync(path, 'utf8'), path };
}

/** The position of the `nth` occurrence of `needle`, plus `delta` characters into it. */
export function positionOf(text: string, needle: string, delta = 0, nth = 1): Position {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' (occurrence ${nth}) is not in the text`);
  }
  return positionAt(text, at + delta);
}

export function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

/** gopls-style position markers: `/*@name*\/` comments; a marker's position is just after it. */
export function markers(text: string): Map<string, Position> {
  const out = new Map<string, Position>();
  for (const m of text.matchAll(/\/\*@(\w+)\*\//g)) out.set(m[1]!, positionAt(text, m.index! + m[0].length));
  return out;
}

interface Waiter {
  readonly uri: string;
  readonly accept: (p: PublishDiagnosticsParams) => boolean;
  readonly resolve: (p: PublishDiagnosticsParams) => void;
}

export interface StartOptions {
  readonly settings?: unknown;
  readonly snippets?: boolean;
  readonly rootUri?: string | null;
}

export class TestClient {
  readonly connection: ProtocolConnection;
  private readonly waiters: Waiter[] = [];
  /** The latest diagnostics per document. */
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly exited: Promise<number | null>;
  stderr = '';
  private readonly versions = new Map<string, number>();

  private constructor(readonly child: ChildProcessWithoutNullStreams, private readonly settings: unknown) {
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      for (const w of [...this.waiters]) {
        if (w.uri === p.uri && w.accept(p)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    this.connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => this.settings ?? null));
    this.connection.onRequest('workspace/codeLens/refresh', () => null);
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onNotification('window/logMessage', () => undefined);
    this.connection.listen();
  }

  static async start(opts: StartOptions = {}): Promise<TestClient> {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'lockstep-lsp.js'), '--stdio'], { stdio: 'pipe' });
    const client = new TestClient(child, opts.settings);
    await client.initialize(opts);
    return client;
  }

  private async initialize(opts: StartOptions): Promise<InitializeResult> {
    const result = await this.connection.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: opts.rootUri === undefined ? null : opts.rootUri,
      workspaceFolders: opts.rootUri ? [{ uri: opts.rootUri, name: 'root' }] : null,
      capabilities: {
        workspace: { configuration: true, codeLens: { refreshSupport: true } },
        textDocument: {
          completion: { completionItem: { snippetSupport: opts.snippets ?? false } },
          publishDiagnostics: { relatedInformation: true },
        },
      },
      initializationOptions: opts.settings === undefined ? undefined : { settings: opts.settings },
    });
    await this.connection.sendNotification('initialized', {});
    this.capabilities = result.capabilities;
    return result;
  }

  capabilities: InitializeResult['capabilities'] = {};

  /** Resolves at the next diagnostics for `uri` that `accept` takes. Register before causing them. */
  nextDiagnostics(uri: string, accept: (p: PublishDiagnosticsParams) => boolean = () => true): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve) => this.waiters.push({ uri, accept, resolve }));
  }

  /** Opens a document and resolves with its first diagnostics. */
  async open(uri: string, text: string, languageId = 'lockstep'): Promise<PublishDiagnosticsParams> {
    this.versions.set(uri, 1);
    const published = this.nextDiagnostics(uri, (p) => p.version === undefined || p.version === 1);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return published;
  }

  /** Replaces the whole text; resolves with the diagnostics of the new version. */
  async change(uri: string, text: string): Promise<PublishDiagnosticsParams> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    const published = this.nextDiagnostics(uri, (p) => p.version === version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    return published;
  }

  async close(uri: string): Promise<PublishDiagnosticsParams> {
    const cleared = this.nextDiagnostics(uri, (p) => p.diagnostics.length === 0);
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    return cleared;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest<R>(method, params);
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) {
      try {
        await this.connection.sendRequest('shutdown');
        await this.connection.sendNotification('exit');
      } catch {
        this.child.kill();
      }
    }
    const code = await this.exited;
    this.connection.dispose();
    return code;
  }
}
