// The bench's report: the side-by-side table (text and Markdown), per-model details,
// verdicts that disagree with SPIN's, and issue 3's performance targets, checked.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { LockstepSummary, Row, SpinSummary } from './measure';
import { SEED_VARIANTS } from './models';

export interface Machine {
  readonly date: string;
  readonly nproc: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly spin: string;
  readonly gcc: string;
  /** 1-minute load average when the bench started: how busy the shared machine was. */
  readonly loadAverage: number;
}

export function describeMachine(spinVersion: string): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpu = m[1].trim();
  } catch {
    // Not Linux: os.cpus() said what it could.
  }
  const gccOut = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  const gcc = (gccOut.error ? undefined : gccOut.stdout.split('\n')[0]?.trim()) || 'gcc not found';
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: os.availableParallelism(),
    cpu,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    spin: spinVersion,
    gcc,
    loadAverage: os.loadavg()[0] ?? NaN,
  };
}

export function machineLine(m: Machine): string {
  return `${m.date}  ${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB; ${m.spin}; ${m.gcc}; Node ${m.node}`;
}

// ---------- formatting ----------

export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '?');
export const sec = (s: number): string => (s < 10 ? s.toFixed(2) : s.toFixed(1));
export const mb = (m: number): string => (m < 10 ? m.toFixed(1) : Math.round(m).toString());
const ratioOf = (l: number, s: number): number => (Number.isFinite(l) && Number.isFinite(s) && s > 0 ? l / s : NaN);
const ratio = (l: number, s: number): string => {
  const r = ratioOf(l, s);
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : '–';
};

function lockstepVerdict(l: LockstepSummary): string {
  const kinds = [...new Set(l.run.result.violations.map((v) => v.kind))];
  return kinds.length > 0 ? `${l.run.result.verdict} (${kinds.join(', ')})` : l.run.result.verdict;
}

/** SPIN's peak memory: pan's max RSS when GNU time measured it, else pan's own total. */
export function spinPeakMB(s: SpinSummary): number {
  return s.run.maxRssMB ?? s.run.panTotalMB;
}

const spinOf = (row: Row): SpinSummary | undefined => (row.spin.ok ? row.spin.value : undefined);
const lockstepOf = (row: Row): LockstepSummary | undefined => (row.lockstep.ok ? row.lockstep.value : undefined);

// ---------- the tables ----------

const HEADER = [
  'model', 'SPIN verdict', 'Lockstep verdict',
  'SPIN states', 'Lockstep states', 'L/S',
  'SPIN transitions', 'Lockstep transitions',
  'SPIN wall s (compile+search)', 'Lockstep wall s (check)', 'L/S',
  'SPIN peak MB', 'Lockstep peak MB', 'L/S',
];

function mainRow(row: Row): string[] {
  const s = spinOf(row);
  const l = lockstepOf(row);
  // An unavailable side says why once, in its verdict column, and n/a elsewhere.
  const why = (side: Row['spin'] | Row['lockstep']): string => (side.ok ? '' : side.why);
  const mark = (verdict: string): string => (verdict === row.model.expected ? '' : ' ≠README');
  return [
    row.model.id,
    s ? `${s.run.verdict}${mark(s.run.verdict)}` : why(row.spin),
    l ? `${lockstepVerdict(l)}${mark(l.run.result.verdict)}` : why(row.lockstep),
    s ? int(s.run.statesStored) : 'n/a',
    l ? int(l.run.result.stats.states) : 'n/a',
    s && l ? ratio(l.run.result.stats.states, s.run.statesStored) : '–',
    s ? int(s.run.transitions) : 'n/a',
    l ? int(l.run.result.stats.transitions) : 'n/a',
    s ? `${sec(s.total)} (${sec(s.compile)}+${sec(s.search)})` : 'n/a',
    l ? `${sec(l.wall)} (${sec(l.check)})` : 'n/a',
    s && l ? ratio(l.wall, s.total) : '–',
    s ? mb(spinPeakMB(s)) : 'n/a',
    l ? mb(l.run.maxRssMB) : 'n/a',
    s && l ? ratio(l.run.maxRssMB, spinPeakMB(s)) : '–',
  ];
}

const DETAIL_HEADER = [
  'model', 'SPIN first error', 'SPIN depth reached', 'SPIN B/state', 'SPIN states/s (search)',
  'Lockstep first violation', 'Lockstep depth reached', 'Lockstep B/state', 'Lockstep states/s (check)', 'runs S/L',
];

/** What does not fit the main table: errors, depth, bytes and states per second. */
function detailRow(row: Row): string[] {
  const s = spinOf(row);
  const l = lockstepOf(row);
  const stats = l?.run.result.stats;
  const first = l?.run.result.violations[0];
  return [
    row.model.id,
    s?.run.error ?? '–',
    s ? int(s.run.depthReached) : '–',
    s ? int((s.run.stateMemoryMB * 2 ** 20) / s.run.statesStored) : '–',
    s ? int(s.run.statesStored / s.search) : '–',
    first ? `${first.kind}: ${oneLine(first.message)}` : l?.run.result.bound ?? '–',
    stats ? int(stats.maxDepth) : '–',
    stats ? int(stats.bytesPerState) : '–',
    stats && l ? int(stats.states / l.check) : '–',
    `${s?.reps ?? 0}/${l?.reps ?? 0}`,
  ];
}

function oneLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}

export function textTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const leftAligned = (i: number): boolean => i <= 2;
  return rows
    .map((r, ri) => {
      const line = r.map((c, i) => (leftAligned(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
      return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

export function markdownTable(rows: readonly (readonly string[])[], leftColumns: readonly number[]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const [head, ...body] = rows;
  return [
    `| ${head!.map(esc).join(' | ')} |`,
    `|${head!.map((_, i) => (leftColumns.includes(i) ? '---' : '---:')).join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function mainTable(rows: readonly Row[]): string[][] {
  return [HEADER, ...rows.map(mainRow)];
}

export function detailTable(rows: readonly Row[]): string[][] {
  return [DETAIL_HEADER, ...rows.map(detailRow)];
}

// ---------- verdicts and targets ----------

/** Every verdict that differs from the one SPIN gave in the Promela README. */
export function mismatches(rows: readonly Row[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const want = row.model.expected;
    const s = spinOf(row);
    const l = lockstepOf(row);
    if (s && s.run.verdict !== want) out.push(`${row.model.id}: SPIN says ${s.run.verdict}, the Promela README says ${want}`);
    if (l && l.run.result.verdict !== want) out.push(`${row.model.id}: Lockstep says ${lockstepVerdict(l)}, SPIN says ${want}`);
  }
  return out;
}

const SEED_IDS = new Set(SEED_VARIANTS.map((v) => `${v.seed}.${v.variant}`));

/** Issue 3's targets, as ratios from this run; a target whose models were not run is skipped. */
export function targets(rows: readonly Row[]): string[] {
  const both = rows.filter((r) => r.spin.ok && r.lockstep.ok) as (Row & { spin: { ok: true; value: SpinSummary }; lockstep: { ok: true; value: LockstepSummary } })[];
  const wallRatio = (r: (typeof both)[number]): number => ratioOf(r.lockstep.value.wall, r.spin.value.total);
  const stateRatio = (r: (typeof both)[number]): number => ratioOf(r.lockstep.value.run.result.stats.states, r.spin.value.run.statesStored);
  const met = (ok: boolean): string => (ok ? 'met' : '**not met**');
  const out: string[] = [];
  const seeds = both.filter((r) => SEED_IDS.has(r.model.id));
  if (seeds.length > 0) {
    const misses = seeds.filter((r) => !(wallRatio(r) <= 0.3));
    out.push(
      `Every seed, buggy and fixed: Lockstep wall ≤ 0.3× SPIN's: ${met(misses.length === 0)} `
        + `(${seeds.length - misses.length} of ${seeds.length}; worst ${Math.max(...seeds.map(wallRatio)).toFixed(2)}×`
        + `${misses.length > 0 ? `; over: ${misses.map((r) => `${r.model.id} ${wallRatio(r).toFixed(2)}×`).join(', ')}` : ''}).`,
    );
  }
  for (const id of ['philosophers.fixed.n12', 'counter.n8.k3']) {
    const r = both.find((x) => x.model.id === id);
    if (!r) continue;
    out.push(
      `${id}: wall ≤ 1.0× SPIN's: ${met(wallRatio(r) <= 1)} (${wallRatio(r).toFixed(2)}×); `
        + `states stored ≤ SPIN's: ${met(stateRatio(r) <= 1)} (${stateRatio(r).toFixed(2)}×).`,
    );
  }
  const counter = both.find((x) => x.model.id === 'counter.n8.k3');
  if (counter) {
    const rate = counter.lockstep.value.run.result.stats.states / counter.lockstep.value.check;
    out.push(`counter.n8.k3: throughput ≥ 1 M states/s: ${met(rate >= 1e6)} (${int(rate)} states/s in the checker).`);
  }
  return out;
}

export const METHOD_NOTES: readonly string[] = [
  'States: SPIN\'s "states, stored" (partial-order reduction on) and Lockstep\'s states stored. '
    + 'Transitions: SPIN\'s "transitions (= stored+matched)" and Lockstep\'s transitions explored.',
  'Wall: SPIN is spin -a + gcc (compile) + pan (search); Lockstep is its whole child process '
    + '(Node start-up, parse, bind, compile, check), with the checker alone in parentheses. '
    + 'Medians over the runs counted in "runs S/L" (runs over 15 s are not repeated). '
    + 'The Lockstep child runs without NODE_EXTRA_CA_CERTS, which some machines set for a proxy: '
    + 'with it, Node reads every certificate of that bundle as it starts, before any JavaScript '
    + '(40 ms of the 90 ms `node -e 0` takes on a machine that sets it), which no check needs and pan does not pay.',
  'Peak MB: max RSS of pan (GNU time) and of the Lockstep child process (process.resourceUsage). '
    + 'pan touches its whole -m10000000 DFS stack and -w24 hash table, about 660 MB, whatever the model.',
  'B/state: SPIN\'s "actual memory usage for states" divided by states stored (pan allocates states in blocks, '
    + 'so tiny models show large figures), and the bytes per state of Lockstep\'s visited-state store (table and parent links).',
  'Lockstep stops at its first violation, as pan does without -c0 (`--all` reports every distinct one); '
    + 'its trace is shortened before it returns, and that time is counted.',
  'Verdicts marked ≠README differ from SPIN\'s in ../shared/bench/promela/README.md.',
];

export function markdownReport(machine: Machine, argv: readonly string[], rows: readonly Row[], notes: readonly string[]): string {
  const loadAtEnd = os.loadavg()[0] ?? NaN;
  const goals = targets(rows);
  const wrong = mismatches(rows);
  return [
    '# Lockstep vs SPIN',
    '',
    'Written by `npm run bench -- --markdown bench/RESULTS.md` (bench/run.ts); regenerate rather than edit.',
    '',
    `Measured ${machine.date} on ${machine.nproc} × ${machine.cpu} (nproc ${machine.nproc}), `
      + `${machine.memoryGiB} GiB RAM; ${machine.spin}; ${machine.gcc}; Node ${machine.node}. `
      + 'The machine was shared with other engineers\' work while this ran (1-minute load average '
      + `${machine.loadAverage.toFixed(1)} at the start, ${loadAtEnd.toFixed(1)} at the end, on ${machine.nproc} cores), `
      + 'so wall times carry noise.',
    '',
    `Command: \`npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}\``,
    '',
    markdownTable(mainTable(rows), [0, 1, 2]),
    '',
    markdownTable(detailTable(rows), [0, 1, 5]),
    '',
    '## Targets (issue 3)',
    '',
    ...(goals.length > 0 ? goals.map((g) => `- ${g}`) : ['- Not measured: no model ran on both sides.']),
    '',
    '## Verdicts',
    '',
    ...(wrong.length > 0 ? wrong.map((w) => `- Mismatch: ${w}`) : ['- Every verdict measured agrees with SPIN\'s in the Promela README.']),
    '',
    '## Notes',
    '',
    ...[...notes, ...METHOD_NOTES].map((n) => `- ${n}`),
    '',
  ].join('\n');
}
