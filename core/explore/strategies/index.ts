// Picks a frontier by name.

import type { ActorIntern } from '../pack';
import type { Frontier, StrategyName } from './frontier';
import { PackedFrontier } from './packed';
import { RandomOrder } from './random';

export type { Frontier, FrontierItem, StrategyName } from './frontier';

export const STRATEGIES: readonly StrategyName[] = ['bfs', 'dfs', 'random'];

/**
 * Breadth-first (the states in the order they were discovered, so the first path to any
 * state has the fewest steps: the default), depth-first (the most recently discovered next:
 * a small frontier, longer first traces) or seeded random. `intern` is the actor table the
 * packed frontiers share with the search.
 */
export function makeFrontier(name: StrategyName, seed = 1, intern?: ActorIntern): Frontier {
  switch (name) {
    case 'bfs':
    case 'dfs':
      return new PackedFrontier(name, intern);
    case 'random':
      return new RandomOrder(seed);
  }
}
