// Turns a violation the search met into a replayable trace. The path is rebuilt from the
// store's parent links and replayed with the model's own `step`; then it is shortened: steps
// the violation does not depend on are dropped (a dependency is the same actor, the same CPU
// or conflicting footprints) and the rest reordered to switch actors as rarely as possible.
// A shortened schedule is kept only if replaying it reproduces the same violation.

import type { CompiledScenario } from '../model/compiled';
import { spanText } from '../model/describe';
import {
  choiceCount, deadlockViolation, initialState, isFinished, leakViolation, schedulable, stateCheckViolations, step, waitsOf,
} from '../model/machine';
import { findRace } from '../model/races';
import { isStateCheck } from '../semantics/symbols';
import { stepViolations, type MachineState, type ModelEvent, type Move, type StepOk, type StepResult, type Violation } from '../model/types';
import { conflicts, type Access, type Footprints } from './footprint';
import { livelockAt } from './livelock';
import { cycleThrough, lockdepOnReplay, witnessRun } from './lockorder';
import { key, livelockKey, type Outcome, type RawFinding } from './search';
import { unpackMove, type StateStore } from './store';
import { traceStep, type TraceStep } from './trace';
import type { Finding } from './types';

/** Traces longer than this are not shortened (the dependency check is quadratic). */
const MAX_SHORTEN = 3000;

interface Replay {
  readonly steps: TraceStep[];
  readonly accesses: Access[];
  readonly final: MachineState;
  /** The result of the last move, when there was one. */
  readonly last?: StepResult;
}

const WHOLE_STATE = new Set(['deadlock', 'leak', 'data_race', 'livelock']);
const LOCKDEP = new Set(['lock_order', 'irq_lock_inversion']);

/** A violation of an `invariant` or the `final` block: a property of the state reached. */
function fromStateCheck(s: CompiledScenario, v: Violation): boolean {
  const a = s.actors[v.actor];
  return a !== undefined && isStateCheck(a.actorKind);
}

/** What the search leaves behind for building traces. */
export interface SearchRecord {
  readonly s: CompiledScenario;
  readonly store: StateStore;
  readonly footprints: Footprints;
  /** Lock-class dependencies seen anywhere (see lockorder.ts). */
  readonly lockEdges: ReadonlySet<number>;
}

export function buildFinding(search: SearchRecord, raw: RawFinding, shorten = true): Finding {
  const { s, store, footprints: fp } = search;
  const moves = store.pathTo(raw.stateId).map(unpackMove);
  if (raw.move) moves.push(raw.move);
  const original = replay(s, fp, moves);
  if (!original) return { kind: raw.violation.kind, message: raw.violation.message, violation: raw.violation, trace: [] };
  if (raw.violation.kind === 'lock_order' && original.last?.status === 'ok') {
    const whole = wholeCycle(search, original.last.events, shorten);
    if (whole) return whole;
  }
  const signature = lockdepSignature(original.last);
  const verify = (r: Replay | undefined): Finding | undefined => (r ? judge(s, raw, r, signature) : undefined);
  const base = verify(original);
  if (shorten && original.steps.length <= MAX_SHORTEN) {
    for (const order of shorterOrders(s, fp, raw, original)) {
      const r = verify(replay(s, fp, order.map((i) => original.steps[i]!)));
      if (r && (!base || r.trace.length <= base.trace.length)) return r;
    }
  }
  return base ?? { kind: raw.violation.kind, message: raw.violation.message, violation: raw.violation, trace: original.steps };
}

/** A lock-order finding with one run that shows the whole cycle `closing` completes, if found. */
function wholeCycle(search: SearchRecord, closing: readonly ModelEvent[], shorten: boolean): Finding | undefined {
  const cycle = cycleThrough(closing, search.lockEdges);
  return cycle && cycleFinding(search.s, search.footprints, cycle, shorten);
}

/**
 * A lock-order finding whose trace is one run with every dependency of `cycle` (edge keys),
 * and whose report is what a fresh lockdep says about that run. Undefined when no such run
 * was found.
 */
export function cycleFinding(s: CompiledScenario, fp: Footprints, cycle: readonly number[], shorten: boolean): Finding | undefined {
  const moves = witnessRun(s, cycle);
  if (!moves) return undefined;
  const judgeRun = (order: readonly Move[]): Finding | undefined => {
    const found = lockdepOnReplay(s, order);
    if (!found) return undefined;
    const r = replay(s, fp, order.slice(0, found.at + 1));
    return r ? { kind: 'lock_order', message: found.violation.message, violation: found.violation, trace: r.steps } : undefined;
  };
  const base = judgeRun(moves);
  if (!base || !shorten) return base;
  // Fewer switches between actors, when the reordered run still shows the cycle.
  const r = replay(s, fp, moves);
  if (!r) return base;
  const all = r.steps.map((_, i) => i);
  const order = fewSwitches(all, (i) => r.steps[i]!.actor, dependence(s, r));
  return judgeRun(order.map((i) => r.steps[i]!)) ?? base;
}

/**
 * A lockdep finding over several runs, as the checker's lockdep accumulates over every run
 * it explores: the runs replayed into one lockdep, the last one after the others, and the
 * trace of the last up to the step where lockdep reports `kind`. For a lock-order cycle no
 * single run shows (a run per dependency), or an irq-unsafe lock taken in different runs in
 * an irq handler and with interrupts on.
 */
export function lockdepOverRuns(s: CompiledScenario, fp: Footprints, runs: readonly (readonly Move[])[], kind: 'lock_order' | 'irq_lock_inversion'): Finding | undefined {
  const last = runs[runs.length - 1];
  if (!last) return undefined;
  const found = lockdepOnReplay(s, last, runs.slice(0, -1), kind);
  if (!found) return undefined;
  const r = replay(s, fp, last.slice(0, found.at + 1));
  return r ? { kind, message: found.violation.message, violation: found.violation, trace: r.steps } : undefined;
}

/** Replays moves from the initial state; undefined if one of them is not possible. */
function replay(s: CompiledScenario, fp: Footprints, moves: readonly Move[]): Replay | undefined {
  let state = initialState(s);
  const steps: TraceStep[] = [];
  const accesses: Access[] = [];
  let last: StepResult | undefined;
  for (let i = 0; i < moves.length; i++) {
    const m = moves[i]!;
    accesses.push(fp.moveAccess(state, m.actor));
    const r = step(s, state, { actor: m.actor, choice: m.choice });
    if (r.status === 'blocked') return undefined;
    steps.push(traceStep(s, m, r.span, r.status === 'ok' ? r.label : undefined));
    last = r;
    if (r.status === 'violation') {
      if (i !== moves.length - 1) return undefined;
      break;
    }
    state = r.state;
  }
  return { steps, accesses, final: state, ...(last ? { last } : {}) };
}

/** The acquisitions of the last step, as `class<held,…>`: what lockdep saw there. */
function lockdepSignature(r: StepResult | undefined): string {
  if (!r || r.status !== 'ok') return '';
  return r.events
    .filter((e): e is Extract<ModelEvent, { kind: 'acquire' }> => e.kind === 'acquire')
    .map((e) => `${e.cls}<${e.held.map((h) => h.cls).join(',')}>${e.inIrq ? 'irq' : ''}${e.irqsEnabled ? 'on' : ''}`)
    .join(';');
}

/** The finding a replay ends in, if it is the same violation (kind and location) as `raw`. */
function judge(s: CompiledScenario, raw: RawFinding, r: Replay, signature: string): Finding | undefined {
  const kind = raw.violation.kind;
  const finding = (violation: Violation, extra: Partial<Finding> = {}): Finding | undefined =>
    key(violation) === raw.key ? { kind, message: violation.message, violation, trace: r.steps, ...extra } : undefined;
  if (LOCKDEP.has(kind)) {
    // The cycle may close over dependencies other runs recorded: this run shows the acquisition.
    return signature !== '' && lockdepSignature(r.last) === signature && raw.move ? { kind, message: raw.violation.message, violation: raw.violation, trace: r.steps } : undefined;
  }
  if (fromStateCheck(s, raw.violation)) {
    const hit = stateCheckViolations(s, r.final).find((v) => key(v) === raw.key);
    return hit ? finding(hit) : undefined;
  }
  if (!WHOLE_STATE.has(kind)) {
    const hit = r.last ? stepViolations(r.last).find((v) => key(v) === raw.key) : undefined;
    return hit ? finding(hit) : undefined;
  }
  const state = r.final;
  const outcomes = allMoves(s, state);
  const flat = outcomes.flat();
  switch (kind) {
    case 'deadlock': {
      if (flat.length > 0 || isFinished(s, state)) return undefined;
      const blocked = waitsOf(s, state).map((w) => ({ actor: w.actor, text: spanText(s, w.span) }));
      return finding(deadlockViolation(s, state), { blocked });
    }
    case 'leak': {
      if (flat.length > 0 || !isFinished(s, state)) return undefined;
      const v = leakViolation(s, state);
      return v ? finding(v) : undefined;
    }
    case 'data_race': {
      const oks = flat.filter((o): o is { move: Move; result: StepOk } => o.result.status === 'ok');
      // The pair the search reported, which need not be the first pair findRace meets here.
      const racers = racingActors(s, state, raw);
      const pair = oks.filter((o) => racers.includes(o.move.actor));
      const v = findRace(s, state, pair);
      if (!v) return undefined;
      const pending = firstPerActor(pair).map((o) => ({ actor: o.move.actor, text: spanText(s, o.result.span) }));
      return finding(v, { pending });
    }
    case 'livelock': {
      const v = livelockAt(s, state, outcomes);
      if (!v || livelockKey(outcomes) !== raw.key) return undefined;
      const pending = firstPerActor(flat).map((o) => ({ actor: o.move.actor, text: spanText(s, o.result.span) }));
      return { kind, message: v.message, violation: v, trace: r.steps, pending };
    }
    default:
      return undefined;
  }
}

function firstPerActor<T extends { readonly move: Move }>(xs: readonly T[]): T[] {
  return xs.filter((o, i) => xs.findIndex((x) => x.move.actor === o.move.actor) === i);
}

function allMoves(s: CompiledScenario, state: MachineState): Outcome[][] {
  const out: Outcome[][] = [];
  for (let actor = 0; actor < s.actors.length; actor++) {
    const mine: Outcome[] = [];
    if (schedulable(s, state, actor)) {
      const k = choiceCount(s, state, actor);
      for (let choice = 0; choice < k; choice++) {
        const r = step(s, state, { actor, choice });
        if (r.status !== 'blocked') mine.push({ move: { actor, choice }, result: r });
      }
    }
    out.push(mine);
  }
  return out;
}

/**
 * Candidate schedules, as indices into the original steps, best first: the steps the
 * violation depends on in an order with few actor switches, then the same steps in their
 * original order. Whole-state findings (a deadlock needs every actor where it is) keep every
 * step and are only reordered.
 */
function shorterOrders(s: CompiledScenario, fp: Footprints, raw: RawFinding, r: Replay): number[][] {
  const n = r.steps.length;
  if (n === 0) return [];
  const actorOf = (i: number): number => r.steps[i]!.actor;
  const dep = dependence(s, r);
  const keep = new Uint8Array(n);
  const kind = raw.violation.kind;
  if (kind === 'data_race') {
    // The cone of the two racing steps that follow the trace: everything their actors did,
    // and what that depended on.
    const racers = new Set(raw.violation.related.length > 0 ? racingActors(s, r.final, raw) : []);
    for (let i = 0; i < n; i++) if (racers.has(actorOf(i))) keep[i] = 1;
    if (racers.size === 0) keep.fill(1);
  } else if (WHOLE_STATE.has(kind) || fromStateCheck(s, raw.violation)) {
    keep.fill(1);
  } else {
    keep[n - 1] = 1;
  }
  for (let i = n - 1; i >= 0; i--) {
    if (!keep[i]) continue;
    for (let j = 0; j < i; j++) if (!keep[j] && dep(j, i)) keep[j] = 1;
  }
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) kept.push(i);
  const greedy = fewSwitches(kept, actorOf, dep);
  const out = [greedy];
  if (kept.length < n) out.push(kept);
  return out;
}

/** Whether step j (earlier) and step i of a replay may not be swapped: same actor, same CPU, or conflicting footprints. */
function dependence(s: CompiledScenario, r: Replay): (j: number, i: number) => boolean {
  return (j, i) => {
    const a = r.steps[j]!.actor;
    const b = r.steps[i]!.actor;
    if (a === b) return true;
    const x = s.actors[a]!;
    const y = s.actors[b]!;
    if (x.cpu === y.cpu && x.actorKind !== 'work' && y.actorKind !== 'work') return true;
    return conflicts(r.accesses[j]!, r.accesses[i]!);
  };
}

function racingActors(s: CompiledScenario, state: MachineState, raw: RawFinding): number[] {
  const spans = new Set(raw.violation.related.map((x) => x.span.start));
  const out: number[] = [];
  for (const os of allMoves(s, state)) {
    for (const o of os) if (o.result.status === 'ok' && spans.has(o.result.span.start) && !out.includes(o.move.actor)) out.push(o.move.actor);
  }
  return out;
}

/** A topological order of `kept` that keeps running the same actor while it can. */
function fewSwitches(kept: readonly number[], actorOf: (i: number) => number, dep: (j: number, i: number) => boolean): number[] {
  const preds = new Map<number, number[]>();
  for (const i of kept) preds.set(i, kept.filter((j) => j < i && dep(j, i)));
  const done = new Set<number>();
  const order: number[] = [];
  let current = -1;
  while (order.length < kept.length) {
    let pick = -1;
    for (const i of kept) {
      if (done.has(i) || !preds.get(i)!.every((j) => done.has(j))) continue;
      if (actorOf(i) === current) {
        pick = i;
        break;
      }
      if (pick < 0) pick = i;
    }
    done.add(pick);
    order.push(pick);
    current = actorOf(pick);
  }
  return order;
}
