// The search options `check` and `test` share, parsed from the command line into the
// checker's CheckOptions, with a usage error for anything malformed.

import type { ParseArgsConfig } from 'node:util';
import { STRATEGIES, type CheckOptions, type Shard, type StrategyName } from '../core/explore';
import { UsageError } from './common';

/** The option table for node:util parseArgs. */
export const SEARCH_OPTIONS = {
  'max-states': { type: 'string' },
  'max-depth': { type: 'string' },
  'max-seconds': { type: 'string' },
  'max-memory': { type: 'string' },
  first: { type: 'boolean', default: false },
  shard: { type: 'string' },
  strategy: { type: 'string', default: 'bfs' },
  seed: { type: 'string', default: '1' },
  'no-reduction': { type: 'boolean', default: false },
  'no-symmetry': { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  sarif: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const SEARCH_USAGE = `search options:
  --max-states N        stop after N distinct states (default 50,000,000)
  --max-depth N         do not go deeper than N steps
  --max-seconds S       stop after S seconds (default 600)
  --max-memory MB       stop when the process uses more memory (default: half the RAM,
                        at most 4096); the search also stops at 70% of the heap limit
  --first               stop at the first violation
  --shard i/n           explore the i-th of n deterministic parts (1-based)
  --strategy S          bfs (default: shortest traces), dfs or random
  --seed N              seed of the random strategy
  --no-reduction        explore every interleaving (no partial-order reduction)
  --no-symmetry         keep interchangeable actors apart (no symmetry reduction)
  --sarif FILE          also write the violations as SARIF 2.1.0
  -q, --quiet           no progress on stderr`;

type Values = { readonly [K in keyof typeof SEARCH_OPTIONS]?: string | boolean | undefined };

function positive(name: string, v: string | boolean | undefined, integer: boolean): number | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, not '${v}'`);
  }
  return n;
}

export function parseShard(v: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw new UsageError(`--shard must be i/n with 1 <= i <= n, not '${v}'`);
  return { index: i - 1, count: n };
}

export function searchOptions(values: Values): CheckOptions {
  const strategy = String(values.strategy ?? 'bfs');
  if (!(STRATEGIES as readonly string[]).includes(strategy)) throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, not '${strategy}'`);
  const seed = Number(values.seed ?? '1');
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, not '${String(values.seed)}'`);
  const maxStates = positive('max-states', values['max-states'], true);
  const maxDepth = positive('max-depth', values['max-depth'], true);
  const maxSeconds = positive('max-seconds', values['max-seconds'], false);
  const maxMemoryMB = positive('max-memory', values['max-memory'], false);
  const shard = typeof values.shard === 'string' ? parseShard(values.shard) : undefined;
  return {
    ...(maxStates !== undefined ? { maxStates } : {}),
    ...(maxDepth !== undefined ? { maxDepth } : {}),
    ...(maxSeconds !== undefined ? { maxSeconds } : {}),
    ...(maxMemoryMB !== undefined ? { maxMemoryMB } : {}),
    ...(shard ? { shard } : {}),
    first: values.first === true,
    reduction: values['no-reduction'] !== true,
    symmetry: values['no-symmetry'] !== true,
    strategy: strategy as StrategyName,
    seed,
  };
}
