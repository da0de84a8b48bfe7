// Runs the Lockstep checker on one scenario file in a process of its own, so that the
// process's peak resident memory is the checker's alone, and prints one JSON ChildReport
// on stdout for bench/lockstep.ts. Usage: node lockstep-child.js FILE [OPTIONS_JSON]

import * as fs from 'node:fs';
import { loadScenario } from '../core';
import { check, checkAsync, type CheckOptions, type CheckStats, type Verdict } from '../core/explore';
import type { ViolationKind } from '../core/model/types';

/** What the bench keeps of a check: the result without traces (they can be long). */
export interface CheckSummary {
  readonly verdict: Verdict;
  /** Which bound stopped the search, when one did. */
  readonly bound?: string;
  readonly violations: readonly { readonly kind: ViolationKind; readonly message: string }[];
  readonly stats: CheckStats;
}

/** The options the bench passes: the checker's, minus the callbacks. */
export type BenchCheckOptions = Pick<CheckOptions, 'maxStates' | 'maxSeconds' | 'maxDepth' | 'first' | 'reduction' | 'symmetry' | 'workers'>;

export type ChildReport =
  | {
      readonly status: 'ok';
      readonly result: CheckSummary;
      /** Parse, bind and compile. */
      readonly loadSeconds: number;
      readonly checkSeconds: number;
      /** process.resourceUsage().maxRSS of this process, in MB. */
      readonly maxRssMB: number;
    }
  | { readonly status: 'diagnostics'; readonly diagnostics: readonly string[] }
  | { readonly status: 'error'; readonly message: string };

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

async function run(file: string, options: BenchCheckOptions): Promise<ChildReport> {
  const text = fs.readFileSync(file, 'utf8');
  const t0 = now();
  const loaded = loadScenario(file, text);
  const t1 = now();
  if (!loaded.compiled) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    return { status: 'diagnostics', diagnostics: errors.map((d) => `${file}@${d.span.start}: ${d.message}`) };
  }
  const result = (options.workers ?? 1) > 1 ? await checkAsync(loaded.compiled, options) : check(loaded.compiled, options);
  const t2 = now();
  return {
    status: 'ok',
    result: {
      verdict: result.verdict,
      ...(result.bound ? { bound: result.bound.message } : {}),
      violations: result.violations.map((v) => ({ kind: v.kind, message: v.message })),
      stats: result.stats,
    },
    loadSeconds: t1 - t0,
    checkSeconds: t2 - t1,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const [file, optionsJson] = argv;
  let report: ChildReport;
  if (!file) {
    report = { status: 'error', message: 'usage: lockstep-child.js FILE [OPTIONS_JSON]' };
  } else {
    try {
      report = await run(file, optionsJson ? (JSON.parse(optionsJson) as BenchCheckOptions) : {});
    } catch (e) {
      report = { status: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (require.main === module) void main(process.argv.slice(2));
