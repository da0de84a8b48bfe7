// `npm run bench`: runs SPIN and the Lockstep checker side by side on every Promela model
// and its `.lockstep` twin, one run at a time, and prints the table of states,
// transitions, wall time and peak memory with the Lockstep/SPIN ratios, then how cost
// grows with N on both sides (scaling.ts); Markdown on request.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import type { BenchCheckOptions } from './lockstep-child';
import { measureLockstep, measureSpin, REPEAT_BELOW_S, type LockstepSummary, type Row, type Side, type SpinSummary } from './measure';
import { benchModels, DEFAULT_SIZES, selectModels, type Sizes } from './models';
import {
  describeMachine, detailTable, machineLine, mainTable, METHOD_NOTES, markdownReport, mismatches, sec, targets, textTable,
} from './report';
import { measureScaling, SCALING_MAX_STATES, SCALING_NOTES, scalingCases, scalingFindings, scalingMarkdown, scalingTable, type ScalingRow } from './scaling';
import { engineMarkdown, engineTable, engineTargets, measureEngine } from './engine';
import { ensureSpin } from './spin';

const USAGE = `usage: npm run bench -- [options]
  --only PATTERNS     comma-separated model ids or substrings (* wildcards), e.g. seed00,counter
  --n LIST            sizes N of philosophers and counter (default: philosophers 12, counter 8)
  --k K               increments per counter thread (default 3)
  --reps R            repetitions of runs shorter than ${REPEAT_BELOW_S}s; medians are reported (default 3)
  --markdown FILE     also write the results as Markdown (for bench/RESULTS.md)
  --json FILE         also write every measurement as JSON
  --max-states N      Lockstep bound (default 50000000)
  --max-seconds S     Lockstep bound (default 600)
  --all               Lockstep reports every distinct violation (default: stops at the first, as pan does)
  --no-reduction      partial-order reduction off on both sides (gcc -DNOREDUCE; reduction: false)
  --no-spin           Lockstep only
  --no-lockstep       SPIN only
  --scaling           only the scaling table (philosophers N=6…14, counter N=3…8)
  --no-scaling        no scaling table (the default with --only or --n)
  --scaling-max-states N  Lockstep bound of each scaling run (default ${SCALING_MAX_STATES})
  --no-engine         skip the engine runs (philosophers on 2 workers, counter without symmetry)
  --list              print the model ids and exit`;

interface Options {
  readonly only?: string;
  readonly sizes: Sizes;
  readonly reps: number;
  readonly markdown?: string;
  readonly json?: string;
  readonly check: BenchCheckOptions;
  readonly reduction: boolean;
  readonly spin: boolean;
  readonly lockstep: boolean;
  readonly engine: boolean;
  readonly list: boolean;
  /** The main table, the scaling table, or both. */
  readonly tables: 'main' | 'scaling' | 'both';
  readonly scalingMaxStates: number;
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
      all: { type: 'boolean' },
      'no-reduction': { type: 'boolean' },
      'no-spin': { type: 'boolean' },
      'no-lockstep': { type: 'boolean' },
      scaling: { type: 'boolean' },
      'no-scaling': { type: 'boolean' },
      'scaling-max-states': { type: 'string' },
      'no-engine': { type: 'boolean' },
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
    check: {
      maxStates: int(values['max-states'], '--max-states', 50_000_000),
      maxSeconds: int(values['max-seconds'], '--max-seconds', 600),
      first: !values.all,
      reduction: !values['no-reduction'],
    },
    reduction: !values['no-reduction'],
    spin: !values['no-spin'],
    lockstep: !values['no-lockstep'],
    engine: !values['no-engine'] && !values['no-lockstep'],
    list: values.list ?? false,
    tables: values.scaling ? 'scaling' : values['no-scaling'] || values.only !== undefined || values.n !== undefined ? 'main' : 'both',
    scalingMaxStates: int(values['scaling-max-states'], '--scaling-max-states', SCALING_MAX_STATES),
  };
}

class UsageError extends Error {}

// ---------- main ----------

function main(argv: string[]): number {
  let opts: Options;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const models = opts.tables === 'scaling' ? [] : selectModels(benchModels(opts.sizes), opts.only);
  if (opts.list) {
    for (const m of models) console.log(m.id);
    return 0;
  }
  if (models.length === 0 && opts.tables !== 'scaling') {
    console.error(`no model matches --only ${opts.only ?? ''}; try --list`);
    return 2;
  }

  // Each side is either available or has one reason why not, said once and shown in its columns.
  const notes: string[] = [];
  let spinWhy: string | undefined = opts.spin ? undefined : 'not run (--no-spin)';
  let spinVersion = 'SPIN not run';
  if (opts.spin) {
    const spin = ensureSpin((line) => console.error(line));
    if (spin.ok) spinVersion = spin.version;
    else spinWhy = `unavailable (${spin.why})`;
  }
  const lockstepWhy: string | undefined = opts.lockstep ? undefined : 'not run (--no-lockstep)';
  for (const [side, why] of [['SPIN', spinWhy], ['Lockstep', lockstepWhy]] as const) {
    if (why === undefined) continue;
    console.error(`${side}: ${why}; its columns are skipped.`);
    notes.push(`${side}: ${why}.`);
  }

  const machine = describeMachine(spinVersion);
  console.log(machineLine(machine));
  const rows: Row[] = [];
  for (const model of models) {
    process.stderr.write(`${model.id} ...`);
    // One run at a time, SPIN then Lockstep: the two never compete for the machine.
    const spin: Side<SpinSummary> = spinWhy ? { ok: false, why: spinWhy } : measureSpin(model, opts.reps, opts.reduction);
    process.stderr.write(spin.ok ? ` SPIN ${sec(spin.value.total)}s` : ' SPIN n/a');
    const lockstep: Side<LockstepSummary> = lockstepWhy
      ? { ok: false, why: lockstepWhy }
      : measureLockstep(model, opts.reps, opts.check);
    process.stderr.write(lockstep.ok ? `, Lockstep ${sec(lockstep.value.wall)}s\n` : ', Lockstep n/a\n');
    if (!spin.ok && !spinWhy) notes.push(`${model.id}: SPIN failed: ${spin.why}`);
    if (!lockstep.ok && !lockstepWhy) notes.push(`${model.id}: Lockstep failed: ${lockstep.why}`);
    rows.push({ model, spin, lockstep });
  }

  if (opts.tables !== 'scaling') {
    console.log(textTable(mainTable(rows)));
    console.log('');
    console.log(textTable(detailTable(rows)));
    console.log('');
    for (const line of targets(rows)) console.log(`target: ${line.replace(/\*\*/g, '')}`);
    for (const line of mismatches(rows)) console.log(`VERDICT MISMATCH: ${line}`);
    for (const line of [...notes, ...METHOD_NOTES]) console.log(`- ${line}`);
  }
  const engine = opts.engine && opts.tables !== 'scaling' ? measureEngine(rows, opts.reps, opts.check, (line) => console.error(line)) : [];
  if (engine.length > 0) {
    console.log('');
    console.log(textTable(engineTable(engine)));
    for (const line of engineTargets(engine)) console.log(`target: ${line.replace(/\*\*/g, '')}`);
  }
  const scaling: ScalingRow[] = [];
  if (opts.tables !== 'main') {
    const check = { ...opts.check, maxStates: Math.min(opts.check.maxStates ?? Infinity, opts.scalingMaxStates) };
    const cases = scalingCases(check);
    const rows = measureScaling(cases, opts.reps, !spinWhy, !lockstepWhy, { ...(spinWhy ? { spin: spinWhy } : {}), ...(lockstepWhy ? { lockstep: lockstepWhy } : {}) }, (round) =>
      process.stderr.write(`scaling: round ${round + 1} of ${opts.reps} over ${cases.length} cases ...\n`));
    for (const row of rows) {
      process.stderr.write(`scaling ${row.case.model.id}:${row.spin.ok ? ` SPIN ${sec(row.spin.value.search)}s` : ' SPIN n/a'}${row.lockstep.ok ? `, Lockstep ${sec(row.lockstep.value.check)}s` : ', Lockstep n/a'}\n`);
      if (!row.spin.ok && !spinWhy) notes.push(`scaling ${row.case.model.id}: SPIN failed: ${row.spin.why}`);
      if (!row.lockstep.ok && !lockstepWhy) notes.push(`scaling ${row.case.model.id}: Lockstep failed: ${row.lockstep.why}`);
      scaling.push(row);
    }
    console.log('');
    console.log(textTable(scalingTable(scaling)));
    console.log('');
    for (const line of scalingFindings(scaling)) console.log(`scaling: ${line.replace(/\*\*/g, '')}`);
    for (const line of SCALING_NOTES(opts.scalingMaxStates)) console.log(`- ${line}`);
  }
  const load = `\nLoad average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')} (1, 5, 15 min) on ${os.availableParallelism()} cores.\n`;
  if (opts.markdown) {
    const main = opts.tables === 'scaling'
      ? `# Lockstep vs SPIN: how cost grows\n\nMeasured ${machineLine(machine)}; 1-minute load average ${machine.loadAverage.toFixed(1)} at the start.\n\nCommand: \`npm run bench -- ${argv.join(' ')}\`\n\n`
      : markdownReport(machine, argv, rows, notes) + engineMarkdown(engine);
    fs.writeFileSync(opts.markdown, main + (scaling.length > 0 ? `\n${scalingMarkdown(scaling, opts.scalingMaxStates)}` : '') + load + keptSection(opts.markdown));
  }
  if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify({ machine, argv, rows }, null, 2)}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

/** Sections measured by other scripts (editor latency) live after this marker and survive a rewrite. */
export const KEPT_MARKER = '<!-- Measured by other scripts: kept when npm run bench rewrites the table above. -->';

function keptSection(file: string): string {
  if (!fs.existsSync(file)) return '';
  const text = fs.readFileSync(file, 'utf8');
  const at = text.indexOf(KEPT_MARKER);
  return at < 0 ? '' : `\n${text.slice(at)}`;
}
