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

function keyOf(state: MachineState): string {
  fingerprint(encodeState(state));
  return `${fp.h1}:${fp.h2}`;
}

/**
 * Probes for busy-wait livelocks, remembering the states already known to escape (from
 * which some schedule reaches a step with an effect, or a dead end) so that probing the many
 * states of one spin loop costs little after the first.
 */
export class LivelockProbe {
  private readonly escapes = new Set<string>();

  constructor(private readonly s: CompiledScenario) {}

  /** Known to escape: no need to compute every move there. */
  escaped(state: MachineState): boolean {
    return this.escapes.has(keyOf(state));
  }

  /** The livelock at `state`, given every move possible there, or undefined. */
  at(state: MachineState, outcomes: readonly (readonly Outcome[])[]): Violation | undefined {
    const s = this.s;
    const all = outcomes.flat();
    const rootKey = keyOf(state);
    if (this.escapes.has(rootKey)) return undefined;
    if (all.length === 0 || !all.every(quiet)) {
      this.escapes.add(rootKey);
      return undefined;
    }
    // Depth-first over event-free moves; each node remembers its parent so that an escape
    // marks the whole path back to the root.
    const nodes: { readonly state: MachineState; readonly parent: number; readonly key: string }[] = [{ state, parent: -1, key: rootKey }];
    const seen = new Set<string>([rootKey]);
    const stack = [0];
    const escape = (from: number): undefined => {
      for (let x = from; x >= 0; x = nodes[x]!.parent) this.escapes.add(nodes[x]!.key);
      return undefined;
    };
    while (stack.length > 0) {
      const i = stack.pop()!;
      const at = nodes[i]!.state;
      let moves = 0;
      for (let actor = 0; actor < s.actors.length; actor++) {
        if (!schedulable(s, at, actor)) continue;
        const k = choiceCount(s, at, actor);
        for (let choice = 0; choice < k; choice++) {
          const r = step(s, at, { actor, choice });
          if (r.status === 'blocked') continue;
          if (r.status !== 'ok' || r.events.length > 0) return escape(i);
          moves++;
          const key = keyOf(r.state);
          if (this.escapes.has(key)) return escape(i);
          if (seen.has(key)) continue;
          if (seen.size >= PROBE_BUDGET) return undefined;
          seen.add(key);
          nodes.push({ state: r.state, parent: i, key });
          stack.push(nodes.length - 1);
        }
      }
      if (moves === 0) return escape(i);
    }
    return report(s, all);
  }
}

/** The livelock at `state`, given every move possible there, or undefined (a one-off probe). */
export function livelockAt(s: CompiledScenario, state: MachineState, outcomes: readonly (readonly Outcome[])[]): Violation | undefined {
  return new LivelockProbe(s).at(state, outcomes);
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
