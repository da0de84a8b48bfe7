// One run of a scenario under a scheduler: the same step function the checker explores,
// with lockdep, race detection and end-of-run checks, recording a replayable trace.

import type { CompiledScenario } from '../model/compiled';
import { spanText } from '../model/describe';
import { Lockdep } from '../model/lockdep';
import { deadlockViolation, initialState, isFinished, leakViolation, successors, waitsOf } from '../model/machine';
import { findRace } from '../model/races';
import type { MachineState, StepOk, Violation } from '../model/types';
import type { Scheduler } from './schedulers';
import { traceStep, type TraceStep } from './trace';

export type RunEnd = 'finished' | 'violation' | 'max-steps' | 'replay-ended';

export interface RunResult {
  readonly end: RunEnd;
  readonly steps: readonly TraceStep[];
  /** The first violation (the run stops there), if any. */
  readonly violation?: Violation;
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
  for (let i = 0; i < maxSteps; i++) {
    const succ = successors(s, state);
    if (succ.length === 0) {
      if (isFinished(s, state)) {
        const leak = leakViolation(s, state);
        return { end: leak ? 'violation' : 'finished', steps, state, ...(leak ? { violation: leak } : {}) };
      }
      const v = deadlockViolation(s, state);
      const blocked = waitsOf(s, state).map((w) => ({ actor: w.actor, text: spanText(s, w.span) }));
      return { end: 'violation', steps, state, violation: v, blocked };
    }
    if (s.detectRaces) {
      const oks = succ.filter((x): x is { move: typeof x.move; result: StepOk } => x.result.status === 'ok');
      const race = findRace(s, state, oks);
      if (race) return { end: 'violation', steps, state, violation: race };
    }
    const move = scheduler.pick(succ.map((x) => x.move), i);
    if (!move) return { end: 'replay-ended', steps, state };
    const picked = succ.find((x) => x.move.actor === move.actor && x.move.choice === move.choice)!;
    steps.push(traceStep(s, move, picked.result.span));
    if (picked.result.status === 'violation') return { end: 'violation', steps, state, violation: picked.result.violation };
    const found = lockdep.observe(picked.result.events, state);
    state = picked.result.state;
    if (found.length > 0) return { end: 'violation', steps, state, violation: found[0]! };
  }
  return { end: 'max-steps', steps, state };
}
