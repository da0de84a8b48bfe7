// Seeded random order: any waiting state may be expanded next. Useful to sample a space too
// large to finish, with a time or state bound; the same seed gives the same search.

import { rng } from '../schedulers';
import type { Frontier, FrontierItem } from './frontier';

export class RandomOrder implements Frontier {
  readonly name: string;
  private items: FrontierItem[] = [];
  private readonly next: () => number;

  constructor(seed: number) {
    this.name = `random(seed=${seed})`;
    this.next = rng(seed);
  }

  get size(): number {
    return this.items.length;
  }

  push(item: FrontierItem): void {
    // A step not built yet would keep its base state and everything it made alive: the
    // waiting state is built now, as small as it gets here.
    const { id, state, depth, s1, s2 } = item;
    this.items.push(item.step ? (s1 !== undefined && s2 !== undefined ? { id, state, depth, s1, s2 } : { id, state, depth }) : item);
  }

  pop(): FrontierItem | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const i = Math.floor(this.next() * n);
    const item = this.items[i]!;
    this.items[i] = this.items[n - 1]!;
    this.items.pop();
    return item;
  }

  drain(): FrontierItem[] {
    const out = this.items;
    this.items = [];
    return out;
  }
}
