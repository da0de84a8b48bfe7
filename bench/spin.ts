// The SPIN side of the benchmark: runs one Promela model exactly as
// ../shared/bench/promela/README.md says (spin -a with -D flags, gcc -O2 -DSAFETY
// -DMEMLIM=16384, ./pan -m10000000 -w24) in a temp dir, and reads back what pan printed.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A Promela model and the `-D` flags that select its variant and size. */
export interface PromelaModel {
  /** Directory holding the `.pml` file and the headers it includes. */
  readonly dir: string;
  readonly file: string;
  /** `-DNAME` (value true) or `-DNAME=value`. */
  readonly defines: Readonly<Record<string, string | number | true>>;
}

export type SpinVerdict = 'violation' | 'verified' | 'inconclusive';

export interface SpinRun {
  readonly verdict: SpinVerdict;
  /** pan's first error line, e.g. `pan:1: invalid end state (at depth 31)`. */
  readonly error?: string;
  /** Depth of the first error, from that line. */
  readonly errorDepth?: number;
  readonly statesStored: number;
  readonly statesMatched: number;
  readonly transitions: number;
  readonly depthReached: number;
  readonly stateVectorBytes: number;
  /** pan's "actual memory usage for states" (MB). */
  readonly stateMemoryMB: number;
  /** pan's "total actual memory usage" (MB): hash table, DFS stack and states as allocated. */
  readonly panTotalMB: number;
  /** Peak resident memory of pan (MB), when GNU time is there to measure it. */
  readonly maxRssMB?: number;
  readonly seconds: {
    /** spin -a plus gcc: turning the model into a verifier. */
    readonly compile: number;
    /** ./pan alone. */
    readonly search: number;
    readonly total: number;
  };
  /** pan's own elapsed-time line (s), for comparison with the wall time above. */
  readonly panElapsed?: number;
}

export type SpinAvailability = { readonly ok: true; readonly version: string } | { readonly ok: false; readonly why: string };

const GNU_TIME = '/usr/bin/time';

/**
 * Finds SPIN and gcc, installing them from Debian when missing and running as root. Never
 * throws: a machine without SPIN still runs the Lockstep half of the bench.
 */
export function ensureSpin(log: (line: string) => void): SpinAvailability {
  const missing = (): string[] => [
    ...(version('spin', ['-V']) ? [] : ['spin']),
    ...(version('gcc', ['--version']) ? [] : ['gcc']),
  ];
  let need = missing();
  if (need.length > 0) {
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!root) return { ok: false, why: `${need.join(' and ')} not found, and not root to apt-get install it` };
    log(`${need.join(' and ')} not found: apt-get update && apt-get install -y ${need.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update'], { encoding: 'utf8', env });
    const install = update.status === 0
      ? spawnSync('apt-get', ['install', '-y', ...need], { encoding: 'utf8', env })
      : update;
    if (install.status !== 0) {
      return { ok: false, why: `apt-get failed: ${lastLine(install.stderr || install.stdout || String(install.error ?? ''))}` };
    }
    need = missing();
    if (need.length > 0) return { ok: false, why: `${need.join(' and ')} still missing after apt-get install` };
  }
  const v = version('spin', ['-V']) ?? 'spin';
  return { ok: true, version: v };
}

function version(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return lastLine(r.stdout.split('\n')[0] ?? cmd);
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim();
}

export class SpinError extends Error {}

/**
 * Runs spin -a, gcc and pan once, each timed; the temp dir is removed afterwards. Without
 * `reduction`, pan is compiled with -DNOREDUCE (partial-order reduction off).
 */
export function runSpin(model: PromelaModel, reduction = true): SpinRun {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lockstep-spin-'));
  try {
    // spin writes pan.* into its working directory; the shared models are read-only, so
    // copy the model and every header beside it.
    for (const name of fs.readdirSync(model.dir)) {
      if (name.endsWith('.pml') || name.endsWith('.h')) fs.copyFileSync(path.join(model.dir, name), path.join(work, name));
    }
    const defines = Object.entries(model.defines).map(([k, v]) => (v === true ? `-D${k}` : `-D${k}=${v}`));
    const t0 = now();
    check('spin -a', spawnSync('spin', [...defines, '-a', model.file], { cwd: work, encoding: 'utf8' }));
    const gccFlags = ['-O2', '-DSAFETY', '-DMEMLIM=16384', ...(reduction ? [] : ['-DNOREDUCE'])];
    check('gcc', spawnSync('gcc', [...gccFlags, '-o', 'pan', 'pan.c'], { cwd: work, encoding: 'utf8' }));
    const t1 = now();
    const panArgs = ['-m10000000', '-w24'];
    const useTime = fs.existsSync(GNU_TIME);
    const pan = useTime
      ? spawnSync(GNU_TIME, ['-f', '%M', '-o', 'pan.rss', './pan', ...panArgs], { cwd: work, encoding: 'utf8', maxBuffer: 64 << 20 })
      : spawnSync('./pan', panArgs, { cwd: work, encoding: 'utf8', maxBuffer: 64 << 20 });
    const t2 = now();
    if (pan.error) throw new SpinError(`pan: ${pan.error.message}`);
    const rssKB = useTime ? Number(fs.readFileSync(path.join(work, 'pan.rss'), 'utf8').trim().split('\n').pop()) : NaN;
    return parsePanOutput(pan.stdout + pan.stderr, {
      compile: t1 - t0,
      search: t2 - t1,
      total: t2 - t0,
    }, Number.isFinite(rssKB) ? rssKB / 1024 : undefined);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

function check(what: string, r: SpawnSyncReturns<string>): void {
  if (r.error) throw new SpinError(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new SpinError(`${what} failed (exit ${r.status}): ${lastLine(r.stderr || r.stdout)}`);
}

/** Reads pan's summary. Exported for the bench's own tests of the format. */
export function parsePanOutput(out: string, seconds: SpinRun['seconds'], maxRssMB?: number): SpinRun {
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    return m ? Number(m[1]) : NaN;
  };
  const errors = num(/errors:\s*(\d+)/);
  if (Number.isNaN(errors)) throw new SpinError(`unrecognised pan output: ${lastLine(out)}`);
  const firstError = /^pan:1: (.*)$/m.exec(out)?.[1]?.trim();
  const errorDepth = firstError ? num(/^pan:1: .*\(at depth (\d+)\)/m) : NaN;
  // Without an error, pan still says it did not finish when a bound (depth, memory) cut the search.
  const cut = /max search depth too small|pan: out of memory|Search not completed/.test(out);
  const verdict: SpinVerdict = errors > 0 ? 'violation' : cut ? 'inconclusive' : 'verified';
  const panElapsed = num(/pan: elapsed time ([\d.e+-]+) seconds/);
  const rss = maxRssMB;
  return {
    verdict,
    ...(firstError ? { error: firstError } : {}),
    ...(Number.isFinite(errorDepth) ? { errorDepth } : {}),
    statesStored: num(/([\d.e+]+) states, stored/),
    statesMatched: num(/([\d.e+]+) states, matched/),
    transitions: num(/([\d.e+]+) transitions \(= stored\+matched\)/),
    depthReached: num(/depth reached (\d+)/),
    stateVectorBytes: num(/State-vector (\d+) byte/),
    stateMemoryMB: num(/([\d.]+)\s+actual memory usage for states/),
    panTotalMB: num(/([\d.]+)\s+total actual memory usage/),
    ...(rss !== undefined ? { maxRssMB: rss } : {}),
    seconds,
    ...(Number.isFinite(panElapsed) ? { panElapsed } : {}),
  };
}
