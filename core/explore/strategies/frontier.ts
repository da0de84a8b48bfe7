// The one small interface every exploration strategy implements: which discovered state to
// expand next. The search loop (../search.ts) is the same for all of them; a strategy only
// orders the frontier.

import type { LazyStepOk } from '../../model/machine';
import type { MachineState } from '../../model/types';

export interface FrontierItem {
  /** The state's id in the store. */
  readonly id: number;
  readonly state: MachineState;
  /** Steps from the initial state along the path that discovered it. */
  readonly depth: number;
  /**
   * The state's two fingerprint sums (store.ts, `StateHasher`), when the search computed
   * them: its successors' fingerprints then follow without rehashing it.
   */
  readonly s1?: number;
  readonly s2?: number;
  /**
   * The step that reached the state, when its result was never built (machine.ts,
   * LazyStepOk): a frontier that packs states packs it from its base state and the words it
   * wrote, and `state` builds it only if read.
   */
  readonly step?: LazyStepOk;
}

export interface Frontier {
  readonly name: string;
  readonly size: number;
  push(item: FrontierItem): void;
  /**
   * The next state to expand, or undefined when the frontier is empty. A packed frontier's
   * state reads the frontier's words in place (pack.ts, PackedState): it may be read for the
   * next pops that a search looking ahead makes (breadth-first) or until the next pop
   * (depth-first), and for longer once `keepState` (pack.ts) copied what it reads.
   */
  pop(): FrontierItem | undefined;
  /** Every item still waiting, in the order the strategy would expand them (for sharding), each readable for as long as needed. */
  drain(): FrontierItem[];
  /**
   * Present when the frontier keeps the recently popped states' words: makes `state`, one of
   * them, the state whose successors are pushed next (a search that looks ahead expands
   * states some pops after it popped them).
   */
  focus?(state: MachineState): void;
  /**
   * Present when the frontier packs states: `push` of the state step `step` reached, with
   * its id, depth and fingerprint sums, without an item object for it.
   */
  pushStep?(id: number, depth: number, s1: number, s2: number, step: LazyStepOk): void;
}

export type StrategyName = 'bfs' | 'dfs' | 'random';
