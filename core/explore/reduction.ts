// Partial-order reduction by persistent (stubborn) sets over actors. At a state, actor a
// "needs" actor b when a's next step might not commute with something b could still do
// (static footprints, footprint.ts), or when they share a CPU (who may run there is state no
// word holds). A set of actors closed under "needs" that contains an enabled step is
// persistent: whatever the actors outside it do cannot affect, enable or disable the steps
// inside it, so exploring only the inside loses no deadlock, no violating step and no pair
// of racing steps (the cycle proviso in search.ts handles the rest).
//
// One refinement makes lock-protected code reduce well: b's future accesses that need a lock
// a holds exclusively (b would have to hold or take it first) cannot happen while a stays
// put, so they do not count against a.

import { ActorStatus, type ActorState, type MachineState } from '../model/types';
import type { CompiledScenario } from '../model/compiled';
import { conflicts, type Access, type Footprints, type FutureGroup } from './footprint';

/**
 * What the reducer needs to know about one actor's state. It depends only on the actor's
 * status, frames' code positions and locks held, so views are interned by those and
 * numbered, and whether one view needs another is cached by the pair of numbers.
 */
interface ActorView {
  readonly id: number;
  /** Footprint of its next step (or of starting), undefined when it is done. */
  readonly cur: Access | undefined;
  /** What it may still do, one list per frame (plus the whole body for work items and idle handlers). */
  readonly future: readonly (readonly FutureGroup[])[];
  /** Identified locks it holds exclusively, as bits. */
  readonly held: number;
}

/** Actor sets are bitmasks, so scenarios with more actors than this are not reduced. */
export const MAX_REDUCED_ACTORS = 30;

export class Reducer {
  private readonly n: number;
  /** sameCpu[a]: bitmask of the actors scheduled on a's CPU (work items have their own). */
  private readonly sameCpu: Int32Array;
  private readonly views = new WeakMap<ActorState, ActorView>();
  private readonly interned = new Map<string, ActorView>();
  private readonly viewOf: ActorView[];
  private readonly rows: Int32Array;
  private readonly doneView: ActorView = { id: 0, cur: undefined, future: [], held: 0 };
  private readonly byViews = new Map<string, number[]>();
  /** needs(a, b) by `a.id * PAIR + b.id`: 1 no, 2 yes. */
  private readonly pairs = new Map<number, number>();

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
    this.viewOf = new Array<ActorView>(n);
    this.rows = new Int32Array(n);
  }

  /** Whether this scenario can be reduced at all. */
  static applies(s: CompiledScenario): boolean {
    return s.actors.length <= MAX_REDUCED_ACTORS;
  }

  /**
   * Candidate persistent sets at a state, as actor bitmasks, fewest actors first (ties: the
   * lowest seed actor). Every actor that is not done seeds one candidate: its closure.
   */
  candidates(state: MachineState): readonly number[] {
    const n = this.n;
    const views = this.viewOf;
    let live = 0;
    let key = '';
    for (let a = 0; a < n; a++) {
      const v = this.view(state.actors[a]!, a);
      views[a] = v;
      key += `${v.id},`;
      if (v.cur) live |= 1 << a;
    }
    // The candidates depend on the actors' views only, which repeat across many states.
    let known = this.byViews.get(key);
    if (!known) {
      known = this.compute(live);
      if (this.byViews.size < MAX_CACHED_CANDIDATES) this.byViews.set(key, known);
    }
    return known;
  }

  private compute(live: number): number[] {
    const n = this.n;
    const views = this.viewOf;
    const rows = this.rows;
    for (let a = 0; a < n; a++) {
      const va = views[a]!;
      let row = 0;
      const ca = va.cur;
      if (ca) {
        // A `top` step reads what no word holds (other actors' status, interrupt state),
        // which even a step with an empty footprint can change.
        if (ca.top) row = live & ~(1 << a);
        else {
          row = this.sameCpu[a]! & live;
          for (let b = 0; b < n; b++) {
            if (b === a || (row & (1 << b)) !== 0 || (live & (1 << b)) === 0) continue;
            if (this.needs(va, views[b]!)) row |= 1 << b;
          }
        }
      }
      rows[a] = row;
    }
    const out: number[] = [];
    for (let seed = 0; seed < n; seed++) {
      if ((live & (1 << seed)) === 0) continue;
      const set = this.closure(seed);
      if (!out.includes(set)) out.push(set);
    }
    out.sort((x, y) => popcount(x) - popcount(y) || lowest(x) - lowest(y));
    return out;
  }

  private needs(a: ActorView, b: ActorView): boolean {
    if (a.id >= PAIR || b.id >= PAIR) return dependsOn(a.cur!, a.held, b.future);
    const k = a.id * PAIR + b.id;
    const known = this.pairs.get(k);
    if (known !== undefined) return known === 2;
    const d = dependsOn(a.cur!, a.held, b.future);
    this.pairs.set(k, d ? 2 : 1);
    return d;
  }

  private closure(seed: number): number {
    let set = 1 << seed;
    let frontier = set;
    while (frontier !== 0) {
      let next = 0;
      for (let f = frontier; f !== 0; f &= f - 1) next |= this.rows[31 - Math.clz32(f & -f)]!;
      frontier = next & ~set;
      set |= next;
    }
    return set;
  }

  private view(st: ActorState, a: number): ActorView {
    if (st.status === ActorStatus.Done) return this.doneView;
    let v = this.views.get(st);
    if (!v) {
      v = this.intern(st, a);
      this.views.set(st, v);
    }
    return v;
  }

  private intern(st: ActorState, a: number): ActorView {
    const held = this.heldBits(st);
    let key = `${a}:${st.status}:${held}`;
    for (const f of st.frames) key += `:${f.code}.${f.pc}`;
    let v = this.interned.get(key);
    if (!v) {
      v = this.describe(st, a, held, this.interned.size + 1);
      this.interned.set(key, v);
    }
    return v;
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
  private describe(st: ActorState, a: number, held: number, id: number): ActorView {
    const { s, fp } = this;
    const sym = s.actors[a]!;
    if (st.status === ActorStatus.Idle) {
      const start = fp.startAccess[a]!;
      return { id, cur: start, future: [[{ needs: 0, access: start }], fp.actorBody(a)], held: 0 };
    }
    const top = st.frames[st.frames.length - 1]!;
    const ins = s.codes[top.code]!.instrs[top.pc];
    const future = st.frames.map((f) => fp.future(f.code, f.pc));
    if (sym.actorKind === 'work') future.push(fp.actorBody(a), [{ needs: 0, access: fp.startAccess[a]! }]);
    return { id, cur: ins ? fp.access(ins.id) : fp.top, future, held };
  }
}

/** Bounds the cache of candidates by view vector (each entry is small). */
const MAX_CACHED_CANDIDATES = 1 << 20;

/** Views numbered below this have their pairs cached. */
const PAIR = 1 << 20;

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
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

function lowest(x: number): number {
  return 31 - Math.clz32(x & -x);
}
