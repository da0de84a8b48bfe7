// Partial-order reduction by persistent (stubborn) sets over actors. At a state, actor a
// "needs" actor b when a's next step might not commute with something b could still do
// (static footprints, footprint.ts), or when they share a CPU (who may run there is state no
// word holds). A set of actors closed under "needs" that contains an enabled step is
// persistent: whatever the actors outside it do cannot affect, enable or disable the steps
// inside it, so exploring only the inside loses no deadlock, no violating step and no pair
// of racing steps (the ignoring proviso in search.ts handles the rest).
//
// One refinement makes lock-protected code reduce well: b's future accesses that need a lock
// a holds exclusively (b would have to hold or take it first) cannot happen while a stays
// put, so they do not count against a. Another leaves out the waiters on locks held inside
// the set (see `Waiters`): b, waiting for a mutex that a in the set holds, cannot move before
// a does, so nothing b may do later counts against the set's steps.

import { ActorStatus, type ActorState, type MachineState } from '../model/types';
import type { CompiledScenario } from '../model/compiled';
import { conflicts, type Access, type Footprints, type FutureGroup } from './footprint';
import { PackedState } from './pack';

/**
 * What the reducer needs to know about one actor's state. It depends only on the actor's
 * status, its frames' code positions and the locks it holds, so views are interned by those
 * and numbered; whether one view needs another is then cached by the pair of numbers.
 */
interface ActorView {
  readonly id: number;
  /** Footprint of its next step (or of starting), undefined when it is done. */
  readonly cur: Access | undefined;
  /** What it may still do, one list per frame (plus the whole body for work items and idle handlers). */
  readonly future: readonly (readonly FutureGroup[])[];
  /** Identified locks it holds exclusively, as bits. */
  readonly held: number;
  /**
   * The identified lock its next step waits for while another actor holds it exclusively
   * (Footprints.waitsOn), as a bit; 0 when its next step is anything else.
   */
  readonly waits: number;
  /**
   * The number of the set of groups in `future` (equal sets, equal numbers): whether another
   * view needs this one depends on nothing else, and in a loop it stays the same from step to step.
   */
  readonly fid: number;
}

interface TrieNode {
  readonly next: Map<number, TrieNode>;
  view?: ActorView;
}

/** Actor sets are bitmasks, so scenarios with more actors than this are not reduced. */
export const MAX_REDUCED_ACTORS = 30;

/** Slots of the table of candidates remembered by views (a power of two). */
const CANDIDATE_CACHE = 1 << 14;
/**
 * Slots of that table at first: it doubles, dropping what it held, each time it has missed as
 * many times as it has slots, up to CANDIDATE_CACHE. A small search never pays for the whole
 * table (the language server checks a small scenario on every edit).
 */
const FIRST_CANDIDATE_CACHE = 1 << 10;

/** Misses after which a table of candidates that is rarely hit is given up. */
const CACHE_TRIAL = 4096;

/** Views and futures numbered below this have their pairs in a dense matrix; beyond, in a map. */
const DENSE = 1024;

export class Reducer {
  private readonly n: number;
  /** sameCpu[a]: bitmask of the actors scheduled on a's CPU (work items have their own). */
  private readonly sameCpu: Int32Array;
  /**
   * Views per actor: equal actor states may be one interned object shared by several actors
   * (two idle handlers), and a view depends on whose state it is.
   */
  private readonly views: WeakMap<ActorState, ActorView>[];
  /**
   * The same for the states a frontier popped, by the intern number of the actor state
   * (PackedState.actorId): at `number × actors + actor`, the view's id + 1 (0: not known yet).
   */
  private viewCodes = new Int32Array(1024);
  /** Every view, by id. */
  private readonly viewList: ActorView[] = [];
  /** Per view id, 1 when the view has a next step (the actor is live). */
  private liveViews = new Uint8Array(64);
  private readonly trie: TrieNode = { next: new Map() };
  private nextId = 1;
  /** Future numbers by the sorted keys of their groups ('' for none). */
  private readonly futureIds = new Map<string, number>([['', 0]]);
  /**
   * The views of the actors in the state last seen, brought up to `viewIds` only when rows
   * are computed (`syncViews`): most states find their candidates in the table by ids alone.
   */
  private readonly viewOf: ActorView[];
  /** The actors whose entry of `viewOf` is behind `viewIds`. */
  private stale = 0;
  /** The actors that are not done in the state last seen. */
  private live = 0;
  /** rows[a]: the live actors a needs (a's row), for the views in `rowViews`. */
  private readonly rows: Int32Array;
  /**
   * The views `rows` were computed for, their futures, and which actors were live then: the
   * next state expanded is most often a sibling of the last (the same actors but one or two),
   * so only the rows of the actors whose view changed are computed again, and the columns of
   * those whose future changed.
   */
  private readonly rowViews: ActorView[];
  private readonly rowFids: Int32Array;
  private rowLive = -1;
  /**
   * A row depends on the actor's view, on which actors are live and on the others' futures
   * only. Those two last stay the same for a while (always, in a loop where no actor ends): a
   * period of them is an epoch, and the row of a view in the current epoch is remembered.
   */
  private epoch = 0;
  private rowOfView = new Int32Array(256);
  private rowEpoch = new Int32Array(256);
  /** Per actor: the state object last seen and its view (interned actor states recur). */
  private readonly lastState: (ActorState | undefined)[];
  /** Whether a view's next step needs another's future (the locks it holds excepted). */
  private readonly needsTable = new PairTable(false);
  /** The same for a waiter's step, the lock it waits for excepted too (see `Waiters`). */
  private readonly wakesTable = new PairTable(true);
  /** The waiters of the state last given to `first`, once its rows are computed. */
  private readonly waiters: Waiters;
  /** A waiter's row of wakers, remembered per view for the epoch (see `rowOfView`). */
  private wakersOfView = new Int32Array(256);
  private wakersEpoch = new Int32Array(256);
  /**
   * Per lock bit: the actor holding it exclusively in the views `rows` were computed for (-1:
   * none), and the actors waiting for one there, held or not (see `track`).
   */
  private readonly holderOf = new Int32Array(31).fill(-1);
  private mayWait = 0;
  /** The same for `findWaitersAfresh`. */
  private readonly holderAfresh = new Int32Array(31);
  private readonly doneView: ActorView = { id: 0, cur: undefined, future: [], held: 0, waits: 0, fid: 0 };
  private readonly out: number[] = [];
  private readonly maxPc: number;
  /** Every candidate at the state last given to `first`, once listed, or the slot of `cached` that lists them (else -1). */
  private listed: readonly number[] | undefined;
  private listedSlot = -1;
  /**
   * `candidates` remembered by the views they were computed for (see `first`): per slot, the
   * first candidate then the views' ids in `keys`, side by side so that a hit reads one
   * place of memory, and the whole list in `cached`, read only when the first has no move.
   */
  private cached = new Array<readonly number[] | undefined>(FIRST_CANDIDATE_CACHE);
  private keys: Int32Array;
  private cacheMask = FIRST_CANDIDATE_CACHE - 1;
  /** The ids of the views in `viewOf`. */
  private readonly viewIds: Int32Array;
  /** The sum of `viewIds[a] × idFactors[a]` (see `see`). */
  private idsHash = 0;
  /**
   * Actor a's factor in that sum: 0x01000193 (FNV's prime) to the power a. States expanded one
   * after the other differ in an actor or two by ids numbered close together, which such
   * factors spread over nearby slots of the table (a random spread missed 60% more often).
   */
  private readonly idFactors: Int32Array;
  private cacheHits = 0;
  private cacheMisses = 0;

  constructor(private readonly s: CompiledScenario, private readonly fp: Footprints) {
    const n = (this.n = s.actors.length);
    this.sameCpu = new Int32Array(n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const x = s.actors[a]!;
        const y = s.actors[b]!;
        if (a !== b && x.cpu === y.cpu && x.actorKind !== 'work' && y.actorKind !== 'work') this.sameCpu[a]! |= 1 << b;
      }
    }
    this.viewOf = new Array<ActorView>(n).fill(this.doneView);
    this.viewList.push(this.doneView);
    this.views = Array.from({ length: n }, () => new WeakMap<ActorState, ActorView>());
    this.rows = new Int32Array(n);
    this.rowViews = new Array<ActorView>(n).fill(this.doneView);
    this.rowFids = new Int32Array(n);
    this.lastState = new Array<ActorState | undefined>(n).fill(undefined);
    this.maxPc = Math.max(1, ...s.codes.map((c) => c.instrs.length + 1));
    this.keys = new Int32Array(FIRST_CANDIDATE_CACHE * (n + 1));
    this.viewIds = new Int32Array(n);
    this.idFactors = new Int32Array(n);
    for (let a = 0, f = 1; a < n; a++, f = Math.imul(f, 0x01000193)) this.idFactors[a] = f;
    this.waiters = new Waiters(n);
  }

  /** Whether this scenario can be reduced at all. */
  static applies(s: CompiledScenario): boolean {
    // Persistent sets keep every dead end and every failing step, but not every intermediate
    // state: an invariant is checked on states the reduction may skip, and a final block also
    // runs on finished states that are not dead ends (an interrupt that never fired). Such
    // scenarios are explored whole.
    if (s.invariantActors.length > 0 || s.finalActor >= 0) return false;
    return s.actors.length <= MAX_REDUCED_ACTORS;
  }

  /**
   * The first of the candidate persistent sets at a state (see `candidates`), 0 when every
   * actor is done. The search nearly always takes it; `all` lists the others.
   */
  first(state: MachineState): number {
    // The candidates are a function of the views alone: many states share them (they differ
    // in memory and locals only), so the last list per slot of a small table is reused.
    // Where control positions alone tell states apart (the philosophers), nothing is ever
    // reused: the table is then given up after its first thousands of misses, and only the
    // first candidate is looked for.
    const caching = this.cacheMisses <= CACHE_TRIAL || this.cacheMisses <= 4 * this.cacheHits;
    const h = this.see(state);
    const live = this.live;
    this.listed = undefined;
    this.listedSlot = -1;
    if (!caching) {
      this.refresh(live);
      return this.smallest(live);
    }
    const n = this.n;
    const ids = this.viewIds;
    if (this.cacheMisses > this.cacheMask && this.cacheMask < CANDIDATE_CACHE - 1) this.growCache();
    const keys = this.keys;
    const slot = (h ^ (h >>> 15)) & this.cacheMask;
    const at = slot * (n + 1);
    // A slot never written holds zeros: the ids of a state where every actor is done, whose
    // first candidate is indeed 0 (and `all` then lists none, `live` being 0).
    let same = true;
    for (let a = 0; a < n; a++) {
      if (keys[at + 1 + a] !== ids[a]) {
        same = false;
        break;
      }
    }
    if (same) {
      this.cacheHits++;
      this.listedSlot = slot;
      return keys[at]!;
    }
    this.cacheMisses++;
    this.refresh(live);
    // Only the first candidate: the list is made when `all` is asked for it, which is rare.
    const first = this.smallest(live);
    this.cached[slot] = undefined;
    this.listedSlot = slot;
    keys[at] = first;
    for (let a = 0; a < n; a++) keys[at + 1 + a] = ids[a]!;
    return first;
  }

  /** Every candidate at the state last given to `first`, in the order of `candidates`. The array may be reused by the next call. */
  all(): readonly number[] {
    if (this.listed) return this.listed;
    const slot = this.listedSlot;
    let list = slot >= 0 ? this.cached[slot] : undefined;
    if (list === undefined) {
      // After a hit, `rows` are still those of an earlier state.
      this.refresh(this.live);
      list = this.order(this.rows, this.live, this.waiters, this.out);
      if (slot >= 0) this.cached[slot] = list.slice();
    }
    return (this.listed = list);
  }

  /**
   * Candidate persistent sets at a state, as actor bitmasks, fewest actors first (ties: the
   * lowest seed actor). Every actor that is not done seeds one candidate: its closure.
   * Computed afresh, without what `first` remembers from state to state (so the tests can
   * compare the two); the array is reused by the next call.
   */
  candidates(state: MachineState): readonly number[] {
    this.see(state);
    this.syncViews();
    const live = this.live;
    const rows = new Int32Array(this.n);
    for (let a = 0; a < this.n; a++) rows[a] = this.row(a, this.viewOf[a]!, live, -1);
    const w = new Waiters(this.n);
    w.live = live;
    this.listed = undefined;
    this.listedSlot = -1;
    return this.order(rows, live, w, []);
  }

  /** Sets the views of a state's actors and which are live; returns the hash of their ids. */
  private see(state: MachineState): number {
    const n = this.n;
    const last = this.lastState;
    const ids = this.viewIds;
    const actors = state.actors;
    const packed = state instanceof PackedState ? state : undefined;
    // Only the actors whose state changed since the last state seen have a new view, and the
    // hash, a sum of the ids times a number per actor, changes by their terms alone.
    let live = this.live;
    let stale = this.stale;
    let h = this.idsHash;
    const factors = this.idFactors;
    for (let a = 0; a < n; a++) {
      const st = actors[a]!;
      if (st === last[a]) continue;
      const v = packed !== undefined ? this.viewById(packed.actorId(a), st, a) : this.view(st, a).id;
      last[a] = st;
      const was = ids[a]!;
      if (v !== was) {
        h = (h + Math.imul(v - was, factors[a]!)) | 0;
        ids[a] = v;
        stale |= 1 << a;
        live = this.liveViews[v] === 1 ? live | (1 << a) : live & ~(1 << a);
      }
    }
    this.live = live;
    this.stale = stale;
    this.idsHash = h;
    return h;
  }

  /** Brings `viewOf` up to `viewIds`. */
  private syncViews(): void {
    const views = this.viewOf;
    const ids = this.viewIds;
    const list = this.viewList;
    for (let f = this.stale; f !== 0; f &= f - 1) {
      const a = 31 - Math.clz32(f & -f);
      views[a] = list[ids[a]!]!;
    }
    this.stale = 0;
  }

  /** Actor a's whole row in view `va`, remembered per view for the epoch. */
  private wholeRow(a: number, va: ActorView, live: number, epoch: number): number {
    const id = va.id;
    if (this.rowEpoch[id] === epoch) return this.rowOfView[id]!;
    this.rowEpoch[id] = epoch;
    return (this.rowOfView[id] = this.row(a, va, live, -1));
  }

  /** Brings `rows` up to the views in `viewOf` (`live`: the actors that are not done). */
  private refresh(live: number): void {
    this.syncViews();
    const n = this.n;
    const views = this.viewOf;
    const rows = this.rows;
    const before = this.rowViews;
    const fids = this.rowFids;
    const whole = live !== this.rowLive;
    let changed = 0;
    let moved = 0;
    for (let a = 0; a < n; a++) {
      const v = views[a]!;
      if (v !== before[a]) {
        changed |= 1 << a;
        if (v.fid !== fids[a]) moved |= 1 << a;
        if ((v.held | v.waits | before[a]!.held | before[a]!.waits) !== 0) this.track(a, before[a]!, v);
      }
    }
    if (!whole && changed === 0) return;
    const rowOfView = this.rowOfView;
    const rowEpoch = this.rowEpoch;
    if (!whole && moved === 0) {
      // The same epoch: the rows of the actors whose view changed, and no others.
      const epoch = this.epoch;
      for (let f = changed; f !== 0; f &= f - 1) {
        const a = 31 - Math.clz32(f & -f);
        const va = views[a]!;
        before[a] = va;
        rows[a] = this.wholeRow(a, va, live, epoch);
      }
      this.waiters.reset(live, epoch);
      return;
    }
    const epoch = ++this.epoch;
    this.rowLive = live;
    for (let a = 0; a < n; a++) {
      const va = views[a]!;
      before[a] = va;
      fids[a] = va.fid;
      const id = va.id;
      if (whole || (changed & (1 << a)) !== 0) {
        rows[a] = this.wholeRow(a, va, live, epoch);
        continue;
      }
      // The same view as before, and the same actors live: only the columns of the actors
      // whose future changed may differ.
      if (moved === 0) continue;
      const ca = va.cur;
      if (ca && !ca.top) rows[a] = (rows[a]! & ~moved) | this.row(a, va, live, moved);
      rowOfView[id] = rows[a]!;
      rowEpoch[id] = epoch;
    }
    this.waiters.reset(live, epoch);
  }

  /**
   * The waiters frozen by candidate set `set` (see `Waiters`), at the state whose views are
   * in `viewOf`, or 0 when none of those in `want` is: what `w` knows of them is found when
   * first asked.
   */
  private frozen(set: number, want: number, w: Waiters): number {
    if ((want & this.mayWait) === 0 && w === this.waiters) return 0;
    if (!w.found) this.findWaiters(w);
    let x = w.waiting & ~set;
    if ((x & want) === 0) return 0;
    let near = 0;
    for (let f = x & want; f !== 0; f &= f - 1) near |= w.holder[31 - Math.clz32(f & -f)]!;
    if ((near & (set | x)) === 0) return 0;
    for (let drop = x; drop !== 0 && x !== 0; ) {
      drop = 0;
      const inside = set | x;
      for (let f = x; f !== 0; f &= f - 1) {
        const b = 31 - Math.clz32(f & -f);
        if ((w.holder[b]! & ~inside) !== 0 || (this.wakers(b, w) & ~inside) !== 0) drop |= 1 << b;
      }
      x &= ~drop;
    }
    return x;
  }

  /** Notes who holds which lock and who waits for one as actor a's view goes from `was` to `v`. */
  private track(a: number, was: ActorView, v: ActorView): void {
    const holderOf = this.holderOf;
    for (let g = was.held; g !== 0; g &= g - 1) {
      const lock = 31 - Math.clz32(g & -g);
      if (holderOf[lock] === a) holderOf[lock] = -1;
    }
    for (let g = v.held; g !== 0; g &= g - 1) holderOf[31 - Math.clz32(g & -g)] = a;
    if (v.waits !== 0) this.mayWait |= 1 << a;
    else this.mayWait &= ~(1 << a);
  }

  /**
   * Finds the waiters among `w.live` and their locks' holders, from what `track` noted of the
   * views `rows` were computed for (those in `viewOf`).
   */
  private findWaiters(w: Waiters): void {
    if (w !== this.waiters) return this.findWaitersAfresh(w);
    w.found = true;
    w.waiting = 0;
    const views = this.viewOf;
    const holderOf = this.holderOf;
    for (let f = this.mayWait & w.live; f !== 0; f &= f - 1) {
      const b = 31 - Math.clz32(f & -f);
      const h = holderOf[31 - Math.clz32(views[b]!.waits)]!;
      if (h < 0 || h === b || (w.live & (1 << h)) === 0) continue;
      w.waiting |= 1 << b;
      w.holder[b] = 1 << h;
    }
  }

  /** `findWaiters` for a state seen once, from its views alone (`candidates`). */
  private findWaitersAfresh(w: Waiters): void {
    const views = this.viewOf;
    const live = w.live;
    let held = 0;
    let waits = 0;
    for (let f = live; f !== 0; f &= f - 1) {
      const v = views[31 - Math.clz32(f & -f)]!;
      held |= v.held;
      waits |= v.waits;
    }
    w.found = true;
    w.waiting = 0;
    const wanted = held & waits;
    if (wanted === 0) return;
    const holderOf = this.holderAfresh;
    for (let f = live; f !== 0; f &= f - 1) {
      const a = 31 - Math.clz32(f & -f);
      for (let g = views[a]!.held & wanted; g !== 0; g &= g - 1) holderOf[31 - Math.clz32(g & -g)] = a;
    }
    for (let f = live; f !== 0; f &= f - 1) {
      const b = 31 - Math.clz32(f & -f);
      const lock = views[b]!.waits & wanted;
      if (lock === 0) continue;
      w.waiting |= 1 << b;
      w.holder[b] = 1 << holderOf[31 - Math.clz32(lock)]!;
    }
  }

  /** Waiter b's wakers among `w.live`, remembered per view for the epoch of `w` (-1: none). */
  private wakers(b: number, w: Waiters): number {
    if ((w.known & (1 << b)) !== 0) return w.wakers[b]!;
    const views = this.viewOf;
    const vb = views[b]!;
    const id = vb.id;
    const epoch = w.epoch;
    let wakers = 0;
    if (epoch >= 0 && this.wakersEpoch[id] === epoch) wakers = this.wakersOfView[id]!;
    else {
      for (let g = w.live & ~(1 << b); g !== 0; g &= g - 1) {
        const c = 31 - Math.clz32(g & -g);
        if (this.wakesTable.get(vb, views[c]!)) wakers |= 1 << c;
      }
      if (epoch >= 0) {
        this.wakersOfView[id] = wakers;
        this.wakersEpoch[id] = epoch;
      }
    }
    w.known |= 1 << b;
    return (w.wakers[b] = wakers);
  }

  /**
   * The first candidate for `rows` (see `candidates`) without listing the others: each
   * closure is given up as soon as it is no smaller than the best so far.
   */
  private smallest(live: number): number {
    const rows = this.rows;
    const w = this.waiters;
    let best = 0;
    let bestSize = 33;
    for (let f = live; f !== 0; f &= f - 1) {
      let set = f & -f;
      let size = 1;
      let frontier = set;
      while (frontier !== 0 && size < bestSize) {
        let next = 0;
        for (let g = frontier; g !== 0; g &= g - 1) next |= rows[31 - Math.clz32(g & -g)]!;
        if ((next & ~set) !== 0) next &= ~this.frozen(set, next & ~set, w);
        frontier = next & ~set;
        set |= frontier;
        size += popcount(frontier);
      }
      if (size < bestSize) {
        best = set;
        bestSize = size;
        if (size === 1) break;
      }
    }
    return best;
  }

  /** The candidates for `rows`, into `out` (see `candidates`). */
  private order(rows: Int32Array, live: number, w: Waiters, out: number[]): number[] {
    out.length = 0;
    for (let seed = 0; seed < this.n; seed++) {
      if ((live & (1 << seed)) === 0) continue;
      const set = this.closure(rows, seed, w);
      // Insertion by size (ties keep seed order): the lists are short.
      if (out.includes(set)) continue;
      const size = popcount(set);
      let i = out.length;
      out.push(set);
      while (i > 0 && popcount(out[i - 1]!) > size) {
        out[i] = out[i - 1]!;
        i--;
      }
      out[i] = set;
    }
    return out;
  }

  /** The candidate seeded by `seed`: its closure under `rows`, waiters frozen by it left out. */
  private closure(rows: Int32Array, seed: number, w: Waiters): number {
    let set = 1 << seed;
    let frontier = set;
    while (frontier !== 0) {
      let next = 0;
      for (let f = frontier; f !== 0; f &= f - 1) next |= rows[31 - Math.clz32(f & -f)]!;
      if ((next & ~set) !== 0) next &= ~this.frozen(set, next & ~set, w);
      frontier = next & ~set;
      set |= frontier;
    }
    return set;
  }

  /** Actor a's row, restricted to the actors in `only`: which live actors it needs. */
  private row(a: number, va: ActorView, live: number, only: number): number {
    const ca = va.cur;
    if (!ca) return 0;
    // A `top` step reads what no word holds (other actors' status, interrupt state),
    // which even a step with an empty footprint can change.
    if (ca.top) return live & ~(1 << a) & only;
    const views = this.viewOf;
    let row = this.sameCpu[a]! & live & only;
    const rest = live & only & ~row & ~(1 << a);
    for (let f = rest; f !== 0; f &= f - 1) {
      const b = 31 - Math.clz32(f & -f);
      if (this.needs(va, views[b]!)) row |= 1 << b;
    }
    return row;
  }

  /** Doubles the table of candidates; what it held is dropped (it only saves recomputing). */
  private growCache(): void {
    const slots = (this.cacheMask + 1) * 2;
    this.cacheMask = slots - 1;
    this.keys = new Int32Array(slots * (this.n + 1));
    this.cached = new Array<readonly number[] | undefined>(slots);
    this.listedSlot = -1;
  }

  private needs(a: ActorView, b: ActorView): boolean {
    return this.needsTable.get(a, b);
  }

  /** The id of the `view` of actor state number `id` (ActorIntern), which is `st`. */
  private viewById(id: number, st: ActorState, a: number): number {
    const k = id * this.n + a;
    if (k < this.viewCodes.length) {
      const c = this.viewCodes[k]!;
      if (c !== 0) return c - 1;
    } else {
      const codes = new Int32Array(Math.max(k + 1, 2 * this.viewCodes.length));
      codes.set(this.viewCodes);
      this.viewCodes = codes;
    }
    const v = this.view(st, a);
    this.viewCodes[k] = v.id + 1;
    return v.id;
  }

  private view(st: ActorState, a: number): ActorView {
    if (st.status === ActorStatus.Done) return this.doneView;
    let v = this.views[a]!.get(st);
    if (!v) {
      v = this.intern(st, a);
      this.views[a]!.set(st, v);
    }
    return v;
  }

  /**
   * The view for an actor state, shared by all states with the same status, locks held and
   * frame positions: a trie of small maps keyed by numbers (no strings to build per state).
   */
  private intern(st: ActorState, a: number): ActorView {
    const held = this.heldBits(st);
    let node = this.trie;
    const step = (key: number): void => {
      let next = node.next.get(key);
      if (!next) node.next.set(key, (next = { next: new Map() }));
      node = next;
    };
    step(((held * 4 + st.status) * 32 + a) * 64 + st.frames.length);
    for (const f of st.frames) step(f.code * this.maxPc + f.pc);
    return (node.view ??= this.describe(st, a, held));
  }

  private heldBits(st: ActorState): number {
    let held = 0;
    for (const h of st.held) {
      if (h.mode !== 'write') continue;
      const id = this.fp.lockIds.get(h.addr);
      if (id !== undefined) held |= 1 << id;
    }
    return held;
  }

  /** An actor's next step footprint and what it may still do. */
  private describe(st: ActorState, a: number, held: number): ActorView {
    const { s, fp } = this;
    const id = this.nextId++;
    if (id >= this.rowEpoch.length) {
      const rowOfView = new Int32Array(2 * id);
      const rowEpoch = new Int32Array(2 * id);
      rowOfView.set(this.rowOfView);
      rowEpoch.set(this.rowEpoch);
      this.rowOfView = rowOfView;
      this.rowEpoch = rowEpoch;
      const wakersOfView = new Int32Array(2 * id);
      const wakersEpoch = new Int32Array(2 * id);
      wakersOfView.set(this.wakersOfView);
      wakersEpoch.set(this.wakersEpoch);
      this.wakersOfView = wakersOfView;
      this.wakersEpoch = wakersEpoch;
    }
    if (st.status === ActorStatus.Idle) {
      const start = fp.startAccess[a]!;
      const future = [[{ needs: 0, access: start }], fp.actorBody(a)];
      return this.enlist({ id, cur: start, future, held: 0, waits: 0, fid: this.futureId(future) });
    }
    const top = st.frames[st.frames.length - 1]!;
    const ins = s.codes[top.code]!.instrs[top.pc];
    const future = st.frames.map((f) => fp.future(f.code, f.pc));
    if (s.actors[a]!.actorKind === 'work') future.push(fp.actorBody(a), [{ needs: 0, access: fp.startAccess[a]! }]);
    const waits = ins && st.status === ActorStatus.Running ? fp.waitsOn(ins.id) & ~held : 0;
    return this.enlist({ id, cur: ins ? fp.access(ins.id) : fp.top, future, held, waits, fid: this.futureId(future) });
  }

  /** Adds a new view to `viewList` (ids are given in order); returns it. */
  private enlist(v: ActorView): ActorView {
    this.viewList.push(v);
    if (v.id >= this.liveViews.length) {
      const live = new Uint8Array(2 * v.id);
      live.set(this.liveViews);
      this.liveViews = live;
    }
    this.liveViews[v.id] = v.cur ? 1 : 0;
    return v;
  }

  /** The number of a future's set of groups (what `dependsOn` reads of it). */
  private futureId(future: readonly (readonly FutureGroup[])[]): number {
    const keys = new Set<string>();
    for (const groups of future) {
      for (const { needs, access: x } of groups) {
        keys.add(`${needs} ${+x.top}${+x.anyR}${+x.anyW}${+x.empty} ${x.r.join(',')} ${x.w.join(',')}`);
      }
    }
    const key = [...keys].sort().join('|');
    let id = this.futureIds.get(key);
    if (id === undefined) this.futureIds.set(key, (id = this.futureIds.size));
    return id;
  }
}

/**
 * The actors of a state whose next step waits for a lock another holds exclusively
 * (ActorView.waits), who holds it, and who else could free it.
 *
 * Such a waiter cannot move while its lock's holder stays put and nobody else touches the
 * lock. So when the holder is in a candidate set T and every actor that might otherwise free
 * the lock is in T too, no sequence of moves of actors outside T contains a move of the
 * waiter, and what it may do later does not count against T's steps: it is "frozen", and
 * the closure does not take it in (a waiter that seeds T stays, which is sound too). The same holds of a waiter whose lock's holder
 * is itself frozen: those frozen by T are the greatest set of waiters each of whose holders
 * and wakers is in T or in the set. (A first move of one of them, after moves of others only,
 * would need its lock freed by one of those, none of which has moved.) Its attempt, which
 * blocks (or fails: a sleeping lock in atomic context), changes nothing; a failing attempt is
 * still tried where the search expands the state fully, as for any actor left out.
 *
 * The wakers of a waiter b are the actors c whose future may touch what b's step touches
 * other than under a lock: by footprints, as for `needs`, except what needs b's lock (c would
 * have to take it from the holder first) or a lock b holds.
 */
class Waiters {
  /** The live actors of the state. */
  live = 0;
  /** Whether `waiting` and `holder` are found (Reducer.findWaiters). */
  found = false;
  /** The waiters, as bits. */
  waiting = 0;
  /** Per waiter: its lock's holder, as a bit. */
  readonly holder: Int32Array;
  /** The waiters whose wakers are in `wakers`. */
  known = 0;
  /** Per waiter: its wakers among the live actors, as bits. */
  readonly wakers: Int32Array;
  /** The reducer's epoch, for which wakers are remembered per view (-1: not remembered). */
  epoch = -1;

  constructor(n: number) {
    this.holder = new Int32Array(n);
    this.wakers = new Int32Array(n);
  }

  /** Forgets what was found: the views changed. */
  reset(live: number, epoch: number): void {
    this.live = live;
    this.epoch = epoch;
    this.found = false;
    this.known = 0;
  }
}

/**
 * Whether a view's next step depends on what another view may still do, by the one's id and
 * the other's future number: for ids and numbers below DENSE in a dense matrix (0 unknown,
 * 1 no, 2 yes, at `a.id × DENSE + b.fid`, holding the rows of the first `denseRows` ids and
 * doubling as views are numbered), beyond in a map. `waiting`: the step's lock is excepted
 * with those the actor holds (see `Waiters`).
 */
class PairTable {
  private dense = new Uint8Array(DENSE * 16);
  private denseRows = 16;
  private readonly sparse = new Map<number, boolean>();

  constructor(private readonly waiting: boolean) {}

  get(a: ActorView, b: ActorView): boolean {
    if (a.id < DENSE && b.fid < DENSE) {
      if (a.id >= this.denseRows) this.grow(a.id);
      const k = a.id * DENSE + b.fid;
      const known = this.dense[k]!;
      if (known !== 0) return known === 2;
      const d = this.compute(a, b);
      this.dense[k] = d ? 2 : 1;
      return d;
    }
    const k = a.id * 2 ** 26 + b.fid;
    let d = this.sparse.get(k);
    if (d === undefined) {
      d = this.compute(a, b);
      this.sparse.set(k, d);
    }
    return d;
  }

  private compute(a: ActorView, b: ActorView): boolean {
    return dependsOn(a.cur!, this.waiting ? a.held | a.waits : a.held, b.future);
  }

  private grow(id: number): void {
    let rows = this.denseRows;
    while (rows <= id) rows *= 2;
    rows = Math.min(rows, DENSE);
    const d = new Uint8Array(rows * DENSE);
    d.set(this.dense);
    this.dense = d;
    this.denseRows = rows;
  }
}

function dependsOn(a: Access, heldByA: number, future: readonly (readonly FutureGroup[])[]): boolean {
  for (const groups of future) {
    for (const g of groups) {
      if ((g.needs & heldByA) !== 0) continue;
      if (conflicts(a, g.access)) return true;
    }
  }
  return false;
}

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
