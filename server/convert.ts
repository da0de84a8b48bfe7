// All conversion between the protocol and core/: positions and ranges (offsets in core,
// line/character here), and core's plain results into LSP types. Handlers call these and
// nothing else touches protocol shapes (as rust-analyzer's from_proto/to_proto).

import {
  CodeAction as LspCodeAction, CodeActionKind, CompletionItemKind, DiagnosticSeverity, DiagnosticTag,
  FoldingRangeKind, InsertTextFormat, MarkupKind, SymbolKind, DocumentHighlightKind,
  type CodeLens as LspCodeLens, type CompletionItem as LspCompletionItem, type Diagnostic as LspDiagnostic,
  type DocumentHighlight, type DocumentSymbol, type FoldingRange as LspFoldingRange, type Hover as LspHover,
  type InlayHint as LspInlayHint, type Location, type Position, type Range, type SignatureHelp as LspSignatureHelp,
  type SymbolInformation, type TextEdit as LspTextEdit, type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { Span } from '../core/syntax/ast';
import type { Diagnostic, LineMap, Severity } from '../core/syntax/diagnostics';
import type {
  CodeAction, CodeLens, CompletionItem, CompletionKind, CompletionResult, FoldingRange, Highlight, Hover,
  InlayHint, OutlineKind, OutlineSymbol, SignatureHelp, TextEdit, WorkspaceSymbol,
} from '../core/ide';
import type { Counterexample } from '../core/ide/counterexample';
import type { CheckResult } from '../core/explore';
import type { VerdictSummary } from '../core/ide/codeLens';
import type { CheckResultJson, CounterexampleJson, ImportReportReply } from './protocol';
import { NEW_SCENARIO_FROM_REPORT_COMMAND } from './protocol';
import type { ReportComment } from '../core/ide/reportComment';
import type { ImportResult } from '../core/import';

// ---------- from the protocol ----------

/** A protocol position as an offset; positions past a line or the text clamp to its end. */
export function offsetOf(lines: LineMap, p: Position | undefined): number {
  if (!p || !Number.isFinite(p.line) || !Number.isFinite(p.character)) return 0;
  return lines.offset({ line: Math.trunc(p.line), character: Math.trunc(p.character) });
}

export function spanOf(lines: LineMap, r: Range | undefined): Span {
  const start = offsetOf(lines, r?.start);
  return { start, end: Math.max(start, offsetOf(lines, r?.end)) };
}

// ---------- to the protocol ----------

export function range(lines: LineMap, s: Span): Range {
  return { start: lines.position(s.start), end: lines.position(s.end) };
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function diagnostic(uri: string, lines: LineMap, d: Diagnostic, source = 'lockstep'): LspDiagnostic {
  return {
    range: range(lines, d.span),
    severity: SEVERITY[d.severity],
    code: d.code,
    source,
    message: d.message,
    ...(d.code === 'no-effect' ? { tags: [DiagnosticTag.Unnecessary] } : {}),
    ...(d.related && d.related.length > 0
      ? { relatedInformation: d.related.map((r) => ({ location: { uri, range: range(lines, r.span) }, message: r.message })) }
      : {}),
  };
}

const COMPLETION_KIND: Record<CompletionKind, CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  snippet: CompletionItemKind.Snippet,
  builtin: CompletionItemKind.Function,
  function: CompletionItemKind.Function,
  variable: CompletionItemKind.Variable,
  parameter: CompletionItemKind.Variable,
  field: CompletionItemKind.Field,
  lock: CompletionItemKind.Variable,
  constant: CompletionItemKind.Constant,
  struct: CompletionItemKind.Struct,
  actor: CompletionItemKind.Class,
  cpu: CompletionItemKind.EnumMember,
  violation: CompletionItemKind.EnumMember,
  config: CompletionItemKind.Property,
  type: CompletionItemKind.TypeParameter,
};

export function markdown(value: string): { kind: typeof MarkupKind.Markdown; value: string } {
  return { kind: MarkupKind.Markdown, value };
}

/**
 * The items of a completion. Their documentation is left for completionItem/resolve (a list
 * of every builtin with its docs is some 150 KB): an item that has some carries `resolve`,
 * the data the client hands back to ask for it.
 */
export function completionItems(lines: LineMap, r: CompletionResult, snippets: boolean, resolve: CompletionData): LspCompletionItem[] {
  const replace = range(lines, r.replace);
  return r.items
    .filter((i) => snippets || !i.snippet || i.kind !== 'snippet')
    .map((i) => completionItem(i, replace, snippets, resolve));
}

/** What a completion item carries for completionItem/resolve: the number of the completion that offered it. */
export type CompletionData = number;

function completionItem(i: CompletionItem, replace: Range, snippets: boolean, resolve: CompletionData): LspCompletionItem {
  const asSnippet = !!i.snippet && snippets;
  const text = i.insertText === undefined ? i.label : asSnippet ? i.insertText : plainText(i.insertText, i.snippet);
  return {
    label: i.label,
    kind: COMPLETION_KIND[i.kind],
    sortText: `${i.sortText}_${i.label}`,
    ...(i.detail ? { detail: i.detail } : {}),
    ...(i.documentation ? { data: resolve } : {}),
    ...(i.filterText ? { filterText: i.filterText } : {}),
    textEdit: { range: replace, newText: text },
    insertTextFormat: asSnippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
  };
}

/** A snippet's text with its placeholders filled by their defaults, for clients without snippets. */
function plainText(text: string, snippet: boolean | undefined): string {
  if (!snippet) return text;
  return text.replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\{\d+\}|\$\d/g, '');
}

export function hover(lines: LineMap, h: Hover): LspHover {
  return { contents: markdown(h.markdown), range: range(lines, h.span) };
}

export function signatureHelp(s: SignatureHelp): LspSignatureHelp {
  return {
    signatures: [{
      label: s.label,
      ...(s.documentation ? { documentation: markdown(s.documentation) } : {}),
      parameters: s.parameters.map((p) => ({ label: [p.label[0], p.label[1]] as [number, number] })),
      activeParameter: s.activeParameter,
    }],
    activeSignature: 0,
    activeParameter: s.activeParameter,
  };
}

export function location(uri: string, lines: LineMap, s: Span): Location {
  return { uri, range: range(lines, s) };
}

export function highlight(lines: LineMap, h: Highlight): DocumentHighlight {
  return { range: range(lines, h.span), kind: h.declaration ? DocumentHighlightKind.Write : DocumentHighlightKind.Read };
}

export function textEdits(lines: LineMap, edits: readonly TextEdit[]): LspTextEdit[] {
  return edits.map((e) => ({ range: range(lines, e.span), newText: e.newText }));
}

export function workspaceEdit(uri: string, lines: LineMap, edits: readonly TextEdit[]): WorkspaceEdit {
  return { changes: { [uri]: textEdits(lines, edits) } };
}

const SYMBOL_KIND: Record<OutlineKind, SymbolKind> = {
  scenario: SymbolKind.File,
  struct: SymbolKind.Struct,
  field: SymbolKind.Field,
  lock: SymbolKind.Key,
  variable: SymbolKind.Variable,
  fn: SymbolKind.Function,
  actor: SymbolKind.Class,
  expect: SymbolKind.Event,
  config: SymbolKind.Property,
  enum: SymbolKind.Enum,
  enumMember: SymbolKind.EnumMember,
  constant: SymbolKind.Constant,
};

export function documentSymbol(lines: LineMap, s: OutlineSymbol): DocumentSymbol {
  return {
    name: s.name,
    ...(s.detail ? { detail: s.detail } : {}),
    kind: SYMBOL_KIND[s.kind],
    range: range(lines, s.span),
    selectionRange: range(lines, s.selection),
    children: s.children.map((c) => documentSymbol(lines, c)),
  };
}

export function workspaceSymbol(uri: string, lines: LineMap, s: WorkspaceSymbol): SymbolInformation {
  return {
    name: s.name,
    kind: SYMBOL_KIND[s.kind],
    location: location(uri, lines, s.span),
    ...(s.container ? { containerName: s.container } : {}),
  };
}

export function foldingRange(f: FoldingRange): LspFoldingRange {
  return {
    startLine: f.startLine,
    endLine: f.endLine,
    ...(f.kind === 'comment' ? { kind: FoldingRangeKind.Comment } : f.kind === 'region' ? { kind: FoldingRangeKind.Region } : {}),
  };
}

export function inlayHint(lines: LineMap, h: InlayHint): LspInlayHint {
  return { position: lines.position(h.offset), label: h.label, paddingLeft: true, tooltip: markdown(h.tooltip) };
}

export function codeAction(uri: string, lines: LineMap, a: CodeAction): LspCodeAction {
  return {
    title: a.title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic(uri, lines, a.diagnostic)],
    edit: workspaceEdit(uri, lines, a.edits),
    isPreferred: a.preferred,
  };
}

/** The client implements these commands (the VS Code extension registers them). */
export const LENS_COMMANDS = { check: 'lockstep.check', debug: 'lockstep.debug', showVerdict: 'lockstep.showVerdict' } as const;

export function codeLens(uri: string, lines: LineMap, l: CodeLens): LspCodeLens {
  return { range: range(lines, l.span), command: { title: l.title, command: LENS_COMMANDS[l.command], arguments: [uri] } };
}

// ---------- Lockstep's own requests (server/protocol.ts) ----------

export function counterexample(lines: LineMap, c: Counterexample): CounterexampleJson {
  return {
    kind: c.kind,
    message: c.message,
    report: c.report,
    range: range(lines, c.span),
    lanes: c.lanes,
    steps: c.steps.map(({ span, ...st }) => ({ ...st, range: range(lines, span) })),
    after: c.after,
    footer: c.footer,
    traceFile: c.traceFile,
    commitDiagram: c.commitDiagram,
  };
}

export function checkReply(lines: LineMap, version: number, summary: VerdictSummary, result: CheckResult | undefined, counterexamples: readonly Counterexample[]): CheckResultJson {
  return {
    summary,
    version,
    ...(result ? { result, stats: { states: result.stats.states, seconds: result.stats.seconds } } : {}),
    counterexamples: counterexamples.map((c) => counterexample(lines, c)),
  };
}

// ---------- kernel reports ----------

/** "Generate scenario from this report": the client opens the skeleton (NEW_SCENARIO_FROM_REPORT_COMMAND). */
export function reportAction(r: ReportComment): LspCodeAction {
  return {
    title: 'Generate scenario from this report',
    kind: CodeActionKind.RefactorExtract,
    command: { title: 'Generate scenario from this report', command: NEW_SCENARIO_FROM_REPORT_COMMAND, arguments: [r.text] },
  };
}

export function importReply(r: ImportResult): ImportReportReply {
  return r.ok ? { ok: true, scenario: r.scenario, title: r.title, kind: r.kind, reports: r.reports, index: r.index } : { ok: false, error: r.error };
}
