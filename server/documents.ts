// The open documents and their analyses: text kept in step with the client's incremental
// changes, analysed lazily (once per version, on the first request that needs it).

import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { analyze, type Analysis } from '../core/ide';

interface Entry {
  doc: TextDocument;
  analysis?: Analysis;
}

export class Documents {
  private readonly entries = new Map<string, Entry>();

  open(uri: string, languageId: string, version: number, text: string): void {
    this.entries.set(uri, { doc: TextDocument.create(uri, languageId, version, text) });
  }

  /** Applies changes; false when the document is not open (the client is out of step). */
  change(uri: string, version: number, changes: readonly TextDocumentContentChangeEvent[]): boolean {
    const e = this.entries.get(uri);
    if (!e) return false;
    e.doc = TextDocument.update(e.doc, [...changes], version);
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
    e.analysis ??= analyze(uri, e.doc.getText());
    return e.analysis;
  }

  uris(): string[] {
    return [...this.entries.keys()];
  }
}
