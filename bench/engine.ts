// The engine's own figures, beside pan's from the same run: the philosophers (fixed) on one
// worker and on two (`--workers 2`: search time against pan's, speed-up, state count), and
// the counter with symmetry off (states per second, peak memory per state stored).

import * as os from 'node:os';
import type { BenchCheckOptions } from './lockstep-child';
import { lockstepInRounds, lockstepRun, measureLockstep, type LockstepSummary, type Row, type Side } from './measure';
import { int, markdownTable, sec } from './report';

export interface EngineRun {
  /** `philosophers.fixed.n12, 2 workers`. */
  readonly label: string;
  readonly model: string;
  readonly workers: number;
  /** Independent one-worker searches run side by side in threads of one process (see `measureEngine`). */
  readonly alongside?: number;
  readonly lockstep: Side<LockstepSummary>;
  /** pan's search time for the same model in this run, when it has one. */
  readonly panSearch?: number;
  readonly spinStates?: number;
}

/**
 * Runs the extra Lockstep measurements for the philosophers and counter rows of `rows`. The
 * philosophers on one worker, on two (and on every core) and two searches side by side run
 * in rounds, one of each per round, so that the speed-up and the ceiling compare runs of the
 * same minutes; the main table's one-worker run, minutes earlier, is not reused for them.
 */
export function measureEngine(rows: readonly Row[], reps: number, base: BenchCheckOptions, log: (s: string) => void): EngineRun[] {
  const out: EngineRun[] = [];
  const cores = os.availableParallelism();
  for (const row of rows) {
    const id = row.model.id;
    const spin = row.spin.ok ? { panSearch: row.spin.value.search, spinStates: row.spin.value.run.statesStored } : {};
    if (id.startsWith('philosophers.fixed.')) {
      // How two threads of one process scale on this machine with nothing shared between
      // them: two whole one-worker searches at once. Their time against one search's bounds
      // the speed-up two workers can reach here (a perfect machine: 2×).
      const runs: { label: string; workers: number; alongside?: number }[] = [
        { label: `${id}, 1 worker`, workers: 1 },
        ...[2, ...(cores > 2 ? [cores] : [])].map((workers) => ({ label: `${id}, ${workers} workers`, workers })),
        { label: `${id}, 2 one-worker searches side by side`, workers: 1, alongside: 2 },
      ];
      const measured = lockstepInRounds(
        reps,
        runs.map((r) => () => lockstepRun(row.model, { ...base, workers: r.workers, ...(r.alongside ? { alongside: r.alongside } : {}) })),
        (round) => log(`${id}: round ${round + 1} of ${reps} (1 worker, ${runs.length - 2 > 1 ? 'more workers' : '2 workers'}, 2 searches side by side) ...`),
      );
      runs.forEach((r, i) => out.push({ label: r.label, model: id, workers: r.workers, ...(r.alongside ? { alongside: r.alongside } : {}), lockstep: measured[i]!, ...spin }));
    }
    if (id.startsWith('counter.')) {
      log(`${id} --no-symmetry ...`);
      out.push({ label: `${id} --no-symmetry, 1 worker`, model: id, workers: 1, lockstep: measureLockstep(row.model, reps, { ...base, symmetry: false, workers: 1 }) });
    }
  }
  return out;
}

const HEADER = ['run', 'states', 'search s', 'states/s', 'peak MB', 'B/state (peak RSS)', 'pan search s', 'L/pan', 'speed-up'];

function oneWorker(runs: readonly EngineRun[], model: string): LockstepSummary | undefined {
  const r = runs.find((x) => x.model === model && x.workers === 1 && !x.alongside);
  return r?.lockstep.ok ? r.lockstep.value : undefined;
}

export function engineTable(runs: readonly EngineRun[]): string[][] {
  return [HEADER, ...runs.map((r) => {
    if (!r.lockstep.ok) return [r.label, r.lockstep.why, '', '', '', '', '', '', ''];
    const v = r.lockstep.value;
    const st = v.run.result.stats;
    const one = oneWorker(runs, r.model);
    return [
      r.label,
      int(st.states),
      sec(v.check),
      int(st.states / v.check),
      int(v.run.maxRssMB),
      int((v.run.maxRssMB * 2 ** 20) / st.states),
      r.panSearch !== undefined ? sec(r.panSearch) : '–',
      r.panSearch !== undefined ? `${(v.check / r.panSearch).toFixed(2)}×` : '–',
      one && r.workers > 1 ? `${(one.check / v.check).toFixed(2)}×` : one && r.alongside ? `(${ceiling(one, v, r.alongside).toFixed(2)}× at most)` : '–',
    ];
  })];
}

/** The speed-up `n` threads could reach: n searches at once against one alone. */
function ceiling(one: LockstepSummary, side: LockstepSummary, n: number): number {
  return (n * one.check) / side.check;
}

/** The engine targets, each met or not, with the figures. */
export function engineTargets(runs: readonly EngineRun[]): string[] {
  const out: string[] = [];
  const verdict = (ok: boolean): string => (ok ? 'met' : '**not met**');
  for (const r of runs) {
    if (!r.lockstep.ok) continue;
    const v = r.lockstep.value;
    const st = v.run.result.stats;
    if (r.model.startsWith('philosophers.fixed.n12') && r.alongside) {
      const one = oneWorker(runs, r.model);
      if (one) out.push(`${r.label}: each ${(v.check / one.check).toFixed(2)}× the time of one alone, so ${r.alongside} threads of one process reach at most ${ceiling(one, v, r.alongside).toFixed(2)}× here (not a target: the machine's ceiling for the speed-up below)`);
    } else if (r.model.startsWith('philosophers.fixed.n12') && r.panSearch !== undefined) {
      if (r.workers === 1) {
        out.push(`${r.label}: search ≤ 1.0× pan's: ${verdict(v.check <= r.panSearch)} (${(v.check / r.panSearch).toFixed(2)}×); states ≤ SPIN's: ${verdict(r.spinStates !== undefined && st.states <= r.spinStates)} (${int(st.states)} vs ${int(r.spinStates ?? NaN)})`);
      } else if (r.workers === 2) {
        const one = oneWorker(runs, r.model);
        const speedup = one ? one.check / v.check : NaN;
        const same = one ? Math.abs(st.states - one.run.result.stats.states) / one.run.result.stats.states : NaN;
        out.push(`${r.label}: search ≤ 0.6× pan's: ${verdict(v.check <= 0.6 * r.panSearch)} (${(v.check / r.panSearch).toFixed(2)}×); speed-up ≥ 1.7×: ${verdict(speedup >= 1.7)} (${speedup.toFixed(2)}×); states within 3% of one worker's: ${verdict(same <= 0.03)} (${(same * 100).toFixed(1)}%)`);
      }
    }
    if (r.model === 'counter.n8.k3') {
      const rate = st.states / v.check;
      const bytes = (v.run.maxRssMB * 2 ** 20) / st.states;
      out.push(`${r.label}: ≥ 1 M states/s: ${verdict(rate >= 1e6)} (${int(rate)}); peak memory ≤ 100 bytes per state stored: ${verdict(bytes <= 100)} (${int(bytes)})`);
    }
  }
  return out;
}

export function engineMarkdown(runs: readonly EngineRun[]): string {
  if (runs.length === 0) return '';
  return [
    '',
    '## Engine (issue 10)',
    '',
    'Search time is the checker alone (the child process\'s `check`, as pan\'s search excludes gcc); B/state is the',
    'child\'s peak resident memory (Node itself included, about 45 MB) over the states stored.',
    '',
    markdownTable(engineTable(runs), [0]),
    '',
    ...engineTargets(runs).map((t) => `- ${t}`),
    '',
  ].join('\n');
}
