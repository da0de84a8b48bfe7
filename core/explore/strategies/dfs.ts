// Depth-first: the most recently discovered state next. Its frontier stays small on wide
// state spaces, at the price of longer first traces (the witness is shortened afterwards).

import type { Frontier, FrontierItem } from './frontier';

export class DepthFirst implements Frontier {
  readonly name = 'dfs';
  private items: FrontierItem[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: FrontierItem): void {
    this.items.push(item);
  }

  pop(): FrontierItem | undefined {
    return this.items.pop();
  }

  drain(): FrontierItem[] {
    const out = this.items.reverse();
    this.items = [];
    return out;
  }
}
