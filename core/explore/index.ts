// The checker's entry points: `check` explores every interleaving of a compiled scenario
// (bounded) and returns the verdict, each distinct violation with its shortest trace found,
// and statistics; `checkAsync` does the same in slices so an event loop stays responsive
// (progress, Ctrl-C). For a worker thread with cancellation, see worker.ts.

import type { CompiledScenario } from '../model/compiled';
import { Search } from './search';
import type { CheckOptions, CheckResult, Finding } from './types';
import { buildFinding } from './witness';

export type {
  Bound, BoundKind, CheckOptions, CheckResult, CheckStats, Finding, Progress, Shard, Verdict,
} from './types';
export type { StrategyName } from './strategies';
export { STRATEGIES } from './strategies';

export function check(s: CompiledScenario, options: CheckOptions = {}): CheckResult {
  const search = new Search(s, options);
  search.run();
  return finish(search);
}

/** As `check`, yielding to the event loop every `sliceMs` (default 50 ms). */
export async function checkAsync(s: CompiledScenario, options: CheckOptions = {}, sliceMs = 50): Promise<CheckResult> {
  const search = new Search(s, options);
  while (!search.run(performance.now() + sliceMs)) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return finish(search);
}

function finish(search: Search): CheckResult {
  const shorten = search.opts.shortenTraces !== false;
  const violations: Finding[] = search.raw.map((r) => buildFinding(search, r, shorten));
  const bound = search.stopReason;
  const verdict = violations.length > 0 ? 'violation' : bound ? 'inconclusive' : 'verified';
  const symmetric = search.symmetry?.groups.map((g) => g.map((a) => search.s.actors[a]!.name));
  return {
    verdict,
    ...(bound ? { bound } : {}),
    violations,
    stats: search.stats(),
    ...(symmetric ? { symmetric } : {}),
    lockDependencies: search.lockdep.edges(),
    lockUsages: search.lockdep.usages(),
  };
}
