// A checker finding laid out as the seed commit messages draw it: one lane per CPU (actor),
// time downwards, each step with the locks it took and released, the failing step marked,
// and what was left blocked or about to happen. Plain data for the editor's swimlane view.

import type { Span } from '../syntax/ast';
import type { CompiledScenario } from '../model/compiled';
import { describeAddress } from '../model/describe';
import { initialState, step } from '../model/machine';
import type { MachineState, ViolationKind } from '../model/types';
import { columnTitle, toTraceFile, type TraceFile, type TraceStep } from '../explore/trace';
import type { Finding } from '../explore/types';
import { commitDiagram } from '../explore/commitDiagram';

/** What a counterexample is built from: the fields of core/explore's Finding it reads. */
export type FindingTrace = Pick<Finding, 'kind' | 'message' | 'violation' | 'trace' | 'blocked' | 'pending'>;

export interface Lane {
  readonly actor: number;
  /** `CPU0 (ioctl)`, as the column diagram heads its columns. */
  readonly title: string;
  readonly description: string;
}

export interface LaneStep {
  /** 1-based: the run's step number (the debugger's history position after it). */
  readonly step: number;
  readonly lane: number;
  readonly text: string;
  readonly span: Span;
  /** Locks this step took and released, by name (`mem_list_mutex`, `mm->mmap_sem`). */
  readonly acquires: readonly string[];
  readonly releases: readonly string[];
  /** The step the violation happened at. */
  readonly failing: boolean;
}

/** A row after the trace: a blocked acquisition (deadlock) or a step about to happen (race). */
export interface LaneNote {
  readonly lane: number;
  readonly text: string;
  readonly note: string;
}

export interface Counterexample {
  readonly kind: ViolationKind;
  readonly message: string;
  /** The kernel-style report (lockdep, KASAN, …). */
  readonly report: string;
  readonly span: Span;
  readonly lanes: readonly Lane[];
  readonly steps: readonly LaneStep[];
  readonly after: readonly LaneNote[];
  /** The last line under the lanes: `*** DEADLOCK ***`, or what the failing step is. */
  readonly footer: string;
  /** The replayable schedule (what `lockstep check --trace-out` writes). */
  readonly traceFile: TraceFile;
  /** The counterexample as a kernel commit message draws it (`lockstep check --diagram commit`). */
  readonly commitDiagram: string;
}

/** Findings that hold of the state after the trace rather than of its last step. */
const WHOLE_STATE: ReadonlySet<ViolationKind> = new Set(['deadlock', 'leak', 'data_race', 'livelock']);

function footerOf(f: FindingTrace): string {
  switch (f.kind) {
    case 'deadlock':
      return '*** DEADLOCK ***';
    case 'lock_order':
      return 'possible circular locking dependency detected';
    case 'leak':
      return 'every actor finished; an object is unreachable';
    case 'livelock':
      return 'spins forever';
    default:
      return `${f.kind.replace(/_/g, '-')}: ${f.message}`;
  }
}

/** A lock as the code names it (its class, `mm->mmap_sem`), or the instance when it is one of an array (`vcpu[1].mutex`). */
function lockName(s: CompiledScenario, state: MachineState, lock: number, cls: number): string {
  const instance = describeAddress(s, state, lock);
  const className = s.lockClasses[cls]?.name.replace(/^&/, '');
  return instance.includes('[') || !className ? instance.replace(/^&/, '') : className;
}

/**
 * Lays a finding out in lanes. The trace is replayed with the model's own step function, so
 * the lock marks are what the run did, not what the text suggests.
 */
export function counterexample(s: CompiledScenario, f: FindingTrace): Counterexample {
  const involved = [...new Set([...f.trace.map((t) => t.actor), ...(f.blocked ?? []).map((b) => b.actor), ...(f.pending ?? []).map((p) => p.actor)])]
    .sort((a, b) => a - b);
  const laneOf = new Map(involved.map((a, i) => [a, i]));
  const lanes = involved.map((actor) => ({ actor, title: columnTitle(s, actor), description: s.actors[actor]?.description ?? '' }));

  const steps: LaneStep[] = [];
  let state = initialState(s);
  f.trace.forEach((t, i) => {
    const last = i === f.trace.length - 1;
    const r = step(s, state, { actor: t.actor, choice: t.choice });
    const acquires: string[] = [];
    const releases: string[] = [];
    if (r.status === 'ok') {
      for (const e of r.events) {
        if (e.kind === 'acquire') acquires.push(lockName(s, state, e.lock, e.cls));
        else if (e.kind === 'release') releases.push(lockName(s, state, e.lock, e.cls));
      }
      state = r.state;
    }
    steps.push({ step: i + 1, lane: laneOf.get(t.actor)!, text: t.text, span: t.span, acquires, releases, failing: last && !WHOLE_STATE.has(f.kind) });
  });

  const after: LaneNote[] = [
    ...(f.blocked ?? []).map((b) => ({ lane: laneOf.get(b.actor)!, text: b.text, note: 'blocks' })),
    ...(f.pending ?? []).map((p) => ({ lane: laneOf.get(p.actor)!, text: p.text, note: f.kind === 'livelock' ? 'spins forever' : f.kind.replace(/_/g, '-') })),
  ];
  return {
    kind: f.kind,
    message: f.message,
    report: f.violation.report,
    span: f.violation.span,
    lanes,
    steps,
    after,
    footer: footerOf(f),
    traceFile: toTraceFile(s, f.trace, f.violation),
    commitDiagram: commitDiagram(s, f),
  };
}
