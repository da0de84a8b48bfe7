// The language server: wires LSP requests to the IDE features of core/. Each handler
// converts in (server/convert.ts), asks the document's Analysis, and converts out. A handler
// that fails answers an empty result and logs: bad input never takes the server down.

import {
  ResponseError, ErrorCodes, SemanticTokensBuilder, TextDocumentSyncKind, WorkDoneProgress,
  type CancellationToken, type Connection, type WorkDoneProgressBegin, type WorkDoneProgressEnd, type WorkDoneProgressReport, type InitializeParams, type InitializeResult, type ServerCapabilities,
} from 'vscode-languageserver/node';
import * as ide from '../core/ide';
import type { Analysis } from '../core/ide';
import * as to from './convert';
import { Documents } from './documents';
import { Debouncer } from './diagnostics';
import { DEFAULT_SETTINGS, readSettings, type Settings } from './settings';
import { WorkspaceFiles } from './workspaceFiles';
import { BackgroundChecks } from './checking';
import { scenarioLocks } from '../core/ide/locks';
import { CHECK_REQUEST, LOCKS_REQUEST, progressMessage, type CheckParams, type CheckReply, type LockJson, type LocksParams } from './protocol';

export const SERVER_NAME = 'lockstep-lsp';

type WorkDoneProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

export class LockstepServer {
  private readonly docs = new Documents();
  private readonly debouncer: Debouncer;
  private settings: Settings = DEFAULT_SETTINGS;
  private snippets = false;
  private readonly workspace = new WorkspaceFiles();
  private readonly checks: BackgroundChecks;
  private pullConfiguration = false;

  constructor(private readonly connection: Connection) {
    this.debouncer = new Debouncer((uri) => this.publishDiagnostics(uri));
    this.checks = new BackgroundChecks({
      publish: () => this.publishAll(),
      refreshLenses: () => this.safeNotify(() => this.connection.sendRequest('workspace/codeLens/refresh')),
      log: (m) => this.connection.console.log(m),
    });
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize((p) => this.initialize(p));
    c.onInitialized(() => void this.loadConfiguration());
    c.onDidChangeConfiguration((p) => {
      this.settings = readSettings(p?.settings, this.settings);
      if (this.pullConfiguration) void this.loadConfiguration();
    });
    c.onDidOpenTextDocument((p) => this.guard(() => {
      const d = p.textDocument;
      this.docs.open(d.uri, d.languageId, d.version, String(d.text ?? ''));
      this.debouncer.schedule(d.uri, 0);
    }));
    c.onDidChangeTextDocument((p) => this.guard(() => {
      const uri = p.textDocument.uri;
      if (!this.docs.change(uri, p.textDocument.version ?? 0, p.contentChanges ?? [])) return;
      this.checks.cancel(uri);
      this.debouncer.schedule(uri, this.settings.diagnosticsDelayMs);
    }));
    c.onDidSaveTextDocument((p) => this.guard(() => this.onSave(p.textDocument.uri)));
    c.onDidCloseTextDocument((p) => this.guard(() => {
      const uri = p.textDocument.uri;
      this.docs.close(uri);
      this.debouncer.cancel(uri);
      this.checks.forget(uri);
      void c.sendDiagnostics({ uri, diagnostics: [] });
    }));

    c.onCompletion((p) => this.withAnalysis(p.textDocument.uri, [], (a) =>
      to.completionItems(a.lines, ide.complete(a, to.offsetOf(a.lines, p.position)), this.snippets)));
    c.onHover((p) => this.withAnalysis(p.textDocument.uri, null, (a) => {
      const h = ide.hover(a, to.offsetOf(a.lines, p.position));
      return h ? to.hover(a.lines, h) : null;
    }));
    c.onSignatureHelp((p) => this.withAnalysis(p.textDocument.uri, null, (a) => {
      const s = ide.signatureHelp(a, to.offsetOf(a.lines, p.position));
      return s ? to.signatureHelp(s) : null;
    }));
    c.onDefinition((p) => this.withAnalysis(p.textDocument.uri, null, (a) => {
      const span = ide.definition(a, to.offsetOf(a.lines, p.position));
      return span ? to.location(p.textDocument.uri, a.lines, span) : null;
    }));
    c.onReferences((p) => this.withAnalysis(p.textDocument.uri, [], (a) =>
      ide.references(a, to.offsetOf(a.lines, p.position), p.context?.includeDeclaration ?? true)
        .map((s) => to.location(p.textDocument.uri, a.lines, s))));
    c.onDocumentHighlight((p) => this.withAnalysis(p.textDocument.uri, [], (a) =>
      ide.highlights(a, to.offsetOf(a.lines, p.position)).map((h) => to.highlight(a.lines, h))));
    c.onPrepareRename((p) => this.withAnalysis(p.textDocument.uri, null, (a) => {
      const r = ide.prepareRename(a, to.offsetOf(a.lines, p.position));
      if ('error' in r) throw new ResponseError(ErrorCodes.InvalidRequest, r.error);
      return { range: to.range(a.lines, r.span), placeholder: r.placeholder };
    }));
    c.onRenameRequest((p) => this.withAnalysis(p.textDocument.uri, null, (a) => {
      const r = ide.rename(a, to.offsetOf(a.lines, p.position), String(p.newName ?? ''));
      if ('error' in r) throw new ResponseError(ErrorCodes.InvalidRequest, r.error);
      return to.workspaceEdit(p.textDocument.uri, a.lines, r.edits);
    }));
    c.onDocumentSymbol((p) => this.withAnalysis(p.textDocument.uri, [], (a) =>
      ide.outline(a).map((s) => to.documentSymbol(a.lines, s))));
    c.onWorkspaceSymbol((p) => this.guard(() => this.workspaceSymbols(String(p.query ?? '')), []));
    c.onFoldingRanges((p) => this.withAnalysis(p.textDocument.uri, [], (a) => ide.foldingRanges(a).map(to.foldingRange)));
    c.languages.semanticTokens.on((p) => this.withAnalysis(p.textDocument.uri, { data: [] }, (a) => {
      const b = new SemanticTokensBuilder();
      for (const t of ide.semanticTokens(a)) {
        const pos = a.lines.position(t.span.start);
        b.push(pos.line, pos.character, t.span.end - t.span.start, ide.TOKEN_TYPES.indexOf(t.type), modifierBits(t.modifiers));
      }
      return b.build();
    }));
    c.onDocumentFormatting((p) => this.withAnalysis(p.textDocument.uri, [], (a) => to.textEdits(a.lines, ide.formatEdits(a) ?? [])));
    c.languages.inlayHint.on((p) => this.withAnalysis(p.textDocument.uri, [], (a) =>
      !this.settings.inlayHints.heldLocks ? [] : ide.heldLockHints(a, to.spanOf(a.lines, p.range)).map((h) => to.inlayHint(a.lines, h))));
    c.onCodeAction((p) => this.withAnalysis(p.textDocument.uri, [], (a) =>
      ide.codeActions(a, to.spanOf(a.lines, p.range)).map((x) => to.codeAction(p.textDocument.uri, a.lines, x))));
    c.onCodeLens((p) => this.withAnalysis(p.textDocument.uri, [], (a) =>
      ide.codeLenses(a, this.checks.verdict(p.textDocument.uri, this.docs.version(p.textDocument.uri)))
        .map((l) => to.codeLens(p.textDocument.uri, a.lines, l))));
    c.onRequest(CHECK_REQUEST, (p: Partial<CheckParams> | undefined, token: CancellationToken) =>
      this.guard(() => this.checkNow(String(p?.uri ?? ''), p?.workDoneToken, token), null));
    c.onRequest(LOCKS_REQUEST, (p: Partial<LocksParams> | undefined): LockJson[] => this.withAnalysis(p?.uri, [], (a) =>
      scenarioLocks(a).map((l) => ({ name: l.name, kind: l.kind, range: to.range(a.lines, l.span), acquisitions: l.acquisitions }))));
    c.onShutdown(() => {
      this.debouncer.dispose();
      this.checks.dispose();
    });
    c.listen();
  }

  private initialize(p: InitializeParams): InitializeResult {
    const caps = p?.capabilities;
    this.snippets = !!caps?.textDocument?.completion?.completionItem?.snippetSupport;
    this.pullConfiguration = !!caps?.workspace?.configuration;
    this.settings = readSettings((p?.initializationOptions as { settings?: unknown } | undefined)?.settings ?? p?.initializationOptions);
    this.workspace.setFolders([...(p?.workspaceFolders ?? []).map((f) => f.uri), ...(p?.rootUri ? [p.rootUri] : [])]);
    const capabilities: ServerCapabilities = {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      completionProvider: { triggerCharacters: ['>', '.', '(', '&', ','] },
      hoverProvider: true,
      signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [','] },
      definitionProvider: true,
      referencesProvider: true,
      documentHighlightProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      workspaceSymbolProvider: true,
      foldingRangeProvider: true,
      semanticTokensProvider: { legend: { tokenTypes: [...ide.TOKEN_TYPES], tokenModifiers: [...ide.TOKEN_MODIFIERS] }, full: true },
      documentFormattingProvider: true,
      inlayHintProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      codeLensProvider: { resolveProvider: false },
    };
    return { capabilities, serverInfo: { name: SERVER_NAME, version: '0.1.0' } };
  }

  private async loadConfiguration(): Promise<void> {
    if (!this.pullConfiguration) return;
    try {
      const section: unknown = await this.connection.workspace.getConfiguration('lockstep');
      this.settings = readSettings(section, this.settings);
    } catch (e) {
      this.connection.console.log(`lockstep: could not read the configuration: ${String(e)}`);
    }
  }

  // ---------- helpers ----------

  /** Runs a handler body; on an exception logs it and answers `fallback`. ResponseErrors pass through. */
  private guard<T>(f: () => T, fallback?: T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      this.connection.console.error(`lockstep: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      return fallback as T;
    }
  }

  private withAnalysis<T>(uri: string | undefined, fallback: T, f: (a: Analysis) => T): T {
    return this.guard(() => {
      const a = typeof uri === 'string' ? this.docs.analysis(uri) : undefined;
      return a ? f(a) : fallback;
    }, fallback);
  }

  private safeNotify(f: () => Promise<unknown>): void {
    try {
      void f().catch(() => undefined);
    } catch {
      // The client may not support the request; nothing to do.
    }
  }

  // ---------- diagnostics and checking ----------

  private publishDiagnostics(uri: string): void {
    this.guard(() => {
      const a = this.docs.analysis(uri);
      if (!a) return;
      const diagnostics = [
        ...a.diagnostics().map((d) => to.diagnostic(uri, a.lines, d)),
        ...this.checks.diagnostics(uri, this.docs.version(uri), a.lines),
      ];
      void this.connection.sendDiagnostics({ uri, version: this.docs.version(uri), diagnostics });
    });
  }

  private publishAll(): void {
    for (const uri of this.docs.uris()) this.publishDiagnostics(uri);
  }

  private onSave(uri: string): void {
    if (!this.settings.check.onSave) return;
    const a = this.docs.analysis(uri);
    const version = this.docs.version(uri);
    if (a && version !== undefined) this.checks.start(uri, version, a, this.settings.check);
  }

  /** A check asked for by the client: progress while it runs, cancellable, the counterexamples in the reply. */
  private async checkNow(uri: string, workDoneToken: string | number | undefined, token: CancellationToken): Promise<CheckReply> {
    const a = this.docs.analysis(uri);
    const version = this.docs.version(uri);
    if (!a || version === undefined) return null;
    const cancelled = token.onCancellationRequested(() => this.checks.cancel(uri));
    const report = (value: WorkDoneProgressValue): void => {
      if (workDoneToken !== undefined) this.safeNotify(() => this.connection.sendProgress(WorkDoneProgress.type, workDoneToken, value));
    };
    report({ kind: 'begin', title: 'Checking', cancellable: true });
    try {
      const record = await this.checks.run(uri, version, a, this.settings.check, (p) =>
        report({ kind: 'report', message: progressMessage(p.states, p.seconds > 0 ? p.states / p.seconds : 0) }));
      return record ? to.checkResult(a.lines, record) : null;
    } finally {
      cancelled.dispose();
      report({ kind: 'end' });
    }
  }

  private workspaceSymbols(query: string): ReturnType<typeof to.workspaceSymbol>[] {
    const open = this.docs.uris().flatMap((uri) => {
      const a = this.docs.analysis(uri);
      return a ? [a] : [];
    });
    const analyses = [...open, ...this.workspace.analyses(new Set(this.docs.uris()))];
    return ide.workspaceSymbols(analyses, query).map((s) => {
      const a = analyses.find((x) => x.file === s.file)!;
      return to.workspaceSymbol(s.file, a.lines, s);
    });
  }
}

function modifierBits(mods: readonly ide.TokenModifier[]): number {
  let bits = 0;
  for (const m of mods) bits |= 1 << ide.TOKEN_MODIFIERS.indexOf(m);
  return bits;
}
