// core/debug without any protocol: history is exact (going back and forward gives the very
// states a fresh run gives), the random schedule is `lockstep run`'s, traces are checked
// against the file, expressions evaluate read-only, breakpoints verify against statements.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DebugError, DebugRuntime, type Schedule } from '../../core/debug/runtime';
import type { StopEvent } from '../../core/debug/events';
import { loadTrace } from '../../core/debug/replay';
import { runOnce } from '../../core/explore/run';
import { randomScheduler } from '../../core/explore/schedulers';
import { toTraceFile } from '../../core/explore/trace';
import { encodeState, initialState, step } from '../../core/model/machine';
import type { CompiledScenario } from '../../core/model/compiled';
import type { MachineState, Move } from '../../core/model/types';
import { compileOk } from '../helpers/scenario';

const ROOT = resolve(__dirname, '../../..');
const seed = (name: string): CompiledScenario => compileOk(readFileSync(resolve(ROOT, 'examples/seeds', name), 'utf8'), `examples/seeds/${name}`);

/** A runtime whose runs complete synchronously, with its stops collected. */
function runtime(s: CompiledScenario, schedule: Schedule = { kind: 'manual' }): { rt: DebugRuntime; stops: StopEvent[] } {
  const rt = new DebugRuntime(s, { schedule, defer: (f) => f() });
  const stops: StopEvent[] = [];
  rt.on((e) => {
    if (e.kind === 'stopped') stops.push(e);
  });
  return { rt, stops };
}

function replayed(s: CompiledScenario, moves: readonly Move[]): MachineState {
  let state = initialState(s);
  for (const m of moves) {
    const r = step(s, state, m);
    assert.equal(r.status, 'ok');
    if (r.status === 'ok') state = r.state;
  }
  return state;
}

const same = (a: MachineState, b: MachineState): boolean => Buffer.from(encodeState(a).buffer).equals(Buffer.from(encodeState(b).buffer));

describe('history', () => {
  it('goto any recorded step gives exactly the state a fresh run reaches there', () => {
    const s = seed('001-xive-release.fixed.lockstep');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (rseed, targets) => {
        const { rt } = runtime(s, { kind: 'random', seed: rseed });
        rt.continueAll();
        const moves = rt.moves();
        for (const t of targets) {
          const k = t % (rt.historyLength);
          rt.goto(k);
          assert.ok(same(rt.state, replayed(s, moves.slice(0, k))));
        }
      }),
      { numRuns: 25 },
    );
  });

  it('the random schedule makes the same moves as lockstep run with that seed, even after a detour', () => {
    const s = seed('000-spapr-tce.buggy.lockstep');
    for (const rseed of [1, 2, 3, 42]) {
      const cli = runOnce(s, randomScheduler(rseed)).steps.map((t) => ({ actor: t.actor, choice: t.choice }));
      const { rt } = runtime(s, { kind: 'random', seed: rseed });
      rt.continueAll();
      const first = rt.moves();
      assert.deepEqual(first, cli.slice(0, first.length));
      // Back to the start, then continue again: the schedule is rebuilt, not resumed.
      rt.goto(0);
      rt.continueAll();
      assert.deepEqual(rt.moves(), first);
    }
  });

  it('stepping back over an edit undoes it', () => {
    const s = compileOk('int x = 1;\nthread a {\n    x = x + 1;\n}\n');
    const { rt } = runtime(s);
    rt.start(true);
    const before = rt.evaluate('x', undefined).value;
    rt.setValue({ k: 'mem', addr: s.globals[0]!.address }, undefined, '41', 'x');
    assert.equal(rt.evaluate('x', undefined).value, 41);
    rt.stepActor(0, 'stepIn');
    assert.equal(rt.evaluate('x', undefined).value, 42);
    rt.stepBack();
    rt.stepBack();
    assert.equal(rt.evaluate('x', undefined).value, before);
  });
});

describe('requests the runtime refuses', () => {
  it('names the problem', () => {
    const s = seed('004-mm-iommu-deadlock.buggy.lockstep');
    const { rt } = runtime(s);
    rt.start(true);
    assert.throws(() => rt.stepActor(7, 'next'), (e: Error) => e instanceof DebugError && /no actor with index 7/.test(e.message));
    assert.throws(() => rt.stepBack(), /at the start of the run/);
    assert.throws(() => rt.goto(5), /there is no step 5/);
    assert.throws(() => rt.setExceptionFilters(['deadlock', 'nonsense']), /unknown exception filter nonsense/);
    assert.throws(() => rt.stepActor(0, 'stepIn', 3), /has 1 outcome; there is no outcome 4/);
  });
});

describe('traces', () => {
  const s = seed('003-gfn-pfn-cache.buggy.lockstep');
  const trace = JSON.parse(readFileSync(resolve(ROOT, 'test/debugger/fixtures/003-gfn-pfn-cache.buggy.trace.json'), 'utf8'));

  it('accepts the recorded run of this file', () => {
    assert.equal(loadTrace(s, trace, 't.json').moves.length, trace.steps.length);
  });

  it('refuses a step whose statement differs, also past a report the run goes on from', () => {
    const edited = structuredClone(trace);
    edited.steps[3].text = 'something else';
    assert.throws(() => loadTrace(s, edited, 't.json'), /t.json does not match .*: step 4 .* is 'something else' in the trace but/);
    const longer = structuredClone(trace);
    longer.steps.push(longer.steps[longer.steps.length - 1]);
    // KASAN's report does not end the run: the step after it must still be this file's.
    assert.throws(() => loadTrace(s, longer, 't.json'), /step 38 \(vcpu0, line 235\) is 'gpc->khva->data = 1' in the trace but 'read_unlock_irqrestore/);
    assert.throws(() => loadTrace(s, { steps: [] }, 't.json'), /not a Lockstep trace/);
  });

  it('replays a trace written by a run of the same file', () => {
    const s4 = seed('004-mm-iommu-deadlock.buggy.lockstep');
    const r = runOnce(s4, randomScheduler(3));
    const t = JSON.parse(JSON.stringify(toTraceFile(s4, r.steps, r.violation)));
    const { rt, stops } = runtime(s4, { kind: 'replay', moves: loadTrace(s4, t, 't').moves });
    rt.continueAll();
    assert.equal(stops.at(-1)!.reason, 'exception');
    assert.equal(stops.at(-1)!.violation!.kind, r.violation!.kind);
  });
});

describe('evaluate', () => {
  const s = compileOk([
    'struct obj { int n; mutex lock; };',
    'struct obj o;',
    'struct obj *p;',
    'thread a {',
    '    struct obj *mine = kzalloc(struct obj);',
    '    mine->n = 5;',
    '    p = mine;',
    '    kfree(mine);',
    '}',
  ].join('\n'));

  it('reads globals, fields through pointers and frame locals, and marks reads of freed memory', () => {
    const { rt } = runtime(s);
    rt.start(true);
    for (let i = 0; i < 4; i++) rt.stepActor(0, 'stepIn');
    assert.equal(rt.evaluate('o.n + 1', undefined).value, 1);
    const freed = rt.evaluate('p->n', undefined);
    assert.equal(freed.value, 5);
    assert.equal(freed.readFreed, true);
    assert.match(rt.evaluateNode('p', undefined).value, /→ obj#1 \(freed\)/);
  });

  it('refuses what would change the state, and reports NULL dereferences', () => {
    const { rt } = runtime(s);
    rt.start(true);
    assert.throws(() => rt.evaluate('p->n', undefined), /NULL pointer dereference/);
    assert.throws(() => rt.evaluate('mutex_lock(&o.lock)', undefined), /evaluate only reads the state/);
    assert.throws(() => rt.evaluate('kzalloc(struct obj)', undefined), /evaluate only reads the state/);
    assert.throws(() => rt.evaluate('o.n = 3', undefined), /not a single expression|expected/);
  });
});

describe('breakpoints and stops', () => {
  it('a continue does not stop again where a step left the actor, but does the next time it gets there', () => {
    const s = compileOk('int x;\nthread a {\n    x = 1;\n    x = 2;\n    x = 3;\n}\n');
    const { rt, stops } = runtime(s);
    rt.start(true);
    rt.setLineBreakpoints([{ line: 4 }]);
    rt.stepActor(0, 'stepIn');
    assert.equal(stops.at(-1)!.reason, 'step');
    rt.continueAll();
    assert.equal(stops.at(-1)!.reason, 'end');
    rt.goto(0);
    rt.continueAll();
    assert.equal(stops.at(-1)!.reason, 'breakpoint');
    assert.equal(rt.position, 1);
  });
});

describe('the init block', () => {
  it('is a finished thread, and its lines take no breakpoint', () => {
    const s = compileOk([
      'struct obj { int n; };',
      'struct obj *p;',
      'init {',
      '    p = kzalloc(struct obj);',
      '}',
      'thread a on cpu0 "user" {',
      '    p->n = 1;',
      '}',
    ].join('\n'));
    const { rt } = runtime(s);
    assert.deepEqual(rt.threads().map((t) => t.title), ['init · the initial state', 'CPU0 · a (user)']);
    assert.deepEqual(rt.stack(0).map((f) => f.name), ['init (finished)']);
    const [inInit, before] = rt.setLineBreakpoints([{ line: 4 }, { line: 3 }]);
    assert.equal(inInit!.verified, false);
    assert.match(inInit!.message!, /init block runs to completion/);
    assert.equal(before!.verified, false);
    assert.match(rt.evaluateNode('p', undefined).value, /→ obj#1$/);
  });
});

describe('breakpoint verification', () => {
  const s = seed('004-mm-iommu-deadlock.buggy.lockstep');

  it('moves line breakpoints to the next statement and rejects bad hit counts and conditions', () => {
    const { rt } = runtime(s);
    const [comment, stmt, past, badHit, badCond] = rt.setLineBreakpoints([{ line: 60 }, { line: 63 }, { line: 500 }, { line: 63, hitCondition: 'often' }, { line: 63, condition: 'nonsense +' }]);
    assert.equal(comment!.verified, true);
    assert.ok(comment!.line > 60);
    assert.equal(stmt!.line, 63);
    assert.equal(past!.verified, false);
    assert.match(badHit!.message!, /hit count 'often' is not understood/);
    assert.equal(badCond!.verified, false);
  });

  it('names lock classes in any spelling', () => {
    const { rt } = runtime(s);
    const bps = rt.setLockBreakpoints([{ name: '&mm->mmap_sem' }, { name: 'mm.mmap_sem' }, { name: 'mm_struct->mmap_sem' }, { name: 'contended *' }, { name: 'kvm->lock' }]);
    assert.deepEqual(bps.map((b) => b.verified), [true, true, true, true, false]);
    assert.equal(bps[3]!.mode, 'contention');
  });

  it('watches one lock instance when the name has an index', () => {
    const s1 = seed('001-xive-release.fixed.lockstep');
    const { rt, stops } = runtime(s1, { kind: 'round-robin' });
    const [one, cls] = rt.setLockBreakpoints([{ name: 'kvm.vcpus[1].mutex' }, { name: 'kvm_vcpu->mutex' }]);
    assert.equal(one!.verified, true);
    assert.notEqual(one!.addr, undefined);
    assert.equal(cls!.addr, undefined);
    rt.setLockBreakpoints([{ name: 'kvm.vcpus[1].mutex' }]);
    rt.continueAll();
    const stop = stops.at(-1)!;
    assert.equal(stop.reason, 'lock-breakpoint');
    // The actor stopped is about to take exactly that instance: one step later it holds it.
    rt.stepActor(stop.actor, 'stepIn');
    assert.ok(rt.state.actors[stop.actor]!.held.some((h) => h.addr === one!.addr));
  });
});
