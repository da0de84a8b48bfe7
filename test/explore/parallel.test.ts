// The search on two worker threads against the one-thread search: on every example and on
// random scenarios, the same verdict, the same violations with the same traces, and about
// the same number of states (the ignoring proviso depends a little on the order); with two
// workers the reduced search still finds what the search of every interleaving finds. Bounds
// stop every worker and name themselves; a worker that fails is reported, not waited for.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { check, type CheckOptions, type CheckResult } from '../../core/explore';
import { checkParallel, teamSettled, teamWorkers } from '../../core/explore/parallel';
import { Search } from '../../core/explore/search';
import { SharedStore, TableFull } from '../../core/explore/shared-store';
import { fp } from '../../core/explore/store';
import { ActorIntern, unpackPortable } from '../../core/explore/pack';
import type { CompiledScenario } from '../../core/model/compiled';
import { compileText } from './helpers';
import { scenarioArb } from './scenario-gen';
import { counterScenario, philosophersScenario } from '../../bench/generate';

/** Two workers from the first state (no one-thread head start). */
function twoWorkers(s: CompiledScenario, opts: CheckOptions = {}): Promise<CheckResult> {
  return checkParallel(s, { ...opts, workers: 2 }, 50, 0);
}

/** What the user sees of a result: verdict, and each violation with its trace. */
function seen(r: CheckResult): unknown {
  return {
    verdict: r.verdict,
    violations: r.violations.map((v) => ({
      kind: v.kind,
      message: v.message,
      trace: v.trace.map((t) => `${t.actor}:${t.choice}`),
    })),
  };
}

function closeCounts(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(8, 0.1 * Math.max(a, b));
}

function exampleFiles(): string[] {
  const root = path.resolve(__dirname, '..', '..', '..', 'examples');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.lockstep')) out.push(p);
    }
  };
  walk(root);
  return out;
}

describe('two workers agree with one', () => {
  test('every example: verdict, violations, traces; about the same states', async () => {
    const files = exampleFiles();
    assert.ok(files.length >= 19);
    for (const file of files) {
      const s = compileText(readFileSync(file, 'utf8'), file);
      const opts: CheckOptions = { maxStates: 200_000 };
      const one = check(s, opts);
      const two = await twoWorkers(s, opts);
      assert.deepEqual(seen(two), seen(one), file);
      if (one.verdict === 'verified') assert.ok(closeCounts(two.stats.states, one.stats.states), `${file}: ${two.stats.states} vs ${one.stats.states} states`);
    }
  });

  test('random scenarios: two reduced workers find what every interleaving holds', async () => {
    const texts = fc.sample(scenarioArb, { numRuns: 12, seed: 20240501 });
    let compared = 0;
    for (const text of texts) {
      const s = compileText(text);
      const opts: CheckOptions = { maxStates: 100_000, symmetry: false };
      const full = check(s, { ...opts, reduction: false });
      if (full.bound) continue;
      const one = check(s, opts);
      const two = await twoWorkers(s, opts);
      assert.deepEqual(seen(two), seen(one), text);
      assert.deepEqual(two.violations.map((v) => v.kind).sort(), full.violations.map((v) => v.kind).sort(), text);
      compared++;
    }
    assert.ok(compared >= 8, `${compared} of 12 random scenarios explored completely`);
  });
});

describe('the shared table', () => {
  /** Distinct fingerprints, some with a half of 0 (stored as 1, as a one-thread table does). */
  const key = (i: number): void => {
    fp.h1 = i % 7 === 0 ? 0 : Math.imul(i, 0x2545f491) ^ 0x5bd1e995;
    fp.h2 = i + 1;
  };

  test('two participants number states in blocks, each number once, and count them exactly', () => {
    // Room for 65,536 slots from the start: no growth while the two take turns in one thread
    // (a participant learns of a new level only when it waits for the growth, between expansions).
    const buffers = SharedStore.allocate(1 << 22, 2);
    const views = [new SharedStore(buffers, 0), new SharedStore(buffers, 1)];
    const ids = new Map<number, number>();
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      key(i);
      const id = views[i % 3 === 0 ? 1 : 0]!.insert(-1, 0, i >> 6);
      assert.ok(id >= 0 && ![...ids.values()].includes(id), `state ${i} got number ${id}`);
      ids.set(i, id);
      assert.equal(views[0]!.size, i + 1);
    }
    for (let i = 0; i < n; i += 97) {
      for (const view of views) {
        key(i);
        assert.equal(view.insert(-1, 0, 0), -ids.get(i)! - 1, `state ${i}`);
      }
    }
    assert.equal(views[1]!.size, n);
    assert.ok(views[0]!.reached(n) && !views[0]!.reached(n + 1) && !views[1]!.reached(n + 1));
    // Numbers come in blocks: participant 1 stored state 0 (number 0), and participant 0's
    // first, state 1, is not numbered 1.
    assert.equal(ids.get(0), 0);
    assert.ok(ids.get(1)! >= 64, `${ids.get(1)}: participant 0 took no block of its own`);
    // One participant goes on alone until the table grows: a view made afterwards finds every state.
    const first = views[0]!.bytes;
    for (let i = n; i < 40_000; i++) {
      key(i);
      ids.set(i, views[0]!.insert(-1, 0, 0));
    }
    assert.ok(views[0]!.bytes > 4 * first, `${views[0]!.bytes} vs ${first} bytes: the table grew`);
    const late = new SharedStore(buffers, 1);
    for (let i = 0; i < 40_000; i += 89) {
      key(i);
      assert.equal(late.insert(-1, 0, 0), -ids.get(i)! - 1, `state ${i} after the growth`);
    }
    assert.equal(late.size, 40_000);
  });

  test('two threads inserting at once grow the table together: every state stored once, found with its number', async () => {
    // A bound that starts the table at 16,384 slots: it grows three times under 600,000
    // states, the last time moving a level of 2^20 slots (256 chunks), each time with both
    // threads moving its entries (the one that grows it, and the one parked at its next
    // expansion). Each thread stores 350,000 states, 100,000 of them the other's too.
    const buffers = SharedStore.allocate(1 << 20, 2);
    const run = (me: number, from: number): Promise<number[]> =>
      new Promise((resolve, reject) => {
        const code = `
          const { parentPort, workerData } = require('node:worker_threads');
          const { SharedStore } = require(workerData.shared);
          const { fp } = require(workerData.store);
          const view = new SharedStore(workerData.buffers, workerData.me);
          const ids = [];
          view.enter();
          for (let i = workerData.from; i < workerData.from + 350000; i++) {
            view.pause();
            fp.h1 = i % 7 === 0 ? 0 : Math.imul(i, 0x2545f491) ^ 0x5bd1e995;
            fp.h2 = i + 1;
            ids.push(view.insert(-1, 0, 0));
          }
          view.leave();
          parentPort.postMessage(ids);`;
        const dir = path.join(__dirname, '..', '..', 'core', 'explore');
        const worker = new Worker(code, { eval: true, workerData: { buffers, me, from, shared: path.join(dir, 'shared-store.js'), store: path.join(dir, 'store.js') } });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const [a, b] = await Promise.all([run(0, 0), run(1, 250_000)]);
    const numbers = new Map<number, number>();
    const stored = new Set<number>();
    const note = (i: number, r: number): void => {
      const id = r >= 0 ? r : -r - 1;
      if (r >= 0) {
        assert.ok(!stored.has(id), `number ${id} given twice`);
        stored.add(id);
      }
      const known = numbers.get(i);
      if (known !== undefined) assert.equal(id, known, `state ${i}: two numbers`);
      numbers.set(i, id);
    };
    a!.forEach((r, k) => note(k, r));
    b!.forEach((r, k) => note(250_000 + k, r));
    assert.equal(stored.size, 600_000, 'each state stored once');
    assert.equal(numbers.size, 600_000);
    const view = new SharedStore(buffers, 0);
    assert.equal(view.size, 600_000);
    assert.ok(view.bytes > (1 << 22) * 12, `${view.bytes} bytes: the table grew to 2^22 slots`);
    view.enter();
    for (let i = 0; i < 600_000; i += 13) {
      key(i);
      assert.equal(view.insert(-1, 0, 0), -numbers.get(i)! - 1, `state ${i} after the growths`);
    }
    view.leave();
  });

  test('a participant outside the table while it grows takes the new level when it enters again', () => {
    const buffers = SharedStore.allocate(1 << 22, 2);
    const [busy, idle] = [new SharedStore(buffers, 0), new SharedStore(buffers, 1)];
    idle.enter();
    idle.leave();
    busy.enter();
    const ids: number[] = [];
    const first = busy.bytes;
    for (let i = 0; i < 100_000; i++) {
      key(i);
      ids.push(busy.insert(-1, 0, 0));
    }
    assert.ok(busy.bytes > 4 * first, `${busy.bytes} vs ${first} bytes: the table grew while the other was outside`);
    busy.leave();
    idle.enter();
    for (let i = 0; i < 100_000; i += 7) {
      key(i);
      assert.equal(idle.insert(-1, 0, 0), -ids[i]! - 1, `state ${i}: found, not stored again`);
    }
    assert.equal(idle.size, 100_000);
  });

  test('the buffers are reserved at the bound and grow with the table, so a small search commits little', () => {
    const buffers = SharedStore.allocate(50_000_000, 2);
    const maxBytes = (b: SharedArrayBuffer): number => (b as unknown as { maxByteLength: number }).maxByteLength;
    // Room for the bound's 50 M states is reserved, a level of 65,536 slots is usable.
    assert.ok(maxBytes(buffers.slots) > 1e9 && maxBytes(buffers.depths) === 4 * 50_000_001, `${maxBytes(buffers.slots)}, ${maxBytes(buffers.depths)}`);
    assert.ok(buffers.slots.byteLength <= 65_536 * 12 && buffers.depths.byteLength < 1 << 20, `${buffers.slots.byteLength}, ${buffers.depths.byteLength}`);
    const view = new SharedStore(buffers, 0);
    view.enter();
    const depths: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      key(i);
      const id = view.insert(-1, 0, i % 50);
      depths[id] = i % 50;
    }
    assert.ok(buffers.slots.byteLength >= 400_000 * 12 && buffers.slots.byteLength < 1e8, `${buffers.slots.byteLength} bytes of slots`);
    assert.ok(buffers.depths.byteLength >= 200_000 * 4, `${buffers.depths.byteLength} bytes of depths`);
    // Depths written before a growth are still there after it.
    for (let id = 0; id < 200_000; id += 997) assert.ok(view.after(id, -1, depths[id]!) && !view.after(id, id, depths[id]! + 1), `state ${id}`);
  });

  test('a growth the guard refuses waits: the level fills to nine tenths, every view says so, then it grows all the same', () => {
    const buffers = SharedStore.allocate(1 << 22, 2);
    const [a, b] = [new SharedStore(buffers, 0), new SharedStore(buffers, 1)];
    a.enter();
    const asked: number[] = [];
    a.growthGuard = (bytes) => {
      asked.push(bytes);
      return false;
    };
    // Never asked: only the thread that would grow asks its own guard.
    b.growthGuard = () => assert.fail('asked the other view');
    // The slots in use (`bytes` counts per-state words too).
    const slotBytes = (): number => a.bytes - a.size * 5;
    const first = slotBytes();
    const ids: number[] = [];
    let refusedAt = -1;
    for (let i = 0; i < 200_000 && slotBytes() === first; i++) {
      key(i);
      ids.push(a.insert(-1, 0, 0));
      if (refusedAt < 0 && a.growthRefused) refusedAt = i;
    }
    const slots = first / 12;
    assert.equal(asked.length, 1, 'asked once');
    // Moving two levels up touches the slots of the level four times larger (and the numbers' words).
    assert.ok(asked[0]! >= 4 * slots * 12, `asked for ${asked[0]} bytes, the level has ${slots} slots`);
    assert.ok(refusedAt >= 0 && refusedAt <= slots / 2, `refused at state ${refusedAt} of ${slots} slots`);
    assert.ok(b.growthRefused, 'the other view sees the refusal');
    // It filled the level in use to nine tenths before growing all the same.
    assert.ok(ids.length >= Math.floor(slots * 0.9) - 64, `${ids.length} states stored before the table grew, in ${slots} slots`);
    assert.ok(slotBytes() > first, 'the table grew all the same once the level was full');
    for (let i = 0; i < ids.length; i += 13) {
      key(i);
      assert.equal(a.insert(-1, 0, 0), -ids[i]! - 1, `state ${i}: found, not stored again`);
    }
    a.leave();
  });

  test('a full table says so', () => {
    const view = new SharedStore(SharedStore.allocate(1000, 1), 0);
    assert.throws(() => {
      for (let i = 0; i < 2000; i++) {
        key(i);
        view.insert(-1, 0, 0);
      }
    }, (e: unknown) => e instanceof TableFull && /at most 1000 states/.test(e.message));
    assert.equal(view.size, 1000);
    assert.throws(() => new SharedStore(SharedStore.allocate(1000, 2), 2), RangeError);
  });
});

describe('handing waiting states over', () => {
  /** The numbers of the states in `share`'s words, in order. */
  const numbers = (words: Int32Array): number[] => {
    const out: number[] = [];
    const intern = new ActorIntern();
    let k = 1;
    for (let i = 0; i < words[0]!; i++) {
      out.push(words[k]!);
      k = unpackPortable(words, k + 2, intern).next;
    }
    assert.equal(k, words.length);
    return out;
  };

  test('a participant gives at most 1,024 waiting states, those it would expand next', () => {
    const search = new Search(compileText(philosophersScenario(10, true)), {});
    let waiting = 0;
    while (!search.run(0) && (waiting = search.waiting) < 4096);
    assert.ok(waiting >= 4096, `${waiting} states waiting`);
    const first = numbers(search.share());
    assert.equal(first.length, 1024);
    assert.equal(search.waiting, waiting - 1024);
    // Breadth-first, one participant stores and expands states in number order.
    const second = numbers(search.share());
    assert.equal(second.length, 1024);
    const all = [...first, ...second];
    assert.ok(all.every((id, i) => i === 0 || id > all[i - 1]!), 'in the order they would be expanded');
    // Half of what waits, when that is fewer.
    while (search.waiting > 1024) search.share();
    const left = search.waiting;
    assert.equal(numbers(search.share()).length, left >>> 1);
  });

  test('states are handed over as copies: no buffer is detached', () => {
    // Transferring a buffer detaches it in the sender, and the first detached buffer in a
    // thread makes V8 throw away every optimised function that reads a typed array (nearly
    // all of the search) and compile them again. A worker starting empty is given states at
    // once, and gives some back when the coordinator runs dry.
    const core = path.resolve(__dirname, '..', '..', 'core');
    const script = `
      const { loadScenario } = require(${JSON.stringify(core)});
      const { checkParallel } = require(${JSON.stringify(path.join(core, 'explore', 'parallel'))});
      const { philosophersScenario } = require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'bench', 'generate'))});
      const s = loadScenario('p.lockstep', philosophersScenario(9, true)).compiled;
      checkParallel(s, { workers: 2 }, 50, 0).then((r) => console.log('verdict', r.verdict, r.stats.states));`;
    const out = execFileSync(process.execPath, ['--trace-protector-invalidation', '-e', script], { encoding: 'utf8' });
    assert.match(out, /verdict verified \d+/);
    assert.doesNotMatch(out, /ArrayBufferDetaching/);
  });
});

describe('the search in the coordinating thread joins the shared table', () => {
  test('joined partway, one search goes on exactly as if it had not moved', () => {
    const texts = [
      ...exampleFiles().map((file) => ({ file, text: readFileSync(file, 'utf8') })),
      { file: 'philosophers N=8', text: philosophersScenario(8, true) },
      { file: 'counter N=4', text: counterScenario(4, 2) },
    ];
    let joined = 0;
    for (const { file, text } of texts) {
      const s = compileText(text, file);
      const whole = new Search(s, {});
      whole.run();
      // run(0) stops at its first look at the clock, after 256 expansions: the same point each time.
      const moved = new Search(s, {});
      if (moved.run(0)) continue;
      const table = new SharedStore(SharedStore.allocate(1 << 20));
      const before = moved.progress().states;
      moved.joinShared(table);
      assert.equal(table.size, before, file);
      table.enter();
      moved.run();
      table.leave();
      // The ignoring proviso reads each state's depth: a state moved with a wrong one would
      // make expansions full that were not, and change the transitions.
      assert.deepEqual(moved.progress(), { ...whole.progress(), seconds: moved.progress().seconds }, file);
      assert.equal(table.size, whole.progress().states, file);
      joined++;
    }
    assert.ok(joined >= 2, `${joined} examples ran past 256 expansions`);
  });
});

describe('the reduction with two workers', () => {
  test('where every run is finite, two workers store what one stores', async () => {
    // Every path to a state has the same length here, so one worker's ignoring proviso never
    // makes an expansion full. Two workers that compared expanded flags found the other's
    // successors expanded whenever one ran a level ahead, and stored five times the states.
    const lines = ['scenario "bounded philosophers"'];
    const n = 8;
    for (let i = 0; i < n; i++) lines.push(`mutex fork${i};`);
    for (let i = 0; i < n; i++) {
      const [a, b] = [i, (i + 1) % n].sort((x, y) => x - y);
      lines.push(`thread p${i} { for (int k = 0; k < 2; k++) { mutex_lock(&fork${a}); mutex_lock(&fork${b}); mutex_unlock(&fork${b}); mutex_unlock(&fork${a}); } }`);
    }
    const s = compileText(lines.join('\n'));
    const one = check(s, {});
    const two = await checkParallel(s, { workers: 2 }, 50, 0);
    assert.equal(two.verdict, 'verified');
    assert.ok(one.stats.states > 50_000, `${one.stats.states} states`);
    assert.ok(Math.abs(two.stats.states - one.stats.states) <= 0.03 * one.stats.states, `${two.stats.states} vs ${one.stats.states} states`);
  });
});

describe('a violation found before the workers join', () => {
  test('is reported as one worker reports it, trace and all', async () => {
    // Philosophers that cannot deadlock, long enough to search for the workers to join,
    // and a thread that unlocks a mutex it never took, at its first step: the search here
    // finds that alone, before they join, and the workers find nothing else.
    const lines = ['scenario "early bug"', 'mutex stray;'];
    const n = 10;
    for (let i = 0; i < n; i++) lines.push(`mutex fork${i};`);
    for (let i = 0; i < n; i++) {
      const [a, b] = [i, (i + 1) % n].sort((x, y) => x - y);
      lines.push(`thread p${i} { for (int k = 0; k < 2; k++) { mutex_lock(&fork${a}); mutex_lock(&fork${b}); mutex_unlock(&fork${b}); mutex_unlock(&fork${a}); } }`);
    }
    lines.push('thread careless { mutex_unlock(&stray); }');
    const s = compileText(lines.join('\n'));
    const one = check(s, {});
    const two = await checkParallel(s, { workers: 2 });
    assert.equal(one.verdict, 'violation');
    assert.ok(one.stats.states > 20_000, `${one.stats.states} states: long enough for the workers to join`);
    assert.deepEqual(seen(two), seen(one));
  });
});

describe('workers kept between searches', () => {
  test('a search takes the workers an earlier one left, and finds what a fresh team finds', async () => {
    const s = compileText(philosophersScenario(8, true));
    const one = check(s);
    const first = await twoWorkers(s);
    // The search may be over before its worker has started (it does not wait for one that holds no state).
    await teamSettled();
    const before = teamWorkers();
    assert.ok(before.idle >= 1, `${JSON.stringify(before)}: the first search's worker is kept`);
    const second = await twoWorkers(s);
    const after = teamWorkers();
    assert.equal(after.started, before.started, 'no worker started for the second search');
    assert.equal(after.reused, before.reused + 1);
    for (const r of [first, second]) {
      assert.equal(r.verdict, one.verdict);
      assert.ok(closeCounts(r.stats.states, one.stats.states), `${r.stats.states} vs ${one.stats.states}`);
    }
  });

  test('searches stopped by a bound or a violation, one after another, leave nothing behind for the next', async () => {
    // A bound stops the participants while states are being handed over: questions and states
    // of the search that ended may still be queued for a worker when the next one begins.
    const bounded = compileText(philosophersScenario(9, true));
    const failing = compileText(philosophersScenario(9, false));
    const expected = check(failing, { workers: 1 });
    assert.equal(expected.verdict, 'violation');
    await teamSettled();
    const before = teamWorkers();
    for (let i = 0; i < 6; i++) {
      const r = await twoWorkers(bounded, { maxStates: 2000 + 500 * i });
      assert.equal(r.verdict, 'inconclusive');
      assert.equal(r.bound?.kind, 'states');
      await teamSettled();
      const v = await twoWorkers(failing);
      assert.deepEqual(seen(v), seen(expected));
      await teamSettled();
    }
    const after = teamWorkers();
    assert.equal(after.reused - before.reused, 12, `${JSON.stringify(before)} then ${JSON.stringify(after)}`);
    assert.equal(after.started, before.started);
  });

  test('a process whose search is over exits, its idle workers with it', () => {
    const core = path.resolve(__dirname, '..', '..', 'core');
    const script = `
      const { loadScenario } = require(${JSON.stringify(core)});
      const { checkParallel, teamSettled, teamWorkers } = require(${JSON.stringify(path.join(core, 'explore', 'parallel'))});
      const { philosophersScenario } = require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'bench', 'generate'))});
      const s = loadScenario('p.lockstep', philosophersScenario(7, true)).compiled;
      checkParallel(s, { workers: 2 }, 50, 0).then(async (r) => {
        await teamSettled();
        console.log('verdict', r.verdict, JSON.stringify(teamWorkers()));
      });`;
    // Kept workers hold no reference on the process: it ends when the search does (a kept
    // worker would otherwise keep it for a minute, past this guard).
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.match(out, /verdict verified \{"started":1,"reused":0,"idle":1\}/);
  });
});

describe('bounds and failures with workers', () => {
  const philosophers = (n: number): string => {
    const lines = [`scenario "philosophers ${n}"`];
    for (let i = 0; i < n; i++) lines.push(`mutex fork${i};`);
    for (let i = 0; i < n; i++) {
      const [a, b] = [i, (i + 1) % n].sort((x, y) => x - y);
      lines.push(`thread p${i} { while (true) { mutex_lock(&fork${a}); mutex_lock(&fork${b}); mutex_unlock(&fork${b}); mutex_unlock(&fork${a}); } }`);
    }
    return lines.join('\n');
  };

  test('the table grows while workers insert, and the count matches one worker', async () => {
    const s = compileText(philosophers(8));
    // A bound of 20,000 states starts the shared table at 1,024 slots: it grows four times.
    const one = check(s, { maxStates: 20_000 });
    const two = await twoWorkers(s, { maxStates: 20_000 });
    assert.equal(one.verdict, 'verified');
    assert.equal(two.verdict, 'verified');
    assert.ok(one.stats.states > 4096, `${one.stats.states} states: more than the first levels hold`);
    assert.ok(closeCounts(two.stats.states, one.stats.states), `${two.stats.states} vs ${one.stats.states}`);
  });

  test('--max-states stops every worker, names the bound and keeps the statistics', async () => {
    const s = compileText(philosophers(8));
    const r = await twoWorkers(s, { maxStates: 3000 });
    assert.equal(r.verdict, 'inconclusive');
    assert.equal(r.bound?.kind, 'states');
    assert.match(r.bound!.message, /--max-states 3000/);
    assert.ok(r.stats.states >= 3000 && r.stats.transitions > 0, JSON.stringify(r.stats));
  });

  test('progress only goes forward, before and after the search here joins the workers', async () => {
    const s = compileText(philosophersScenario(10, true));
    const seen: { states: number; transitions: number }[] = [];
    // The one-worker head start (150 ms by default) reports first, then the team.
    const r = await checkParallel(s, { workers: 2, progressIntervalMs: 5, onProgress: (p) => seen.push(p) }, 20);
    assert.equal(r.verdict, 'verified');
    assert.ok(seen.length >= 10, `${seen.length} reports`);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1]!, seen[i]!];
      assert.ok(b.states >= a.states && b.transitions >= a.transitions, `report ${i}: ${JSON.stringify(a)} then ${JSON.stringify(b)}`);
    }
  });

  test('cancellation stops every worker', async () => {
    const s = compileText(philosophers(8));
    let polls = 0;
    const r = await twoWorkers(s, { cancelled: () => ++polls > 2, progressIntervalMs: 20 });
    assert.equal(r.verdict, 'inconclusive');
    assert.equal(r.bound?.kind, 'cancelled');
  });

  test('a worker that fails is reported and the search stops', async () => {
    // The workers load the scenario from its text: this one does not compile there. The
    // search in the coordinating thread needs seconds, far longer than a worker takes to
    // start and fail; the search stops then.
    const s = compileText(philosophers(12));
    const r = await twoWorkers({ ...s, text: 'thread {' });
    assert.equal(r.verdict, 'inconclusive');
    assert.equal(r.bound?.kind, 'worker');
    assert.match(r.bound!.message, /worker \d of 2 failed/);
  });
});
