// The step writes a shared scratch copy of its base state's memory and undoes its writes
// afterwards (machine.ts, `Draft`): whatever order steps are taken and their states read in,
// each result is the state its own step made, and no base state ever changes.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { choiceCount, initialState, schedulable, step } from '../../core/model/machine';
import type { MachineState, StepOk } from '../../core/model/types';
import { exampleFiles } from '../helpers/examples';
import { compileText } from '../explore/helpers';

/** A plain copy of what a state holds, to compare states by content. */
function snapshot(st: MachineState): unknown {
  return JSON.parse(JSON.stringify({ mem: st.mem, objects: st.objects, actors: st.actors }));
}

test('every example: a step result read late, after other steps from its base and elsewhere, is the state read at once', () => {
  let compared = 0;
  for (const file of exampleFiles()) {
    const s = compileText(readFileSync(file, 'utf8'), file);
    const states: MachineState[] = [initialState(s)];
    for (let i = 0; i < states.length && states.length < 60; i++) {
      const base = states[i]!;
      const before = snapshot(base);
      const results: { actor: number; choice: number; r: StepOk; seen: unknown }[] = [];
      for (let actor = 0; actor < s.actors.length; actor++) {
        if (!schedulable(s, base, actor)) continue;
        for (let choice = 0; choice < choiceCount(s, base, actor); choice++) {
          const r = step(s, base, { actor, choice });
          if (r.status !== 'ok') continue;
          // Every other result is read at once, the rest only after the other steps ran.
          results.push({ actor, choice, r, seen: results.length % 2 === 0 ? snapshot(r.state) : undefined });
        }
      }
      // A step from another state in between must not leak into the late reads.
      if (i > 0) step(s, states[i - 1]!, { actor: 0, choice: 0 });
      for (const { actor, choice, r, seen } of results) {
        const late = snapshot(r.state);
        if (seen !== undefined) assert.deepEqual(late, seen, `${file}: a result read twice changed`);
        const again = step(s, base, { actor, choice });
        assert.equal(again.status, 'ok', `${file}: the same step twice`);
        assert.deepEqual(snapshot((again as StepOk).state), late, `${file}: the same step twice gave different states`);
        compared++;
        if (states.length < 60) states.push(r.state);
      }
      assert.deepEqual(snapshot(base), before, `${file}: stepping changed the base state`);
    }
  }
  assert.ok(compared > 100, `${compared} steps compared`);
});
