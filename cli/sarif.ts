// SARIF 2.1.0 output (`--sarif FILE`): one result per violation, located on the source,
// with the related places (allocated here, freed here, lock taken here) and the trace as a
// code flow whose locations are the steps in order, so code-scanning views can walk it.

import * as path from 'node:path';
import type { LoadedScenario } from '../core';
import type { CheckResult, Finding } from '../core/explore';
import { VIOLATION_KINDS, type ViolationKind } from '../core/model/types';
import type { Span } from '../core/syntax/ast';
import { homepage } from './version';

/**
 * Each rule's name for people (PascalCase, never the id itself: SARIF keeps the id opaque and
 * stable, and its validator warns when the two are equal, case aside) and its description.
 */
const RULES: Readonly<Record<ViolationKind, { readonly name: string; readonly text: string }>> = {
  deadlock: { name: 'ActorsDeadlocked', text: 'Every remaining actor is blocked (or a lock is taken recursively).' },
  lock_order: { name: 'CircularLockingDependency', text: 'lockdep: possible circular locking dependency between lock classes.' },
  irq_lock_inversion: { name: 'InconsistentIrqLockState', text: 'lockdep: a lock taken in an interrupt handler is also taken with interrupts enabled.' },
  use_after_free: { name: 'UseAfterFree', text: 'KASAN: an object is used after it was freed.' },
  double_free: { name: 'DoubleFree', text: 'KASAN: an object is freed twice (or a pointer that is not an object is freed).' },
  list_corruption: { name: 'ListCorruption', text: 'CONFIG_DEBUG_LIST: list_add or list_del on inconsistent links.' },
  sleep_in_atomic: { name: 'SleepInAtomicContext', text: 'A sleeping function is called from atomic context.' },
  unlock_not_held: { name: 'UnlockOfLockNotHeld', text: 'lockdep: a lock is released that is not held (or held at exit).' },
  data_race: { name: 'DataRace', text: 'KCSAN: two plain conflicting accesses not ordered by a lock.' },
  assertion: { name: 'AssertionFailure', text: 'An assertion (assert, BUG_ON, WARN_ON) fails.' },
  livelock: { name: 'BusyWaitLivelock', text: 'Actors spin forever: no schedule changes shared state again.' },
  leak: { name: 'MemoryLeak', text: 'kmemleak: an object is unreachable when every actor has finished.' },
  null_deref: { name: 'NullPointerDereference', text: 'A NULL pointer is dereferenced.' },
  out_of_bounds: { name: 'OutOfBoundsAccess', text: 'KASAN: an access outside an object or array.' },
  recursive_locking: { name: 'RecursiveLocking', text: 'lockdep: two locks of one class nested without a nesting annotation.' },
  suspicious_rcu: { name: 'SuspiciousRcuUsage', text: 'lockdep-RCU: suspicious rcu_dereference_check() usage (no read section, no lock named).' },
};

export interface SarifRun {
  readonly file: string;
  readonly loaded: LoadedScenario;
  readonly result: CheckResult;
}

interface Region {
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** The SARIF log for the files checked, as a JSON-ready object. */
export function sarifLog(runs: readonly SarifRun[], version: string, cwd = process.cwd()): object {
  const uri = (file: string): string => path.relative(cwd, path.resolve(cwd, file)).split(path.sep).join('/');
  const region = (loaded: LoadedScenario, span: Span): Region => {
    const a = loaded.lines.position(span.start);
    const b = loaded.lines.position(Math.max(span.start, span.end));
    return { startLine: a.line + 1, startColumn: a.character + 1, endLine: b.line + 1, endColumn: b.character + 1 };
  };
  const location = (file: string, loaded: LoadedScenario, span: Span, message?: string): object => ({
    physicalLocation: { artifactLocation: { uri: uri(file), uriBaseId: '%SRCROOT%' }, region: region(loaded, span) },
    ...(message ? { message: { text: message } } : {}),
  });
  const result = (file: string, loaded: LoadedScenario, f: Finding): object => {
    const s = loaded.compiled!;
    const steps = f.trace.map((t, i) => ({
      location: location(file, loaded, t.span, `${actorLabel(s.actors[t.actor])}: ${t.text}`),
      executionOrder: i + 1,
      ...(i === f.trace.length - 1 && !f.blocked && !f.pending ? { kinds: ['danger'] } : {}),
    }));
    return {
      ruleId: f.kind,
      ruleIndex: VIOLATION_KINDS.indexOf(f.kind),
      level: 'error',
      message: { text: f.message },
      locations: [location(file, loaded, f.violation.span)],
      ...(f.violation.related.length > 0
        ? { relatedLocations: f.violation.related.map((r, i) => ({ id: i + 1, ...location(file, loaded, r.span, r.message) })) }
        : {}),
      ...(steps.length > 0 ? { codeFlows: [{ message: { text: `${steps.length}-step interleaving` }, threadFlows: [{ locations: steps }] }] } : {}),
      properties: { report: f.violation.report },
    };
  };
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'lockstep',
            version,
            ...(homepage() ? { informationUri: homepage() } : {}),
            rules: VIOLATION_KINDS.map((k) => ({ id: k, name: RULES[k].name, shortDescription: { text: RULES[k].text }, defaultConfiguration: { level: 'error' } })),
          },
        },
        artifacts: runs.map((r) => ({ location: { uri: uri(r.file), uriBaseId: '%SRCROOT%' } })),
        results: runs.flatMap((r) => r.result.violations.map((f) => result(r.file, r.loaded, f))),
        invocations: [{ executionSuccessful: true }],
      },
    ],
  };
}

function actorLabel(a: { readonly name: string; readonly cpu: number; readonly actorKind: string } | undefined): string {
  if (!a) return '?';
  return a.actorKind === 'work' ? `kworker (${a.name})` : a.actorKind === 'irq' ? `IRQ on CPU${a.cpu} (${a.name})` : `CPU${a.cpu} (${a.name})`;
}
