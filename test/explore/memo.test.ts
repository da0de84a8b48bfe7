// The step memo (core/explore/memo.ts) changes how fast a step is taken, never which: with
// it and without it, the search reaches the same states, numbered alike, through the same
// transitions and reports the same violations with the same traces, on every example, every
// benchmark model, the detector scenarios and random ones. With `checkFootprints` every
// step the memo gives is also taken on the machine and compared (search.ts, assertSameStep).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { check, type CheckOptions } from '../../core/explore';
import { Search } from '../../core/explore/search';
import { StepMemo } from '../../core/explore/memo';
import { PackedState } from '../../core/explore/pack';
import { PackedFrontier } from '../../core/explore/strategies/packed';
import { initialState, LazyStepOk, step } from '../../core/model/machine';
import type { CompiledScenario } from '../../core/model/compiled';
import { ActorStatus, type MachineState, type StepOk } from '../../core/model/types';
import { philosophersScenario } from '../../bench/generate';
import { EXAMPLES, exampleFiles } from '../helpers/examples';
import { DETECTOR_CASES, scenarioText } from './detector-cases';
import { compileText } from './helpers';
import { scenarioArb } from './scenario-gen';

const MODELS = join(EXAMPLES, '..', 'bench', 'models');

/**
 * What must not depend on the memo: counts, verdict, each violation's place and trace,
 * lockdep's graph, and the search's order: the parent and move of every state by number
 * (with the memo, a breadth-first search also looks ahead, search.ts `run`, which must
 * number and reach every state as the search without it does).
 */
function summary(s: CompiledScenario, opts: CheckOptions): string {
  const r = check(s, { maxStates: 60_000, workers: 1, ...opts });
  const search = new Search(s, { maxStates: 60_000, ...opts });
  search.run();
  const order: number[] = [];
  for (let id = 0; id < search.store.size; id++) order.push(search.store.parent(id), search.store.move(id));
  return JSON.stringify({
    order,
    findings: search.raw.map((f) => `${f.key}#${f.stateId}`),
    traces: r.violations.map((v) => v.trace.map((t) => `${t.actor}:${t.choice}`).join(' ')),
    verdict: r.verdict,
    bound: r.bound?.kind,
    states: r.stats.states,
    transitions: r.stats.transitions,
    depth: r.stats.maxDepth,
    reduced: r.stats.reducedStates,
    violations: r.violations.map((v) => `${v.kind}@${v.violation.span.start}/${v.trace.length}`),
    edges: search.lockdep.dependencies().map((e) => `${e.from}>${e.to}`).sort(),
  });
}

function agree(s: CompiledScenario, name: string, opts: CheckOptions = {}): void {
  const without = summary(s, { ...opts, stepMemo: false });
  const withMemo = summary(s, { ...opts, checkFootprints: true });
  assert.equal(withMemo, without, `${name}: the search with the step memo differs from the one without`);
}

describe('the step memo', () => {
  test('every example and benchmark model: the same search with the memo and without', () => {
    const files = [...exampleFiles(), ...exampleFiles(MODELS)];
    assert.ok(files.length >= 60, `${files.length} files`);
    for (const file of files) agree(compileText(readFileSync(file, 'utf8'), file), file);
  });

  test('without reduction and without symmetry too', () => {
    for (const file of exampleFiles().filter((_, i) => i % 4 === 0)) {
      const s = compileText(readFileSync(file, 'utf8'), file);
      agree(s, `${file} (no reduction)`, { reduction: false });
      agree(s, `${file} (no symmetry)`, { symmetry: false });
    }
  });

  for (const c of DETECTOR_CASES) {
    test(`detector scenario: ${c.kind}`, () => {
      for (const which of ['buggy', 'fixed'] as const) agree(compileText(scenarioText(c, which)), `${c.kind} ${which}`);
    });
  }

  test('random scenarios', () => {
    fc.assert(
      fc.property(scenarioArb, (text) => agree(compileText(text), text)),
      { numRuns: 40, seed: 20261207 },
    );
  });

  test('steps are given again: the philosophers search mostly without running the machine', () => {
    const s = compileText(philosophersScenario(5, true));
    const search = new Search(s, { checkFootprints: true, symmetry: false });
    search.run();
    const { states, transitions } = search.stats();
    const hits = search.memoHits;
    assert.ok(hits > transitions / 2, `${hits} steps from the memo, ${transitions} transitions, ${states} states`);
  });

  test("a step is remembered with its actor's irq state: a mutex taken with interrupts off is still reported", () => {
    // t reaches mutex_lock in one actor state with interrupts on (c == 0) or off (c == 1);
    // the breadth-first search meets the first one first and remembers its step.
    const text = `scenario "irq word"
int c;
mutex m;
thread t { if (c) { local_irq_disable(); } mutex_lock(&m); mutex_unlock(&m); if (c) { local_irq_enable(); } }
thread u { c = 1; }
expect sleep_in_atomic;
`;
    const s = compileText(text);
    agree(s, 'irq word');
    assert.deepEqual([...new Set(check(s, { workers: 1 }).violations.map((v) => v.kind))], ['sleep_in_atomic']);
    // The same with the mutex held by another thread: the attempt with interrupts on blocks
    // and is remembered; the one with interrupts off must still be reported.
    const held = compileText(text.replace('thread u {', 'int d;\nthread h { mutex_lock(&m); d = 1; mutex_unlock(&m); }\nthread u {'));
    agree(held, 'irq word, mutex held');
    assert.ok(check(held, { workers: 1 }).violations.some((v) => v.kind === 'sleep_in_atomic'));
  });

  test('attempts from one actor state that read different words are each given again, as objects and packed', () => {
    // t's step reads f, then p or q: from one actor state, two sets of words read.
    const s = compileText(`scenario "words read"
int f;
int p;
int q;
int x;
thread t { x = f ? p : q; }
thread u { f = 1; }
thread v { p = 5; }
`);
    const [t, u, v] = ['t', 'u', 'v'].map((name) => s.actors.findIndex((a) => a.name === name)) as [number, number, number];
    const after = (state: MachineState, actor: number): MachineState => (step(s, state, { actor, choice: 0 }) as StepOk).state;
    const q = initialState(s);
    const p = after(q, u);
    const p5 = after(p, v);
    // Popped from a packed frontier, the same states carry their actors' intern numbers.
    const frontier = new PackedFrontier('bfs');
    [q, p, p5].forEach((state, id) => frontier.push({ id, state, depth: 0 }));
    const packed = [frontier.pop()!.state, frontier.pop()!.state, frontier.pop()!.state];
    assert.ok(packed.every((x) => x instanceof PackedState));
    for (const [q0, p0, p50] of [[q, p, p5], packed] as const) {
      const memo = new StepMemo(s);
      const st = q0.actors[t]!;
      assert.equal(p0.actors[t], st);
      for (const state of [q0, p0]) {
        const r = step(s, state, { actor: t, choice: 0 });
        assert.ok(r instanceof LazyStepOk && r.pure);
        memo.rememberStep(state, t, st, r, r.actorState);
      }
      for (const [state, x] of [[q0, 0], [p0, 0], [p50, 5]] as const) {
        const hit = memo.lookup(state, t, st);
        if (state === p50) {
          assert.equal(hit, undefined, 'p changed: no attempt read these values');
          continue;
        }
        assert.ok(hit instanceof LazyStepOk, 'each attempt is given again');
        assert.deepEqual(hit.written, (step(s, state, { actor: t, choice: 0 }) as LazyStepOk).written);
        assert.equal(hit.written[1], x);
      }
    }
  });

  test('more outcomes than a group keeps: rows move and are dropped, each keeping its own step', () => {
    const s = compileText(`scenario "many values"
int x;
int y;
thread t { y = x; }
thread u { x = 1; }
`);
    const [t, u] = ['t', 'u'].map((name) => s.actors.findIndex((a) => a.name === name)) as [number, number];
    const q = initialState(s);
    const addr = (step(s, q, { actor: u, choice: 0 }) as LazyStepOk).written[0]!;
    const at = (v: number): MachineState => {
      const mem = q.mem.slice();
      mem[addr] = v;
      return { mem, objects: q.objects, actors: q.actors };
    };
    const st = q.actors[t]!;
    const machine = (v: number): readonly number[] => (step(s, at(v), { actor: t, choice: 0 }) as LazyStepOk).written;
    const memo = new StepMemo(s);
    const remember = (v: number): void => {
      const state = at(v);
      const r = step(s, state, { actor: t, choice: 0 });
      assert.ok(r instanceof LazyStepOk && r.pure);
      memo.rememberStep(state, t, st, r, r.actorState);
    };
    /** Whether the memo gives x = v's step, which must then be the machine's. */
    const given = (v: number): boolean => {
      const hit = memo.lookup(at(v), t, st);
      if (hit === undefined) return false;
      assert.ok(hit instanceof LazyStepOk, `x = ${v}`);
      assert.deepEqual(hit.written, machine(v), `x = ${v}: the memo's step is another value's`);
      return true;
    };
    for (let v = 1; v <= 8; v++) remember(v);
    // Found in a mixed order, rows move up past others.
    for (const v of [3, 3, 7, 1, 3, 8, 2, 7, 8, 8, 5]) assert.ok(given(v), `x = ${v}`);
    // New values drop the last rows; whatever is kept gives its own step.
    for (let v = 9; v <= 20; v++) {
      remember(v);
      assert.ok(given(v), `x = ${v}, just remembered`);
      for (let w = 1; w <= v; w += 3) given(w);
    }
    const kept = Array.from({ length: 20 }, (_, i) => i + 1).filter(given);
    assert.equal(kept.length, 8, `kept: ${kept}`);
  });

  test('a step that reads a heap object or another actor is not remembered', () => {
    const s = compileText(`scenario "impure"
struct box { int v; };
struct box *p;
int g;
struct work_struct w;
static void handler(struct work_struct *work) { }
init { p = kzalloc(sizeof(struct box)); INIT_WORK(&w, handler); }
thread reader { int x = p->v; }
thread writer { g = 1; }
thread flusher { flush_work(&w); }
`);
    // The init block runs first (nothing else may until it finishes).
    let state = initialState(s);
    for (let i = 0; i < 100 && state.actors[s.initActor]!.status !== ActorStatus.Done; i++) {
      const r = step(s, state, { actor: s.initActor, choice: 0 });
      assert.equal(r.status, 'ok');
      state = (r as StepOk).state;
    }
    const stepOf = (name: string): LazyStepOk => {
      const actor = s.actors.findIndex((a) => a.name === name);
      const r = step(s, state, { actor, choice: 0 });
      assert.ok(r instanceof LazyStepOk, `${name}: ${r.status}`);
      return r;
    };
    assert.equal(stepOf('writer').pure, true, 'a step on its own locals and static words');
    assert.equal(stepOf('reader').pure, false, 'a load through a heap pointer');
    assert.equal(stepOf('flusher').pure, false, 'flush_work asks whether the work is running');
  });
});
