// The checker in a worker thread: results come back as plain data, a text that does not
// compile says why, progress is reported, cancel() stops the search and still answers, and a
// background check runs its threads at the nice value asked for (Linux: one per thread).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import * as path from 'node:path';
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

describe('startCheck: a worker kept for the next check', () => {
  const c = DETECTOR_CASES.find((x) => x.kind === 'use_after_free')!;

  test('the next check runs in the worker the last one finished in, and reports the same', async () => {
    const first = startCheck('uaf.lockstep', scenarioText(c, 'buggy'), { maxMemoryMB: 320 });
    const a = await first.result;
    const second = startCheck('uaf.lockstep', scenarioText(c, 'buggy'), { maxMemoryMB: 320 });
    const b = await second.result;
    assert.equal(second.threadId, first.threadId, 'the same worker');
    assert.equal(a.status, 'done');
    assert.equal(b.status, 'done');
    if (a.status !== 'done' || b.status !== 'done') return;
    assert.deepEqual(b.result.violations.map((v) => [v.kind, v.trace.length]), a.result.violations.map((v) => [v.kind, v.trace.length]));
    // A text that does not compile, then a good one: the worker answered both.
    const bad = startCheck('bad.lockstep', 'thread t { mutex_lock(&nope); }', { maxMemoryMB: 320 });
    assert.equal((await bad.result).status, 'invalid');
    const third = startCheck('counter.lockstep', counter(2), { maxMemoryMB: 320 });
    assert.equal((await third.result).status, 'done');
    assert.equal(third.threadId, first.threadId);
  });

  test('two checks at once run in two workers; another heap limit or nice value gets its own', async () => {
    const one = startCheck('counter.lockstep', counter(2), { maxMemoryMB: 330 });
    const two = startCheck('counter.lockstep', counter(2), { maxMemoryMB: 330 });
    assert.notEqual(one.threadId, two.threadId);
    await Promise.all([one.result, two.result]);
    const other = startCheck('counter.lockstep', counter(2), { maxMemoryMB: 340 });
    assert.ok(other.threadId !== one.threadId && other.threadId !== two.threadId, 'another heap limit: a fresh worker');
    await other.result;
    const nicer = startCheck('counter.lockstep', counter(2), { maxMemoryMB: 330 }, { niceness: 5 });
    assert.ok(nicer.threadId !== one.threadId && nicer.threadId !== two.threadId, 'another nice value: a fresh worker');
    await nicer.result;
  });

  test('a worker that does not answer a cancel in time is stopped, not kept', async () => {
    // A worker script that never answers: cancel() then gives up on it after the grace period.
    const dir = mkdtempSync(path.join(tmpdir(), 'lockstep-worker-'));
    const silent = path.join(dir, 'silent.js');
    writeFileSync(silent, "require('node:worker_threads').parentPort.on('message', () => {});\n");
    try {
      const run = startCheck('counter.lockstep', counter(2), {}, { workerScript: silent, cancelGraceMs: 0 });
      run.cancel();
      const o = await run.result;
      assert.equal(o.status, 'cancelled');
      assert.equal(o.status === 'cancelled' ? o.result : undefined, undefined, 'no answer');
      const next = startCheck('counter.lockstep', counter(2), {}, { workerScript: silent, cancelGraceMs: 0 });
      assert.notEqual(next.threadId, run.threadId, 'a fresh worker');
      next.cancel();
      await next.result;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function threadNice(tid: string): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  // After the command name in parentheses: state is field 3, nice field 19.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}
