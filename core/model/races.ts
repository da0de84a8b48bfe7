// KCSAN-style data-race detection: at one state, two actors whose next steps are both
// possible make plain (unmarked) accesses to the same word, at least one a write. Under
// sequential consistency that is exactly two accesses that nothing orders.

import type { CompiledScenario } from './compiled';
import { describeAddress, siteText } from './describe';
import { hexAddr, preemptedStep, stackOf } from './machine';
import { ActorStatus, type MachineState, type Move, type StepOk, type Violation } from './types';

export function findRace(
  s: CompiledScenario,
  state: MachineState,
  steps: readonly { move: Move; result: StepOk }[],
): Violation | undefined {
  return findRaceAmong(s, state, steps) ?? findInterruptRace(s, state, steps);
}

/**
 * A race on one CPU, as KCSAN's watchpoints see it when an interrupt arrives during a task's
 * access: an interrupt handler running on a task's CPU (its next step among `steps`) and the
 * access the task it preempted was about to make.
 */
function findInterruptRace(s: CompiledScenario, state: MachineState, steps: readonly { move: Move; result: StepOk }[]): Violation | undefined {
  for (const h of steps) {
    const irq = s.actors[h.move.actor]!;
    if (irq.actorKind !== 'irq' || h.result.plain.length === 0 || state.actors[h.move.actor]!.status !== ActorStatus.Running) continue;
    for (let t = 0; t < s.actors.length; t++) {
      const task = s.actors[t]!;
      if (task.cpu !== irq.cpu || task.actorKind === 'irq' || task.actorKind === 'work' || state.actors[t]!.status !== ActorStatus.Running) continue;
      const r = preemptedStep(s, state, t);
      if (r.status !== 'ok') continue;
      const v = findRaceAmong(s, state, [h, { move: { actor: t, choice: 0 }, result: r }]);
      if (v) return v;
    }
  }
  return undefined;
}

function findRaceAmong(
  s: CompiledScenario,
  state: MachineState,
  steps: readonly { move: Move; result: StepOk }[],
): Violation | undefined {
  for (let i = 0; i < steps.length; i++) {
    const a = steps[i]!;
    if (a.result.plain.length === 0) continue;
    for (let j = i + 1; j < steps.length; j++) {
      const b = steps[j]!;
      if (b.move.actor === a.move.actor || b.result.plain.length === 0) continue;
      for (const x of a.result.plain) {
        for (const y of b.result.plain) {
          if (x >> 1 === y >> 1 && ((x | y) & 1) === 1) return report(s, state, a, x, b, y);
        }
      }
    }
  }
  return undefined;
}

function report(s: CompiledScenario, state: MachineState, a: { move: Move; result: StepOk }, x: number, b: { move: Move; result: StepOk }, y: number): Violation {
  const addr = x >> 1;
  const name = describeAddress(s, state, addr);
  // Report the write first, as KCSAN does.
  const [w, wa, r, ra] = (x & 1) === 1 ? [a, x, b, y] : [b, y, a, x];
  const line = (t: { move: Move; result: StepOk }, acc: number): string[] => {
    const actor = s.actors[t.move.actor]!;
    const frames = stackOf(s, state, t.move.actor);
    return [
      // KCSAN names interrupt context rather than a task.
      `${acc & 1 ? 'write' : 'read'} to ${hexAddr(addr)} of 4 bytes by ${actor.actorKind === 'irq' ? `interrupt (${actor.name})` : `task ${t.move.actor + 1} (${actor.name})`} on cpu ${actor.cpu}:`,
      ...frames.map((f) => ` ${f.name}+${siteText(s, f.span)}`),
    ];
  };
  const fa = stackOf(s, state, w.move.actor)[0]?.name ?? '?';
  const fb = stackOf(s, state, r.move.actor)[0]?.name ?? '?';
  return {
    kind: 'data_race',
    message: `data race on ${name}: ${s.actors[w.move.actor]!.name} writes while ${s.actors[r.move.actor]!.name} ${ra & 1 ? 'writes' : 'reads'} (plain accesses, no lock orders them)`,
    report: [
      '==================================================================',
      `BUG: KCSAN: data-race in ${fa} / ${fb}`,
      '',
      ...line(w, wa),
      '',
      ...line(r, ra),
      '',
      `(${name}; mark the accesses with READ_ONCE/WRITE_ONCE if the race is intended, or order them with a lock)`,
      '==================================================================',
    ].join('\n'),
    actor: w.move.actor,
    span: w.result.span,
    related: [
      { span: w.result.span, message: `${s.actors[w.move.actor]!.name} writes ${name}` },
      { span: r.result.span, message: `${s.actors[r.move.actor]!.name} ${ra & 1 ? 'writes' : 'reads'} ${name}` },
    ],
  };
}
