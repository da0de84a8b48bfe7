// Expressions over a paused state (the debug console, hovers, breakpoint conditions, the
// values of setVariable): compiled by the real parser, binder and compiler in the scope of
// a frame, then evaluated read-only. Nothing here changes the state: an expression that
// would (a lock, an allocation, a call of a user fn) is refused with a message.

import { loadScenario } from '../index';
import type { Span } from '../syntax/ast';
import { ACTOR_WORD, ANY, BH_OFF_UNIT, IRQ_OFF_MASK, isScalar, typeName, type ActorSymbol, type FnSymbol, type LocalSymbol, type LockClass, type StructSymbol, type Ty } from '../semantics/symbols';
import { OBJECT_HEADER_WORDS, ObjectHeader, ObjectStatus, type BExpr, type CompiledScenario, type Place } from '../model/compiled';
import { describeAddress, objectContaining } from '../model/describe';
import type { Exec } from '../model/exec';
import { binop, unop } from '../model/machine';
import type { Frame, HeldLock, LockMode, MachineState, ModelEvent, ViolationKind, WaitInfo } from '../model/types';

/** The probe function appended to the scenario to compile an expression in a frame's scope. */
const PROBE_FN = '__lockstep_probe__';
/** The extra parameter that conditions use: `actor == ioctl`. */
const ACTOR_PARAM = 'actor';

/** An expression compiled in the scope of one code (fn or actor body), ready to evaluate. */
export interface CompiledExpression {
  readonly text: string;
  readonly e: BExpr;
  readonly type: Ty;
  /** Per probe parameter: the local slot of the frame it is read from (-1: the actor index). */
  readonly params: readonly number[];
}

export type Compiled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** The result of evaluating: the word, its type, and where it lives when it is an lvalue. */
export interface Evaluated {
  readonly value: number;
  readonly type: Ty;
  readonly location?: Location;
  /** The evaluation read a word of a freed object (shown, not reported: the debugger only looks). */
  readonly readFreed: boolean;
}

/** Where a value lives: a shared word (data breakpoints, setVariable) or a local of a frame. */
export type Location = { readonly k: 'mem'; readonly addr: number } | { readonly k: 'local'; readonly slot: number };

/** The scope an expression is evaluated in: an actor and one of its frames (index into frames). */
export interface EvalScope {
  readonly actor: number;
  readonly frame: number;
}

class ProbeError extends Error {}

/** Locals of a code, by slot order, that the probe takes as parameters (first of each name). */
function scopeLocals(s: CompiledScenario, code: number | undefined): LocalSymbol[] {
  if (code === undefined) return [];
  const owner: FnSymbol | ActorSymbol | undefined = code < s.fns.length ? s.fns[code] : s.actors[code - s.fns.length];
  if (!owner) return [];
  const seen = new Set<string>([ACTOR_PARAM]);
  const out: LocalSymbol[] = [];
  for (const l of owner.locals) {
    if (seen.has(l.name) || !/^[A-Za-z_]\w*$/.test(l.name)) continue;
    seen.add(l.name);
    out.push(l);
  }
  return out;
}

function paramText(l: LocalSymbol): string {
  const t = l.type;
  if (t.k === 'ptr' && t.to.k === 'struct') return `${typeName(t)}${l.name}`;
  if (t.k === 'int' || t.k === 'bool') return `${t.k} ${l.name}`;
  return l.name;
}

/**
 * Compiles `text` in the scope of `code` (a fn or actor body; undefined for globals only).
 * The scenario is re-checked with a probe fn appended whose parameters are that code's
 * locals, so names, fields, builtins and types resolve exactly as in the scenario.
 */
export function compileExpression(s: CompiledScenario, text: string, code: number | undefined): Compiled<CompiledExpression> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'empty expression' };
  const locals = scopeLocals(s, code);
  const head = `\nfn ${PROBE_FN}(${[...locals.map(paramText), ACTOR_PARAM].join(', ')}) {\n`;
  const exprStart = s.text.length + head.length;
  const source = `${s.text}${head}${trimmed};\n}\n`;
  const loaded = loadScenario(s.file, source);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const d = errors.find((x) => x.span.start >= exprStart) ?? errors[0]!;
    const col = Math.max(0, d.span.start - exprStart) + 1;
    return { ok: false, message: `${d.message} (at column ${col} of '${trimmed}')` };
  }
  const c = loaded.compiled!;
  const fn = c.fns[c.fns.length - 1]!;
  const probe = c.codes[fn.index]!;
  const first = probe.instrs[0];
  if (probe.instrs.length !== 2 || !first || first.op !== 'eval') {
    const call = probe.instrs.find((i) => i.op === 'call');
    return {
      ok: false,
      message: call ? 'evaluate does not call fns (a call would change the state); inspect the values it reads instead' : `'${trimmed}' is not a single expression`,
    };
  }
  const body = fn.decl.body.body[0];
  const type = body?.kind === 'ExprStmt' ? loaded.binding.exprTypes.get(body.expr) ?? ANY : ANY;
  return { ok: true, value: { text: trimmed, e: first.e, type, params: [...locals.map((l) => l.slot), -1] } };
}

/** Evaluates a compiled expression read-only against a state, in a frame of an actor. */
export function evaluateCompiled(s: CompiledScenario, state: MachineState, x: CompiledExpression, scope: EvalScope | undefined): Compiled<Evaluated> {
  const frame = scope ? state.actors[scope.actor]?.frames[scope.frame] : undefined;
  const args = x.params.map((slot) => (slot < 0 ? scope?.actor ?? -1 : frame?.locals[slot] ?? 0));
  const probe = new ReadOnlyProbe(s, state, scope?.actor ?? 0, args);
  try {
    const value = probe.eval(x.e);
    const location = locationOf(probe, x.e, x.params);
    return { ok: true, value: { value, type: x.type, readFreed: probe.readFreed, ...(location ? { location } : {}) } };
  } catch (e) {
    if (e instanceof ProbeError) return { ok: false, message: e.message };
    throw e;
  }
}

/** The shared word or frame local an lvalue expression denotes. */
function locationOf(probe: ReadOnlyProbe, e: BExpr, params: readonly number[]): Location | undefined {
  if (e.k === 'read') return { k: 'mem', addr: probe.placeAddr(e.place) };
  if (e.k === 'addr') return { k: 'mem', addr: probe.placeAddr(e.place) };
  if (e.k === 'local') {
    const slot = params[e.slot];
    return slot !== undefined && slot >= 0 ? { k: 'local', slot } : undefined;
  }
  return undefined;
}

/** Whether a value of this type is a word that setVariable may replace. */
export function isEditable(t: Ty): boolean {
  return isScalar(t) && t.k !== 'actor' && t.k !== 'fnref';
}

/**
 * The machine's Exec, read-only: builtins that only read (READ_ONCE, atomic_read,
 * list_empty, mutex_is_locked, kref_read, …) run unchanged; anything that would write,
 * block or allocate throws, so evaluation can never change what is being debugged.
 */
class ReadOnlyProbe implements Exec {
  readonly actorSym: ActorSymbol;
  readonly site: Span = { start: 0, end: 0 };
  readonly instr = -1;
  readonly choice = 0;
  readFreed = false;

  constructor(readonly scenario: CompiledScenario, private readonly state: MachineState, readonly actor: number, private readonly args: readonly number[]) {
    this.actorSym = scenario.actors[actor] ?? scenario.actors[0]!;
  }

  private refuse(what: string): never {
    throw new ProbeError(`evaluate only reads the state; this expression would ${what}`);
  }

  read(addr: number): number {
    this.checkAccess(addr, false, describeAddress(this.scenario, this.state, addr));
    return this.state.mem[addr] ?? 0;
  }
  write(): void {
    this.refuse('write shared memory');
  }
  checkAccess(addr: number, _write: boolean, what: string): void {
    if (addr === 0) throw new ProbeError(`NULL pointer dereference (${what})`);
    if (addr < 0) throw new ProbeError(`dereference of LIST_POISON (${what}: an entry deleted from its list)`);
    if (addr >= this.state.mem.length) throw new ProbeError(`${what}: outside any object`);
    if (addr < this.scenario.layout.heapStart) return;
    const obj = objectContaining(this.scenario, this.state, addr);
    if (!obj) throw new ProbeError(`${what}: outside any object`);
    if (this.state.mem[obj - OBJECT_HEADER_WORDS + ObjectHeader.status] === ObjectStatus.Freed) this.readFreed = true;
  }
  block(_wait: WaitInfo): never {
    this.refuse('block');
  }
  fail(_kind: ViolationKind, message: string): never {
    throw new ProbeError(message);
  }
  /** An expression that would make the kernel print a report is refused, as a failure is. */
  report(_kind: ViolationKind, message: string): void {
    throw new ProbeError(message);
  }
  emit(_event: ModelEvent): void {
    this.refuse('change the state');
  }
  held(): readonly HeldLock[] {
    return this.state.actors[this.actor]?.held ?? [];
  }
  acquire(_addr: number, _cls: number, _mode: LockMode): void {
    this.refuse('take a lock');
  }
  lockSync(): void {
    this.refuse('take a lock');
  }
  stay(): void {
    this.refuse('change the state');
  }
  label(): void {
    // A label only names a step for traces; evaluating an expression takes none.
  }
  release(): HeldLock | undefined {
    this.refuse('release a lock');
  }
  lockClass(cls: number): LockClass {
    return this.scenario.lockClasses[cls]!;
  }
  irqsOff(): boolean {
    return this.actorIrqsOff(this.actor);
  }
  setIrqOff(): void {
    this.refuse('change the interrupt state');
  }
  preemptOff(): number {
    return this.state.actors[this.actor]?.preemptOff ?? 0;
  }
  setPreemptOff(): void {
    this.refuse('change the preemption count');
  }
  rcuDepth(): number {
    return this.state.actors[this.actor]?.rcuDepth ?? 0;
  }
  setRcuDepth(): void {
    this.refuse('enter or leave an RCU section');
  }
  inIrq(): boolean {
    return this.actorSym.actorKind === 'irq';
  }
  inSoftirq(): boolean {
    return this.actorSym.callback?.kind === 'timer';
  }
  bhOff(): boolean {
    const a = this.scenario.actors[this.actor];
    return a ? (this.state.mem[a.words + ACTOR_WORD.irqOff] ?? 0) >= BH_OFF_UNIT : false;
  }
  setBhOff(): void {
    this.refuse('change the bottom-half state');
  }
  mightSleep(): void {
    // Reading never sleeps; a sleeping primitive is refused by what it does next.
  }
  alloc(_struct: StructSymbol): number {
    this.refuse('allocate');
  }
  free(): void {
    this.refuse('free an object');
  }
  objectOf(addr: number): number {
    return objectContaining(this.scenario, this.state, addr);
  }
  callAfter(): void {
    this.refuse('call a fn');
  }
  callForResult(): void {
    this.refuse('call a fn');
  }
  spawn(): number {
    this.refuse('queue work or arm a timer');
  }
  actorWord(actor: number, word: number): number {
    const a = this.scenario.actors[actor];
    return a ? this.state.mem[a.words + word] ?? 0 : 0;
  }
  setActorWord(): void {
    this.refuse('change another actor');
  }
  actorStatus(actor: number): number {
    return this.state.actors[actor]?.status ?? 0;
  }
  actorIrqsOff(actor: number): boolean {
    const a = this.scenario.actors[actor];
    return a ? ((this.state.mem[a.words + ACTOR_WORD.irqOff] ?? 0) & IRQ_OFF_MASK) > 0 : false;
  }
  actorCount(): number {
    return this.scenario.actors.length;
  }
  describe(addr: number): string {
    return describeAddress(this.scenario, this.state, addr);
  }

  // The same expression semantics as the machine's step (machine.ts), without effects.
  eval(e: BExpr): number {
    switch (e.k) {
      case 'const':
        return e.v;
      case 'local':
        return this.args[e.slot] ?? 0;
      case 'current':
        return this.actor;
      case 'read':
        return this.read(this.placeAddr(e.place));
      case 'load':
        return this.read(this.eval(e.addr));
      case 'addr':
        return this.placeAddr(e.place);
      case 'unary':
        return unop(e.op, this.eval(e.e));
      case 'localAddr':
        throw new ProbeError('the address of a local is not evaluated here');
      case 'binary': {
        if (e.op === '&&') return this.eval(e.l) ? (this.eval(e.r) ? 1 : 0) : 0;
        if (e.op === '||') return this.eval(e.l) ? 1 : this.eval(e.r) ? 1 : 0;
        if (e.op === '?' && e.r.k === 'binary') return this.eval(e.l) ? this.eval(e.r.l) : this.eval(e.r.r);
        const l = this.eval(e.l);
        const r = this.eval(e.r);
        if ((e.op === '/' || e.op === '%') && r === 0) throw new ProbeError('division by zero');
        return binop(e.op, l, r);
      }
      case 'builtin':
        return e.b.run(this, e.args.map((a) => this.eval(a)), e.statics) | 0;
    }
  }

  placeAddr(p: Place): number {
    switch (p.k) {
      case 'static':
        return p.addr;
      case 'deref': {
        const v = this.eval(p.ptr);
        if (v === 0) throw new ProbeError('NULL pointer dereference');
        if (v < 0) throw new ProbeError('dereference of LIST_POISON (an entry deleted from its list)');
        return v;
      }
      case 'field':
        return this.placeAddr(p.of) + p.offset;
      case 'index': {
        const i = this.eval(p.index);
        if (i < 0 || i >= p.length) throw new ProbeError(`index ${i} is out of bounds (the array has ${p.length} elements)`);
        return this.placeAddr(p.of) + i * p.stride;
      }
    }
  }
}

/** The frame whose scope an expression is compiled in: its code index. */
export function codeOfFrame(state: MachineState, scope: EvalScope | undefined): number | undefined {
  if (!scope) return undefined;
  const f: Frame | undefined = state.actors[scope.actor]?.frames[scope.frame];
  return f?.code;
}
