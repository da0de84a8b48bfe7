// Breakpoints in scenario terms: statement lines, lock classes (`kvm->lock`, `*`), shared
// words, hit counts and conditions. Verification is against the compiled scenario, so a
// breakpoint means exactly what the machine will do; nothing here knows of DAP.

import { normaliseLockText } from '../semantics/binder';
import type { CompiledScenario } from '../model/compiled';
import { lineOf } from '../model/describe';
import { lockdepName } from '../model/machine';
import type { ViolationKind } from '../model/types';
import { compileExpression, type CompiledExpression } from './evaluate';

/** A parsed hit condition: `3` or `>= 3` (stop from the 3rd hit), `== 3`, `> 3`, `< 3`, `% 3`. */
export interface HitCondition {
  readonly op: '>=' | '==' | '>' | '<' | '<=' | '%';
  readonly n: number;
}

export function parseHitCondition(text: string | undefined): HitCondition | undefined | { error: string } {
  if (text === undefined || text.trim() === '') return undefined;
  const m = /^\s*(>=|==|<=|>|<|%|=)?\s*(\d+)\s*$/.exec(text);
  if (!m) return { error: `hit count '${text}' is not understood (use N, >= N, == N, > N, < N or % N)` };
  const op = (m[1] === '=' ? '==' : m[1] ?? '>=') as HitCondition['op'];
  const n = Number(m[2]);
  if (op === '%' && n === 0) return { error: 'hit count % 0 would never stop' };
  return { op, n };
}

export function hitConditionMet(c: HitCondition | undefined, hits: number): boolean {
  if (!c) return true;
  switch (c.op) {
    case '>=': return hits >= c.n;
    case '==': return hits === c.n;
    case '>': return hits > c.n;
    case '<': return hits < c.n;
    case '<=': return hits <= c.n;
    case '%': return hits % c.n === 0;
  }
}

interface BreakpointBase {
  readonly id: number;
  readonly verified: boolean;
  /** Why it is unverified, or where it was moved. */
  readonly message?: string;
  readonly condition?: CompiledExpression;
  readonly hitCondition?: HitCondition;
  hits: number;
}

export interface LineBreakpoint extends BreakpointBase {
  readonly kind: 'line';
  readonly requestedLine: number;
  /** The statement line it was verified at (the next statement line at or after the request). */
  readonly line: number;
  /** Ids of the visible instructions that start on that line: where an actor stands before a step. */
  readonly instrs: ReadonlySet<number>;
}

export type LockBreakpointMode = 'acquire' | 'contention';

export interface LockBreakpoint extends BreakpointBase {
  readonly kind: 'lock';
  readonly name: string;
  readonly mode: LockBreakpointMode;
  /** Lock classes it watches; undefined for `*` (every lock). */
  readonly classes?: ReadonlySet<number>;
  /** One lock instance (an expression such as `vcpu[1].mutex`), when not a whole class. */
  readonly addr?: number;
}

export interface DataBreakpoint {
  readonly id: number;
  readonly addr: number;
  readonly size: number;
  readonly label: string;
  readonly hitCondition?: HitCondition;
  hits: number;
}

export interface LineBreakpointSpec {
  readonly line: number;
  readonly condition?: string;
  readonly hitCondition?: string;
}

export interface LockBreakpointSpec {
  readonly name: string;
  readonly condition?: string;
  readonly hitCondition?: string;
}

let nextId = 1;
export function breakpointId(): number {
  return nextId++;
}

/** Lines (1-based) where an actor can stand before a step, with the instructions there. */
export function statementLines(s: CompiledScenario): Map<number, number[]> {
  const out = new Map<number, number[]>();
  // The init block runs inside the initial state: no actor ever stands at its lines.
  const initCode = s.initActor >= 0 ? s.fns.length + s.initActor : -1;
  for (const ins of s.instrs) {
    if (!ins.visible || s.instrCode[ins.id] === initCode) continue;
    const line = lineOf(s, ins.span.start);
    const list = out.get(line);
    if (list) list.push(ins.id);
    else out.set(line, [ins.id]);
  }
  return out;
}

function conditionFor(s: CompiledScenario, text: string | undefined, code: number | undefined): CompiledExpression | undefined | { error: string } {
  if (text === undefined || text.trim() === '') return undefined;
  const c = compileExpression(s, text, code);
  return c.ok ? c.value : { error: `condition '${text}': ${c.message}` };
}

function isError<T>(x: T | { error: string }): x is { error: string } {
  return typeof x === 'object' && x !== null && 'error' in x;
}

/** Verifies a line breakpoint: moved to the next statement line, or unverified with a reason. */
export function lineBreakpoint(s: CompiledScenario, lines: Map<number, number[]>, spec: LineBreakpointSpec): LineBreakpoint {
  const id = breakpointId();
  const init = s.actors.find((a) => a.actorKind === 'init');
  if (init && spec.line >= lineOf(s, init.decl.span.start) && spec.line <= lineOf(s, init.decl.span.end - 1)) {
    return { kind: 'line', id, verified: false, message: 'the init block runs to completion before the first step: there is nothing to stop at', requestedLine: spec.line, line: spec.line, instrs: new Set(), hits: 0 };
  }
  const candidates = [...lines.keys()].filter((l) => l >= spec.line).sort((a, b) => a - b);
  const line = candidates[0];
  const unverified = (message: string): LineBreakpoint => ({ kind: 'line', id, verified: false, message, requestedLine: spec.line, line: spec.line, instrs: new Set(), hits: 0 });
  if (line === undefined) return unverified(`no statement at or after line ${spec.line}`);
  const instrs = lines.get(line)!;
  const hit = parseHitCondition(spec.hitCondition);
  if (isError(hit)) return unverified(hit.error);
  const condition = conditionFor(s, spec.condition, s.instrCode[instrs[0]!]);
  if (isError(condition)) return unverified(condition.error);
  return {
    kind: 'line', id, verified: true, requestedLine: spec.line, line, instrs: new Set(instrs), hits: 0,
    ...(line !== spec.line ? { message: `moved to line ${line}, the next statement` } : {}),
    ...(hit ? { hitCondition: hit } : {}),
    ...(condition ? { condition } : {}),
  };
}

/** `kvm.lock`, `&kvm->lock` and `kvm->lock` name the same class. */
function canonicalLockName(text: string): string {
  return normaliseLockText(text).replace(/\./g, '->');
}

/**
 * A lock breakpoint from a function-breakpoint name: a lock class (`kvm->lock`,
 * `mem_list_mutex`), a lock instance (`vcpu[1].mutex`), or `*`; `contended NAME` stops only
 * when the lock is held by someone else. The condition may use `actor` (`actor == ioctl`).
 */
export function lockBreakpoint(s: CompiledScenario, spec: LockBreakpointSpec, resolveInstance: (text: string) => number | undefined): LockBreakpoint {
  const id = breakpointId();
  let name = spec.name.trim();
  let mode: LockBreakpointMode = 'acquire';
  const contended = /^contended\s+(.+)$/i.exec(name) ?? /^(.+?)\s*\(contended\)$/i.exec(name);
  if (contended) {
    name = contended[1]!.trim();
    mode = 'contention';
  }
  const unverified = (message: string): LockBreakpoint => ({ kind: 'lock', id, verified: false, message, name: spec.name, mode, hits: 0 });
  const hit = parseHitCondition(spec.hitCondition);
  if (isError(hit)) return unverified(hit.error);
  const condition = conditionFor(s, spec.condition, undefined);
  if (isError(condition)) return unverified(condition.error);
  const common = { kind: 'lock' as const, id, verified: true, name: spec.name, mode, hits: 0, ...(hit ? { hitCondition: hit } : {}), ...(condition ? { condition } : {}) };
  if (name === '*') return { ...common, message: mode === 'contention' ? 'any contended lock' : 'any lock' };
  // An index names one instance (`kvm.vcpus[1].mutex`); the class name would drop it.
  if (name.includes('[')) {
    const addr = resolveInstance(name);
    if (addr !== undefined) return { ...common, addr, message: `the lock ${name}` };
  }
  const wanted = canonicalLockName(name);
  const classes = s.lockClasses.filter((c) => {
    const names = [c.name, c.global?.name, c.field ? `${c.field.owner.name}->${c.field.name}` : undefined];
    return names.some((n) => n !== undefined && canonicalLockName(n) === wanted);
  });
  if (classes.length > 0) return { ...common, classes: new Set(classes.map((c) => c.id)), message: classes.map((c) => `lock class ${lockdepName(c)} (${c.lock})`).join(', ') };
  const addr = resolveInstance(name);
  if (addr !== undefined) return { ...common, addr, message: `the lock ${name}` };
  const known = s.lockClasses.map((c) => c.name);
  return unverified(`no lock named '${name}' in this scenario${known.length ? ` (locks: ${known.join(', ')}, or * for any)` : ' (it declares no locks)'}`);
}

/** Whether a lock breakpoint watches this lock (by class or by instance). */
export function watchesLock(b: LockBreakpoint, cls: number, addr: number): boolean {
  if (!b.verified) return false;
  if (b.addr !== undefined) return b.addr === addr;
  return b.classes === undefined || b.classes.has(cls);
}

/** The exception filters: one per violation class, as the issue lists them first. */
export const EXCEPTION_FILTERS: readonly { readonly kind: ViolationKind; readonly label: string; readonly description: string }[] = [
  { kind: 'deadlock', label: 'Deadlock', description: 'Every remaining actor is blocked' },
  { kind: 'lock_order', label: 'Lock order (lockdep)', description: 'possible circular locking dependency detected' },
  { kind: 'use_after_free', label: 'Use-after-free (KASAN)', description: 'slab-use-after-free' },
  { kind: 'double_free', label: 'Double free (KASAN)', description: 'double-free or invalid-free' },
  { kind: 'list_corruption', label: 'List corruption (DEBUG_LIST)', description: 'list_add / list_del corruption' },
  { kind: 'sleep_in_atomic', label: 'Sleep in atomic', description: 'sleeping function called from invalid context' },
  { kind: 'data_race', label: 'Data race (KCSAN)', description: 'two plain conflicting accesses that nothing orders' },
  { kind: 'assertion', label: 'Assertion', description: 'assert, BUG_ON, WARN_ON' },
  { kind: 'irq_lock_inversion', label: 'IRQ lock inversion (lockdep)', description: 'inconsistent lock state' },
  { kind: 'unlock_not_held', label: 'Bad unlock balance', description: 'unlock of a lock not held, or a lock held at exit' },
  { kind: 'null_deref', label: 'NULL dereference', description: 'kernel NULL pointer dereference' },
  { kind: 'out_of_bounds', label: 'Out of bounds (KASAN)', description: 'index outside an array or object' },
  { kind: 'livelock', label: 'Livelock', description: 'an actor that can never finish' },
  { kind: 'leak', label: 'Memory leak (kmemleak)', description: 'unreferenced object at the end' },
  { kind: 'recursive_locking', label: 'Recursive locking (lockdep)', description: 'possible recursive locking detected' },
  { kind: 'suspicious_rcu', label: 'Suspicious RCU usage (lockdep)', description: 'suspicious rcu_dereference_check() usage' },
];
