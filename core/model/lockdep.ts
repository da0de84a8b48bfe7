// Lockdep: a lock-class dependency graph fed by acquire events. An edge A -> B says "B was
// taken while A was held". A new edge that closes a cycle is a possible circular locking
// dependency even if no run deadlocked; a class taken both in an irq handler and with
// interrupts on is an inconsistent lock state. The graph outlives one run, so the checker
// accumulates it over every interleaving it explores, as lockdep does over a boot.

import type { Span } from '../syntax/ast';
import type { CompiledScenario } from './compiled';
import { siteText } from './describe';
import { lockdepName, stackOf } from './machine';
import type { MachineState, ModelEvent, Related, Violation } from './types';

/** What most steps reveal: shared, never written. */
const NONE: readonly Violation[] = Object.freeze([]);

/** One edge of the lock-order graph, with where it was seen (what a merge of shards needs). */
export interface LockDependency {
  readonly from: number;
  readonly to: number;
  readonly actor: number;
  /** Where `from` was taken, and where `to` was then taken. */
  readonly fromSite: Span;
  readonly toSite: Span;
  /** Call trace of the acquisition of `to`, innermost first. */
  readonly stack: readonly string[];
}

interface Usage {
  readonly actor: number;
  readonly site: Span;
  readonly stack: readonly string[];
}

/** A lock class taken in an irq handler (`inIrq`) or in process context with interrupts on. */
export interface LockUsage extends Usage {
  readonly cls: number;
  readonly inIrq: boolean;
}

type AcquireEvent = Extract<ModelEvent, { kind: 'acquire' }>;

export class Lockdep {
  private readonly deps = new Map<number, Map<number, LockDependency>>();
  private readonly inIrq = new Map<number, Usage>();
  private readonly irqOn = new Map<number, Usage>();
  private readonly inSoftirq = new Map<number, Usage>();
  private readonly softirqOn = new Map<number, Usage>();
  private readonly reported = new Set<string>();

  constructor(private readonly s: CompiledScenario) {}

  /** Number of distinct dependencies recorded. */
  get size(): number {
    let n = 0;
    for (const m of this.deps.values()) n += m.size;
    return n;
  }

  /** Every dependency recorded, grouped by the class held (in the order first seen). */
  edges(): LockDependency[] {
    const out: LockDependency[] = [];
    for (const m of this.deps.values()) out.push(...m.values());
    return out;
  }

  /** The first use of each spinlock class in an irq handler, and with interrupts on. */
  usages(): LockUsage[] {
    const out: LockUsage[] = [];
    for (const [inIrq, m] of [[true, this.inIrq], [false, this.irqOn]] as const) {
      for (const [cls, u] of m) out.push({ cls, inIrq, ...u });
    }
    return out;
  }

  /** Every dependency recorded: the edges of the lock-order graph. */
  dependencies(): { from: string; to: string }[] {
    const out: { from: string; to: string }[] = [];
    for (const [from, m] of this.deps) for (const to of m.keys()) out.push({ from: this.name(from), to: this.name(to) });
    return out;
  }

  /**
   * Feeds one step's events; `before` is the state the step started from (for stacks).
   * Returns the violations this step newly reveals (each reported once per graph).
   */
  observe(events: readonly ModelEvent[], before: MachineState): readonly Violation[] {
    let out: Violation[] | undefined;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.kind !== 'acquire') continue;
      const v = this.onAcquire(e, before);
      if (v) (out ??= []).push(...v);
    }
    return out ?? NONE;
  }

  private name(cls: number): string {
    return lockdepName(this.s.lockClasses[cls]!);
  }

  private stack(before: MachineState, actor: number): string[] {
    return stackOf(this.s, before, actor).map((f) => `${f.name}+${siteText(this.s, f.span)}`);
  }

  /** The violations one acquisition newly reveals, if any (most reveal none: no list is made). */
  private onAcquire(e: AcquireEvent, before: MachineState): Violation[] | undefined {
    let out: Violation[] | undefined;
    const irq = this.usage(e, before);
    if (irq) out = [irq];
    // A trylock never waits, and neither does an SRCU reader (a recursive read): no
    // dependency ends at either, as in lockdep. Two classes that are one (nesting of one
    // class, annotated or not) are never an edge: that is check_deadlock's business.
    if (e.trylock || e.recursiveRead) return out;
    const held = e.held;
    for (let i = 0; i < held.length; i++) {
      const h = held[i]!;
      if (h.cls === e.cls) continue;
      let m = this.deps.get(h.cls);
      if (!m) this.deps.set(h.cls, (m = new Map()));
      if (m.has(e.cls)) continue;
      const dep: LockDependency = { from: h.cls, to: e.cls, actor: e.actor, fromSite: h.site, toSite: e.site, stack: this.stack(before, e.actor) };
      // Does `to` already reach `from`? Then this edge closes a cycle.
      const path = this.path(e.cls, h.cls);
      m.set(e.cls, dep);
      if (path) {
        const key = [...path.map((d) => d.from), h.cls].sort((a, b) => a - b).join(',');
        if (!this.reported.has(`cycle:${key}`)) {
          this.reported.add(`cycle:${key}`);
          (out ??= []).push(this.circular(dep, path, e));
        }
      }
    }
    return out;
  }

  /** The dependencies along a path from `from` to `to`, by breadth-first search. */
  private path(from: number, to: number): LockDependency[] | undefined {
    const prev = new Map<number, LockDependency>();
    const queue = [from];
    const seen = new Set([from]);
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (c === to) {
        const out: LockDependency[] = [];
        for (let x = to; x !== from; ) {
          const d = prev.get(x)!;
          out.unshift(d);
          x = d.from;
        }
        return out;
      }
      for (const [n, d] of this.deps.get(c) ?? []) {
        if (seen.has(n)) continue;
        seen.add(n);
        prev.set(n, d);
        queue.push(n);
      }
    }
    return undefined;
  }

  private circular(dep: LockDependency, path: readonly LockDependency[], e: AcquireEvent): Violation {
    const s = this.s;
    const actor = s.actors[e.actor]!;
    const held = this.name(dep.from);
    const wanted = this.name(dep.to);
    const task = `${actor.name}/${e.actor + 1}`;
    const lines = [
      '======================================================',
      'WARNING: possible circular locking dependency detected',
      '------------------------------------------------------',
      `${task} is trying to acquire lock:`,
      ` (${wanted}), at: ${siteText(s, e.site)}`,
      '',
      'but task is already holding lock:',
      ` (${held}), at: ${siteText(s, dep.fromSite)}`,
      '',
      'which lock already depends on the new lock.',
      '',
      '',
      'the existing dependency chain (in reverse order) is:',
    ];
    // The chain: the existing path from `wanted` back to `held`, then the new edge.
    const chain = [...path].reverse();
    chain.forEach((d, i) => {
      lines.push('', `-> #${chain.length - i} (${this.name(d.to)}):`);
      for (const f of d.stack) lines.push(`       ${f}`);
      lines.push(`       [taken by ${s.actors[d.actor]!.name} while holding ${this.name(d.from)}, acquired at ${siteText(s, d.fromSite)}]`);
    });
    lines.push('', `-> #0 (${wanted}):`);
    for (const f of dep.stack) lines.push(`       ${f}`);
    lines.push('', 'other info that might help us debug this:', '');
    if (path.length === 1) {
      const pad = (x: string): string => x.padEnd(31);
      lines.push(
        ' Possible unsafe locking scenario:',
        '',
        '       CPU0                    CPU1',
        '       ----                    ----',
        `  lock(${held});`,
        `${pad('')}lock(${wanted});`,
        `${pad('')}lock(${held});`,
        `  lock(${wanted});`,
      );
    } else {
      lines.push(`Chain exists of:\n  ${[wanted, ...path.slice(1).map((d) => this.name(d.to)), held].join(' --> ')}`, '');
      lines.push(
        ' Possible unsafe locking scenario:',
        '',
        '       CPU0                    CPU1',
        '       ----                    ----',
        `  lock(${held});`,
        `                               lock(${this.name(path[path.length - 1]!.from)});`,
        `                               lock(${held});`,
        `  lock(${wanted});`,
      );
    }
    lines.push('', ' *** DEADLOCK ***', '');
    lines.push(`${e.held.length} lock${e.held.length === 1 ? '' : 's'} held by ${task}:`);
    e.held.forEach((h, i) => lines.push(` #${i}: (${this.name(h.cls)}), at: ${siteText(s, h.site)}`));
    const related: Related[] = [
      { span: dep.fromSite, message: `${actor.name} holds ${held} (taken here)` },
      ...path.flatMap((d) => [
        { span: d.fromSite, message: `${s.actors[d.actor]!.name} took ${this.name(d.from)} here` },
        { span: d.toSite, message: `…then ${this.name(d.to)} here (${this.name(d.from)} -> ${this.name(d.to)})` },
      ]),
    ];
    const cycle = [held, wanted, ...path.slice(1).map((d) => this.name(d.to))];
    return {
      kind: 'lock_order',
      lockClasses: [...new Set([dep.from, ...path.map((d) => d.from)])].sort((a, b) => a - b),
      message: `possible circular locking dependency: ${task} takes ${wanted} while holding ${held}, but ${path.map((d) => `${this.name(d.to)} was taken while holding ${this.name(d.from)}`).join(', ')} (${[...new Set(cycle)].join(' -> ')} -> ${held})`,
      report: lines.join('\n'),
      actor: e.actor,
      span: e.site,
      related,
    };
  }

  /**
   * lockdep's irq-state checks: a lock taken in hardirq context and elsewhere with interrupts
   * enabled, or in softirq context (a timer) and elsewhere with bottom halves enabled.
   */
  private usage(e: AcquireEvent, before: MachineState): Violation | undefined {
    if (e.lockKind !== 'spinlock' && e.lockKind !== 'rwlock') return undefined;
    const soft = e.softirq === true;
    const hardirq = e.inIrq && !soft;
    return this.irqUsage(e, before, 'HARDIRQ', hardirq, !hardirq && e.irqsEnabled)
      ?? this.irqUsage(e, before, 'SOFTIRQ', soft, !e.inIrq && e.irqsEnabled && e.bhEnabled !== false);
  }

  private irqUsage(e: AcquireEvent, before: MachineState, ctx: 'HARDIRQ' | 'SOFTIRQ', inIrq: boolean, enabled: boolean): Violation | undefined {
    if (!inIrq && !enabled) return undefined;
    const [inMap, onMap] = ctx === 'HARDIRQ' ? [this.inIrq, this.irqOn] : [this.inSoftirq, this.softirqOn];
    const mine = inIrq ? inMap : onMap;
    if (!mine.has(e.cls)) mine.set(e.cls, { actor: e.actor, site: e.site, stack: this.stack(before, e.actor) });
    const other = (inIrq ? onMap : inMap).get(e.cls);
    if (!other) return undefined;
    const key = `${ctx}:${e.cls}`;
    if (this.reported.has(key)) return undefined;
    this.reported.add(key);
    const s = this.s;
    const name = this.name(e.cls);
    const irqUse = inIrq ? { actor: e.actor, site: e.site, stack: this.stack(before, e.actor) } : other;
    const onUse = inIrq ? other : { actor: e.actor, site: e.site, stack: this.stack(before, e.actor) };
    const irqActor = s.actors[irqUse.actor]!;
    const onActor = s.actors[onUse.actor]!;
    const [state, was] = inIrq ? [`IN-${ctx}-W`, `${ctx}-ON-W`] : [`${ctx}-ON-W`, `IN-${ctx}-W`];
    const soft = ctx === 'SOFTIRQ';
    const enabledText = soft ? 'bottom halves enabled' : 'interrupts enabled';
    return {
      kind: 'irq_lock_inversion',
      lockClasses: [e.cls],
      message: `inconsistent lock state: ${name} is taken in ${soft ? 'softirq (timer)' : 'irq handler'} ${irqActor.name} and by ${onActor.name} with ${enabledText}`,
      report: [
        '================================',
        'WARNING: inconsistent lock state',
        '--------------------------------',
        `inconsistent {${was}} -> {${state}} usage.`,
        soft
          ? `${s.actors[e.actor]!.name}/${e.actor + 1} [HC0[0]:SC${inIrq ? 1 : 0}[${inIrq ? 1 : 0}]:HE1:SE${inIrq ? 0 : 1}] takes:`
          : `${s.actors[e.actor]!.name}/${e.actor + 1} [HC${inIrq ? 1 : 0}[${inIrq ? 1 : 0}]:SC0[0]:HE${inIrq ? 0 : 1}:SE1] takes:`,
        ` (${name}), at: ${siteText(s, e.site)}`,
        `{${was}} state was registered at:`,
        ...(inIrq ? onUse : irqUse).stack.map((f) => `  ${f}`),
        '',
        'other info that might help us debug this:',
        ' Possible unsafe locking scenario:',
        '',
        '       CPU0',
        '       ----',
        `  lock(${name});`,
        '  <Interrupt>',
        `    lock(${name});`,
        '',
        ' *** DEADLOCK ***',
        '',
        soft
          ? `${onActor.name} (CPU${onActor.cpu}) takes ${name} with bottom halves enabled; the timer callback ${irqActor.name} on CPU${irqActor.cpu} takes it in softirq context: use spin_lock_bh in process context.`
          : `${onActor.name} (CPU${onActor.cpu}) takes ${name} with interrupts enabled; irq handler ${irqActor.name} on CPU${irqActor.cpu} takes it too: use spin_lock_irqsave in process context.`,
      ].join('\n'),
      actor: e.actor,
      span: e.site,
      related: [
        { span: irqUse.site, message: `taken in ${soft ? 'softirq' : 'irq handler'} ${irqActor.name} here` },
        { span: onUse.site, message: `taken by ${onActor.name} with ${enabledText} here` },
      ],
    };
  }
}
