// `npm run bench`: runs SPIN and the Lockstep checker side by side on every Promela model
// and its `.lockstep` twin, one run at a time, and prints the table of states,
// transitions, wall time and peak memory with the Lockstep/SPIN ratios (Markdown on request).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { checkApi, loadScenarioApi, type CheckLimits } from './lockstep-api';
import { runLockstep, type LockstepRun } from './lockstep';
import { benchModels, DEFAULT_SIZES, selectModels, type BenchModel, type Sizes } from './models';
import { ensureSpin, runSpin, SpinError, type SpinRun } from './spin';

/** Runs whose first repetition took longer than this are not repeated. */
const REPEAT_BELOW_S = 15;

const USAGE = `usage: npm run bench -- [options]
  --only PATTERNS     comma-separated model ids or substrings (* wildcards), e.g. seed00,counter
  --n LIST            sizes N of philosophers and counter (default: philosophers 12, counter 8)
  --k K               increments per counter thread (default 3)
  --reps R            repetitions of runs shorter than ${REPEAT_BELOW_S}s; medians are reported (default 3)
  --markdown FILE     also write the results as Markdown (for bench/RESULTS.md)
  --json FILE         also write every measurement as JSON
  --max-states N      Lockstep bound (default 50000000)
  --max-seconds S     Lockstep bound (default 600)
  --no-spin           Lockstep only
  --no-lockstep       SPIN only
  --list              print the model ids and exit`;

interface Options {
  readonly only?: string;
  readonly sizes: Sizes;
  readonly reps: number;
  readonly markdown?: string;
  readonly json?: string;
  readonly limits: CheckLimits;
  readonly spin: boolean;
  readonly lockstep: boolean;
  readonly list: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      n: { type: 'string' },
      k: { type: 'string' },
      reps: { type: 'string' },
      markdown: { type: 'string' },
      json: { type: 'string' },
      'max-states': { type: 'string' },
      'max-seconds': { type: 'string' },
      'no-spin': { type: 'boolean' },
      'no-lockstep': { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (s: string | undefined, what: string, dflt: number): number => {
    if (s === undefined) return dflt;
    const v = Number(s);
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`${what} must be a positive integer, got '${s}'`);
    return v;
  };
  const ns = values.n?.split(',').map((s) => int(s.trim(), '--n', 0));
  return {
    ...(values.only !== undefined ? { only: values.only } : {}),
    sizes: {
      philosophers: ns ?? DEFAULT_SIZES.philosophers,
      counter: ns ?? DEFAULT_SIZES.counter,
      counterK: int(values.k, '--k', DEFAULT_SIZES.counterK),
    },
    reps: int(values.reps, '--reps', 3),
    ...(values.markdown !== undefined ? { markdown: values.markdown } : {}),
    ...(values.json !== undefined ? { json: values.json } : {}),
    limits: {
      maxStates: int(values['max-states'], '--max-states', 50_000_000),
      maxSeconds: int(values['max-seconds'], '--max-seconds', 600),
    },
    spin: !values['no-spin'],
    lockstep: !values['no-lockstep'],
    list: values.list ?? false,
  };
}

class UsageError extends Error {}

// ---------- measurements ----------

interface SpinSummary {
  readonly run: SpinRun;
  readonly reps: number;
  /** Medians over the repetitions. */
  readonly compile: number;
  readonly search: number;
  readonly total: number;
}

interface LockstepSummary {
  readonly run: LockstepRun;
  readonly reps: number;
  readonly load: number;
  readonly check: number;
  readonly wall: number;
}

type Side<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

interface Row {
  readonly model: BenchModel;
  readonly spin: Side<SpinSummary>;
  readonly lockstep: Side<LockstepSummary>;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `once` until it has `reps` results, or just once when the first run is long. */
function repeat<T>(reps: number, seconds: (t: T) => number, once: () => T): T[] {
  const first = once();
  const out = [first];
  if (seconds(first) < REPEAT_BELOW_S) while (out.length < reps) out.push(once());
  return out;
}

function measureSpin(model: BenchModel, reps: number): Side<SpinSummary> {
  try {
    const runs = repeat(reps, (r) => r.seconds.total, () => runSpin(model.promela));
    return {
      ok: true,
      value: {
        run: runs[0]!,
        reps: runs.length,
        compile: median(runs.map((r) => r.seconds.compile)),
        search: median(runs.map((r) => r.seconds.search)),
        total: median(runs.map((r) => r.seconds.total)),
      },
    };
  } catch (e) {
    if (e instanceof SpinError) return { ok: false, why: e.message };
    throw e;
  }
}

class LockstepFailure extends Error {}

function measureLockstep(model: BenchModel, reps: number, limits: CheckLimits): Side<LockstepSummary> {
  try {
    const runs = repeat(reps, (r) => r.wallSeconds, () => {
      const outcome = runLockstep(model.lockstep.name, model.lockstep.text, limits);
      if (outcome.status === 'ok') return outcome.run;
      throw new LockstepFailure(outcome.status === 'unavailable' ? outcome.why : outcome.message);
    });
    const peak = runs.reduce((a, r) => (r.maxRssMB > a.maxRssMB ? r : a), runs[0]!);
    return {
      ok: true,
      value: {
        run: peak,
        reps: runs.length,
        load: median(runs.map((r) => r.loadSeconds)),
        check: median(runs.map((r) => r.checkSeconds)),
        wall: median(runs.map((r) => r.wallSeconds)),
      },
    };
  } catch (e) {
    if (e instanceof LockstepFailure) return { ok: false, why: e.message };
    throw e;
  }
}

// ---------- the machine ----------

export interface Machine {
  readonly date: string;
  readonly nproc: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly spin: string;
  readonly gcc: string;
}

function describeMachine(spinVersion: string): Machine {
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
  };
}

// ---------- the table ----------

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '?');
const sec = (s: number): string => (s < 10 ? s.toFixed(2) : s.toFixed(1));
const mb = (m: number): string => (m < 10 ? m.toFixed(1) : Math.round(m).toString());
const ratio = (l: number, s: number): string => (Number.isFinite(l) && Number.isFinite(s) && s > 0 ? `${(l / s).toFixed(2)}×` : '–');

function spinVerdict(s: SpinSummary): string {
  return s.run.verdict;
}

function lockstepVerdict(l: LockstepSummary): string {
  const kinds = [...new Set(l.run.result.violations.map((v) => v.kind))];
  return kinds.length > 0 ? `${l.run.result.verdict} (${kinds.join(', ')})` : l.run.result.verdict;
}

/** SPIN's peak memory: pan's max RSS when GNU time measured it, else pan's own total. */
function spinPeakMB(s: SpinSummary): number {
  return s.run.maxRssMB ?? s.run.panTotalMB;
}

const HEADER = [
  'model', 'SPIN verdict', 'Lockstep verdict',
  'SPIN states', 'Lockstep states', 'L/S',
  'SPIN transitions', 'Lockstep transitions',
  'SPIN wall s (compile+search)', 'Lockstep wall s (check)', 'L/S',
  'SPIN peak MB', 'Lockstep peak MB', 'L/S',
];

function cells(row: Row): string[] {
  const s = row.spin.ok ? row.spin.value : undefined;
  const l = row.lockstep.ok ? row.lockstep.value : undefined;
  const na = (side: Side<unknown>): string => (side.ok ? '' : 'n/a');
  // An unavailable side says why once, in its verdict column.
  const why = (side: Side<unknown>): string => (side.ok ? '' : side.why);
  const mark = (verdict: string | undefined): string =>
    verdict === undefined ? '' : verdict.startsWith(row.model.expected) ? '' : ' ≠README';
  return [
    row.model.id,
    s ? `${spinVerdict(s)}${mark(s.run.verdict)}` : why(row.spin),
    l ? `${lockstepVerdict(l)}${mark(l.run.result.verdict)}` : why(row.lockstep),
    s ? int(s.run.statesStored) : na(row.spin),
    l ? int(l.run.result.stats.states) : na(row.lockstep),
    s && l ? ratio(l.run.result.stats.states, s.run.statesStored) : '–',
    s ? int(s.run.transitions) : na(row.spin),
    l ? int(l.run.result.stats.transitions) : na(row.lockstep),
    s ? `${sec(s.total)} (${sec(s.compile)}+${sec(s.search)})` : na(row.spin),
    l ? `${sec(l.wall)} (${sec(l.check)})` : na(row.lockstep),
    s && l ? ratio(l.wall, s.total) : '–',
    s ? mb(spinPeakMB(s)) : na(row.spin),
    l ? mb(l.run.maxRssMB) : na(row.lockstep),
    s && l ? ratio(l.run.maxRssMB, spinPeakMB(s)) : '–',
  ];
}

function textTable(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r, ri) => {
      const line = r.map((c, i) => (i === 0 || i === 1 || i === 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
      return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

function markdownTable(rows: readonly string[][]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const [head, ...body] = rows;
  return [
    `| ${head!.map(esc).join(' | ')} |`,
    `|${head!.map((_, i) => (i < 3 ? '---' : '---:')).join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Per-model details that do not fit the main table: depth, errors, bytes and states per second. */
function detailRows(rows: readonly Row[]): string[][] {
  const out: string[][] = [[
    'model', 'SPIN error (depth)', 'SPIN depth reached', 'SPIN B/state', 'SPIN states/s (search)',
    'Lockstep first violation', 'Lockstep B/state', 'Lockstep states/s (check)', 'runs S/L',
  ]];
  for (const row of rows) {
    const s = row.spin.ok ? row.spin.value : undefined;
    const l = row.lockstep.ok ? row.lockstep.value : undefined;
    const lStats = l?.run.result.stats;
    const first = l?.run.result.violations[0];
    out.push([
      row.model.id,
      s ? (s.run.error ?? '–') : '–',
      s ? int(s.run.depthReached) : '–',
      s ? int((s.run.stateMemoryMB * 2 ** 20) / s.run.statesStored) : '–',
      s ? int(s.run.statesStored / s.search) : '–',
      first ? `${first.kind}: ${first.message}` : l ? '–' : row.lockstep.ok ? '–' : row.lockstep.why,
      lStats ? int((lStats.peakMemoryMB * 2 ** 20) / lStats.states) : '–',
      lStats ? int(lStats.states / l!.check) : '–',
      `${s?.reps ?? 0}/${l?.reps ?? 0}`,
    ]);
  }
  return out;
}

function mismatches(rows: readonly Row[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const want = row.model.expected;
    if (row.spin.ok && row.spin.value.run.verdict !== want) {
      out.push(`${row.model.id}: SPIN says ${row.spin.value.run.verdict}, the Promela README says ${want}`);
    }
    if (row.lockstep.ok && row.lockstep.value.run.result.verdict !== want) {
      out.push(`${row.model.id}: Lockstep says ${lockstepVerdict(row.lockstep.value)}, SPIN (README) says ${want}`);
    }
  }
  return out;
}

function markdownReport(machine: Machine, argv: readonly string[], rows: readonly Row[], notes: readonly string[]): string {
  return [
    `Measured ${machine.date} on ${machine.nproc} × ${machine.cpu}, ${machine.memoryGiB} GiB RAM; `
      + `${machine.spin}, ${machine.gcc}, Node ${machine.node}. The machine was shared with other `
      + 'engineers\' work while this ran, so wall times carry noise.',
    '',
    `Command: \`npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}\``,
    '',
    markdownTable([HEADER, ...rows.map(cells)]),
    '',
    markdownTable(detailRows(rows)),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

// ---------- main ----------

function main(argv: string[]): number {
  let opts: Options;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const models = selectModels(benchModels(opts.sizes), opts.only);
  if (opts.list) {
    for (const m of models) console.log(m.id);
    return 0;
  }
  if (models.length === 0) {
    console.error(`no model matches --only ${opts.only ?? ''}; try --list`);
    return 2;
  }

  const notes: string[] = [];
  let spinWhy: string | undefined = opts.spin ? undefined : 'not run (--no-spin)';
  let spinVersion = 'SPIN not run';
  if (opts.spin) {
    const spin = ensureSpin((line) => console.error(line));
    if (spin.ok) spinVersion = spin.version;
    else {
      spinWhy = `SPIN unavailable: ${spin.why}`;
      console.error(`${spinWhy}; the SPIN columns are skipped.`);
      notes.push(spinWhy);
    }
  }
  let lockstepWhy: string | undefined = opts.lockstep ? undefined : 'not run (--no-lockstep)';
  if (opts.lockstep) {
    const load = loadScenarioApi();
    const check = checkApi();
    lockstepWhy = !check.ok ? check.why : !load.ok ? load.why : undefined;
    if (lockstepWhy) {
      console.error(`Lockstep: ${lockstepWhy}; the Lockstep columns are skipped.`);
      notes.push(`Lockstep: ${lockstepWhy}.`);
    }
  }

  const machine = describeMachine(spinVersion);
  console.log(`${machine.date}  ${machine.nproc} × ${machine.cpu}, ${machine.memoryGiB} GiB; ${machine.spin}; Node ${machine.node}`);
  const rows: Row[] = [];
  for (const model of models) {
    process.stderr.write(`${model.id} ...`);
    // One run at a time, SPIN then Lockstep: the two never compete for the machine.
    const spin: Side<SpinSummary> = spinWhy ? { ok: false, why: spinWhy } : measureSpin(model, opts.reps);
    process.stderr.write(spin.ok ? ` SPIN ${sec(spin.value.total)}s` : ' SPIN n/a');
    const lockstep: Side<LockstepSummary> = lockstepWhy
      ? { ok: false, why: lockstepWhy }
      : measureLockstep(model, opts.reps, opts.limits);
    process.stderr.write(lockstep.ok ? `, Lockstep ${sec(lockstep.value.wall)}s\n` : ', Lockstep n/a\n');
    if (!spin.ok && !spinWhy) notes.push(`${model.id}: SPIN failed: ${spin.why}`);
    if (!lockstep.ok && !lockstepWhy) notes.push(`${model.id}: Lockstep failed: ${lockstep.why}`);
    rows.push({ model, spin, lockstep });
  }

  const wrong = mismatches(rows);
  notes.push(
    'States: SPIN\'s "states, stored" (partial-order reduction on), Lockstep\'s states stored. '
      + 'Transitions: SPIN\'s "transitions (= stored+matched)".',
    'Wall: SPIN is spin -a + gcc (compile) + pan (search); Lockstep is its whole child process '
      + '(Node start-up, load, check), with the checker alone in parentheses. Medians over the runs counted in "runs S/L".',
    'Peak MB: max RSS of pan (GNU time) and of the Lockstep child process (process.resourceUsage). '
      + 'pan touches its whole -m10000000 DFS stack and -w24 hash table, about 660 MB, whatever the model.',
    'B/state: SPIN\'s "actual memory usage for states" and Lockstep\'s own peakMemoryMB, divided by states stored.',
    ...wrong.map((w) => `Verdict mismatch: ${w}`),
  );
  console.log(textTable([HEADER, ...rows.map(cells)]));
  console.log('');
  console.log(textTable(detailRows(rows)));
  console.log('');
  for (const n of notes) console.log(`- ${n}`);
  if (opts.markdown) fs.writeFileSync(opts.markdown, markdownReport(machine, argv, rows, notes));
  if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify({ machine, argv, rows }, null, 2)}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
