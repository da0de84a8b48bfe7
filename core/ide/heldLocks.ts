// The held-lock analysis: a static pass over each actor's code paths that knows, before
// every statement, which locks the actor holds (surely, or only on some paths). It follows
// calls into `fn`s with a call-string approach: each call is analysed with the caller's held
// set and the caller's arguments substituted for the parameters (so `k->lock` inside a fn
// called as `f(&kvm)` is `kvm->lock`), memoised per (fn, context, entry state, arguments).
// Literal arguments are propagated into `if (param)` so that a flag like seed 004's
// `mm_iommu_do_alloc(adjust)` only follows the branch each caller takes. Release callbacks
// (anon_inode_getfd's, kref_put's) may run where close() or kref_put() is called.

import type * as A from '../syntax/ast';
import type { ActorSymbol, FnSymbol } from '../semantics/symbols';
import type { Analysis } from './analysis';
import { lockEffect, RCU_KEY } from './lockPrimitives';
import { bodyStatements } from './walk';

export interface HeldLock {
  /** Identity of the lock instance, paths normalised to `->` after parameter substitution. */
  readonly key: string;
  /** As the acquiring code names it, e.g. `kvm->lock` or `mmap_sem (read)`. */
  readonly display: string;
  /** Lockdep class, or -1 (rcu_read_lock, or an unresolved lock). */
  readonly cls: number;
  readonly mode: 'write' | 'read';
  /** The acquiring call. */
  readonly site: A.Span;
  readonly primitive: string;
  /** The primitive that releases it (mutex_unlock for mutex_lock, …). */
  readonly release: string;
  /** The acquiring call's arguments as written, for writing the matching release. */
  readonly args: readonly string[];
  /** The lock argument in the analysed body's terms (`&kvm->lock`), parameters substituted. */
  readonly lockArg: string;
  /** Held on every path that reaches the statement (false: only on some). */
  readonly sure: boolean;
}

/** Held locks in acquisition order; null where no path reaches. */
export type LockState = readonly HeldLock[] | null;

/** One way out of a fn or an actor body: a return, or falling off the end (no stmt). */
export interface BodyExit {
  readonly stmt?: A.ReturnStmt;
  /** The node the return is the direct child of (a Block, or an unbraced if/loop body). */
  readonly parent?: A.Stmt;
  readonly state: readonly HeldLock[];
}

/** The exits of one analysed invocation of a body, in one context. */
export interface ExitRecord {
  readonly owner: FnSymbol | ActorSymbol;
  readonly context: string;
  /** Locks held when the body was entered (the caller's). */
  readonly entryKeys: ReadonlySet<string>;
  readonly exits: readonly BodyExit[];
}

export interface HeldLocks {
  /** Per statement (not blocks): per context (an actor's name, or '' for a fn no actor calls), the locks held before it. */
  readonly atStatement: ReadonlyMap<A.Stmt, ReadonlyMap<string, readonly HeldLock[]>>;
  readonly exits: readonly ExitRecord[];
  /** Contexts in declaration order (actors first, then fns analysed on their own). */
  readonly contexts: readonly string[];
}

/** Bounds that keep the pass linear-ish on any input. */
const MAX_CALL_DEPTH = 24;
const MAX_LOOP_ITERATIONS = 64;

interface PathValue {
  readonly key: string;
  readonly display: string;
}

interface Frame {
  readonly owner: FnSymbol | ActorSymbol;
  readonly context: string;
  readonly subst: ReadonlyMap<string, PathValue>;
  readonly consts: ReadonlyMap<string, number>;
  readonly chain: readonly FnSymbol[];
  readonly exits: BodyExit[];
  readonly loops: { breaks: LockState[]; continues: LockState[] }[];
}

interface Branches {
  readonly t: LockState;
  readonly e: LockState;
}

export function heldLocks(a: Analysis): HeldLocks {
  return new HeldLockPass(a).run();
}

class HeldLockPass {
  private readonly records = new Map<A.Stmt, Map<string, readonly HeldLock[]>>();
  private readonly exitRecords: ExitRecord[] = [];
  private readonly memo = new Map<string, LockState>();
  private readonly reached = new Set<FnSymbol>();
  /** Release callbacks handed to anon_inode_getfd: close() may run any of them. */
  private readonly fdReleases: FnSymbol[] = [];
  /** Per fn, its parameters that the body assigns (their literal value cannot be trusted). */
  private readonly assignedParams = new Map<FnSymbol, Set<string>>();

  constructor(private readonly a: Analysis) {
    const b = a.binding;
    for (const [, info] of b.calls) {
      if (info.builtin?.name === 'anon_inode_getfd') {
        const fn = b.fns[info.statics[1] ?? -1];
        if (fn && !this.fdReleases.includes(fn)) this.fdReleases.push(fn);
      }
    }
  }

  run(): HeldLocks {
    const contexts: string[] = [];
    for (const actor of this.a.binding.actors) {
      contexts.push(actor.name);
      this.analyseBody(actor, actor.name, [], new Map(), new Map(), []);
    }
    // A fn no actor reaches is still worth hints about what it takes itself.
    for (const fn of this.a.binding.fns) {
      if (this.reached.has(fn)) continue;
      if (!contexts.includes('')) contexts.push('');
      this.analyseBody(fn, '', [], new Map(), new Map(), [fn]);
    }
    return { atStatement: this.records, exits: this.exitRecords, contexts };
  }

  private analyseBody(
    owner: FnSymbol | ActorSymbol, context: string, entry: readonly HeldLock[],
    subst: ReadonlyMap<string, PathValue>, consts: ReadonlyMap<string, number>, chain: readonly FnSymbol[],
  ): LockState {
    const frame: Frame = { owner, context, subst, consts, chain, exits: [], loops: [] };
    const end = this.stmt(owner.decl.body, entry, frame, undefined);
    const exits = [...frame.exits, ...(end ? [{ state: end }] : [])];
    this.exitRecords.push({ owner, context, entryKeys: new Set(entry.map((l) => l.key)), exits });
    return join(end, ...frame.exits.map((x) => x.state));
  }

  private record(s: A.Stmt, context: string, st: readonly HeldLock[]): void {
    let byContext = this.records.get(s);
    if (!byContext) {
      byContext = new Map();
      this.records.set(s, byContext);
    }
    byContext.set(context, join(byContext.get(context) ?? null, st) ?? st);
  }

  // ---------- statements ----------

  private stmt(s: A.Stmt, st: LockState, f: Frame, parent: A.Stmt | undefined): LockState {
    if (st === null) return null;
    if (s.kind !== 'Block') this.record(s, f.context, st);
    switch (s.kind) {
      case 'Block': {
        let cur: LockState = st;
        for (const c of s.body) cur = this.stmt(c, cur, f, s);
        return cur;
      }
      case 'VarDecl':
      case 'Assign':
      case 'ExprStmt':
        return this.simple(s, st, f);
      case 'If': {
        const c = this.cond(s.cond, st, f);
        const t = this.stmt(s.then, c.t, f, s);
        const e = s.else ? this.stmt(s.else, c.e, f, s) : c.e;
        return join(t, e);
      }
      case 'While':
        return this.loop(s.cond, s.body, undefined, st, f, s);
      case 'For': {
        const init = s.init ? this.simple(s.init, st, f) : st;
        return this.loop(s.cond, s.body, s.step, init, f, s);
      }
      case 'ListForEach':
        return this.loop(undefined, s.body, undefined, this.expr(s.head, st, f), f, s);
      case 'Return': {
        const out = s.value ? this.expr(s.value, st, f) : st;
        if (out) f.exits.push({ stmt: s, ...(parent ? { parent } : {}), state: out });
        return null;
      }
      case 'Break':
      case 'Continue': {
        const loop = f.loops[f.loops.length - 1];
        if (!loop) return st;
        (s.kind === 'Break' ? loop.breaks : loop.continues).push(st);
        return null;
      }
      case 'Choose':
        return join(...s.branches.map((b) => this.stmt(b, st, f, s)));
      case 'ErrorStmt':
        return st;
    }
  }

  /** A declaration, assignment or call statement (also a for loop's init and step: not recorded). */
  private simple(s: A.Stmt, st: LockState, f: Frame): LockState {
    switch (s.kind) {
      case 'VarDecl':
        return s.init ? this.expr(s.init, st, f) : st;
      case 'Assign':
        return s.value ? this.expr(s.value, this.expr(s.target, st, f), f) : this.expr(s.target, st, f);
      case 'ExprStmt':
        return this.expr(s.expr, st, f);
      default:
        return this.stmt(s, st, f, undefined);
    }
  }

  private loop(cond: A.Expr | undefined, body: A.Stmt, step: A.Stmt | undefined, st: LockState, f: Frame, parent: A.Stmt): LockState {
    let entry = st;
    for (let i = 0; i < MAX_LOOP_ITERATIONS && entry; i++) {
      const c: Branches = cond ? this.cond(cond, entry, f) : { t: entry, e: entry };
      f.loops.push({ breaks: [], continues: [] });
      let out = this.stmt(body, c.t, f, parent);
      const ctx = f.loops.pop()!;
      out = join(out, ...ctx.continues);
      if (step) out = this.simple(step, out, f);
      const next = join(entry, out);
      if (sameState(next, entry) || i === MAX_LOOP_ITERATIONS - 1) return join(c.e, ...ctx.breaks);
      entry = next;
    }
    return entry;
  }

  // ---------- conditions and expressions ----------

  /** The states in which a condition is true and false; a trylock takes its lock only when true. */
  private cond(e: A.Expr, st: LockState, f: Frame): Branches {
    if (st === null) return { t: null, e: null };
    const known = constValue(e, f, this.a);
    if (known !== undefined) {
      const after = this.expr(e, st, f);
      return known ? { t: after, e: null } : { t: null, e: after };
    }
    if (e.kind === 'Unary' && e.op === '!') {
      const inner = this.cond(e.operand, st, f);
      return { t: inner.e, e: inner.t };
    }
    if (e.kind === 'Binary' && (e.op === '&&' || e.op === '||')) {
      const left = this.cond(e.left, st, f);
      if (e.op === '&&') {
        const right = this.cond(e.right, left.t, f);
        return { t: right.t, e: join(left.e, right.e) };
      }
      const right = this.cond(e.right, left.e, f);
      return { t: join(left.t, right.t), e: right.e };
    }
    if (e.kind === 'Call') {
      const b = this.a.binding.calls.get(e)?.builtin;
      const effect = b ? lockEffect(b) : undefined;
      if (effect?.kind === 'acquire' && effect.trylock) {
        let cur: LockState = st;
        for (const arg of e.args) cur = this.expr(arg, cur, f);
        const lock = this.lockOf(e, f, true);
        return { t: cur && lock ? add(cur, lock) : cur, e: cur };
      }
    }
    const after = this.expr(e, st, f);
    return { t: after, e: after };
  }

  private expr(e: A.Expr, st: LockState, f: Frame): LockState {
    if (st === null) return null;
    switch (e.kind) {
      case 'Call': {
        let cur: LockState = st;
        for (const arg of e.args) cur = this.expr(arg, cur, f);
        return cur === null ? null : this.call(e, cur, f);
      }
      case 'Member':
        return this.expr(e.object, st, f);
      case 'Index':
        return this.expr(e.index, this.expr(e.object, st, f), f);
      case 'Unary':
      case 'AddressOf':
        return this.expr(e.operand, st, f);
      case 'Binary':
        return this.expr(e.right, this.expr(e.left, st, f), f);
      default:
        return st;
    }
  }

  private call(e: A.CallExpr, st: readonly HeldLock[], f: Frame): LockState {
    const info = this.a.binding.calls.get(e);
    if (!info) return st;
    if (info.fn) return this.callFn(info.fn, e.args, st, f);
    const b = info.builtin;
    if (!b) return st;
    const effect = lockEffect(b);
    if (effect.kind === 'acquire') {
      const lock = this.lockOf(e, f, !effect.trylock);
      return lock ? add(st, lock) : st;
    }
    if (effect.kind === 'release') {
      const lock = this.lockOf(e, f, true);
      return lock ? remove(st, lock) : st;
    }
    // A release callback may run here (the last reference went away), or not.
    if (b.name === 'close') {
      return join(st, ...this.fdReleases.map((fn) => this.callFn(fn, [], st, f)));
    }
    if (b.name === 'kref_put') {
      const fn = this.a.binding.fns[info.statics[1] ?? -1];
      return fn ? join(st, this.callFn(fn, [], st, f)) : st;
    }
    return st;
  }

  private callFn(fn: FnSymbol, args: readonly A.Expr[], st: readonly HeldLock[], f: Frame): LockState {
    if (f.chain.includes(fn) || f.chain.length >= MAX_CALL_DEPTH) return st;
    this.reached.add(fn);
    const subst = new Map<string, PathValue>();
    const consts = new Map<string, number>();
    const assigned = this.paramsAssigned(fn);
    fn.decl.params.forEach((p, i) => {
      const arg = args[i];
      if (!arg || !p.name.name) return;
      const path = pathOf(arg, f, this.a.text);
      if (path) subst.set(p.name.name, path);
      const v = constValue(arg, f, this.a);
      if (v !== undefined && !assigned.has(p.name.name)) consts.set(p.name.name, v);
    });
    const memoKey = [
      fn.index, f.context, stateKey(st),
      [...subst].map(([k, v]) => `${k}=${v.key}`).join(','),
      [...consts].map(([k, v]) => `${k}=${v}`).join(','),
    ].join('|');
    if (this.memo.has(memoKey)) return rebase(this.memo.get(memoKey)!, st);
    const out = this.analyseBody(fn, f.context, st, subst, consts, [...f.chain, fn]);
    this.memo.set(memoKey, out);
    return out;
  }

  private paramsAssigned(fn: FnSymbol): Set<string> {
    let set = this.assignedParams.get(fn);
    if (!set) {
      set = new Set();
      const names = new Set(fn.decl.params.map((p) => p.name.name));
      const found = set;
      const walk = (s: A.Stmt): void => {
        if (s.kind === 'Assign') {
          const t = s.target.kind === 'AddressOf' ? s.target.operand : s.target;
          if (t.kind === 'Name' && names.has(t.id.name)) found.add(t.id.name);
        }
        if (s.kind === 'For') {
          if (s.init) walk(s.init);
          if (s.step) walk(s.step);
        }
        for (const c of bodyStatements(s)) walk(c);
      };
      walk(fn.decl.body);
      this.assignedParams.set(fn, set);
    }
    return set;
  }

  /** The lock a lock primitive call names, with parameters substituted. */
  private lockOf(e: A.CallExpr, f: Frame, sure: boolean): HeldLock | undefined {
    const info = this.a.binding.calls.get(e);
    const b = info?.builtin;
    if (!info || !b) return undefined;
    const effect = lockEffect(b);
    const release = effect.kind === 'acquire' ? effect.release : b.name;
    const mode = effect.kind === 'acquire' ? effect.mode : 'write';
    const args = e.args.map((x) => this.a.text.slice(x.span.start, x.span.end));
    const idx = b.params.findIndex((p) => p.kind === 'lock' || p.kind === 'mutex' || p.kind === 'spinlock' || p.kind === 'rwsem' || p.kind === 'srcu');
    if (idx < 0) {
      return { key: RCU_KEY, display: RCU_KEY, cls: -1, mode: 'read', site: e.span, primitive: b.name, release, args, lockArg: '', sure };
    }
    const arg = e.args[idx];
    if (!arg) return undefined;
    const path = pathOf(arg, f, this.a.text) ?? fallbackPath(arg, this.a.text);
    const cls = info.statics[idx] ?? -1;
    const isRwsem = this.a.binding.lockClasses[cls]?.lock === 'rwsem';
    const display = mode === 'read' && isRwsem ? `${path.display} (read)` : path.display;
    const lockArg = `${arg.kind === 'AddressOf' ? '&' : ''}${path.display}`;
    return { key: path.key, display, cls, mode, site: e.span, primitive: b.name, release, args, lockArg, sure };
  }
}

// ---------- lock states ----------

function add(st: readonly HeldLock[], lock: HeldLock): readonly HeldLock[] {
  const i = st.findIndex((l) => l.key === lock.key);
  if (i < 0) return [...st, lock];
  // Taking a lock it already holds (recursive locking): the checker reports that; keep one entry.
  if (st[i]!.sure || !lock.sure) return st;
  return st.map((l, j) => (j === i ? { ...l, sure: true } : l));
}

/** Releases the lock; an unlock naming it differently (through a pointer) matches by class. */
function remove(st: readonly HeldLock[], lock: HeldLock): readonly HeldLock[] {
  if (st.some((l) => l.key === lock.key)) return st.filter((l) => l.key !== lock.key);
  if (lock.cls < 0) return st;
  for (let i = st.length - 1; i >= 0; i--) {
    if (st[i]!.cls === lock.cls) return st.filter((_, j) => j !== i);
  }
  return st;
}

/** Paths merge: a lock is surely held only if every path holds it. */
export function join(...states: LockState[]): LockState {
  let out: HeldLock[] | null = null;
  for (const s of states) {
    if (s === null) continue;
    if (out === null) {
      out = [...s];
      continue;
    }
    const acc: HeldLock[] = out;
    const next: HeldLock[] = acc.map((l) => {
      const other = s.find((x) => x.key === l.key);
      return other && other.sure && l.sure ? l : l.sure ? { ...l, sure: false } : l;
    });
    for (const l of s) if (!acc.some((x) => x.key === l.key)) next.push(l.sure ? { ...l, sure: false } : l);
    out = next;
  }
  return out;
}

function sameState(a: LockState, b: LockState): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((l) => b.some((x) => x.key === l.key && x.sure === l.sure));
}

function stateKey(st: readonly HeldLock[]): string {
  return st.map((l) => `${l.key}${l.sure ? '' : '?'}`).sort().join(',');
}

/** A memoised callee result, with the caller's own entries (sites, texts) put back. */
function rebase(out: LockState, st: readonly HeldLock[]): LockState {
  if (out === null) return null;
  return out.map((l) => {
    const mine = st.find((x) => x.key === l.key);
    return mine ? { ...mine, sure: l.sure } : l;
  });
}

// ---------- paths and constants ----------

/** `&k->arch.lock` with k bound to `kvm` -> key `kvm->arch->lock`, display `kvm->arch.lock`. */
function pathOf(e: A.Expr, f: Frame, text: string): PathValue | undefined {
  switch (e.kind) {
    case 'AddressOf':
      return pathOf(e.operand, f, text);
    case 'Name': {
      const bound = f.subst.get(e.id.name);
      return bound ?? { key: e.id.name, display: e.id.name };
    }
    case 'Member': {
      const o = pathOf(e.object, f, text);
      if (!o) return undefined;
      return { key: `${o.key}->${e.field.name}`, display: `${o.display}${e.arrow ? '->' : '.'}${e.field.name}` };
    }
    case 'Index': {
      const o = pathOf(e.object, f, text);
      if (!o) return undefined;
      const v = constValue(e.index, f, undefined);
      const idx = v !== undefined ? String(v) : text.slice(e.index.span.start, e.index.span.end).replace(/\s+/g, '');
      return { key: `${o.key}[${idx}]`, display: `${o.display}[${idx}]` };
    }
    default:
      return undefined;
  }
}

function fallbackPath(e: A.Expr, text: string): PathValue {
  const t = text.slice(e.span.start, e.span.end).replace(/\s+/g, '').replace(/^&+/, '');
  return { key: t.replace(/\./g, '->'), display: t };
}

/** The value of a condition or argument known without running anything, if any. */
function constValue(e: A.Expr, f: Frame, a: Analysis | undefined): number | undefined {
  switch (e.kind) {
    case 'Number':
      return e.value;
    case 'Bool':
      return e.value ? 1 : 0;
    case 'Null':
      return 0;
    case 'Name': {
      const v = f.consts.get(e.id.name);
      if (v !== undefined) return v;
      const c = a?.binding.nameSyms.get(e.id);
      return c?.kind === 'const' ? c.value : undefined;
    }
    case 'Unary': {
      const v = constValue(e.operand, f, a);
      if (v === undefined) return undefined;
      return e.op === '!' ? (v ? 0 : 1) : e.op === '-' ? -v : ~v;
    }
    case 'Binary': {
      const l = constValue(e.left, f, a);
      const r = constValue(e.right, f, a);
      if (l === undefined || r === undefined) return undefined;
      return binary(e.op, l, r);
    }
    default:
      return undefined;
  }
}

function binary(op: A.BinaryOp, l: number, r: number): number | undefined {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return r === 0 ? undefined : Math.trunc(l / r);
    case '%': return r === 0 ? undefined : l % r;
    case '==': return l === r ? 1 : 0;
    case '!=': return l !== r ? 1 : 0;
    case '<': return l < r ? 1 : 0;
    case '<=': return l <= r ? 1 : 0;
    case '>': return l > r ? 1 : 0;
    case '>=': return l >= r ? 1 : 0;
    case '&&': return l && r ? 1 : 0;
    case '||': return l || r ? 1 : 0;
    case '&': return l & r;
    case '|': return l | r;
    case '^': return l ^ r;
  }
}
