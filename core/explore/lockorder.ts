// A lock-order cycle is found over everything explored: its dependencies may come from
// different runs, so the run that closed it need not show the other side. For the trace,
// look for one run in which every dependency of the cycle happens (each actor taking its
// second lock while holding its first), shortest first, within a budget. Replayed under a
// fresh lockdep, that run reports the same cycle itself, so `run --replay` and the debugger
// show the whole story.

import type { CompiledScenario } from '../model/compiled';
import { Lockdep } from '../model/lockdep';
import { choiceCount, encodeState, initialState, schedulable, step } from '../model/machine';
import type { MachineState, ModelEvent, Move, Violation } from '../model/types';
import { fingerprint, fp } from './store';

type AcquireEvent = Extract<ModelEvent, { kind: 'acquire' }>;

/** A dependency "`to` taken while holding `from`", as one number. */
export function edgeKey(from: number, to: number): number {
  return from * 65536 + to;
}

/** Records the lock-class dependencies of a step's events into `edges`. */
export function addEdges(events: readonly ModelEvent[], edges: Set<number>): void {
  for (const e of events) {
    if (e.kind !== 'acquire' || e.trylock) continue;
    for (const h of e.held) if (h.cls !== e.cls) edges.add(edgeKey(h.cls, e.cls));
  }
}

/**
 * The cycle an acquisition closes: the edges from a lock it holds to the one it takes, then
 * back along recorded dependencies. Undefined if the acquisition closes none.
 */
export function cycleThrough(closing: readonly ModelEvent[], edges: ReadonlySet<number>): number[] | undefined {
  const next = new Map<number, number[]>();
  for (const k of edges) {
    const from = Math.floor(k / 65536);
    const list = next.get(from) ?? [];
    list.push(k % 65536);
    next.set(from, list);
  }
  for (const e of closing) {
    if (e.kind !== 'acquire' || e.trylock) continue;
    for (const h of (e as AcquireEvent).held) {
      if (h.cls === e.cls) continue;
      const path = shortestPath(next, e.cls, h.cls);
      if (path) {
        const cycle = [edgeKey(h.cls, e.cls)];
        for (let i = 0; i + 1 < path.length; i++) cycle.push(edgeKey(path[i]!, path[i + 1]!));
        return cycle;
      }
    }
  }
  return undefined;
}

function shortestPath(next: ReadonlyMap<number, readonly number[]>, from: number, to: number): number[] | undefined {
  const prev = new Map<number, number>([[from, -1]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const c = queue[i]!;
    if (c === to) {
      const out: number[] = [];
      for (let x = c; x !== -1; x = prev.get(x)!) out.push(x);
      return out.reverse();
    }
    for (const n of next.get(c) ?? []) {
      if (prev.has(n)) continue;
      prev.set(n, c);
      queue.push(n);
    }
  }
  return undefined;
}

/**
 * A run in which every edge of `cycle` happens: first breadth-first (the shortest run) over
 * a small budget, then depth-first preferring to keep running the same actor, which finds
 * the serial runs (one actor after another) that long cycles need.
 */
export function witnessRun(s: CompiledScenario, cycle: readonly number[]): Move[] | undefined {
  const want = new Map(cycle.map((k, i) => [k, 1 << i]));
  const bits = (e: AcquireEvent): number => {
    if (e.trylock) return 0;
    let mask = 0;
    for (const h of e.held) mask |= want.get(edgeKey(h.cls, e.cls)) ?? 0;
    return mask;
  };
  return wantedRun(s, bits, (1 << cycle.length) - 1);
}

/** A run that takes lock class `cls` in an irq handler (`inIrq`) or with interrupts on. */
export function usageRun(s: CompiledScenario, cls: number, inIrq: boolean): Move[] | undefined {
  const bits = (e: AcquireEvent): number => (e.cls === cls && (inIrq ? e.inIrq : !e.inIrq && e.irqsEnabled) ? 1 : 0);
  return wantedRun(s, bits, 1);
}

/** A run whose acquisitions set every bit of `all`, shortest first, then serial. */
function wantedRun(s: CompiledScenario, bits: (e: AcquireEvent) => number, all: number): Move[] | undefined {
  return searchRun(s, bits, all, 'bfs', 5_000) ?? searchRun(s, bits, all, 'dfs', 50_000);
}

interface RunNode {
  readonly state: MachineState;
  readonly mask: number;
  readonly parent: number;
  readonly move: Move | undefined;
}

function searchRun(s: CompiledScenario, bits: (e: AcquireEvent) => number, all: number, order: 'bfs' | 'dfs', budget: number): Move[] | undefined {
  const nodes: RunNode[] = [{ state: initialState(s), mask: 0, parent: -1, move: undefined }];
  const seen = new Set<string>();
  const keyOf = (state: MachineState, mask: number): string => {
    fingerprint(encodeState(state));
    return `${fp.h1}:${fp.h2}:${mask}`;
  };
  seen.add(keyOf(nodes[0]!.state, 0));
  const pending = [0];
  let head = 0;
  while (head < pending.length) {
    const i = order === 'bfs' ? pending[head++]! : pending.pop()!;
    const node = nodes[i]!;
    const last = node.move?.actor ?? -1;
    const children: number[] = [];
    for (let actor = 0; actor < s.actors.length; actor++) {
      if (!schedulable(s, node.state, actor)) continue;
      const k = choiceCount(s, node.state, actor);
      for (let choice = 0; choice < k; choice++) {
        const r = step(s, node.state, { actor, choice });
        if (r.status !== 'ok') continue;
        let mask = node.mask;
        for (const e of r.events) if (e.kind === 'acquire') mask |= bits(e);
        const move = { actor, choice };
        if (mask === all) {
          const moves = [move];
          for (let x = i; nodes[x]!.move; x = nodes[x]!.parent) moves.push(nodes[x]!.move!);
          return moves.reverse();
        }
        const key = keyOf(r.state, mask);
        if (seen.has(key)) continue;
        if (seen.size >= budget) return undefined;
        seen.add(key);
        nodes.push({ state: r.state, mask, parent: i, move });
        children.push(nodes.length - 1);
      }
    }
    if (order === 'bfs') pending.push(...children);
    else {
      // Pushed last, popped first: the same actor's move goes on top.
      children.sort((x, y) => Number(nodes[x]!.move!.actor === last) - Number(nodes[y]!.move!.actor === last));
      pending.push(...children);
    }
  }
  return undefined;
}


/**
 * The violation of `kind` (a lock-order cycle by default) a fresh lockdep reports when the
 * moves are replayed, with the index of its step. `earlier` runs are replayed first into the
 * same lockdep, as the checker's lockdep accumulates over every run it explores.
 */
export function lockdepOnReplay(
  s: CompiledScenario,
  moves: readonly Move[],
  earlier: readonly (readonly Move[])[] = [],
  kind: 'lock_order' | 'irq_lock_inversion' = 'lock_order',
): { violation: Violation; at: number } | undefined {
  const lockdep = new Lockdep(s);
  for (const run of earlier) {
    let state = initialState(s);
    for (const m of run) {
      const r = step(s, state, m);
      if (r.status !== 'ok') return undefined;
      lockdep.observe(r.events, state);
      state = r.state;
    }
  }
  let state = initialState(s);
  for (let i = 0; i < moves.length; i++) {
    const r = step(s, state, moves[i]!);
    if (r.status !== 'ok') return undefined;
    const found = lockdep.observe(r.events, state).find((v) => v.kind === kind);
    if (found) return { violation: found, at: i };
    state = r.state;
  }
  return undefined;
}
