// The explorer: expands states from a frontier (a strategy orders it), steps the actors a
// persistent set needs, stores new states by fingerprint, and runs every detector: violating
// steps, lockdep over everything explored, deadlock and kmemleak at dead ends, KCSAN races,
// and busy-wait livelocks. It runs in slices (`run(deadline)`) so callers can report
// progress, yield to the event loop, or cancel.

import * as os from 'node:os';
import * as v8 from 'node:v8';
import type { CompiledScenario } from '../model/compiled';
import { Lockdep } from '../model/lockdep';
import {
  choiceCount, deadlockViolation, initialState, isFinished, LazyStepOk, leakViolation, mayChooseNext, schedulable, schedulableIfRunning, stateCheckViolations, step,
} from '../model/machine';
import { findRace } from '../model/races';
import { ActorStatus, type ActorState, type MachineState, type Move, type StepOk, type StepViolation, type Violation } from '../model/types';
import { Footprints } from './footprint';
import { LivelockProbe } from './livelock';
import { BLOCKS, StepMemo } from './memo';
import { addEdges } from './lockorder';
import { Reducer } from './reduction';
import { Symmetry } from './symmetry';
import { fingerprintState, fp, lastSums, packMove, StateHasher, StateStore } from './store';
import { ActorIntern, encodeActor, keepState, packPortable, unpackPortable, Words } from './pack';
import { makeFrontier, type Frontier, type FrontierItem } from './strategies';
import type { Bound, BoundKind, CheckOptions, CheckStats, Progress, Shard } from './types';

/** A violation as the search first met it: where (state and move), before its trace is built. */
export interface RawFinding {
  readonly key: string;
  readonly violation: Violation;
  /** The state it was found at (the failing move starts there, or the state itself is bad). */
  readonly stateId: number;
  readonly move?: Move;
  /** The other racing move, for a data race. */
  readonly otherMove?: Move;
}

/** A move's result; `known` when the step memo gave it (its events were observed before). */
export type Outcome = { readonly move: Move; readonly result: StepOk | StepViolation; readonly known?: boolean };

const DEFAULT_MAX_STATES = 50_000_000;
/** Without --max-seconds a search still ends: ten minutes, then inconclusive. */
export const DEFAULT_MAX_SECONDS = 600;
/**
 * The search stops once the JavaScript heap holds this share of V8's actual limit
 * (`--max-old-space-size`, a worker's resourceLimits), leaving the collector room to work:
 * nearer the limit V8 aborts the process rather than let it stop cleanly.
 */
const HEAP_SHARE = 0.7;
/**
 * V8's heap_size_limit counts the young generation's reserve (three 16 MB semi-spaces on
 * 64-bit) on top of the old generation, which is what runs out: under
 * `--max-old-space-size=48` the limit reads 96 MB. The guard measures against the old one.
 */
const YOUNG_GENERATION_MB = 48;

/** The old generation's limit in MB: what `--max-old-space-size` (or a worker's resourceLimits) set. */
export function oldGenerationLimitMB(): number {
  const total = v8.getHeapStatistics().heap_size_limit / 2 ** 20;
  return total - Math.min(YOUNG_GENERATION_MB, total / 2);
}

/** MB of the heap outside the young generation (whose garbage is freed at the next scavenge). */
function oldGenerationUsedMB(): number {
  let used = 0;
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_name !== 'new_space' && space.space_name !== 'new_large_object_space') used += space.space_used_size;
  }
  return used / 2 ** 20;
}
/** The least time between two readings of the process's memory. */
const MEMORY_CHECK_MS = 50;
const DEFAULT_MAX_DEPTH = 100_000;
/**
 * States a breadth-first search pops and prepares before it stores their successors (see
 * `Search.run`): enough that the table reads of their successors, made one after the other,
 * overlap (a few dozen misses in flight instead of one at a time).
 */
const LOOKAHEAD = 16;

/** The most waiting states one participant of a parallel search hands another at a time (`share`). */
const SHARE_MAX = 1024;
/** The bound of `Search.provisoScore` either way: how long a change of regime takes to notice. */
const PROVISO_SCORE = 32;

let maxMemoryMB: number | undefined;

/** The default resident-memory bound: half the RAM, at most 4 GB (read once per process). */
export function defaultMaxMemoryMB(): number {
  return (maxMemoryMB ??= Math.floor(Math.min(os.totalmem() / 2 / 2 ** 20, 4096)));
}

/** The set of states seen: the store (one worker), or the table workers share (shared-store.ts). */
export interface Visited {
  readonly size: number;
  readonly bytes: number;
  /** Whether at least `n` states are stored (cheaper than `size` in a shared table). */
  reached(n: number): boolean;
  /** Stores the fingerprint in `fp` (store.ts) reached at `depth`; its number, or -(number + 1) if known. */
  insert(parent: number, move: number, depth: number): number;
  /**
   * Whether state `t` comes after state `s`, at depth `depth`, in the fixed order the ignoring
   * proviso uses breadth-first (see Search.follow).
   */
  after(t: number, s: number, depth: number): boolean;
  /** Reads the table slot where the fingerprint in `fp` would be looked up (see `Search.hashAll`). */
  touch(): number;
  expanded(id: number): boolean;
  setExpanded(id: number): void;
  /** Called before each expansion's insertions: a shared table may make the thread wait here while it grows. */
  pause(): void;
  /**
   * Asked before the table grows, with the bytes growing takes at once: false refuses (the
   * search's memory bound). A refused table fills further meanwhile and says so in
   * `growthRefused`, and the search stops; a table that fills up all the same grows.
   */
  growthGuard: ((bytes: number) => boolean) | undefined;
  readonly growthRefused: boolean;
}

/** How a worker of a parallel search (parallel.ts) runs its part. */
export interface WorkerPart {
  readonly visited: Visited;
}

export class Search {
  readonly store = new StateStore();
  private visited: Visited;
  readonly lockdep: Lockdep;
  readonly footprints: Footprints;
  private readonly reducer: Reducer | undefined;
  readonly symmetry: Symmetry | undefined;
  private frontier: Frontier;
  /** Actor states by content, shared by the frontiers (see pack.ts). */
  private readonly intern = new ActorIntern();
  private readonly hasher = new StateHasher(this.intern);
  private readonly findings = new Map<string, RawFinding>();
  private readonly livelock: LivelockProbe;
  private readonly memo: StepMemo | undefined;
  /** Lock-class dependencies seen (edgeKey), for lock-order witnesses. */
  readonly lockEdges = new Set<number>();
  private bound: Bound | undefined;
  private transitions = 0;
  private deepest = 0;
  private reducedStates = 0;
  private expansions = 0;
  private peakMB = 0;
  private elapsedMs = 0;
  private finished = false;
  /** Sharding: the BFS prefix is still running (every shard explores it). */
  private prefix: boolean;
  private prefixDepth = 0;
  private readonly maxStates: number;
  private readonly maxDepth: number;
  private readonly maxMs: number;
  private readonly maxMemoryMB: number;
  private readonly heapLimitMB: number;
  private lastProgress = 0;
  private lastMemoryCheck = -Infinity;
  /** Whether the scenario checks states (invariants, a final block): see `checkState`. */
  private readonly checksStates: boolean;
  /** Per actor, whether it may move exactly when it is running (machine.ts, schedulableIfRunning). */
  private readonly ifRunning: Uint8Array;
  /** Each actor's move with choice 0 (most moves), made once. */
  private readonly firstMoves: readonly Move[];
  /** The fingerprints and fingerprint sums of the successors `hashAll` computed, in order. */
  private childH1 = new Int32Array(64);
  private childH2 = new Int32Array(64);
  private childS1 = new Int32Array(64);
  private childS2 = new Int32Array(64);
  /** What `hashAll` read from the table, kept so the reads are not optimised away. */
  private touched = 0;
  /** States popped and prepared ahead of their turn (`prepare`), waiting for `flush`. */
  private readonly batch: Expansion[] = [];
  /** Where the batch's successor fingerprints end in childH1…. */
  private batchEnd = 0;
  /** Whether the search may look ahead (see `run`); it also needs a breadth-first frontier that keeps popped states. */
  private readonly lookahead: boolean;
  /** The expansion count at which `run` next checks the bounds and the deadline. */
  private nextCheck = 256;
  /** Whether the ignoring proviso made most recent reduced expansions full (> 0) or not (see `run`). */
  private provisoScore = 0;
  /** Every actor, as a bitmask. */
  private readonly everyone: number;
  /** The ignoring proviso orders states by number rather than by expanded flags (see `follow`): breadth-first. */
  private readonly laterById: boolean;

  /**
   * `until`: stop once every violation key in it has been found (parallel.ts rebuilds the
   * one-worker report that way). `part`: this search is one worker of a parallel search.
   */
  constructor(readonly s: CompiledScenario, readonly opts: CheckOptions = {}, private readonly until?: ReadonlySet<string>, part?: WorkerPart) {
    this.visited = part?.visited ?? this.store;
    this.visited.growthGuard = this.memoryGuard;
    this.lockdep = new Lockdep(s);
    this.footprints = new Footprints(s);
    this.livelock = new LivelockProbe(s);
    this.memo = opts.stepMemo === false ? undefined : new StepMemo(s);
    this.reducer = opts.reduction === false || !Reducer.applies(s) ? undefined : new Reducer(s, this.footprints);
    this.firstMoves = s.actors.map((_, actor) => ({ actor, choice: 0 }));
    this.ifRunning = schedulableIfRunning(s);
    this.everyone = s.actors.length >= 31 ? -1 : (1 << s.actors.length) - 1;
    this.checksStates = s.invariantActors.length > 0 || s.finalActor >= 0;
    this.laterById = (opts.strategy ?? 'bfs') === 'bfs';
    // Looking ahead changes the order of nothing a user sees only where what the lookahead
    // does is invisible: the memo's steps, with no findings to stop at or race checks made
    // at every state.
    this.lookahead = this.memo !== undefined && !opts.first && !until && !s.detectRaces;
    this.symmetry = opts.symmetry === false ? undefined : Symmetry.detect(s);
    this.maxStates = opts.maxStates ?? DEFAULT_MAX_STATES;
    this.maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxMs = (opts.maxSeconds ?? DEFAULT_MAX_SECONDS) * 1000;
    this.maxMemoryMB = opts.maxMemoryMB ?? defaultMaxMemoryMB();
    this.heapLimitMB = oldGenerationLimitMB();
    const shard = opts.shard;
    this.prefix = !!shard && shard.count > 1;
    this.frontier = this.prefix ? makeFrontier('bfs', 1, this.intern) : makeFrontier(opts.strategy ?? 'bfs', opts.seed ?? 1, this.intern);
    // A worker starts with no state: it is given some (parallel.ts).
    if (part) return;
    const init = initialState(s);
    this.hash(init);
    const id = this.visited.insert(-1, 0, 0);
    this.frontier.push(this.whole(id, init, 0));
    this.checkState(id, init);
  }

  /**
   * The frontier item of a state that comes whole (the initial state, one handed over), with
   * its hash sums as every successor's item has them (none under symmetry reduction, where
   * none has): the items a search pops then all have one shape, and V8 does not throw the
   * search's optimised code away when the first of the other shape comes (a worker's first
   * states are handed over).
   */
  private whole(id: number, state: MachineState, depth: number): FrontierItem {
    if (this.symmetry !== undefined) return { id, state, depth };
    fingerprintState(state);
    const { s1, s2 } = lastSums();
    return { id, state, depth, s1, s2 };
  }

  // ---------- a worker's share of a parallel search ----------

  get waiting(): number {
    return this.frontier.size;
  }

  /**
   * Takes half of the waiting states, at most SHARE_MAX, in portable form, for another
   * worker: those this search would expand next (breadth-first, the oldest of the level in
   * hand, so both go on through the same level). Every state handed over is unpacked, spelled
   * out and packed again on the other side, in code that runs too seldom to be optimised
   * (12–19 µs a state on each side; the first hand-over of 6,973 states on the philosophers
   * N=12 cost the giver 85 ms and the taker 132 ms); a thousand states and their successors
   * keep a participant busy until it asks again.
   */
  share(): Int32Array {
    const n = Math.min(this.frontier.size >>> 1, SHARE_MAX);
    const out = new Words();
    out.push(n);
    for (let i = 0; i < n; i++) {
      const item = this.frontier.pop()!;
      out.push(item.id);
      out.push(item.depth);
      packPortable(item.state, out);
    }
    return out.data.slice(0, out.length);
  }

  /**
   * Moves this search, so far on its own store, onto a table that workers share (parallel.ts):
   * every state it stored goes into the table under the same number, in order, with its
   * expanded flag, and the search goes on there with its frontier, memo and caches as they
   * are. The table must be empty and nobody else may insert before this returns.
   */
  joinShared(table: Visited): void {
    const store = this.store;
    const { h1, h2 } = store.fingerprints();
    // Each state's depth when it was stored: its parent's plus one (a parent is stored first).
    const depths = new Int32Array(store.size);
    for (let id = 0; id < store.size; id++) {
      const parent = store.parent(id);
      depths[id] = parent < 0 ? 0 : depths[parent]! + 1;
      fp.h1 = h1[id]!;
      fp.h2 = h2[id]!;
      const got = table.insert(-1, 0, depths[id]!);
      // The two tables tell fingerprints apart alike (store.ts, `insert`), so this cannot fail.
      if (got !== id) throw new Error(`internal error: state ${id} took number ${got} in the shared table`);
      if (store.expanded(id)) table.setExpanded(id);
    }
    table.growthGuard = this.memoryGuard;
    this.visited = table;
  }

  /**
   * Whether the visited-state table may grow by `bytes` within --max-memory. The table is the
   * largest structure, and it grows by doubling (fourfold when shared): a growth between two
   * of the periodic readings of the resident memory would carry it past the bound by up to a
   * third, unseen until the next reading.
   */
  private readonly memoryGuard = (bytes: number): boolean => process.memoryUsage.rss() + bytes <= this.maxMemoryMB * 2 ** 20;

  /** Adds states another worker shared (see `share`) and goes on searching. */
  accept(words: Int32Array): void {
    const n = words[0]!;
    let k = 1;
    for (let i = 0; i < n; i++) {
      const id = words[k]!;
      const depth = words[k + 1]!;
      const r = unpackPortable(words, k + 2, this.intern);
      k = r.next;
      this.frontier.push(this.whole(id, r.state, depth));
    }
    if (!this.bound) this.finished = false;
  }

  /** Lets a worker whose frontier ran dry search again once it has states. */
  get idle(): boolean {
    return this.finished && !this.bound && this.frontier.size === 0;
  }

  get done(): boolean {
    return this.finished;
  }

  /** Findings so far, in the order they were found. */
  get raw(): readonly RawFinding[] {
    return [...this.findings.values()];
  }

  /** States expanded through a persistent set that left some actor out (CheckStats.reducedStates). */
  get reduced(): number {
    return this.reducedStates;
  }

  /** Steps the step memo gave instead of the machine (memo.ts). */
  get memoHits(): number {
    return this.memo?.hits ?? 0;
  }

  get stopReason(): Bound | undefined {
    return this.bound;
  }

  /**
   * Runs until the search ends or `deadline` (a performance.now() time) passes. Returns `done`.
   *
   * Breadth-first, it looks ahead: storing a successor reads one random slot of the table,
   * a cache miss once the table outgrows the caches, and misses taken one per state, between
   * long stretches of other work, are paid in full one after the other. So up to LOOKAHEAD
   * states are popped and prepared first (the actors to follow and their successors'
   * fingerprints, `prepare`), then all those slots are read in one loop, where the misses
   * overlap, and then each state's successors are stored in the order the states were popped
   * (`flush`). What a prepared state computed ahead of its turn changes nothing the search
   * or its detectors see (steps the memo gives, which report nothing and take no step), and
   * everything else happens in the same order as without looking ahead: the same states,
   * numbers, traces and findings. A state that cannot be prepared so is expanded in turn.
   * Where the ignoring proviso keeps making expansions full (the philosophers), most
   * successors come from the proviso, after the slots are read: the search then does not
   * look ahead, which would cost more than it saves.
   */
  run(deadline = Infinity): boolean {
    const t0 = performance.now();
    try {
      while (!this.finished) {
        const item = this.frontier.pop();
        if (!item) {
          if (this.batch.length > 0) {
            this.flush();
            continue;
          }
          this.finished = true;
          break;
        }
        if (this.prefix && this.maybeSplit(item)) continue;
        if (this.lookahead && this.provisoScore <= 0 && !this.prefix && this.frontier.name === 'bfs' && this.frontier.focus !== undefined) {
          const x = new Expansion(this, item);
          if (this.prepare(x)) {
            this.batch.push(x);
            if (this.batch.length < LOOKAHEAD) continue;
            this.flush();
          } else {
            this.flush();
            if (!this.finished) this.expand(item, x);
          }
        } else {
          // Nothing is prepared here (only an expansion changes whether to look ahead, and
          // each leaves no state prepared), but were something, it would go first.
          this.flush();
          this.expand(item);
        }
        if (this.expansions >= this.nextCheck) {
          this.nextCheck = this.expansions + 256;
          const now = performance.now();
          if (this.checkBounds(this.elapsedMs + (now - t0), now)) break;
          if (now >= deadline) break;
        }
      }
    } finally {
      this.elapsedMs += performance.now() - t0;
      // A bound or an error ended the search with states still prepared: they stay unexpanded.
      this.batch.length = 0;
      this.batchEnd = 0;
    }
    return this.finished;
  }

  /** True when a bound stopped the search (it is then finished). */
  private checkBounds(elapsedMs: number, now: number): boolean {
    if (this.opts.cancelled?.()) return this.stop('cancelled', 0, 'interrupted before the search finished');
    if (elapsedMs >= this.maxMs) return this.stop('seconds', this.maxMs / 1000, `stopped after --max-seconds ${this.maxMs / 1000}`);
    if (this.visited.growthRefused) {
      const rss = process.memoryUsage.rss() / 2 ** 20;
      this.peakMB = Math.max(this.peakMB, rss);
      return this.stop('memory', this.maxMemoryMB, `stopped at --max-memory ${this.maxMemoryMB} MB: the table of visited states would grow past it (resident ${Math.round(rss)} MB)`);
    }
    // The memory readings cost from one to a hundred microseconds (a busy machine, /proc):
    // taken at these checks once 50 ms have passed since the last, no burst of new states
    // between two readings can carry the heap from the guard to V8's limit.
    if (now - this.lastMemoryCheck < MEMORY_CHECK_MS) return this.progressDue(elapsedMs, now);
    this.lastMemoryCheck = now;
    const rss = process.memoryUsage.rss() / 2 ** 20;
    this.peakMB = Math.max(this.peakMB, rss);
    if (rss > this.maxMemoryMB) return this.stop('memory', this.maxMemoryMB, `stopped at --max-memory ${this.maxMemoryMB} MB (resident ${Math.round(rss)} MB)`);
    const heap = oldGenerationUsedMB();
    if (heap > HEAP_SHARE * this.heapLimitMB) return this.stop('memory', Math.round(this.heapLimitMB), `stopped near the JavaScript heap limit (${Math.round(heap)} of ${Math.round(this.heapLimitMB)} MB)`);
    return this.progressDue(elapsedMs, now);
  }

  /** Reports progress when its interval has passed; never stops the search. */
  private progressDue(elapsedMs: number, now: number): false {
    const onProgress = this.opts.onProgress;
    if (onProgress && now - this.lastProgress >= (this.opts.progressIntervalMs ?? 250)) {
      this.lastProgress = now;
      onProgress(this.progress(elapsedMs / 1000));
    }
    return false;
  }

  progress(seconds = this.elapsedMs / 1000): Progress {
    return {
      states: this.visited.size,
      transitions: this.transitions,
      depth: this.deepest,
      frontier: this.frontier.size,
      seconds,
      violations: this.findings.size,
    };
  }

  private stop(kind: BoundKind, limit: number, message: string): true {
    this.bound ??= { kind, limit, message };
    this.finished = true;
    return true;
  }

  stats(): CheckStats {
    this.peakMB = Math.max(this.peakMB, process.memoryUsage.rss() / 2 ** 20);
    return {
      states: this.visited.size,
      transitions: this.transitions,
      seconds: this.elapsedMs / 1000,
      peakMemoryMB: Math.round(this.peakMB * 10) / 10,
      maxDepth: this.deepest,
      bytesPerState: this.visited.size > 0 ? Math.round(this.visited.bytes / this.visited.size) : 0,
      reducedStates: this.reducedStates,
    };
  }

  // ---------- sharding ----------

  /**
   * While every shard runs the same breadth-first prefix: once a whole level of at least
   * 4 × count states waits, keep this shard's share of it (every count-th state) and go on
   * with the chosen strategy. Returns true when the item was consumed by the split.
   */
  private maybeSplit(item: FrontierItem): boolean {
    const shard = this.opts.shard as Shard;
    if (item.depth === this.prefixDepth) return false;
    this.prefixDepth = item.depth;
    // `item` is the first of its level: the frontier holds exactly the rest of that level.
    if (this.frontier.size + 1 < 4 * shard.count) return false;
    keepState(item.state);
    const level = [item, ...this.frontier.drain()];
    this.frontier = makeFrontier(this.opts.strategy ?? 'bfs', this.opts.seed ?? 1, this.intern);
    level.forEach((x, i) => {
      if (i % shard.count === shard.index) this.frontier.push(x);
    });
    this.prefix = false;
    return true;
  }

  // ---------- expansion ----------

  /**
   * Expands one state: picks the actors to follow (a persistent set), runs the detectors,
   * stores the successors, applies the ignoring proviso, and probes for a livelock.
   * `prepared`: what `prepare` computed before it gave up.
   */
  private expand(item: FrontierItem, prepared?: Expansion): void {
    const { id, state, depth } = item;
    // Breadth-first, the proviso orders states by depth and number: no flags to keep.
    if (!this.laterById) this.visited.setExpanded(id);
    this.expansions++;
    if (this.symmetry === undefined) this.hasher.base(state, item.s1, item.s2);
    if (prepared) this.frontier.focus?.(state);
    if (depth >= this.maxDepth) {
      this.bound ??= { kind: 'depth', limit: this.maxDepth, message: `states at --max-depth ${this.maxDepth} were not expanded` };
      return;
    }
    const x = prepared ?? new Expansion(this, item);
    const chosen = this.chooseActors(x);
    if (this.opts.first && this.findings.size > 0) return this.stopFirst();
    if (chosen === 0) {
      x.computeAll();
      // Only failing moves (recorded as they were computed), or none at all: a dead end.
      if (!x.outcomes.some((o) => o!.length > 0)) this.deadEnd(id, state);
      return;
    }
    if (this.s.detectRaces) {
      x.computeAll();
      this.race(id, state, x.outcomes as Outcome[][]);
      if (this.opts.first && this.findings.size > 0) return this.stopFirst();
    }
    const full = this.follow(x, chosen, depth, -1);
    this.afterFollow(x, full);
  }

  /**
   * Prepares a state ahead of its turn (see `run`): the actors to follow and their
   * successors' fingerprints, from steps the memo gives alone (which observe nothing new).
   * False when it takes more (a step the machine must run, a dead end, the depth bound): the
   * state is then expanded in its turn, keeping what was computed.
   */
  private prepare(x: Expansion): boolean {
    const item = x.item;
    if (item.depth >= this.maxDepth) return false;
    if (this.symmetry === undefined) this.hasher.base(item.state, item.s1, item.s2);
    x.dry = true;
    const chosen = this.chooseActors(x);
    x.dry = false;
    if (x.aborted || chosen === 0) {
      x.aborted = false;
      return false;
    }
    x.chosen = chosen;
    x.fpAt = this.batchEnd;
    this.batchEnd = this.hashAll(x, chosen, this.batchEnd, false);
    return true;
  }

  /**
   * Expands the prepared states in the order they were popped, once the table slots of all
   * their successors have been read in one loop (see `run`).
   */
  private flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.touchAll(0, this.batchEnd);
    for (let i = 0; i < batch.length && !this.finished; i++) {
      const x = batch[i]!;
      if (!this.laterById) this.visited.setExpanded(x.id);
      this.expansions++;
      this.afterFollow(x, this.follow(x, x.chosen, x.item.depth, x.fpAt));
    }
    batch.length = 0;
    this.batchEnd = 0;
  }

  /** The end of an expansion, once its successors are stored: the livelock probe and the state bound. */
  private afterFollow(x: Expansion, full: boolean): void {
    const { id, state } = x;
    // A fully expanded state where every possible move is event-free (reads, local work):
    // maybe a busy-wait that can never end. In a region of such states the reduced search
    // has a closed loop, whose last state expanded is made full by the proviso, so a
    // livelock is noticed there; the probe remembers states that escape, so it stays cheap.
    if (full && everyOutcome(x.outcomes, isQuiet) && !this.livelock.escaped(state)) {
      const v = this.livelock.at(state, x.outcomes as Outcome[][]);
      if (v) this.record({ key: livelockKey(x.outcomes as Outcome[][]), violation: v, stateId: id });
    }
    if (this.visited.reached(this.maxStates)) this.stop('states', this.maxStates, `stopped at --max-states ${this.maxStates}`);
    if (this.opts.first && this.findings.size > 0) this.stopFirst();
  }

  /**
   * The actors whose moves are followed, as a bitmask: the smallest persistent set with a
   * move that does not fail, or every actor with one when not reducing (0: none has one).
   */
  private chooseActors(x: Expansion): number {
    const n = this.s.actors.length;
    if (!this.reducer) {
      x.computeAll();
      if (x.aborted) return 0;
      let chosen = 0;
      for (let a = 0; a < n; a++) if (x.outcomes[a]!.some(isOk)) chosen |= 1 << a;
      return chosen;
    }
    // The first candidate nearly always has a move: the others are listed only when not.
    let cand = this.reducer.first(x.state);
    for (let i = 0; cand !== 0; cand = this.reducer.all()[++i] ?? 0) {
      let ok = false;
      for (let c = cand; c !== 0; c &= c - 1) if (x.compute(31 - Math.clz32(c & -c)).some(isOk)) ok = true;
      if (x.aborted) return 0;
      if (ok) return cand;
    }
    return 0;
  }

  /**
   * Stores the successors through the chosen actors' moves, and through everyone's when the
   * ignoring proviso asks for it. Returns whether the expansion was full. `at`: where
   * `prepare` put their fingerprints, or -1 (computed here).
   */
  private follow(x: Expansion, chosen: number, depth: number, at: number): boolean {
    const n = this.s.actors.length;
    let allExpanded = true;
    let k = at;
    this.visited.pause();
    if (at < 0) {
      this.hashAll(x, chosen, 0, true);
      k = 0;
    }
    for (let a = 0; a < n; a++) {
      if ((chosen & (1 << a)) === 0) continue;
      for (const o of x.outcomes[a]!) {
        if (o.result.status !== 'ok') continue;
        const r = this.visit(x.id, o, depth, k++);
        // One successor expanded after this state settles it (see below): the others need not be looked at.
        if (allExpanded && (r >= 0 || (this.laterById ? this.visited.after(-r - 1, x.id, depth) : !this.visited.expanded(-r - 1)))) allExpanded = false;
      }
    }
    const everyone = this.everyone;
    if ((chosen & everyone) === everyone) return true;
    // The ignoring proviso: a reduced expansion must lead to at least one state that comes
    // after this one in a fixed order, or it is made full. Then from any state, a chain of
    // states each after the one before (so finite) ends in a full expansion, and a move left
    // out here stays possible and independent along it: no move is postponed forever, even
    // around cycles. Breadth-first, the order is by the depth at which each state was stored,
    // then by number (numbers are given in the order states are stored). One worker stores
    // states level by level and, its frontier first in, first out, expands them in number
    // order: "after this one" is "not expanded yet", and its store compares numbers alone.
    // With several workers, expansion order and numbers part, but depth and number still
    // order the states once and for all; by the expanded flags, a participant a level or
    // more behind another finds the other's successors expanded and makes expansion after
    // expansion full (where every run is finite, the reduced space grew several times over).
    // Depth-first and random orders use the expanded flags (this state counts as expanded).
    if (allExpanded) {
      if (this.provisoScore < PROVISO_SCORE) this.provisoScore++;
      x.computeAll();
      // Prepared ahead, the state is no longer the one the hasher and the frontier last saw.
      if (at >= 0) {
        if (this.symmetry === undefined) this.hasher.base(x.state, x.item.s1, x.item.s2);
        this.frontier.focus?.(x.state);
      }
      k = this.batchEnd;
      this.hashAll(x, ~chosen, k, true);
      for (let a = 0; a < n; a++) {
        if ((chosen & (1 << a)) !== 0) continue;
        for (const o of x.outcomes[a]!) if (o.result.status === 'ok') this.visit(x.id, o, depth, k++);
      }
      return true;
    }
    if (this.provisoScore > -PROVISO_SCORE) this.provisoScore--;
    this.reducedStates++;
    return false;
  }

  private stopFirst(): void {
    this.finished = true;
  }

  /**
   * The moves of one actor at a state when they take no step of the machine (it cannot move,
   * or the memo gives its step or says it blocks), else undefined.
   */
  knownMoves(state: MachineState, actor: number): Outcome[] | undefined {
    const s = this.s;
    const st = state.actors[actor]!;
    if (this.ifRunning[actor] === 1 ? st.status !== ActorStatus.Running : !schedulable(s, state, actor)) return NO_OUTCOMES;
    const memo = this.memo;
    if (memo === undefined) return undefined;
    const move = this.firstMoves[actor]!;
    const known = memo.lookup(state, actor, st);
    if (known === BLOCKS) {
      if (this.opts.checkFootprints) assertBlocks(s, state, move);
      return NO_OUTCOMES;
    }
    if (known !== undefined) {
      if (this.opts.checkFootprints) assertSameStep(s, state, move, known);
      return [{ move, result: known, known: true }];
    }
    return undefined;
  }

  /**
   * Every move of one actor at a state (all choices), blocked ones left out, taken on the
   * machine: for when `knownMoves` has no answer.
   */
  movesOf(state: MachineState, actor: number): Outcome[] {
    const s = this.s;
    const st = state.actors[actor]!;
    const memo = this.memo;
    const move = this.firstMoves[actor]!;
    const k = choiceCount(s, state, actor);
    if (k === 1) {
      const result = step(s, state, move);
      // Remembered only where the statement never has several outcomes, which the memo,
      // asked before choiceCount, could not tell apart.
      const single = memo !== undefined && !mayChooseNext(s, st);
      if (result.status === 'blocked') {
        if (single) memo.rememberBlocked(state, actor, st, result);
        return NO_OUTCOMES;
      }
      if (single && result instanceof LazyStepOk && result.pure) {
        const id = this.intern.idOf(result.actorState);
        memo.rememberStep(state, actor, st, result, this.intern.actor(id), id);
      }
      return [{ move, result }];
    }
    const out: Outcome[] = [];
    for (let choice = 0; choice < k; choice++) {
      const m = choice === 0 ? move : { actor, choice };
      const result = step(s, state, m);
      if (result.status !== 'blocked') out.push({ move: m, result });
    }
    return out;
  }

  /** Failing moves and lockdep findings of moves just computed (taken or not, they are real). */
  observe(id: number, state: MachineState, outcomes: readonly Outcome[]): void {
    if (this.opts.checkFootprints) for (const o of outcomes) assertWithinFootprint(this.s, this.footprints, state, o);
    for (const o of outcomes) {
      // A remembered step's events and reports were observed when it was first taken, and
      // the lock graph only grows: observing them again would find nothing new.
      if (o.known) continue;
      if (o.result.status === 'violation') {
        this.record({ key: key(o.result.violation), violation: o.result.violation, stateId: id, move: o.move });
        continue;
      }
      // Reports the kernel prints and goes on from: recorded here, and the search goes on too.
      for (const v of o.result.reports) this.record({ key: key(v), violation: v, stateId: id, move: o.move });
      if (o.result.events.length === 0) continue;
      addEdges(o.result.events, this.lockEdges);
      for (const v of this.lockdep.observe(o.result.events, state)) {
        this.record({ key: key(v), violation: v, stateId: id, move: o.move });
      }
    }
  }

  private deadEnd(id: number, state: MachineState): void {
    const s = this.s;
    if (isFinished(s, state)) {
      const leak = leakViolation(s, state);
      if (leak) this.record({ key: key(leak), violation: leak, stateId: id });
      return;
    }
    const v = deadlockViolation(s, state);
    this.record({ key: key(v), violation: v, stateId: id });
  }

  /**
   * Every pair of actors that can race here, not only the first pair found: which pair comes
   * first depends on the search order, the set of racing pairs does not.
   */
  private race(id: number, state: MachineState, outcomes: readonly Outcome[][]): void {
    const oks = outcomes.map((os) => os.filter((o): o is { move: Move; result: StepOk } => o.result.status === 'ok'));
    for (let i = 0; i < oks.length; i++) {
      if (oks[i]!.length === 0) continue;
      // An interrupt handler races with the task it preempted on its own CPU, which cannot move.
      if (this.s.actors[i]!.actorKind === 'irq') {
        const v = findRace(this.s, state, oks[i]!);
        if (v) this.record({ key: key(v), violation: v, stateId: id });
      }
      for (let j = i + 1; j < oks.length; j++) {
        if (oks[j]!.length === 0) continue;
        const v = findRace(this.s, state, [...oks[i]!, ...oks[j]!]);
        if (v) this.record({ key: key(v), violation: v, stateId: id });
      }
    }
  }

  private record(f: RawFinding): void {
    if (this.findings.has(f.key)) return;
    this.findings.set(f.key, f);
    if (this.until && [...this.until].every((k) => this.findings.has(k))) this.finished = true;
  }

  private hash(real: MachineState): void {
    fingerprintState(this.symmetry ? this.symmetry.canonical(real) : real);
  }

  /**
   * The successor's fingerprint into `fp`: from its parent's, by what the step changed, or,
   * under symmetry reduction, of its renamed form.
   */
  private hashChild(result: StepOk): void {
    if (this.symmetry !== undefined) return this.hash(result.state);
    this.hasher.childOf(result);
    if (this.opts.checkFootprints) {
      const h1 = fp.h1;
      const h2 = fp.h2;
      fingerprintState(result.state);
      if (fp.h1 !== h1 || fp.h2 !== h2) throw new Error(`internal error: a step at ${result.span.start} changed the state outside the words it reports written`);
    }
  }

  /**
   * The fingerprints of the successors through the actors in `actors` (their moves that did
   * not fail, in order), into childH1… from `at`; returns where they end. `touch`: then read
   * their slots in the table (`touchAll`): looking a state up is the search's one random
   * memory access per transition, and reads made one after the other, with no dependence
   * between them and nothing else in between, wait for memory together rather than in turn.
   */
  private hashAll(x: Expansion, actors: number, at: number, touch: boolean): number {
    const n = this.s.actors.length;
    let k = at;
    for (let a = 0; a < n; a++) {
      if ((actors & (1 << a)) === 0) continue;
      for (const o of x.outcomes[a]!) {
        if (o.result.status !== 'ok') continue;
        if (k === this.childH1.length) this.growChildren();
        this.hashChild(o.result);
        this.childH1[k] = fp.h1;
        this.childH2[k] = fp.h2;
        this.childS1[k] = this.hasher.last1;
        this.childS2[k] = this.hasher.last2;
        k++;
      }
    }
    if (touch) this.touchAll(at, k);
    return k;
  }

  /**
   * Reads the table slots of the fingerprints at [from, to) of childH1…, one after the other
   * in a loop that does nothing else: the cache misses then overlap instead of waiting in
   * turn behind the hashing.
   */
  private touchAll(from: number, to: number): void {
    const h1 = this.childH1;
    const h2 = this.childH2;
    let touched = this.touched;
    for (let k = from; k < to; k++) {
      fp.h1 = h1[k]!;
      fp.h2 = h2[k]!;
      touched ^= this.visited.touch();
    }
    this.touched = touched;
  }

  private growChildren(): void {
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.childH1 = grow(this.childH1);
    this.childH2 = grow(this.childH2);
    this.childS1 = grow(this.childS1);
    this.childS2 = grow(this.childS2);
  }

  /**
   * Stores the successor of a move, whose fingerprint `hashAll` computed as its k-th;
   * returns its id if new, -(id + 1) if already known.
   */
  private visit(parent: number, o: Outcome, depth: number, k: number): number {
    const result = o.result as StepOk;
    this.transitions++;
    fp.h1 = this.childH1[k]!;
    fp.h2 = this.childH2[k]!;
    const id = this.visited.insert(parent, packMove(o.move.actor, o.move.choice), depth + 1);
    if (id >= 0) {
      if (depth + 1 > this.deepest) this.deepest = depth + 1;
      if (this.symmetry !== undefined) this.frontier.push({ id, state: result.state, depth: depth + 1 });
      else if (result instanceof LazyStepOk) {
        if (this.frontier.pushStep !== undefined) this.frontier.pushStep(id, depth + 1, this.childS1[k]!, this.childS2[k]!, result);
        else this.frontier.push(new StepItem(id, depth + 1, this.childS1[k]!, this.childS2[k]!, result));
      }
      else this.frontier.push({ id, state: result.state, depth: depth + 1, s1: this.childS1[k]!, s2: this.childS2[k]! });
      // Read only when there is something to check: a lazy result builds its state when read.
      if (this.checksStates) this.checkState(id, result.state);
    }
    return id;
  }

  /** The scenario's invariants on a new state, and its final block when every actor has finished. */
  private checkState(id: number, state: MachineState): void {
    for (const v of stateCheckViolations(this.s, state)) this.record({ key: key(v), violation: v, stateId: id });
  }
}

/** A new state waiting in the frontier as the step that reached it (see FrontierItem.step). */
class StepItem implements FrontierItem {
  constructor(readonly id: number, readonly depth: number, readonly s1: number, readonly s2: number, readonly step: LazyStepOk) {}

  get state(): MachineState {
    return this.step.state;
  }
}

/** Shared by every actor with no move at a state (never written). */
const NO_OUTCOMES: Outcome[] = [];

/** The moves computed so far at the state being expanded, actor by actor, computed on demand. */
class Expansion {
  readonly outcomes: (Outcome[] | undefined)[];
  readonly id: number;
  readonly state: MachineState;
  /** Computing ahead of the state's turn (Search.prepare): only moves that take no step of the machine. */
  dry = false;
  /** A move computed while `dry` needed the machine: it was left uncomputed. */
  aborted = false;
  /** Prepared: the actors chosen, and where their successors' fingerprints are. */
  chosen = 0;
  fpAt = -1;

  constructor(private readonly search: Search, readonly item: FrontierItem) {
    this.id = item.id;
    this.state = item.state;
    this.outcomes = new Array<Outcome[] | undefined>(search.s.actors.length);
  }

  compute(actor: number): Outcome[] {
    let o = this.outcomes[actor];
    if (o === undefined) {
      const search = this.search;
      o = search.knownMoves(this.state, actor);
      if (o !== undefined) {
        // What the memo gives was observed when the machine first took it, and a blocked
        // actor has nothing to observe: only the tests' footprint check looks again.
        if (search.opts.checkFootprints) search.observe(this.id, this.state, o);
      } else if (this.dry) {
        this.aborted = true;
        return NO_OUTCOMES;
      } else {
        o = search.movesOf(this.state, actor);
        search.observe(this.id, this.state, o);
      }
      this.outcomes[actor] = o;
    }
    return o;
  }

  computeAll(): void {
    for (let a = 0; a < this.outcomes.length; a++) this.compute(a);
  }
}

/** The tests' safety net for the step memo: a remembered step must be the step the machine takes. */
function assertSameStep(s: CompiledScenario, state: MachineState, move: Move, known: LazyStepOk): void {
  const real = step(s, state, move);
  const same = real instanceof LazyStepOk
    && JSON.stringify([real.written, real.events, real.accesses, real.plain, real.span, real.label, real.reports.length])
      === JSON.stringify([known.written, known.events, known.accesses, known.plain, known.span, known.label, known.reports.length])
    && sameActor(real.actorState, known.actorState);
  if (!same) throw new Error(`internal error: the step memo's step of ${s.actors[move.actor]!.name} at ${known.span.start} differs from the machine's`);
}

function assertBlocks(s: CompiledScenario, state: MachineState, move: Move): void {
  const real = step(s, state, move);
  if (real.status !== 'blocked') throw new Error(`internal error: the step memo says ${s.actors[move.actor]!.name} blocks, and its step is ${real.status}`);
}

function sameActor(a: ActorState, b: ActorState): boolean {
  const x = new Words();
  encodeActor(a, x);
  const y = new Words();
  encodeActor(b, y);
  return x.length === y.length && x.data.subarray(0, x.length).every((v, i) => v === y.data[i]);
}

/** The tests' safety net for the reduction: a step's real accesses must be in its static footprint. */
function assertWithinFootprint(s: CompiledScenario, fp: Footprints, state: MachineState, o: Outcome): void {
  if (o.result.status !== 'ok') return;
  const access = fp.moveAccess(state, o.move.actor);
  if (access.top) return;
  const own = s.actors[o.move.actor]!.words;
  for (const x of o.result.accesses) {
    const addr = x >> 1;
    const write = (x & 1) === 1;
    if (addr >= own && addr < own + 4) continue;
    const loc = addr >= fp.heap ? fp.heap : addr;
    const bits = write ? access.w : access.r;
    const covered = (write ? access.anyW : access.anyR) || (bits[loc >>> 5]! & (1 << (loc & 31))) !== 0;
    if (!covered) {
      throw new Error(`internal error: ${s.actors[o.move.actor]!.name}'s step at ${o.result.span.start} ${write ? 'wrote' : 'read'} word ${addr}, outside its static footprint`);
    }
  }
}

function isQuiet(o: Outcome): boolean {
  return o.result.status === 'ok' && o.result.events.length === 0;
}

function everyOutcome(outcomes: readonly (Outcome[] | undefined)[], f: (o: Outcome) => boolean): boolean {
  for (const os of outcomes) if (os) for (const o of os) if (!f(o)) return false;
  return true;
}

function isOk(o: Outcome): boolean {
  return o.result.status === 'ok';
}

/**
 * A livelock is one per set of spinning actors: where in its loop each one is when the
 * search notices depends on the search order.
 */
export function livelockKey(outcomes: readonly (readonly Outcome[])[]): string {
  const actors: number[] = [];
  outcomes.forEach((os, a) => {
    if (os.length > 0) actors.push(a);
  });
  return `livelock:${actors.join(',')}`;
}

/** Violations are told apart by kind and location. */
export function key(v: Violation): string {
  return `${v.kind}@${v.span.start}`;
}
