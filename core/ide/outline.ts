// The outline of a scenario (document symbols: the scenario, structs with their fields, shared
// declarations, fns, actors, the expectation) and workspace symbols across many scenarios.

import type { Span } from '../syntax/ast';
import { typeName } from '../semantics/symbols';
import type { Analysis } from './analysis';
import { actorHeader, fnSignature } from './docs';

export type OutlineKind = 'scenario' | 'struct' | 'field' | 'lock' | 'variable' | 'fn' | 'actor' | 'expect' | 'config' | 'enum' | 'enumMember' | 'constant';

export interface OutlineSymbol {
  readonly name: string;
  readonly detail: string;
  readonly kind: OutlineKind;
  /** The whole declaration. */
  readonly span: Span;
  /** The name (what the editor selects). */
  readonly selection: Span;
  readonly children: readonly OutlineSymbol[];
}

export function outline(a: Analysis): OutlineSymbol[] {
  const b = a.binding;
  const out: OutlineSymbol[] = [];
  const sym = (name: string, detail: string, kind: OutlineKind, span: Span, selection: Span, children: OutlineSymbol[] = []): OutlineSymbol =>
    ({ name, detail, kind, span, selection, children });
  for (const d of a.program.decls) {
    switch (d.kind) {
      case 'Scenario':
        out.push(sym(d.title.value || 'scenario', 'scenario', 'scenario', d.span, d.title.span));
        break;
      case 'Config':
        if (d.name.name) out.push(sym(d.name.name, 'config', 'config', d.span, d.name.span));
        break;
      case 'Struct': {
        const s = b.structs.find((x) => x.decl === d);
        if (!s) break;
        const fields = s.fields.map((f) => sym(f.name, typeName(f.type), f.type.k === 'lock' ? 'lock' : 'field', f.decl.span, f.decl.name.span));
        out.push(sym(`struct ${s.name}`, '', 'struct', d.span, d.name.span, fields));
        break;
      }
      case 'Enum': {
        const members = d.members.filter((m) => m.name.name).map((m) => {
          const c = a.binding.occurrences.find((o) => o.def && o.span.start === m.name.span.start)?.sym;
          return sym(m.name.name, c?.kind === 'const' ? `= ${c.value}` : '', 'enumMember', m.span, m.name.span);
        });
        out.push(sym(d.name ? `enum ${d.name.name}` : 'enum', '', 'enum', d.span, d.name?.span ?? d.span, members));
        break;
      }
      case 'Define': {
        const c = a.binding.occurrences.find((o) => o.def && o.span.start === d.name.span.start)?.sym;
        if (c?.kind === 'const') out.push(sym(d.name.name, `= ${c.value}`, 'constant', d.span, d.name.span));
        break;
      }
      case 'Global': {
        const g = b.globals.find((x) => x.decl === d);
        if (g) out.push(sym(g.name, typeName(g.type), g.type.k === 'lock' ? 'lock' : 'variable', d.span, d.name.span));
        break;
      }
      case 'Fn': {
        const f = b.fns.find((x) => x.decl === d);
        if (f && f.name) {
          const sig = fnSignature(f);
          out.push(sym(f.name, `${sig.slice(sig.indexOf('('))}${f.returns ? `: ${typeName(f.returns)}` : ''}`, 'fn', d.span, d.name.span));
        }
        break;
      }
      case 'Actor': {
        const x = b.actors.find((y) => y.decl === d);
        if (x) out.push(sym(x.name, actorHeader(x).replace(`${x.name} `, '').replace(` "${x.description}"`, ''), 'actor', d.span, d.name.span));
        break;
      }
      case 'Expect': {
        const what = d.none ? 'no violation' : d.kinds.map((k) => k.name).join(', ');
        out.push(sym(`expect ${what}`, '', 'expect', d.span, d.span));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

export interface WorkspaceSymbol {
  readonly file: string;
  readonly name: string;
  readonly kind: OutlineKind;
  readonly span: Span;
  readonly container?: string;
}

/** Symbols of many scenarios whose name matches `query` (its letters in order, any case). */
export function workspaceSymbols(analyses: readonly Analysis[], query: string, limit = 500): WorkspaceSymbol[] {
  const out: WorkspaceSymbol[] = [];
  for (const a of analyses) {
    const visit = (s: OutlineSymbol, container?: string): void => {
      if (s.kind !== 'expect' && fuzzy(query, s.name)) {
        out.push({ file: a.file, name: s.name, kind: s.kind, span: s.selection, ...(container ? { container } : {}) });
      }
      for (const c of s.children) visit(c, s.name);
    };
    for (const s of outline(a)) visit(s);
    if (out.length >= limit) break;
  }
  return out.slice(0, limit);
}

function fuzzy(query: string, name: string): boolean {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let i = 0;
  for (const c of n) if (i < q.length && c === q[i]) i++;
  return i === q.length;
}
