// The set of visited states, kept compact: each state is a 64-bit fingerprint (two
// independent 32-bit hashes of its canonical words, summed word by word so a successor's
// follows from its parent's) in an open-addressing table of typed
// arrays, plus, per state, the state it was first reached from and by which move, so any
// state's path from the initial state can be rebuilt for a trace.
//
// Two different states are merged only if both 32-bit hashes collide. With n stored states
// the chance that any pair collides is about n^2 / 2^65: 3e-8 for a million states, 3e-4 for
// a hundred million. A collision can only hide states (never invent a violation).

import { actorEncodedLength, encodeActorInto, LazyStepOk } from '../model/machine';
import type { ActorState, MachineState, StepOk } from '../model/types';
import { type ActorIntern, memWord } from './pack';

/** Packs a move into one number: actor in the high bits, choice in the low 12. */
export function packMove(actor: number, choice: number): number {
  return actor * 4096 + choice;
}

export function unpackMove(m: number): { actor: number; choice: number } {
  return { actor: Math.floor(m / 4096), choice: m % 4096 };
}

/**
 * Two 32-bit hashes. A class of its own: an object literal with the same keys would share
 * its hidden class, and one holding anything but numbers (`{ h1, h2 }` of two arrays) would
 * make V8 throw away every optimised function that reads these slots.
 */
class HashPair {
  h1 = 0;
  h2 = 0;
}

/** Result slots of `fingerprint`, to avoid allocating a pair per state. */
export const fp = new HashPair();

/**
 * Two 32-bit MurmurHash3-style hashes of `words[0..len)` with different seeds, in one pass,
 * into `fp.h1` / `fp.h2`. The length is mixed in, so encodings of different lengths differ.
 */
export function fingerprint(words: Int32Array, len = words.length): void {
  let h1 = 0x9747b28c ^ len;
  let h2 = 0x5bd1e995 ^ Math.imul(len, 0x85ebca6b);
  for (let i = 0; i < len; i++) {
    let k = Math.imul(words[i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let j = Math.imul(words[i]! ^ 0x27d4eb2f, 0x85ebca77);
    j = (j << 13) | (j >>> 19);
    j = Math.imul(j, 0xc2b2ae3d);
    h2 ^= j;
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (Math.imul(h2, 9) + 0x165667b1) | 0;
  }
  fp.h1 = fmix(h1 ^ len);
  fp.h2 = fmix(h2 ^ (len << 2));
}

/**
 * The fingerprint of a state, as a sum of one term per word: a memory word at address i with
 * value v adds `term(i, v)` (each lane its own mixing), and actor k adds a term of its own
 * hash (`actorHash`: the actor's words of `encodeState`) at index ACTOR_INDEX + k. So two
 * states get equal fingerprints when their `encodeState` words are equal, and a successor's
 * fingerprint follows from its parent's by the few words its step wrote and the one actor
 * that moved (`StateHasher`), instead of rehashing the whole state. For a fixed index the
 * term is a bijection of the value, so states that differ in one word never collide.
 */
export function fingerprintState(state: MachineState): void {
  let s1 = 0;
  let s2 = 0;
  const mem = state.mem;
  const m = mem.length;
  for (let i = 0; i < m; i++) {
    const v = mem[i]!;
    s1 = (s1 + term1(i, v)) | 0;
    s2 = (s2 + term2(i, v)) | 0;
  }
  const actors = state.actors;
  for (let k = 0; k < actors.length; k++) {
    actorHash(actors[k]!);
    s1 = (s1 + term1(ACTOR_INDEX + k, ah.h1)) | 0;
    s2 = (s2 + term2(ACTOR_INDEX + k, ah.h2)) | 0;
  }
  sums.s1 = s1;
  sums.s2 = s2;
  finish(s1, s2, actors.length);
}

/** The sums `fingerprintState` last finished (for `StateHasher`). */
const sums = { s1: 0, s2: 0 };

/** The two sums of the state `fingerprintState` hashed last: what `StateHasher.base` takes. */
export function lastSums(): { readonly s1: number; readonly s2: number } {
  return sums;
}

/** Index of actor 0's term: above any memory address. */
const ACTOR_INDEX = 0x40000000;

function term1(i: number, v: number): number {
  let h = (Math.imul(v ^ 0x3c6ef372, 0xcc9e2d51) + Math.imul(i, 0x9e3779b1)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function term2(i: number, v: number): number {
  let h = (Math.imul(v ^ 0x5bd1e995, 0x1b873593) + Math.imul(i, 0x7feb352d)) | 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  return h ^ (h >>> 15);
}

function finish(s1: number, s2: number, actors: number): void {
  fp.h1 = fmix(s1 ^ actors);
  fp.h2 = fmix((s2 + Math.imul(actors, 0x27d4eb2f)) | 0);
}

/** Result slots of `actorHash`. */
const ah = new HashPair();

let scratch = new Int32Array(256);

/** Two 32-bit hashes of an actor's words in `encodeState` (`encodeActorInto`), into `ah`. */
function actorHash(a: ActorState): void {
  const n = actorEncodedLength(a);
  if (n > scratch.length) scratch = new Int32Array(n * 2);
  fingerprint(scratch, encodeActorInto(a, scratch, 0));
  ah.h1 = fp.h1;
  ah.h2 = fp.h2;
}

/**
 * The fingerprints of one state's successors, each from the state's own sums: `base(state)`
 * once (with the sums its parent's step left in `last1`/`last2`, when known), then
 * `child(result, accesses)` per successor, which adds the words the step wrote
 * (StepOk.accesses lists every one) and the actors whose state changed. Same value as
 * `fingerprintState` of the successor.
 */
export class StateHasher {
  private parent: MachineState | undefined;
  private s1 = 0;
  private s2 = 0;
  /** The parent's actor hashes, computed when a child first needs them (`actorMark`). */
  private a1 = new Int32Array(0);
  private a2 = new Int32Array(0);
  private actorMark = new Int32Array(0);
  private generation = 0;
  /** Addresses already counted in the current child (a step may write a word twice). */
  private seen = new Int32Array(0);
  private seenMark = 0;
  /** Actor hashes by intern number (see `parentActorHash`). */
  private known = new Uint8Array(0);
  private byId1 = new Int32Array(0);
  private byId2 = new Int32Array(0);

  constructor(private readonly intern?: ActorIntern) {}

  /** The sums of the last child, before finishing: its successors start from them. */
  last1 = 0;
  last2 = 0;

  /** Takes `state` as the parent; `s1`/`s2` are its sums when known (from `last1`/`last2`). */
  base(state: MachineState, s1?: number, s2?: number): void {
    this.parent = state;
    const n = state.actors.length;
    if (this.a1.length < n) {
      this.a1 = new Int32Array(n);
      this.a2 = new Int32Array(n);
      this.actorMark = new Int32Array(n);
    }
    if (++this.generation === 0x7fffffff) {
      this.actorMark.fill(0);
      this.generation = 1;
    }
    if (s1 !== undefined && s2 !== undefined) {
      this.s1 = s1;
      this.s2 = s2;
      return;
    }
    fingerprintState(state);
    this.s1 = sums.s1;
    this.s2 = sums.s2;
  }

  /** Sets `fp` to the fingerprint of `state`, a successor of the base state by a step with `accesses`. */
  child(state: MachineState, accesses: readonly number[]): void {
    const p = this.parent!;
    let s1 = this.s1;
    let s2 = this.s2;
    const old = p.mem;
    const mem = state.mem;
    if (mem.length < old.length) return this.full(state);
    if (mem !== old) {
      const m = old.length;
      if (this.seen.length < mem.length || this.seenMark === 0x7fffffff) {
        this.seen = new Int32Array(mem.length * 2);
        this.seenMark = 0;
      }
      const mark = ++this.seenMark;
      const seen = this.seen;
      for (let i = 0; i < accesses.length; i++) {
        const x = accesses[i]!;
        if ((x & 1) === 0) continue;
        const addr = x >> 1;
        if (addr >= m || seen[addr] === mark) continue;
        seen[addr] = mark;
        const a = old[addr]!;
        const b = mem[addr]!;
        if (a === b) continue;
        s1 = (s1 - term1(addr, a) + term1(addr, b)) | 0;
        s2 = (s2 - term2(addr, a) + term2(addr, b)) | 0;
      }
      // An allocation appends its object.
      for (let i = m; i < mem.length; i++) {
        const v = mem[i]!;
        s1 = (s1 + term1(i, v)) | 0;
        s2 = (s2 + term2(i, v)) | 0;
      }
    }
    const actors = state.actors;
    const before = p.actors;
    if (actors.length !== before.length) return this.full(state);
    for (let k = 0; k < actors.length; k++) {
      const a = actors[k]!;
      if (a === before[k]) continue;
      if (this.actorMark[k] !== this.generation) {
        this.parentActorHash(k, before[k]!);
        this.a1[k] = ah.h1;
        this.a2[k] = ah.h2;
        this.actorMark[k] = this.generation;
      }
      actorHash(a);
      s1 = (s1 - term1(ACTOR_INDEX + k, this.a1[k]!) + term1(ACTOR_INDEX + k, ah.h1)) | 0;
      s2 = (s2 - term2(ACTOR_INDEX + k, this.a2[k]!) + term2(ACTOR_INDEX + k, ah.h2)) | 0;
    }
    this.last1 = s1;
    this.last2 = s2;
    finish(s1, s2, actors.length);
  }

  /**
   * `child` for a step's result: a lazy one (machine.ts, LazyStepOk) from the base state
   * gives its written words and moving actor directly, so its state is never built.
   */
  childOf(r: StepOk): void {
    const p = this.parent!;
    if (!(r instanceof LazyStepOk) || r.base !== p) return this.child(r.state, r.accesses);
    // A step the memo gives again (memo.ts) changes the sums as it did before, or at least
    // leaves its actor in a state hashed before.
    const o = r.effect.learnt;
    if (o?.deltaKnown) {
      this.last1 = (this.s1 + o.delta1) | 0;
      this.last2 = (this.s2 + o.delta2) | 0;
      finish(this.last1, this.last2, p.actors.length);
      return;
    }
    let s1 = this.s1;
    let s2 = this.s2;
    const w = r.written;
    for (let i = 0; i < w.length; i += 2) {
      const addr = w[i]!;
      const a = memWord(p, addr);
      const b = w[i + 1]!;
      if (a === b) continue;
      s1 = (s1 - term1(addr, a) + term1(addr, b)) | 0;
      s2 = (s2 - term2(addr, a) + term2(addr, b)) | 0;
    }
    const k = r.actor;
    if (this.actorMark[k] !== this.generation) {
      this.parentActorHash(k, p.actors[k]!);
      this.a1[k] = ah.h1;
      this.a2[k] = ah.h2;
      this.actorMark[k] = this.generation;
    }
    if (o?.actorHashed) {
      ah.h1 = o.actorH1;
      ah.h2 = o.actorH2;
    } else {
      actorHash(r.actorState);
      if (o) {
        o.actorH1 = ah.h1;
        o.actorH2 = ah.h2;
        o.actorHashed = true;
      }
    }
    s1 = (s1 - term1(ACTOR_INDEX + k, this.a1[k]!) + term1(ACTOR_INDEX + k, ah.h1)) | 0;
    s2 = (s2 - term2(ACTOR_INDEX + k, this.a2[k]!) + term2(ACTOR_INDEX + k, ah.h2)) | 0;
    if (o?.fixedDelta) {
      o.delta1 = (s1 - this.s1) | 0;
      o.delta2 = (s2 - this.s2) | 0;
      o.deltaKnown = true;
    }
    this.last1 = s1;
    this.last2 = s2;
    finish(s1, s2, p.actors.length);
  }

  /**
   * The hash of the parent's actor in `slot`, into `ah`: remembered per interned actor state
   * when the parent came from the frontier (its actors are the intern's objects).
   */
  private parentActorHash(slot: number, a: ActorState): void {
    const id = this.intern ? this.intern.recentId(slot, a) : -1;
    if (id < 0) return actorHash(a);
    if (id >= this.known.length) {
      const n = Math.max(id + 1, this.known.length * 2, 64);
      const k = new Uint8Array(n);
      k.set(this.known);
      const x = new Int32Array(n);
      x.set(this.byId1);
      const y = new Int32Array(n);
      y.set(this.byId2);
      this.known = k;
      this.byId1 = x;
      this.byId2 = y;
    }
    if (this.known[id] === 1) {
      ah.h1 = this.byId1[id]!;
      ah.h2 = this.byId2[id]!;
      return;
    }
    actorHash(a);
    this.known[id] = 1;
    this.byId1[id] = ah.h1;
    this.byId2[id] = ah.h2;
  }

  private full(state: MachineState): void {
    fingerprintState(state);
    this.last1 = sums.s1;
    this.last2 = sums.s2;
  }
}
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** States per chunk of the per-state arrays (a power of two). */
const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;

export class StateStore {
  private capacity: number;
  private mask: number;
  /** The table grows when it holds this many states (three quarters of its slots). */
  private limit: number;
  /**
   * Table: per slot, three words side by side (one cache line for a probe): the fingerprint
   * halves and state id + 1 (0 = empty).
   */
  private table: Int32Array;
  private count = 0;
  /**
   * Per state id, in chunks of CHUNK states that are never copied or over-allocated: the
   * parent's id (-1 for the initial state) and the packed move from it, side by side, and
   * whether the state was expanded.
   */
  private readonly links: Int32Array[] = [];
  private readonly flags: Uint8Array[] = [];
  /** See Visited.growthGuard (search.ts). */
  growthGuard: ((bytes: number) => boolean) | undefined = undefined;
  private refused = false;

  constructor(initialCapacity = 1 << 12) {
    this.capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.mask = this.capacity - 1;
    this.limit = (this.capacity >>> 2) * 3;
    this.table = new Int32Array(this.capacity * 3);
  }

  get size(): number {
    return this.count;
  }

  reached(n: number): boolean {
    return this.count >= n;
  }

  /** Bytes held by the table and the per-state arrays. */
  get bytes(): number {
    return this.capacity * 12 + this.links.length * CHUNK * 9;
  }

  /**
   * Looks up the fingerprint in `fp`; when it is new, stores it with its parent and move.
   * Returns the state's id, or -(id + 1) when it was already there.
   */
  insert(parent: number, move: number, _depth = 0): number {
    // A half that is 0 is stored as 1, as in the table workers share (shared-store.ts), where
    // 0 marks an empty slot: both tables then tell the same fingerprints apart, and a search
    // moves from this one to that one state for state (Search.joinShared).
    const h1 = fp.h1 | 0 || 1;
    const h2 = fp.h2 | 0 || 1;
    const t = this.table;
    let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    for (;;) {
      const at = slot * 3;
      const id1 = t[at + 2]!;
      if (id1 === 0) break;
      if (t[at] === h1 && t[at + 1] === h2) return -id1;
      slot = (slot + 1) & this.mask;
    }
    const id = this.count++;
    const at = slot * 3;
    t[at] = h1;
    t[at + 1] = h2;
    t[at + 2] = id + 1;
    const chunk = id >>> CHUNK_BITS;
    if (chunk === this.links.length) {
      this.links.push(new Int32Array(CHUNK * 2));
      this.flags.push(new Uint8Array(CHUNK));
    }
    const links = this.links[chunk]!;
    const i = (id & (CHUNK - 1)) * 2;
    links[i] = parent;
    links[i + 1] = move;
    if (this.count > this.limit) this.grow();
    return id;
  }

  /** Whether the guard refused a growth (Visited.growthRefused). */
  get growthRefused(): boolean {
    return this.refused;
  }

  /**
   * Doubles the table, unless the guard refuses the bytes of the new one: then the table fills
   * up to fifteen sixteenths while the search stops (longer probes for a few thousand states),
   * and grows all the same if it gets there.
   */
  private grow(): void {
    if (!this.refused && this.growthGuard !== undefined && !this.growthGuard(this.capacity * 24)) {
      this.refused = true;
      this.limit = this.capacity - (this.capacity >>> 4);
      return;
    }
    this.rehash();
  }

  /** The word `insert` reads first for the fingerprint in `fp` (a read ahead of the lookup). */
  touch(): number {
    const h1 = fp.h1 | 0 || 1;
    const h2 = fp.h2 | 0 || 1;
    return this.table[((h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask) * 3 + 2]!;
  }

  /** No other thread inserts here: nothing to wait for (see Visited.pause). */
  pause(): void {}

  /** One search stores states level by level: numbers alone order them as depth and number do. */
  after(t: number, s: number, _depth: number): boolean {
    return t > s;
  }

  /** Every stored fingerprint, by state number (as `insert` keeps it). */
  fingerprints(): { h1: Int32Array; h2: Int32Array } {
    const h1 = new Int32Array(this.count);
    const h2 = new Int32Array(this.count);
    const t = this.table;
    for (let i = 0; i < t.length; i += 3) {
      const id1 = t[i + 2]!;
      if (id1 === 0) continue;
      h1[id1 - 1] = t[i]!;
      h2[id1 - 1] = t[i + 1]!;
    }
    return { h1, h2 };
  }

  parent(id: number): number {
    return this.links[id >>> CHUNK_BITS]![(id & (CHUNK - 1)) * 2]!;
  }

  move(id: number): number {
    return this.links[id >>> CHUNK_BITS]![(id & (CHUNK - 1)) * 2 + 1]!;
  }

  expanded(id: number): boolean {
    return this.flags[id >>> CHUNK_BITS]![id & (CHUNK - 1)] === 1;
  }

  setExpanded(id: number): void {
    this.flags[id >>> CHUNK_BITS]![id & (CHUNK - 1)] = 1;
  }

  /** The moves from the initial state to `id`, in order. */
  pathTo(id: number): number[] {
    const out: number[] = [];
    for (let x = id; this.parent(x) >= 0; x = this.parent(x)) out.push(this.move(x));
    return out.reverse();
  }

  /**
   * Doubles the table. Linear probing stays short up to three quarters full (two or three
   * slots for a known state, in the cache line of the first), and the table, a random
   * access per transition, is the search's largest structure: fuller is smaller and faster.
   */
  private rehash(): void {
    const old = this.table;
    this.capacity *= 2;
    this.mask = this.capacity - 1;
    this.limit = (this.capacity >>> 2) * 3;
    const t = (this.table = new Int32Array(this.capacity * 3));
    for (let i = 0; i < old.length; i += 3) {
      const id1 = old[i + 2]!;
      if (id1 === 0) continue;
      const h1 = old[i]!;
      const h2 = old[i + 1]!;
      let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
      while (t[slot * 3 + 2] !== 0) slot = (slot + 1) & this.mask;
      t[slot * 3] = h1;
      t[slot * 3 + 1] = h2;
      t[slot * 3 + 2] = id1;
    }
  }
}
