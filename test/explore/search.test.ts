// The search's contract: bounds give `inconclusive` naming the bound, cancellation stops it,
// strategies and shards agree with the default search, statistics are filled in, and traces
// are shortened to the steps a violation depends on.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check, checkAsync } from '../../core/explore';
import { DETECTOR_CASES, scenarioText } from './detector-cases';
import { compileText, kindsOf } from './helpers';

/** N threads incrementing a counter under a mutex: no bug, a state space that grows fast. */
function counter(n: number, k: number): string {
  const threads = Array.from({ length: n }, (_, i) => `thread w${i} { for (int i = 0; i < ${k}; i++) { mutex_lock(&m); int t = c; c = t + 1; mutex_unlock(&m); } done++; }`);
  return `scenario "counter"\nmutex m; int c; int done;\n${threads.join('\n')}\nthread end { await(done == ${n}); assert(c == ${n * k}); }\nexpect no violation;\n`;
}

describe('bounds', () => {
  const s = compileText(counter(3, 2));

  test('the full space verifies, with statistics', () => {
    const r = check(s);
    assert.equal(r.verdict, 'verified');
    assert.ok(r.stats.states > 50 && r.stats.transitions >= r.stats.states - 1);
    assert.ok(r.stats.maxDepth > 10 && r.stats.peakMemoryMB > 0 && r.stats.bytesPerState > 0);
  });

  test('--max-memory stops before the table of visited states grows past it, and says so', () => {
    // The resident memory as the search reads it: 50,000 bytes under the bound, where it stays,
    // so the periodic reading never stops the search and the first growth of the table (4,096
    // slots to 8,192: 98,304 bytes at once) would carry it over.
    const big = compileText(counter(4, 3));
    const rss = process.memoryUsage.rss;
    process.memoryUsage.rss = () => 300 * 2 ** 20 - 50_000;
    let r;
    try {
      r = check(big, { maxMemoryMB: 300, symmetry: false, workers: 1 });
    } finally {
      process.memoryUsage.rss = rss;
    }
    assert.equal(r.verdict, 'inconclusive');
    assert.equal(r.bound?.kind, 'memory');
    assert.match(r.bound!.message, /--max-memory 300 MB: the table of visited states would grow past it/);
    // Refused at three quarters of 4,096 slots; stopped within the next 256 expansions, before fifteen sixteenths.
    assert.ok(r.stats.states > 3072 && r.stats.states <= 3840, `${r.stats.states} states`);
    // With room for it, the same search grows its table and goes on.
    assert.equal(check(big, { symmetry: false, workers: 1 }).verdict, 'verified');
  });

  test('--max-states stops with inconclusive and says so', () => {
    const r = check(s, { maxStates: 20 });
    assert.equal(r.verdict, 'inconclusive');
    assert.equal(r.bound?.kind, 'states');
    assert.match(r.bound!.message, /max-states 20/);
    assert.ok(r.stats.states >= 20 && r.stats.states < 40);
  });

  test('--max-depth leaves deeper states unexplored: inconclusive', () => {
    const r = check(s, { maxDepth: 5 });
    assert.equal(r.verdict, 'inconclusive');
    assert.equal(r.bound?.kind, 'depth');
    assert.ok(r.stats.maxDepth <= 5);
  });

  test('a violation found before a bound still gives the violation verdict', () => {
    const bug = compileText(scenarioText(DETECTOR_CASES.find((c) => c.kind === 'deadlock')!, 'buggy'));
    const whole = check(bug).stats.states;
    let m = 1;
    while (check(bug, { maxStates: m }).verdict === 'inconclusive') m++;
    assert.ok(m < whole, 'some violation is found before the whole space is stored');
    const r = check(bug, { maxStates: m });
    assert.equal(r.bound?.kind, 'states');
    assert.equal(r.verdict, 'violation');
  });

  test('cancellation stops the search and keeps what was found', async () => {
    let polls = 0;
    const r = await checkAsync(compileText(counter(4, 2)), { cancelled: () => ++polls > 1 });
    assert.equal(r.verdict, 'inconclusive');
    assert.equal(r.bound?.kind, 'cancelled');
  });
});

describe('strategies and shards', () => {
  const cases = DETECTOR_CASES.filter((c) => ['deadlock', 'use_after_free', 'double_free', 'data_race'].includes(c.kind));

  for (const c of cases) {
    test(`dfs and random find what bfs finds: ${c.kind}`, () => {
      const s = compileText(scenarioText(c, 'buggy'));
      const want = kindsOf(check(s));
      assert.deepEqual(kindsOf(check(s, { strategy: 'dfs' })), want);
      assert.deepEqual(kindsOf(check(s, { strategy: 'random', seed: 7 })), want);
    });
  }

  test('n shards together find every violation the whole search finds', () => {
    const text = `scenario "two bugs"
struct obj { int v; }
struct obj *gp; mutex a; mutex b; int x;
thread t0 { gp = kzalloc(struct obj); mutex_lock(&a); mutex_lock(&b); x = 1; mutex_unlock(&b); mutex_unlock(&a); kfree(gp); }
thread t1 { struct obj *o = gp; if (o != NULL) { int v = o->v; } mutex_lock(&b); mutex_lock(&a); x = 2; mutex_unlock(&a); mutex_unlock(&b); }
thread t2 { assert(x != 2); }
`;
    const s = compileText(text);
    const whole = new Set(check(s).violations.map((v) => `${v.kind}@${v.violation.span.start}`));
    for (const n of [2, 3]) {
      const union = new Set<string>();
      let states = 0;
      for (let i = 0; i < n; i++) {
        const r = check(s, { shard: { index: i, count: n } });
        states += r.stats.states;
        for (const v of r.violations) if (v.kind !== 'lock_order') union.add(`${v.kind}@${v.violation.span.start}`);
      }
      const expected = [...whole].filter((k) => !k.startsWith('lock_order'));
      assert.deepEqual([...union].sort(), expected.sort(), `shards 1..${n}`);
      assert.ok(states > 0);
    }
  });

  test('a shard is deterministic', () => {
    const s = compileText(counter(3, 2));
    const a = check(s, { shard: { index: 1, count: 3 } });
    const b = check(s, { shard: { index: 1, count: 3 } });
    assert.equal(a.stats.states, b.stats.states);
    assert.equal(a.verdict, 'verified');
  });
});

describe('traces', () => {
  test('steps the violation does not depend on are left out', () => {
    // t1's steps are independent of the assertion that fails in t0.
    const s = compileText(`scenario "noise"
int x; int y; int z;
thread t1 { y = 1; y = 2; y = 3; z = 1; }
thread t0 { x = 1; assert(x == 2); }
`);
    const f = check(s).violations[0]!;
    assert.equal(f.kind, 'assertion');
    assert.deepEqual(f.trace.map((t) => t.actorName), ['t0', 't0']);
  });

  test('the trace switches actors no more than needed', () => {
    const f = check(compileText(scenarioText(DETECTOR_CASES.find((c) => c.kind === 'use_after_free')!, 'buggy'))).violations[0]!;
    let switches = 0;
    for (let i = 1; i < f.trace.length; i++) if (f.trace[i]!.actor !== f.trace[i - 1]!.actor) switches++;
    assert.ok(switches <= 2, `${switches} switches in ${f.trace.map((t) => t.actorName).join(' ')}`);
  });
});
