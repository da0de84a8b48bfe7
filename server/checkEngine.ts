// How the server runs the checker: an engine starts a check of a text and hands back its
// outcome and a cancel function. The real engine is core/explore's worker (a worker thread
// with cancellation), so completion and hover stay responsive while it searches.

import { startCheck } from '../core/explore/worker';
import type { CheckResult, Progress } from '../core/explore';

export interface CheckBounds {
  readonly maxStates: number;
  readonly maxSeconds: number;
  /** The worker's heap limit: a runaway search cannot take the server down. */
  readonly maxMemoryMB: number;
  /** 0: no depth bound. */
  readonly maxDepth: number;
  /** Shorten each trace to the steps the violation depends on. */
  readonly shortenTraces: boolean;
}

/** What a check ended with: a result, a failure to report, or nothing (cancelled). */
export type EngineOutcome = { readonly result: CheckResult } | { readonly error: string } | undefined;

export interface RunningCheck {
  readonly outcome: Promise<EngineOutcome>;
  cancel(): void;
}

export interface CheckEngine {
  /** `onProgress` hears the search's progress (about four times a second). */
  start(file: string, text: string, bounds: CheckBounds, onProgress?: (p: Progress) => void): RunningCheck;
}

/**
 * The background check's threads run at this nice value: on a busy machine completion,
 * hover and diagnostics (the server's main thread) get the cores first, and the search
 * the rest (about a tenth of a core where both want one).
 */
const BACKGROUND_NICENESS = 10;

/** The worker script, when the server is bundled and core/explore/worker.js is not beside it. */
export function workerEngine(workerScript?: string): CheckEngine {
  return {
    start(file, text, bounds, onProgress) {
      const options = {
        maxStates: bounds.maxStates,
        maxSeconds: bounds.maxSeconds,
        maxMemoryMB: bounds.maxMemoryMB,
        shortenTraces: bounds.shortenTraces,
        ...(bounds.maxDepth > 0 ? { maxDepth: bounds.maxDepth } : {}),
      };
      const check = startCheck(file, text, options, {
        niceness: BACKGROUND_NICENESS,
        ...(workerScript ? { workerScript } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      const outcome = check.result.then((o): EngineOutcome => {
        switch (o.status) {
          case 'done':
            return { result: o.result };
          case 'cancelled':
            return undefined;
          case 'invalid':
            return { error: o.diagnostics[0]?.message ?? 'the scenario does not compile' };
          case 'failed':
            return { error: `the checker failed: ${o.message.split('\n')[0]}` };
        }
      });
      return { outcome, cancel: () => check.cancel() };
    },
  };
}
