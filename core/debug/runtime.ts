// The runtime being debugged: the hypervisor model driven one move at a time, with the
// exact history of (move, state) so any earlier step can be revisited (the model is
// deterministic). It knows nothing of DAP: it takes requests in scenario terms (an actor,
// a line, a lock class) and reports typed events; debugger/ maps them to the protocol.

import type { Span } from '../syntax/ast';
import type { CompiledScenario } from '../model/compiled';
import { describeAddress, lineOf, spanText } from '../model/describe';
import { Lockdep } from '../model/lockdep';
import {
  choiceCount, deadlockViolation, describeWait, initialState, isFinished, leakViolation, nextInstr, stateCheckViolations, step, successors,
} from '../model/machine';
import { findRace } from '../model/races';
import { ActorStatus, VIOLATION_KINDS, type MachineState, type ModelEvent, type Move, type StepOk, type StepResult, type Violation, type ViolationKind, type WaitInfo } from '../model/types';
import { randomScheduler, replayScheduler, roundRobin, type Scheduler } from '../explore/schedulers';
import {
  breakpointId, hitConditionMet, lineBreakpoint, lockBreakpoint, parseHitCondition, statementLines, watchesLock,
  type DataBreakpoint, type HitCondition, type LineBreakpoint, type LineBreakpointSpec, type LockBreakpoint, type LockBreakpointSpec,
} from './breakpoints';
import { codeOfFrame, compileExpression, evaluateCompiled, type CompiledExpression, type EvalScope, type Evaluated, type Location } from './evaluate';
import type { RuntimeEvent, RuntimeListener, StopEvent, StopReason } from './events';
import { actorTitle, blockedOn, stackView, valueNode, viewChildren, type StackFrameView, type ViewNode, type ViewRef } from './views';

/** How `continue` for all actors picks the next move. `manual` continues round-robin. */
export type Schedule =
  | { readonly kind: 'manual' }
  | { readonly kind: 'round-robin' }
  | { readonly kind: 'random'; readonly seed: number }
  | { readonly kind: 'replay'; readonly moves: readonly Move[] };

/** A request the runtime cannot carry out; the message is for the user. */
export class DebugError extends Error {}

export type StepKind = 'next' | 'stepIn' | 'stepOut';

/** What a run is trying to do; it stops when done, or earlier at a breakpoint or a violation. */
type Goal =
  | { readonly kind: 'all' }
  | { readonly kind: 'actor'; readonly actor: number; readonly until: 'one' | 'over' | 'out' | 'block'; readonly depth: number; readonly choice?: number };

interface Entry {
  readonly state: MachineState;
  /** The move that led here; absent for the initial state and for edits. */
  readonly move?: Move;
  /** The launch schedule picked the move (so its scheduler can be rebuilt after a rewind). */
  readonly byScheduler: boolean;
  readonly events: readonly ModelEvent[];
  /** Reports the step printed while the run went on (KASAN, list-debug, WARN_ON, …). */
  readonly reports?: readonly Violation[];
  /** The statement executed, or what was edited. */
  readonly span?: Span;
  readonly edit?: string;
  /** Every move up to here is the loaded trace's (kept per entry: asking is then O(1)). */
  readonly onTrace: boolean;
}

export interface RuntimeOptions {
  readonly schedule: Schedule;
  /** Moves one continue may take before it pauses by itself (a scenario may spin forever). */
  readonly maxStepsPerRun?: number;
  /** Moves taken between two chances for a pause request to arrive. */
  readonly chunk?: number;
  /** How the runtime yields between chunks (setImmediate in Node; tests may pass their own). */
  readonly defer?: (f: () => void) => void;
}

export interface StepInTarget {
  readonly choice: number;
  readonly label: string;
}

export interface GotoTarget {
  readonly position: number;
  readonly label: string;
  readonly line: number;
}

export class DebugRuntime {
  private readonly history: Entry[];
  private pos = 0;
  private readonly listeners: RuntimeListener[] = [];
  private readonly lines: Map<number, number[]>;

  private lockdep: Lockdep;
  private lockdepUpTo = 0;
  private readonly findings: (readonly Violation[])[] = [[]];

  private scheduler: Scheduler;
  /** The position the scheduler's internal state matches; -1 when it must be rebuilt. */
  private schedulerAt = 0;
  /** A move the scheduler picked but that did not happen (a breakpoint or violation stopped it). */
  private pendingPick: { position: number; move: Move } | undefined;

  private lineBps: LineBreakpoint[] = [];
  private lockBps: LockBreakpoint[] = [];
  private dataBps: DataBreakpoint[] = [];
  private exceptionFilters = new Set<ViolationKind>(VIOLATION_KINDS);
  /** An actor that stopped at a breakpoint is not stopped again there until it moves. */
  private exempt: number | undefined;
  /** Actors the schedule must not move (`continue` for all passes them over); stepping one still moves it. */
  private readonly frozen = new Set<number>();
  /** Non-fatal findings already stopped at, so a continue goes past them: `position:kind`. */
  private readonly acknowledged = new Set<string>();

  private running: Goal | undefined;
  private pauseRequested = false;
  private runSteps = 0;
  private lastStop: StopEvent | undefined;
  private liveAtLastStop: boolean[];
  private leftTraceNoted = false;
  private succCache: { state: MachineState; succ: ReturnType<typeof successors> } | undefined;
  private readonly probes = new Map<string, ReturnType<typeof compileExpression>>();
  private readonly maxStepsPerRun: number;
  private readonly chunk: number;
  private readonly defer: (f: () => void) => void;

  constructor(readonly scenario: CompiledScenario, readonly options: RuntimeOptions) {
    const state = initialState(scenario);
    this.history = [{ state, byScheduler: false, events: [], onTrace: options.schedule.kind === 'replay' }];
    this.lines = statementLines(scenario);
    this.lockdep = new Lockdep(scenario);
    this.scheduler = makeScheduler(options.schedule);
    this.maxStepsPerRun = options.maxStepsPerRun ?? 200_000;
    this.chunk = options.chunk ?? 2_000;
    this.defer = options.defer ?? ((f) => setImmediate(f));
    this.liveAtLastStop = this.liveActors(state);
  }

  // ---------- observation ----------

  on(listener: RuntimeListener): void {
    this.listeners.push(listener);
  }

  private emit(e: RuntimeEvent): void {
    for (const l of this.listeners) l(e);
  }

  get state(): MachineState {
    return this.history[this.pos]!.state;
  }

  /** How many moves (and edits) lead to the current state. */
  get position(): number {
    return this.pos;
  }

  /** Entries in the recorded history, including steps after the current one (after a step back). */
  get historyLength(): number {
    return this.history.length;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  get stop(): StopEvent | undefined {
    return this.lastStop;
  }

  /** The moves taken from the initial state to the current one. */
  moves(): Move[] {
    return this.history.slice(1, this.pos + 1).flatMap((e) => (e.move ? [e.move] : []));
  }

  threads(): { actor: number; title: string }[] {
    return this.scenario.actors.map((a) => ({ actor: a.index, title: `${actorTitle(this.scenario, this.state, a.index)}${this.frozen.has(a.index) ? ' [frozen]' : ''}` }));
  }

  // ---------- freezing ----------

  /**
   * Freezes or thaws an actor: `continue` for all never moves a frozen actor (the schedule
   * picks among the others), while stepping or running it by itself still does.
   */
  setFrozen(actor: number, frozen: boolean): void {
    this.checkActor(actor);
    if (frozen) this.frozen.add(actor);
    else this.frozen.delete(actor);
  }

  isFrozen(actor: number): boolean {
    return this.frozen.has(actor);
  }

  frozenActors(): number[] {
    return [...this.frozen].sort((a, b) => a - b);
  }

  stack(actor: number): StackFrameView[] {
    this.checkActor(actor);
    return stackView(this.scenario, this.state, actor);
  }

  children(ref: ViewRef): ViewNode[] {
    return viewChildren(this.scenario, this.state, ref);
  }

  // ---------- evaluation ----------

  private compiled(text: string, code: number | undefined): CompiledExpression {
    const key = `${code ?? -1}\u0000${text}`;
    let c = this.probes.get(key);
    if (!c) {
      c = compileExpression(this.scenario, text, code);
      this.probes.set(key, c);
    }
    if (!c.ok) throw new DebugError(c.message);
    return c.value;
  }

  evaluate(text: string, scope: EvalScope | undefined): Evaluated {
    if (scope) this.checkActor(scope.actor);
    const x = this.compiled(text, codeOfFrame(this.state, scope));
    const r = evaluateCompiled(this.scenario, this.state, x, scope);
    if (!r.ok) throw new DebugError(r.message);
    return r.value;
  }

  /** An evaluated expression as a view node (expandable when it is a struct, lock, list…). */
  evaluateNode(text: string, scope: EvalScope | undefined): ViewNode {
    const v = this.evaluate(text, scope);
    const addr = v.location?.k === 'mem' ? v.location.addr : 0;
    const node = valueNode(this.scenario, this.state, text, v.type, v.value, addr, v.location);
    return v.readFreed && !node.freed ? { ...node, value: `${node.value} (read from a freed object)`, freed: true } : node;
  }

  /**
   * Replaces a shared word or a local with the value of an expression: a new entry in the
   * history, so stepping back undoes it. Returns the node as it now reads.
   */
  setValue(location: Location, scope: EvalScope | undefined, valueText: string, name: string): string {
    this.checkIdle();
    const v = this.evaluate(valueText, scope);
    const old = this.state;
    let state: MachineState;
    if (location.k === 'mem') {
      if (location.addr <= 0 || location.addr >= old.mem.length) throw new DebugError(`cannot write ${name}: no such word`);
      const mem = old.mem.slice();
      mem[location.addr] = v.value | 0;
      state = { ...old, mem };
    } else {
      if (!scope) throw new DebugError(`${name} is a local: select a frame first`);
      const a = old.actors[scope.actor]!;
      const frames = a.frames.map((f, i) => {
        if (i !== scope.frame) return f;
        const locals = f.locals.slice();
        locals[location.slot] = v.value;
        return { ...f, locals };
      });
      const actors = old.actors.slice();
      actors[scope.actor] = { ...a, frames };
      state = { ...old, actors };
    }
    this.commit({ state, byScheduler: false, events: [], edit: `${name} = ${valueText}`, onTrace: false });
    this.emit({ kind: 'output', category: 'console', text: `set ${name} = ${valueText} (step ${this.pos}; step back to undo)\n` });
    return String(v.value);
  }

  // ---------- breakpoints ----------

  setLineBreakpoints(specs: readonly LineBreakpointSpec[]): LineBreakpoint[] {
    this.lineBps = specs.map((b) => lineBreakpoint(this.scenario, this.lines, b));
    return this.lineBps;
  }

  setLockBreakpoints(specs: readonly LockBreakpointSpec[]): LockBreakpoint[] {
    this.lockBps = specs.map((b) => lockBreakpoint(this.scenario, b, (text) => this.lockInstance(text)));
    return this.lockBps;
  }

  private lockInstance(text: string): number | undefined {
    try {
      const v = this.evaluate(text, undefined);
      return v.type.k === 'lock' && v.location?.k === 'mem' ? v.location.addr : undefined;
    } catch {
      return undefined;
    }
  }

  /** Where an expression or view node lives, for a data breakpoint: a shared word range. */
  dataTarget(node: ViewNode | undefined, label: string): { addr: number; size: number; label: string } {
    const location = node?.location;
    if (!location) throw new DebugError(`${label} is not a place in shared memory`);
    if (location.k === 'local') throw new DebugError(`${label} is a local: only shared state can be watched (locals are private to one actor)`);
    return { addr: location.addr, size: Math.max(1, node.size ?? 1), label };
  }

  setDataBreakpoints(specs: readonly { addr: number; size: number; label: string; hitCondition?: string }[]): DataBreakpoint[] {
    this.dataBps = specs.map((d) => {
      const hit = parseHitCondition(d.hitCondition);
      if (hit && 'error' in hit) throw new DebugError(hit.error);
      return { id: breakpointId(), addr: d.addr, size: d.size, label: d.label, hits: 0, ...(hit ? { hitCondition: hit } : {}) };
    });
    return this.dataBps;
  }

  setExceptionFilters(kinds: readonly string[]): void {
    const unknown = kinds.filter((k) => !(VIOLATION_KINDS as readonly string[]).includes(k));
    if (unknown.length > 0) throw new DebugError(`unknown exception filter ${unknown.join(', ')} (known: ${VIOLATION_KINDS.join(', ')})`);
    this.exceptionFilters = new Set(kinds as ViolationKind[]);
  }

  // ---------- execution requests ----------

  /** Announces the initial state: stops on entry, or runs the schedule. */
  start(stopOnEntry: boolean): void {
    for (let i = 0; i < this.scenario.actors.length; i++) if (this.liveAtLastStop[i]) this.emit({ kind: 'actor-started', actor: i });
    if (stopOnEntry) {
      const first = this.state.actors.findIndex((a) => a.status === ActorStatus.Running);
      this.finishStop({ kind: 'stopped', reason: 'entry', actor: Math.max(0, first), description: `${this.scenario.title || this.scenario.file}: ${this.scenario.actors.length} actors, stopped before the first step` });
    } else {
      this.continueAll();
    }
  }

  /** Moves one actor only; every other actor stays where it is. */
  stepActor(actor: number, kind: StepKind, choice?: number): void {
    this.checkIdle();
    this.checkActor(actor);
    const a = this.state.actors[actor]!;
    const name = this.scenario.actors[actor]!.name;
    if (a.status === ActorStatus.Done) throw new DebugError(`${name} has finished: it has no step to take (step back, or restart)`);
    if (choice !== undefined) {
      const n = choiceCount(this.scenario, this.state, actor);
      if (!Number.isInteger(choice) || choice < 0 || choice >= n) throw new DebugError(`${name}'s next step has ${n} outcome${n === 1 ? '' : 's'}; there is no outcome ${choice + 1}`);
    }
    const until = kind === 'stepIn' ? 'one' : kind === 'next' ? 'over' : 'out';
    this.run({ kind: 'actor', actor, until, depth: a.frames.length, ...(choice !== undefined ? { choice } : {}) });
  }

  /** Runs one actor alone until it blocks, finishes or stops at a breakpoint. */
  continueActor(actor: number): void {
    this.checkIdle();
    this.checkActor(actor);
    const a = this.state.actors[actor]!;
    if (a.status === ActorStatus.Done) throw new DebugError(`${this.scenario.actors[actor]!.name} has finished: it has nothing left to run`);
    this.run({ kind: 'actor', actor, until: 'block', depth: a.frames.length });
  }

  /** Runs the launch schedule until a breakpoint, a violation or the end. */
  continueAll(): void {
    this.checkIdle();
    this.run({ kind: 'all' });
  }

  pause(): void {
    if (this.running) this.pauseRequested = true;
  }

  /** Undoes the last move (whoever took it). */
  stepBack(): void {
    this.checkIdle();
    if (this.pos === 0) throw new DebugError('at the start of the run: there is no step to step back over');
    const undone = this.history[this.pos]!;
    this.moveTo(this.pos - 1);
    const actor = undone.move?.actor ?? this.lastStop?.actor ?? 0;
    const what = undone.edit ? `undid ${undone.edit}` : `undid step ${this.pos + 1} (${this.describeEntry(undone)})`;
    this.finishStop({ kind: 'stopped', reason: 'step', actor, description: what });
  }

  /** Goes back to the previous breakpoint, violation finding, or the start. */
  reverseContinue(): void {
    this.checkIdle();
    if (this.pos === 0) throw new DebugError('at the start of the run: there is nothing before it');
    const from = this.pos;
    for (let i = from; i >= 1; i--) {
      const e = this.history[i]!;
      if (i < from) {
        const data = e.move ? this.dataHits(e.events, false) : [];
        const finding = (this.findings[i] ?? []).find((v) => this.exceptionFilters.has(v.kind));
        if (data.length > 0 || finding) {
          this.moveTo(i);
          const actor = e.move?.actor ?? 0;
          this.finishStop(finding
            ? { kind: 'stopped', reason: 'exception', actor, description: finding.message, violation: finding }
            : { kind: 'stopped', reason: 'data-breakpoint', actor, description: `${data.map((d) => d.label).join(', ')} written by ${this.scenario.actors[actor]!.name}`, breakpoints: data.map((d) => d.id) });
          return;
        }
      }
      if (!e.move) continue;
      const before = this.history[i - 1]!.state;
      const hit: (LineBreakpoint | LockBreakpoint)[] = [...this.lineHits(e.move.actor, before, false), ...this.lockAcquireHits(e.move.actor, e.events, before, false)];
      if (hit.length > 0) {
        this.moveTo(i - 1);
        this.exempt = e.move.actor;
        this.finishStop({ kind: 'stopped', reason: hit[0]!.kind === 'lock' ? 'lock-breakpoint' : 'breakpoint', actor: e.move.actor, description: this.breakpointText(e.move.actor, hit, before), breakpoints: hit.map((b) => b.id) });
        return;
      }
    }
    this.moveTo(0);
    this.finishStop({ kind: 'stopped', reason: 'entry', actor: this.history[1]?.move?.actor ?? 0, description: 'back at the start of the run' });
  }

  /** Jumps to any recorded position (earlier, or later after a step back); the stop is `actor`'s when given. */
  goto(position: number, actor?: number): void {
    this.checkIdle();
    if (actor !== undefined) this.checkActor(actor);
    if (!Number.isInteger(position) || position < 0 || position >= this.history.length) {
      throw new DebugError(`there is no step ${position} (the recorded history has steps 0 to ${this.history.length - 1})`);
    }
    this.moveTo(position);
    const e = this.history[position]!;
    // The stop is the requested actor's (the thread the client asked the goto for), else the mover's.
    this.finishStop({ kind: 'stopped', reason: 'goto', actor: actor ?? e.move?.actor ?? this.lastStop?.actor ?? 0, description: `at step ${position}${position > 0 ? ` (after ${this.describeEntry(e)})` : ' (the start)'}` });
  }

  /** The recorded positions where some actor stands at `line`: places to go back (or forward) to. */
  gotoTargets(line: number): GotoTarget[] {
    const out: GotoTarget[] = [];
    const s = this.scenario;
    for (let i = 0; i < this.history.length; i++) {
      const e = this.history[i]!;
      const actors = e.move ? [e.move.actor] : i === 0 ? s.actors.map((a) => a.index) : [];
      for (const a of actors) {
        const ins = nextInstr(s, e.state, a);
        if (ins && lineOf(s, ins.span.start) === line) {
          out.push({ position: i, line, label: `step ${i}: ${s.actors[a]!.name} at line ${line}${i === this.pos ? ' (now)' : i > this.pos ? ' (later)' : ''}` });
        }
      }
    }
    // The nearest ones first: the list is for a person to pick from.
    return out.sort((x, y) => Math.abs(x.position - this.pos) - Math.abs(y.position - this.pos)).slice(0, 50);
  }

  /** The outcomes of an actor's next step, when it has more than one (choose, close(any)). */
  stepInTargets(actor: number): StepInTarget[] {
    this.checkActor(actor);
    const s = this.scenario;
    const n = choiceCount(s, this.state, actor);
    if (n <= 1) return [];
    const ins = nextInstr(s, this.state, actor);
    const what = ins?.op === 'choose' ? 'branch' : 'outcome';
    return Array.from({ length: n }, (_, i) => ({ choice: i, label: `${what} ${i + 1} of ${n}${ins ? `: ${spanText(s, ins.span).slice(0, 40)}` : ''}` }));
  }

  // ---------- the run loop ----------

  private checkIdle(): void {
    if (this.running) throw new DebugError('the scenario is running: pause it first');
  }

  private checkActor(actor: number): void {
    if (!Number.isInteger(actor) || actor < 0 || actor >= this.scenario.actors.length) {
      throw new DebugError(`no actor with index ${actor} (the scenario has ${this.scenario.actors.length})`);
    }
  }

  private run(goal: Goal): void {
    this.running = goal;
    this.pauseRequested = false;
    this.runSteps = 0;
    try {
      this.runChunk(goal, true);
    } catch (e) {
      this.running = undefined;
      throw e;
    }
  }

  private runChunk(goal: Goal, first: boolean): void {
    let firstMove = first;
    for (let i = 0; i < this.chunk; i++) {
      const stop = this.iterate(goal, firstMove);
      firstMove = false;
      if (stop) {
        this.running = undefined;
        this.finishStop(stop);
        return;
      }
      if (++this.runSteps >= this.maxStepsPerRun) {
        this.running = undefined;
        this.finishStop({ kind: 'stopped', reason: 'pause', actor: this.history[this.pos]!.move?.actor ?? 0, description: `paused after ${this.runSteps} steps without a breakpoint or a violation` });
        return;
      }
    }
    this.defer(() => {
      if (this.pauseRequested) {
        this.running = undefined;
        this.pauseRequested = false;
        this.finishStop({ kind: 'stopped', reason: 'pause', actor: this.history[this.pos]!.move?.actor ?? 0, description: `paused at step ${this.pos}` });
        return;
      }
      try {
        this.runChunk(goal, false);
      } catch (e) {
        // Nobody is waiting on this chunk to report an error: stop, and say what happened.
        this.running = undefined;
        this.emit({ kind: 'output', category: 'stderr', text: `internal error while running: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n` });
        this.finishStop({ kind: 'stopped', reason: 'pause', actor: this.history[this.pos]!.move?.actor ?? 0, description: `stopped by an internal error at step ${this.pos}` });
      }
    });
  }

  /** One move of a run, or the reason it stops instead. */
  private iterate(goal: Goal, first: boolean): StopEvent | undefined {
    const s = this.scenario;
    const before = this.state;
    const p = this.pos;

    let move: Move;
    let result: Exclude<StepResult, { status: 'blocked' }>;
    let byScheduler = false;
    if (goal.kind === 'all') {
      const end = this.endOfRun(before);
      if (end) return end;
      const succ = this.successorsOf(before);
      const race = this.raceAt(before, succ);
      if (race) return race;
      const movable = this.frozen.size === 0 ? succ : succ.filter((x) => !this.frozen.has(x.move.actor));
      if (movable.length === 0) return this.frozenStop(succ);
      const picked = this.pick(movable);
      if ('stop' in picked) return picked.stop;
      ({ move, result } = picked);
      byScheduler = true;
    } else {
      const a = before.actors[goal.actor]!;
      if (a.status === ActorStatus.Done) return this.actorStop(goal.actor, 'step', `${s.actors[goal.actor]!.name} finished`);
      move = { actor: goal.actor, choice: goal.choice ?? this.defaultChoice(goal.actor) };
      const r = step(s, before, move);
      if (r.status === 'blocked') return this.blockedStop(goal.actor, r.wait, first);
      if (first) {
        const race = this.raceAt(before, this.successorsOf(before));
        if (race) return race;
      }
      result = r;
    }

    // Breakpoints stop before the move: the actor is about to execute the line or take the lock.
    if (!(goal.kind === 'actor' && first) && move.actor !== this.exempt) {
      const hits = [...this.lineHits(move.actor, before, true), ...this.lockAcquireHits(move.actor, result.events, before, true)];
      if (hits.length > 0) {
        if (byScheduler) this.pendingPick = { position: p, move };
        this.exempt = move.actor;
        return { kind: 'stopped', reason: hits[0]!.kind === 'lock' ? 'lock-breakpoint' : 'breakpoint', actor: move.actor, description: this.breakpointText(move.actor, hits, before), breakpoints: hits.map((b) => b.id) };
      }
    }

    // A report the kernel goes on from stops before the move too, at the line that prints it;
    // the next continue or step takes the move and goes on past it.
    const report = result.status === 'ok' ? result.reports.find((v) => this.exceptionFilters.has(v.kind) && !this.acknowledged.has(`${p + 1}:${v.kind}`)) : undefined;
    if (report) {
      if (byScheduler) this.pendingPick = { position: p, move };
      for (const v of (result as StepOk).reports) this.acknowledged.add(`${p + 1}:${v.kind}`);
      return this.violationStop(report, move.actor);
    }

    if (result.status === 'violation') {
      if (byScheduler) this.pendingPick = { position: p, move };
      return this.violationStop(result.violation, move.actor);
    }

    this.commit({ state: result.state, move, byScheduler, events: result.events, reports: result.reports, span: result.span, onTrace: this.followsTrace(move) });
    if (move.actor === this.exempt) this.exempt = undefined;

    const finding = this.findingsAt(this.pos).find((v) => this.exceptionFilters.has(v.kind));
    if (finding) {
      this.acknowledged.add(`${this.pos}:${finding.kind}`);
      return this.violationStop(finding, move.actor);
    }
    const data = this.dataHits(result.events, true);
    if (data.length > 0) {
      return { kind: 'stopped', reason: 'data-breakpoint', actor: move.actor, description: `${data.map((d) => d.label).join(', ')} written by ${s.actors[move.actor]!.name} (now ${data.map((d) => this.state.mem[d.addr] ?? 0).join(', ')})`, breakpoints: data.map((d) => d.id) };
    }
    const contention = this.contentionHits(before, this.state);
    if (contention) return contention;

    if (goal.kind === 'actor') {
      const end = this.endOfRun(this.state);
      if (end && end.reason === 'exception') return end;
      const now = this.state.actors[goal.actor]!;
      const depth = now.frames.length;
      const text = this.describeEntry(this.history[this.pos]!);
      if (now.status !== ActorStatus.Running) return end ?? this.actorStop(goal.actor, 'step', `${text}; ${s.actors[goal.actor]!.name} finished`);
      if (goal.until === 'one' || (goal.until === 'over' && depth <= goal.depth) || (goal.until === 'out' && depth < goal.depth)) {
        return this.actorStop(goal.actor, 'step', text);
      }
    }
    return undefined;
  }

  /** The moves possible at a state; the last answer is kept, as each loop turn asks twice. */
  private successorsOf(state: MachineState): ReturnType<typeof successors> {
    if (this.succCache?.state !== state) this.succCache = { state, succ: successors(this.scenario, state) };
    return this.succCache.succ;
  }

  /** At a state where nothing can move: the end (with kmemleak's check) or a deadlock. */
  private endOfRun(state: MachineState): StopEvent | undefined {
    const s = this.scenario;
    if (this.successorsOf(state).length > 0) return undefined;
    if (isFinished(s, state)) {
      const leak = leakViolation(s, state);
      if (leak && this.exceptionFilters.has('leak') && !this.acknowledged.has(`${this.pos}:leak`)) {
        this.acknowledged.add(`${this.pos}:leak`);
        return this.violationStop(leak, this.history[this.pos]!.move?.actor ?? 0);
      }
      return { kind: 'stopped', reason: 'end', actor: this.history[this.pos]!.move?.actor ?? 0, description: `every actor finished after ${this.pos} steps${leak ? '' : ': no violation'}` };
    }
    const v = deadlockViolation(s, state);
    const firstBlocked = state.actors.findIndex((a) => a.status === ActorStatus.Running);
    return this.violationStop(v, firstBlocked < 0 ? 0 : firstBlocked);
  }

  /** KCSAN: at this state, two actors' next steps make conflicting plain accesses. */
  private raceAt(state: MachineState, succ: ReturnType<typeof successors>): StopEvent | undefined {
    const s = this.scenario;
    if (!s.detectRaces || !this.exceptionFilters.has('data_race') || this.acknowledged.has(`${this.pos}:data_race`)) return undefined;
    const oks = succ.filter((x): x is { move: Move; result: StepOk } => x.result.status === 'ok');
    const race = findRace(s, state, oks);
    if (!race) return undefined;
    this.acknowledged.add(`${this.pos}:data_race`);
    return this.violationStop(race, race.actor);
  }

  private pick(succ: ReturnType<typeof successors>): { move: Move; result: Exclude<StepResult, { status: 'blocked' }> } | { stop: StopEvent } {
    const p = this.pos;
    // A fatal violation whose filter is off is stepped around: the schedule picks among the other moves.
    const allowed = succ.filter((x) => x.result.status !== 'violation' || this.exceptionFilters.has(x.result.violation.kind));
    if (allowed.length === 0) {
      const v = succ.find((x) => x.result.status === 'violation')!;
      return { stop: this.violationStop((v.result as { violation: Violation }).violation, v.move.actor) };
    }
    let move: Move | undefined;
    const sched = this.options.schedule;
    const offTrace = sched.kind === 'replay' && !this.onTrace();
    const pending = this.pendingPick;
    if (pending?.position === p && allowed.some((x) => x.move.actor === pending.move.actor && x.move.choice === pending.move.choice)) {
      move = pending.move;
      this.pendingPick = undefined;
    } else if (offTrace) {
      // Off the recorded trace (another actor was stepped by hand): go on round-robin from the last mover.
      const rr = roundRobin();
      const last = this.history[p]?.move;
      if (last) rr.pick([last], p);
      move = rr.pick(allowed.map((x) => x.move), p);
      if (!this.leftTraceNoted) {
        this.leftTraceNoted = true;
        this.emit({ kind: 'output', category: 'console', text: `this run has left the recorded trace; continue now runs round-robin\n` });
      }
    } else {
      this.syncScheduler();
      move = this.scheduler.pick(allowed.map((x) => x.move), p);
      // The pick is consumed now; if it does not become a move, the scheduler must be rebuilt.
      this.schedulerAt = -1;
    }
    const found = move && allowed.find((x) => x.move.actor === move!.actor && x.move.choice === move!.choice);
    if (!move || !found) {
      if (sched.kind === 'replay') {
        const want = sched.moves[p];
        const who = want ? this.scenario.actors[want.actor]?.name ?? '?' : '';
        return {
          stop: want && this.frozen.has(want.actor)
            ? { kind: 'stopped', reason: 'pause', actor: want.actor, description: `the trace's step ${p + 1} is ${who}'s, and ${who} is frozen: thaw it (or step it) to go on` }
            : want
            ? { kind: 'stopped', reason: 'end', actor: want.actor, description: `the trace's step ${p + 1} (${who}) cannot be taken: its exception filter is off` }
            : { kind: 'stopped', reason: 'end', actor: this.history[p]!.move?.actor ?? 0, description: `the replayed trace ends here, after ${p} steps` },
        };
      }
      return { stop: { kind: 'stopped', reason: 'end', actor: 0, description: 'the schedule picked no move' } };
    }
    return found;
  }

  /** Every move so far is the loaded trace's (no step by hand, no edit). */
  private onTrace(): boolean {
    return this.history[this.pos]!.onTrace;
  }

  private followsTrace(move: Move | undefined): boolean {
    const sched = this.options.schedule;
    if (sched.kind !== 'replay' || !move || !this.history[this.pos]!.onTrace) return false;
    const want = sched.moves[this.pos];
    return want !== undefined && want.actor === move.actor && want.choice === move.choice;
  }

  private syncScheduler(): void {
    if (this.schedulerAt === this.pos) return;
    // Schedulers' state depends only on the picks they made: replay those picks.
    this.scheduler = makeScheduler(this.options.schedule);
    for (let i = 1; i <= this.pos; i++) {
      const e = this.history[i]!;
      if (e.byScheduler && e.move) this.scheduler.pick([e.move], i - 1);
    }
    this.schedulerAt = this.pos;
  }

  /** A single step of one actor follows the loaded trace's choice when the trace moves that actor here. */
  private defaultChoice(actor: number): number {
    const sched = this.options.schedule;
    if (sched.kind === 'replay') {
      const want = sched.moves[this.pos];
      if (want && want.actor === actor) return want.choice;
    }
    return 0;
  }

  private commit(entry: Entry): void {
    const next = this.history[this.pos + 1];
    const same = next && entry.move && next.move && !next.edit && next.move.actor === entry.move.actor && next.move.choice === entry.move.choice;
    if (!same) {
      this.history.length = this.pos + 1;
      this.findings.length = Math.min(this.findings.length, this.pos + 1);
      if (this.lockdepUpTo > this.pos) this.lockdepUpTo = Number.POSITIVE_INFINITY; // force a rebuild
      this.history.push(entry);
    }
    const wasSynced = this.schedulerAt === this.pos;
    this.pos++;
    if (entry.byScheduler) this.schedulerAt = this.pos;
    else if (wasSynced) this.schedulerAt = this.pos;
    this.pendingPick = undefined;
  }

  private moveTo(position: number): void {
    this.pos = position;
    this.pendingPick = undefined;
    this.schedulerAt = -1;
    this.exempt = undefined;
  }

  /** Lockdep's findings for the move into `position`; the graph is rebuilt after a rewind. */
  private findingsAt(position: number): readonly Violation[] {
    if (this.lockdepUpTo > position) {
      this.lockdep = new Lockdep(this.scenario);
      this.lockdepUpTo = 0;
    }
    for (let i = this.lockdepUpTo + 1; i <= position; i++) {
      const e = this.history[i]!;
      const lockdep = this.lockdep.observe(e.events, this.history[i - 1]!.state);
      const checks = stateCheckViolations(this.scenario, e.state);
      this.findings[i] = [...(e.reports ?? []), ...lockdep, ...checks];
    }
    this.lockdepUpTo = Math.max(this.lockdepUpTo, position);
    return this.findings[position] ?? [];
  }

  // ---------- breakpoint checks ----------

  private conditionHolds(c: CompiledExpression | undefined, state: MachineState, actor: number): boolean {
    if (!c) return true;
    const frames = state.actors[actor]?.frames.length ?? 0;
    const r = evaluateCompiled(this.scenario, state, c, { actor, frame: Math.max(0, frames - 1) });
    // A condition that cannot be evaluated here (a NULL pointer, say) does not stop.
    return r.ok && r.value.value !== 0;
  }

  private counted(b: { hits: number; readonly hitCondition?: HitCondition }, count: boolean): boolean {
    if (!count) return true;
    b.hits++;
    return hitConditionMet(b.hitCondition, b.hits);
  }

  private lineHits(actor: number, state: MachineState, count: boolean): LineBreakpoint[] {
    if (this.lineBps.length === 0) return [];
    const ins = nextInstr(this.scenario, state, actor);
    if (!ins) return [];
    return this.lineBps.filter((b) => b.verified && b.instrs.has(ins.id) && this.conditionHolds(b.condition, state, actor) && this.counted(b, count));
  }

  private lockAcquireHits(actor: number, events: readonly ModelEvent[], state: MachineState, count: boolean): LockBreakpoint[] {
    if (this.lockBps.length === 0) return [];
    const out: LockBreakpoint[] = [];
    for (const e of events) {
      if (e.kind !== 'acquire') continue;
      for (const b of this.lockBps) {
        if (b.mode === 'acquire' && !out.includes(b) && watchesLock(b, e.cls, e.lock) && this.conditionHolds(b.condition, state, actor) && this.counted(b, count)) out.push(b);
      }
    }
    return out;
  }

  /** Actors that this move left waiting for a watched lock (the lock is held by someone else). */
  private contentionHits(before: MachineState, after: MachineState): StopEvent | undefined {
    if (this.lockBps.length === 0) return undefined;
    const s = this.scenario;
    for (let actor = 0; actor < s.actors.length; actor++) {
      const w = blockedOn(s, after, actor);
      if (!w || w.kind !== 'lock') continue;
      const was = blockedOn(s, before, actor);
      if (was && was.kind === 'lock' && was.lock === w.lock) continue;
      const hits = this.lockBps.filter((b) => watchesLock(b, w.cls, w.lock) && this.conditionHolds(b.condition, after, actor) && this.counted(b, true));
      if (hits.length > 0) {
        this.exempt = actor;
        return { kind: 'stopped', reason: 'lock-breakpoint', actor, description: `${s.actors[actor]!.name} is about to acquire ${s.lockClasses[w.cls]?.name ?? describeAddress(s, after, w.lock)}, held by ${w.holders.map((h) => s.actors[h]?.name ?? '?').join(', ')} (contended)`, breakpoints: hits.map((b) => b.id), wait: w };
      }
    }
    return undefined;
  }

  private dataHits(events: readonly ModelEvent[], count: boolean): DataBreakpoint[] {
    if (this.dataBps.length === 0) return [];
    const out: DataBreakpoint[] = [];
    for (const e of events) {
      if (e.kind !== 'write') continue;
      for (const d of this.dataBps) {
        if (!out.includes(d) && e.addr >= d.addr && e.addr < d.addr + d.size && this.counted(d, count)) out.push(d);
      }
    }
    return out;
  }

  private breakpointText(actor: number, hits: readonly (LineBreakpoint | LockBreakpoint)[], state: MachineState): string {
    const s = this.scenario;
    const name = s.actors[actor]!.name;
    const ins = nextInstr(s, state, actor);
    const stmt = ins ? `line ${lineOf(s, ins.span.start)}: ${spanText(s, ins.span)}` : '';
    const lock = hits.find((h): h is LockBreakpoint => h.kind === 'lock');
    return lock ? `${name} is about to acquire ${lock.name === '*' ? 'a lock' : lock.name} (${stmt})` : `${name} at ${stmt}`;
  }

  // ---------- stops ----------

  private violationStop(v: Violation, actor: number): StopEvent {
    return { kind: 'stopped', reason: 'exception', actor: v.actor >= 0 ? v.actor : actor, description: v.message, violation: v };
  }

  /** `continue` found moves, but only for frozen actors: not a deadlock, a pause that says so. */
  private frozenStop(succ: ReturnType<typeof successors>): StopEvent {
    const s = this.scenario;
    const able = [...new Set(succ.map((x) => x.move.actor))];
    const names = able.map((a) => s.actors[a]!.name).join(', ');
    return {
      kind: 'stopped', reason: 'pause', actor: able[0] ?? 0,
      description: `no unfrozen actor can move; frozen and able to: ${names} (thaw one, or step it)`,
    };
  }

  private blockedStop(actor: number, wait: WaitInfo, first: boolean): StopEvent {
    const s = this.scenario;
    const text = `${s.actors[actor]!.name} ${describeWait(s, this.state, wait)}`;
    return { kind: 'stopped', reason: 'blocked', actor, description: first ? `${text}: it cannot take a step` : `${text} (ran until it blocked)`, wait };
  }

  private actorStop(actor: number, reason: StopReason, description: string): StopEvent {
    return { kind: 'stopped', reason, actor, description };
  }

  private describeEntry(e: Entry): string {
    if (e.edit) return e.edit;
    if (!e.move || !e.span) return 'the start';
    const s = this.scenario;
    return `${s.actors[e.move.actor]!.name} ran line ${lineOf(s, e.span.start)}: ${spanText(s, e.span)}`;
  }

  private liveActors(state: MachineState): boolean[] {
    return state.actors.map((a) => a.status === ActorStatus.Running);
  }

  /** Emits thread start/exit for actors that changed since the last stop, the output, then the stop. */
  private finishStop(stop: StopEvent): void {
    const live = this.liveActors(this.state);
    live.forEach((l, i) => {
      if (l && !this.liveAtLastStop[i]) this.emit({ kind: 'actor-started', actor: i });
      if (!l && this.liveAtLastStop[i]) this.emit({ kind: 'actor-exited', actor: i });
    });
    this.liveAtLastStop = live;
    this.lastStop = stop;
    // Continuing from a stop does not stop again where the actor already stands (a step or
    // a step back onto a breakpoint line); at entry, a breakpoint on the first line should hit.
    if (stop.reason !== 'entry') this.exempt = stop.actor;
    if (stop.violation) this.emit({ kind: 'output', category: 'stderr', text: `${stop.violation.report}\n`, span: stop.violation.span });
    else if (stop.reason === 'blocked' || stop.reason === 'end' || stop.reason === 'pause') this.emit({ kind: 'output', category: 'console', text: `${stop.description}\n` });
    this.emit(stop);
  }
}

function makeScheduler(schedule: Schedule): Scheduler {
  switch (schedule.kind) {
    case 'manual':
    case 'round-robin':
      return roundRobin();
    case 'random':
      return randomScheduler(schedule.seed);
    case 'replay':
      return replayScheduler(schedule.moves);
  }
}
