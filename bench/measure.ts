// Measures one model on each side: SPIN and Lockstep runs repeated while they are short,
// reduced to medians, and failures kept as a reason rather than thrown.

import { runLockstep, type LockstepRun } from './lockstep';
import type { BenchCheckOptions } from './lockstep-child';
import type { BenchModel } from './models';
import { runSpin, SpinError, type SpinRun } from './spin';

/** Runs whose first repetition took longer than this are not repeated. */
export const REPEAT_BELOW_S = 15;

export interface SpinSummary {
  readonly run: SpinRun;
  readonly reps: number;
  /** Medians over the repetitions. */
  readonly compile: number;
  readonly search: number;
  readonly total: number;
}

export interface LockstepSummary {
  readonly run: LockstepRun;
  readonly reps: number;
  readonly load: number;
  readonly check: number;
  readonly wall: number;
  /** Median over the runs of the check timed with the JIT's code warm, when asked for. */
  readonly warm?: number;
}

export type Side<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

export interface Row {
  readonly model: BenchModel;
  readonly spin: Side<SpinSummary>;
  readonly lockstep: Side<LockstepSummary>;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `once` until it has `reps` results, or just once when the first run is long. */
function repeat<T>(reps: number, seconds: (t: T) => number, once: () => Side<T>): Side<T[]> {
  const first = once();
  if (!first.ok) return first;
  const out = [first.value];
  if (seconds(first.value) < REPEAT_BELOW_S) {
    while (out.length < reps) {
      const next = once();
      if (!next.ok) return next;
      out.push(next.value);
    }
  }
  return { ok: true, value: out };
}

/** One SPIN run, or why it failed. */
export function spinRun(model: BenchModel, reduction: boolean): Side<SpinRun> {
  try {
    return { ok: true, value: runSpin(model.promela, reduction) };
  } catch (e) {
    if (e instanceof SpinError) return { ok: false, why: e.message };
    throw e;
  }
}

/** Medians over SPIN's runs of one model. */
export function spinSummary(runs: readonly SpinRun[]): SpinSummary {
  return {
    run: runs[0]!,
    reps: runs.length,
    compile: median(runs.map((r) => r.seconds.compile)),
    search: median(runs.map((r) => r.seconds.search)),
    total: median(runs.map((r) => r.seconds.total)),
  };
}

export function measureSpin(model: BenchModel, reps: number, reduction: boolean): Side<SpinSummary> {
  const runs = repeat(reps, (r) => r.seconds.total, () => spinRun(model, reduction));
  return runs.ok ? { ok: true, value: spinSummary(runs.value) } : runs;
}

/** One Lockstep run in a child process, or why it failed. */
export function lockstepRun(model: BenchModel, options: BenchCheckOptions): Side<LockstepRun> {
  const outcome = runLockstep(model.lockstep.name, model.lockstep.text, options);
  return outcome.status === 'ok' ? { ok: true, value: outcome.run } : { ok: false, why: outcome.message };
}

/** Medians over Lockstep's runs of one model; the run with the highest peak memory. */
export function lockstepSummary(runs: readonly LockstepRun[]): LockstepSummary {
  const peak = runs.reduce((a, r) => (r.maxRssMB > a.maxRssMB ? r : a), runs[0]!);
  return {
    run: peak,
    reps: runs.length,
    load: median(runs.map((r) => r.loadSeconds)),
    check: median(runs.map((r) => r.checkSeconds)),
    wall: median(runs.map((r) => r.wallSeconds)),
    ...(runs.every((r) => r.warm) ? { warm: median(runs.map((r) => r.warm!.seconds)) } : {}),
  };
}

export function measureLockstep(model: BenchModel, reps: number, options: BenchCheckOptions): Side<LockstepSummary> {
  const runs = repeat(reps, (r) => r.wallSeconds, () => lockstepRun(model, options));
  return runs.ok ? { ok: true, value: lockstepSummary(runs.value) } : runs;
}

/**
 * Several Lockstep measurements in rounds: each round runs every one once, in order, so that
 * a guest whose speed drifts from minute to minute slows them alike and their ratios hold
 * (the engine table's speed-up). One whose first run is long is not repeated; one that fails
 * is not run again.
 */
export function lockstepInRounds(reps: number, runs: readonly (() => Side<LockstepRun>)[], onRound?: (round: number) => void): Side<LockstepSummary>[] {
  const got: Side<LockstepRun[]>[] = runs.map(() => ({ ok: true, value: [] }));
  for (let round = 0; round < reps; round++) {
    onRound?.(round);
    runs.forEach((once, i) => {
      const so = got[i]!;
      if (!so.ok || (round > 0 && so.value[0]!.wallSeconds >= REPEAT_BELOW_S)) return;
      const r = once();
      if (r.ok) so.value.push(r.value);
      else got[i] = r;
    });
  }
  return got.map((g) => (g.ok ? { ok: true, value: lockstepSummary(g.value) } : g));
}

