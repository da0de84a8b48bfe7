// Traces: the steps of one run, as a replayable JSON schedule and as the CPU column diagram
// kernel developers draw in commit messages (one column per actor, time downwards).

import type { CompiledScenario } from '../model/compiled';
import { lineOf, spanText } from '../model/describe';
import type { Move, Violation, ViolationKind } from '../model/types';
import type { Span } from '../syntax/ast';

export interface TraceStep {
  readonly actor: number;
  readonly choice: number;
  /** Actor name, 1-based source line and the statement text. */
  readonly actorName: string;
  readonly line: number;
  readonly text: string;
  readonly span: Span;
  /** What this step of a primitive made of several did (Exec.label); `text` ends with it. */
  readonly label?: string;
}

/** The JSON schedule `lockstep check --trace-out` writes and `run --replay` and the debugger load. */
export interface TraceFile {
  readonly lockstepTrace: 1;
  readonly file: string;
  readonly scenario: string;
  readonly violation?: { readonly kind: ViolationKind; readonly message: string; readonly line: number; readonly column: number };
  readonly steps: readonly { readonly actor: string; readonly choice: number; readonly line: number; readonly text: string }[];
}

export function traceStep(s: CompiledScenario, move: Move, span: Span, label?: string): TraceStep {
  // The one instruction without source text: a task's return to user space (files.ts).
  const text = span.start === span.end ? 'task_work_run()   (back to user space)' : spanText(s, span);
  return {
    actor: move.actor,
    choice: move.choice,
    actorName: s.actors[move.actor]?.name ?? '?',
    line: lineOf(s, span.start),
    text: label ? `${text}  // ${label}` : text,
    span,
    ...(label ? { label } : {}),
  };
}

export function toTraceFile(s: CompiledScenario, steps: readonly TraceStep[], violation?: Violation): TraceFile {
  const pos = violation ? s.text.slice(0, violation.span.start).split('\n') : undefined;
  return {
    lockstepTrace: 1,
    file: s.file,
    scenario: s.title,
    ...(violation && pos
      ? { violation: { kind: violation.kind, message: violation.message, line: pos.length, column: (pos[pos.length - 1]?.length ?? 0) + 1 } }
      : {}),
    steps: steps.map((t) => ({ actor: t.actorName, choice: t.choice, line: t.line, text: t.text })),
  };
}

/** Reads a trace file's schedule against a scenario; throws an Error with a clear message on mismatch. */
export function scheduleFromTrace(s: CompiledScenario, data: unknown): Move[] {
  if (typeof data !== 'object' || data === null || (data as { lockstepTrace?: unknown }).lockstepTrace !== 1) {
    throw new Error('not a Lockstep trace (expected a JSON object with "lockstepTrace": 1)');
  }
  const steps = (data as { steps?: unknown }).steps;
  if (!Array.isArray(steps)) throw new Error('the trace has no "steps" array');
  return steps.map((st: unknown, i: number) => {
    const o = st as { actor?: unknown; choice?: unknown };
    const idx = s.actors.findIndex((a) => a.name === o.actor);
    if (idx < 0) throw new Error(`step ${i + 1} names actor '${String(o.actor)}', which this scenario does not have`);
    const choice = typeof o.choice === 'number' && Number.isInteger(o.choice) && o.choice >= 0 ? o.choice : 0;
    return { actor: idx, choice };
  });
}

export interface DiagramOptions {
  readonly width?: number;
  /** Text for the last step, e.g. `<- use-after-free`. */
  readonly failure?: string;
  /** Steps that blocked at the end (deadlock): actor and statement. */
  readonly blocked?: readonly { readonly actor: number; readonly text: string }[];
  /** Steps about to happen after the trace (a data race's two accesses), each with a note. */
  readonly pending?: readonly { readonly actor: number; readonly text: string; readonly note: string }[];
  readonly footer?: string;
}

/** A column's heading: `CPU0 (ioctl)` for a task or vCPU, `IRQ (timer)`, `kworker (release_work)`. */
export function columnTitle(s: CompiledScenario, actor: number): string {
  const sym = s.actors[actor];
  if (!sym) return `actor ${actor}`;
  const kind = sym.actorKind === 'irq' ? 'IRQ' : sym.actorKind === 'work' ? 'kworker' : `CPU${sym.cpu}`;
  return `${kind} (${sym.name})`;
}

/** The CPU column diagram: one column per actor that took a step, time downwards. */
export function columnDiagram(s: CompiledScenario, steps: readonly TraceStep[], opts: DiagramOptions = {}): string {
  const involved = [...new Set([...steps.map((t) => t.actor), ...(opts.blocked ?? []).map((b) => b.actor), ...(opts.pending ?? []).map((p) => p.actor)])].sort((a, b) => a - b);
  const width = opts.width ?? 40;
  const col = new Map(involved.map((a, i) => [a, i]));
  const header = involved.map((a) => columnTitle(s, a));
  const row = (cells: Map<number, string>): string => {
    let out = '  ';
    involved.forEach((a, i) => {
      const c = cells.get(i) ?? '';
      out += i === involved.length - 1 ? c : clip(c, width - 2).padEnd(width);
      void a;
    });
    return out.trimEnd();
  };
  const lines = [row(new Map(header.map((h, i) => [i, h]))), row(new Map(header.map((_, i) => [i, '----'])))];
  steps.forEach((t, i) => {
    const last = i === steps.length - 1 && opts.failure;
    lines.push(row(new Map([[col.get(t.actor)!, `${t.text}${last ? `   ${opts.failure}` : ''}`]])));
  });
  for (const b of opts.blocked ?? []) lines.push(row(new Map([[col.get(b.actor)!, `${b.text}   <- blocks`]])));
  for (const p of opts.pending ?? []) lines.push(row(new Map([[col.get(p.actor)!, `${p.text}   <- ${p.note}`]])));
  if (opts.footer) lines.push(`  ${opts.footer}`);
  return lines.join('\n');
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
