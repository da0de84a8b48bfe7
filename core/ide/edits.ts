// Text edits as the IDE features return them: a span of the original text and its
// replacement. The server turns them into protocol edits; tests apply them directly.

import type { Span } from '../syntax/ast';

export interface TextEdit {
  readonly span: Span;
  readonly newText: string;
}

/** Applies non-overlapping edits to a text (in any order). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.span.start - a.span.start || b.span.end - a.span.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.end);
  return out;
}
