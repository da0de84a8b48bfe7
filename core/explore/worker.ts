// The checker off the main thread: `startCheck(file, text, options)` runs `check` in a
// worker_threads Worker and returns a promise of the outcome and a `cancel()`. Cancellation is
// a flag in a SharedArrayBuffer the search polls, so it stops within one slice and still
// hands back what it found. The language server uses this to check in the background.
//
// A worker that finished its check is kept, idle, for the next one (for a minute): a fresh
// worker costs its start (about 100 ms: an isolate, the checker's modules) and then runs
// several times slower while V8 compiles the checker again, which is most of a small check.
//
// This module is also the worker's entry point: loaded in a worker started by startCheck,
// it runs the jobs it is sent. A bundler that moves this code must pass `workerScript`.

import { setPriority } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadScenario } from '../index';
import type { Diagnostic } from '../syntax/diagnostics';
import { IdleWorkers } from './idle-workers';
import { checkAsync, defaultWorkers } from './index';
import type { CheckOptions, CheckResult, Progress } from './types';

/** The options a worker can be given: everything but the callbacks. */
export type WorkerCheckOptions = Omit<CheckOptions, 'cancelled' | 'onProgress'>;

export type BackgroundOutcome =
  /** The search ended (verified, violation, or stopped by a bound). */
  | { readonly status: 'done'; readonly result: CheckResult }
  /** cancel() was called; what was found until then, when the worker could still say. */
  | { readonly status: 'cancelled'; readonly result?: CheckResult }
  /** The text does not compile: its error diagnostics. */
  | { readonly status: 'invalid'; readonly diagnostics: readonly Diagnostic[] }
  /** The worker failed (an internal error, or it ran out of memory). */
  | { readonly status: 'failed'; readonly message: string };

export interface BackgroundCheck {
  readonly result: Promise<BackgroundOutcome>;
  /** Asks the search to stop; the result then resolves as `cancelled`. */
  cancel(): void;
  /** The worker thread's id (a worker kept from an earlier check keeps its id). */
  readonly threadId: number;
}

export interface StartOptions {
  readonly onProgress?: (p: Progress) => void;
  /** The compiled worker script (default: this module). */
  readonly workerScript?: string;
  /** After cancel(), how long to wait for the worker's answer before terminating it (ms). */
  readonly cancelGraceMs?: number;
  /**
   * A nice value (0–19) for the search's threads: a background check in an editor yields
   * the cores to the thread answering the user. Linux keeps a nice value per thread, and a
   * thread inherits its creator's, so the search workers the check starts run at it too.
   */
  readonly niceness?: number;
}

/** What a worker is started with. */
interface Setup {
  readonly lockstepCheck: 1;
  readonly niceness?: number;
}

/** One check, sent to a worker. */
interface Job {
  readonly file: string;
  readonly text: string;
  readonly options: WorkerCheckOptions;
  readonly flag: SharedArrayBuffer;
}

/** How long a worker waits, idle, for another check before it is stopped. */
const IDLE_MS = 60_000;

/**
 * A worker whose check stored more states than this is stopped rather than kept: its heap
 * is large until V8 collects it, and a check that long gains little from a warm start.
 */
const KEEP_STATES = 1_000_000;

/**
 * Workers idle after a check, by what they were started with (script, heap limit, nice
 * value): a worker is reused only for a check that would start one the same.
 */
const idle = new Map<string, IdleWorkers>();

function takeIdle(key: string): Worker | undefined {
  return idle.get(key)?.take();
}

/** Keeps a worker that finished its check for the next one (it does not keep the process alive). */
function keepIdle(key: string, worker: Worker): void {
  let pool = idle.get(key);
  if (!pool) idle.set(key, (pool = new IdleWorkers(IDLE_MS)));
  pool.keep(worker);
}

type Message =
  | { readonly type: 'progress'; readonly progress: Progress }
  | { readonly type: 'done'; readonly result: CheckResult }
  | { readonly type: 'invalid'; readonly diagnostics: readonly Diagnostic[] }
  | { readonly type: 'failed'; readonly message: string };

export function startCheck(file: string, text: string, options: WorkerCheckOptions = {}, start: StartOptions = {}): BackgroundCheck {
  const flag = new SharedArrayBuffer(4);
  const cancelled = new Int32Array(flag);
  const script = start.workerScript ?? __filename;
  // The worker's own heap limit keeps a runaway search from taking the host process down.
  const heapMB = options.maxMemoryMB ? Math.max(64, Math.floor(options.maxMemoryMB)) : 0;
  const niceness = start.niceness ?? 0;
  const key = `${script}\0${heapMB}\0${niceness}`;
  const worker = takeIdle(key) ?? new Worker(script, {
    workerData: { lockstepCheck: 1, ...(niceness ? { niceness } : {}) } satisfies Setup,
    ...(heapMB ? { resourceLimits: { maxOldGenerationSizeMb: heapMB } } : {}),
  });
  worker.postMessage({ file, text, options, flag } satisfies Job);
  let settle: (o: BackgroundOutcome) => void = () => undefined;
  let settled = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const result = new Promise<BackgroundOutcome>((resolve) => {
    settle = (o) => {
      if (settled) return;
      settled = true;
      if (graceTimer) clearTimeout(graceTimer);
      resolve(o);
      // A worker that answered is ready for another check; one that failed, did not answer
      // in time after cancel(), or holds a large heap (KEEP_STATES), is stopped.
      if (answered) keepIdle(key, worker);
      else void worker.terminate();
    };
  });
  let answered = false;
  worker.on('message', (m: Message) => {
    switch (m.type) {
      case 'progress':
        start.onProgress?.(m.progress);
        return;
      case 'done':
        answered = m.result.stats.states <= KEEP_STATES;
        settle(Atomics.load(cancelled, 0) === 1 ? { status: 'cancelled', result: m.result } : { status: 'done', result: m.result });
        return;
      case 'invalid':
        answered = true;
        settle({ status: 'invalid', diagnostics: m.diagnostics });
        return;
      case 'failed':
        settle({ status: 'failed', message: m.message });
        return;
    }
  });
  worker.on('error', (e) => settle(Atomics.load(cancelled, 0) === 1 ? { status: 'cancelled' } : { status: 'failed', message: e.message }));
  worker.on('exit', (code) => settle(Atomics.load(cancelled, 0) === 1 ? { status: 'cancelled' } : { status: 'failed', message: `the checker's worker exited (${code})` }));
  return {
    result,
    threadId: worker.threadId,
    cancel() {
      if (settled) return;
      Atomics.store(cancelled, 0, 1);
      graceTimer = setTimeout(() => settle({ status: 'cancelled' }), start.cancelGraceMs ?? 2000);
      graceTimer.unref();
    },
  };
}

/**
 * The worker side: compile, check with the shared flag as cancellation (on every core unless
 * the options say otherwise: parallel.ts), post the result.
 */
async function runJob(job: Job): Promise<void> {
  const port = parentPort!;
  const flag = new Int32Array(job.flag);
  try {
    const loaded = loadScenario(job.file, job.text);
    if (!loaded.compiled) {
      port.postMessage({ type: 'invalid', diagnostics: loaded.diagnostics.filter((d) => d.severity === 'error') } satisfies Message);
      return;
    }
    const result = await checkAsync(loaded.compiled, {
      workers: defaultWorkers(),
      ...job.options,
      cancelled: () => Atomics.load(flag, 0) === 1,
      onProgress: (progress) => port.postMessage({ type: 'progress', progress } satisfies Message),
    });
    port.postMessage({ type: 'done', result } satisfies Message);
  } catch (e) {
    port.postMessage({ type: 'failed', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) } satisfies Message);
  }
}

/**
 * Lowers this thread's priority (pid 0: the calling thread on Linux). Elsewhere pid 0 is the
 * whole process, the editor's thread included, so there the check runs at the normal one.
 */
function lowerPriority(niceness: number): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, Math.min(19, Math.max(0, Math.floor(niceness))));
  } catch {
    // Not permitted or not supported: a missed courtesy, not an error.
  }
}

function isSetup(d: unknown): d is Setup {
  return typeof d === 'object' && d !== null && (d as { lockstepCheck?: unknown }).lockstepCheck === 1;
}

if (!isMainThread && parentPort && isSetup(workerData)) {
  if (workerData.niceness) lowerPriority(workerData.niceness);
  // One job at a time: the next is sent only once this one has answered.
  parentPort.on('message', (job: Job) => void runJob(job));
}
