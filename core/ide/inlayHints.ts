// Held-lock inlay hints: at the end of each statement's first line, the locks the actor holds
// when it runs that statement (`holds kvm->lock, vcpu->mutex`). In a fn several actors call
// with different locks held, each set is labelled with its actors. A `?` marks a lock held
// on some paths only.

import type * as A from '../syntax/ast';
import type { Span } from '../syntax/ast';
import type { Analysis } from './analysis';
import type { HeldLock } from './heldLocks';

export interface InlayHint {
  readonly offset: number;
  readonly label: string;
  /** Markdown: per actor, each lock with where it was taken. */
  readonly tooltip: string;
}

export function heldLockHints(a: Analysis, range?: Span): InlayHint[] {
  const held = a.heldLocks();
  const hints: InlayHint[] = [];
  for (const [stmt, byContext] of held.atStatement) {
    if (range && (stmt.span.start > range.end || stmt.span.end < range.start)) continue;
    const contexts = held.contexts.filter((c) => byContext.has(c));
    const sets = contexts.map((c) => ({ context: c, locks: byContext.get(c)! }));
    if (sets.every((s) => s.locks.length === 0)) continue;
    hints.push({ offset: hintOffset(a, stmt), label: `holds ${label(sets)}`, tooltip: tooltip(a, sets) });
  }
  return hints.sort((x, y) => x.offset - y.offset);
}

function lockList(locks: readonly HeldLock[]): string {
  return locks.map((l) => `${l.display}${l.sure ? '' : '?'}`).join(', ');
}

/** One set: `a, b`. Several: `a (ioctl) · b, a (mmap)`, actors with the same set together. */
function label(sets: readonly { context: string; locks: readonly HeldLock[] }[]): string {
  const groups = new Map<string, string[]>();
  for (const s of sets) {
    const text = lockList(s.locks);
    groups.set(text, [...(groups.get(text) ?? []), s.context]);
  }
  if (groups.size === 1) return [...groups.keys()][0]!;
  return [...groups]
    .filter(([text]) => text !== '')
    .map(([text, actors]) => (actors.every((x) => x === '') ? text : `${text} (${actors.filter((x) => x).join(', ')})`))
    .join(' · ');
}

function tooltip(a: Analysis, sets: readonly { context: string; locks: readonly HeldLock[] }[]): string {
  const lines: string[] = [];
  for (const s of sets) {
    const who = s.context ? `**${s.context}**` : '**this fn**';
    if (s.locks.length === 0) {
      lines.push(`${who}: no locks`);
      continue;
    }
    const parts = s.locks.map((l) => {
      const line = a.lines.position(l.site.start).line + 1;
      return `\`${l.display}\` (${l.primitive}, line ${line}${l.sure ? '' : ', on some paths'})`;
    });
    lines.push(`${who}: ${parts.join(', ')}`);
  }
  return lines.join('\n\n');
}

/** After the statement (and its `;`) if it fits on its line, else after the last token of its first line. */
function hintOffset(a: Analysis, stmt: A.Stmt): number {
  const line = a.lines.position(stmt.span.start).line;
  if (a.lines.position(stmt.span.end).line === line) {
    // Simple statements' spans stop before their `;`.
    const next = a.token(a.tokenIndexBefore(stmt.span.end) + 1);
    const semi = next && next.text === ';' && next.kind === 'Punct' && a.lines.position(next.span.start).line === line;
    return semi ? next.span.end : stmt.span.end;
  }
  const nextLine = a.lines.lineStart(line + 1);
  const i = a.tokenIndexBefore(nextLine);
  const t = a.token(i);
  return t && t.span.start >= stmt.span.start ? t.span.end : stmt.span.end;
}
