// The open documents and their analyses: text kept in step with the client's incremental
// changes, analysed lazily (once per version, on the first request that needs it). While
// typing in a large document, completion reads the last full analysis through the new text
// (an overlay) rather than wait for a new one; the debounced diagnostics bring it up to date.

import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { analyze, type Analysis } from '../core/ide';

interface Entry {
  doc: TextDocument;
  analysis?: Analysis;
  /** The last full analysis of an earlier version. */
  previous?: Analysis;
  overlay?: { version: number; analysis: Analysis };
}

/** Below this size a full analysis is as quick as an overlay (about 1,500 lines). */
const OVERLAY_MIN_CHARS = 50_000;
/** An overlay serves only while the text differs from the analysed one in fewer characters than this. */
const MAX_OVERLAY_CHANGE = 2_000;

export class Documents {
  private readonly entries = new Map<string, Entry>();

  open(uri: string, languageId: string, version: number, text: string): void {
    this.entries.set(uri, { doc: TextDocument.create(uri, languageId, version, text) });
  }

  /**
   * Applies changes; false when the document is not open (the client is out of step). A
   * change without text is skipped; a malformed range is clamped into the document, as
   * clients expect (a position past a line's end means its end, past the last line the end).
   */
  change(uri: string, version: number, changes: unknown): boolean {
    const e = this.entries.get(uri);
    if (!e) return false;
    const list: unknown[] = Array.isArray(changes) ? changes : [];
    e.doc = TextDocument.update(e.doc, list.flatMap(saneChange), version);
    if (e.analysis) {
      e.previous = e.analysis;
      delete e.overlay;
    }
    delete e.analysis;
    return true;
  }

  close(uri: string): void {
    this.entries.delete(uri);
  }

  has(uri: string): boolean {
    return this.entries.has(uri);
  }

  document(uri: string): TextDocument | undefined {
    return this.entries.get(uri)?.doc;
  }

  version(uri: string): number | undefined {
    return this.entries.get(uri)?.doc.version;
  }

  /** The analysis of the document's current text (computed on first use per version). */
  analysis(uri: string): Analysis | undefined {
    const e = this.entries.get(uri);
    if (!e) return undefined;
    // An overlay has the new text's tokens, or the tokens to relex it from (it took them over
    // from the previous analysis): the analysis starts from an overlay of this version then.
    e.analysis ??= analyze(uri, e.doc.getText(), e.overlay ? this.overlay(e) : e.previous);
    return e.analysis;
  }

  /** The overlay of the current version: made from the latest overlay, or from the previous analysis. */
  private overlay(e: Entry): Analysis | undefined {
    const from = e.overlay?.analysis ?? e.previous;
    if (!from) return undefined;
    if (e.overlay?.version !== e.doc.version) e.overlay = { version: e.doc.version, analysis: from.overlay(e.doc.getText()) };
    return e.overlay.analysis;
  }

  /** For requests made while typing (completion, signature help): an overlay when a full analysis would be slow. */
  typingAnalysis(uri: string): Analysis | undefined {
    const e = this.entries.get(uri);
    if (!e) return undefined;
    if (e.analysis || !e.previous || e.doc.getText().length < OVERLAY_MIN_CHARS) return this.analysis(uri);
    const overlay = this.overlay(e)!;
    // Typing goes on in one place; a long stretch of changes deserves the full analysis.
    return overlay.changedChars <= MAX_OVERLAY_CHANGE ? overlay : this.analysis(uri);
  }

  uris(): string[] {
    return [...this.entries.keys()];
  }
}

function saneChange(c: unknown): TextDocumentContentChangeEvent[] {
  if (typeof c !== 'object' || c === null) return [];
  const { text, range } = c as { text?: unknown; range?: unknown };
  if (typeof text !== 'string') return [];
  if (range === undefined || range === null) return [{ text }];
  const { start, end } = range as { start?: unknown; end?: unknown };
  const a = sanePosition(start);
  const b = sanePosition(end ?? start);
  const [from, to] = a.line < b.line || (a.line === b.line && a.character <= b.character) ? [a, b] : [b, a];
  return [{ range: { start: from, end: to }, text }];
}

/** A position with non-negative integer coordinates (TextDocument clamps those past the end). */
function sanePosition(p: unknown): { line: number; character: number } {
  const { line, character } = (typeof p === 'object' && p !== null ? p : {}) as { line?: unknown; character?: unknown };
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.min(Math.max(0, Math.floor(v)), 2 ** 31 - 1) : 0);
  return { line: n(line), character: n(character) };
}
