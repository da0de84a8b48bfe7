// Test helpers: load a scenario from text (failing loudly on diagnostics) and walk every
// interleaving with a plain unreduced search, so core tests do not depend on the checker.

import assert from 'node:assert/strict';
import { loadScenario } from '../../core';
import { check } from '../../core/explore';
import type { CompiledScenario } from '../../core/model/compiled';
import { Lockdep } from '../../core/model/lockdep';
import { LivelockProbe } from '../../core/explore/livelock';
import type { Outcome } from '../../core/explore/search';
import { deadlockViolation, encodeState, initialState, isFinished, leakViolation, stateCheckViolations, successors } from '../../core/model/machine';
import { findRace } from '../../core/model/races';
import type { MachineState, Move, StepOk, Violation, ViolationKind } from '../../core/model/types';

export function compileOk(text: string, file = 'test.lockstep'): CompiledScenario {
  const l = loadScenario(file, text);
  const errors = l.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !l.compiled) {
    throw new Error(`unexpected diagnostics:\n${errors.map((d) => `${l.lines.position(d.span.start).line + 1}: ${d.message}`).join('\n')}`);
  }
  return l.compiled;
}

/** A scenario's diagnostics as `line:col severity code: message` (1-based), in order. */
export function diagnosticLines(text: string, file = 't.lockstep'): string[] {
  const l = loadScenario(file, text);
  return l.diagnostics.map((d) => {
    const p = l.lines.position(d.span.start);
    return `${p.line + 1}:${p.character + 1} ${d.severity} ${d.code}: ${d.message}`;
  });
}

export interface Found {
  readonly kinds: Set<ViolationKind>;
  readonly violations: Violation[];
  readonly states: number;
}

/** Every reachable state, depth first, no reduction; collects each violation kind found. */
export function exploreAll(s: CompiledScenario, maxStates = 200_000): Found {
  const seen = new Set<string>();
  const lockdep = new Lockdep(s);
  const livelock = new LivelockProbe(s);
  const violations: Violation[] = [];
  const stack: MachineState[] = [initialState(s)];
  while (stack.length > 0) {
    const state = stack.pop()!;
    const key = Buffer.from(encodeState(state).buffer).toString('base64');
    if (seen.has(key)) continue;
    seen.add(key);
    if (seen.size > maxStates) throw new Error('state space too large for a unit test');
    violations.push(...stateCheckViolations(s, state));
    const succ = successors(s, state);
    if (succ.length === 0) {
      const v = isFinished(s, state) ? leakViolation(s, state) : deadlockViolation(s, state);
      if (v) violations.push(v);
      continue;
    }
    // A busy-wait that nothing can end: every move is local to the spin (the probe decides).
    const outcomes = s.actors.map((_, a) => succ.filter((x) => x.move.actor === a) as Outcome[]);
    if (succ.every((x) => x.result.status === 'ok' && x.result.events.length === 0)) {
      const v = livelock.at(state, outcomes);
      if (v) violations.push(v);
    }
    if (s.detectRaces) {
      const race = findRace(s, state, succ.filter((x): x is { move: Move; result: StepOk } => x.result.status === 'ok'));
      if (race) violations.push(race);
    }
    for (const { result } of succ) {
      if (result.status === 'violation') {
        violations.push(result.violation);
        continue;
      }
      violations.push(...result.reports, ...lockdep.observe(result.events, state));
      stack.push(result.state);
    }
  }
  return { kinds: new Set(violations.map((v) => v.kind)), violations, states: seen.size };
}

/**
 * The violation kinds a scenario has, after checking that the reduced search, the unreduced
 * one and a plain walk of every state all find the same kinds.
 */
export function agreedKinds(text: string): string[] {
  const s = compileOk(text);
  const kinds = (reduction: boolean): string[] => [...new Set(check(s, { reduction }).violations.map((v) => v.kind))].sort();
  const reduced = kinds(true);
  assert.deepEqual(kinds(false), reduced, 'reduced and unreduced searches agree');
  assert.deepEqual([...exploreAll(s).kinds].sort(), reduced, 'and a plain walk of every state agrees');
  return reduced;
}

/**
 * As agreedKinds, and stricter: the reduced search and the search of every interleaving
 * check each step against its static footprint and agree on every violation's kind and
 * place, not only on the kinds.
 */
export function footprintCheckedKinds(text: string): string[] {
  const s = compileOk(text);
  const keys = (reduction: boolean): string[] =>
    check(s, { reduction, checkFootprints: true }).violations.map((v) => `${v.kind}@${v.violation.span.start}`).sort();
  const reduced = keys(true);
  assert.deepEqual(reduced, keys(false), 'reduced and unreduced searches find the same violations');
  const kinds = [...new Set(reduced.map((k) => k.split('@')[0]!))].sort();
  assert.deepEqual(kinds, [...exploreAll(s).kinds].sort());
  return kinds;
}

/** The error diagnostics of a scenario, as `line:col: message` (1-based). */
export function errorsOf(text: string): string[] {
  const l = loadScenario('test.lockstep', text);
  return l.diagnostics.filter((d) => d.severity === 'error').map((d) => {
    const p = l.lines.position(d.span.start);
    return `${p.line + 1}:${p.character + 1}: ${d.message}`;
  });
}
