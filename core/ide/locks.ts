// The scenario's lock classes as a list to pick from (the editor's "Break on Lock
// Acquisition…"): each with the name a lock breakpoint takes, its kind, where it is declared
// and how many places take it.

import type { Span } from '../syntax/ast';
import type { Analysis } from './analysis';
import { acquisitionsOf } from './hover';

export interface ScenarioLock {
  readonly name: string;
  readonly kind: string;
  readonly span: Span;
  readonly acquisitions: number;
}

/** Locks in declaration order; the work-completion pseudo-classes lockdep invents are left out. */
export function scenarioLocks(a: Analysis): ScenarioLock[] {
  return a.binding.lockClasses
    .filter((c) => !c.name.startsWith('(work_completion)'))
    .map((c) => ({ name: c.name.replace(/^&/, ''), kind: c.lock, span: c.declSpan, acquisitions: acquisitionsOf(a, c.id).length }))
    .sort((x, y) => x.span.start - y.span.start);
}
