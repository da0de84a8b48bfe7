// The checker off the main thread: `startCheck(file, text, options)` runs `check` in a
// worker_threads Worker and returns a promise of the outcome and a `cancel()`. Cancellation is
// a flag in a SharedArrayBuffer the search polls, so it stops within one slice and still
// hands back what it found. The language server uses this to check in the background.
//
// This module is also the worker's entry point: loaded in a worker started by startCheck,
// it runs the job it was given. A bundler that moves this code must pass `workerScript`.

import { setPriority } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadScenario } from '../index';
import type { Diagnostic } from '../syntax/diagnostics';
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

interface Job {
  readonly lockstepCheck: 1;
  readonly file: string;
  readonly text: string;
  readonly options: WorkerCheckOptions;
  readonly flag: SharedArrayBuffer;
  readonly niceness?: number;
}

type Message =
  | { readonly type: 'progress'; readonly progress: Progress }
  | { readonly type: 'done'; readonly result: CheckResult }
  | { readonly type: 'invalid'; readonly diagnostics: readonly Diagnostic[] }
  | { readonly type: 'failed'; readonly message: string };

export function startCheck(file: string, text: string, options: WorkerCheckOptions = {}, start: StartOptions = {}): BackgroundCheck {
  const flag = new SharedArrayBuffer(4);
  const cancelled = new Int32Array(flag);
  const job: Job = { lockstepCheck: 1, file, text, options, flag, ...(start.niceness ? { niceness: start.niceness } : {}) };
  const memory = options.maxMemoryMB;
  const worker = new Worker(start.workerScript ?? __filename, {
    workerData: job,
    // The worker's own heap limit keeps a runaway search from taking the host process down.
    ...(memory ? { resourceLimits: { maxOldGenerationSizeMb: Math.max(64, Math.floor(memory)) } } : {}),
  });
  let settle: (o: BackgroundOutcome) => void = () => undefined;
  let settled = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const result = new Promise<BackgroundOutcome>((resolve) => {
    settle = (o) => {
      if (settled) return;
      settled = true;
      if (graceTimer) clearTimeout(graceTimer);
      resolve(o);
      void worker.terminate();
    };
  });
  worker.on('message', (m: Message) => {
    switch (m.type) {
      case 'progress':
        start.onProgress?.(m.progress);
        return;
      case 'done':
        settle(Atomics.load(cancelled, 0) === 1 ? { status: 'cancelled', result: m.result } : { status: 'done', result: m.result });
        return;
      case 'invalid':
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
  if (job.niceness) lowerPriority(job.niceness);
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

function isJob(d: unknown): d is Job {
  return typeof d === 'object' && d !== null && (d as { lockstepCheck?: unknown }).lockstepCheck === 1;
}

if (!isMainThread && isJob(workerData)) void runJob(workerData);
