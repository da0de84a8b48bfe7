// How the server runs the checker: an engine starts a check of a text and hands back its
// result promise and a cancel function, reporting progress as it goes. The real engine runs
// core/explore off the main thread so that completion and hover stay responsive.

import type { CheckOutcome } from '../core/ide/checkDiagnostics';
import type { Counterexample } from '../core/ide/counterexample';

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

export interface EngineResult {
  readonly outcome: CheckOutcome;
  /** One per finding, in the outcome's order: the swimlane and the replayable trace. */
  readonly counterexamples: readonly Counterexample[];
  readonly seconds: number;
}

export interface RunningCheck {
  /** Resolves with the result, or undefined if cancelled or the checker is unavailable. */
  readonly result: Promise<EngineResult | undefined>;
  cancel(): void;
}

export interface CheckEngine {
  start(file: string, text: string, bounds: CheckBounds, onProgress?: (p: CheckProgress) => void): RunningCheck;
}

/** Until the checker (core/explore) is part of core, checks report nothing. */
export const workerEngine: CheckEngine = {
  start: () => ({ result: Promise.resolve(undefined), cancel: () => undefined }),
};
