// States packed for the frontier and for another worker (pack.ts) read back as they were:
// memory written sparse (a bitmask per 32 words, then the nonzero ones), the heap object
// list, and the actors by intern number or spelled out; a successor packed from its base
// state's words (the blocks it left alone copied, the ones it wrote encoded again) is word
// for word the successor packed whole.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { loadScenario } from '../../core';
import type { CompiledScenario } from '../../core/model/compiled';
import { initialState, LazyStepOk, StepHash, successors } from '../../core/model/machine';
import type { ActorState, MachineState } from '../../core/model/types';
import { ActorIntern, keepState, localLength, memLength, memWord, PackedBase, PackedState, packLocal, packPortable, unpackLocal, unpackPortable, Words } from '../../core/explore/pack';
import { PackedFrontier } from '../../core/explore/strategies/packed';
import { DETECTOR_CASES, scenarioText } from './detector-cases';
import { scenarioArb } from './scenario-gen';

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
  // As a frontier pops it: left packed, read word by word, and whole.
  const base = new PackedBase(intern);
  assert.equal(base.unpack(words, 3), end);
  const popped = base.state as PackedState;
  assert.equal(memLength(popped), state.mem.length);
  for (let addr = 0; addr < state.mem.length; addr++) assert.equal(memWord(popped, addr), state.mem[addr], `word ${addr}`);
  assert.ok(Number.isNaN(popped.word(state.mem.length)));
  assert.deepEqual({ mem: popped.mem, objects: popped.objects, actors: popped.actors }, state);
  assert.equal(memWord(popped, 0), state.mem[0]);
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

  test('a popped state reads the frontier\'s words in place: kept, it reads back after they are reused, and not kept, it refuses to be read', () => {
    const s = loadScenario('t', scenarioText(DETECTOR_CASES[0]!, 'buggy')).compiled!;
    const distinct: MachineState[] = [];
    for (let level = [initialState(s)]; distinct.length < 400 && level.length > 0; ) {
      distinct.push(...level);
      level = level.flatMap((x) => successors(s, x).flatMap((succ) => (succ.result.status === 'ok' ? [succ.result.state] : [])));
    }
    assert.ok(distinct.length > 10, `${distinct.length} states`);
    // Enough entries to fill several chunks of the frontier's words.
    const states = Array.from({ length: 6000 }, (_, i) => distinct[i % distinct.length]!);
    for (const order of ['bfs', 'dfs'] as const) {
      const frontier = new PackedFrontier(order, new ActorIntern());
      states.forEach((state, id) => frontier.push({ id, state, depth: 0 }));
      const kept = frontier.pop()!;
      keepState(kept.state);
      const left = frontier.pop()!;
      // Many pops, and pushes into the chunks they emptied.
      for (let i = 0; i < 3000; i++) frontier.push({ ...frontier.pop()!, depth: 1 });
      const whole = (x: MachineState): MachineState => ({ mem: x.mem, objects: x.objects, actors: x.actors });
      assert.deepEqual(whole(kept.state), states[kept.id], order);
      assert.equal((kept.state as PackedState).actorId(0), (kept.state as PackedState).actorId(0));
      assert.throws(() => left.state.mem, /reused its words/, order);
      assert.throws(() => memWord(left.state, 0), /reused its words/, order);
      // What drain hands out stays readable.
      const rest = frontier.drain();
      frontier.push({ id: 0, state: states[0]!, depth: 0 });
      frontier.pop();
      for (const x of rest) assert.deepEqual(whole(x.state), states[x.id], order);
    }
  });

  test('a step packed from its base state\'s words is the state it reached packed whole, for any memory and writes', () => {
    const s = loadScenario('t', scenarioText(DETECTOR_CASES[0]!, 'buggy')).compiled!;
    const init = initialState(s);
    const word = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
    const intern = new ActorIntern();
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 130 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), word), { maxLength: 6 }),
        fc.nat(),
        (mem, objects, writes, mover) => {
          const base: MachineState = { mem, objects, actors: init.actors };
          // Each address once, as a step reports them.
          const written: number[] = [];
          const seen = new Set<number>();
          for (const [a, v] of writes) {
            if (seen.has(a % mem.length)) continue;
            seen.add(a % mem.length);
            written.push(a % mem.length, v);
          }
          const actor = mover % init.actors.length;
          const moved = init.actors[(actor + 1) % init.actors.length]!;
          stepPacksAsWhole(base, written, actor, moved, intern);
        },
      ),
    );
  });

  test('the successors a search meets packed from their base state\'s words are the states packed whole', () => {
    let steps = 0;
    const check = (s: CompiledScenario): void => {
      const intern = new ActorIntern();
      const base = new PackedBase(intern);
      let level = [initialState(s)];
      for (let depth = 0; depth < 8 && level.length > 0; depth++) {
        const next: MachineState[] = [];
        for (const state of level) {
          const words = new Int32Array(localLength(state) + 2);
          const end = packLocal(state, intern, words, 1);
          assert.equal(base.unpack(words, 1), end);
          const parent: MachineState = base.state!;
          // Left packed (PackedState), it reads back whole as it was.
          assert.deepEqual({ mem: parent.mem, objects: parent.objects, actors: parent.actors }, state);
          for (const succ of successors(s, parent)) {
            const r = succ.result;
            if (r.status !== 'ok') continue;
            next.push(r.state);
            if (!(r instanceof LazyStepOk)) continue;
            const whole = new Int32Array(localLength(r.state));
            const wholeEnd = packLocal(r.state, intern, whole, 0);
            const fromBase = new Int32Array(localLength(parent) + 3);
            const fromBaseEnd = base.packStep(r, fromBase, 3);
            assert.deepEqual(fromBase.subarray(3, fromBaseEnd), whole.subarray(0, wholeEnd));
            assert.deepEqual(unpackLocal(fromBase, 3, intern).state, r.state);
            // Given again by the step memo, the step knows its actor's number (StepHash.actorId).
            const learnt = new StepHash(false);
            learnt.actorId = intern.idOf(r.actorState);
            r.effect.learnt = learnt;
            const byId = new Int32Array(localLength(parent) + 3);
            assert.deepEqual(byId.subarray(3, base.packStep(r, byId, 3)), whole.subarray(0, wholeEnd));
            steps++;
          }
        }
        level = next.slice(0, 40);
      }
    };
    for (const c of DETECTOR_CASES) check(loadScenario('t', scenarioText(c, 'buggy')).compiled!);
    fc.assert(
      fc.property(scenarioArb, (text) => {
        const s = loadScenario('random.lockstep', text).compiled;
        if (s) check(s);
      }),
      { numRuns: 25, seed: 20261206 },
    );
    assert.ok(steps > 1000, `${steps} steps`);
  });
});

/** A step from `base` as a search hands it over (machine.ts, LazyStepOk): its words and its mover. */
function stepPacksAsWhole(state: MachineState, written: number[], actor: number, actorState: ActorState, intern: ActorIntern): void {
  const words = new Int32Array(localLength(state));
  packLocal(state, intern, words, 0);
  const base = new PackedBase(intern);
  base.unpack(words, 0);
  const parent = base.state!;
  const mem = parent.mem.slice();
  for (let i = 0; i < written.length; i += 2) mem[written[i]!] = written[i + 1]!;
  const actors = parent.actors.slice();
  actors[actor] = actorState;
  const reached: MachineState = { mem, objects: parent.objects, actors };
  const step = { base: parent, written, actor, actorState, state: reached, effect: { learnt: undefined } } as unknown as LazyStepOk;
  const whole = new Int32Array(localLength(reached));
  const wholeEnd = packLocal(reached, intern, whole, 0);
  const fromBase = new Int32Array(localLength(parent) + 5);
  const end = base.packStep(step, fromBase, 5);
  assert.deepEqual(fromBase.subarray(5, end), whole.subarray(0, wholeEnd));
  assert.deepEqual(unpackLocal(fromBase, 5, intern).state, reached);
}
