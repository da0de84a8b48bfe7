// States packed for the frontier and for another worker (pack.ts) read back as they were:
// memory written sparse (a bitmask per 32 words, then the nonzero ones), the heap object
// list, and the actors by intern number or spelled out.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { loadScenario } from '../../core';
import { initialState, successors } from '../../core/model/machine';
import type { MachineState } from '../../core/model/types';
import { ActorIntern, localLength, packLocal, packPortable, unpackLocal, unpackPortable, Words } from '../../core/explore/pack';
import { DETECTOR_CASES, scenarioText } from './detector-cases';

function roundTrips(state: MachineState, intern: ActorIntern): void {
  const words = new Int32Array(localLength(state) + 8);
  const end = packLocal(state, intern, words, 3);
  assert.ok(end - 3 <= localLength(state), 'the local form fits in the length reserved for it');
  const local = unpackLocal(words, 3, intern);
  assert.equal(local.next, end);
  assert.deepEqual(local.state, state);
  const out = new Words();
  out.push(42);
  packPortable(state, out);
  const portable = unpackPortable(out.data, 1, new ActorIntern());
  assert.equal(portable.next, out.length);
  assert.deepEqual(portable.state, state);
}

describe('pack', () => {
  test('any memory (zeros, negatives, blocks of 32 and a partial one) and objects read back as written', () => {
    const s = loadScenario('t', scenarioText(DETECTOR_CASES[0]!, 'buggy')).compiled!;
    const actors = initialState(s).actors;
    const intern = new ActorIntern();
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 130 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (mem, objects) => roundTrips({ mem, objects, actors }, intern),
      ),
    );
  });

  test('the states a search meets read back as they were, memory in fewer words than it has', () => {
    let states = 0;
    let packed = 0;
    let dense = 0;
    for (const c of DETECTOR_CASES.slice(0, 12)) {
      const s = loadScenario('t', scenarioText(c, 'buggy')).compiled!;
      const intern = new ActorIntern();
      let level = [initialState(s)];
      for (let depth = 0; depth < 6 && level.length > 0; depth++) {
        const next: MachineState[] = [];
        for (const state of level) {
          roundTrips(state, intern);
          const words = new Int32Array(localLength(state));
          packed += packLocal(state, intern, words, 0) - state.objects.length - state.actors.length;
          dense += state.mem.length;
          states++;
          for (const succ of successors(s, state).slice(0, 3)) if (succ.result.status === 'ok') next.push(succ.result.state);
        }
        level = next.slice(0, 30);
      }
    }
    assert.ok(states > 100, `${states} states`);
    assert.ok(packed < dense, `sparse memory: ${packed} words for ${dense}`);
  });
});
