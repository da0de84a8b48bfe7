// What a position can see and reach: the locals visible there, the types of `a->b.c` chains
// read from tokens (robust while the user is typing and the parse is broken), and the
// field paths from a root to every lock or list of a wanted kind (`kvm->arch.mmu_lock`).

import type { Token } from '../syntax/lexer';
import type { LocalSymbol, StructSymbol, Ty } from '../semantics/symbols';
import type { ParamKind } from '../model/builtins';
import type { Analysis } from './analysis';

/** The locals visible at `offset`, innermost declaration of each name. */
export function visibleLocals(a: Analysis, offset: number): LocalSymbol[] {
  const owner = a.ownerAt(offset);
  if (!owner) return [];
  offset = a.toBase(offset);
  const byName = new Map<string, { local: LocalSymbol; start: number }>();
  for (const s of a.binding.localScopes) {
    if (s.local.owner.decl !== owner.decl) continue;
    if (!(s.visible.start <= offset && offset <= s.visible.end)) continue;
    // A declaration is visible after its own name, not inside its initialiser's start.
    if (!s.local.param && s.local.span.end > offset) continue;
    const prev = byName.get(s.local.name);
    if (!prev || prev.start <= s.visible.start) byName.set(s.local.name, { local: s.local, start: s.visible.start });
  }
  return [...byName.values()].map((x) => x.local);
}

/** The struct a value of this type gives fields of (`s`, `s *`), if any. */
export function structOf(t: Ty): StructSymbol | undefined {
  if (t.k === 'struct') return t.s;
  if (t.k === 'ptr' && t.to.k === 'struct') return t.to.s;
  return undefined;
}

/**
 * The type of the chain of tokens ending at index `end` (`kvm->arch`, `vcpu[0]`, `stt`),
 * resolved from the names visible at `offset`.
 */
export function chainType(a: Analysis, tokens: readonly Token[], end: number, offset: number): Ty | undefined {
  const parts: ({ field: string } | { index: true })[] = [];
  let i = end;
  let root: string | undefined;
  for (let guard = 0; guard < 64 && i >= 0; guard++) {
    const t = tokens[i]!;
    if (t.kind === 'Punct' && t.text === ']') {
      let depth = 0;
      while (i >= 0) {
        const u = tokens[i]!;
        if (u.text === ']') depth++;
        if (u.text === '[') depth--;
        if (depth === 0) break;
        i--;
      }
      parts.unshift({ index: true });
      i--;
      continue;
    }
    if (t.kind !== 'Identifier') return undefined;
    const before = tokens[i - 1];
    if (before && before.kind === 'Punct' && (before.text === '->' || before.text === '.')) {
      parts.unshift({ field: t.text });
      i -= 2;
      continue;
    }
    root = t.text;
    break;
  }
  if (!root) return undefined;
  let type = rootType(a, root, offset);
  for (const p of parts) {
    if (!type) return undefined;
    if ('index' in p) {
      type = type.k === 'array' ? type.of : undefined;
      continue;
    }
    const st = structOf(type);
    type = st?.fields.find((f) => f.name === p.field)?.type;
  }
  return type;
}

function rootType(a: Analysis, name: string, offset: number): Ty | undefined {
  const local = visibleLocals(a, offset).find((l) => l.name === name);
  if (local) return local.type;
  return a.binding.globals.find((g) => g.name === name)?.type;
}

/** Whether a value of type `t` is what a builtin parameter of this kind takes. */
export function matchesParamKind(t: Ty, kind: ParamKind): boolean {
  switch (kind) {
    case 'lock':
      return t.k === 'lock';
    case 'mutex':
    case 'spinlock':
    case 'rwsem':
    case 'rwlock':
    case 'srcu':
      return t.k === 'lock' && t.lock === kind;
    case 'list_head':
      return t.k === 'list_head';
    case 'atomic':
      return t.k === 'atomic';
    case 'kref':
      return t.k === 'kref';
    case 'waitq':
      return t.k === 'waitq';
    case 'timer':
      return t.k === 'timer';
    case 'completion':
      return t.k === 'completion';
    case 'work':
      return t.k === 'work';
    case 'xarray':
    case 'idr':
      return t.k === 'xarray' && t.idr === (kind === 'idr');
    case 'hlist_head':
    case 'hlist_node':
      return t.k === 'hlist' && t.node === (kind === 'hlist_node');
    case 'lockkey':
      return t.k === 'lockkey';
    default:
      return false;
  }
}

/** Parameter kinds whose argument is a place inside shared memory (`&x->f`). */
export function isPlaceKind(kind: ParamKind): boolean {
  return isLockKind(kind) || ['list_head', 'atomic', 'kref', 'waitq', 'timer', 'completion', 'xarray', 'idr', 'hlist_head', 'hlist_node', 'lockkey'].includes(kind);
}

/** Parameter kinds that take a lock. */
export function isLockKind(kind: ParamKind): boolean {
  return kind === 'lock' || kind === 'mutex' || kind === 'spinlock' || kind === 'rwsem' || kind === 'rwlock' || kind === 'srcu';
}

export interface FieldPath {
  readonly path: string;
  readonly type: Ty;
}

const MAX_PATH_FIELDS = 4;

/** Every path from a root of type `t` to a value `want` accepts, e.g. `kvm->arch.mmu_lock`. */
export function pathsFrom(root: string, t: Ty, want: (t: Ty) => boolean, fromPointer: boolean): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (path: string, type: Ty, viaPointer: boolean, depth: number, seen: ReadonlySet<StructSymbol>): void => {
    if (want(type)) {
      out.push({ path, type });
      return;
    }
    if (depth >= MAX_PATH_FIELDS) return;
    if (type.k === 'array') {
      walk(`${path}[0]`, type.of, false, depth, seen);
      return;
    }
    const st = structOf(type);
    if (!st || seen.has(st)) return;
    // Through a pointer, or from a root (kernel code names even a global instance `kvm->lock`).
    const sep = type.k === 'ptr' || viaPointer ? '->' : '.';
    const next = new Set(seen).add(st);
    for (const f of st.fields) walk(`${path}${sep}${f.name}`, f.type, false, depth + 1, next);
  };
  walk(root, t, fromPointer, 0, new Set());
  return out;
}

/** Whether some field path from `t` reaches a value `want` accepts. */
export function reaches(t: Ty, want: (t: Ty) => boolean): boolean {
  return pathsFrom('', t, want, true).length > 0;
}
