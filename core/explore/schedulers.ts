// Schedulers for single runs (`lockstep run`, the debugger's continue): each picks one of
// the moves possible at a state. Round-robin, seeded random, and replay of a saved trace.

import type { Move } from '../model/types';

export interface Scheduler {
  readonly name: string;
  /** Picks one of `moves` (never empty); `stepIndex` counts the steps taken so far. */
  pick(moves: readonly Move[], stepIndex: number): Move | undefined;
}

/** Gives each actor one step in turn, in actor order, skipping those that cannot move. */
export function roundRobin(): Scheduler {
  let last = -1;
  return {
    name: 'round-robin',
    pick(moves) {
      const sorted = [...moves].sort((a, b) => a.actor - b.actor || a.choice - b.choice);
      const next = sorted.find((m) => m.actor > last) ?? sorted[0];
      if (next) last = next.actor;
      return next;
    },
  };
}

/** mulberry32: a small, fast, seedable generator, so a seed reproduces a run exactly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomScheduler(seed: number): Scheduler {
  const next = rng(seed);
  return {
    name: `random(seed=${seed})`,
    pick(moves) {
      return moves[Math.floor(next() * moves.length)];
    },
  };
}

/** Follows a recorded schedule; returns undefined when the recorded move is not possible. */
export function replayScheduler(schedule: readonly Move[]): Scheduler {
  return {
    name: 'replay',
    pick(moves, i) {
      const want = schedule[i];
      if (!want) return undefined;
      return moves.find((m) => m.actor === want.actor && m.choice === want.choice);
    },
  };
}

/**
 * PCT (probabilistic concurrency testing, Burckhardt et al., ASPLOS 2010): actors get random
 * distinct priorities and the highest-priority actor that can move always moves; at `depth - 1`
 * random steps the running actor drops below everyone. A bug that needs `depth - 1` preemptions
 * at the right places is found with probability at least 1 / (actors × steps^(depth-1)) per
 * seed, where uniformly random scheduling can need exponentially many tries (seed 003's window).
 */
export function pctScheduler(seed: number, depth = 3, steps = 100): Scheduler {
  const next = rng(seed);
  const priority = new Map<number, number>();
  const changeAt = new Map<number, number>();
  for (let i = 1; i < depth; i++) changeAt.set(Math.floor(next() * steps), depth - i);
  const prio = (actor: number): number => {
    let p = priority.get(actor);
    if (p === undefined) {
      // Fresh actors get a random high priority (above every change-point priority).
      p = depth + next();
      priority.set(actor, p);
    }
    return p;
  };
  // A high-priority actor spinning in a retry loop would starve the one it waits for: after
  // this many moves in a row while others could move, it drops below everyone.
  const spinLimit = 2 * steps;
  let last = -1;
  let run = 0;
  let lowest = 0;
  return {
    name: `pct(seed=${seed}, depth=${depth})`,
    pick(moves, i) {
      let best: Move | undefined;
      for (const m of moves) if (!best || prio(m.actor) > prio(best.actor)) best = m;
      if (!best) return undefined;
      const same = moves.filter((m) => m.actor === best!.actor);
      const move = same[Math.floor(next() * same.length)]!;
      const drop = changeAt.get(i);
      if (drop !== undefined) priority.set(move.actor, drop);
      run = move.actor === last ? run + 1 : 1;
      last = move.actor;
      if (run > spinLimit && moves.some((m) => m.actor !== move.actor)) {
        priority.set(move.actor, --lowest);
        run = 0;
      }
      return move;
    },
  };
}
