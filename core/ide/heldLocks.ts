// The held-lock analysis: a static pass over each actor's code paths that knows, before
// every statement, which locks the actor holds (surely, or only on some paths). It follows
// calls into `fn`s with a call-string approach: each call is analysed with the caller's held
// set and the caller's arguments substituted for the parameters (so `k->lock` inside a fn
// called as `f(&kvm)` is `kvm->lock`), memoised per (fn, context, entry state, arguments).
// Known values of locals and parameters (literal arguments, `ret = 0`, a fn that always
// returns 0) are propagated, so a branch a caller can never take (seed 004's
// `if (ret == 0 && dev_hpa == -1)` for the mmap path) adds no held locks. Release callbacks
// (anon_inode_getfd's, kref_put's) may run where close() or kref_put() is called.

import type * as A from '../syntax/ast';
import type { ActorSymbol, FnSymbol } from '../semantics/symbols';
import type { Analysis } from './analysis';
import { lockEffect, RCU_KEY } from './lockPrimitives';
import { isLockKind } from './scope';

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
  /** The exits of every body analysed, in every context. */
  readonly exits: readonly ExitRecord[];
  /** Each fn analysed on its own (nothing held on entry, no argument known): what its code does whoever calls it. */
  readonly fnExits: readonly ExitRecord[];
  /** Contexts in declaration order (actors first, then fns analysed on their own). */
  readonly contexts: readonly string[];
}

/** The context of the lint pass over each fn on its own. */
const LINT_CONTEXT = '#fn';

/** Bounds that keep the pass linear-ish on any input. */
const MAX_CALL_DEPTH = 24;
const MAX_LOOP_ITERATIONS = 64;

interface PathValue {
  readonly key: string;
  readonly display: string;
}

/**
 * The abstract state on the paths reaching a point: the locks held, and the locals whose
 * value is known (by slot). Knowing `ret == 0` or `dev_hpa == -1` there is what keeps
 * infeasible paths (seed 004's `if (locked_entries != 0 && ret != 0)`) out of the hints.
 */
interface Flow {
  readonly locks: readonly HeldLock[];
  readonly vals: ReadonlyMap<number, number>;
}
type State = Flow | null;

interface Frame {
  readonly owner: FnSymbol | ActorSymbol;
  readonly context: string;
  readonly subst: ReadonlyMap<string, PathValue>;
  readonly chain: readonly FnSymbol[];
  readonly exits: (BodyExit & { readonly value?: number })[];
  readonly loops: { breaks: State[]; continues: State[] }[];
  /** States reaching each label by a forward `goto` (error unwinding), joined at the label. */
  readonly gotos: Map<string, State[]>;
}

interface Branches {
  readonly t: State;
  readonly e: State;
}

interface Valued {
  readonly st: State;
  /** The expression's value when it is known on every path. */
  readonly v?: number;
}

/** What a call of a fn leaves: the locks on return (null: it never returns) and its known result. */
interface CallResult {
  readonly locks: LockState;
  readonly v?: number;
}

export function heldLocks(a: Analysis): HeldLocks {
  return new HeldLockPass(a).run();
}

class HeldLockPass {
  private readonly records = new Map<A.Stmt, Map<string, readonly HeldLock[]>>();
  private readonly exitRecords: ExitRecord[] = [];
  private readonly memo = new Map<string, CallResult>();
  private readonly reached = new Set<FnSymbol>();
  /** Release callbacks handed to anon_inode_getfd: close() may run any of them. */
  private readonly fdReleases: FnSymbol[] = [];
  private recording = true;

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
    const alone = new Map<FnSymbol, ExitRecord>();
    for (const fn of this.a.binding.fns) {
      if (this.reached.has(fn)) continue;
      if (!contexts.includes('')) contexts.push('');
      alone.set(fn, this.analyseOnItsOwn(fn, ''));
    }
    const exits = [...this.exitRecords];
    // Each fn on its own, for the lints: its paths, whatever a caller passes (no hints recorded).
    // One analysed on its own above has them already: the context only names where hints go.
    this.recording = false;
    const fnExits = this.a.binding.fns.map((fn) => alone.get(fn) ?? this.analyseOnItsOwn(fn, LINT_CONTEXT));
    return { atStatement: this.records, exits, fnExits, contexts };
  }

  /** A fn entered with nothing held and no argument known; its exits (the record analyseBody pushes last). */
  private analyseOnItsOwn(fn: FnSymbol, context: string): ExitRecord {
    this.analyseBody(fn, context, [], new Map(), new Map(), [fn]);
    return this.exitRecords[this.exitRecords.length - 1]!;
  }

  private analyseBody(
    owner: FnSymbol | ActorSymbol, context: string, entry: readonly HeldLock[],
    subst: ReadonlyMap<string, PathValue>, vals: ReadonlyMap<number, number>, chain: readonly FnSymbol[],
  ): CallResult {
    const frame: Frame = { owner, context, subst, chain, exits: [], loops: [], gotos: new Map() };
    const end = this.stmt(owner.decl.body, { locks: entry, vals }, frame, undefined);
    const exits: (BodyExit & { value?: number })[] = [...frame.exits, ...(end ? [{ state: end.locks }] : [])];
    this.exitRecords.push({ owner, context, entryKeys: new Set(entry.map((l) => l.key)), exits });
    const first = exits[0]?.value;
    const v = first !== undefined && exits.every((x) => x.value === first) ? first : undefined;
    return { locks: join(...exits.map((x) => x.state)), ...(v !== undefined ? { v } : {}) };
  }

  private record(s: A.Stmt, context: string, st: readonly HeldLock[]): void {
    if (!this.recording) return;
    let byContext = this.records.get(s);
    if (!byContext) {
      byContext = new Map();
      this.records.set(s, byContext);
    }
    const before = byContext.get(context);
    byContext.set(context, before ? joinAcrossCalls(before, st) : st);
  }

  private slotOf(id: A.Identifier): number | undefined {
    const sym = this.a.binding.nameSyms.get(id);
    return sym?.kind === 'local' ? sym.slot : undefined;
  }

  // ---------- statements ----------

  private stmt(s: A.Stmt, st: State, f: Frame, parent: A.Stmt | undefined): State {
    if (s.kind === 'Label') {
      // Forward gotos join here; a backward goto (a loop written with goto) is not followed.
      const joined = joinFlow(st, ...(f.gotos.get(s.label.name) ?? []));
      f.gotos.delete(s.label.name);
      if (joined !== null) this.record(s, f.context, joined.locks);
      return joined;
    }
    if (st === null) return null;
    if (s.kind !== 'Block') this.record(s, f.context, st.locks);
    switch (s.kind) {
      case 'Block': {
        let cur: State = st;
        for (const c of s.body) cur = this.stmt(c, cur, f, s);
        return cur;
      }
      case 'VarDecl':
      case 'Assign':
      case 'ExprStmt':
        return this.simple(s, st, f);
      case 'DeclGroup': {
        let cur: State = st;
        for (const d of s.decls) cur = this.simple(d, cur, f);
        return cur;
      }
      case 'Goto': {
        const pending = f.gotos.get(s.label.name) ?? [];
        pending.push(st);
        f.gotos.set(s.label.name, pending);
        return null;
      }
      case 'Switch': {
        const entry = this.value(s.disc, st, f).st;
        const loop = f.loops[f.loops.length - 1];
        // `break` leaves the switch; `continue` belongs to the enclosing loop.
        f.loops.push({ breaks: [], continues: loop ? loop.continues : [] });
        let cur: State = null;
        let hasDefault = false;
        for (const c of s.body.body) {
          if (c.kind === 'Case') {
            if (!c.value) hasDefault = true;
            cur = joinFlow(cur, entry);
            if (cur !== null) this.record(c, f.context, cur.locks);
            continue;
          }
          cur = this.stmt(c, cur, f, s.body);
        }
        const ctx = f.loops.pop()!;
        return joinFlow(cur, ...ctx.breaks, ...(hasDefault ? [] : [entry]));
      }
      case 'Case':
        return st;
      case 'If': {
        const c = this.cond(s.cond, st, f);
        const t = this.stmt(s.then, c.t, f, s);
        const e = s.else ? this.stmt(s.else, c.e, f, s) : c.e;
        return joinFlow(t, e);
      }
      case 'While':
        return this.loop(s.cond, s.body, undefined, st, f, s);
      case 'DoWhile': {
        // The body runs once before the condition is first tested; then it is a while loop.
        f.loops.push({ breaks: [], continues: [] });
        const once = this.stmt(s.body, st, f, s);
        const ctx = f.loops.pop()!;
        return joinFlow(this.loop(s.cond, s.body, undefined, joinFlow(once, ...ctx.continues), f, s), ...ctx.breaks);
      }
      case 'For': {
        const init = s.init ? this.simple(s.init, st, f) : st;
        return this.loop(s.cond, s.body, s.step, init, f, s);
      }
      case 'ListForEach': {
        const head = this.value(s.head, st, f).st;
        const cursor = this.a.binding.localDecls.get(s)?.slot ?? this.slotOf(s.pos);
        return this.loop(undefined, s.body, undefined, cursor === undefined ? head : setVal(head, cursor, undefined), f, s);
      }
      case 'VcpuForEach': {
        const kvm = this.value(s.kvm, st, f).st;
        let cur = kvm;
        for (const id of [s.index, s.vcpu]) {
          const slot = this.slotOf(id);
          if (slot !== undefined) cur = setVal(cur, slot, undefined);
        }
        return this.loop(undefined, s.body, undefined, cur, f, s);
      }
      case 'Return': {
        const out = s.value ? this.value(s.value, st, f) : { st };
        if (out.st) f.exits.push({ stmt: s, ...(parent ? { parent } : {}), state: out.st.locks, ...(out.v !== undefined ? { value: out.v } : {}) });
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
        return joinFlow(...s.branches.map((b) => this.stmt(b, st, f, s)));
      case 'ErrorStmt':
        return st;
    }
  }

  /** A declaration, assignment or call statement (also a for loop's init and step: not recorded). */
  private simple(s: A.Stmt, st: State, f: Frame): State {
    switch (s.kind) {
      case 'VarDecl': {
        const init = s.init ? this.value(s.init, st, f) : { st };
        const slot = this.a.binding.localDecls.get(s)?.slot;
        return slot === undefined ? init.st : setVal(init.st, slot, init.v);
      }
      case 'Assign':
        return this.assign(s, st, f);
      case 'ExprStmt':
        return this.value(s.expr, st, f).st;
      default:
        return this.stmt(s, st, f, undefined);
    }
  }

  private assign(s: A.AssignStmt, st: State, f: Frame): State {
    const target = s.target.kind === 'AddressOf' ? s.target.operand : s.target;
    const slot = target.kind === 'Name' ? this.slotOf(target.id) : undefined;
    if (slot === undefined) {
      const after = this.value(s.target, st, f).st;
      return s.value ? this.value(s.value, after, f).st : after;
    }
    const cur = st?.vals.get(slot);
    if (s.op === '++' || s.op === '--') return setVal(st, slot, cur === undefined ? undefined : cur + (s.op === '++' ? 1 : -1));
    const rhs = s.value ? this.value(s.value, st, f) : { st };
    const op = s.op === '=' ? undefined : (s.op.slice(0, -1) as A.BinaryOp);
    const v = op === undefined ? rhs.v : cur === undefined || rhs.v === undefined ? undefined : binary(op, cur, rhs.v);
    return setVal(rhs.st, slot, v);
  }

  private loop(cond: A.Expr | undefined, body: A.Stmt, step: A.Stmt | undefined, st: State, f: Frame, parent: A.Stmt): State {
    let entry = st;
    for (let i = 0; i < MAX_LOOP_ITERATIONS && entry; i++) {
      const c: Branches = cond ? this.cond(cond, entry, f) : { t: entry, e: entry };
      f.loops.push({ breaks: [], continues: [] });
      let out = this.stmt(body, c.t, f, parent);
      const ctx = f.loops.pop()!;
      out = joinFlow(out, ...ctx.continues);
      if (step) out = this.simple(step, out, f);
      const next = joinFlow(entry, out);
      if (sameFlow(next, entry) || i === MAX_LOOP_ITERATIONS - 1) return joinFlow(c.e, ...ctx.breaks);
      entry = next;
    }
    return entry;
  }

  // ---------- conditions and expressions ----------

  /** The states in which a condition is true and false; a trylock takes its lock only when true. */
  private cond(e: A.Expr, st: State, f: Frame): Branches {
    if (st === null) return { t: null, e: null };
    if (e.kind === 'Unary' && e.op === '!') {
      const inner = this.cond(e.operand, st, f);
      return { t: inner.e, e: inner.t };
    }
    if (e.kind === 'Binary' && (e.op === '&&' || e.op === '||')) {
      const left = this.cond(e.left, st, f);
      if (e.op === '&&') {
        const right = this.cond(e.right, left.t, f);
        return { t: right.t, e: joinFlow(left.e, right.e) };
      }
      const right = this.cond(e.right, left.e, f);
      return { t: joinFlow(left.t, right.t), e: right.e };
    }
    if (e.kind === 'Call') {
      const b = this.a.binding.calls.get(e)?.builtin;
      const effect = b ? lockEffect(b) : undefined;
      if (effect?.kind === 'acquire' && effect.trylock) {
        let cur: State = st;
        for (const arg of e.args) cur = this.value(arg, cur, f).st;
        const lock = this.lockOf(e, f, true);
        return { t: cur && lock ? { ...cur, locks: add(cur.locks, lock) } : cur, e: cur };
      }
    }
    const r = this.value(e, st, f);
    if (r.v === undefined) return { t: r.st, e: r.st };
    return r.v ? { t: r.st, e: null } : { t: null, e: r.st };
  }

  /** Runs an expression's effects (lock calls, fn calls) and gives its value if known. */
  private value(e: A.Expr, st: State, f: Frame): Valued {
    if (st === null) return { st: null };
    switch (e.kind) {
      case 'Number':
        return { st, v: e.value };
      case 'Bool':
        return { st, v: e.value ? 1 : 0 };
      case 'Null':
        return { st, v: 0 };
      case 'Name': {
        const slot = this.slotOf(e.id);
        const sym = this.a.binding.nameSyms.get(e.id);
        const v = slot !== undefined ? st.vals.get(slot) : sym?.kind === 'const' ? sym.value : undefined;
        return v === undefined ? { st } : { st, v };
      }
      case 'Unary': {
        const r = this.value(e.operand, st, f);
        if (r.v === undefined) return { st: r.st };
        return { st: r.st, v: e.op === '!' ? (r.v ? 0 : 1) : e.op === '-' ? -r.v : ~r.v };
      }
      case 'Binary': {
        const l = this.value(e.left, st, f);
        // Short-circuit: the right side does not run once the left decides.
        if (e.op === '&&' && l.v === 0) return { st: l.st, v: 0 };
        if (e.op === '||' && l.v !== undefined && l.v !== 0) return { st: l.st, v: 1 };
        const r = this.value(e.right, l.st, f);
        if (e.op === '&&' && r.v === 0) return { st: r.st, v: 0 };
        if (e.op === '||' && r.v !== undefined && r.v !== 0) return { st: r.st, v: 1 };
        const v = l.v === undefined || r.v === undefined ? undefined : binary(e.op, l.v, r.v);
        return v === undefined ? { st: r.st } : { st: r.st, v };
      }
      case 'Call': {
        let cur: State = st;
        const args: (number | undefined)[] = [];
        for (const arg of e.args) {
          const r = this.value(arg, cur, f);
          cur = r.st;
          args.push(r.v);
        }
        return cur === null ? { st: null } : this.call(e, cur, args, f);
      }
      case 'Member':
      case 'AddressOf':
      case 'Deref':
        return { st: this.value(e.kind === 'Member' ? e.object : e.operand, st, f).st };
      case 'Cast':
        return this.value(e.operand, st, f);
      case 'Conditional': {
        const c = this.cond(e.cond, st, f);
        return { st: joinFlow(this.value(e.then, c.t, f).st, this.value(e.else, c.e, f).st) };
      }
      case 'Index':
        return { st: this.value(e.index, this.value(e.object, st, f).st, f).st };
      default:
        return { st };
    }
  }

  private call(e: A.CallExpr, st: Flow, args: readonly (number | undefined)[], f: Frame): Valued {
    const info = this.a.binding.calls.get(e);
    if (!info) return { st };
    const withLocks = (r: CallResult): Valued =>
      (r.locks === null ? { st: null } : { st: { ...st, locks: r.locks }, ...(r.v !== undefined ? { v: r.v } : {}) });
    if (info.fn) return withLocks(this.callFn(info.fn, e.args, args, st.locks, f));
    const b = info.builtin;
    if (!b) return { st };
    const effect = lockEffect(b);
    if (effect.kind === 'acquire') {
      const lock = this.lockOf(e, f, !effect.trylock);
      const taken = { st: lock ? { ...st, locks: add(st.locks, lock) } : st };
      return effect.returnsZero ? { ...taken, v: 0 } : taken;
    }
    if (effect.kind === 'release') {
      const lock = this.lockOf(e, f, true);
      return { st: lock ? { ...st, locks: remove(st.locks, lock) } : st };
    }
    // A release callback may run here (the last reference went away), or not.
    const callbacks = b.name === 'close' ? this.fdReleases : b.name === 'kref_put' ? [this.a.binding.fns[info.statics[1] ?? -1]] : [];
    const outs = callbacks.flatMap((fn) => (fn ? [this.callFn(fn, [], [], st.locks, f).locks] : []));
    return outs.length === 0 ? { st } : { st: { ...st, locks: join(st.locks, ...outs) ?? st.locks } };
  }

  private callFn(fn: FnSymbol, args: readonly A.Expr[], argVals: readonly (number | undefined)[], locks: readonly HeldLock[], f: Frame): CallResult {
    if (f.chain.includes(fn) || f.chain.length >= MAX_CALL_DEPTH) return { locks };
    this.reached.add(fn);
    const subst = new Map<string, PathValue>();
    const vals = new Map<number, number>();
    fn.decl.params.forEach((p, i) => {
      const arg = args[i];
      if (!arg || !p.name.name) return;
      const path = pathOf(arg, f, this.a.text);
      if (path) subst.set(p.name.name, path);
      const slot = this.a.binding.localDecls.get(p)?.slot;
      const v = argVals[i];
      if (slot !== undefined && v !== undefined) vals.set(slot, v);
    });
    const memoKey = [
      fn.index, f.context, stateKey(locks),
      [...subst].map(([k, v]) => `${k}=${v.key}`).join(','),
      [...vals].map(([k, v]) => `${k}=${v}`).join(','),
    ].join('|');
    const known = this.memo.get(memoKey);
    if (known) return { ...known, locks: rebase(known.locks, locks) };
    const out = this.analyseBody(fn, f.context, locks, subst, vals, [...f.chain, fn]);
    this.memo.set(memoKey, out);
    return out;
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
    const idx = b.params.findIndex((p) => isLockKind(p.kind));
    if (idx < 0) {
      return { key: RCU_KEY, display: RCU_KEY, cls: -1, mode: 'read', site: e.span, primitive: b.name, release, args, lockArg: '', sure };
    }
    const arg = e.args[idx];
    if (!arg) return undefined;
    const path = pathOf(arg, f, this.a.text) ?? fallbackPath(arg, this.a.text);
    const cls = info.statics[idx] ?? -1;
    const kind = this.a.binding.lockClasses[cls]?.lock;
    const display = mode === 'read' && (kind === 'rwsem' || kind === 'rwlock') ? `${path.display} (read)` : path.display;
    const lockArg = `${arg.kind === 'AddressOf' ? '&' : ''}${path.display}`;
    return { key: path.key, display, cls, mode, site: e.span, primitive: b.name, release, args, lockArg, sure };
  }
}

function setVal(st: State, slot: number, v: number | undefined): State {
  if (st === null) return null;
  if (st.vals.get(slot) === v) return st;
  const vals = new Map(st.vals);
  if (v === undefined) vals.delete(slot);
  else vals.set(slot, v);
  return { locks: st.locks, vals };
}

function joinFlow(...states: State[]): State {
  const live = states.filter((s): s is Flow => s !== null);
  if (live.length === 0) return null;
  if (live.length === 1) return live[0]!;
  const vals = new Map<number, number>();
  for (const [k, v] of live[0]!.vals) if (live.every((s) => s.vals.get(k) === v)) vals.set(k, v);
  return { locks: join(...live.map((s) => s.locks)) ?? [], vals };
}

function sameFlow(a: State, b: State): boolean {
  if (a === null || b === null) return a === b;
  if (!sameState(a.locks, b.locks) || a.vals.size !== b.vals.size) return false;
  for (const [k, v] of a.vals) if (b.vals.get(k) !== v) return false;
  return true;
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

/**
 * The join of what a statement sees from two call sites: as `join`, except that the same
 * lock reached through different array elements (`kvm->vcpus[0]->mutex` from one call,
 * `kvm->vcpus[1]->mutex` from another) is one element lock, `kvm->vcpus[*]->mutex`, held on
 * both paths. Hints only: the flow itself keeps exact keys, so each unlock finds its lock.
 */
function joinAcrossCalls(a: readonly HeldLock[], b: readonly HeldLock[]): readonly HeldLock[] {
  const anyIndex = (l: HeldLock): string => l.key.replace(/\[[^\]]*\]/g, '[*]');
  const merged: HeldLock[] = [];
  const used = new Set<HeldLock>();
  for (const l of a) {
    const exact = b.find((x) => x.key === l.key);
    const element = exact ?? b.find((x) => !used.has(x) && x.cls === l.cls && x.cls >= 0 && anyIndex(x) === anyIndex(l) && !a.some((y) => y.key === x.key));
    if (!element) {
      merged.push(l.sure ? { ...l, sure: false } : l);
      continue;
    }
    used.add(element);
    const sure = l.sure && element.sure;
    if (exact) merged.push(sure === l.sure ? l : { ...l, sure });
    else merged.push({ ...l, key: anyIndex(l), display: l.display.replace(/\[[^\]]*\]/g, '[*]'), sure });
  }
  for (const x of b) if (!used.has(x) && !a.some((y) => y.key === x.key)) merged.push(x.sure ? { ...x, sure: false } : x);
  return merged;
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
      const idx = e.index.kind === 'Number' ? String(e.index.value) : text.slice(e.index.span.start, e.index.span.end).replace(/\s+/g, '');
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
    case '<<': return l << (r & 31);
    case '>>': return l >> (r & 31);
  }
}
