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
