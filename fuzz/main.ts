// `npm run fuzz -- --minutes N --target parser|checker|lsp|dap|all [--seed S] [--out DIR]`:
// runs the campaigns side by side until the time is up and prints what they did: inputs or
// sessions, crashes, hangs, stack traces shown to a user, bounds not honoured. Failing inputs
// are saved, minimised, under fuzz-findings/ (gitignored). Exit 0 only when nothing failed.

import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { count, failures, minimize, newTally, save, type Tally } from './findings';
import { runInput, type InProcessTarget, type WorkerJob, type WorkerMessage } from './inprocess';
import { Corpus, generate, ROOT } from './inputs';
import { dapCampaign, lspCampaign } from './servers';

const TARGETS = ['parser', 'checker', 'lsp', 'dap'] as const;
type Target = (typeof TARGETS)[number];

export interface FuzzOptions {
  readonly targets: readonly Target[];
  readonly seconds: number;
  readonly seed: number;
  readonly findings: string;
  /** An input in progress this long is a hang. */
  readonly hangMs: number;
  readonly answerMs: number;
  readonly sessionsPerProcess: number;
  readonly hugeRate: number;
}

export type Report = Record<Target, Tally> & { readonly seconds: number; readonly seed: number };

/** An input that takes longer than this is listed among the details of its campaign. */
const SLOW_MS = 10_000;

/** Runs an in-process campaign in a worker, restarting it past an input that hangs. */
async function inProcess(target: InProcessTarget, o: FuzzOptions, tally: Tally, deadline: number): Promise<void> {
  const corpus = new Corpus();
  let next = 0;
  while (Date.now() < deadline) {
    const progress = new SharedArrayBuffer(8);
    const view = new Int32Array(progress);
    view[0] = -1;
    const job: WorkerJob = { fuzzWorker: 1, target, seed: o.seed, start: next, hugeRate: o.hugeRate, progress, stopAt: deadline };
    const worker = new Worker(join(__dirname, 'inprocess.js'), { workerData: job });
    const counted = { done: 0 };
    const ended = new Promise<void>((resolve) => {
      let watch: NodeJS.Timeout | undefined;
      let last = -1;
      let since = Date.now();
      let hugeAt = -1;
      let huge = false;
      let slowAt = -1;
      const finish = (): void => {
        clearInterval(watch);
        tally.units += Atomics.load(view, 1) - counted.done;
        counted.done = Atomics.load(view, 1);
        resolve();
      };
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'done') {
          next = m.next;
          for (const [k, n] of Object.entries(m.kinds)) count(tally, `input: ${k}`, n);
          return;
        }
        const input = generate(corpus, o.seed, m.index, { hugeRate: o.hugeRate });
        if (m.problem.kind === 'crash') tally.crashes++;
        else if (m.problem.kind === 'stack') tally.stackTraces++;
        else tally.boundsBroken++;
        count(tally, `${m.problem.kind}: ${m.problem.message.split('\n')[0]!.slice(0, 80)}`);
        if (tally.saved.length < 50) {
          const same = (t: string): boolean => {
            const p = runInput(target, t);
            return p?.kind === m.problem.kind && p.message.split(':')[0] === m.problem.message.split(':')[0];
          };
          const small = minimize(input.text, same, 20_000);
          tally.saved.push(save(o.findings, target, m.problem.kind, small, { index: m.index, seed: o.seed, inputKind: m.inputKind, ...m.problem, originalLength: input.text.length }));
        }
      });
      worker.on('error', (e) => {
        tally.crashes++;
        count(tally, `crash: the worker failed: ${e.message.slice(0, 60)}`);
        next = Math.max(next, Atomics.load(view, 0) + 1);
        finish();
      });
      worker.on('exit', finish);
      watch = setInterval(() => {
        const done = Atomics.load(view, 1);
        tally.units += done - counted.done;
        counted.done = done;
        const at = Atomics.load(view, 0);
        if (at !== last || at < 0) {
          last = at;
          since = Date.now();
          return;
        }
        // An input past SLOW_MS is noted (not a failure: the machine may be loaded), so a
        // pass that grows faster than its input shows in the report before it is a hang.
        if (Date.now() - since >= SLOW_MS && slowAt !== at) {
          slowAt = at;
          const input = generate(corpus, o.seed, at, { hugeRate: o.hugeRate });
          count(tally, `slow (over ${SLOW_MS / 1000} s): input ${at} (${input.kind}, ${input.text.length} chars)`);
        }
        // A huge file may take seconds of CPU, and far longer on a loaded machine.
        if (Date.now() - since < o.hangMs) return;
        if (hugeAt !== at) {
          hugeAt = at;
          huge = generate(corpus, o.seed, at, { hugeRate: o.hugeRate }).kind === 'huge';
        }
        if (huge && Date.now() - since < 3 * o.hangMs) return;
        // The same input for too long: a hang. Save it, and go on past it.
        tally.hangs++;
        const input = generate(corpus, o.seed, at, { hugeRate: o.hugeRate });
        count(tally, `hang: input ${at} (${input.kind}, ${input.text.length} chars)`);
        tally.saved.push(save(o.findings, target, 'hang', input.text, { index: at, seed: o.seed, inputKind: input.kind, ms: Date.now() - since }));
        next = at + 1;
        clearInterval(watch);
        void worker.terminate();
      }, 1000);
    });
    await ended;
  }
}

export async function fuzz(o: FuzzOptions, onProgress?: (r: Report) => void): Promise<Report> {
  const start = Date.now();
  const deadline = start + o.seconds * 1000;
  const report = { seconds: 0, seed: o.seed, parser: newTally(), checker: newTally(), lsp: newTally(), dap: newTally() } as Report;
  const wire = { seed: o.seed, deadline, findings: o.findings, answerMs: o.answerMs, sessionsPerProcess: o.sessionsPerProcess };
  const ticker = onProgress ? setInterval(() => onProgress({ ...report, seconds: (Date.now() - start) / 1000 }), 30_000) : undefined;
  const corpus = o.targets.some((t) => t === 'lsp' || t === 'dap') ? new Corpus() : undefined;
  await Promise.all(o.targets.map((t) => {
    switch (t) {
      case 'parser':
      case 'checker':
        return inProcess(t, o, report[t], deadline);
      case 'lsp':
        return lspCampaign(corpus!, wire, report.lsp);
      case 'dap':
        return dapCampaign(corpus!, wire, report.dap);
    }
  }));
  clearInterval(ticker);
  return { ...report, seconds: (Date.now() - start) / 1000 };
}

export function summary(r: Report, targets: readonly Target[]): string {
  const lines = [`fuzz: ${r.seconds.toFixed(0)} s, seed ${r.seed}, ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`];
  for (const t of targets) {
    const x = r[t];
    const unit = t === 'parser' || t === 'checker' ? 'inputs' : `sessions (${x.processes} processes)`;
    lines.push(`  ${t.padEnd(8)} ${x.units.toLocaleString('en-US')} ${unit}; crashes ${x.crashes}, hangs ${x.hangs}, stack traces ${x.stackTraces}, bounds broken ${x.boundsBroken}`);
    for (const [k, n] of Object.entries(x.details).sort()) lines.push(`           ${k}: ${n}`);
    for (const p of x.saved.slice(0, 10)) lines.push(`           saved ${p}`);
  }
  return lines.join('\n');
}

const USAGE = 'usage: npm run fuzz -- --minutes N [--target parser|checker|lsp|dap|all] [--seed S] [--out DIR] [--json FILE] [--hang-seconds S] [--sessions-per-process N] [--huge-rate P]\n';

/** The options, or undefined (after a message) when they are not ones parseArgs knows. */
function parseOptions(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        minutes: { type: 'string' },
        seconds: { type: 'string' },
        target: { type: 'string', default: 'all' },
        seed: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'string' },
        'hang-seconds': { type: 'string', default: '60' },
        'sessions-per-process': { type: 'string', default: '50' },
        'huge-rate': { type: 'string', default: '0.005' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
    return undefined;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const values = parseOptions(argv);
  if (!values) {
    process.stderr.write(USAGE);
    return 2;
  }
  const seconds = values.seconds !== undefined ? Number(values.seconds) : Number(values.minutes ?? '1') * 60;
  const target = String(values.target);
  const targets = target === 'all' ? [...TARGETS] : target.split(',');
  if (!Number.isFinite(seconds) || seconds <= 0 || targets.some((t) => !(TARGETS as readonly string[]).includes(t))) {
    process.stderr.write(USAGE);
    return 2;
  }
  const hangMs = Number(values['hang-seconds']) * 1000;
  const options: FuzzOptions = {
    targets: targets as Target[],
    seconds,
    seed: values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000,
    findings: values.out ?? join(ROOT, 'fuzz-findings'),
    hangMs,
    answerMs: hangMs,
    sessionsPerProcess: Number(values['sessions-per-process']),
    hugeRate: Number(values['huge-rate']),
  };
  const report = await fuzz(options, (r) => process.stderr.write(`${summary(r, options.targets).split('\n').filter((l) => !l.startsWith('           ')).join('\n')}\n`));
  process.stdout.write(`${summary(report, options.targets)}\n`);
  if (values.json) (await import('node:fs')).writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  return options.targets.some((t) => failures(report[t]) > 0) ? 1 : 0;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
