// How cost grows with the model's size, both tools side by side in one run: dining
// philosophers (fixed) N = 6…14 and the counter (Lockstep without symmetry reduction, as
// pan has none) N = 3…8, with states, time, states/s, time per state, peak memory and
// bytes per state. The target (issue 10): Lockstep's time per state stays flat as N grows,
// within 2× from the smallest N to the largest. A small N's run is over before fixed costs
// (the JIT warming up, building traces) are paid off, so flatness is judged on the marginal
// cost: the extra time per extra state from one N to the next. Each Lockstep run is also timed
// again with the JIT's code warm (lockstep-child.ts, `warm`): what a language server or
// `lockstep test` that has checked before pays, and how the search itself grows with N.

import type { LockstepRun } from './lockstep';
import { lockstepRun, lockstepSummary, REPEAT_BELOW_S, spinRun, spinSummary, type LockstepSummary, type Side, type SpinSummary } from './measure';
import type { SpinRun } from './spin';
import { WARM_TIMED_SECONDS, WARM_UP_SECONDS, type BenchCheckOptions } from './lockstep-child';
import { benchModels, type BenchModel } from './models';
import { int, markdownTable, mb, sec, spinPeakMB } from './report';

export const SCALING_SIZES = { philosophers: [6, 8, 10, 12, 14], counter: [3, 4, 5, 6, 7, 8], counterK: 3 } as const;

/**
 * Lockstep's default bound per scaling run: philosophers N=14 stores tens of millions of
 * states, which would take the bench past an hour; time per state is measured on the
 * states it did store (the run is marked bounded). SPIN's runs are not bounded.
 */
export const SCALING_MAX_STATES = 2_000_000;

export type Family = 'philosophers' | 'counter';

export interface ScalingCase {
  readonly family: Family;
  readonly n: number;
  readonly model: BenchModel;
  readonly check: BenchCheckOptions;
}

export interface ScalingRow {
  readonly case: ScalingCase;
  readonly spin: Side<SpinSummary>;
  readonly lockstep: Side<LockstepSummary>;
}

export function scalingCases(check: BenchCheckOptions): ScalingCase[] {
  const models = benchModels({ philosophers: SCALING_SIZES.philosophers, counter: SCALING_SIZES.counter, counterK: SCALING_SIZES.counterK });
  const out: ScalingCase[] = [];
  for (const n of SCALING_SIZES.philosophers) {
    const model = models.find((m) => m.id === `philosophers.fixed.n${n}`)!;
    out.push({ family: 'philosophers', n, model, check: { ...check, warm: true } });
  }
  for (const n of SCALING_SIZES.counter) {
    const model = models.find((m) => m.id === `counter.n${n}.k${SCALING_SIZES.counterK}`)!;
    out.push({ family: 'counter', n, model, check: { ...check, symmetry: false, warm: true } });
  }
  return out;
}

/**
 * Every case on each side, in rounds: each round runs every case once, SPIN then Lockstep,
 * one after the other (never competing for the machine), so that a guest whose speed drifts
 * from minute to minute slows every N alike and the ratios across N stay meaningful. A case
 * whose first run is long is not repeated (REPEAT_BELOW_S); a side that fails on a case is
 * not run on it again, and the failure is its result.
 */
export function measureScaling(cases: readonly ScalingCase[], reps: number, spin: boolean, lockstep: boolean, why: { spin?: string; lockstep?: string }, onRound?: (round: number) => void): ScalingRow[] {
  const start = <T>(on: boolean, reason: string | undefined): Side<T[]> => (on ? { ok: true, value: [] } : { ok: false, why: reason ?? 'not run' });
  const spinRuns = cases.map(() => start<SpinRun>(spin, why.spin));
  const lockstepRuns = cases.map(() => start<LockstepRun>(lockstep, why.lockstep));
  const again = <T>(runs: Side<T[]>, round: number, seconds: (t: T) => number): runs is { ok: true; value: T[] } =>
    runs.ok && (round === 0 || seconds(runs.value[0]!) < REPEAT_BELOW_S);
  for (let round = 0; round < reps; round++) {
    onRound?.(round);
    cases.forEach((c, i) => {
      const s = spinRuns[i]!;
      if (again(s, round, (r) => r.seconds.total)) {
        const r = spinRun(c.model, c.check.reduction !== false);
        if (r.ok) s.value.push(r.value);
        else spinRuns[i] = r;
      }
      const l = lockstepRuns[i]!;
      if (again(l, round, (r) => r.wallSeconds)) {
        const r = lockstepRun(c.model, c.check);
        if (r.ok) l.value.push(r.value);
        else lockstepRuns[i] = r;
      }
    });
  }
  return cases.map((c, i) => {
    const s = spinRuns[i]!;
    const l = lockstepRuns[i]!;
    return {
      case: c,
      spin: s.ok ? { ok: true, value: spinSummary(s.value) } : s,
      lockstep: l.ok ? { ok: true, value: lockstepSummary(l.value) } : l,
    };
  });
}

const HEADER = [
  'model', 'N',
  'SPIN states', 'SPIN search s', 'SPIN states/s', 'SPIN µs/state', 'SPIN peak MB', 'SPIN peak B/state', 'SPIN marginal µs/state',
  'Lockstep states', 'Lockstep check s', 'Lockstep states/s', 'Lockstep µs/state', 'Lockstep peak MB', 'Lockstep peak B/state', 'Lockstep store B/state', 'Lockstep marginal µs/state',
  'Lockstep warm check s', 'Lockstep warm µs/state',
];

interface Figures {
  readonly states: number;
  readonly seconds: number;
  readonly peakMB: number;
}

function spinFigures(r: ScalingRow): Figures | undefined {
  return r.spin.ok ? { states: r.spin.value.run.statesStored, seconds: r.spin.value.search, peakMB: spinPeakMB(r.spin.value) } : undefined;
}

function lockstepFigures(r: ScalingRow): Figures | undefined {
  return r.lockstep.ok ? { states: r.lockstep.value.run.result.stats.states, seconds: r.lockstep.value.check, peakMB: r.lockstep.value.run.maxRssMB } : undefined;
}

/** The same check timed with the JIT's code warm (peak memory is the cold run's). */
function warmFigures(r: ScalingRow): Figures | undefined {
  const f = lockstepFigures(r);
  return f && r.lockstep.ok && r.lockstep.value.warm !== undefined ? { ...f, seconds: r.lockstep.value.warm } : undefined;
}

const usPerState = (f: Figures): number => (f.seconds * 1e6) / f.states;
/** The extra time per extra state from the previous size to this one. */
const marginalUs = (prev: Figures | undefined, f: Figures | undefined): number =>
  prev && f && f.states > prev.states ? ((f.seconds - prev.seconds) * 1e6) / (f.states - prev.states) : NaN;
const us = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');

function cells(f: Figures | undefined, why: string): string[] {
  if (!f) return [why, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'];
  return [int(f.states), sec(f.seconds), int(f.states / f.seconds), us(usPerState(f)), mb(f.peakMB), int((f.peakMB * 2 ** 20) / f.states)];
}

export function scalingTable(rows: readonly ScalingRow[]): string[][] {
  return [
    HEADER,
    ...rows.map((r, i) => {
      const l = lockstepFigures(r);
      const prev = rows[i - 1]?.case.family === r.case.family ? rows[i - 1] : undefined;
      const bounded = r.lockstep.ok && r.lockstep.value.run.result.bound ? ' (bounded)' : '';
      const lc = cells(l, r.lockstep.ok ? '' : r.lockstep.why);
      lc[0] = `${lc[0]}${bounded}`;
      return [
        r.case.family === 'philosophers' ? 'philosophers (fixed)' : `counter K=${SCALING_SIZES.counterK} (no symmetry)`,
        String(r.case.n),
        ...cells(spinFigures(r), r.spin.ok ? '' : r.spin.why),
        us(marginalUs(prev && spinFigures(prev), spinFigures(r))),
        ...lc,
        r.lockstep.ok ? int(r.lockstep.value.run.result.stats.bytesPerState) : 'n/a',
        us(marginalUs(prev && lockstepFigures(prev), l)),
        ...((w) => (w ? [w.seconds.toFixed(4), us(usPerState(w))] : ['n/a', 'n/a']))(warmFigures(r)),
      ];
    }),
  ];
}

/**
 * Per family and side: time per state at each N, and the marginal cost from one N to the
 * next; the 2× target on Lockstep's marginal cost, largest over smallest.
 */
export function scalingFindings(rows: readonly ScalingRow[]): string[] {
  const out: string[] = [];
  for (const family of ['philosophers', 'counter'] as const) {
    const mine = rows.filter((r) => r.case.family === family);
    for (const [side, figures] of [['Lockstep', lockstepFigures], ['SPIN', spinFigures]] as const) {
      const measured = mine.map((r) => ({ n: r.case.n, f: figures(r) })).filter((x): x is { n: number; f: Figures } => x.f !== undefined);
      if (measured.length < 2) continue;
      const spread = measured.map((x) => `N=${x.n} ${us(usPerState(x.f))}`).join(', ');
      const marginal = measured.slice(1).map((x, i) => ({ n: x.n, us: marginalUs(measured[i]!.f, x.f) })).filter((x) => Number.isFinite(x.us) && x.us > 0);
      const ms = marginal.map((x) => x.us);
      const growth = ms.length > 0 ? Math.max(...ms) / Math.min(...ms) : NaN;
      const verdict = side === 'Lockstep' && Number.isFinite(growth) ? `; flat within 2×: ${growth <= 2 ? 'met' : '**not met**'}` : '';
      out.push(
        `${family}: ${side} µs per state ${spread}; marginal ${marginal.map((x) => `to N=${x.n} ${us(x.us)}`).join(', ')} `
          + `(largest / smallest marginal: ${Number.isFinite(growth) ? growth.toFixed(2) : '–'}×${verdict}).`,
      );
    }
    const warm = mine.map((r) => ({ n: r.case.n, f: warmFigures(r) })).filter((x): x is { n: number; f: Figures } => x.f !== undefined);
    if (warm.length >= 2) {
      const per = warm.map((x) => usPerState(x.f));
      const growth = Math.max(...per) / Math.min(...per);
      out.push(
        `${family}: Lockstep warm µs per state ${warm.map((x) => `N=${x.n} ${us(usPerState(x.f))}`).join(', ')} `
          + `(largest / smallest: ${growth.toFixed(2)}×; flat within 2× with the code warm: ${growth <= 2 ? 'met' : '**not met**'}).`,
      );
    }
  }
  return out;
}

export function scalingMarkdown(rows: readonly ScalingRow[], maxStates: number): string {
  return [
    '## How cost grows (issue 10)',
    '',
    markdownTable(scalingTable(rows), [0]),
    '',
    ...scalingFindings(rows).map((x) => `- ${x}`),
    '',
    ...SCALING_NOTES(maxStates).map((x) => `- ${x}`),
    '',
  ].join('\n');
}

export const SCALING_NOTES = (maxStates: number): string[] => [
  'Time: pan\'s search alone (no spin -a or gcc) and Lockstep\'s checker alone (no Node start-up or parsing); µs/state is that time over states stored. '
    + 'Marginal µs/state: the extra time over the extra states from the previous N, which leaves out fixed costs (start-up, the JIT warming up, traces) that dominate small N.',
  `Lockstep runs stop at --max-states ${int(maxStates)} (marked bounded; philosophers N=14 stores far more): its time per state is over the states it stored. SPIN runs are not bounded.`,
  'Peak B/state: the process\'s peak RSS over states stored, everything included (Node or pan start-up, the search frontier, pan\'s preallocated hash table and stack, about 660 MB); small N is dominated by those fixed costs. Store B/state: Lockstep\'s visited-state table and parent links alone.',
  `Warm: the same Lockstep check with the JIT's code warm, in the same process after the timed one: the file compiled afresh and checked over and over for ${WARM_UP_SECONDS} s of checking, then for ${WARM_TIMED_SECONDS} s more (at least once each), timed; the median over those and over the runs. Each check starts with its own empty step memo, intern and tables: only the code is warm, as in a language server or \`lockstep test\` that has checked before. Its time per state is judged directly against the 2× target, with no marginal step.`,
  'The counter runs Lockstep with symmetry reduction off (--no-symmetry), as pan has none; philosophers run both with their default reductions.',
];
