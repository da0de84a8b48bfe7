// The checker's entry points: `check` explores every interleaving of a compiled scenario
// (bounded) and returns the verdict, each distinct violation with its shortest trace found,
// and statistics; `checkAsync` does the same in slices so an event loop stays responsive
// (progress, Ctrl-C). For a worker thread with cancellation, see worker.ts.

import type { CompiledScenario } from '../model/compiled';
import { checkParallel } from './parallel';
import { resultOf } from './result';
import { Search } from './search';
import type { CheckOptions, CheckResult } from './types';

export type {
  Bound, BoundKind, CheckOptions, CheckResult, CheckStats, Finding, Progress, Shard, Verdict,
} from './types';
export type { StrategyName } from './strategies';
export { STRATEGIES } from './strategies';
export { defaultWorkers } from './parallel';

/** One worker, in this thread, whatever `options.workers` says. */
export function check(s: CompiledScenario, options: CheckOptions = {}): CheckResult {
  const search = new Search(s, options);
  search.run();
  return resultOf(search);
}

/**
 * As `check`, yielding to the event loop every `sliceMs` (default 50 ms); with
 * `options.workers` above 1, on that many worker threads (parallel.ts).
 */
export async function checkAsync(s: CompiledScenario, options: CheckOptions = {}, sliceMs = 50): Promise<CheckResult> {
  // A shard is one worker's share of the space (its prefix split is per search).
  if ((options.workers ?? 1) > 1 && !options.shard) return checkParallel(s, options, sliceMs);
  const search = new Search(s, options);
  while (!search.run(performance.now() + sliceMs)) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return resultOf(search);
}
