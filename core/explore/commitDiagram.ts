// A counterexample as kernel commit messages draw it, to paste under "the race is:": plain
// ASCII, spaces only, at most 75 columns, `CPU0` / `CPU1` headers underlined with `----`,
// each function a step runs in named once with its steps hanging under it (`|->`, `->`), as
// seed 003's message does; for a lock-order or irq-inversion finding, lockdep's own
// "Possible unsafe locking scenario" table, as seed 004's message shows.

import type { CompiledScenario } from '../model/compiled';
import type { ViolationKind } from '../model/types';
import type { Finding } from './types';
import type { TraceStep } from './trace';

/** The widest line a commit message body takes (checkpatch warns past 75). */
export const COMMIT_WIDTH = 75;

const INDENT = 2;

/** What the diagram is drawn from: the fields of a checker Finding it reads. */
export type DiagramFinding = Pick<Finding, 'kind' | 'violation' | 'trace' | 'blocked' | 'pending'>;

/** The finding as commit-message text (no trailing newline). */
export function commitDiagram(s: CompiledScenario, f: DiagramFinding): string {
  if (f.kind === 'lock_order' || f.kind === 'irq_lock_inversion') {
    const table = lockdepTable(f.violation.report);
    if (table) return table;
  }
  return columns(s, f);
}

/** Lockdep's "Possible unsafe locking scenario" (and "Chain exists of:") from the report, as printed. */
function lockdepTable(report: string): string | undefined {
  const lines = report.split('\n');
  const start = lines.findIndex((l) => /Possible (?:interrupt )?unsafe locking scenario/.test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /\*\*\* DEADLOCK \*\*\*/.test(l));
  const chain = lines.findIndex((l) => /^Chain exists of:/.test(l));
  const out: string[] = [];
  if (chain >= 0 && chain < start) out.push(...lines.slice(chain, start).filter((l, i, all) => l.trim() !== '' || (i > 0 && i < all.length - 1)));
  out.push(...lines.slice(start, end < 0 ? lines.length : end + 1));
  return out.map((l) => ascii(l).trimEnd()).map((l) => fit(l, COMMIT_WIDTH)).join('\n').replace(/\n+$/, '');
}

interface Cell {
  readonly col: number;
  readonly text: string;
}

/** The column diagram: one column per actor, time downwards, function groups as seed 003 draws them. */
function columns(s: CompiledScenario, f: DiagramFinding): string {
  const involved = [...new Set([...f.trace.map((t) => t.actor), ...(f.blocked ?? []).map((b) => b.actor), ...(f.pending ?? []).map((p) => p.actor)])].sort((a, b) => a - b);
  const col = new Map(involved.map((a, i) => [a, i]));
  const width = Math.max(16, Math.floor((COMMIT_WIDTH - INDENT) / Math.max(1, involved.length)));
  const rows: Cell[][] = [];
  const labels = headers(s, involved);
  rows.push(involved.map((a, i) => ({ col: i, text: labels.get(a)! })));
  rows.push(involved.map((_, i) => ({ col: i, text: '----' })));
  const marker = failureMarker(f.kind);

  // Consecutive steps of one actor in one function form a group: the function's name, then
  // its steps under it, as `|-> step` and the group's last as `-> step`.
  type Group = { actor: number; fn: string | undefined; steps: { text: string; note?: string }[] };
  const groups: Group[] = [];
  const last = f.trace.length - 1;
  f.trace.forEach((t, i) => {
    const fn = functionOf(s, t);
    // A call of a user function whose own steps follow is shown by the function's group.
    const called = /^(\w+)\(/.exec(t.text)?.[1];
    const next = f.trace.slice(i + 1).find((u) => u.actor === t.actor);
    if (called && next && s.codes.some((c) => c.kind === 'fn' && c.name === called) && functionOf(s, next) === called) return;
    const note = i === last && marker && !f.blocked && !f.pending ? marker : undefined;
    const g = groups[groups.length - 1];
    const step = { text: t.text, ...(note ? { note } : {}) };
    if (g && g.actor === t.actor && g.fn === fn) g.steps.push(step);
    else groups.push({ actor: t.actor, fn, steps: [step] });
  });
  for (const b of f.blocked ?? []) groups.push({ actor: b.actor, fn: undefined, steps: [{ text: b.text, note: '<- blocks' }] });
  for (const p of f.pending ?? []) groups.push({ actor: p.actor, fn: undefined, steps: [{ text: p.text, note: `<- ${f.kind === 'livelock' ? 'spins forever' : f.kind.replace(/_/g, '-')}` }] });

  let previous: Group | undefined;
  for (const g of groups) {
    const c = col.get(g.actor)!;
    if (g.fn) {
      if (previous) rows.push([]);
      rows.push([{ col: c, text: `${g.fn}()` }], [{ col: c, text: '|' }]);
      g.steps.forEach((st, i) => {
        const arrow = i === g.steps.length - 1 ? '-> ' : '|-> ';
        const cont = i === g.steps.length - 1 ? '   ' : '|   ';
        for (const line of wrapStep(st.text, st.note, width - 2, arrow, cont)) rows.push([{ col: c, text: line }]);
      });
    } else {
      if (previous?.fn) rows.push([]);
      for (const st of g.steps) for (const line of wrapStep(st.text, st.note, width - 2, '', '  ')) rows.push([{ col: c, text: line }]);
    }
    previous = g;
  }
  if (f.kind === 'deadlock' && f.blocked) rows.push([], [{ col: 0, text: '*** DEADLOCK ***' }]);
  return rows.map((cells) => render(cells, width)).join('\n');
}

/**
 * Column headers as commit messages label them: `CPU0`, `CPU1`, … by position (the
 * scenario's own CPU numbers are arbitrary); an interrupt handler on a CPU that has a column
 * is `CPUn irq`, a work item `kworker`.
 */
function headers(s: CompiledScenario, involved: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  const cpuLabel = new Map<number, string>();
  for (const a of involved) {
    const sym = s.actors[a];
    if (!sym || sym.actorKind === 'irq' || sym.actorKind === 'work') continue;
    if (!cpuLabel.has(sym.cpu)) cpuLabel.set(sym.cpu, `CPU${cpuLabel.size}`);
  }
  for (const a of involved) {
    const sym = s.actors[a];
    if (!sym) out.set(a, `actor ${a}`);
    else if (sym.actorKind === 'work') out.set(a, 'kworker');
    else if (sym.actorKind === 'irq') {
      const shared = cpuLabel.get(sym.cpu);
      if (shared) out.set(a, `${shared} irq`);
      else {
        cpuLabel.set(sym.cpu, `CPU${cpuLabel.size}`);
        out.set(a, cpuLabel.get(sym.cpu)!);
      }
    } else out.set(a, cpuLabel.get(sym.cpu)!);
  }
  return out;
}

function failureMarker(kind: ViolationKind): string | undefined {
  switch (kind) {
    case 'deadlock':
    case 'leak':
    case 'livelock':
    case 'data_race':
      return undefined;
    default:
      return `<- ${kind.replace(/_/g, '-')}`;
  }
}

/** The user function a step's statement is in, or undefined for an actor's own body. */
function functionOf(s: CompiledScenario, t: TraceStep): string | undefined {
  const c = s.codes.find((x) => x.kind === 'fn' && x.span.start <= t.span.start && t.span.end <= x.span.end);
  return c?.name;
}

/** A step's text (ASCII, one line), its note after it or on the next line, wrapped to the column. */
function wrapStep(text: string, note: string | undefined, width: number, first: string, cont: string): string[] {
  const body = ascii(text).replace(/\s+/g, ' ').trim();
  const out: string[] = [];
  let rest = `${first}${body}`;
  while (rest.length > width) {
    const cut = breakAt(rest, width);
    out.push(rest.slice(0, cut).trimEnd());
    rest = `${cont}  ${rest.slice(cut).trimStart()}`;
  }
  if (note && rest.length + 1 + note.length <= width) rest = `${rest} ${note}`;
  else if (note) {
    out.push(rest);
    rest = `${cont}${note}`;
  }
  out.push(rest);
  return out;
}

/** Where to break a long line: after a comma, a space or an opening parenthesis, else hard. */
function breakAt(line: string, width: number): number {
  for (let i = width; i > 6; i--) if (/[ ,(]/.test(line[i - 1]!)) return i;
  for (let i = width; i > 6; i--) if (line.slice(i - 2, i) === '->' || line[i - 1] === '.') return i;
  return width;
}

function render(cells: readonly Cell[], width: number): string {
  let out = '';
  for (const c of [...cells].sort((a, b) => a.col - b.col)) {
    const at = INDENT + c.col * width;
    out = out.padEnd(at) + c.text;
  }
  return fit(out.trimEnd(), COMMIT_WIDTH);
}

/** Plain ASCII, spaces only: tabs expanded, typographic characters replaced. */
function ascii(s: string): string {
  return s
    .replace(/\t/g, '    ')
    .replace(/…/g, '...')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[—–]/g, '-')
    .replace(/→/g, '->')
    // eslint-disable-next-line no-control-regex
    .replace(/[^\x20-\x7e]/g, '?');
}

function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, width - 3)}...`;
}
