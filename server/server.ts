// The language server: wires LSP requests to the IDE features of core/. Each handler
// converts in (server/convert.ts), asks the document's Analysis, and converts out. A handler
// that fails answers an empty result and logs: bad input never takes the server down.

import {
  ResponseError, ErrorCodes, LSPErrorCodes, SemanticTokensBuilder, TextDocumentSyncKind, WorkDoneProgress,
  type CancellationToken, type CodeAction as LspCodeAction, type CompletionItem as LspCompletionItem, type Connection, type InitializeParams, type InitializeResult, type ServerCapabilities,
  type WorkDoneProgressBegin, type WorkDoneProgressEnd, type WorkDoneProgressReport,
} from 'vscode-languageserver/node';
import { loadScenario } from '../core';
import { counterexample } from '../core/ide/counterexample';
import { scenarioLocks } from '../core/ide/locks';
import * as ide from '../core/ide';
import type { Analysis } from '../core/ide';
import * as to from './convert';
import { Documents } from './documents';
import { Debouncer } from './diagnostics';
import { DEFAULT_SETTINGS, readSettings, type Settings } from './settings';
import { WorkspaceFiles } from './workspaceFiles';
import { BackgroundChecks } from './checking';
import { workerEngine, type CheckEngine } from './checkEngine';
import { CHECK_REQUEST, IMPORT_REPORT_REQUEST, LOCKS_REQUEST, progressMessage, type CheckParams, type CheckReply, type ImportReportParams, type ImportReportReply, type LockJson, type LocksParams } from './protocol';
import { importReport } from '../core/import';
import { reportCommentAt } from '../core/ide/reportComment';

type WorkDoneProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

export const SERVER_NAME = 'lockstep-lsp';
/** How long workspace/symbol waits for a running index pass before answering from what it has. */
const INDEX_WAIT_MS = 300;

export class LockstepServer {
  private readonly docs = new Documents();
  private readonly debouncer: Debouncer;
  private settings: Settings = DEFAULT_SETTINGS;
  private snippets = false;
  private readonly workspace = new WorkspaceFiles();
  private readonly checks: BackgroundChecks;
  private pullConfiguration = false;
  private initialized = false;
  private lensRefresh = false;
  /** The last completion's items by label: completionItem/resolve adds their documentation. */
  private lastCompletion: { readonly id: to.CompletionData; readonly items: ReadonlyMap<string, ide.CompletionItem> } | undefined;

  /** `engine` runs the checker (default: core/explore's worker, whose script $LOCKSTEP_CHECK_WORKER may relocate). */
  constructor(private readonly connection: Connection, engine: CheckEngine = workerEngine(process.env.LOCKSTEP_CHECK_WORKER || undefined)) {
    this.debouncer = new Debouncer((uri) => this.publishDiagnostics(uri));
    this.checks = new BackgroundChecks({
      publish: (uri) => this.publishDiagnostics(uri),
      refreshLenses: () => this.refreshLenses(),
      log: (m) => this.connection.console.log(m),
    }, engine);
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize((p) => this.initialize(p));
    c.onInitialized(() => {
      void this.loadConfiguration();
      void this.workspace.refresh();
    });
    c.onDidChangeConfiguration((p) => {
      // Settings pushed with the notification win; otherwise (VS Code sends none) pull them.
      const pushed = p?.settings as { lockstep?: unknown } | null | undefined;
      if (pushed && typeof pushed === 'object' && pushed.lockstep !== undefined) this.settings = readSettings(pushed, this.settings);
      else if (this.pullConfiguration) void this.loadConfiguration();
    });
    c.onDidOpenTextDocument((p) => this.notification(() => {
      const d = p?.textDocument;
      if (typeof d?.uri !== 'string') return;
      this.docs.open(d.uri, String(d.languageId ?? 'lockstep'), Number(d.version) || 0, String(d.text ?? ''));
      this.debouncer.schedule(d.uri, 0);
    }));
    c.onDidChangeTextDocument((p) => this.notification(() => {
      const uri = p?.textDocument?.uri;
      if (typeof uri !== 'string' || !this.docs.change(uri, Number(p.textDocument.version) || 0, p.contentChanges ?? [])) return;
      this.checks.cancel(uri);
      this.debouncer.schedule(uri, this.settings.diagnosticsDelayMs);
    }));
    c.onDidSaveTextDocument((p) => this.notification(() => {
      if (typeof p?.textDocument?.uri === 'string') this.onSave(p.textDocument.uri);
    }));
    c.onDidCloseTextDocument((p) => this.notification(() => {
      const uri = p?.textDocument?.uri;
      if (typeof uri !== 'string' || !this.docs.has(uri)) return;
      this.docs.close(uri);
      this.debouncer.cancel(uri);
      this.checks.forget(uri);
      void c.sendDiagnostics({ uri, diagnostics: [] });
    }));

    c.onCompletion((p) => this.withAnalysis(p, [], (a) => {
      const r = ide.complete(a, to.offsetOf(a.lines, p.position));
      this.lastCompletion = { id: (this.lastCompletion?.id ?? 0) + 1, items: new Map(r.items.map((i) => [i.label, i])) };
      return to.completionItems(a.lines, r, this.snippets, this.lastCompletion.id);
    }, true));
    c.onCompletionResolve((item) => {
      this.requireInitialized();
      return this.guard(() => this.resolveCompletion(item), item);
    });
    c.onHover((p) => this.withAnalysis(p, null, (a, uri) => {
      const h = ide.hover(a, to.offsetOf(a.lines, p.position));
      return h ? to.hover(a.lines, h) : null;
    }));
    c.onSignatureHelp((p) => this.withAnalysis(p, null, (a, uri) => {
      const s = ide.signatureHelp(a, to.offsetOf(a.lines, p.position));
      return s ? to.signatureHelp(s) : null;
    }, true));
    c.onDefinition((p) => this.withAnalysis(p, null, (a, uri) => {
      const span = ide.definition(a, to.offsetOf(a.lines, p.position));
      return span ? to.location(uri, a.lines, span) : null;
    }));
    c.onReferences((p) => this.withAnalysis(p, [], (a, uri) =>
      ide.references(a, to.offsetOf(a.lines, p.position), p.context?.includeDeclaration ?? true)
        .map((s) => to.location(uri, a.lines, s))));
    c.onDocumentHighlight((p) => this.withAnalysis(p, [], (a, uri) =>
      ide.highlights(a, to.offsetOf(a.lines, p.position)).map((h) => to.highlight(a.lines, h))));
    c.onPrepareRename((p) => this.withAnalysis(p, null, (a, uri) => {
      const r = ide.prepareRename(a, to.offsetOf(a.lines, p.position));
      if ('error' in r) throw new ResponseError(ErrorCodes.InvalidRequest, r.error);
      return { range: to.range(a.lines, r.span), placeholder: r.placeholder };
    }));
    c.onRenameRequest((p) => this.withAnalysis(p, null, (a, uri) => {
      if (typeof p.newName !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'rename needs a newName');
      const r = ide.rename(a, to.offsetOf(a.lines, p.position), p.newName);
      if ('error' in r) throw new ResponseError(ErrorCodes.InvalidRequest, r.error);
      return to.workspaceEdit(uri, a.lines, r.edits);
    }));
    c.onDocumentSymbol((p) => this.withAnalysis(p, [], (a, uri) =>
      ide.outline(a).map((s) => to.documentSymbol(a.lines, s))));
    c.onWorkspaceSymbol(async (p) => {
      this.requireInitialized();
      // The index fills in the background; this request waits a little for it, never the others.
      await this.workspace.settled(INDEX_WAIT_MS);
      return this.guard(() => this.workspaceSymbols(String(p?.query ?? '')), []);
    });
    c.onFoldingRanges((p) => this.withAnalysis(p, [], (a, uri) => ide.foldingRanges(a).map(to.foldingRange)));
    c.languages.semanticTokens.on((p) => this.withAnalysis(p, { data: [] }, (a, uri) => {
      const b = new SemanticTokensBuilder();
      for (const t of ide.semanticTokens(a)) {
        const pos = a.lines.position(t.span.start);
        b.push(pos.line, pos.character, t.span.end - t.span.start, ide.TOKEN_TYPES.indexOf(t.type), modifierBits(t.modifiers));
      }
      return b.build();
    }));
    c.onDocumentFormatting((p) => this.withAnalysis(p, [], (a, uri) => to.textEdits(a.lines, ide.formatEdits(a) ?? [])));
    c.languages.inlayHint.on((p) => this.withAnalysis(p, [], (a, uri) =>
      !this.settings.inlayHints.heldLocks ? [] : ide.heldLockHints(a, to.spanOf(a.lines, p.range)).map((h) => to.inlayHint(a.lines, h))));
    c.onCodeAction((p) => this.withAnalysis(p, [], (a, uri) => {
      const range = to.spanOf(a.lines, p.range);
      const fixes: LspCodeAction[] = ide.codeActions(a, range).map((x) => to.codeAction(uri, a.lines, x));
      const report = reportCommentAt(a.text, range);
      if (report) fixes.push(to.reportAction(report));
      return fixes;
    }));
    c.onRequest(IMPORT_REPORT_REQUEST, (p: Partial<ImportReportParams> | undefined): ImportReportReply => {
      this.requireInitialized();
      if (typeof p?.text !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'lockstep/importReport needs the report text');
      return to.importReply(importReport(p.text, typeof p.index === 'number' ? { index: p.index } : {}));
    });
    c.onCodeLens((p) => this.withAnalysis(p, [], (a, uri) =>
      ide.codeLenses(a, this.checks.verdict(uri, this.docs.version(uri)))
        .map((l) => to.codeLens(uri, a.lines, l))));
    c.onRequest(CHECK_REQUEST, (p: Partial<CheckParams> | undefined, token: CancellationToken) => {
      this.requireInitialized();
      return this.checkNow(String(p?.uri ?? ''), p?.workDoneToken, token).catch((e: unknown) => {
        if (e instanceof ResponseError) throw e;
        this.connection.console.error(`lockstep: check failed: ${String(e)}`);
        return null;
      });
    });
    c.onRequest(LOCKS_REQUEST, (p: Partial<LocksParams> | undefined): LockJson[] => this.withAnalysis({ textDocument: { uri: p?.uri } }, [], (a) =>
      scenarioLocks(a).map((l) => ({ name: l.name, kind: l.kind, range: to.range(a.lines, l.span), acquisitions: l.acquisitions }))));
    c.onShutdown(() => {
      this.workspace.dispose();
      this.debouncer.dispose();
      this.checks.dispose();
    });
    c.listen();
  }

  private initialize(p: InitializeParams): InitializeResult {
    this.initialized = true;
    const caps = p?.capabilities;
    this.snippets = !!caps?.textDocument?.completion?.completionItem?.snippetSupport;
    this.pullConfiguration = !!caps?.workspace?.configuration;
    this.lensRefresh = !!caps?.workspace?.codeLens?.refreshSupport;
    this.settings = readSettings((p?.initializationOptions as { settings?: unknown } | undefined)?.settings ?? p?.initializationOptions);
    // The workspace folders, or (from older clients) the root: never both, rootUri being the first folder.
    const folders = Array.isArray(p?.workspaceFolders) ? p.workspaceFolders.map((f) => String(f?.uri)) : [];
    this.workspace.setFolders(folders.length > 0 ? folders : typeof p?.rootUri === 'string' ? [p.rootUri] : []);
    const capabilities: ServerCapabilities = {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      completionProvider: { triggerCharacters: ['>', '.', '(', '&', ','], resolveProvider: true },
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
      codeActionProvider: { codeActionKinds: ['quickfix', 'refactor.extract'] },
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
      // One line in the client's log; the stack only for a bug report (LOCKSTEP_DEBUG=1).
      const detail = e instanceof Error ? (process.env.LOCKSTEP_DEBUG ? e.stack ?? e.message : `${e.name}: ${e.message}`) : String(e);
      this.connection.console.error(`lockstep: internal error (a bug in Lockstep; please report it): ${detail}`);
      return fallback as T;
    }
  }

  /** A document notification: dropped before `initialize` (as the protocol says) or when malformed. */
  private notification(f: () => void): void {
    if (this.initialized) this.guard(f);
  }

  /** A request about one document: answers `fallback` for a document that is not open or malformed params. */
  /** `typing`: completion and signature help may read the last full analysis through the new text (an overlay) rather than wait for a new one. */
  private withAnalysis<T>(params: { textDocument?: { uri?: unknown } } | null | undefined, fallback: T, f: (a: Analysis, uri: string) => T, typing = false): T {
    this.requireInitialized();
    return this.guard(() => {
      const uri = params?.textDocument?.uri;
      const a = typeof uri !== 'string' ? undefined : typing ? this.docs.typingAnalysis(uri) : this.docs.analysis(uri);
      return a && typeof uri === 'string' ? f(a, uri) : fallback;
    }, fallback);
  }

  /** Before `initialize` the protocol says requests are refused with ServerNotInitialized. */
  private requireInitialized(): void {
    if (!this.initialized) throw new ResponseError(ErrorCodes.ServerNotInitialized, 'the server is not initialized');
  }

  /** Asks the client to fetch the lenses again (the verdict changed), if it supports that. */
  private refreshLenses(): void {
    if (!this.lensRefresh) return;
    void this.connection.sendRequest('workspace/codeLens/refresh').then(undefined, () => undefined);
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

  private onSave(uri: string): void {
    if (!this.settings.check.onSave) return;
    const a = this.docs.analysis(uri);
    const version = this.docs.version(uri);
    if (a && version !== undefined) this.checks.start(uri, version, a, this.settings.check);
  }

  /**
   * `lockstep/check`: checks the open document now, with `$/progress` on the client's token
   * and cancellation by the request's; answers the verdict, the checker's whole result and
   * each finding laid out as a counterexample (lanes per CPU) for the client's views.
   */
  private async checkNow(uri: string, workDoneToken: string | number | undefined, token: CancellationToken | undefined): Promise<CheckReply> {
    const a = this.docs.analysis(uri);
    const version = this.docs.version(uri);
    if (!a || version === undefined) return null;
    const cancelled = token?.onCancellationRequested(() => this.checks.cancel(uri));
    const report = (value: WorkDoneProgressValue): void => {
      if (workDoneToken === undefined) return;
      void this.connection.sendProgress(WorkDoneProgress.type, workDoneToken, value).then(undefined, () => undefined);
    };
    report({ kind: 'begin', title: 'Checking', cancellable: true });
    try {
      const checked = await this.checks.run(uri, version, a, this.settings.check, (p) =>
        report({ kind: 'report', message: progressMessage(p.states, p.seconds > 0 ? p.states / p.seconds : 0) }));
      // A cancelled request answers RequestCancelled, as the protocol asks.
      if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'lockstep/check was cancelled');
      if (!checked) return null;
      const compiled = checked.result && loadScenario(a.file, a.text).compiled;
      const counterexamples = compiled && checked.result ? checked.result.violations.map((f) => counterexample(compiled, f)) : [];
      return to.checkReply(a.lines, version, checked.summary, checked.result, counterexamples);
    } finally {
      cancelled?.dispose();
      report({ kind: 'end' });
    }
  }

  /** An item of the last completion gets its documentation; any other is answered as it came. */
  private resolveCompletion(item: LspCompletionItem): LspCompletionItem {
    if (typeof item !== 'object' || item === null) return item;
    const last = this.lastCompletion;
    const offered = last && item.data === last.id ? last.items.get(item.label) : undefined;
    return offered?.documentation ? { ...item, documentation: to.markdown(offered.documentation) } : item;
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
