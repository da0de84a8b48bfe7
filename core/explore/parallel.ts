// The search on several worker threads (`--workers N`). Every worker runs the ordinary
// search (search.ts) over one table of visited states they share (shared-store.ts); a
// worker whose frontier runs dry asks for work, and this thread, the coordinator, has the
// busiest worker hand over half of its waiting states, packed (pack.ts). The search is over
// when every worker is waiting for work at once.
//
// What the user sees does not depend on the number of workers. A search that finds nothing
// reports its verdict and statistics directly. When the workers find violations (or their
// merged lock dependencies hold a cycle none of them saw whole), the report is rebuilt by
// the one-worker search in its fixed order, stopped as soon as it has found them all: the
// same violations, the same traces, as `--workers 1`. Small searches never start workers: a
// one-worker search runs first for a moment, and its result stands if it finishes.
//
// This module is also the workers' entry point: loaded in a worker with a `parallelJob` in
// workerData, it runs that worker's part.

import * as os from 'node:os';
import { isMainThread, parentPort, receiveMessageOnPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { loadScenario } from '../index';
import type { CompiledScenario } from '../model/compiled';
import type { LockDependency, LockUsage } from '../model/lockdep';
import { resultOf } from './result';
import { Search } from './search';
import { SharedStore, type SharedStoreBuffers, TableFull } from './shared-store';
import type { Bound, CheckOptions, CheckResult, CheckStats } from './types';

/** How long the one-worker search runs before workers are started. */
const SOLO_MS = 150;
/** A worker's search slice between looks at its messages. */
const SLICE_MS = 10;
const DEFAULT_MAX_STATES = 50_000_000;

/** The number of workers `--workers` means by default: every core. */
export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** Coordination words: flags, then per worker a mailbox counter. */
const Coord = { stop: 0, cancel: 1, mail: 2 } as const;
/** Per worker, in a Float64Array: transitions, max depth, reduced states, waiting states, seconds. */
const STAT_FIELDS = 5;

type WorkerOptions = Omit<CheckOptions, 'cancelled' | 'onProgress' | 'workers'>;

interface ParallelJob {
  readonly parallelJob: 1;
  readonly file: string;
  readonly text: string;
  readonly options: WorkerOptions;
  readonly index: number;
  readonly store: SharedStoreBuffers;
  readonly coord: SharedArrayBuffer;
  readonly stats: SharedArrayBuffer;
}

/** What a worker reports when it stops. */
interface WorkerSummary {
  readonly keys: readonly string[];
  readonly edges: readonly number[];
  readonly dependencies: readonly LockDependency[];
  readonly usages: readonly LockUsage[];
  readonly bound?: Bound;
}

type ToCoordinator =
  | { readonly type: 'hungry'; readonly from: number }
  | { readonly type: 'share'; readonly from: number; readonly to: number; readonly words: Int32Array }
  | { readonly type: 'done'; readonly from: number; readonly summary: WorkerSummary }
  | { readonly type: 'failed'; readonly from: number; readonly message: string };

type ToWorker =
  | { readonly type: 'give'; readonly to: number }
  | { readonly type: 'work'; readonly words: Int32Array };

/**
 * The search on `options.workers` threads (default: every core). `soloMs`: how long a
 * one-worker search runs here first (its result stands if it finishes in that time).
 */
export async function checkParallel(s: CompiledScenario, options: CheckOptions, sliceMs = 50, soloMs = SOLO_MS): Promise<CheckResult> {
  const t0 = performance.now();
  const solo = new Search(s, options);
  const soloEnd = t0 + soloMs;
  const n = Math.max(2, Math.floor(options.workers ?? defaultWorkers()));
  // A worker takes about 200 ms to start (a fresh isolate loads the checker and compiles the
  // scenario): once the search here has run a third of its time without finishing, the
  // workers are started, and start up while it goes on. If it then finishes, they are
  // stopped and its result stands.
  let started: StartedWorkers | undefined;
  while (soloMs > 0 && !solo.run(Math.min(soloEnd, performance.now() + sliceMs))) {
    const now = performance.now();
    if (!started && now >= t0 + soloMs / 3) started = runWorkers(s, options, n, t0);
    if (now >= soloEnd) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (solo.done) {
    started?.abort();
    return resultOf(solo);
  }

  const run = await (started ?? runWorkers(s, options, n, t0)).result;
  const seconds = (performance.now() - t0) / 1000;
  const stats: CheckStats = { ...run.stats, seconds };
  const keys = new Set(run.summaries.flatMap((x) => x.keys));
  const edges = new Set(run.summaries.flatMap((x) => x.edges));
  const lockDependencies = mergeDependencies(run.summaries);
  const lockUsages = mergeUsages(run.summaries);
  if (keys.size === 0 && !hasCycle(edges)) {
    return {
      verdict: run.bound ? 'inconclusive' : 'verified',
      ...(run.bound ? { bound: run.bound } : {}),
      violations: [],
      stats,
      ...symmetricOf(solo),
      lockDependencies,
      lockUsages,
    };
  }
  // The report of one worker, in its order: it stops once it has met what the workers found
  // (a cycle only the merged dependencies show has no key yet: it then runs to its end).
  const report = new Search(s, options, keys.size > 0 && !missingCycle(run.summaries, edges) ? keys : undefined);
  while (!report.run(performance.now() + sliceMs)) await new Promise<void>((resolve) => setImmediate(resolve));
  const result = resultOf(report);
  return { ...result, stats: { ...stats, seconds: (performance.now() - t0) / 1000 }, lockDependencies, lockUsages };
}

/**
 * The workers' lock dependencies, one per pair of classes: of several workers' records of
 * one pair, the one taken earliest in the file (then by actor), whoever saw it first.
 */
function mergeDependencies(summaries: readonly WorkerSummary[]): LockDependency[] {
  const byPair = new Map<number, LockDependency>();
  const order = (a: LockDependency, b: LockDependency): number =>
    a.fromSite.start - b.fromSite.start || a.toSite.start - b.toSite.start || a.actor - b.actor;
  for (const x of summaries) {
    for (const d of x.dependencies) {
      const k = d.from * 65536 + d.to;
      const had = byPair.get(k);
      if (!had || order(d, had) < 0) byPair.set(k, d);
    }
  }
  return [...byPair.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
}

/** The workers' irq and irqs-on uses of each lock class, one per class and context, as for dependencies. */
function mergeUsages(summaries: readonly WorkerSummary[]): LockUsage[] {
  const byUse = new Map<string, LockUsage>();
  for (const x of summaries) {
    for (const u of x.usages) {
      const k = `${u.cls}:${u.inIrq}`;
      const had = byUse.get(k);
      if (!had || u.site.start < had.site.start || (u.site.start === had.site.start && u.actor < had.actor)) byUse.set(k, u);
    }
  }
  return [...byUse.values()];
}

function symmetricOf(search: Search): { symmetric?: string[][] } {
  const g = search.symmetry?.groups.map((x) => x.map((a) => search.s.actors[a]!.name));
  return g ? { symmetric: g } : {};
}

/** Whether the merged dependencies hold a cycle and no worker reported a lock-order violation. */
function missingCycle(summaries: readonly WorkerSummary[], edges: ReadonlySet<number>): boolean {
  return hasCycle(edges) && !summaries.some((x) => x.keys.some((k) => k.startsWith('lock_order@')));
}

/** Whether lock-class dependencies (edgeKey) form a cycle. */
export function hasCycle(edges: ReadonlySet<number>): boolean {
  const next = new Map<number, number[]>();
  for (const k of edges) {
    const from = Math.floor(k / 65536);
    const list = next.get(from) ?? [];
    list.push(k % 65536);
    next.set(from, list);
  }
  const state = new Map<number, 1 | 2>();
  const visit = (c: number): boolean => {
    state.set(c, 1);
    for (const d of next.get(c) ?? []) {
      const st = state.get(d);
      if (st === 1) return true;
      if (st === undefined && visit(d)) return true;
    }
    state.set(c, 2);
    return false;
  };
  for (const c of next.keys()) if (!state.has(c) && visit(c)) return true;
  return false;
}

interface WorkersRun {
  readonly summaries: WorkerSummary[];
  readonly bound?: Bound;
  readonly stats: CheckStats;
}

interface StartedWorkers {
  readonly result: Promise<WorkersRun>;
  /** Stops the workers at once; `result` then settles, and nobody needs it. */
  abort(): void;
}

/** Starts `n` workers over a fresh shared table and coordinates them until they are done. */
function runWorkers(s: CompiledScenario, options: CheckOptions, n: number, t0: number): StartedWorkers {
  // Room beyond the bound: the workers' searches stop themselves there, each after the
  // expansion in progress.
  const maxStates = Math.min(options.maxStates ?? DEFAULT_MAX_STATES, DEFAULT_MAX_STATES);
  const storeBuffers = SharedStore.allocate(maxStates + 65_536);
  const store = new SharedStore(storeBuffers);
  const coordBuffer = new SharedArrayBuffer((Coord.mail + n) * 4);
  const coord = new Int32Array(coordBuffer);
  const statsBuffer = new SharedArrayBuffer(n * STAT_FIELDS * 8);
  const stats = new Float64Array(statsBuffer);
  const { cancelled, onProgress, workers: _w, ...plain } = options;
  const workerOptions: WorkerOptions = plain;
  const summaries: (WorkerSummary | undefined)[] = new Array<WorkerSummary | undefined>(n).fill(undefined);
  const hungry = new Set<number>();
  /** Workers asked to give, and whom for. */
  const asked = new Map<number, number>();
  let bound: Bound | undefined;
  let peakMB = 0;
  const workers: Worker[] = [];
  let stop = (): void => undefined;

  const result = new Promise<WorkersRun>((resolve) => {
    let finished = 0;
    let settled = false;
    const poll = setInterval(() => {
      peakMB = Math.max(peakMB, process.memoryUsage.rss() / 2 ** 20);
      if (cancelled?.()) {
        bound ??= { kind: 'cancelled', limit: 0, message: 'interrupted before the search finished' };
        Atomics.store(coord, Coord.cancel, 1);
        stopAll();
      }
      onProgress?.(progress());
    }, options.progressIntervalMs ?? 250);

    const progress = () => {
      let transitions = 0;
      let depth = 0;
      let waiting = 0;
      for (let w = 0; w < n; w++) {
        transitions += stats[w * STAT_FIELDS]!;
        depth = Math.max(depth, stats[w * STAT_FIELDS + 1]!);
        waiting += stats[w * STAT_FIELDS + 3]!;
      }
      return { states: store.size, transitions, depth, frontier: waiting, seconds: (performance.now() - t0) / 1000, violations: 0 };
    };

    const mail = (w: number, m: ToWorker, transfer?: ArrayBuffer[]): void => {
      workers[w]!.postMessage(m, transfer);
      Atomics.add(coord, Coord.mail + w, 1);
      Atomics.notify(coord, Coord.mail + w);
    };

    function stopAll(): void {
      Atomics.store(coord, Coord.stop, 1);
      for (let w = 0; w < n; w++) {
        Atomics.add(coord, Coord.mail + w, 1);
        Atomics.notify(coord, Coord.mail + w);
      }
    }
    stop = () => {
      Atomics.store(coord, Coord.cancel, 1);
      stopAll();
    };

    /** Pairs waiting workers with the busiest ones; stops everything when all wait. */
    const dispatch = (): void => {
      if (Atomics.load(coord, Coord.stop) === 1) return;
      if (hungry.size === n && asked.size === 0) {
        stopAll();
        return;
      }
      for (const w of hungry) {
        if ([...asked.values()].includes(w)) continue;
        let donor = -1;
        let most = 1;
        for (let d = 0; d < n; d++) {
          if (hungry.has(d) || asked.has(d)) continue;
          const waiting = stats[d * STAT_FIELDS + 3]!;
          if (waiting > most || donor < 0) {
            donor = d;
            most = waiting;
          }
        }
        if (donor < 0) return;
        asked.set(donor, w);
        mail(donor, { type: 'give', to: w });
      }
    };

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      let transitions = 0;
      let maxDepth = 0;
      let reduced = 0;
      for (let w = 0; w < n; w++) {
        transitions += stats[w * STAT_FIELDS]!;
        maxDepth = Math.max(maxDepth, stats[w * STAT_FIELDS + 1]!);
        reduced += stats[w * STAT_FIELDS + 2]!;
      }
      peakMB = Math.max(peakMB, process.memoryUsage.rss() / 2 ** 20);
      const states = store.size;
      for (const w of workers) void w.terminate();
      resolve({
        summaries: summaries.filter((x): x is WorkerSummary => !!x),
        ...(bound ? { bound } : {}),
        stats: {
          states,
          transitions,
          seconds: 0,
          peakMemoryMB: Math.round(peakMB * 10) / 10,
          maxDepth,
          bytesPerState: states > 0 ? Math.round(store.bytes / states) : 0,
          reducedStates: reduced,
        },
      });
    };

    const fail = (w: number, message: string): void => {
      bound ??= { kind: 'worker', limit: 0, message: `worker ${w + 1} of ${n} failed: ${message.split('\n')[0]}` };
      store.abandon();
      stopAll();
      finish();
    };

    for (let w = 0; w < n; w++) {
      const job: ParallelJob = {
        parallelJob: 1, file: s.file, text: s.text, options: workerOptions, index: w,
        store: storeBuffers, coord: coordBuffer, stats: statsBuffer,
      };
      const worker = new Worker(__filename, { workerData: job });
      workers.push(worker);
      worker.on('message', (m: ToCoordinator) => {
        switch (m.type) {
          case 'hungry':
            hungry.add(m.from);
            dispatch();
            return;
          case 'share':
            asked.delete(m.from);
            if (m.words[0]! > 0 && Atomics.load(coord, Coord.stop) === 0) {
              hungry.delete(m.to);
              mail(m.to, { type: 'work', words: m.words }, [m.words.buffer as ArrayBuffer]);
            }
            dispatch();
            return;
          case 'done':
            summaries[m.from] = m.summary;
            if (m.summary.bound || (options.first && m.summary.keys.length > 0)) {
              bound ??= m.summary.bound;
              stopAll();
            }
            if (++finished === n) finish();
            return;
          case 'failed':
            fail(m.from, m.message);
            return;
        }
      });
      worker.on('error', (e) => fail(w, e.message));
      worker.on('exit', (code) => {
        if (summaries[w] === undefined) fail(w, `exited with code ${code} before it finished`);
      });
    }
  });
  return {
    result,
    abort: () => {
      stop();
      for (const w of workers) void w.terminate();
    },
  };
}

// ---------- the worker side ----------

function runWorker(job: ParallelJob, port: MessagePort): void {
  const coord = new Int32Array(job.coord);
  const stats = new Float64Array(job.stats);
  const me = job.index;
  const store = new SharedStore(job.store);
  const stopped = (): boolean => Atomics.load(coord, Coord.stop) === 1;
  let inside = false;
  try {
    const loaded = loadScenario(job.file, job.text);
    if (!loaded.compiled) throw new Error('the scenario does not compile in a worker');
    const search = new Search(loaded.compiled, {
      ...job.options,
      cancelled: () => Atomics.load(coord, Coord.cancel) === 1,
    }, undefined, { visited: store, seed: me === 0 });
    const publish = (): void => {
      const p = search.progress();
      const at = me * STAT_FIELDS;
      stats[at] = p.transitions;
      stats[at + 1] = p.depth;
      // Not search.stats(): it reads the process's resident memory, which costs more than
      // a slice's bookkeeping should (the workers publish every slice).
      stats[at + 2] = search.reduced;
      stats[at + 3] = search.waiting;
    };
    const handle = (m: ToWorker): void => {
      if (m.type === 'give') {
        const words = search.waiting > 1 ? search.share() : Int32Array.of(0);
        publish();
        port.postMessage({ type: 'share', from: me, to: m.to, words } satisfies ToCoordinator, [words.buffer as ArrayBuffer]);
      } else {
        search.accept(m.words);
      }
    };
    const drain = (): void => {
      for (let r = receiveMessageOnPort(port); r; r = receiveMessageOnPort(port)) handle(r.message as ToWorker);
    };
    store.enter();
    inside = true;
    while (!stopped()) {
      search.run(performance.now() + SLICE_MS);
      drain();
      publish();
      if (search.done && !search.idle) break; // a bound, or --first with a violation
      if (job.options.first && search.raw.length > 0) break;
      if (!search.idle) continue;
      // Out of work: wait outside the table for states from another worker.
      store.leave();
      inside = false;
      port.postMessage({ type: 'hungry', from: me } satisfies ToCoordinator);
      while (!stopped() && search.idle) {
        const seen = Atomics.load(coord, Coord.mail + me);
        drain();
        if (!search.idle) break;
        Atomics.wait(coord, Coord.mail + me, seen, 100);
      }
      if (stopped()) break;
      store.enter();
      inside = true;
    }
    if (inside) store.leave();
    publish();
    const summary: WorkerSummary = {
      keys: search.raw.map((r) => r.key),
      edges: [...search.lockEdges],
      dependencies: search.lockdep.edges(),
      usages: search.lockdep.usages(),
      ...(search.stopReason ? { bound: search.stopReason } : {}),
    };
    port.postMessage({ type: 'done', from: me, summary } satisfies ToCoordinator);
  } catch (e) {
    if (inside) store.leave();
    if (e instanceof TableFull) {
      const bound: Bound = { kind: 'states', limit: job.store.maxStates, message: e.message };
      port.postMessage({ type: 'done', from: me, summary: { keys: [], edges: [], dependencies: [], usages: [], bound } } satisfies ToCoordinator);
      return;
    }
    port.postMessage({ type: 'failed', from: me, message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) } satisfies ToCoordinator);
  }
}

function isParallelJob(d: unknown): d is ParallelJob {
  return typeof d === 'object' && d !== null && (d as { parallelJob?: unknown }).parallelJob === 1;
}

if (!isMainThread && parentPort && isParallelJob(workerData)) runWorker(workerData, parentPort);

