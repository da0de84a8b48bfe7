// Semantic tokens: what each name is (a lock, a field, a local, a fn, a builtin, an actor, a
// constant), so an editor colours `kvm->lock` as a lock and `mutex_lock` as a primitive. The
// legend is plain strings; the server only numbers them.

import type { Span } from '../syntax/ast';
import type { Sym } from '../semantics/symbols';
import type { Analysis } from './analysis';
import { visit } from './walk';

export const TOKEN_TYPES = ['struct', 'property', 'variable', 'parameter', 'function', 'enumMember', 'class', 'macro', 'label'] as const;
export const TOKEN_MODIFIERS = ['declaration', 'readonly', 'static', 'defaultLibrary', 'lock'] as const;

export type TokenType = (typeof TOKEN_TYPES)[number];
export type TokenModifier = (typeof TOKEN_MODIFIERS)[number];

export interface SemanticToken {
  readonly span: Span;
  readonly type: TokenType;
  readonly modifiers: readonly TokenModifier[];
}

export function semanticTokens(a: Analysis): SemanticToken[] {
  const out: SemanticToken[] = [];
  for (const o of a.occurrences) {
    const c = classify(o.sym);
    out.push({ span: o.span, type: c.type, modifiers: o.def ? ['declaration', ...c.modifiers] : c.modifiers });
  }
  for (const d of a.program.decls) {
    if (d.kind === 'Actor' && d.cpu) out.push({ span: d.cpu.span, type: 'enumMember', modifiers: ['readonly'] });
    // `DEFINE_MUTEX(x)`: the kernel's static definition macro.
    if (d.kind === 'Global' && d.macro) out.push({ span: d.macro.span, type: 'macro', modifiers: ['defaultLibrary'] });
  }
  // Labels of the kernel's error unwinding: `out_unlock:` and `goto out_unlock;`.
  visit(a.program, (n) => {
    if (n.kind === 'Label') out.push({ span: n.label.span, type: 'label', modifiers: ['declaration'] });
    else if (n.kind === 'Goto' && n.label.name) out.push({ span: n.label.span, type: 'label', modifiers: [] });
  });
  // Names the binder does not record as occurrences: `current` and vCPU requests.
  for (const t of a.parse.tokens) {
    if (t.kind !== 'Identifier') continue;
    if (t.text === 'current') out.push({ span: t.span, type: 'variable', modifiers: ['readonly', 'defaultLibrary'] });
    else if (/^KVM_REQ_[A-Z0-9_]+$/.test(t.text)) out.push({ span: t.span, type: 'enumMember', modifiers: ['readonly', 'defaultLibrary'] });
  }
  const seen = new Set<number>();
  return out
    .sort((x, y) => x.span.start - y.span.start)
    .filter((t) => (seen.has(t.span.start) ? false : (seen.add(t.span.start), true)));
}

function classify(sym: Sym): { type: TokenType; modifiers: TokenModifier[] } {
  switch (sym.kind) {
    case 'struct':
      return { type: 'struct', modifiers: [] };
    case 'field':
      return { type: 'property', modifiers: sym.type.k === 'lock' ? ['lock'] : [] };
    case 'global':
      return { type: 'variable', modifiers: sym.type.k === 'lock' ? ['static', 'lock'] : ['static'] };
    case 'local':
      return { type: sym.param ? 'parameter' : 'variable', modifiers: [] };
    case 'fn':
      return { type: 'function', modifiers: [] };
    case 'builtin':
      return { type: 'function', modifiers: ['defaultLibrary'] };
    case 'actor':
      return { type: 'class', modifiers: [] };
    case 'const':
      return { type: 'enumMember', modifiers: ['readonly', 'defaultLibrary'] };
  }
}
