// Folding ranges: every multi-line braced body (structs, fns, actors, blocks), runs of line
// comments, and multi-line block comments. Lines are 0-based.

import type { Analysis } from './analysis';
import { visit } from './walk';

export interface FoldingRange {
  readonly startLine: number;
  readonly endLine: number;
  readonly kind?: 'comment' | 'region';
}

export function foldingRanges(a: Analysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  const line = (offset: number): number => a.lines.position(offset).line;
  const fold = (start: number, end: number, kind?: FoldingRange['kind']): void => {
    // The closing line stays visible, as editors show `}` under a folded header.
    const s = line(start);
    const e = line(end) - (kind === 'comment' ? 0 : 1);
    if (e > s) out.push({ startLine: s, endLine: e, ...(kind ? { kind } : {}) });
  };
  visit(a.program, (n) => {
    if (n.kind === 'Block' || n.kind === 'Struct') fold(n.span.start, n.span.end);
  });
  let run: { start: number; end: number } | undefined;
  for (const c of a.parse.comments) {
    if (c.block) {
      fold(c.span.start, c.span.end, 'comment');
      continue;
    }
    const l = line(c.span.start);
    const alone = /^\s*$/.test(a.lines.lineText(l).slice(0, c.span.start - a.lines.lineStart(l)));
    if (alone && run && l === run.end + 1) run.end = l;
    else {
      if (run && run.end > run.start) out.push({ startLine: run.start, endLine: run.end, kind: 'comment' });
      run = alone ? { start: l, end: l } : undefined;
    }
  }
  if (run && run.end > run.start) out.push({ startLine: run.start, endLine: run.end, kind: 'comment' });
  return out.sort((x, y) => x.startLine - y.startLine || y.endLine - x.endLine);
}
