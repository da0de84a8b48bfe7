// The in-process campaigns: each input goes through the parser, binder, IDE analysis and
// compiler (target `parser`), and, when it compiles, the checker and the runner under small
// bounds (target `checker`). They run in a worker thread that publishes the input it is on,
// so the harness can tell a hang (no progress) from slow work and regenerate the input.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { formatDiagnostic, loadScenario } from '../core';
import { analyze } from '../core/ide';
import { check } from '../core/explore';
import { runOnce } from '../core/explore/run';
import { randomScheduler } from '../core/explore/schedulers';
import { Corpus, generate } from './inputs';
import { hasStack } from './wire';

export type InProcessTarget = 'parser' | 'checker';

/** The checker's bounds in a campaign: small, so inputs stay cheap, and each must be honoured. */
export const CHECK_BOUNDS = { maxStates: 300, maxSeconds: 0.5, maxDepth: 200 } as const;
/** Slack on the time bound: a slice of the search runs past it before the check. */
const SECONDS_SLACK = 5;

export interface Problem {
  readonly kind: 'crash' | 'stack' | 'bound';
  readonly message: string;
  readonly stack?: string;
}

/** Runs one input through the target's passes; a Problem when something is wrong, undefined when all is well. */
export function runInput(target: InProcessTarget, text: string): Problem | undefined {
  try {
    const loaded = loadScenario('fuzz.lockstep', text);
    const shown = loaded.diagnostics.map((d) => formatDiagnostic('fuzz.lockstep', loaded.lines, d));
    // The IDE's analysis (lints, held locks) on one input in four: the same parse and binding, more passes.
    if ((text.length & 3) === 0) {
      const a = analyze('fuzz.lockstep', text);
      shown.push(...a.diagnostics().map((d) => d.message));
      a.heldLocks();
    }
    if (target === 'checker' && loaded.compiled) {
      const r = check(loaded.compiled, { ...CHECK_BOUNDS, shortenTraces: text.length < 20_000 });
      for (const v of r.violations) shown.push(v.violation.report, v.message);
      if (r.stats.states > CHECK_BOUNDS.maxStates + 64 * loaded.compiled.actors.length) {
        return { kind: 'bound', message: `--max-states ${CHECK_BOUNDS.maxStates} not honoured: ${r.stats.states} states` };
      }
      if (r.stats.seconds > CHECK_BOUNDS.maxSeconds + SECONDS_SLACK) {
        return { kind: 'bound', message: `--max-seconds ${CHECK_BOUNDS.maxSeconds} not honoured: ${r.stats.seconds.toFixed(1)} s` };
      }
      const run = runOnce(loaded.compiled, randomScheduler(text.length), { maxSteps: 500 });
      if (run.violation) shown.push(run.violation.report);
    }
    const stack = shown.find(hasStack);
    if (stack !== undefined) return { kind: 'stack', message: stack.slice(0, 2000) };
    return undefined;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return { kind: 'crash', message: `${err.name}: ${err.message}`.slice(0, 500), ...(err.stack ? { stack: err.stack } : {}) };
  }
}

export interface WorkerJob {
  readonly fuzzWorker: 1;
  readonly target: InProcessTarget;
  readonly seed: number;
  readonly start: number;
  readonly hugeRate: number;
  /** [0]: the index being run (-1 between inputs), [1]: inputs finished. */
  readonly progress: SharedArrayBuffer;
  readonly stopAt: number;
}

export type WorkerMessage =
  | { readonly type: 'problem'; readonly index: number; readonly inputKind: string; readonly problem: Problem }
  | { readonly type: 'done'; readonly next: number; readonly kinds: Record<string, number> };

/** The worker: inputs `start`, `start + 1`, … until the deadline, reporting each problem. */
function work(job: WorkerJob): void {
  const corpus = new Corpus();
  const progress = new Int32Array(job.progress);
  const kinds: Record<string, number> = {};
  let index = job.start;
  while (Date.now() < job.stopAt) {
    const input = generate(corpus, job.seed, index, { hugeRate: job.hugeRate });
    Atomics.store(progress, 0, index);
    const problem = runInput(job.target, input.text);
    Atomics.store(progress, 0, -1);
    Atomics.add(progress, 1, 1);
    kinds[input.kind] = (kinds[input.kind] ?? 0) + 1;
    if (problem) parentPort!.postMessage({ type: 'problem', index, inputKind: input.kind, problem } satisfies WorkerMessage);
    index++;
  }
  parentPort!.postMessage({ type: 'done', next: index, kinds } satisfies WorkerMessage);
}

if (!isMainThread && (workerData as Partial<WorkerJob> | undefined)?.fuzzWorker === 1) work(workerData as WorkerJob);
