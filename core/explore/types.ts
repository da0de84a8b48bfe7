// The checker's public data: options, the verdict, each violation found with its trace, and
// the statistics the CLI, the language server and the benchmark read.

import type { LockDependency, LockUsage } from '../model/lockdep';
import type { Violation, ViolationKind } from '../model/types';
import type { StrategyName } from './strategies';
import type { TraceStep } from './trace';

export type Verdict = 'violation' | 'verified' | 'inconclusive';

/** What stopped a search before it covered the whole space. */
/** `worker`: a worker thread of a parallel search failed (its message says how). */
export type BoundKind = 'states' | 'depth' | 'seconds' | 'memory' | 'cancelled' | 'worker';

export interface Shard {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

export interface Progress {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly frontier: number;
  readonly seconds: number;
  readonly violations: number;
}

export interface CheckOptions {
  /** Stop after storing this many states. */
  readonly maxStates?: number;
  /** Do not expand states this many steps from the start. */
  readonly maxDepth?: number;
  readonly maxSeconds?: number;
  /** Stop when the process's resident memory exceeds this (default: half the machine's RAM, at most the JS heap limit). */
  readonly maxMemoryMB?: number;
  /** Stop at the first violation. */
  readonly first?: boolean;
  /** Partial-order reduction (default on). Off explores every interleaving. */
  readonly reduction?: boolean;
  /** Symmetry reduction over interchangeable actors (default on; see symmetry.ts). */
  readonly symmetry?: boolean;
  readonly strategy?: StrategyName;
  /** Seed of the random strategy. */
  readonly seed?: number;
  readonly shard?: Shard;
  /** Shorten each trace (drop steps the violation does not depend on, fewer preemptions). Default on. */
  readonly shortenTraces?: boolean;
  /** Polled during the search: return true to stop (the result says `cancelled`). */
  readonly cancelled?: () => boolean;
  /** Called about every `progressIntervalMs` (default 250) while searching. */
  readonly onProgress?: (p: Progress) => void;
  readonly progressIntervalMs?: number;
  /**
   * Self-check for tests: every step taken must stay inside the static footprint the
   * reduction assumed for it; a step that does not throws an internal error.
   */
  readonly checkFootprints?: boolean;
  /**
   * Take steps from the step memo (explore/memo.ts) where it knows them (default true).
   * Off, every step runs on the machine: for tests and benchmarks that compare the two.
   */
  readonly stepMemo?: boolean;
  /**
   * Worker threads searching together over one shared table of visited states (default 1:
   * this thread, in a fixed order). The verdict and every reported violation and trace are
   * the same with any number (see parallel.ts).
   */
  readonly workers?: number;
}

export interface Bound {
  readonly kind: BoundKind;
  /** The limit that was reached (states, steps, seconds, MB); 0 for `cancelled`. */
  readonly limit: number;
  /** One line for people, e.g. `stopped at --max-states 1000000`. */
  readonly message: string;
}

export interface Finding {
  readonly kind: ViolationKind;
  readonly message: string;
  /** The violation as the model reported it at the end of `trace` (report, span, related places). */
  readonly violation: Violation;
  /** The schedule that reaches it, shortest found. The last step is the failing one, except
   *  for whole-state findings (deadlock, leak, data race, livelock), which hold after it. */
  readonly trace: readonly TraceStep[];
  /** For a deadlock: what each blocked actor was trying to do. */
  readonly blocked?: readonly { readonly actor: number; readonly text: string }[];
  /** For a data race or livelock: the steps about to happen (not taken), for the diagram. */
  readonly pending?: readonly { readonly actor: number; readonly text: string }[];
}

export interface CheckStats {
  /** States stored (distinct states reached). */
  readonly states: number;
  /** Moves followed from expanded states. */
  readonly transitions: number;
  readonly seconds: number;
  readonly peakMemoryMB: number;
  /** Deepest state stored, in steps. */
  readonly maxDepth: number;
  /** Bytes the visited-state store uses per state (table and parent links). */
  readonly bytesPerState: number;
  /** States expanded through a persistent set that left some actor out (partial-order reduction at work). */
  readonly reducedStates: number;
}

export interface CheckResult {
  readonly verdict: Verdict;
  /** Present when a bound stopped the search (the verdict is then not `verified`). */
  readonly bound?: Bound;
  readonly violations: readonly Finding[];
  readonly stats: CheckStats;
  /** Groups of actors the search treated as interchangeable (symmetry reduction), by name. */
  readonly symmetric?: readonly (readonly string[])[];
  /** The lock-order graph over everything explored (a shard writes it for `lockstep merge`); absent in a merged result. */
  readonly lockDependencies?: readonly LockDependency[];
  /** Each spinlock class's first use in an irq handler and with interrupts on (the same). */
  readonly lockUsages?: readonly LockUsage[];
}
