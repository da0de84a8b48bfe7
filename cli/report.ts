// How check results read: for people (the kernel-style report, the CPU column diagram and a
// `file:line:col:` line editors link), and as the JSON object per file that scripts parse
// (the shape issue 3 fixes; keep it exactly), with what a shard adds for `lockstep merge`.

import type { LoadedScenario } from '../core';
import type { Bound, CheckResult, Finding, Shard } from '../core/explore';
import { commitDiagram } from '../core/explore/commitDiagram';
import { dependencyRecord, findingRecord, scenarioVersion, usageRecord, type DependencyRecord, type FindingRecord, type UsageRecord } from '../core/explore/shards';
import { columnDiagram, type DiagramOptions } from '../core/explore/trace';
import type { Span } from '../core/syntax/ast';
import { thousands } from '../core/format';

export interface Location {
  readonly line: number;
  readonly column: number;
}

/** 1-based line and column of an offset. */
export function locate(loaded: LoadedScenario, offset: number): Location {
  const p = loaded.lines.position(offset);
  return { line: p.line + 1, column: p.character + 1 };
}

function where(file: string, loaded: LoadedScenario, span: Span): string {
  const l = locate(loaded, span.start);
  return `${file}:${l.line}:${l.column}`;
}

/** What the last row of the diagram says. */
function marker(f: Finding): string {
  return f.kind === 'lock_order' ? 'possible circular locking dependency' : f.kind.replace(/_/g, '-');
}

export function diagramOptions(f: Finding): DiagramOptions {
  // Columns wide enough for the statements (and a marker), within reason.
  const longest = Math.max(0, ...f.trace.map((t) => t.text.length), ...(f.blocked ?? []).map((b) => b.text.length + 12));
  const width = Math.min(64, Math.max(36, longest + 4));
  if (f.kind === 'deadlock' && f.blocked) return { width, blocked: f.blocked, footer: '*** DEADLOCK ***' };
  if (f.pending) {
    const note = f.kind === 'livelock' ? 'spins forever' : marker(f);
    return { width, pending: f.pending.map((p) => ({ ...p, note })) };
  }
  if (f.kind === 'leak') return { width, footer: '*** every actor finished; the object above is unreachable ***' };
  return { width, failure: `<- ${marker(f)}` };
}

/** The report, the diagram and the located one-line summary, with notes for related places. */
export type DiagramStyle = 'columns' | 'commit';

export function formatFinding(file: string, loaded: LoadedScenario, f: Finding, style: DiagramStyle = 'columns'): string {
  const s = loaded.compiled!;
  const lines = [f.violation.report, ''];
  if (f.trace.length > 0 || f.blocked || f.pending) lines.push(style === 'commit' ? commitDiagram(s, f) : columnDiagram(s, f.trace, diagramOptions(f)), '');
  lines.push(`${where(file, loaded, f.violation.span)}: ${f.kind}: ${f.message}`);
  for (const r of f.violation.related) lines.push(`${where(file, loaded, r.span)}: note: ${r.message}`);
  return lines.join('\n');
}

function plural(n: number, word: string): string {
  return `${thousands(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** One line per file: the verdict and the statistics. */
export function summaryLine(file: string, r: CheckResult): string {
  const st = r.stats;
  const symmetric = r.symmetric?.length ? `, symmetric: ${r.symmetric.map((g) => `{${g.join(', ')}}`).join(' ')}` : '';
  const stats = `${plural(st.states, 'state')}, ${plural(st.transitions, 'transition')}, depth ${st.maxDepth}, ${st.seconds.toFixed(2)} s, ${Math.round(st.peakMemoryMB)} MB${symmetric}`;
  switch (r.verdict) {
    case 'violation': {
      const kinds = [...new Set(r.violations.map((v) => v.kind))].join(', ');
      const partial = r.bound ? `; search incomplete: ${r.bound.message}` : '';
      return `${file}: violation (${plural(r.violations.length, 'distinct violation')}: ${kinds}) — ${stats}${partial}`;
    }
    case 'verified':
      return `${file}: verified — every interleaving explored, no violation — ${stats}`;
    case 'inconclusive':
      return `${file}: inconclusive — ${r.bound?.message ?? 'the search did not finish'}; nothing found in ${stats}`;
  }
}

export interface FindingJson {
  readonly kind: string;
  readonly message: string;
  readonly location: Location;
  readonly trace: readonly { readonly actor: string; readonly line: number; readonly text: string }[];
}

export interface ResultJson {
  readonly file: string;
  readonly verdict: string;
  readonly violations: readonly FindingJson[];
  readonly stats: { readonly states: number; readonly transitions: number; readonly seconds: number; readonly peakMemoryMB: number };
  /** Present when a bound stopped the search: which one, its limit, and the line `check` prints. */
  readonly bound?: Bound;
}

/** The `--json` object for one file. */
export function resultJson(file: string, loaded: LoadedScenario, r: CheckResult): ResultJson {
  return {
    file,
    verdict: r.verdict,
    violations: r.violations.map((f) => ({
      kind: f.kind,
      message: f.message,
      location: locate(loaded, f.violation.span.start),
      trace: f.trace.map((t) => ({ actor: t.actorName, line: t.line, text: t.text })),
    })),
    stats: {
      states: r.stats.states,
      transitions: r.stats.transitions,
      seconds: Math.round(r.stats.seconds * 1000) / 1000,
      peakMemoryMB: r.stats.peakMemoryMB,
    },
    ...(r.bound ? { bound: { kind: r.bound.kind, limit: r.bound.limit, message: r.bound.message } } : {}),
  };
}


/** How a shard searched: shards merge only if they agree on it. */
export interface SearchJson {
  readonly reduction: boolean;
  readonly symmetry: boolean;
  readonly strategy: string;
}

/**
 * The `--json` object of one shard (`check --shard i/n --json`): the object above, each
 * violation's `detail` (the whole finding, so `lockstep merge` prints it as check would),
 * the shard, the scenario version, how it searched, the bound that stopped it, and what
 * its lockdep saw: the lock-order dependencies and the irq-unsafe uses of spinlocks.
 */
export interface ShardJson extends ResultJson {
  readonly violations: readonly (FindingJson & { readonly detail: FindingRecord })[];
  readonly stats: ResultJson['stats'] & { readonly maxDepth: number; readonly bytesPerState: number; readonly reducedStates: number };
  readonly shard: { readonly index: number; readonly count: number };
  readonly scenarioVersion: string;
  readonly search: SearchJson;
  readonly bound?: Bound;
  readonly lockDependencies: readonly DependencyRecord[];
  readonly lockUsages: readonly UsageRecord[];
}

export function shardJson(file: string, loaded: LoadedScenario, r: CheckResult, shard: Shard, search: SearchJson): ShardJson {
  const s = loaded.compiled!;
  const base = resultJson(file, loaded, r);
  return {
    ...base,
    violations: base.violations.map((v, i) => ({ ...v, detail: findingRecord(r.violations[i]!) })),
    stats: { ...base.stats, maxDepth: r.stats.maxDepth, bytesPerState: r.stats.bytesPerState, reducedStates: r.stats.reducedStates },
    shard: { index: shard.index + 1, count: shard.count },
    scenarioVersion: scenarioVersion(s),
    search,
    ...(r.bound ? { bound: r.bound } : {}),
    lockDependencies: (r.lockDependencies ?? []).map((d) => dependencyRecord(s, d)),
    lockUsages: (r.lockUsages ?? []).map((u) => usageRecord(s, u)),
  };
}
