// Breadth-first: states in the order they were discovered, so the first path to any state
// (and to any violation) has the fewest steps. The default strategy.

import type { Frontier, FrontierItem } from './frontier';

export class BreadthFirst implements Frontier {
  readonly name = 'bfs';
  private items: (FrontierItem | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: FrontierItem): void {
    this.items.push(item);
  }

  pop(): FrontierItem | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Drop the consumed prefix now and then so the queue does not hold dead slots forever.
    if (this.head > 65536 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  drain(): FrontierItem[] {
    const out = this.items.slice(this.head) as FrontierItem[];
    this.items = [];
    this.head = 0;
    return out;
  }
}
