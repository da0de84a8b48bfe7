// Symmetry reduction: interchangeable actors are found (and only those), and searching with
// it finds the same kinds of violation, the same lockdep dependencies and the same verdict
// as without it, on hand-written and random scenarios, while storing fewer states.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { CompiledScenario } from '../../core/model/compiled';
import { check } from '../../core/explore';
import { Search } from '../../core/explore/search';
import { Symmetry } from '../../core/explore/symmetry';
import { compileText } from './helpers';
import { symmetricScenarioArb } from './scenario-gen';

function summary(s: CompiledScenario, symmetry: boolean, reduction: boolean): { kinds: string[]; edges: string[]; states: number; complete: boolean } {
  const search = new Search(s, { symmetry, reduction, maxStates: 20_000 });
  search.run();
  return {
    kinds: [...new Set(search.raw.map((r) => r.violation.kind))].sort(),
    edges: search.lockdep.dependencies().map((e) => `${e.from}>${e.to}`).sort(),
    states: search.store.size,
    complete: search.stopReason === undefined,
  };
}

function agree(s: CompiledScenario): boolean {
  for (const reduction of [false, true]) {
    const plain = summary(s, false, reduction);
    const sym = summary(s, true, reduction);
    if (!plain.complete || !sym.complete) return false;
    assert.deepEqual(sym.kinds, plain.kinds, `kinds (reduction ${reduction})`);
    assert.deepEqual(sym.edges, plain.edges, `lockdep dependencies (reduction ${reduction})`);
    assert.ok(sym.states <= plain.states);
  }
  return true;
}

const COUNTER = `scenario "counter"
mutex m; int c; int done;
fn worker() { for (int i = 0; i < 2; i++) { mutex_lock(&m); int t = c; c = t + 1; mutex_unlock(&m); } done++; }
thread w0 { worker(); }
thread w1 { worker(); }
thread w2 { worker(); }
thread w3 { worker(); }
thread end { await(done == 4); assert(c == 8); }
`;

describe('symmetry', () => {
  test('identical workers form a group; the distinguished thread does not', () => {
    const sym = Symmetry.detect(compileText(COUNTER))!;
    assert.deepEqual(sym.groups, [[0, 1, 2, 3]]);
  });

  test('an actor named elsewhere or sharing its CPU is left out; `current` rules symmetry out', () => {
    const named = COUNTER.replace('thread end {', '// w1 goes first\nthread end {');
    assert.deepEqual(Symmetry.detect(compileText(named))!.groups, [[0, 2, 3]]);
    const sharing = COUNTER.replace('thread w0 {', 'thread w0 on cpu5 {').replace('thread end {', 'thread end on cpu5 {');
    assert.deepEqual(Symmetry.detect(compileText(sharing))!.groups, [[1, 2, 3]]);
    assert.equal(Symmetry.detect(compileText(COUNTER.replace('done++;', 'done++; int me = current;'))), undefined);
  });

  test('the counter verifies with far fewer states, as without symmetry', () => {
    const s = compileText(COUNTER);
    const a = check(s, { symmetry: false });
    const b = check(s);
    assert.equal(a.verdict, 'verified');
    assert.equal(b.verdict, 'verified');
    assert.deepEqual(b.symmetric, [['w0', 'w1', 'w2', 'w3']]);
    assert.ok(b.stats.states * 5 < a.stats.states, `${b.stats.states} vs ${a.stats.states}`);
  });

  test('a bug in one of the copies is still found', () => {
    const three = COUNTER.replace('thread w3 { worker(); }\n', '').replace('done == 4); assert(c == 8)', 'done == 3); assert(c == 6)');
    const s = compileText(three.replace('int t = c; c = t + 1; mutex_unlock(&m);', 'mutex_unlock(&m); int t = c; c = t + 1;'));
    assert.ok(agree(s));
    assert.equal(check(s).verdict, 'violation');
  });

  test('random symmetric scenarios agree with the search without symmetry', () => {
    let compared = 0;
    fc.assert(
      fc.property(symmetricScenarioArb, (text) => {
        if (agree(compileText(text))) compared++;
      }),
      { numRuns: 15, seed: 7 },
    );
    assert.ok(compared >= 10, `${compared} of 15 explored completely`);
  });
});
