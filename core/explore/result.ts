// A finished search as the checker's answer: the verdict, each violation with its trace
// (built and shortened here, after the search), the bound that stopped it, the statistics.

import type { Search } from './search';
import type { CheckResult, CheckStats, Finding } from './types';
import { buildFinding } from './witness';

export function resultOf(search: Search, stats: CheckStats = search.stats()): CheckResult {
  const shorten = search.opts.shortenTraces !== false;
  const violations: Finding[] = search.raw.map((r) => buildFinding(search, r, shorten));
  const bound = search.stopReason;
  const verdict = violations.length > 0 ? 'violation' : bound ? 'inconclusive' : 'verified';
  const symmetric = search.symmetry?.groups.map((g) => g.map((a) => search.s.actors[a]!.name));
  return {
    verdict,
    ...(bound ? { bound } : {}),
    violations,
    stats,
    ...(symmetric ? { symmetric } : {}),
    lockDependencies: search.lockdep.edges(),
    lockUsages: search.lockdep.usages(),
  };
}
