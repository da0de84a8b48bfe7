// How the server runs the checker: an engine starts a check of a text and hands back its
// result promise and a cancel function. The real engine runs core/explore in a worker thread
// so that completion and hover stay responsive while it searches.

import type { CheckOutcome } from '../core/ide/checkDiagnostics';

export interface CheckBounds {
  readonly maxStates: number;
  readonly maxSeconds: number;
}

export interface RunningCheck {
  /** Resolves with the outcome, or undefined if cancelled or the checker is unavailable. */
  readonly result: Promise<CheckOutcome | undefined>;
  cancel(): void;
}

export interface CheckEngine {
  start(file: string, text: string, bounds: CheckBounds): RunningCheck;
}

/** Until the checker (core/explore) is part of core, checks report nothing. */
export const workerEngine: CheckEngine = {
  start: () => ({ result: Promise.resolve(undefined), cancel: () => undefined }),
};
