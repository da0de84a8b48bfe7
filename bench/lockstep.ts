// The Lockstep side of the benchmark: checks one scenario in a fresh Node process
// (lockstep-child.ts) and returns its figures, including that process's peak memory and
// its wall time from spawn to exit (Node's start-up included, as SPIN's includes gcc's).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchCheckOptions, CheckSummary, ChildReport, WarmFigures } from './lockstep-child';

export interface LockstepRun {
  readonly result: CheckSummary;
  /** Parse, bind and compile. */
  readonly loadSeconds: number;
  /** The checker alone. */
  readonly checkSeconds: number;
  /** The whole child process, spawn to exit. */
  readonly wallSeconds: number;
  readonly maxRssMB: number;
  /** The check timed again with the JIT's code warm (BenchCheckOptions.warm). */
  readonly warm?: WarmFigures;
}

export type LockstepOutcome =
  | { readonly status: 'ok'; readonly run: LockstepRun }
  | { readonly status: 'failed'; readonly message: string };

const CHILD = path.join(__dirname, 'lockstep-child.js');

/**
 * The child's environment: this process's without NODE_EXTRA_CA_CERTS. Where that is set (a
 * proxy's CA bundle), Node parses every certificate in the bundle as it starts, before any
 * JavaScript runs: 40 ms of the 90 ms `node -e 0` takes on such a machine, which no check
 * needs and pan does not pay (METHOD_NOTES in report.ts says so under the tables).
 */
export function childEnv(): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _certs, ...env } = process.env;
  return env;
}

/** Checks the scenario text (written to a temp file named `name`) in a child process. */
export function runLockstep(name: string, text: string, options: BenchCheckOptions): LockstepOutcome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockstep-bench-'));
  try {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const t0 = now();
    // A search that ignores its time bound is killed well after it, not waited for forever.
    const timeout = options.maxSeconds !== undefined ? (options.maxSeconds * 2 + 60) * 1000 : undefined;
    const child = spawnSync(process.execPath, [CHILD, file, JSON.stringify(options)], {
      encoding: 'utf8',
      env: childEnv(),
      maxBuffer: 64 << 20,
      ...(timeout !== undefined ? { timeout } : {}),
    });
    const wallSeconds = now() - t0;
    if (child.error) return { status: 'failed', message: child.error.message };
    const line = child.stdout.trim().split('\n').pop() ?? '';
    let report: ChildReport;
    try {
      report = JSON.parse(line) as ChildReport;
    } catch {
      return { status: 'failed', message: `exit ${child.status ?? child.signal}: ${tail(child.stderr || child.stdout)}` };
    }
    switch (report.status) {
      case 'ok':
        return {
          status: 'ok',
          run: {
            result: report.result,
            loadSeconds: report.loadSeconds,
            checkSeconds: report.checkSeconds,
            wallSeconds,
            maxRssMB: report.maxRssMB,
            ...(report.warm ? { warm: report.warm } : {}),
          },
        };
      case 'diagnostics':
        return { status: 'failed', message: `the twin does not load: ${report.diagnostics.join('; ')}` };
      case 'error':
        return { status: 'failed', message: report.message };
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
