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
// A worker that finished its part of a search is kept, idle, for the next search of this
// process (for a minute): a fresh one costs its start (an isolate, the checker's modules) and
// then runs several times slower while V8 compiles the search again, which is most of the
// gain on a search of a second or two. The language server's check worker and `lockstep
// test` run search after search; each after the first starts with its team warm.
//
// This module is also the workers' entry point: loaded in a worker with a `parallelTeam` in
// workerData, it runs the jobs it is sent, one at a time.

import * as os from 'node:os';
import { isMainThread, parentPort, receiveMessageOnPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { loadScenario } from '../index';
import { cgroupCpuLimit } from './cpu-limit';
import type { CompiledScenario } from '../model/compiled';
import type { LockDependency, LockUsage } from '../model/lockdep';
import { IdleWorkers } from './idle-workers';
import { resultOf } from './result';
import { Search } from './search';
import { SharedStore, type SharedStoreBuffers, TableFull } from './shared-store';
import type { Bound, CheckOptions, CheckResult, CheckStats } from './types';
import { buildFinding } from './witness';

/** How long the one-worker search runs before workers are started. */
const SOLO_MS = 150;
/** A worker's search slice between looks at its messages. */
const SLICE_MS = 10;
const DEFAULT_MAX_STATES = 50_000_000;

/**
 * The number of workers `--workers` means by default: every core the process may run on, but
 * no more than its control group's CPU quota allows (cpu-limit.ts: a container's `--cpus`, a
 * pod's CPU limit).
 */
export function defaultWorkers(): number {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return Math.max(1, Math.min(cores, cgroupCpuLimit() ?? cores));
}

/** Coordination words: flags, then per worker a mailbox counter. */
const Coord = { stop: 0, cancel: 1, mail: 2 } as const;
/** Per worker, in a Float64Array: transitions, max depth, reduced states, waiting states, seconds. */
const STAT_FIELDS = 5;

type WorkerOptions = Omit<CheckOptions, 'cancelled' | 'onProgress' | 'workers'>;

/** What a team worker is started with: nothing but what it is (its jobs come as messages). */
interface TeamSetup {
  readonly parallelTeam: 1;
}

/** One worker's part of one search, sent to it as a message. */
interface ParallelJob {
  readonly type: 'job';
  /** Which search: messages of an earlier one still queued are told apart by it. */
  readonly seq: number;
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
  | { readonly type: 'give'; readonly seq: number; readonly to: number }
  | { readonly type: 'work'; readonly seq: number; readonly words: Int32Array };

/** How long a team worker waits, idle, for another search before it is stopped. */
const IDLE_MS = 60_000;

/** Team workers idle after a search, at most one per core, each stopped after IDLE_MS. */
const spares = new IdleWorkers(IDLE_MS, defaultWorkers());
/** Team workers started and taken from `spares`, for the tests. */
const teamCounts = { started: 0, reused: 0 };

/** Team workers in a search's part, which a search may have stopped waiting for (one still starting). */
const busy = new Set<Worker>();
let whenSettled: (() => void)[] = [];

/** How many team workers this process has started, and how many searches took one already running. */
export function teamWorkers(): { readonly started: number; readonly reused: number; readonly idle: number } {
  return { ...teamCounts, idle: spares.size };
}

/** Settles once every team worker has finished its part of the searches so far (kept or stopped). */
export function teamSettled(): Promise<void> {
  if (busy.size === 0) return Promise.resolve();
  // Waited for, they keep the process alive until they are done (kept, they no longer do).
  for (const worker of busy) worker.ref();
  return new Promise<void>((resolve) => whenSettled.push(resolve));
}

function notBusy(worker: Worker): void {
  if (!busy.delete(worker) || busy.size > 0) return;
  const waiting = whenSettled;
  whenSettled = [];
  for (const resolve of waiting) resolve();
}

function teamWorker(): Worker {
  const spare = spares.take();
  if (spare) {
    teamCounts.reused++;
    return spare;
  }
  teamCounts.started++;
  return new Worker(__filename, { workerData: { parallelTeam: 1 } satisfies TeamSetup });
}

/** Searches started in this thread, numbering their jobs. */
let searches = 0;

/**
 * The search on `options.workers` threads (default: `defaultWorkers()`): this one and N - 1
 * workers. `soloMs`: how long the search runs here alone first (its result stands if it
 * finishes in that time).
 */
export async function checkParallel(s: CompiledScenario, options: CheckOptions, sliceMs = 50, soloMs = SOLO_MS): Promise<CheckResult> {
  const t0 = performance.now();
  // The search here reports its progress until it joins the workers; then the team reports
  // everyone's (this search's own counts would be a part of them).
  let alone = true;
  const onProgress = options.onProgress;
  const solo = new Search(s, onProgress ? { ...options, onProgress: (p) => alone && onProgress(p) } : options);
  const soloEnd = t0 + soloMs;
  const n = Math.max(2, Math.floor(options.workers ?? defaultWorkers()));
  // A worker takes about 200 ms to start (a fresh isolate loads the checker and compiles the
  // scenario), and its code runs slowly for a few hundred more while V8 compiles it: once
  // the search here has run a third of its time without finishing, the workers are started,
  // and start up while it goes on. If it then finishes, they are stopped and its result
  // stands; if not, it goes on as one of them, warm, with what it has explored.
  // It joins them once a worker is ready (it asked for work, or failed), not before: until
  // then it searches on alone, at full speed, and its result stands if it finishes, with no
  // report to rebuild (below).
  let started: Team | undefined;
  const until = (now: number): number => (now < soloEnd ? Math.min(soloEnd, now + sliceMs) : now + SLICE_MS);
  while (soloMs > 0 && !solo.run(until(performance.now()))) {
    const now = performance.now();
    if (!started && now >= t0 + soloMs / 3) started = startTeam(s, options, n, t0);
    if (now >= soloEnd && started?.ready) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (solo.done) {
    started?.abort();
    return resultOf(solo);
  }

  // What this search found alone: findings of the one-worker order, with their states in its own store.
  const before = solo.raw;
  alone = false;
  const run = await (started ?? startTeam(s, options, n, t0)).join(solo);
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
  // Every violation was found here before the workers joined, so in the one-worker order,
  // which is its report: each with its trace from this search's own store, no search again.
  // Not a lock-order violation, whose witness depends on every dependency seen until then.
  if (!run.bound && before.length === keys.size && before.every((r) => keys.has(r.key) && r.violation.kind !== 'lock_order') && !hasCycle(edges)) {
    const shorten = options.shortenTraces !== false;
    return {
      verdict: 'violation',
      violations: before.map((r) => buildFinding(solo, r, shorten)),
      stats: { ...stats, seconds: (performance.now() - t0) / 1000 },
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

interface Team {
  /** A worker has started and asked for work, or one failed: the search here may join. */
  readonly ready: boolean;
  /**
   * Makes `search`, which has run alone so far, participant 0 of the team: it moves onto the
   * shared table (Search.joinShared) and searches on in this thread, in slices, between
   * which this thread coordinates. Settles when the search is over.
   */
  join(search: Search): Promise<WorkersRun>;
  /** Stops the workers at once (the search here finished alone). */
  abort(): void;
}

/**
 * Starts N - 1 workers over a fresh shared table; the search in this thread joins them as
 * participant 0 (`Team.join`), and this thread coordinates them all until they are done.
 */
function startTeam(s: CompiledScenario, options: CheckOptions, n: number, t0: number): Team {
  // Room beyond the bound: the workers' searches stop themselves there, each after the
  // expansion in progress.
  const maxStates = Math.min(options.maxStates ?? DEFAULT_MAX_STATES, DEFAULT_MAX_STATES);
  const storeBuffers = SharedStore.allocate(maxStates + 65_536, n);
  const seq = ++searches;
  const store = new SharedStore(storeBuffers);
  const coordBuffer = new SharedArrayBuffer((Coord.mail + n) * 4);
  const coord = new Int32Array(coordBuffer);
  const statsBuffer = new SharedArrayBuffer(n * STAT_FIELDS * 8);
  const stats = new Float64Array(statsBuffer);
  const { cancelled, onProgress, workers: _w, ...plain } = options;
  const workerOptions: WorkerOptions = plain;
  const summaries: (WorkerSummary | undefined)[] = new Array<WorkerSummary | undefined>(n).fill(undefined);
  /** Participants waiting for work. */
  const hungry = new Set<number>();
  /**
   * Workers that have neither asked for work nor been given any: they hold no state (no
   * worker starts with one), so the search can end without waiting for them to start.
   */
  const fresh = new Set<number>();
  for (let w = 1; w < n; w++) fresh.add(w);
  /** Participants asked to give, and whom for. */
  const asked = new Map<number, number>();
  let bound: Bound | undefined;
  let peakMB = 0;
  const workers: (Worker | undefined)[] = [undefined];
  let settled = false;
  let joined = false;
  let ready = false;
  let resolveRun: (r: WorkersRun) => void = () => undefined;
  let rejectRun: (e: unknown) => void = () => undefined;
  const result = new Promise<WorkersRun>((resolve, reject) => {
    resolveRun = resolve;
    rejectRun = reject;
  });
  /** Participant 0 (this thread): whom it was asked to give to, and how to wake it when it waits. */
  let giveTo = -1;
  let wake: () => void = () => undefined;
  let here: Search | undefined;

  const poll = setInterval(() => {
    peakMB = Math.max(peakMB, process.memoryUsage.rss() / 2 ** 20);
    if (cancelled?.()) {
      bound ??= { kind: 'cancelled', limit: 0, message: 'interrupted before the search finished' };
      Atomics.store(coord, Coord.cancel, 1);
      stopAll();
    }
    if (joined) onProgress?.(progress());
  }, options.progressIntervalMs ?? 250);

  /** The participants' published counts, summed (depth: the deepest). */
  const totals = (): { transitions: number; depth: number; reduced: number; waiting: number } => {
    const sum = { transitions: 0, depth: 0, reduced: 0, waiting: 0 };
    for (let w = 0; w < n; w++) {
      sum.transitions += stats[w * STAT_FIELDS]!;
      sum.depth = Math.max(sum.depth, stats[w * STAT_FIELDS + 1]!);
      sum.reduced += stats[w * STAT_FIELDS + 2]!;
      sum.waiting += stats[w * STAT_FIELDS + 3]!;
    }
    return sum;
  };

  const progress = () => {
    const { transitions, depth, waiting } = totals();
    return { states: store.size, transitions, depth, frontier: waiting, seconds: (performance.now() - t0) / 1000, violations: 0 };
  };

  const stopped = (): boolean => Atomics.load(coord, Coord.stop) === 1;

  // Sent as copies, never with their buffers transferred: a buffer detached in a thread makes
  // V8 throw away every optimised function there that reads a typed array (docs/checker.md).
  const mail = (w: number, m: ToWorker): void => {
    if (w === 0) {
      if (m.type === 'work') here!.accept(m.words);
      else giveTo = m.to;
      wake();
      return;
    }
    workers[w]!.postMessage(m);
    Atomics.add(coord, Coord.mail + w, 1);
    Atomics.notify(coord, Coord.mail + w);
  };

  function stopAll(): void {
    Atomics.store(coord, Coord.stop, 1);
    for (let w = 0; w < n; w++) {
      Atomics.add(coord, Coord.mail + w, 1);
      Atomics.notify(coord, Coord.mail + w);
    }
    wake();
    // A fresh worker has nothing to report: the search does not wait for it to start.
    for (const w of fresh) done(w, emptySummary());
  }

  /** Pairs waiting participants with the busiest ones; stops everything when all wait. */
  const dispatch = (): void => {
    if (stopped() || !joined) return;
    if (hungry.size + fresh.size === n && asked.size === 0) {
      stopAll();
      return;
    }
    for (const w of hungry) {
      if ([...asked.values()].includes(w)) continue;
      let donor = -1;
      let most = 1;
      for (let d = 0; d < n; d++) {
        if (hungry.has(d) || asked.has(d) || fresh.has(d)) continue;
        const waiting = stats[d * STAT_FIELDS + 3]!;
        if (waiting > most || donor < 0) {
          donor = d;
          most = waiting;
        }
      }
      if (donor < 0) return;
      asked.set(donor, w);
      mail(donor, { type: 'give', seq, to: w });
    }
  };

  const share = (from: number, to: number, words: Int32Array): void => {
    asked.delete(from);
    if (words[0]! > 0 && !stopped()) {
      hungry.delete(to);
      mail(to, { type: 'work', seq, words });
    }
    dispatch();
  };

  const hungryAt = (w: number): void => {
    ready = true;
    fresh.delete(w);
    hungry.add(w);
    dispatch();
  };

  function done(w: number, summary: WorkerSummary): void {
    if (summaries[w] !== undefined) return;
    fresh.delete(w);
    summaries[w] = summary;
    if (summary.bound || (options.first && summary.keys.length > 0)) {
      bound ??= summary.bound;
      stopAll();
    }
    if (summaries.every((x) => x !== undefined)) finish();
  }

  const finish = (): void => {
    if (settled) return;
    settled = true;
    clearInterval(poll);
    const { transitions, depth: maxDepth, reduced } = totals();
    peakMB = Math.max(peakMB, process.memoryUsage.rss() / 2 ** 20);
    const states = store.size;
    // Those still in their part (a fresh one starting) keep no process alive meanwhile; each
    // is kept for the next search once it says it is done (`release`).
    for (const w of workers) w?.unref();
    resolveRun({
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
    ready = true;
    if (settled) return;
    bound ??= { kind: 'worker', limit: 0, message: `worker ${w + 1} of ${n} failed: ${message.split('\n')[0]}` };
    store.abandon();
    stopAll();
    finish();
  };

  /**
   * A worker's part is over: one that said it is done is kept for the next search, one that
   * failed is stopped. Its last message for this search came before (messages keep their order).
   */
  const release = (w: number, ok: boolean): void => {
    const worker = workers[w];
    if (!worker) return;
    workers[w] = undefined;
    if (ok) spares.keep(worker);
    else void worker.terminate();
    notBusy(worker);
  };

  for (let w = 1; w < n; w++) {
    const job: ParallelJob = {
      type: 'job', seq, file: s.file, text: s.text, options: workerOptions, index: w,
      store: storeBuffers, coord: coordBuffer, stats: statsBuffer,
    };
    const worker = teamWorker();
    workers.push(worker);
    busy.add(worker);
    worker.postMessage(job);
    worker.on('message', (m: ToCoordinator) => {
      if (m.type === 'done' || m.type === 'failed') release(w, m.type === 'done');
      if (settled) return;
      switch (m.type) {
        case 'hungry':
          return hungryAt(m.from);
        case 'share':
          return share(m.from, m.to, m.words);
        case 'done':
          return done(m.from, m.summary);
        case 'failed':
          return fail(m.from, m.message);
      }
    });
    worker.on('error', (e) => {
      release(w, false);
      fail(w, e.message);
    });
    worker.on('exit', (code) => {
      workers[w] = undefined;
      notBusy(worker);
      if (summaries[w] === undefined) fail(w, `exited with code ${code} before it finished`);
    });
  }

  /** Participant 0: the search in this thread, in slices, coordinating between them. */
  const participate = async (search: Search): Promise<void> => {
    here = search;
    const publish = (): void => publishStats(search, stats, 0);
    const pause = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
    // Inside the table before moving into it: a worker that grows it meanwhile waits for this thread.
    store.enter();
    let inside = true;
    try {
      search.joinShared(store);
      // Its counts so far (the team's progress sums everyone's), before anything reports.
      publish();
      joined = true;
      dispatch();
      while (!stopped()) {
        // Asked to give: once per slice, as a worker does (an answer with nothing to give
        // may be followed by the same question at once).
        if (giveTo >= 0) {
          const to = giveTo;
          giveTo = -1;
          const words = search.waiting > 1 ? search.share() : Int32Array.of(0);
          publish();
          share(0, to, words);
        }
        if (search.idle) {
          // Out of work: wait, outside the table, for states from a worker (or the end).
          store.leave();
          inside = false;
          const woken = new Promise<void>((resolve) => {
            wake = resolve;
          });
          // Waiting, it is asked nothing more; a question it had not answered yet gets nothing.
          hungry.add(0);
          const to = giveTo;
          giveTo = -1;
          if (to >= 0) share(0, to, Int32Array.of(0));
          else dispatch();
          await woken;
          wake = () => undefined;
          if (stopped()) break;
          store.enter();
          inside = true;
          continue;
        }
        search.run(performance.now() + SLICE_MS);
        publish();
        if (search.done && !search.idle) break; // a bound, or --first with a violation
        if (options.first && search.raw.length > 0) break;
        await pause();
      }
    } catch (e) {
      if (!(e instanceof TableFull)) throw e;
      done(0, emptySummary(tableFull(e, storeBuffers.maxStates)));
      return;
    } finally {
      if (inside) store.leave();
    }
    publish();
    done(0, summaryOf(search));
  };

  return {
    get ready() {
      return ready;
    },
    join: (search) => {
      participate(search).catch((e: unknown) => {
        store.abandon();
        Atomics.store(coord, Coord.cancel, 1);
        stopAll();
        for (const w of workers) void w?.terminate();
        settled = true;
        clearInterval(poll);
        rejectRun(e);
      });
      return result;
    },
    abort: () => {
      settled = true;
      clearInterval(poll);
      Atomics.store(coord, Coord.cancel, 1);
      stopAll();
      // Each stops its part (a fresh one once it has started) and is kept for the next search.
      for (const w of workers) w?.unref();
    },
  };
}

/** A participant's counts for the coordinator and the progress reports. */
function publishStats(search: Search, stats: Float64Array, me: number): void {
  const p = search.progress();
  const at = me * STAT_FIELDS;
  stats[at] = p.transitions;
  stats[at + 1] = p.depth;
  // Not search.stats(): it reads the process's resident memory, which costs more than a
  // slice's bookkeeping should (participants publish every slice).
  stats[at + 2] = search.reduced;
  stats[at + 3] = search.waiting;
}

/** What a participant that found nothing reports: one never given work, or stopped by `bound`. */
function emptySummary(bound?: Bound): WorkerSummary {
  return { keys: [], edges: [], dependencies: [], usages: [], ...(bound ? { bound } : {}) };
}

/** The bound of a shared table that is full. */
function tableFull(e: TableFull, maxStates: number): Bound {
  return { kind: 'states', limit: maxStates, message: e.message };
}

/** What a participant reports when it stops. */
function summaryOf(search: Search): WorkerSummary {
  return {
    keys: search.raw.map((r) => r.key),
    edges: [...search.lockEdges],
    dependencies: search.lockdep.edges(),
    usages: search.lockdep.usages(),
    ...(search.stopReason ? { bound: search.stopReason } : {}),
  };
}

// ---------- the worker side ----------

function runWorker(job: ParallelJob, port: MessagePort): void {
  const coord = new Int32Array(job.coord);
  const stats = new Float64Array(job.stats);
  const me = job.index;
  const store = new SharedStore(job.store, me);
  const stopped = (): boolean => Atomics.load(coord, Coord.stop) === 1;
  let inside = false;
  try {
    const loaded = loadScenario(job.file, job.text);
    if (!loaded.compiled) throw new Error('the scenario does not compile in a worker');
    // A worker starts with no state: participant 0, in the coordinating thread, has them all.
    const search = new Search(loaded.compiled, {
      ...job.options,
      cancelled: () => Atomics.load(coord, Coord.cancel) === 1,
    }, undefined, { visited: store });
    const publish = (): void => publishStats(search, stats, me);
    const handle = (m: ToWorker): void => {
      // A message of an earlier search, sent before its coordinator heard this worker was done.
      if (m.seq !== job.seq) return;
      if (m.type === 'give') {
        const words = search.waiting > 1 ? search.share() : Int32Array.of(0);
        publish();
        port.postMessage({ type: 'share', from: me, to: m.to, words } satisfies ToCoordinator);
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
    const summary = summaryOf(search);
    port.postMessage({ type: 'done', from: me, summary } satisfies ToCoordinator);
  } catch (e) {
    if (inside) store.leave();
    if (e instanceof TableFull) {
      port.postMessage({ type: 'done', from: me, summary: emptySummary(tableFull(e, job.store.maxStates)) } satisfies ToCoordinator);
      return;
    }
    port.postMessage({ type: 'failed', from: me, message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) } satisfies ToCoordinator);
  }
}

function isTeamSetup(d: unknown): d is TeamSetup {
  return typeof d === 'object' && d !== null && (d as { parallelTeam?: unknown }).parallelTeam === 1;
}

if (!isMainThread && parentPort && isTeamSetup(workerData)) {
  const port = parentPort;
  // A job runs to its end before the next message is looked at; between jobs, whatever an
  // earlier search still sent is dropped here.
  port.on('message', (m: ParallelJob | ToWorker) => {
    if (m.type === 'job') runWorker(m, port);
  });
}

