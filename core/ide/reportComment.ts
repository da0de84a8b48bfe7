// A kernel report pasted into a `/* … */` comment of a scenario: found so the editor can
// offer "Generate scenario from this report" on it. Plain offsets in, plain data out.

import { cleanLines, findReports } from '../import/lines';
import type { Span } from '../syntax/ast';

export interface ReportComment {
  /** The whole comment, delimiters included. */
  readonly span: Span;
  /** The comment's text without `/*`, `*\/` and the ` * ` margin of each line. */
  readonly text: string;
  /** The first report's title line. */
  readonly title: string;
}

/** The block comment around or touching `range` that holds a kernel report, if there is one. */
export function reportCommentAt(source: string, range: Span): ReportComment | undefined {
  for (const m of source.matchAll(/\/\*[\s\S]*?(?:\*\/|$)/g)) {
    const span = { start: m.index!, end: m.index! + m[0].length };
    if (span.end < range.start || span.start > range.end) continue;
    const body = m[0].replace(/^\/\*/, '').replace(/\*\/$/, '');
    const text = body.split(/\r\n|\r|\n/).map((l) => l.replace(/^\s*\* ?/, '')).join('\n');
    const lines = cleanLines(text);
    const first = findReports(lines)[0];
    if (first) return { span, text, title: lines[first.line]!.trim() };
  }
  return undefined;
}
