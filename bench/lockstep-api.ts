// The core API the bench drives (loadScenario from core/, check from core/explore), loaded
// at run time: the bench builds and runs before the checker exists on main, and says so.
// The types are the shape issue 3 asks for; adapt them here when the real API differs.

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface DiagnosticLike {
  readonly severity: string;
  readonly message: string;
  readonly span: { readonly start: number; readonly end: number };
}

export interface LoadResult {
  readonly compiled?: unknown;
  readonly diagnostics: readonly DiagnosticLike[];
}

export interface CheckLimits {
  readonly maxStates?: number;
  readonly maxSeconds?: number;
  readonly maxDepth?: number;
}

export type CheckVerdict = 'violation' | 'verified' | 'inconclusive';

export interface CheckResult {
  readonly verdict: CheckVerdict;
  readonly violations: readonly { readonly kind: string; readonly message: string }[];
  readonly stats: {
    readonly states: number;
    readonly transitions: number;
    readonly seconds: number;
    readonly peakMemoryMB: number;
  };
}

export type LoadScenario = (file: string, text: string) => LoadResult;
export type Check = (compiled: unknown, limits: CheckLimits) => CheckResult;

export type Available<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

/** The compiled core/ beside the compiled bench/ (both under out/). */
function compiledModule(...parts: string[]): string {
  return path.join(__dirname, '..', ...parts);
}

/**
 * Requires a compiled core module if its index file exists. A module that exists but fails
 * to load is a real error and is thrown, not reported as "not available".
 */
function optionalModule(what: string, ...parts: string[]): Available<Record<string, unknown>> {
  const dir = compiledModule(...parts);
  if (!fs.existsSync(path.join(dir, 'index.js'))) return { ok: false, why: `${what} not available yet` };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { ok: true, value: require(dir) as Record<string, unknown> };
}

export function loadScenarioApi(): Available<LoadScenario> {
  const core = optionalModule('binder (core/index.ts loadScenario)', 'core');
  if (!core.ok) return core;
  const fn = core.value['loadScenario'];
  if (typeof fn !== 'function') return { ok: false, why: 'binder not available yet (core has no loadScenario)' };
  return { ok: true, value: fn as LoadScenario };
}

export function checkApi(): Available<Check> {
  const explore = optionalModule('checker', 'core', 'explore');
  if (!explore.ok) return explore;
  const fn = explore.value['check'];
  if (typeof fn !== 'function') return { ok: false, why: 'checker not available yet (core/explore has no check)' };
  return { ok: true, value: (compiled, limits) => (fn as Check)(compiled, limits) };
}
