// The machine: a pure, deterministic step function over immutable states. `step(s, state,
// move)` runs one visible instruction of one actor (then the local instructions after it)
// and returns the new state with the events it caused, or why the actor is blocked, or
// the violation it hit. The checker, `lockstep run` and the debugger all drive this.

import type { Span } from '../syntax/ast';
import {
  accessSize, ACTOR_WORD, ACTOR_WORDS, BH_OFF_UNIT, IRQ_OFF_MASK, WORK_PENDING, WORK_WORD, isSpinning, typeAtOffset,
  type ActorSymbol, type CallbackKind, type LockClass, type StructSymbol,
} from '../semantics/symbols';
import {
  actorCode, decodeLocalPointer, LIST_POISON1, LIST_POISON2, localPointer, OBJECT_HEADER_WORDS, ObjectHeader, ObjectStatus,
  type BExpr, type CompiledScenario, type Instr, type Place,
} from './compiled';
import { describeAddress, describeObject, objectContaining, siteText } from './describe';
import { keyedStatics } from './builtins/common';
import type { Exec } from './exec';
import {
  ActorStatus,
  type ActorState, type Frame, type HeldLock, type LockMode, type MachineState, type ModelEvent, type Move,
  type Related, type StepOk, type StepResult, type Violation, type ViolationKind, type WaitInfo,
} from './types';

/** Local instructions one step may run after its visible one before it counts as a livelock. */
export const LOCAL_STEP_BUDGET = 100_000;

const NO_REPORTS: Violation[] = [];
Object.freeze(NO_REPORTS);
const NO_ACCESSES: number[] = [];
Object.freeze(NO_ACCESSES);
const NO_EVENTS: ModelEvent[] = [];
Object.freeze(NO_EVENTS);
/**
 * The accesses and events of the step on the scratch memory (one at a time, see
 * `scratchBusy`), written in place step after step: its result takes exact-size copies,
 * where lists grown from empty would each reserve room for sixteen.
 */
const scratchAccesses: number[] = [];
const scratchEvents: ModelEvent[] = [];
const NO_CALLS: { fn: number; args: readonly number[]; resultSlot: number }[] = [];
/** A frame's result slot meaning: the return value goes to the actor's first op scratch word (Exec.callForResult). */
const RESULT_TO_OP_SCRATCH = -2;
Object.freeze(NO_CALLS);

class Blocked {
  constructor(readonly wait: WaitInfo) {}
}
class Failed {
  constructor(readonly violation: Violation) {}
}

// ---------- initial state ----------

export function initialState(s: CompiledScenario): MachineState {
  const mem: number[] = [];
  for (let i = 0; i < s.layout.heapStart; i++) mem.push(0);
  for (const [addr, v] of s.staticInit) mem[addr] = v | 0;
  const hasInit = s.initActor >= 0;
  const actors: ActorState[] = s.actors.map((a) => {
    // With an init block, only it runs at first; the tasks start when it is done.
    const running = hasInit ? a.actorKind === 'init' : a.actorKind === 'thread' || a.actorKind === 'vcpu';
    return {
      status: running ? ActorStatus.Running : ActorStatus.Idle,
      frames: running ? [newFrame(s, actorCode(s, a.index), [], -1, -1)] : [],
      held: [],
      preemptOff: 0,
      rcuDepth: 0,
    };
  });
  let state = settleAll(s, { mem, objects: [], actors });
  if (!hasInit) return state;
  // The init block runs to completion, one step after another. If a step of it blocks or
  // fails, it is left there: exploring the state then reports it like any other step.
  for (let guard = 0; state.actors[s.initActor]!.status === ActorStatus.Running && guard < LOCAL_STEP_BUDGET; guard++) {
    const r = step(s, state, { actor: s.initActor, choice: 0 });
    if (r.status !== 'ok') return state;
    state = r.state;
  }
  const started = state.actors.map((a, i) => {
    const k = s.actors[i]!.actorKind;
    if (k !== 'thread' && k !== 'vcpu') return a;
    return { ...a, status: ActorStatus.Running, frames: [newFrame(s, actorCode(s, i), [], -1, -1)] };
  });
  return settleAll(s, { ...state, actors: started });
}

/** Moves every running actor to its first visible instruction. */
function settleAll(s: CompiledScenario, state: MachineState): MachineState {
  for (let i = 0; i < state.actors.length; i++) {
    if (state.actors[i]!.status !== ActorStatus.Running || state.actors[i]!.frames.length === 0) continue;
    const f = state.actors[i]!.frames[0]!;
    if (f.pc !== 0 || state.actors[i]!.frames.length !== 1) continue;
    const d = new Draft(s, state, i, 0, { start: 0, end: 0 }, -1);
    try {
      d.settle();
    } catch (e) {
      // Its opening local steps fail (an endless local loop) or block: the actor stays at
      // its start, and its first step reports that as any step would.
      if (e instanceof Failed || e instanceof Blocked) continue;
      throw e;
    }
    state = d.commit();
  }
  return state;
}

function newFrame(s: CompiledScenario, code: number, args: readonly number[], resultSlot: number, callSite: number): Frame {
  const c = s.codes[code]!;
  const locals = new Int32Array(Math.max(c.nlocals, 1));
  args.forEach((v, i) => {
    if (i < c.nparams) locals[i] = v;
  });
  // In the field order pack.ts builds frames in: every frame the machine reads has one shape.
  return { code, pc: 0, resultSlot, callSite, locals };
}

// ---------- scheduling queries ----------

/** Whether the actor may be scheduled now (ignoring blocking on locks and conditions). */
export function schedulable(s: CompiledScenario, state: MachineState, actor: number): boolean {
  const a = state.actors[actor]!;
  const sym = s.actors[actor]!;
  if (a.status === ActorStatus.Done) return false;
  // Nothing else runs while the init block has not finished.
  if (s.initActor >= 0 && actor !== s.initActor && state.actors[s.initActor]!.status !== ActorStatus.Done) return false;
  if (a.status === ActorStatus.Idle) {
    const pending = state.mem[sym.words + ACTOR_WORD.workPending] !== 0;
    // A timer's callback is an interrupt (softirq or hardirq) that fires while it is armed.
    if (sym.callback && sym.callback.kind !== 'work') return pending && interruptMayFire(s, state, actor, sym.callback.kind === 'timer');
    if (sym.actorKind === 'work') return pending;
    if (sym.actorKind === 'irq') return !pending && irqLineEnabled(s, state, sym) && interruptMayFire(s, state, actor, false);
    return false;
  }
  return cpuFreeFor(s, state, actor) === -1;
}

/**
 * Per actor, 1 when `schedulable` is only whether it is running: a task alone on its CPU (no
 * handler or other task there to occupy it), no init block to wait for, no callback to be
 * pending.
 */
export function schedulableIfRunning(s: CompiledScenario): Uint8Array {
  const peers = cpuPeers(s);
  return Uint8Array.from(s.actors, (sym, actor) =>
    peers[actor]!.length === 0 && (s.initActor < 0 || actor === s.initActor) && sym.actorKind !== 'work' && sym.actorKind !== 'irq' && !sym.callback ? 1 : 0);
}

/**
 * An interrupt may fire on its CPU unless another handler runs there or a task there has
 * interrupts off (or, for a softirq, bottom halves off). A plain irq handler fires once.
 */
function interruptMayFire(s: CompiledScenario, state: MachineState, actor: number, softirq: boolean): boolean {
  const peers = cpuPeers(s)[actor]!;
  for (let p = 0; p < peers.length; p++) {
    const i = peers[p]!;
    const o = s.actors[i]!;
    const st = state.actors[i]!;
    if (st.status !== ActorStatus.Running) continue;
    if (o.actorKind === 'irq') return false;
    const off = state.mem[o.words + ACTOR_WORD.irqOff]!;
    if ((off & IRQ_OFF_MASK) > 0 || (softirq && off >= BH_OFF_UNIT)) return false;
  }
  return true;
}

/** An irq actor with a `line` fires only while that line is enabled (disable_irq depth 0). */
function irqLineEnabled(s: CompiledScenario, state: MachineState, sym: ActorSymbol): boolean {
  if (sym.line === undefined) return true;
  const i = s.layout.irqLines.indexOf(sym.line);
  return i < 0 || state.mem[s.layout.lineWords + i] === 0;
}

const peersOf = new WeakMap<CompiledScenario, readonly (readonly number[])[]>();

/** Per actor, the other actors on its CPU, in order (the scheduling queries ask at every state). */
function cpuPeers(s: CompiledScenario): readonly (readonly number[])[] {
  if (s === lastPeers.s) return lastPeers.peers;
  let p = peersOf.get(s);
  if (!p) {
    p = s.actors.map((a, i) => s.actors.flatMap((o, j) => (j !== i && o.cpu === a.cpu ? [j] : [])));
    peersOf.set(s, p);
  }
  lastPeers = { s, peers: p };
  return p;
}
let lastPeers: { s: CompiledScenario | undefined; peers: readonly (readonly number[])[] } = { s: undefined, peers: [] };

/**
 * -1 when the actor's CPU is free for it; otherwise the actor occupying it: an irq handler
 * running there, or a task there that cannot be preempted (spinlock held, preemption or
 * interrupts off).
 */
export function cpuFreeFor(s: CompiledScenario, state: MachineState, actor: number): number {
  const sym = s.actors[actor]!;
  if (sym.actorKind === 'work') return -1;
  const peers = cpuPeers(s)[actor]!;
  for (let p = 0; p < peers.length; p++) {
    const i = peers[p]!;
    const o = s.actors[i]!;
    if (o.actorKind === 'work') continue;
    const st = state.actors[i]!;
    if (st.status !== ActorStatus.Running) continue;
    if (o.actorKind === 'irq' && sym.actorKind !== 'irq') return i;
    if (sym.actorKind !== 'irq' && o.actorKind !== 'irq' && pinned(s, state, i)) return i;
  }
  return -1;
}

function pinned(s: CompiledScenario, state: MachineState, actor: number): boolean {
  const a = state.actors[actor]!;
  if (a.preemptOff > 0) return true;
  if (state.mem[s.actors[actor]!.words + ACTOR_WORD.irqOff]! > 0) return true;
  return holdsSpinlock(s, a.held);
}

/** How many nondeterministic outcomes the actor's next step has (1 for most steps). */
export function choiceCount(s: CompiledScenario, state: MachineState, actor: number): number {
  const a = state.actors[actor]!;
  if (!mayChooseNext(s, a)) return 1;
  const f = a.frames[a.frames.length - 1]!;
  const ins = s.codes[f.code]!.instrs[f.pc]!;
  if (ins.op === 'choose') return ins.targets.length;
  // The primitive with outcomes may stand alone, be assigned, or be tested (`if (copy_from_user(…))`).
  const top = ins.op === 'eval' || ins.op === 'assign' ? ins.e : ins.op === 'branch' ? ins.cond : undefined;
  const e = top?.k === 'unary' ? top.e : top?.k === 'binary' && top.l.k === 'builtin' ? top.l : top;
  if (e?.k === 'builtin' && e.b.choices) {
    const d = new Draft(s, state, actor, 0, ins.span, ins.id);
    try {
      const args = e.args.map((x) => d.eval(x));
      return Math.max(1, e.b.choices(d, args));
    } catch {
      return 1;
    }
  }
  return 1;
}

/**
 * Whether the next statement of an actor in state `a` may have several outcomes (whatever
 * the memory holds): a `choose`, or a primitive with `choices`.
 */
export function mayChooseNext(s: CompiledScenario, a: ActorState): boolean {
  if (a.status !== ActorStatus.Running) return false;
  const f = a.frames[a.frames.length - 1];
  if (!f) return false;
  const ins = s.codes[f.code]!.instrs[f.pc];
  return ins !== undefined && mayChoose(s)[ins.id] === 1;
}

const choosersOf = new WeakMap<CompiledScenario, Uint8Array>();
let lastChoosers: { s: CompiledScenario | undefined; flags: Uint8Array } = { s: undefined, flags: new Uint8Array(0) };

/**
 * Per instruction id, 1 when its step may have several outcomes (a `choose`, or a primitive
 * with `choices`): choiceCount asks at every move, and most instructions have one.
 */
function mayChoose(s: CompiledScenario): Uint8Array {
  if (s === lastChoosers.s) return lastChoosers.flags;
  let flags = choosersOf.get(s);
  if (!flags) {
    flags = new Uint8Array(s.instrs.length);
    for (const ins of s.instrs) {
      if (ins.op === 'choose') flags[ins.id] = 1;
      const top = ins.op === 'eval' || ins.op === 'assign' ? ins.e : ins.op === 'branch' ? ins.cond : undefined;
      const e = top?.k === 'unary' ? top.e : top?.k === 'binary' && top.l.k === 'builtin' ? top.l : top;
      if (e?.k === 'builtin' && e.b.choices) flags[ins.id] = 1;
    }
    choosersOf.set(s, flags);
  }
  lastChoosers = { s, flags };
  return flags;
}

/** Every actor has finished: threads and vCPUs done, no handler or work item running or pending. */
export function isFinished(s: CompiledScenario, state: MachineState): boolean {
  for (let i = 0; i < s.actors.length; i++) {
    const a = state.actors[i]!;
    const k = s.actors[i]!.actorKind;
    if (a.status === ActorStatus.Running) return false;
    if ((k === 'thread' || k === 'vcpu' || k === 'init') && a.status !== ActorStatus.Done) return false;
    if ((k === 'work' || s.actors[i]!.callback) && state.mem[s.actors[i]!.words + ACTOR_WORD.workPending] !== 0) return false;
  }
  return true;
}

/** The instruction an actor executes next, if it is running. */
export function nextInstr(s: CompiledScenario, state: MachineState, actor: number): Instr | undefined {
  const a = state.actors[actor];
  const f = a?.frames[a.frames.length - 1];
  if (!f) return undefined;
  return s.codes[f.code]!.instrs[f.pc];
}

/** The call stack of an actor, innermost first: code name and the span it is at. */
export function stackOf(s: CompiledScenario, state: MachineState, actor: number): { name: string; span: Span; code: number }[] {
  const a = state.actors[actor]!;
  const out: { name: string; span: Span; code: number }[] = [];
  for (let i = a.frames.length - 1; i >= 0; i--) {
    const f = a.frames[i]!;
    const c = s.codes[f.code]!;
    // A caller's pc is already past its call: show the call itself, which the callee recorded.
    const callee = a.frames[i + 1];
    const ins = callee && callee.callSite >= 0 ? s.instrs[callee.callSite] : c.instrs[f.pc];
    const span = ins ? ins.span : { start: c.span.end - 1, end: c.span.end };
    out.push({ name: c.name, span, code: f.code });
  }
  return out;
}

// ---------- the step ----------

export function step(s: CompiledScenario, state: MachineState, move: Move): StepResult {
  return stepOn(s, state, move, false);
}

/**
 * The step a task was about to take when an interrupt handler now running on its CPU
 * preempted it: KCSAN's watchpoint on that access sees the handler's (a data race on one CPU).
 */
export function preemptedStep(s: CompiledScenario, state: MachineState, actor: number): StepResult {
  return stepOn(s, state, { actor, choice: 0 }, true);
}

function stepOn(s: CompiledScenario, state: MachineState, move: Move, preempted: boolean): StepResult {
  const { actor, choice } = move;
  const a = state.actors[actor];
  const sym = s.actors[actor];
  if (!a || !sym) return { status: 'blocked', wait: { kind: 'done' }, span: { start: 0, end: 0 } };
  if (a.status === ActorStatus.Done) return { status: 'blocked', wait: { kind: 'done' }, span: sym.decl.name.span };
  if (a.status === ActorStatus.Idle) return startActor(s, state, actor);
  const occupant = preempted ? -1 : cpuFreeFor(s, state, actor);
  const f = a.frames[a.frames.length - 1]!;
  const ins = s.codes[f.code]!.instrs[f.pc]!;
  if (occupant >= 0) return { status: 'blocked', wait: { kind: 'cpu', by: occupant }, span: ins.span };
  // Only the first outcome of an acquisition waits for the lock (another may be an injected signal).
  const quick = choice === 0 ? quickBlocked(s, state, actor, a, f, ins) : undefined;
  if (quick) return quick;
  const d = new Draft(s, state, actor, choice, ins.span, ins.id, true);
  try {
    d.execute(ins);
    d.settle();
    return d.okResult(ins.span);
  } catch (e) {
    if (e instanceof Blocked) {
      // A report printed before the actor went to sleep (might_sleep() in atomic context, then
      // a contended lock) is the finding: the step cannot be taken, so it ends the run there.
      if (d.reports.length > 0) return { status: 'violation', violation: d.reports[0]!, state, events: d.events, span: ins.span };
      return d.isPure() ? { status: 'blocked', wait: e.wait, span: ins.span, accesses: d.accesses } : { status: 'blocked', wait: e.wait, span: ins.span };
    }
    if (e instanceof Failed) return { status: 'violation', violation: e.violation, state, events: d.events, span: ins.span };
    throw e;
  } finally {
    d.releaseScratch();
  }
}

/**
 * A lock acquisition that would block, seen without running the step: the common case in
 * exploration, where most attempts of most actors are contended. Anything unusual (a lock
 * in freed memory, recursion, atomic context for a sleeping lock) takes the full step.
 */
function quickBlocked(s: CompiledScenario, state: MachineState, actor: number, a: ActorState, f: Frame, ins: Instr): StepResult | undefined {
  if (ins.op !== 'eval' || ins.e.k !== 'builtin') return undefined;
  const b = ins.e.b;
  if (!b.acquires) return undefined;
  const arg = ins.e.args[0];
  const addr = arg?.k === 'addr' ? quickPlace(s, state, f, arg.place) : undefined;
  if (addr === undefined) return undefined;
  const cls = ins.e.statics[0] ?? -1;
  const c = s.lockClasses[cls];
  if (!c) return undefined;
  // A sleeping lock taken in atomic context is a violation, not a wait: the full step reports it.
  if (b.sleeps && atomicContext(s, state, actor, a)) return undefined;
  const holder = state.mem[addr]!;
  if (holder === actor + 1) return undefined;
  const readers = c.lock === 'rwsem' ? state.mem[addr + 1]! : 0;
  if (readers & (1 << actor)) return undefined;
  const blocked = b.acquires === 'exclusive' ? holder !== 0 || readers !== 0 : holder !== 0;
  if (!blocked) return undefined;
  const holders: number[] = [];
  if (holder !== 0) holders.push(holder - 1);
  else for (let i = 0; i < 31; i++) if (readers & (1 << i)) holders.push(i);
  // What it read: the lock's words, unless its address came through a heap pointer (whose
  // object's header was read too).
  const accesses = addr >= s.layout.heapStart ? undefined : c.lock === 'rwsem' ? [addr * 2, (addr + 1) * 2] : [addr * 2];
  const wait: WaitInfo = { kind: 'lock', lock: addr, cls, mode: b.acquires === 'exclusive' ? 'write' : 'read', holders };
  return accesses ? { status: 'blocked', wait, span: ins.span, accesses } : { status: 'blocked', wait, span: ins.span };
}

function atomicContext(s: CompiledScenario, state: MachineState, actor: number, a: ActorState): boolean {
  const sym = s.actors[actor]!;
  return a.preemptOff > 0 || a.rcuDepth > 0 || sym.actorKind === 'irq' || state.mem[sym.words + ACTOR_WORD.irqOff] !== 0
    || holdsSpinlock(s, a.held);
}

/** The address of a place when computing it reads no shared memory and cannot fail. */
function quickPlace(s: CompiledScenario, state: MachineState, f: Frame, p: Place): number | undefined {
  switch (p.k) {
    case 'static':
      return p.addr;
    case 'field': {
      const base = quickPlace(s, state, f, p.of);
      return base === undefined ? undefined : base + p.offset;
    }
    case 'deref': {
      if (p.ptr.k !== 'local') return undefined;
      const v = f.locals[p.ptr.slot] ?? 0;
      if (v <= 0 || v >= state.mem.length) return undefined;
      if (v >= s.layout.heapStart) {
        const obj = objectContaining(s, state, v);
        if (!obj || state.mem[obj - OBJECT_HEADER_WORDS + ObjectHeader.status] !== ObjectStatus.Alive) return undefined;
      }
      return v;
    }
    default:
      return undefined;
  }
}

function startActor(s: CompiledScenario, state: MachineState, actor: number): StepResult {
  const sym = s.actors[actor]!;
  const span = sym.decl.name.span;
  if (!schedulable(s, state, actor)) {
    return { status: 'blocked', wait: { kind: 'idle' }, span };
  }
  const d = new Draft(s, state, actor, 0, span, -1, true);
  try {
    d.start();
    d.settle();
    return d.okResult(span);
  } catch (e) {
    if (e instanceof Blocked) return { status: 'blocked', wait: e.wait, span };
    if (e instanceof Failed) return { status: 'violation', violation: e.violation, state, events: d.events, span };
    throw e;
  } finally {
    d.releaseScratch();
  }
}

/**
 * Memory written in place by the step in progress (see `Draft`): a copy of the memory of
 * `scratchOf`, the base state it was last made for, restored to it after every step.
 * Successive steps from one state (the checker tries every actor's) share it, so a step
 * copies no memory unless its result's state is asked for.
 */
let scratch: number[] = [];
let scratchOf: readonly number[] | undefined;
/** A step is running on the scratch memory (a step inside it would copy instead). */
let scratchBusy = false;

/**
 * A step's result whose new state is built when first read: the base state, the words the
 * step wrote with their new values, and the moving actor's new state. Most successors the
 * checker computes are states it has seen, whose fingerprint it takes from these alone.
 */
/**
 * What the checker's hasher learnt of a remembered step: the moving actor's new state
 * hashed, and, where every word the step wrote it had read first (`fixedDelta`: their old
 * values are then part of the memo's key), how the step changes the state's two hash sums.
 * Also the new state's number in the checker's table of actor states (explore/pack.ts,
 * ActorIntern), so that the frontier packs it without looking the object up (-1: not known).
 */
export class StepHash {
  actorId = -1;
  actorH1 = 0;
  actorH2 = 0;
  actorHashed = false;
  delta1 = 0;
  delta2 = 0;
  deltaKnown = false;

  constructor(readonly fixedDelta: boolean) {}
}

/**
 * What a step did that does not depend on the state it was taken from, given the values it
 * read: the checker's step memo (explore/memo.ts) gives it again from other states, as new
 * results that share it, so that those, one per state, stay small.
 */
export class StepEffect {
  /** What the checker's hasher (explore/store.ts) learnt of the step once the step memo remembered it. */
  learnt: StepHash | undefined = undefined;

  constructor(
    /** The words the step wrote, each once, with their values after it: address, value, address, value… */
    readonly written: readonly number[],
    readonly events: readonly ModelEvent[],
    readonly accesses: readonly number[],
    readonly plain: readonly number[],
    readonly span: Span,
    readonly reports: readonly Violation[],
    /** What this step of a primitive made of several did (Exec.label), if it says. */
    readonly label: string | undefined,
    /**
     * The step is a function of the moving actor's state, the shared words it read
     * (`accesses`) and that actor's irq word alone: it read no heap object, no other actor's
     * state, allocated nothing and reported nothing. From another state where those hold the
     * same values, the same step writes the same words and leaves the actor in the same
     * state (the checker's step memo, explore/memo.ts, relies on it).
     */
    readonly pure: boolean,
  ) {}
}

export class LazyStepOk implements StepOk {
  readonly status = 'ok';
  private built: MachineState | undefined = undefined;

  constructor(
    readonly base: MachineState,
    readonly actor: number,
    readonly actorState: ActorState,
    /** What the step did (StepEffect), shared with the steps the memo gives again from other states. */
    readonly effect: StepEffect,
  ) {}

  get written(): readonly number[] {
    return this.effect.written;
  }

  get events(): readonly ModelEvent[] {
    return this.effect.events;
  }

  get accesses(): readonly number[] {
    return this.effect.accesses;
  }

  get plain(): readonly number[] {
    return this.effect.plain;
  }

  get span(): Span {
    return this.effect.span;
  }

  get reports(): readonly Violation[] {
    return this.effect.reports;
  }

  get label(): string | undefined {
    return this.effect.label;
  }

  /** See StepEffect.pure. */
  get pure(): boolean {
    return this.effect.pure;
  }

  get state(): MachineState {
    if (this.built) return this.built;
    const base = this.base;
    const mem = base.mem.slice();
    const w = this.effect.written;
    for (let i = 0; i < w.length; i += 2) mem[w[i]!] = w[i + 1]!;
    const actors = base.actors.slice();
    actors[this.actor] = this.actorState;
    return (this.built = { mem, objects: base.objects, actors });
  }
}

interface MutableFrame {
  code: number;
  pc: number;
  resultSlot: number;
  callSite: number;
  locals: Int32Array;
  /** The locals array belongs to this draft (copied or new), so it may be written. */
  owned: boolean;
  /** The base state's frame this one copies, if any: reused by `commit` when unchanged. */
  orig: Frame | undefined;
}

function mutableFrame(code: number, pc: number, resultSlot: number, callSite: number, locals: Int32Array, owned: boolean, orig: Frame | undefined): MutableFrame {
  return { code, pc, resultSlot, callSite, locals, owned, orig };
}

/** A new frame of a call this step makes: its locals are its own. */
function calledFrame(s: CompiledScenario, code: number, args: readonly number[], resultSlot: number, callSite: number): MutableFrame {
  const f = newFrame(s, code, args, resultSlot, callSite);
  return mutableFrame(f.code, f.pc, f.resultSlot, f.callSite, f.locals, true, undefined);
}

/** A draft's frame as the new state holds it: the base state's own when the step left it as it was. */
function frozenFrame(f: MutableFrame): Frame {
  const o = f.orig;
  if (o && o.pc === f.pc && o.locals === f.locals && o.code === f.code) return o;
  return { code: f.code, pc: f.pc, resultSlot: f.resultSlot, callSite: f.callSite, locals: f.locals };
}

/** A step in progress: copy-on-write over the state, implementing what builtins may do. */
class Draft implements Exec {
  // Every field is set in the constructor, in one order, and declared without an
  // initialiser: class-field initialisers compile to a separate initialiser call and a
  // define per field, and the checker makes a draft for every step it takes.
  declare readonly scenario: CompiledScenario;
  declare private readonly base: MachineState;
  declare readonly actor: number;
  declare readonly choice: number;
  declare readonly actorSym: ActorSymbol;
  /** The step's events so far: the first `nEvents` of this list (see `scratchEvents`). */
  declare private eventBuffer: ModelEvent[];
  declare private nEvents: number;
  /** The step's accesses so far: the first `nAccesses` of this list (see `scratchAccesses`). */
  declare private accessBuffer: number[];
  declare private nAccesses: number;
  /** Shared and empty until the first plain access (most steps' accesses are all marked). */
  declare plain: number[];
  /** Non-fatal reports of this step; shared and empty until the first one. */
  declare reports: Violation[];
  declare private mem: number[];
  declare private memCopied: boolean;
  declare private objects: readonly number[];
  declare private status: ActorStatus;
  declare private frames: MutableFrame[];
  declare private heldLocks: HeldLock[];
  declare private preempt: number;
  declare private rcu: number;
  /** Calls to make after this statement (shared and empty until the first one). */
  declare private pendingCalls: { fn: number; args: readonly number[]; resultSlot: number }[];
  /** The statement stays where it is (Exec.stay): its pc does not advance. */
  declare private stayed: boolean;
  declare stepLabel: string | undefined;
  declare site: Span;
  declare instr: number;
  /** This draft writes the scratch memory (see `scratch`), restored by `release`. */
  declare private onScratch: boolean;
  /** The step failed (`fail`): its violation may read this draft's memory later. */
  declare private failed: boolean;
  /** The step consulted state other than its actor's and the words it read (LazyStepOk.pure). */
  declare private impure: boolean;

  /**
   * `inPlace`: write the shared scratch memory and undo afterwards (`okResult`, `releaseScratch`)
   * rather than copy the base's memory at the first write.
   */
  constructor(scenario: CompiledScenario, base: MachineState, actor: number, choice: number, site: Span, instr: number, inPlace = false) {
    this.scenario = scenario;
    this.base = base;
    this.actor = actor;
    this.choice = choice;
    this.actorSym = scenario.actors[actor]!;
    this.plain = NO_ACCESSES;
    this.reports = NO_REPORTS;
    // Copied before the first write (memCopied), so the base state is never changed.
    let mem = base.mem as number[];
    let onScratch = false;
    if (inPlace && !scratchBusy) {
      if (scratchOf !== mem) {
        // Refilled in place when the length allows: no draft keeps it once released.
        if (scratch.length === mem.length) for (let i = 0; i < mem.length; i++) scratch[i] = mem[i]!;
        else scratch = mem.slice();
        scratchOf = mem;
      }
      scratchBusy = true;
      onScratch = true;
      mem = scratch;
    }
    this.mem = mem;
    this.memCopied = onScratch;
    this.eventBuffer = onScratch ? scratchEvents : [];
    this.nEvents = 0;
    this.accessBuffer = onScratch ? scratchAccesses : [];
    this.nAccesses = 0;
    this.objects = base.objects;
    const a = base.actors[actor]!;
    this.status = a.status;
    // Frames are copied shallowly; a frame's locals are copied when written.
    const bf = a.frames;
    const frames = new Array<MutableFrame>(bf.length);
    for (let i = 0; i < bf.length; i++) {
      const f = bf[i]!;
      frames[i] = mutableFrame(f.code, f.pc, f.resultSlot, f.callSite, f.locals, false, f);
    }
    this.frames = frames;
    this.heldLocks = a.held as HeldLock[];
    this.preempt = a.preemptOff;
    this.rcu = a.rcuDepth;
    this.pendingCalls = NO_CALLS;
    this.stayed = false;
    this.stepLabel = undefined;
    this.site = site;
    this.instr = instr;
    this.onScratch = onScratch;
    this.failed = false;
    this.impure = false;
  }

  /** The step's events, a list of their own (the buffer is the next step's). */
  get events(): ModelEvent[] {
    const n = this.nEvents;
    if (n === 0) return NO_EVENTS;
    const out = new Array<ModelEvent>(n);
    for (let i = 0; i < n; i++) out[i] = this.eventBuffer[i]!;
    return out;
  }

  /** The step's accesses, a list of their own (the buffer is the next step's). */
  get accesses(): number[] {
    const n = this.nAccesses;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.accessBuffer[i]!;
    return out;
  }

  commit(): MachineState {
    const actors = this.base.actors.slice();
    actors[this.actor] = {
      status: this.status,
      frames: frozenFrames(this.frames),
      held: this.heldLocks,
      preemptOff: this.preempt,
      rcuDepth: this.rcu,
    };
    return { mem: this.mem, objects: this.objects, actors };
  }

  /** The result of a step that went through: lazy when it wrote only the scratch memory. */
  okResult(span: Span): StepOk {
    if (!this.onScratch || this.mem !== scratch) {
      return { status: 'ok', state: this.commit(), events: this.events, accesses: this.accesses, plain: this.plain, span, reports: this.reports, ...(this.stepLabel ? { label: this.stepLabel } : {}) };
    }
    const acc = this.accessBuffer;
    const n = this.nAccesses;
    const mem = this.mem;
    // Address, value, address, value…: a plain array, far cheaper to make than typed ones,
    // of exact size (the words written counted first, each once).
    let nw = 0;
    next: for (let i = 0; i < n; i++) {
      const x = acc[i]!;
      if ((x & 1) === 0) continue;
      for (let j = 0; j < i; j++) if (acc[j] === x) continue next;
      nw++;
    }
    const written = new Array<number>(2 * nw);
    let k = 0;
    next: for (let i = 0; i < n; i++) {
      const x = acc[i]!;
      if ((x & 1) === 0) continue;
      for (let j = 0; j < i; j++) if (acc[j] === x) continue next;
      const addr = x >> 1;
      written[k++] = addr;
      written[k++] = mem[addr]!;
    }
    const actor: ActorState = {
      status: this.status,
      frames: frozenFrames(this.frames),
      held: this.heldLocks,
      preemptOff: this.preempt,
      rcuDepth: this.rcu,
    };
    return new LazyStepOk(this.base, this.actor, actor, new StepEffect(written, this.events, this.accesses, this.plain, span, this.reports, this.stepLabel, this.isPure()));
  }

  /** See LazyStepOk.pure (and StepBlocked.accesses, given only then). */
  isPure(): boolean {
    if (this.impure || this.reports !== NO_REPORTS) return false;
    const heap = this.scenario.layout.heapStart;
    const acc = this.accessBuffer;
    for (let i = 0; i < this.nAccesses; i++) if (acc[i]! >> 1 >= heap) return false;
    return true;
  }

  /** Restores the scratch memory to the base state's (every word the step wrote there). */
  releaseScratch(): void {
    if (!this.onScratch) return;
    this.onScratch = false;
    scratchBusy = false;
    // A report's text is built when first read, from this draft's memory: keep that memory.
    if (this.mem === scratch && (this.reports.length > 0 || this.failed)) this.mem = scratch.slice();
    const base = this.base.mem;
    const m = base.length;
    const acc = this.accessBuffer;
    for (let i = 0; i < this.nAccesses; i++) {
      const x = acc[i]!;
      if ((x & 1) === 0) continue;
      const addr = x >> 1;
      if (addr < m) scratch[addr] = base[addr]!;
    }
  }

  private get top(): MutableFrame {
    return this.frames[this.frames.length - 1]!;
  }

  private setLocal(slot: number, v: number): void {
    const f = this.top;
    if (!f.owned) {
      f.locals = f.locals.slice();
      f.owned = true;
    }
    f.locals[slot] = v;
  }

  // ---------- Exec: memory ----------

  read(addr: number, marked = false): number {
    this.accessBuffer[this.nAccesses++] = addr * 2;
    if (!marked) this.plainAccess(addr * 2);
    return this.mem[addr] ?? 0;
  }

  private plainAccess(x: number): void {
    if (this.plain === NO_ACCESSES) this.plain = [x];
    else this.plain.push(x);
  }

  write(addr: number, value: number, marked = false): void {
    if (!this.memCopied) {
      this.mem = this.mem.slice();
      this.memCopied = true;
    }
    if (addr <= 0 || addr >= this.mem.length) this.wild(addr, true, 'write');
    this.mem[addr] = value | 0;
    this.accessBuffer[this.nAccesses++] = addr * 2 + 1;
    if (!marked) this.plainAccess(addr * 2 + 1);
    this.emit({ kind: 'write', actor: this.actor, addr, value });
  }

  private wild(addr: number, write: boolean, what: string): never {
    if (addr === LIST_POISON1 || addr === LIST_POISON2 || (addr < 0 && addr > LIST_POISON2 - 2)) {
      this.fail('list_corruption', `${what}: dereference of LIST_POISON (an entry already deleted from its list)`, [
        `general protection fault, probably for non-canonical address 0xdead000000000${addr === LIST_POISON1 ? '100' : '122'}: 0000 [#1] SMP`,
        `CPU: ${this.actorSym.cpu} PID: ${this.actor + 1} Comm: ${this.actorSym.name}`,
        `RIP: ${this.frameName()} at ${siteText(this.scenario, this.site)}`,
        `(${write ? 'write' : 'read'} through a list entry poisoned by list_del)`,
      ].join('\n'));
    }
    if (addr >= 0 && addr < 64) this.nullDeref(what);
    this.fail('out_of_bounds', `${what}: access outside any object`, `BUG: KASAN: wild-memory-access in ${this.frameName()}\n${write ? 'Write' : 'Read'} at ${siteText(this.scenario, this.site)}`);
  }

  private nullDeref(what: string): never {
    this.fail('null_deref', `NULL pointer dereference: ${what}`, [
      'BUG: kernel NULL pointer dereference, address: 0000000000000000',
      `#PF: supervisor ${'read'} access in kernel mode`,
      `CPU: ${this.actorSym.cpu} PID: ${this.actor + 1} Comm: ${this.actorSym.name}`,
      `RIP: ${this.frameName()} at ${siteText(this.scenario, this.site)}`,
      this.callTrace(),
    ].join('\n'));
  }

  checkAccess(addr: number, write: boolean, what?: string): void {
    if (addr > 0 && addr < this.scenario.layout.heapStart) return;
    this.impure = true;
    if (addr <= 0 || addr >= this.mem.length) this.wild(addr, write, what ?? this.describe(addr));
    const obj = objectContaining(this.scenario, { mem: this.mem, objects: this.objects, actors: this.base.actors }, addr);
    if (!obj) this.wild(addr, write, what ?? this.describe(addr));
    if (this.mem[obj - OBJECT_HEADER_WORDS + ObjectHeader.status] === ObjectStatus.Freed) this.useAfterFree(obj, addr, write, what ?? this.describe(addr));
  }

  /** KASAN reports the access and the kernel goes on: freed memory still holds its last values. */
  private useAfterFree(obj: number, addr: number, write: boolean, what: string): void {
    const s = this.scenario;
    const h = obj - OBJECT_HEADER_WORDS;
    const st = s.structs[this.mem[h + ObjectHeader.struct]!]!;
    const allocInstr = s.instrs[this.mem[h + ObjectHeader.allocSite]!];
    const freeInstr = s.instrs[this.mem[h + ObjectHeader.freeSite]!];
    const allocActor = s.actors[this.mem[h + ObjectHeader.allocActor]!];
    const freeActor = s.actors[this.mem[h + ObjectHeader.freeActor]!];
    const state = { mem: this.mem, objects: this.objects, actors: this.base.actors };
    const name = describeAddress(s, state, addr);
    const related: Related[] = [];
    if (allocInstr) related.push({ span: allocInstr.span, message: `${describeObject(s, state, obj)} allocated here by ${allocActor?.name ?? '?'}` });
    if (freeInstr) related.push({ span: freeInstr.span, message: `freed here by ${freeActor?.name ?? '?'}` });
    const where = (ins: Instr | undefined): string => ins ? ` ${s.codes[s.instrCode[ins.id]!]!.name}+${siteText(s, ins.span)}` : ' ?';
    // The report is built only if someone reads it: exploration meets the same
    // use-after-free at many states and keeps one.
    this.report('use_after_free', `use-after-free: ${write ? 'write' : 'read'} of ${name} by ${this.actorSym.name} (freed by ${freeActor?.name ?? '?'})`, () => [
      '==================================================================',
      `BUG: KASAN: slab-use-after-free in ${this.frameName()}`,
      // KASAN prints the access's width: the type of the field at that address.
      `${write ? 'Write' : 'Read'} of size ${accessSize(typeAtOffset({ k: 'struct', s: st }, addr - obj))} at addr ${hexAddr(addr)} by task ${this.actorSym.name}/${this.actor + 1}`,
      `  (${what}: ${name})`,
      '',
      `CPU: ${this.actorSym.cpu} PID: ${this.actor + 1} Comm: ${this.actorSym.name}`,
      this.callTrace(),
      '',
      `Allocated by task ${(this.mem[h + ObjectHeader.allocActor] ?? 0) + 1} (${allocActor?.name ?? '?'}):`,
      ` kzalloc${where(allocInstr)}`,
      '',
      `Freed by task ${(this.mem[h + ObjectHeader.freeActor] ?? 0) + 1} (${freeActor?.name ?? '?'}):`,
      ` kfree${where(freeInstr)}`,
      '',
      `The buggy address belongs to the object at ${hexAddr(obj)}`,
      ` which belongs to the cache kmalloc of struct ${st.name} (${st.size * 8} bytes)`,
      '==================================================================',
    ].join('\n'), related);
  }

  private frameName(): string {
    const f = this.frames[this.frames.length - 1];
    return f ? this.scenario.codes[f.code]!.name : this.actorSym.name;
  }

  private callTrace(): string {
    const lines = ['Call Trace:'];
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i]!;
      const c = this.scenario.codes[f.code]!;
      const ins = i === this.frames.length - 1 ? this.scenario.instrs[this.instr] : c.instrs[f.pc];
      lines.push(` ${c.name}+${ins ? siteText(this.scenario, ins.span) : '?'}`);
    }
    return lines.join('\n');
  }

  block(wait: WaitInfo): never {
    throw new Blocked(wait);
  }

  stay(): void {
    this.stayed = true;
  }

  label(text: string): void {
    this.stepLabel = text;
  }

  /** `report` may be a function: it is then called (once) when the report is first read. */
  fail(kind: ViolationKind, message: string, report: string | (() => string), related: readonly Related[] = []): never {
    this.failed = true;
    throw new Failed(this.violation(kind, message, report, related));
  }

  report(kind: ViolationKind, message: string, report: string | (() => string), related: readonly Related[] = []): void {
    const v = this.violation(kind, message, report, related);
    if (this.reports === NO_REPORTS) this.reports = [v];
    else this.reports.push(v);
  }

  private violation(kind: ViolationKind, message: string, report: string | (() => string), related: readonly Related[]): Violation {
    const base = { kind, message, actor: this.actor, span: this.site, related };
    if (typeof report === 'string') return { ...base, report };
    let text: string | undefined;
    return {
      ...base,
      get report(): string {
        return (text ??= report());
      },
    };
  }

  emit(event: ModelEvent): void {
    this.eventBuffer[this.nEvents++] = event;
  }

  // ---------- Exec: locks ----------

  held(): readonly HeldLock[] {
    return this.heldLocks;
  }

  acquire(addr: number, cls: number, mode: LockMode, trylock: boolean, irq: boolean, subclass = 0, recursiveRead = false): void {
    const before = this.heldLocks;
    const held = before.slice();
    held.push(subclass ? { addr, cls, mode, site: this.site, irq, subclass } : { addr, cls, mode, site: this.site, irq });
    this.heldLocks = held;
    this.acquireEvent(addr, cls, mode, trylock, before, subclass, recursiveRead);
  }

  lockSync(addr: number, cls: number): void {
    this.acquireEvent(addr, cls, 'write', false, this.heldLocks, 0, false);
  }

  private acquireEvent(addr: number, cls: number, mode: LockMode, trylock: boolean, held: readonly HeldLock[], subclass: number, recursiveRead: boolean): void {
    const c = this.scenario.lockClasses[cls]!;
    const event = {
      kind: 'acquire', actor: this.actor, lock: addr, cls, lockKind: c.lock, mode, trylock, site: this.site,
      held, irqsEnabled: !this.irqsOff(), inIrq: this.inIrq(), softirq: this.inSoftirq(), bhEnabled: !this.bhOff(),
    } as const;
    // The annotations are rare: the common event is built without spreading empty objects.
    if (!subclass && !recursiveRead) this.emit(event);
    else this.emit({ ...event, ...(subclass ? { subclass } : {}), ...(recursiveRead ? { recursiveRead } : {}) });
  }

  release(addr: number, mode: LockMode | undefined): HeldLock | undefined {
    for (let i = this.heldLocks.length - 1; i >= 0; i--) {
      const h = this.heldLocks[i]!;
      if (h.addr === addr && (mode === undefined || h.mode === mode)) {
        this.heldLocks = without(this.heldLocks, i);
        this.emit({ kind: 'release', actor: this.actor, lock: addr, cls: h.cls });
        return h;
      }
    }
    return undefined;
  }

  lockClass(cls: number): LockClass {
    return this.scenario.lockClasses[cls]!;
  }

  irqsOff(): boolean {
    return ((this.mem[this.actorSym.words + ACTOR_WORD.irqOff] ?? 0) & IRQ_OFF_MASK) > 0;
  }

  setIrqOff(delta: number): void {
    const w = this.actorSym.words + ACTOR_WORD.irqOff;
    const v = this.mem[w] ?? 0;
    this.write(w, (v - (v & IRQ_OFF_MASK)) + Math.max(0, (v & IRQ_OFF_MASK) + delta), true);
  }

  bhOff(): boolean {
    return (this.mem[this.actorSym.words + ACTOR_WORD.irqOff] ?? 0) >= BH_OFF_UNIT;
  }

  setBhOff(delta: number): void {
    const w = this.actorSym.words + ACTOR_WORD.irqOff;
    const v = this.mem[w] ?? 0;
    this.write(w, (v & IRQ_OFF_MASK) + Math.max(0, Math.floor(v / BH_OFF_UNIT) + delta) * BH_OFF_UNIT, true);
  }

  inSoftirq(): boolean {
    return this.actorSym.callback?.kind === 'timer';
  }

  preemptOff(): number {
    return this.preempt;
  }

  setPreemptOff(delta: number): void {
    this.preempt = Math.max(0, this.preempt + delta);
  }

  rcuDepth(): number {
    return this.rcu;
  }

  setRcuDepth(delta: number): void {
    this.rcu = Math.max(0, this.rcu + delta);
  }

  inIrq(): boolean {
    return this.actorSym.actorKind === 'irq';
  }

  mightSleep(what: string): void {
    if (this.preempt === 0 && this.rcu === 0 && !this.inIrq() && (this.mem[this.actorSym.words + ACTOR_WORD.irqOff] ?? 0) === 0 && !this.holdsSpinning()) return;
    const spin = this.heldLocks.filter((h) => isSpinning(this.scenario.lockClasses[h.cls]!.lock));
    const irqsOff = this.irqsOff();
    const inIrq = this.inIrq();
    if (!inIrq && spin.length === 0 && !irqsOff && !this.bhOff() && this.preempt === 0 && this.rcu === 0) return;
    const why = inIrq ? (this.inSoftirq() ? 'in a timer callback (softirq)' : 'in an interrupt handler') : spin.length ? `holding ${spin.map((h) => this.lockClass(h.cls).name).join(', ')}`
      : irqsOff ? 'with interrupts off' : this.bhOff() ? 'with bottom halves off' : this.rcu ? 'inside rcu_read_lock()' : 'with preemption off';
    const locks = this.heldLocks.map((h, i) => ` #${i}: (${lockdepName(this.lockClass(h.cls))}), at: ${siteText(this.scenario, h.site)}`);
    this.report('sleep_in_atomic', `${what} may sleep, called ${why} by ${this.actorSym.name}`, [
      `BUG: sleeping function called from invalid context at ${siteText(this.scenario, this.site)}`,
      `in_atomic(): ${spin.length || this.preempt || inIrq ? 1 : 0}, irqs_disabled(): ${irqsOff || inIrq ? 1 : 0}, non_block: 0, pid: ${this.actor + 1}, name: ${this.actorSym.name}`,
      `preempt_count: ${spin.length + this.preempt + (inIrq ? 0x10000 : 0)}, expected: 0`,
      `RCU nest depth: ${this.rcu}, expected: 0`,
      `${this.heldLocks.length} lock${this.heldLocks.length === 1 ? '' : 's'} held by ${this.actorSym.name}/${this.actor + 1}:`,
      ...locks,
      `  ${what}`,
      this.callTrace(),
    ].join('\n'), spin.map((h) => ({ span: h.site, message: `${this.lockClass(h.cls).name} taken here` })));
  }

  private holdsSpinning(): boolean {
    return holdsSpinlock(this.scenario, this.heldLocks);
  }

  // ---------- Exec: heap ----------

  alloc(struct: StructSymbol): number {
    this.impure = true;
    const base = this.mem.length;
    const mem = this.mem.slice();
    for (let i = 0; i < OBJECT_HEADER_WORDS + struct.size; i++) mem.push(0);
    mem[base + ObjectHeader.struct] = struct.index;
    mem[base + ObjectHeader.status] = ObjectStatus.Alive;
    mem[base + ObjectHeader.allocSite] = this.instr;
    mem[base + ObjectHeader.allocActor] = this.actor;
    this.mem = mem;
    this.memCopied = true;
    const ptr = base + OBJECT_HEADER_WORDS;
    this.objects = [...this.objects, ptr];
    this.accessBuffer[this.nAccesses++] = base * 2 + 1;
    this.emit({ kind: 'alloc', actor: this.actor, ptr, struct: struct.name });
    return ptr;
  }

  free(ptr: number): void {
    this.impure = true;
    const state = { mem: this.mem, objects: this.objects, actors: this.base.actors };
    const obj = ptr >= this.scenario.layout.heapStart ? objectContaining(this.scenario, state, ptr) : 0;
    if (obj !== ptr) {
      // KASAN reports the bad free and the allocator ignores it.
      this.report('double_free', `kfree of ${describeAddress(this.scenario, state, ptr)}, which is not the start of an allocated object`, [
        '==================================================================',
        `BUG: KASAN: invalid-free in ${this.frameName()}`,
        `Free of addr ${hexAddr(ptr)} by task ${this.actorSym.name}/${this.actor + 1}`,
        this.callTrace(),
        '==================================================================',
      ].join('\n'));
      return;
    }
    const h = obj - OBJECT_HEADER_WORDS;
    if (this.mem[h + ObjectHeader.status] === ObjectStatus.Freed) {
      const s = this.scenario;
      const freeInstr = s.instrs[this.mem[h + ObjectHeader.freeSite]!];
      const freeActor = s.actors[this.mem[h + ObjectHeader.freeActor]!];
      const allocInstr = s.instrs[this.mem[h + ObjectHeader.allocSite]!];
      const related: Related[] = [];
      if (allocInstr) related.push({ span: allocInstr.span, message: 'allocated here' });
      if (freeInstr) related.push({ span: freeInstr.span, message: `first freed here by ${freeActor?.name ?? '?'}` });
      this.report('double_free', `double free of ${describeObject(s, state, obj)} by ${this.actorSym.name} (first freed by ${freeActor?.name ?? '?'})`, [
        '==================================================================',
        `BUG: KASAN: double-free in ${this.frameName()}`,
        `Free of addr ${hexAddr(obj)} by task ${this.actorSym.name}/${this.actor + 1}`,
        this.callTrace(),
        '',
        `Freed by task ${(this.mem[h + ObjectHeader.freeActor] ?? 0) + 1} (${freeActor?.name ?? '?'}):`,
        ` kfree ${freeInstr ? siteText(s, freeInstr.span) : '?'}`,
        '==================================================================',
      ].join('\n'), related);
      return;
    }
    this.write(h + ObjectHeader.status, ObjectStatus.Freed, true);
    this.write(h + ObjectHeader.freeSite, this.instr, true);
    this.write(h + ObjectHeader.freeActor, this.actor, true);
    this.emit({ kind: 'free', actor: this.actor, ptr: obj });
  }

  objectOf(addr: number): number {
    this.impure = true;
    return objectContaining(this.scenario, { mem: this.mem, objects: this.objects, actors: this.base.actors }, addr);
  }

  callAfter(fn: number, args: readonly number[]): void {
    this.pushCall(fn, args, -1);
  }

  callForResult(fn: number, args: readonly number[]): void {
    this.pushCall(fn, args, RESULT_TO_OP_SCRATCH);
  }

  private pushCall(fn: number, args: readonly number[], resultSlot: number): void {
    const call = { fn: this.fnValue(fn + 1, args.length), args, resultSlot };
    if (this.pendingCalls === NO_CALLS) this.pendingCalls = [call];
    else this.pendingCalls.push(call);
  }

  /**
   * The fn a fn value (index + 1) calls, with `argc` arguments: NULL is the kernel's NULL
   * pointer dereference; a fn of another arity, what a CFI-checked kernel reports.
   */
  private fnValue(v: number, argc: number): number {
    const fn = this.scenario.fns[v - 1];
    if (!fn) {
      this.fail('null_deref', `${this.actorSym.name} calls a NULL function pointer`, [
        'BUG: kernel NULL pointer dereference, address: 0000000000000000',
        '#PF: supervisor instruction fetch in kernel mode',
        `RIP: 0010:0x0 (${this.actorSym.name}, ${siteText(this.scenario, this.site)})`,
      ].join('\n'));
    }
    if (fn.decl.params.length !== argc) {
      this.fail('assertion', `${this.actorSym.name} calls ${fn.name} through a function pointer with ${argc} argument${argc === 1 ? '' : 's'}, but it takes ${fn.decl.params.length}`, [
        `CFI failure at ${siteText(this.scenario, this.site)} (target: ${fn.name}; expected type: ${argc} argument${argc === 1 ? '' : 's'})`,
        'kernel BUG at kernel/cfi.c!',
      ].join('\n'));
    }
    return fn.index;
  }

  spawn(kind: CallbackKind, fn: number, arg: number, cpu: number): number {
    this.impure = true;
    // The machine's run-time actors: the compiled scenario reserves a few per callback fn
    // (CompiledScenario.actors, `callback` set); one that is idle with nothing pending is free.
    const actors = this.scenario.actors;
    let pick = -1;
    for (let i = 0; i < actors.length; i++) {
      const a = actors[i]!;
      if (a.callback?.fn !== fn || a.callback.kind !== kind) continue;
      if (this.actorStatus(i) !== ActorStatus.Idle || this.read(a.words + ACTOR_WORD.workPending, true) !== 0) continue;
      if (pick < 0 || (a.cpu === cpu && actors[pick]!.cpu !== cpu)) pick = i;
    }
    if (pick < 0) return -1;
    const words = actors[pick]!.words;
    this.write(words + ACTOR_WORD.callbackArg, arg, true);
    this.write(words + ACTOR_WORD.workPending, 1, true);
    return pick;
  }

  // ---------- Exec: other actors ----------

  actorWord(actor: number, word: number): number {
    const a = this.scenario.actors[actor];
    if (!a) return 0;
    return this.read(a.words + word, true);
  }

  setActorWord(actor: number, word: number, value: number): void {
    const a = this.scenario.actors[actor];
    if (a) this.write(a.words + word, value, true);
  }

  actorStatus(actor: number): number {
    if (actor === this.actor) return this.status;
    this.impure = true;
    return this.base.actors[actor]?.status ?? ActorStatus.Done;
  }

  actorIrqsOff(actor: number): boolean {
    this.impure = true;
    const a = this.scenario.actors[actor];
    return a ? ((this.mem[a.words + ACTOR_WORD.irqOff] ?? 0) & IRQ_OFF_MASK) > 0 : false;
  }

  actorCount(): number {
    return this.scenario.actors.length;
  }

  describe(addr: number): string {
    this.impure = true;
    return describeAddress(this.scenario, { mem: this.mem, objects: this.objects, actors: this.base.actors }, addr);
  }

  // ---------- execution ----------

  start(): void {
    const sym = this.actorSym;
    this.status = ActorStatus.Running;
    const arg = sym.callback ? this.read(sym.words + ACTOR_WORD.callbackArg, true) : 0;
    this.frames.length = 0;
    this.frames.push(calledFrame(this.scenario, actorCode(this.scenario, this.actor), [arg], -1, -1));
    if (sym.callback) {
      // process_one_work / call_timer_fn: the item is no longer pending once its callback starts.
      this.write(sym.words + ACTOR_WORD.workPending, 0, true);
      this.checkAccess(arg + WORK_WORD.data, true, sym.callback.kind === 'work' ? 'process_one_work' : 'call_timer_fn');
      this.write(arg + WORK_WORD.data, this.read(arg + WORK_WORD.data, true) & ~WORK_PENDING, true);
      // The kworker runs "holding" its workqueue's and its work's lockdep maps, in that order.
      const wq = this.read(sym.words + ACTOR_WORD.workqueue, true) - 1;
      if (wq >= 0) this.acquire(sym.words + ACTOR_WORD.workqueue, wq, 'write', false, false);
      if (sym.workClass !== undefined) this.acquire(sym.words, sym.workClass, 'write', false, false);
    } else if (sym.actorKind === 'work') {
      this.write(sym.words + ACTOR_WORD.workPending, 0, true);
      // The work runs "holding" its completion map (lockdep's work annotation).
      if (sym.workClass !== undefined) this.acquire(sym.words, sym.workClass, 'write', false, false);
    }
    if (sym.actorKind === 'irq' && !sym.callback) this.write(sym.words + ACTOR_WORD.workPending, 1, true);
    this.emit({ kind: 'start', actor: this.actor });
  }

  /** Runs local instructions until the next visible one, or the actor's end. */
  settle(): void {
    let budget = LOCAL_STEP_BUDGET;
    while (this.frames.length > 0) {
      const f = this.top;
      const code = this.scenario.codes[f.code]!;
      const ins = code.instrs[f.pc];
      if (!ins) {
        this.returnFrom(0);
        continue;
      }
      if (ins.visible) return;
      if (--budget <= 0) {
        this.fail('livelock', `${this.actorSym.name} runs ${LOCAL_STEP_BUDGET} steps without touching shared state (an endless local loop)`,
          `INFO: task ${this.actorSym.name}:${this.actor + 1} spins in ${code.name} at ${siteText(this.scenario, ins.span)} without ever touching shared state`);
      }
      this.site = ins.span;
      this.instr = ins.id;
      this.execute(ins);
    }
    this.finish();
  }

  private finish(): void {
    if (this.status !== ActorStatus.Running) return;
    const sym = this.actorSym;
    if (sym.workClass !== undefined) this.release(sym.words, 'write');
    if (sym.callback) this.release(sym.words + ACTOR_WORD.workqueue, 'write');
    if (this.heldLocks.length > 0) {
      const h = this.heldLocks[0]!;
      const c = this.lockClass(h.cls);
      this.site = { start: sym.decl.body.span.end - 1, end: sym.decl.body.span.end };
      this.fail('unlock_not_held', `${sym.name} finished holding ${this.heldLocks.map((x) => this.lockClass(x.cls).name).join(', ')}`, [
        '================================================',
        sym.actorKind === 'work' ? 'BUG: workqueue leaked lock or atomic' : 'WARNING: lock held when returning to user space!',
        '------------------------------------------------',
        `${sym.name}/${this.actor + 1} is leaving the kernel with locks still held!`,
        ...this.heldLocks.map((x, i) => ` #${i}: (${lockdepName(this.lockClass(x.cls))}), at: ${siteText(this.scenario, x.site)}`),
      ].join('\n'), [{ span: h.site, message: `${c.name} taken here and never released` }]);
    }
    this.status = sym.actorKind === 'work' || sym.callback ? ActorStatus.Idle : ActorStatus.Done;
    // A callback actor is free again unless its item was queued (armed) again while it ran.
    if (sym.callback && this.read(sym.words + ACTOR_WORD.workPending, true) === 0) {
      this.write(sym.words + ACTOR_WORD.callbackArg, 0, true);
      this.write(sym.words + ACTOR_WORD.workqueue, 0, true);
    }
    this.frames.length = 0;
    this.emit({ kind: 'finish', actor: this.actor });
  }

  /**
   * Reads (or, given `value`, writes) the local a local pointer names: a local of this
   * actor's frame at that depth, which must still be on the stack.
   */
  private localThrough(ptr: number, value?: number): number {
    const l = decodeLocalPointer(ptr)!;
    const frame = this.frames[l.depth];
    if (l.actor !== this.actor || !frame) {
      this.fail('out_of_bounds', 'access through a pointer to a local of a function that has returned', [
        `BUG: KASAN: stack-use-after-return in ${this.frameName()}`,
        `${value === undefined ? 'Read' : 'Write'} at ${siteText(this.scenario, this.site)} by task ${this.actorSym.name}/${this.actor + 1}`,
      ].join('\n'));
    }
    if (value === undefined) return frame.locals[l.slot] ?? 0;
    if (!frame.owned) {
      frame.locals = frame.locals.slice();
      frame.owned = true;
    }
    frame.locals[l.slot] = value;
    return value;
  }

  private returnFrom(value: number): void {
    const done = this.frames.pop()!;
    if (this.frames.length === 0) return;
    if (done.resultSlot >= 0) this.setLocal(done.resultSlot, value);
    else if (done.resultSlot === RESULT_TO_OP_SCRATCH) this.setActorWord(this.actor, ACTOR_WORD.opScratch0, value);
  }

  /**
   * Runs one instruction: its closure, built once per scenario (`compiledOf`), rather than a
   * walk over its expression tree (whose node shapes differ, so every field load there is
   * a slow, megamorphic one).
   */
  execute(ins: Instr): void {
    const table = compiledOf(this.scenario);
    const run = table.source[ins.id] === ins ? table.run[ins.id]! : Draft.instruction(ins);
    if (run(this, this.top)) return;
    if (this.pendingCalls.length > 0) {
      const calls = this.pendingCalls;
      this.pendingCalls = NO_CALLS;
      // A statement that stays (kvm_vcpu_block asking kvm_arch_vcpu_runnable) has had its
      // step; the callee's instructions that run now are not it.
      this.stayed = false;
      // Run callbacks in order: push the last first so the first runs first.
      for (let i = calls.length - 1; i >= 0; i--) {
        const c = calls[i]!;
        this.frames.push(calledFrame(this.scenario, c.fn, c.args, c.resultSlot, ins.id));
      }
    }
  }

  /** The value of an expression (choiceCount asks for a primitive's arguments). */
  eval(e: BExpr): number {
    return exprOf(e)(this);
  }

  /**
   * An instruction as a closure over the draft and its top frame; true when the statement
   * made or left a call (its callbacks wait for the next statement).
   */
  static instruction(ins: Instr): RunInstr {
    switch (ins.op) {
      case 'eval': {
        const e = Draft.expression(ins.e);
        return (d, f) => {
          e(d);
          if (!d.stayed) f.pc++;
          return false;
        };
      }
      case 'assign': {
        const e = Draft.expression(ins.e);
        const op = ins.assignOp;
        const target = ins.target;
        if (target.k === 'local') {
          const slot = target.slot;
          return (d, f) => {
            const v = e(d);
            if (d.stayed) return false;
            d.setLocal(slot, op === '=' ? v : combine(op, f.locals[slot] ?? 0, v));
            f.pc++;
            return false;
          };
        }
        const place = Draft.place(target.place);
        return (d, f) => {
          const v = e(d);
          if (d.stayed) return false;
          const addr = place(d);
          if (addr < 0 && decodeLocalPointer(addr)) {
            // `*nb = len;` through a pointer to a caller's local.
            d.localThrough(addr, combine(op, d.localThrough(addr), v));
            f.pc++;
            return false;
          }
          let nv = v;
          if (op !== '=') {
            d.checkAccess(addr, false);
            nv = combine(op, d.read(addr), v);
          }
          d.checkAccess(addr, true);
          d.write(addr, nv);
          f.pc++;
          return false;
        };
      }
      case 'branch': {
        const cond = Draft.expression(ins.cond);
        const target = ins.target;
        return (d, f) => {
          const taken = cond(d);
          if (!d.stayed) f.pc = taken ? f.pc + 1 : target;
          return false;
        };
      }
      case 'jump': {
        const target = ins.target;
        return (_d, f) => {
          f.pc = target;
          return false;
        };
      }
      case 'call': {
        const callee = ins.target ? Draft.expression(ins.target) : undefined;
        const fn = ins.fn;
        const args = ins.args.map(Draft.expression);
        const argc = args.length;
        const result = ins.result;
        const id = ins.id;
        return (d, f) => {
          const target = callee ? d.fnValue(callee(d), argc) : fn;
          const values = new Array<number>(argc);
          for (let i = 0; i < argc; i++) values[i] = args[i]!(d);
          f.pc++;
          d.frames.push(calledFrame(d.scenario, target, values, result, id));
          return true;
        };
      }
      case 'ret': {
        const e = ins.e ? Draft.expression(ins.e) : undefined;
        return (d, f) => {
          const v = e ? e(d) : 0;
          if (d.stayed) return false;
          f.pc++;
          if (d.frames.length === 1) {
            // `return` in an actor body ends the actor.
            d.frames[0]!.pc = d.scenario.codes[f.code]!.instrs.length;
            return true;
          }
          d.returnFrom(v);
          return true;
        };
      }
      case 'choose': {
        const targets = ins.targets;
        return (d, f) => {
          f.pc = targets[d.choice] ?? targets[0]!;
          return false;
        };
      }
      case 'await': {
        const cond = Draft.expression(ins.cond);
        const text = ins.text;
        return (d, f) => {
          if (!cond(d)) d.block({ kind: 'condition', text });
          f.pc++;
          return false;
        };
      }
    }
  }

  /** An expression as a closure over the draft. */
  static expression(e: BExpr): Eval {
    switch (e.k) {
      case 'const': {
        const v = e.v;
        return () => v;
      }
      case 'local': {
        const slot = e.slot;
        return (d) => d.top.locals[slot] ?? 0;
      }
      case 'current':
        return (d) => d.actor;
      case 'read': {
        const place = Draft.place(e.place);
        return (d) => {
          const addr = place(d);
          if (addr < 0 && decodeLocalPointer(addr)) return d.localThrough(addr);
          d.checkAccess(addr, false);
          return d.read(addr);
        };
      }
      case 'load': {
        const at = Draft.expression(e.addr);
        const what = e.what;
        return (d) => {
          const addr = at(d);
          d.checkAccess(addr, false, what);
          return d.read(addr);
        };
      }
      case 'localAddr': {
        const slot = e.slot;
        return (d) => localPointer(d.actor, d.frames.length - 1, slot);
      }
      case 'addr':
        return Draft.place(e.place);
      case 'unary': {
        const x = Draft.expression(e.e);
        const op = e.op;
        return (d) => unop(op, x(d));
      }
      case 'binary': {
        const op = e.op;
        const l = Draft.expression(e.l);
        if (op === '?' && e.r.k === 'binary') {
          const then = Draft.expression(e.r.l);
          const otherwise = Draft.expression(e.r.r);
          return (d) => (l(d) ? then(d) : otherwise(d));
        }
        const r = Draft.expression(e.r);
        if (op === '&&') return (d) => (l(d) ? (r(d) ? 1 : 0) : 0);
        if (op === '||') return (d) => (l(d) ? 1 : r(d) ? 1 : 0);
        if (op === '/' || op === '%') {
          return (d) => {
            const lv = l(d);
            const rv = r(d);
            if (rv === 0) d.fail('assertion', 'division by zero', `divide error: 0000 [#1] SMP\nRIP: ${d.frameName()} at ${siteText(d.scenario, d.site)}`);
            return binop(op, lv, rv);
          };
        }
        return binaryClosure(op, l, r);
      }
      case 'builtin': {
        const args = e.args.map(Draft.expression);
        const n = args.length;
        const b = e.b;
        const statics = e.statics;
        return (d) => {
          const values = new Array<number>(n);
          for (let i = 0; i < n; i++) values[i] = args[i]!(d);
          const saved = d.site;
          // Lock instances re-keyed by lockdep_set_class take their key's class.
          const st = d.scenario.layout.lockKeySlots > 0 ? keyedStatics(d, b, values, statics) : statics;
          const v = b.run(d, values, st);
          d.site = saved;
          return v | 0;
        };
      }
    }
  }

  /** A place's address as a closure over the draft (a static one folded to its constant). */
  static place(p: Place): Eval {
    const at = staticAddress(p);
    if (at !== undefined) return () => at;
    switch (p.k) {
      case 'static': {
        const addr = p.addr;
        return () => addr;
      }
      case 'deref': {
        const ptr = Draft.expression(p.ptr);
        return (d) => {
          const v = ptr(d);
          if (v === 0) d.nullDeref('dereference of a NULL pointer');
          if (v < 0 && !decodeLocalPointer(v)) d.wild(v, false, 'dereference');
          return v;
        };
      }
      case 'field': {
        const of = Draft.place(p.of);
        const offset = p.offset;
        return (d) => of(d) + offset;
      }
      case 'index': {
        const of = Draft.place(p.of);
        const index = Draft.expression(p.index);
        const { length, stride } = p;
        return (d) => {
          const base = of(d);
          const i = index(d);
          if (i < 0 || i >= length) {
            d.fail('out_of_bounds', `index ${i} is out of bounds (the array has ${length} elements)`,
              `BUG: KASAN: global-out-of-bounds in ${d.frameName()}\nindex ${i} is out of range for an array of ${length} at ${siteText(d.scenario, d.site)}`);
          }
          return base + i * stride;
        };
      }
    }
  }
}

type Eval = (d: Draft) => number;
type RunInstr = (d: Draft, f: MutableFrame) => boolean;

/** The address of a place made of statics and fields only (no memory read, no check), else undefined. */
function staticAddress(p: Place): number | undefined {
  if (p.k === 'static') return p.addr;
  if (p.k !== 'field') return undefined;
  const of = staticAddress(p.of);
  return of === undefined ? undefined : of + p.offset;
}

/** A binary operator other than the short-circuiting and dividing ones, both sides evaluated left first. */
function binaryClosure(op: string, l: Eval, r: Eval): Eval {
  switch (op) {
    case '+': return (d) => (l(d) + r(d)) | 0;
    case '-': return (d) => (l(d) - r(d)) | 0;
    case '==': return (d) => (l(d) === r(d) ? 1 : 0);
    case '!=': return (d) => (l(d) !== r(d) ? 1 : 0);
    case '<': return (d) => (l(d) < r(d) ? 1 : 0);
    case '<=': return (d) => (l(d) <= r(d) ? 1 : 0);
    case '>': return (d) => (l(d) > r(d) ? 1 : 0);
    case '>=': return (d) => (l(d) >= r(d) ? 1 : 0);
    default:
      return (d) => {
        const lv = l(d);
        return binop(op, lv, r(d));
      };
  }
}

/** Expressions evaluated outside an instruction's closure (choiceCount's arguments), by node. */
const expressions = new WeakMap<BExpr, Eval>();

function exprOf(e: BExpr): Eval {
  let f = expressions.get(e);
  if (!f) expressions.set(e, (f = Draft.expression(e)));
  return f;
}

/** Per scenario, each instruction's closure by id (and the instruction it was built from). */
interface CompiledInstrs {
  readonly source: readonly Instr[];
  readonly run: readonly RunInstr[];
}

const compiledInstrs = new WeakMap<CompiledScenario, CompiledInstrs>();
let lastCompiled: { s: CompiledScenario | undefined; table: CompiledInstrs } = { s: undefined, table: { source: [], run: [] } };

function compiledOf(s: CompiledScenario): CompiledInstrs {
  if (s === lastCompiled.s) return lastCompiled.table;
  let table = compiledInstrs.get(s);
  if (!table) {
    table = { source: s.instrs, run: s.instrs.map((ins) => Draft.instruction(ins)) };
    compiledInstrs.set(s, table);
  }
  lastCompiled = { s, table };
  return table;
}

/** A copy of a held-lock list without its `i`th entry. */
function without(held: readonly HeldLock[], i: number): HeldLock[] {
  const out = new Array<HeldLock>(held.length - 1);
  for (let j = 0, k = 0; j < held.length; j++) if (j !== i) out[k++] = held[j]!;
  return out;
}

/** Whether the actor holds a spinning lock (atomic context): a loop, asked at most steps. */
function holdsSpinlock(s: CompiledScenario, held: readonly HeldLock[]): boolean {
  for (let i = 0; i < held.length; i++) if (isSpinning(s.lockClasses[held[i]!.cls]!.lock)) return true;
  return false;
}

/** The frames of a draft as the new state holds them (see `frozenFrame`). */
function frozenFrames(frames: readonly MutableFrame[]): Frame[] {
  const out = new Array<Frame>(frames.length);
  for (let i = 0; i < frames.length; i++) out[i] = frozenFrame(frames[i]!);
  return out;
}

function combine(op: string, old: number, v: number): number {
  // `x op= v` is `x = x op v` (`+=`, `<<=`, …); `=` is the value itself.
  return op === '=' ? v : binop(op.slice(0, -1), old, v);
}

/** A unary operator on a 32-bit word, as the machine computes it (evaluate uses it too). */
export function unop(op: '!' | '-' | '~', v: number): number {
  return op === '!' ? (v ? 0 : 1) : op === '-' ? -v | 0 : ~v;
}

/** A binary operator on 32-bit words, as the machine computes it (evaluate uses it too). */
export function binop(op: string, l: number, r: number): number {
  switch (op) {
    case '+': return (l + r) | 0;
    case '-': return (l - r) | 0;
    case '*': return Math.imul(l, r);
    case '/': return (l / r) | 0;
    case '%': return l % r;
    case '==': return l === r ? 1 : 0;
    case '!=': return l !== r ? 1 : 0;
    case '<': return l < r ? 1 : 0;
    case '<=': return l <= r ? 1 : 0;
    case '>': return l > r ? 1 : 0;
    case '>=': return l >= r ? 1 : 0;
    case '&': return l & r;
    case '|': return l | r;
    case '^': return l ^ r;
    case '<<': return l << (r & 31);
    case '>>': return l >> (r & 31);
    // `va + n` on a void *: a pointer into the same object (the model has no byte layout).
    case 'ptr+': return l !== 0 ? l : r;
    default: return 0;
  }
}

export function hexAddr(addr: number): string {
  return `ffff8880${(addr >>> 0).toString(16).padStart(8, '0')}`;
}

/** `&kvm->lock` for a field class, `mem_list_mutex` for a global one, as lockdep prints them. */
export function lockdepName(c: LockClass): string {
  return c.field ? `&${c.name}` : c.name;
}

// ---------- whole-state findings ----------

/** Which actors are blocked, and on what, at a state where no move is possible. */
export function waitsOf(s: CompiledScenario, state: MachineState): { actor: number; wait: WaitInfo; span: Span }[] {
  const out: { actor: number; wait: WaitInfo; span: Span }[] = [];
  for (let i = 0; i < s.actors.length; i++) {
    const a = state.actors[i]!;
    if (a.status !== ActorStatus.Running) continue;
    const r = step(s, state, { actor: i, choice: 0 });
    if (r.status === 'blocked') out.push({ actor: i, wait: r.wait, span: r.span });
  }
  return out;
}

export function describeWait(s: CompiledScenario, state: MachineState, wait: WaitInfo): string {
  switch (wait.kind) {
    case 'lock': {
      const c = s.lockClasses[wait.cls];
      const holders = wait.holders.map((h) => s.actors[h]?.name ?? '?').join(', ');
      return `waits for ${c ? c.name : describeAddress(s, state, wait.lock)}${wait.mode === 'read' ? ' (read)' : ''}, held by ${holders || 'nobody'}`;
    }
    case 'condition':
      return `waits until ${wait.text}`;
    case 'work':
      return `waits for work ${s.actors[wait.work]?.name ?? '?'} to finish`;
    case 'irq':
      return `waits for ${s.actors[wait.handler]?.name ?? '?'}, the running handler of IRQ ${wait.line}, to finish`;
    case 'srcu':
      return `waits for SRCU readers ${wait.readers.map((r) => s.actors[r]?.name ?? '?').join(', ')}`;
    case 'rcu':
      return `waits for RCU readers ${wait.readers.map((r) => s.actors[r]?.name ?? '?').join(', ')}`;
    case 'ipi':
      return `waits for CPU${wait.cpus.join(', CPU')} to take the IPI (interrupts off there)`;
    case 'cpu':
      return `cannot run: ${s.actors[wait.by]?.name ?? '?'} occupies its CPU`;
    case 'idle':
      return 'is idle';
    case 'done':
      return 'has finished';
  }
}

/** The deadlock report for a state where every unfinished actor is blocked. */
export function deadlockViolation(s: CompiledScenario, state: MachineState): Violation {
  const waits = waitsOf(s, state);
  const lines = ['', '======================================================', 'WARNING: all remaining tasks are blocked: DEADLOCK', '------------------------------------------------------'];
  const related: Related[] = [];
  for (const w of waits) {
    const sym = s.actors[w.actor]!;
    lines.push(`${sym.name}/${w.actor + 1} (CPU${sym.cpu}) ${describeWait(s, state, w.wait)}`);
    lines.push(`  at ${siteText(s, w.span)}`);
    const held = state.actors[w.actor]!.held;
    held.forEach((h, i) => {
      lines.push(`  #${i}: (${lockdepName(s.lockClasses[h.cls]!)}), at: ${siteText(s, h.site)}`);
      related.push({ span: h.site, message: `${sym.name} holds ${s.lockClasses[h.cls]!.name} (taken here)` });
    });
    related.push({ span: w.span, message: `${sym.name} ${describeWait(s, state, w.wait)}` });
  }
  lines.push('', ' *** DEADLOCK ***');
  // A task an interrupt handler preempted waits only for its CPU, at whichever point the
  // interrupt came: the deadlock is where the others wait, so one deadlock is one finding.
  const first = waits.find((w) => w.wait.kind !== 'cpu') ?? waits[0];
  const summary = waits.map((w) => `${s.actors[w.actor]!.name} ${describeWait(s, state, w.wait)}`).join('; ');
  return {
    kind: 'deadlock',
    message: summary,
    report: lines.join('\n').trimStart(),
    actor: -1,
    span: first ? first.span : { start: 0, end: 0 },
    related,
  };
}

/**
 * The `invariant`s on a state, and the `final` block when every actor has finished: each
 * runs to completion on a copy of the state, which it may only read. A failed assertion in
 * one is its violation (kind `assertion`); so is a check that changes shared state.
 */
export function stateCheckViolations(s: CompiledScenario, state: MachineState): Violation[] {
  if (s.invariantActors.length === 0 && s.finalActor < 0) return [];
  const out: Violation[] = [];
  for (const a of s.invariantActors) {
    const v = runStateCheck(s, state, a);
    if (v) out.push(v);
  }
  if (s.finalActor >= 0 && isFinished(s, state)) {
    const v = runStateCheck(s, state, s.finalActor);
    if (v) out.push(v);
  }
  return out;
}

function runStateCheck(s: CompiledScenario, state: MachineState, actor: number): Violation | undefined {
  const sym = s.actors[actor]!;
  const actors = state.actors.slice();
  actors[actor] = { ...actors[actor]!, status: ActorStatus.Running, frames: [newFrame(s, actorCode(s, actor), [], -1, -1)] };
  let st: MachineState = { ...state, actors };
  const d = new Draft(s, st, actor, 0, sym.decl.body.span, -1);
  try {
    d.settle();
  } catch (e) {
    if (e instanceof Failed) return e.violation;
    throw e;
  }
  st = d.commit();
  const own = sym.words;
  for (let guard = 0; st.actors[actor]!.status === ActorStatus.Running && guard < LOCAL_STEP_BUDGET; guard++) {
    const r = step(s, st, { actor, choice: 0 });
    if (r.status === 'violation') return r.violation;
    if (r.status === 'blocked') return stateCheckMisuse(s, sym, r.span, 'waits for something (a check may only read shared state)');
    if (r.reports.length > 0) return r.reports[0];
    const effect = r.events.find((e) => e.kind !== 'finish' && e.kind !== 'start' && !(e.kind === 'write' && e.addr >= own && e.addr < own + ACTOR_WORDS));
    if (effect) return stateCheckMisuse(s, sym, r.span, `changes shared state (${effect.kind}); a check may only read it`);
    st = r.state;
  }
  return undefined;
}

function stateCheckMisuse(s: CompiledScenario, sym: ActorSymbol, span: Span, what: string): Violation {
  return {
    kind: 'assertion',
    message: `the ${sym.actorKind} block ${what}`,
    report: `the ${sym.actorKind} block at ${siteText(s, span)} ${what}`,
    actor: sym.index,
    span,
    related: [],
  };
}

/** kmemleak at the end of a run: heap objects no longer reachable from shared memory or an fd. */
export function leakViolation(s: CompiledScenario, state: MachineState): Violation | undefined {
  const alive = state.objects.filter((o) => state.mem[o - OBJECT_HEADER_WORDS + ObjectHeader.status] === ObjectStatus.Alive);
  if (alive.length === 0) return undefined;
  const reached = new Set<number>();
  const work: number[] = [];
  const visitWord = (addr: number): void => {
    const v = state.mem[addr] ?? 0;
    if (v < s.layout.heapStart) return;
    const obj = objectContaining(s, state, v);
    if (obj && !reached.has(obj)) {
      reached.add(obj);
      work.push(obj);
    }
  };
  for (const w of s.staticPointerWords) visitWord(w);
  for (let i = 0; i < 8; i++) {
    const e = s.layout.fdTable + i * 3;
    if (state.mem[e + 2]) visitWord(e);
  }
  // Files queued for release on a task's task_works (or being released) are still referenced.
  for (let i = 0; i < s.layout.taskWorkWords; i++) visitWord(s.layout.taskWorks + i);
  while (work.length > 0) {
    const obj = work.pop()!;
    const st = state.mem[obj - OBJECT_HEADER_WORDS + ObjectHeader.struct]!;
    for (const off of s.structPointerOffsets[st] ?? []) visitWord(obj + off);
  }
  const leaked = alive.filter((o) => !reached.has(o));
  const first = leaked[0];
  if (first === undefined) return undefined;
  const h = first - OBJECT_HEADER_WORDS;
  const allocInstr = s.instrs[state.mem[h + ObjectHeader.allocSite]!];
  const allocActor = s.actors[state.mem[h + ObjectHeader.allocActor]!];
  const st = s.structs[state.mem[h + ObjectHeader.struct]!]!;
  return {
    kind: 'leak',
    message: `memory leak: ${describeObject(s, state, first)} (allocated by ${allocActor?.name ?? '?'}) is unreachable at the end`,
    report: [
      `unreferenced object ${hexAddr(first)} (size ${st.size * 8}):`,
      `  comm "${allocActor?.name ?? '?'}", pid ${(state.mem[h + ObjectHeader.allocActor] ?? 0) + 1}`,
      '  backtrace:',
      `    kzalloc ${allocInstr ? siteText(s, allocInstr.span) : '?'}`,
      ...(leaked.length > 1 ? [`(${leaked.length - 1} more unreferenced object${leaked.length > 2 ? 's' : ''})`] : []),
    ].join('\n'),
    actor: -1,
    span: allocInstr ? allocInstr.span : { start: 0, end: 0 },
    related: allocInstr ? [{ span: allocInstr.span, message: 'allocated here' }] : [],
  };
}

/** Canonical words of a state, for hashing: memory, objects, and each actor's control state. */
export function encodeState(state: MachineState): Int32Array {
  const out = new Int32Array(encodedLength(state));
  encodeStateInto(state, out);
  return out;
}

/** How many words `encodeState` produces for a state. */
export function encodedLength(state: MachineState): number {
  let n = state.mem.length + 1;
  for (const a of state.actors) n += actorEncodedLength(a);
  return n;
}

/** How many words `encodeActorInto` writes for an actor. */
export function actorEncodedLength(a: ActorState): number {
  let n = 5 + a.held.length * 2;
  for (const f of a.frames) n += 3 + f.locals.length;
  return n;
}

/**
 * Writes the words of `encodeState` into `out` (which must hold `encodedLength(state)` words)
 * and returns their number: the checker hashes millions of states into one reused buffer.
 */
export function encodeStateInto(state: MachineState, out: Int32Array): number {
  const mem = state.mem;
  const m = mem.length;
  // Element-wise copies: TypedArray#set costs more than the loop for the short arrays here.
  for (let j = 0; j < m; j++) out[j] = mem[j]!;
  let i = m;
  const actors = state.actors;
  out[i++] = actors.length;
  for (let k = 0; k < actors.length; k++) i = encodeActorInto(actors[k]!, out, i);
  return i;
}

/**
 * One actor's words of `encodeState` at `at` (status, preemption and RCU depth, the locks
 * held with their mode and lockdep subclass, the frames with their locals); returns the index
 * after them. The checker's fingerprint hashes exactly these (store.ts).
 */
export function encodeActorInto(a: ActorState, out: Int32Array, at: number): number {
  let i = at;
  out[i++] = a.status;
  out[i++] = a.preemptOff;
  out[i++] = a.rcuDepth;
  const held = a.held;
  out[i++] = held.length;
  for (let h = 0; h < held.length; h++) {
    out[i++] = held[h]!.addr;
    out[i++] = (held[h]!.mode === 'read' ? 1 : 0) | ((held[h]!.subclass ?? 0) << 1);
  }
  const frames = a.frames;
  out[i++] = frames.length;
  for (let fi = 0; fi < frames.length; fi++) {
    const f = frames[fi]!;
    out[i++] = f.code;
    out[i++] = f.pc;
    out[i++] = f.resultSlot;
    const locals = f.locals;
    for (let j = 0; j < locals.length; j++) out[i++] = locals[j]!;
  }
  return i;
}

/** Every move possible at a state, with its result; blocked moves are left out. */
export function successors(s: CompiledScenario, state: MachineState): { move: Move; result: Exclude<StepResult, { status: 'blocked' }> }[] {
  const out: { move: Move; result: Exclude<StepResult, { status: 'blocked' }> }[] = [];
  for (let actor = 0; actor < s.actors.length; actor++) {
    if (!schedulable(s, state, actor)) continue;
    const n = choiceCount(s, state, actor);
    for (let choice = 0; choice < n; choice++) {
      const move = { actor, choice };
      const result = step(s, state, move);
      if (result.status !== 'blocked') out.push({ move, result });
    }
  }
  return out;
}
