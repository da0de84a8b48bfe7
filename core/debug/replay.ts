// Loading a checker trace for the debugger: the schedule it records, checked against the
// scenario by taking each recorded step once, so a
// trace from another file or an older version of this one is refused with the first step
// that differs rather than replayed into nonsense.

import type { CompiledScenario } from '../model/compiled';
import type { Move } from '../model/types';
import { lineOf, spanText } from '../model/describe';
import { describeWait, initialState, step } from '../model/machine';
import { scheduleFromTrace } from '../explore/trace';
import { DebugError } from './runtime';

export interface LoadedTrace {
  readonly moves: readonly Move[];
  /** What the trace says it ends in, for the launch message. */
  readonly violation?: string;
}

interface TraceStepText {
  readonly line?: unknown;
  readonly text?: unknown;
}

export function loadTrace(s: CompiledScenario, data: unknown, traceName: string): LoadedTrace {
  let moves: Move[];
  try {
    moves = scheduleFromTrace(s, data);
  } catch (e) {
    throw new DebugError(`${traceName}: ${(e as Error).message}`);
  }
  const recorded = (data as { steps: readonly TraceStepText[] }).steps;
  // Every recorded step must be possible, at the same statement, in this scenario.
  let state = initialState(s);
  for (let i = 0; i < moves.length; i++) {
    const move = moves[i]!;
    const want = recorded[i]!;
    const who = s.actors[move.actor]!.name;
    const r = step(s, state, move);
    const mismatch = (why: string): DebugError => new DebugError(`${traceName} does not match ${s.file}: step ${i + 1} (${who}, line ${String(want.line)}) ${why}`);
    if (r.status === 'blocked') throw mismatch(`is not possible there: ${who} ${describeWait(s, state, r.wait)}`);
    const line = lineOf(s, r.span.start);
    const text = spanText(s, r.span);
    if ((typeof want.line === 'number' && want.line !== line) || (typeof want.text === 'string' && want.text !== text)) {
      throw mismatch(`is '${String(want.text)}' in the trace but '${text}' at line ${line} in the file (was the file edited since the trace was written?)`);
    }
    if (r.status === 'violation') {
      if (i !== moves.length - 1) throw mismatch(`ends the run in ${r.violation.kind}, yet the trace goes on for ${moves.length - 1 - i} more steps`);
      break;
    }
    state = r.state;
  }
  const v = (data as { violation?: { kind?: unknown } }).violation;
  return { moves, ...(v && typeof v.kind === 'string' ? { violation: v.kind } : {}) };
}
