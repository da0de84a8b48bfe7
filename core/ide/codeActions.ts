// Quick fixes where one is obvious: declare an unknown lock (a shared declaration, or a
// field of the struct it is reached through), use the primitive that matches the lock's
// kind (the binder's `wrong-lock-kind` diagnostic names it), take the binder's "did you
// mean" suggestion, and release the locks a path returns holding (from the lock lints).

import type * as A from '../syntax/ast';
import type { Span } from '../syntax/ast';
import type { Diagnostic } from '../syntax/diagnostics';
import { builtin, type ParamKind } from '../model/builtins';
import type { Analysis } from './analysis';
import type { TextEdit } from './edits';
import { lineIndent } from './lints';
import { nodePathAt } from './walk';

export interface CodeAction {
  readonly title: string;
  /** The diagnostic the action fixes. */
  readonly diagnostic: Diagnostic;
  readonly edits: readonly TextEdit[];
  readonly preferred: boolean;
}

export function codeActions(a: Analysis, range: Span): CodeAction[] {
  const out: CodeAction[] = [];
  const touches = (s: Span): boolean => s.start <= range.end && range.start <= s.end;
  for (const d of a.binding.diagnostics) {
    if (!touches(d.span)) continue;
    switch (d.code) {
      case 'unknown-name':
        out.push(...declareUnknownPlace(a, d));
        out.push(...suggestion(a, d));
        break;
      case 'unknown-function':
        out.push(...suggestion(a, d));
        break;
      case 'unknown-field':
        out.push(...declareUnknownField(a, d));
        break;
      case 'wrong-lock-kind':
        out.push(...matchingPrimitive(a, d));
        break;
      default:
        break;
    }
  }
  if (!a.diagnostics().some((d) => d.severity === 'error')) {
    for (const lint of a.lockLints()) {
      if (touches(lint.diagnostic.span)) out.push({ title: lint.fix.title, diagnostic: lint.diagnostic, edits: lint.fix.edits, preferred: true });
    }
  }
  return out;
}

/** The declaration keyword for a place a builtin parameter of this kind takes. */
const DECLARED_TYPE: Partial<Record<ParamKind, string>> = {
  lock: 'mutex', mutex: 'mutex', spinlock: 'spinlock', rwsem: 'rwsem', rwlock: 'rwlock_t', srcu: 'srcu',
  list_head: 'list_head', atomic: 'atomic_t', kref: 'kref', waitq: 'wait_queue_head',
};

/** The builtin call whose argument is the expression at `span`, with that argument's parameter kind. */
function argumentOf(a: Analysis, span: Span): { call: A.CallExpr; kind: ParamKind } | undefined {
  const path = nodePathAt(a.program, span.start);
  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i]!;
    if (n.kind !== 'Call') continue;
    const b = builtin(n.callee.name);
    const index = n.args.findIndex((x) => x.span.start <= span.start && span.end <= x.span.end);
    const p = b?.params[index];
    return p ? { call: n, kind: p.kind } : undefined;
  }
  return undefined;
}

function declareUnknownPlace(a: Analysis, d: Diagnostic): CodeAction[] {
  const arg = argumentOf(a, d.span);
  const type = arg && DECLARED_TYPE[arg.kind];
  if (!arg || !type) return [];
  const name = a.text.slice(d.span.start, d.span.end);
  const inner = arg.call.args.find((x) => x.span.start <= d.span.start && d.span.end <= x.span.end);
  const bare = inner && (inner.kind === 'Name' || (inner.kind === 'AddressOf' && inner.operand.kind === 'Name'));
  if (!bare) return [];
  const at = declarationInsertPoint(a);
  return [{
    title: `Declare ${type} ${name}`,
    diagnostic: d,
    edits: [{ span: { start: at.offset, end: at.offset }, newText: `${at.before}${type} ${name};\n${at.after}` }],
    preferred: true,
  }];
}

/** After the last shared declaration; else after the title, configs and structs; else at the top. */
function declarationInsertPoint(a: Analysis): { offset: number; before: string; after: string } {
  const decls = a.program.decls;
  const firstBody = decls.findIndex((d) => d.kind === 'Fn' || d.kind === 'Actor' || d.kind === 'Expect');
  const head = firstBody < 0 ? decls : decls.slice(0, firstBody);
  const globals = head.filter((d) => d.kind === 'Global');
  const anchor = globals[globals.length - 1] ?? head[head.length - 1];
  if (!anchor) return { offset: 0, before: '', after: decls.length > 0 ? '\n' : '' };
  const line = a.lines.position(anchor.span.end).line;
  const next = a.lines.lineStart(line + 1);
  const atEnd = line + 1 >= a.lines.lineCount;
  const offset = atEnd ? a.text.length : next;
  // A new group after a struct or the title gets a blank line; shared declarations stay together.
  const before = (atEnd ? '\n' : '') + (anchor.kind === 'Global' ? '' : '\n');
  return { offset, before, after: '' };
}

function declareUnknownField(a: Analysis, d: Diagnostic): CodeAction[] {
  const arg = argumentOf(a, d.span);
  const type = arg && DECLARED_TYPE[arg.kind];
  const structName = /struct (\w+) has no field/.exec(d.message)?.[1];
  const st = structName ? a.binding.structs.find((s) => s.name === structName) : undefined;
  if (!type || !st) return [];
  const name = a.text.slice(d.span.start, d.span.end);
  const close = st.decl.span.start + a.text.slice(st.decl.span.start, st.decl.span.end).lastIndexOf('}');
  const closeIndent = lineIndent(a, close);
  const lastField = st.decl.fields[st.decl.fields.length - 1];
  const indent = (lastField && lineIndent(a, lastField.span.start)) ?? `${closeIndent ?? ''}    `;
  const edit: TextEdit = closeIndent === undefined
    ? { span: { start: close, end: close }, newText: ` ${type} ${name}; ` }
    : { span: { start: close - closeIndent.length, end: close - closeIndent.length }, newText: `${indent}${type} ${name};\n` };
  return [{ title: `Add field ${type} ${name} to struct ${st.name}`, diagnostic: d, edits: [edit], preferred: true }];
}

function matchingPrimitive(a: Analysis, d: Diagnostic): CodeAction[] {
  const use = /\(use (\w+)\)/.exec(d.message)?.[1];
  const arg = argumentOf(a, d.span);
  if (!use || !arg) return [];
  return [{
    title: `Use ${use}`,
    diagnostic: d,
    edits: [{ span: arg.call.callee.span, newText: use }],
    preferred: true,
  }];
}

function suggestion(_a: Analysis, d: Diagnostic): CodeAction[] {
  const name = /\(did you mean '(\w+)'\?\)/.exec(d.message)?.[1];
  if (!name) return [];
  return [{ title: `Change to '${name}'`, diagnostic: d, edits: [{ span: d.span, newText: name }], preferred: false }];
}
