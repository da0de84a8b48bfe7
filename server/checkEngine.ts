// How the server runs the checker: an engine starts a check of a text and hands back its
// result promise and a cancel function, reporting progress as it goes. The real engine runs
// core/explore in a worker thread so that completion and hover stay responsive.

import { loadScenario } from '../core';
import { startCheck, type WorkerCheckOptions } from '../core/explore/worker';
import type { CheckOutcome } from '../core/ide/checkDiagnostics';
import { counterexample, type Counterexample } from '../core/ide/counterexample';

export interface CheckBounds {
  readonly maxStates: number;
  readonly maxSeconds: number;
  /** 0: no depth bound. */
  readonly maxDepth: number;
  /** Shorten each counterexample to the steps the violation depends on. */
  readonly shortenTraces: boolean;
}

export interface CheckProgress {
  readonly states: number;
  readonly seconds: number;
}

export type EngineResult =
  | {
      readonly outcome: CheckOutcome;
      /** One per finding, in the outcome's order: the swimlane and the replayable trace. */
      readonly counterexamples: readonly Counterexample[];
      readonly seconds: number;
    }
  /** The check could not run to a verdict; the message says why. */
  | { readonly failed: string };

export interface RunningCheck {
  /** Resolves with the result, or undefined if cancelled or the checker is unavailable. */
  readonly result: Promise<EngineResult | undefined>;
  cancel(): void;
}

export interface CheckEngine {
  start(file: string, text: string, bounds: CheckBounds, onProgress?: (p: CheckProgress) => void): RunningCheck;
}

/** Bounds as the checker takes them (a depth of 0 means none). */
function checkOptions(b: CheckBounds): WorkerCheckOptions {
  return {
    maxStates: b.maxStates,
    maxSeconds: b.maxSeconds,
    ...(b.maxDepth > 0 ? { maxDepth: b.maxDepth } : {}),
    shortenTraces: b.shortenTraces,
  };
}

/**
 * The checker in a worker thread (core/explore/worker.ts). Its findings are laid out as
 * counterexamples here, against the same text compiled on this side (a cheap step).
 */
export const workerEngine: CheckEngine = {
  start(file, text, bounds, onProgress) {
    const started = Date.now();
    const running = startCheck(file, text, checkOptions(bounds), onProgress ? { onProgress } : {});
    const result = running.result.then((o): EngineResult | undefined => {
      switch (o.status) {
        case 'cancelled':
          return undefined;
        case 'invalid':
          return { failed: `the scenario does not compile: ${o.diagnostics[0]?.message ?? 'errors'}` };
        case 'failed':
          return { failed: `the checker failed: ${o.message.split('\n')[0]}` };
        case 'done': {
          const compiled = loadScenario(file, text).compiled;
          const counterexamples = compiled ? o.result.violations.map((f) => counterexample(compiled, f)) : [];
          return { outcome: o.result, counterexamples, seconds: (Date.now() - started) / 1000 };
        }
      }
    });
    return { result, cancel: () => running.cancel() };
  },
};
