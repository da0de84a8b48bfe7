// Runs the Lockstep checker on one scenario file in a process of its own, so that the
// process's peak resident memory is the checker's alone, and prints one JSON ChildReport
// on stdout for bench/lockstep.ts. Usage: node lockstep-child.js FILE [OPTIONS_JSON]

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { CheckOptions, CheckResult, CheckStats, Verdict } from '../core/explore';
import type { ViolationKind } from '../core/model/types';

/**
 * The checker, loaded as the `lockstep` command loads it (bin/load.js: the bundle `npm run
 * build` makes, with its code cache, or the modules if it is stale), so that the wall time
 * measured is the command's start-up and check.
 */
function checker(): typeof import('../cli/main') {
  const root = path.join(__dirname, '..', '..');
  const load = require(path.join(root, 'bin', 'load.js')) as { loadCli(root: string): { cli: typeof import('../cli/main') } };
  return (cliModule ??= load.loadCli(root).cli);
}
let cliModule: typeof import('../cli/main') | undefined;

/** What the bench keeps of a check: the result without traces (they can be long). */
export interface CheckSummary {
  readonly verdict: Verdict;
  /** Which bound stopped the search, when one did. */
  readonly bound?: string;
  readonly violations: readonly { readonly kind: ViolationKind; readonly message: string }[];
  readonly stats: CheckStats;
}

/**
 * The options the bench passes: the checker's, minus the callbacks; `alongside`: run that
 * many independent one-worker checks at once, each in a thread of the child process, and
 * report the time until the last is done (how two threads of one process scale here, with
 * nothing shared between them: the ceiling of `--workers 2`'s speed-up on this machine).
 */
export type BenchCheckOptions = Pick<CheckOptions, 'maxStates' | 'maxSeconds' | 'maxDepth' | 'first' | 'reduction' | 'symmetry' | 'workers'> & {
  readonly alongside?: number;
  /** Also time the check with the JIT's code warm (see `warmCheck`); one worker only. */
  readonly warm?: boolean;
};

/** Seconds of checking that warm the JIT's code up before the warm check is timed. */
export const WARM_UP_SECONDS = 1.5;
/** Seconds of warm checks timed (at least one): their median is the figure. */
export const WARM_TIMED_SECONDS = 0.5;
/** At most this many checks in either phase (a tiny scenario takes about a millisecond). */
const WARM_MAX_RUNS = 2000;

/** The check timed with its code warm. */
export interface WarmFigures {
  /** Median seconds of the timed checks. */
  readonly seconds: number;
  /** Checks run to warm up, and checks timed. */
  readonly warmUps: number;
  readonly runs: number;
}

export type ChildReport =
  | {
      readonly status: 'ok';
      readonly result: CheckSummary;
      /** Parse, bind and compile. */
      readonly loadSeconds: number;
      readonly checkSeconds: number;
      /** process.resourceUsage().maxRSS of this process, in MB (before any warm check). */
      readonly maxRssMB: number;
      readonly warm?: WarmFigures;
    }
  | { readonly status: 'diagnostics'; readonly diagnostics: readonly string[] }
  | { readonly status: 'error'; readonly message: string };

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

async function run(file: string, options: BenchCheckOptions): Promise<ChildReport> {
  const text = fs.readFileSync(file, 'utf8');
  const { loadScenario, check, checkAsync } = checker();
  const t0 = now();
  const loaded = loadScenario(file, text);
  const t1 = now();
  if (!loaded.compiled) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    return { status: 'diagnostics', diagnostics: errors.map((d) => `${file}@${d.span.start}: ${d.message}`) };
  }
  const { alongside = 1, warm = false, ...checkOptions } = options;
  let result: CheckResult;
  let checkSeconds: number;
  if (alongside > 1) {
    ({ result, seconds: checkSeconds } = await side(file, text, checkOptions, alongside));
  } else {
    result = (checkOptions.workers ?? 1) > 1 ? await checkAsync(loaded.compiled, checkOptions) : check(loaded.compiled, checkOptions);
    checkSeconds = now() - t1;
  }
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  return {
    status: 'ok',
    ...(warm ? { warm: warmCheck(file, text, checkOptions, result) } : {}),
    result: {
      verdict: result.verdict,
      ...(result.bound ? { bound: result.bound.message } : {}),
      violations: result.violations.map((v) => ({ kind: v.kind, message: v.message })),
      stats: result.stats,
    },
    loadSeconds: t1 - t0,
    checkSeconds,
    maxRssMB,
  };
}

/**
 * The check again with the JIT's code warm, as in a language server or `lockstep test` that
 * has checked before: the file compiled afresh and checked, over and over, for
 * WARM_UP_SECONDS of checking (at least once), then for WARM_TIMED_SECONDS (at least once),
 * timed. Each check has a scenario compiled afresh, so its own step memo, intern and tables
 * start empty, as the first one's did: only the code is warm. Every check must count what
 * the first did.
 */
function warmCheck(file: string, text: string, options: CheckOptions, first: CheckResult): WarmFigures {
  const counts = (r: CheckResult): string => `${r.stats.states}/${r.stats.transitions}`;
  const { loadScenario, check } = checker();
  const once = (): number => {
    const loaded = loadScenario(file, text);
    const t = now();
    const r = check(loaded.compiled!, { ...options, workers: 1 });
    const seconds = now() - t;
    if (counts(r) !== counts(first)) throw new Error(`a warm check counted ${counts(r)} states/transitions, the first ${counts(first)}`);
    return seconds;
  };
  let warmUps = 0;
  for (let spent = 0; warmUps === 0 || (spent < WARM_UP_SECONDS && warmUps < WARM_MAX_RUNS); warmUps++) spent += once();
  const timed: number[] = [];
  for (let spent = 0; timed.length === 0 || (spent < WARM_TIMED_SECONDS && timed.length < WARM_MAX_RUNS); ) {
    const t = once();
    timed.push(t);
    spent += t;
  }
  timed.sort((a, b) => a - b);
  const mid = timed.length >> 1;
  return { seconds: timed.length % 2 === 1 ? timed[mid]! : (timed[mid - 1]! + timed[mid]!) / 2, warmUps, runs: timed.length };
}

/**
 * `n` one-worker checks of the file at once, each in a thread of its own; they start
 * together once all have loaded the scenario. The first one's result, and the seconds from
 * that start until the last is done.
 */
async function side(file: string, text: string, options: CheckOptions, n: number): Promise<{ result: CheckResult; seconds: number }> {
  const go = new Int32Array(new SharedArrayBuffer(4));
  let loaded = 0;
  let start = 0;
  const results = await Promise.all(Array.from({ length: n }, () => new Promise<CheckResult>((resolve, reject) => {
    const w = new Worker(__filename, { workerData: { file, text, options: { ...options, workers: 1 }, go } satisfies SideJob });
    w.on('message', (m: 'loaded' | CheckResult) => {
      if (m !== 'loaded') return resolve(m);
      if (++loaded < n) return;
      start = now();
      Atomics.store(go, 0, 1);
      Atomics.notify(go, 0);
    });
    w.on('error', reject);
  })));
  const seconds = now() - start;
  const counts = (r: CheckResult): string => `${r.stats.states}/${r.stats.transitions}`;
  if (results.some((r) => counts(r) !== counts(results[0]!))) throw new Error(`the checks side by side disagree: ${results.map(counts).join(', ')}`);
  return { result: results[0]!, seconds };
}

interface SideJob {
  readonly file: string;
  readonly text: string;
  readonly options: CheckOptions;
  readonly go: Int32Array;
}

/** A thread of `side`: loads, waits for the others, checks. */
function sideThread(job: SideJob): void {
  const { loadScenario, check } = checker();
  const loaded = loadScenario(job.file, job.text);
  if (!loaded.compiled) throw new Error(`${job.file} does not compile in a thread`);
  parentPort!.postMessage('loaded');
  Atomics.wait(job.go, 0, 0);
  const r = check(loaded.compiled, job.options);
  parentPort!.postMessage(r);
}

async function main(argv: readonly string[]): Promise<void> {
  const [file, optionsJson] = argv;
  let report: ChildReport;
  if (!file) {
    report = { status: 'error', message: 'usage: lockstep-child.js FILE [OPTIONS_JSON]' };
  } else {
    try {
      report = await run(file, optionsJson ? (JSON.parse(optionsJson) as BenchCheckOptions) : {});
    } catch (e) {
      report = { status: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (!isMainThread) sideThread(workerData as SideJob);
else if (require.main === module) void main(process.argv.slice(2));
