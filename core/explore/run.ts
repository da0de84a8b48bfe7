// One run of a scenario under a scheduler: the same step function the checker explores,
// with lockdep, race detection and end-of-run checks, recording a replayable trace.

import type { CompiledScenario } from '../model/compiled';
import { spanText } from '../model/describe';
import { Lockdep } from '../model/lockdep';
import { deadlockViolation, initialState, isFinished, leakViolation, stateCheckViolations, successors, waitsOf } from '../model/machine';
import { findRace } from '../model/races';
import type { MachineState, StepOk, Violation } from '../model/types';
import type { Scheduler } from './schedulers';
import { traceStep, type TraceStep } from './trace';

export type RunEnd = 'finished' | 'violation' | 'max-steps' | 'replay-ended';

export interface RunResult {
  readonly end: RunEnd;
  readonly steps: readonly TraceStep[];
  /**
   * The first violation, if any. Reports the kernel goes on from (KASAN, list-debug,
   * lockdep, KCSAN, WARN_ON) do not stop the run; what stops a kernel (BUG_ON, a NULL
   * dereference, a deadlock) does, and is then the last of `violations`.
   */
  readonly violation?: Violation;
  /** Every violation of the run in the order they happened, each kind and place once. */
  readonly violations: readonly Violation[];
  /** The step after which each of `violations` was reported (its count of steps). */
  readonly at: readonly number[];
  readonly state: MachineState;
  /** For a deadlock: what each blocked actor was trying to do. */
  readonly blocked?: readonly { actor: number; text: string }[];
}

export interface RunOptions {
  readonly maxSteps?: number;
  /** Lockdep graph to use (the checker shares one across runs). */
  readonly lockdep?: Lockdep;
}

export function runOnce(s: CompiledScenario, scheduler: Scheduler, opts: RunOptions = {}): RunResult {
  const maxSteps = opts.maxSteps ?? 100_000;
  const lockdep = opts.lockdep ?? new Lockdep(s);
  let state = initialState(s);
  const steps: TraceStep[] = [];
  const violations: Violation[] = [];
  const at: number[] = [];
  const seen = new Set<string>();
  const note = (v: Violation): void => {
    const k = `${v.kind}@${v.span.start}`;
    if (seen.has(k)) return;
    seen.add(k);
    violations.push(v);
    at.push(steps.length);
  };
  const end = (e: RunEnd, extra: Partial<RunResult> = {}): RunResult =>
    ({ end: e === 'finished' && violations.length > 0 ? 'violation' : e, steps, state, violations, at, ...(violations[0] ? { violation: violations[0] } : {}), ...extra });
  for (const v of stateCheckViolations(s, state)) note(v);
  for (let i = 0; i < maxSteps; i++) {
    const succ = successors(s, state);
    if (succ.length === 0) {
      if (isFinished(s, state)) {
        const leak = leakViolation(s, state);
        if (leak) note(leak);
        return end('finished');
      }
      note(deadlockViolation(s, state));
      const blocked = waitsOf(s, state).map((w) => ({ actor: w.actor, text: spanText(s, w.span) }));
      return end('violation', { blocked });
    }
    if (s.detectRaces) {
      const oks = succ.filter((x): x is { move: typeof x.move; result: StepOk } => x.result.status === 'ok');
      const race = findRace(s, state, oks);
      if (race) note(race);
    }
    const move = scheduler.pick(succ.map((x) => x.move), i);
    if (!move) return end('replay-ended');
    const picked = succ.find((x) => x.move.actor === move.actor && x.move.choice === move.choice)!;
    steps.push(traceStep(s, move, picked.result.span, picked.result.status === 'ok' ? picked.result.label : undefined));
    if (picked.result.status === 'violation') {
      note(picked.result.violation);
      return end('violation');
    }
    for (const v of picked.result.reports) note(v);
    for (const v of lockdep.observe(picked.result.events, state)) note(v);
    state = picked.result.state;
    for (const v of stateCheckViolations(s, state)) note(v);
  }
  return end('max-steps');
}
