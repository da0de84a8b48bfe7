// Lock lints from the held-lock analysis, each with its quick fix: a fn that returns holding
// a lock its other paths release (the classic forgotten unlock on an error path), and an
// actor that can finish holding a lock. The fix inserts the releases, innermost first.

import type * as A from '../syntax/ast';
import type { Diagnostic, RelatedInfo } from '../syntax/diagnostics';
import { builtin } from '../model/builtins';
import type { Analysis } from './analysis';
import type { BodyExit, HeldLock } from './heldLocks';
import type { TextEdit } from './edits';

export interface LockLint {
  readonly diagnostic: Diagnostic;
  readonly fix: { readonly title: string; readonly edits: readonly TextEdit[] };
}

export function lockLints(a: Analysis): LockLint[] {
  const held = a.heldLocks();
  // One lint per exit; locks found through several contexts are merged.
  const byExit = new Map<A.ReturnStmt | A.BlockStmt, { exit: BodyExit; owner: string; actor?: string; body: A.BlockStmt; locks: HeldLock[] }>();
  const records = [...held.exits.filter((r) => r.owner.kind === 'actor'), ...held.fnExits];
  for (const rec of records) {
    const isActor = rec.owner.kind === 'actor';
    for (const exit of rec.exits) {
      const own = exit.state.filter((l) => l.sure && !rec.entryKeys.has(l.key));
      const flagged = isActor
        ? own
        : own.filter((l) => rec.exits.some((other) => other !== exit && !other.state.some((m) => m.key === l.key)));
      if (flagged.length === 0) continue;
      const body = rec.owner.decl.body;
      const at = exit.stmt ?? body;
      const entry = byExit.get(at) ?? {
        exit, owner: rec.owner.name, body, locks: [],
        ...(rec.owner.kind === 'actor' ? { actor: `${rec.owner.actorKind} ${rec.owner.name}` } : {}),
      };
      for (const l of flagged) if (!entry.locks.some((m) => m.key === l.key)) entry.locks.push(l);
      byExit.set(at, entry);
    }
  }
  const lints: LockLint[] = [];
  for (const { exit, owner, actor, body, locks } of byExit.values()) {
    const names = locks.map((l) => l.display).join(', ');
    const span = exit.stmt ? exit.stmt.span : { start: body.span.end - 1, end: body.span.end };
    const message = actor
      ? `${actor} can finish holding ${names}`
      : `${owner} returns here holding ${names}, which its other paths release`;
    const related: RelatedInfo[] = locks.map((l) => ({ span: l.site, message: `${l.display} is taken here` }));
    const releases = [...locks].reverse().map(releaseStatement);
    const edits = exit.stmt ? insertBeforeReturn(a, exit.stmt, exit.parent, releases) : insertBeforeEnd(a, body, releases);
    lints.push({
      diagnostic: { severity: 'warning', message, span, code: actor ? 'exit-holding-lock' : 'return-holding-lock', related },
      fix: { title: `Add ${releases.join(' ')} ${exit.stmt ? 'before the return' : `at the end of ${owner}`}`, edits },
    });
  }
  return lints.sort((x, y) => x.diagnostic.span.start - y.diagnostic.span.start);
}

/** `mutex_unlock(&kvm->lock);`: the release primitive with the acquisition's arguments. */
export function releaseStatement(l: HeldLock): string {
  const rel = builtin(l.release);
  const params = rel?.params ?? [];
  const args = params.filter((p) => !p.optional).map((_, i) => (i === 0 ? l.lockArg || l.args[0] || '' : l.args[i] ?? '0'));
  return `${l.release}(${args.join(', ')});`;
}

function insertBeforeReturn(a: Analysis, ret: A.ReturnStmt, parent: A.Stmt | undefined, releases: string[]): TextEdit[] {
  const retText = a.text.slice(ret.span.start, ret.span.end);
  if (parent && parent.kind !== 'Block') {
    // An unbraced `if (…) return …;`: brace it so the release stays on that path.
    const headerEnd = a.token(a.tokenIndexBefore(ret.span.start))?.span.end ?? ret.span.start;
    const outer = leadingWhitespace(a, parent.span.start);
    const inner = `${outer}    `;
    const body = [...releases, retText].map((l) => `${inner}${l}\n`).join('');
    return [{ span: { start: headerEnd, end: ret.span.end }, newText: ` {\n${body}${outer}}` }];
  }
  const indent = lineIndent(a, ret.span.start);
  if (indent === undefined) return [{ span: { start: ret.span.start, end: ret.span.start }, newText: `${releases.join(' ')} ` }];
  const lineStart = ret.span.start - indent.length;
  return [{ span: { start: lineStart, end: lineStart }, newText: releases.map((r) => `${indent}${r}\n`).join('') }];
}

function insertBeforeEnd(a: Analysis, body: A.BlockStmt, releases: string[]): TextEdit[] {
  const close = body.span.end - 1;
  const closeIndent = lineIndent(a, close);
  if (closeIndent === undefined) return [{ span: { start: close, end: close }, newText: `${releases.join(' ')} ` }];
  const last = body.body[body.body.length - 1];
  const indent = (last && lineIndent(a, last.span.start)) ?? `${closeIndent}    `;
  const lineStart = close - closeIndent.length;
  return [{ span: { start: lineStart, end: lineStart }, newText: releases.map((r) => `${indent}${r}\n`).join('') }];
}

/** The indentation of the line `offset` is on. */
function leadingWhitespace(a: Analysis, offset: number): string {
  return /^[ \t]*/.exec(a.lines.lineText(a.lines.position(offset).line))![0];
}

/** The whitespace before `offset` on its line, or undefined if code precedes it there. */
export function lineIndent(a: Analysis, offset: number): string | undefined {
  const line = a.lines.position(offset).line;
  const before = a.text.slice(a.lines.lineStart(line), offset);
  return /^[ \t]*$/.test(before) ? before : undefined;
}
