// Busy-wait livelock: a reachable state from which no schedule ever changes shared state
// again, finishes an actor, or blocks everyone, so the actors still able to move spin forever
// (`while (!READ_ONCE(flag)) cpu_relax();` on a flag nobody will set). This is what Lockstep
// reports as `livelock`: the closed region of event-free moves around the state is explored
// (up to a budget) and must contain no move with an effect and no dead end. Loops that keep
// writing (a retry loop that takes and drops a lock forever) are not reported; neither is
// starvation under an unfair schedule.

import type { CompiledScenario } from '../model/compiled';
import { spanText } from '../model/describe';
import { choiceCount, encodeState, schedulable, step } from '../model/machine';
import type { MachineState, Violation } from '../model/types';
import type { Outcome } from './search';
import { fingerprint, fp } from './store';

/** How many states the probe may visit before giving up (and reporting nothing). */
const PROBE_BUDGET = 4096;

/** The livelock at `state`, given every move possible there, or undefined. */
export function livelockAt(s: CompiledScenario, state: MachineState, outcomes: readonly (readonly Outcome[])[]): Violation | undefined {
  const all = outcomes.flat();
  if (all.length === 0 || !all.every(quiet)) return undefined;
  const seen = new Set<string>();
  const stack: MachineState[] = [state];
  fingerprint(encodeState(state));
  seen.add(`${fp.h1}:${fp.h2}`);
  while (stack.length > 0) {
    const at = stack.pop()!;
    let moves = 0;
    for (let actor = 0; actor < s.actors.length; actor++) {
      if (!schedulable(s, at, actor)) continue;
      const k = choiceCount(s, at, actor);
      for (let choice = 0; choice < k; choice++) {
        const r = step(s, at, { actor, choice });
        if (r.status === 'blocked') continue;
        if (r.status !== 'ok' || r.events.length > 0) return undefined;
        moves++;
        fingerprint(encodeState(r.state));
        const k2 = `${fp.h1}:${fp.h2}`;
        if (seen.has(k2)) continue;
        if (seen.size >= PROBE_BUDGET) return undefined;
        seen.add(k2);
        stack.push(r.state);
      }
    }
    if (moves === 0) return undefined;
  }
  return report(s, all);
}

function quiet(o: Outcome): boolean {
  return o.result.status === 'ok' && o.result.events.length === 0;
}

function report(s: CompiledScenario, spinning: readonly Outcome[]): Violation {
  const actors = [...new Set(spinning.map((o) => o.move.actor))];
  const first = spinning[0]!;
  const span = first.result.span;
  const names = actors.map((a) => s.actors[a]!.name);
  const sym = s.actors[first.move.actor]!;
  return {
    kind: 'livelock',
    message: `${names.join(', ')} spin${actors.length === 1 ? 's' : ''} forever: no schedule changes shared state again (busy-wait on a condition that never becomes true)`,
    report: [
      `watchdog: BUG: soft lockup - CPU#${sym.cpu} stuck for 22s! [${sym.name}:${first.move.actor + 1}]`,
      ...actors.map((a) => {
        const o = spinning.find((x) => x.move.actor === a)!;
        return `  ${s.actors[a]!.name} (CPU${s.actors[a]!.cpu}) loops at: ${spanText(s, o.result.span)}`;
      }),
      'No actor can change shared memory, finish or block: every remaining schedule spins.',
    ].join('\n'),
    actor: first.move.actor,
    span,
    related: [],
  };
}
