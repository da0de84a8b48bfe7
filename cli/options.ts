// The search options `check` and `test` share, parsed from the command line into the
// checker's CheckOptions, with a usage error for anything malformed.

import type { ParseArgsConfig } from 'node:util';
import { defaultWorkers, STRATEGIES, type CheckOptions, type Shard, type StrategyName } from '../core/explore';
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
  workers: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const SEARCH_USAGE = `search options:
  --max-states N        stop after N distinct states (default 50,000,000)
  --max-depth N         do not go deeper than N steps
  --max-seconds S       stop after S seconds (default 600)
  --max-memory MB       stop when the process uses more memory (default: half the RAM,
                        at most 4096); the search also stops at 70% of the heap limit
  --first               stop at the first violation
  --shard i/n           explore the i-th of n deterministic parts (1-based); with --json,
                        write what lockstep merge needs to join the n parts
  --shard auto          i from JOB_COMPLETION_INDEX (0-based, as a Kubernetes Indexed Job
                        sets it), n from LOCKSTEP_SHARDS
  --strategy S          bfs (default: shortest traces), dfs or random
  --seed N              seed of the random strategy
  --no-reduction        explore every interleaving (no partial-order reduction)
  --no-symmetry         keep interchangeable actors apart (no symmetry reduction)
  --workers N           search on N threads (default: every core, within the cgroup's CPU
                        quota); 1: one thread, fixed order
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

/**
 * `i/n` (1-based), or `auto`: i from JOB_COMPLETION_INDEX (0-based; a Kubernetes Indexed Job
 * sets it in each pod) and n from LOCKSTEP_SHARDS (the job's manifest sets it).
 */
export function parseShard(v: string, env: NodeJS.ProcessEnv = process.env): Shard {
  if (v === 'auto') {
    const index = env.JOB_COMPLETION_INDEX;
    const count = env.LOCKSTEP_SHARDS;
    if (count === undefined || count === '') throw new UsageError('--shard auto needs LOCKSTEP_SHARDS, the number of shards (set it in the job\'s environment)');
    if (!/^\d+$/.test(count) || Number(count) < 1) throw new UsageError(`--shard auto: LOCKSTEP_SHARDS must be a positive integer, not '${count}'`);
    if (index === undefined || index === '') throw new UsageError('--shard auto needs JOB_COMPLETION_INDEX, the 0-based shard index (a Kubernetes Indexed Job sets it)');
    const n = Number(count);
    if (!/^\d+$/.test(index) || Number(index) >= n) throw new UsageError(`--shard auto: JOB_COMPLETION_INDEX must be an integer from 0 to ${n - 1} (LOCKSTEP_SHARDS is ${n}), not '${index}'`);
    return { index: Number(index), count: n };
  }
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw new UsageError(`--shard must be i/n with 1 <= i <= n, or auto, not '${v}'`);
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
  const workers = positive('workers', values.workers, true) ?? defaultWorkers();
  return {
    workers,
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
