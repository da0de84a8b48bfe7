// Picks a frontier by name.

import { BreadthFirst } from './bfs';
import { DepthFirst } from './dfs';
import type { Frontier, StrategyName } from './frontier';
import { RandomOrder } from './random';

export type { Frontier, FrontierItem, StrategyName } from './frontier';

export const STRATEGIES: readonly StrategyName[] = ['bfs', 'dfs', 'random'];

export function makeFrontier(name: StrategyName, seed = 1): Frontier {
  switch (name) {
    case 'bfs':
      return new BreadthFirst();
    case 'dfs':
      return new DepthFirst();
    case 'random':
      return new RandomOrder(seed);
  }
}
