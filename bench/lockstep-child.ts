// Runs the Lockstep checker on one scenario file in a process of its own, so that the
// process's peak resident memory is the checker's alone, and prints one JSON ChildReport
// on stdout for bench/lockstep.ts. Usage: node lockstep-child.js FILE LIMITS_JSON

import * as fs from 'node:fs';
import { checkApi, loadScenarioApi, type CheckLimits, type CheckResult } from './lockstep-api';

export type ChildReport =
  | {
      readonly status: 'ok';
      readonly result: CheckResult;
      readonly loadSeconds: number;
      readonly checkSeconds: number;
      /** process.resourceUsage().maxRSS of this process, in MB. */
      readonly maxRssMB: number;
    }
  | { readonly status: 'unavailable'; readonly why: string }
  | { readonly status: 'diagnostics'; readonly diagnostics: readonly string[] }
  | { readonly status: 'error'; readonly message: string };

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

function run(file: string, limits: CheckLimits): ChildReport {
  const load = loadScenarioApi();
  if (!load.ok) return { status: 'unavailable', why: load.why };
  const check = checkApi();
  if (!check.ok) return { status: 'unavailable', why: check.why };
  const text = fs.readFileSync(file, 'utf8');
  const t0 = now();
  const loaded = load.value(file, text);
  const t1 = now();
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || loaded.compiled === undefined) {
    return { status: 'diagnostics', diagnostics: errors.map((d) => `${file}@${d.span.start}: ${d.message}`) };
  }
  const result = check.value(loaded.compiled, limits);
  const t2 = now();
  return {
    status: 'ok',
    result,
    loadSeconds: t1 - t0,
    checkSeconds: t2 - t1,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

function main(argv: readonly string[]): void {
  const [file, limitsJson] = argv;
  let report: ChildReport;
  if (!file) {
    report = { status: 'error', message: 'usage: lockstep-child.js FILE [LIMITS_JSON]' };
  } else {
    try {
      report = run(file, limitsJson ? (JSON.parse(limitsJson) as CheckLimits) : {});
    } catch (e) {
      report = { status: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (require.main === module) main(process.argv.slice(2));
