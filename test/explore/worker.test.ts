// The checker in a worker thread: results come back as plain data, a text that does not
// compile says why, progress is reported, cancel() stops the search and still answers, and a
// background check runs its threads at the nice value asked for (Linux: one per thread).

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, test } from 'node:test';
import { startCheck } from '../../core/explore/worker';
import { DETECTOR_CASES, scenarioText } from './detector-cases';

function counter(n: number): string {
  const threads = Array.from({ length: n }, (_, i) => `thread w${i} { for (int i = 0; i < 3; i++) { mutex_lock(&m); c = c + 1; mutex_unlock(&m); } done++; }`);
  return `scenario "counter"\nmutex m; int c; int done;\n${threads.join('\n')}\nthread end { await(done == ${n}); assert(c == ${3 * n}); }\n`;
}

describe('startCheck (worker thread)', () => {
  test('a buggy scenario: the violations, with traces, as plain data', async () => {
    const c = DETECTOR_CASES.find((x) => x.kind === 'use_after_free')!;
    const o = await startCheck('uaf.lockstep', scenarioText(c, 'buggy')).result;
    assert.equal(o.status, 'done');
    if (o.status !== 'done') return;
    assert.equal(o.result.verdict, 'violation');
    assert.equal(o.result.violations[0]!.kind, 'use_after_free');
    assert.ok(o.result.violations[0]!.trace.length > 0);
    assert.match(o.result.violations[0]!.violation.report, /BUG: KASAN: slab-use-after-free/, 'the report crosses the thread boundary');
  });

  test('a text that does not compile: its errors', async () => {
    const o = await startCheck('bad.lockstep', 'thread t { mutex_lock(&nope); }').result;
    assert.equal(o.status, 'invalid');
    if (o.status === 'invalid') assert.ok(o.diagnostics.length > 0 && o.diagnostics.every((d) => d.severity === 'error'));
  });

  test('progress is reported while it searches', async () => {
    let reports = 0;
    const o = await startCheck('counter.lockstep', counter(3), { progressIntervalMs: 0, symmetry: false }, { onProgress: () => reports++ }).result;
    assert.equal(o.status, 'done');
    assert.ok(reports > 0);
  });

  test('cancel() stops the search and answers with what it has', async () => {
    const run = startCheck('counter.lockstep', counter(7), { symmetry: false });
    run.cancel();
    const o = await run.result;
    assert.equal(o.status, 'cancelled');
    if (o.status === 'cancelled' && o.result) assert.equal(o.result.bound?.kind, 'cancelled');
  });

  test('niceness: the search thread runs at that nice value, this thread at its own', { skip: !existsSync('/proc/self/task') }, async () => {
    const mine = getPriority();
    let seen: number[] = [];
    const run = startCheck('counter.lockstep', counter(7), { progressIntervalMs: 0, symmetry: false }, {
      niceness: 10,
      onProgress: () => {
        // While it searches: the nice value (field 19 of stat) of every thread of this process.
        if (seen.length === 0) seen = readdirSync('/proc/self/task').map((t) => threadNice(t));
        run.cancel();
      },
    });
    await run.result;
    assert.ok(seen.includes(Math.max(mine, 10)), `a thread at nice ${Math.max(mine, 10)} among ${seen.join(', ')}`);
    assert.equal(getPriority(), mine, 'the calling thread keeps its priority');
  });
});

function threadNice(tid: string): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  // After the command name in parentheses: state is field 3, nice field 19.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}
