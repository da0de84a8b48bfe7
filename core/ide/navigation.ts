// Go to definition, find references, highlights and rename, all from the binder's resolved
// occurrences. Rename refuses names that would not mean the same program: keywords,
// builtins, constants, a clash with another declaration, or a capture by a local.

import type { Span } from '../syntax/ast';
import { RESERVED } from '../syntax/parser';
import { builtin } from '../model/builtins';
import type { Sym } from '../semantics/symbols';
import { analyze, declarationSpan, type Analysis } from './analysis';
import { applyEdits, type TextEdit } from './edits';

export function definition(a: Analysis, offset: number): Span | undefined {
  const occ = a.occurrenceAt(offset);
  return occ ? declarationSpan(occ.sym) : undefined;
}

export function references(a: Analysis, offset: number, includeDeclaration: boolean): Span[] {
  const occ = a.occurrenceAt(offset);
  if (!occ) return [];
  return a.occurrencesOf(occ.sym).filter((o) => includeDeclaration || !o.def).map((o) => o.span);
}

export interface Highlight {
  readonly span: Span;
  readonly declaration: boolean;
}

export function highlights(a: Analysis, offset: number): Highlight[] {
  const occ = a.occurrenceAt(offset);
  if (!occ) return [];
  return a.occurrencesOf(occ.sym).map((o) => ({ span: o.span, declaration: o.def }));
}

export type RenameCheck = { readonly span: Span; readonly placeholder: string } | { readonly error: string };

/** Whether the name at `offset` can be renamed, and the span the editor should select. */
export function prepareRename(a: Analysis, offset: number): RenameCheck {
  const occ = a.occurrenceAt(offset);
  if (!occ) return { error: 'There is no declared name here to rename.' };
  if (occ.sym.kind === 'builtin') return { error: `${occ.sym.name} is a builtin primitive; it cannot be renamed.` };
  if (occ.sym.kind === 'const' && !occ.sym.decl) return { error: `${occ.sym.name} is a predefined constant; it cannot be renamed.` };
  if (occ.sym.kind === 'local' && occ.sym.implicit && a.occurrencesOf(occ.sym).every((o) => !o.def)) {
    return { error: 'This list cursor is declared implicitly; declare it to rename it.' };
  }
  return { span: occ.span, placeholder: a.text.slice(occ.span.start, occ.span.end) };
}

export type RenameResult = { readonly edits: readonly TextEdit[] } | { readonly error: string };

export function rename(a: Analysis, offset: number, newName: string): RenameResult {
  const check = prepareRename(a, offset);
  if ('error' in check) return check;
  const sym = a.occurrenceAt(offset)!.sym;
  if (newName === sym.name) return { edits: [] };
  const invalid = invalidName(newName);
  if (invalid) return { error: invalid };
  const clash = clashes(a, sym, newName);
  if (clash) return { error: clash };
  const edits = a.occurrencesOf(sym).map((o) => ({ span: o.span, newText: newName }));
  // The last word: the renamed program must bind exactly as before.
  const after = analyze(a.file, applyEdits(a.text, edits));
  const errors = (x: Analysis): number => x.diagnostics().filter((d) => d.severity === 'error').length;
  if (errors(after) > errors(a)) return { error: `Renaming to '${newName}' would change what the scenario means.` };
  return { edits };
}

function invalidName(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `'${name}' is not a valid name.`;
  if (RESERVED.has(name) || /^(list_for_each_entry(_rcu|_srcu|_safe)?|hlist_for_each_entry(_rcu|_srcu)?|kvm_for_each_vcpu)$/.test(name) || name === 'current' || name === 'init') return `'${name}' is a keyword.`;
  if (builtin(name)) return `'${name}' is a builtin primitive.`;
  if (/^KVM_REQ_/.test(name)) return `'${name}' would be a vCPU request name.`;
  return undefined;
}

function clashes(a: Analysis, sym: Sym, name: string): string | undefined {
  const b = a.binding;
  if (b.consts.has(name)) return `'${name}' is a predefined constant.`;
  const topLevel = [...b.globals, ...b.fns, ...b.actors];
  switch (sym.kind) {
    case 'struct':
      return b.structs.some((s) => s.name === name) ? `struct ${name} already exists.` : undefined;
    case 'field':
      return sym.owner.fields.some((f) => f.name === name) ? `struct ${sym.owner.name} already has a field '${name}'.` : undefined;
    case 'global':
    case 'fn':
    case 'actor': {
      if (topLevel.some((x) => x.name === name)) return `'${name}' is already declared.`;
      const uses = a.occurrencesOf(sym);
      const captor = b.localScopes.find((s) => s.local.name === name && uses.some((u) => s.visible.start <= u.span.start && u.span.end <= s.visible.end));
      return captor ? `A local '${name}' is visible where ${sym.name} is used; it would capture the name.` : undefined;
    }
    case 'local': {
      const mine = b.localScopes.find((s) => s.local.span.start === sym.span.start);
      if (!mine) return undefined;
      const overlaps = (x: Span): boolean => x.start <= mine.visible.end && mine.visible.start <= x.end;
      if (b.localScopes.some((s) => s.local.name === name && s.local.owner.decl === sym.owner.decl && overlaps(s.visible))) {
        return `A local '${name}' is already visible there.`;
      }
      const shadowed = topLevel.find((x) => x.name === name && a.occurrencesOf(x).some((o) => overlaps(o.span)));
      return shadowed ? `The local would hide ${shadowed.kind === 'fn' ? 'fn' : 'the shared'} '${name}' used in its scope.` : undefined;
    }
    default:
      return undefined;
  }
}
