// Sharded checking across machines: what one shard of `check --shard i/n` hands on (its
// findings in full, the lock-order dependencies it saw, a version of the compiled scenario),
// and the merge that joins n shards into one result. The merge deduplicates violations,
// sums statistics and joins the shards' lock-order graphs, so that a circular dependency
// whose sides were seen by different shards is reported, with one run showing the whole
// cycle when the witness search finds one, as the unsharded checker does.

import { createHash } from 'node:crypto';
import type { CompiledScenario } from '../model/compiled';
import { siteText } from '../model/describe';
import type { LockDependency, LockUsage } from '../model/lockdep';
import { lockdepName } from '../model/machine';
import type { Move, Related, Violation, ViolationKind } from '../model/types';
import type { Span } from '../syntax/ast';
import { Footprints } from './footprint';
import { edgeKey, usageRun, witnessRun } from './lockorder';
import { traceStep } from './trace';
import type { Bound, CheckResult, CheckStats, Finding, Shard } from './types';
import { cycleFinding, lockdepOverRuns } from './witness';

/**
 * A hash of the compiled scenario: shards merge only if they explored the same one. Every
 * part that decides behaviour or reporting goes in (the text, so spans agree); the file's
 * path does not (checkouts differ between machines; the shards' `file` is compared apart).
 */
export function scenarioVersion(s: CompiledScenario): string {
  const h = createHash('sha256');
  const ids = new Map<object, number>();
  const visit = (v: unknown): void => {
    if (v === null || v === undefined) return void h.update(`${v};`);
    switch (typeof v) {
      case 'number':
      case 'boolean':
      case 'bigint':
        return void h.update(`${(typeof v)[0]}${String(v)};`);
      case 'string':
        return void h.update(`s${v.length}:${v}`);
      case 'function':
      case 'symbol':
        return void h.update('f;');
      default:
        break;
    }
    const o = v as object;
    // Shared objects (a builtin at every call site, symbols the AST and the tables both hold)
    // and cycles: written once, then referred to by number.
    const seen = ids.get(o);
    if (seen !== undefined) return void h.update(`#${seen};`);
    ids.set(o, ids.size);
    if (ArrayBuffer.isView(o)) return void h.update(`t${(o as unknown as ArrayLike<number>).length}:${Array.from(o as unknown as ArrayLike<number>).join(',')};`);
    if (Array.isArray(o) || o instanceof Set) {
      const items = [...(o as Iterable<unknown>)];
      h.update(`[${items.length}`);
      for (const x of items) visit(x);
      return void h.update(']');
    }
    const entries = o instanceof Map ? [...o.entries()].map(([k, x]) => [String(k), x] as const) : Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    h.update('{');
    for (const [k, x] of entries) {
      h.update(`${k}=`);
      visit(x);
    }
    h.update('}');
  };
  const { file: _file, ...rest } = s;
  visit(rest);
  return `sha256:${h.digest('hex')}`;
}

// ---------- what a shard writes ----------

export interface SpanRecord {
  readonly start: number;
  readonly end: number;
}

/** A violation in full, so that the merge can print it as the shard would have. */
export interface FindingRecord {
  readonly report: string;
  readonly actor: number;
  readonly span: SpanRecord;
  readonly related: readonly { readonly span: SpanRecord; readonly message: string }[];
  readonly lockClasses?: readonly number[];
  /** The trace as moves (actor index, choice) and the statement each executed. */
  readonly steps: readonly { readonly actor: number; readonly choice: number; readonly span: SpanRecord; readonly label?: string }[];
  readonly blocked?: readonly { readonly actor: number; readonly text: string }[];
  readonly pending?: readonly { readonly actor: number; readonly text: string }[];
}

/** A lock-order dependency: class ids for the witness search, names and places for people. */
export interface DependencyRecord {
  readonly from: number;
  readonly to: number;
  readonly fromName: string;
  readonly toName: string;
  readonly actor: string;
  /** `file:line` of where `from` was taken, then where `to` was. */
  readonly fromSite: SpanRecord & { readonly at: string };
  readonly toSite: SpanRecord & { readonly at: string };
  readonly stack: readonly string[];
}

/** A spinlock class taken in an irq handler, or in process context with interrupts on. */
export interface UsageRecord {
  readonly cls: number;
  readonly name: string;
  readonly context: 'irq' | 'irqs-on';
  readonly actor: string;
  readonly site: SpanRecord & { readonly at: string };
  readonly stack: readonly string[];
}

/** What the merge reads from one shard (the CLI's JSON holds it). */
export interface ShardOutput {
  readonly shard: Shard;
  readonly bound?: Bound;
  readonly findings: readonly Finding[];
  readonly stats: CheckStats;
  readonly dependencies: readonly DependencyRecord[];
  readonly usages: readonly UsageRecord[];
}

const spanRecord = (s: Span): SpanRecord => ({ start: s.start, end: s.end });

export function findingRecord(f: Finding): FindingRecord {
  const v = f.violation;
  return {
    report: v.report,
    actor: v.actor,
    span: spanRecord(v.span),
    related: v.related.map((r) => ({ span: spanRecord(r.span), message: r.message })),
    ...(v.lockClasses ? { lockClasses: v.lockClasses } : {}),
    steps: f.trace.map((t) => ({ actor: t.actor, choice: t.choice, span: spanRecord(t.span), ...(t.label ? { label: t.label } : {}) })),
    ...(f.blocked ? { blocked: f.blocked } : {}),
    ...(f.pending ? { pending: f.pending } : {}),
  };
}

/** The finding a record describes, against the (same version of the) scenario. */
export function findingFromRecord(s: CompiledScenario, kind: ViolationKind, message: string, r: FindingRecord): Finding {
  const violation: Violation = {
    kind,
    message,
    report: r.report,
    actor: r.actor,
    span: spanRecord(r.span),
    related: r.related.map((x): Related => ({ span: spanRecord(x.span), message: x.message })),
    ...(r.lockClasses ? { lockClasses: r.lockClasses } : {}),
  };
  return {
    kind,
    message,
    violation,
    trace: r.steps.map((t) => traceStep(s, { actor: t.actor, choice: t.choice }, spanRecord(t.span), t.label)),
    ...(r.blocked ? { blocked: r.blocked } : {}),
    ...(r.pending ? { pending: r.pending } : {}),
  };
}

export function dependencyRecord(s: CompiledScenario, d: LockDependency): DependencyRecord {
  const name = (cls: number): string => lockdepName(s.lockClasses[cls]!);
  return {
    from: d.from,
    to: d.to,
    fromName: name(d.from),
    toName: name(d.to),
    actor: s.actors[d.actor]?.name ?? '?',
    fromSite: { ...spanRecord(d.fromSite), at: siteText(s, d.fromSite) },
    toSite: { ...spanRecord(d.toSite), at: siteText(s, d.toSite) },
    stack: d.stack,
  };
}

export function usageRecord(s: CompiledScenario, u: LockUsage): UsageRecord {
  return {
    cls: u.cls,
    name: lockdepName(s.lockClasses[u.cls]!),
    context: u.inIrq ? 'irq' : 'irqs-on',
    actor: s.actors[u.actor]?.name ?? '?',
    site: { ...spanRecord(u.site), at: siteText(s, u.site) },
    stack: u.stack,
  };
}

/** What a shard's result gives the merge, without the trip through JSON. */
export function shardOutput(s: CompiledScenario, shard: Shard, r: CheckResult): ShardOutput {
  return {
    shard,
    ...(r.bound ? { bound: r.bound } : {}),
    findings: r.violations,
    stats: r.stats,
    dependencies: (r.lockDependencies ?? []).map((d) => dependencyRecord(s, d)),
    usages: (r.lockUsages ?? []).map((u) => usageRecord(s, u)),
  };
}

// ---------- the merge ----------

/**
 * Violations are one per kind and place, as in one search; lockdep's are one per set of
 * lock classes and a livelock one per set of spinning actors, wherever a shard happened to
 * notice it.
 */
export function findingKey(f: Finding): string {
  if (f.violation.lockClasses) return `${f.kind}:${f.violation.lockClasses.join(',')}`;
  if (f.kind === 'livelock' && f.pending) return `livelock:${[...new Set(f.pending.map((p) => p.actor))].sort((a, b) => a - b).join(',')}`;
  return `${f.kind}@${f.violation.span.start}`;
}

export interface MergeOptions {
  /** Shorten the witness trace of a cycle only the merge sees (default on). */
  readonly shorten?: boolean;
}

export interface MergedResult extends CheckResult {
  /** The violations no single shard reported: lockdep's findings across shards. */
  readonly acrossShards: readonly Finding[];
}

/** Joins the outputs of shards 1..n of one scenario (the caller checks they belong together). */
export function mergeShards(s: CompiledScenario, shards: readonly ShardOutput[], opts: MergeOptions = {}): MergedResult {
  const ordered = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  // Each violation once: the shortest trace any shard found, the earlier shard on a tie.
  const best = new Map<string, Finding>();
  for (const sh of ordered) {
    for (const f of sh.findings) {
      const k = findingKey(f);
      const had = best.get(k);
      if (!had || f.trace.length < had.trace.length) best.set(k, f);
    }
  }
  const violations = [...best.values()];
  const acrossShards: Finding[] = [];
  for (const cycle of crossShardCycles(ordered, new Set(best.keys()))) {
    const f = cycleWitness(s, cycle, opts.shorten !== false) ?? cycleWithoutRun(s, cycle);
    acrossShards.push(f);
    violations.push(f);
  }
  for (const pair of crossShardIrqUsage(ordered, new Set(best.keys()))) {
    const f = irqWitness(s, pair) ?? irqWithoutRun(s, pair);
    acrossShards.push(f);
    violations.push(f);
  }
  const boundShard = ordered.find((sh) => sh.bound);
  const bound: Bound | undefined = boundShard?.bound
    ? { ...boundShard.bound, message: `shard ${boundShard.shard.index + 1}/${boundShard.shard.count}: ${boundShard.bound.message}` }
    : undefined;
  const verdict = violations.length > 0 ? 'violation' : bound ? 'inconclusive' : 'verified';
  return { verdict, ...(bound ? { bound } : {}), violations, stats: sumStats(ordered.map((sh) => sh.stats)), acrossShards };
}

/**
 * Counts add up over the shards (each explores the shared prefix again, so states are
 * slightly over-counted, as the machines did the work); seconds are the machines' total;
 * memory and depth are the largest one machine saw.
 */
function sumStats(all: readonly CheckStats[]): CheckStats {
  const sum = (f: (x: CheckStats) => number): number => all.reduce((a, x) => a + f(x), 0);
  const max = (f: (x: CheckStats) => number): number => all.reduce((a, x) => Math.max(a, f(x)), 0);
  const states = sum((x) => x.states);
  return {
    states,
    transitions: sum((x) => x.transitions),
    seconds: sum((x) => x.seconds),
    peakMemoryMB: max((x) => x.peakMemoryMB),
    maxDepth: max((x) => x.maxDepth),
    bytesPerState: states > 0 ? Math.round(sum((x) => x.bytesPerState * x.states) / states) : 0,
    reducedStates: sum((x) => x.reducedStates),
  };
}

/**
 * The cycles of the joined graph that no shard reported, found as lockdep would find them:
 * dependencies added one at a time (shard 1's in the order it saw them, then shard 2's, …),
 * each closing a cycle with the ones before reported once per set of classes.
 */
function crossShardCycles(shards: readonly ShardOutput[], reported: ReadonlySet<string>): DependencyRecord[][] {
  const next = new Map<number, Map<number, DependencyRecord>>();
  const seenSets = new Set<string>();
  const out: DependencyRecord[][] = [];
  for (const sh of shards) {
    for (const d of sh.dependencies) {
      if (d.from === d.to || next.get(d.from)?.has(d.to)) continue;
      const path = pathBetween(next, d.to, d.from);
      let m = next.get(d.from);
      if (!m) next.set(d.from, (m = new Map()));
      m.set(d.to, d);
      if (!path) continue;
      const cycle = [d, ...path];
      const key = `lock_order:${[...new Set(cycle.map((x) => x.from))].sort((a, b) => a - b).join(',')}`;
      if (reported.has(key) || seenSets.has(key)) continue;
      seenSets.add(key);
      out.push(cycle);
    }
  }
  return out;
}

function pathBetween(next: ReadonlyMap<number, ReadonlyMap<number, DependencyRecord>>, from: number, to: number): DependencyRecord[] | undefined {
  const prev = new Map<number, DependencyRecord | undefined>([[from, undefined]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const c = queue[i]!;
    if (c === to) {
      const out: DependencyRecord[] = [];
      for (let d = prev.get(c); d; d = prev.get(d.from)) out.unshift(d);
      return out;
    }
    for (const [n, d] of next.get(c) ?? []) {
      if (prev.has(n)) continue;
      prev.set(n, d);
      queue.push(n);
    }
  }
  return undefined;
}

/**
 * The cycle's trace, as `check` would give it: one run with every dependency of the cycle
 * if there is one (a fresh lockdep then reports the cycle on that run alone), else the run
 * that closes the cycle after runs showing the other dependencies.
 */
function cycleWitness(s: CompiledScenario, cycle: readonly DependencyRecord[], shorten: boolean): Finding | undefined {
  const fp = new Footprints(s);
  const edges = cycle.map((d) => edgeKey(d.from, d.to));
  const want = [...new Set(cycle.map((d) => d.from))].sort((a, b) => a - b).join(',');
  // A run may close a different cycle first; then it is not this one's witness.
  const ok = (f: Finding | undefined): Finding | undefined => (f && f.violation.lockClasses?.join(',') === want ? f : undefined);
  const whole = ok(cycleFinding(s, fp, edges, shorten));
  if (whole) return whole;
  // A run per dependency, the closing one last.
  const runs = [...edges.slice(1), edges[0]!].map((e) => witnessRun(s, [e]));
  return runs.every((r) => r !== undefined) ? ok(lockdepOverRuns(s, fp, runs as Move[][], 'lock_order')) : undefined;
}

/** The cycle as the shards' dependencies describe it, when no single run shows it. */
function cycleWithoutRun(s: CompiledScenario, cycle: readonly DependencyRecord[]): Finding {
  const [closing] = cycle as [DependencyRecord, ...DependencyRecord[]];
  const names = [closing.fromName, ...cycle.map((d) => d.toName)];
  const lines = [
    '======================================================',
    'WARNING: possible circular locking dependency detected',
    '------------------------------------------------------',
    `${closing.actor} takes (${closing.toName}) at ${closing.toSite.at} while holding (${closing.fromName}),`,
    'and the other dependencies of the cycle were seen by other shards;',
    'no single run with all of them was found within the witness search budget.',
    '',
    'the dependency chain is:',
  ];
  cycle.forEach((d, i) => {
    lines.push('', `-> #${i} (${d.toName}):`);
    for (const f of d.stack) lines.push(`       ${f}`);
    lines.push(`       [taken by ${d.actor} while holding ${d.fromName}, acquired at ${d.fromSite.at}]`);
  });
  lines.push('', `Chain exists of:\n  ${names.join(' --> ')}`, '', ' *** DEADLOCK ***', '');
  const message = `possible circular locking dependency across shards: ${cycle.map((d) => `${d.actor} takes ${d.toName} while holding ${d.fromName}`).join(', ')} (${names.join(' -> ')})`;
  const violation: Violation = {
    kind: 'lock_order',
    message,
    report: lines.join('\n'),
    actor: s.actors.findIndex((a) => a.name === closing.actor),
    span: spanRecord(closing.toSite),
    related: cycle.flatMap((d) => [
      { span: spanRecord(d.fromSite), message: `${d.actor} took ${d.fromName} here` },
      { span: spanRecord(d.toSite), message: `…then ${d.toName} here (${d.fromName} -> ${d.toName})` },
    ]),
    lockClasses: [...new Set(cycle.map((d) => d.from))].sort((a, b) => a - b),
  };
  return { kind: 'lock_order', message, violation, trace: [] };
}

/**
 * The spinlock classes taken in an irq handler in one shard and with interrupts on in
 * another, which no shard could report: each as its two uses, the one an earlier shard saw first.
 */
function crossShardIrqUsage(shards: readonly ShardOutput[], reported: ReadonlySet<string>): [UsageRecord, UsageRecord][] {
  const first = new Map<string, UsageRecord>();
  for (const sh of shards) for (const u of sh.usages) if (!first.has(`${u.cls}:${u.context}`)) first.set(`${u.cls}:${u.context}`, u);
  const out: [UsageRecord, UsageRecord][] = [];
  for (const u of first.values()) {
    if (u.context !== 'irq') continue;
    const on = first.get(`${u.cls}:irqs-on`);
    if (!on || reported.has(`irq_lock_inversion:${u.cls}`)) continue;
    const order = shards.findIndex((sh) => sh.usages.includes(u)) <= shards.findIndex((sh) => sh.usages.includes(on));
    out.push(order ? [u, on] : [on, u]);
  }
  return out;
}

/** Two runs, one per use, replayed into one lockdep: the second reports the inconsistent state. */
function irqWitness(s: CompiledScenario, pair: readonly [UsageRecord, UsageRecord]): Finding | undefined {
  const runs = pair.map((u) => usageRun(s, u.cls, u.context === 'irq'));
  if (!runs.every((r) => r !== undefined)) return undefined;
  const f = lockdepOverRuns(s, new Footprints(s), runs as Move[][], 'irq_lock_inversion');
  return f && f.violation.lockClasses?.[0] === pair[0].cls ? f : undefined;
}

/** The inconsistent lock state as the shards' records describe it, when no run shows it. */
function irqWithoutRun(s: CompiledScenario, pair: readonly [UsageRecord, UsageRecord]): Finding {
  const irq = pair.find((u) => u.context === 'irq')!;
  const on = pair.find((u) => u.context === 'irqs-on')!;
  const message = `inconsistent lock state across shards: ${irq.name} is taken in irq handler ${irq.actor} and by ${on.actor} with interrupts enabled`;
  const report = [
    '================================',
    'WARNING: inconsistent lock state',
    '--------------------------------',
    `${irq.name} is taken in irq handler ${irq.actor} at ${irq.site.at} ({IN-HARDIRQ-W}):`,
    ...irq.stack.map((f) => `  ${f}`),
    `and by ${on.actor} with interrupts enabled at ${on.site.at} ({HARDIRQ-ON-W}):`,
    ...on.stack.map((f) => `  ${f}`),
    'Each use was seen by a different shard; no run with the two was found within the witness search budget.',
    '',
    ' *** DEADLOCK ***',
  ].join('\n');
  const violation: Violation = {
    kind: 'irq_lock_inversion',
    message,
    report,
    actor: s.actors.findIndex((a) => a.name === pair[1].actor),
    span: spanRecord(pair[1].site),
    related: [
      { span: spanRecord(irq.site), message: `taken in irq handler ${irq.actor} here` },
      { span: spanRecord(on.site), message: `taken by ${on.actor} with interrupts enabled here` },
    ],
    lockClasses: [irq.cls],
  };
  return { kind: 'irq_lock_inversion', message, violation, trace: [] };
}
