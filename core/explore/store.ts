// The set of visited states, kept compact: each state is a 64-bit fingerprint (two
// independent 32-bit hashes of its canonical words) in an open-addressing table of typed
// arrays, plus, per state, the state it was first reached from and by which move, so any
// state's path from the initial state can be rebuilt for a trace.
//
// Two different states are merged only if both 32-bit hashes collide. With n stored states
// the chance that any pair collides is about n^2 / 2^65: 3e-8 for a million states, 3e-4 for
// a hundred million. A collision can only hide states (never invent a violation).

import { encodedLength, encodeStateInto } from '../model/machine';
import type { MachineState } from '../model/types';

/** Packs a move into one number: actor in the high bits, choice in the low 12. */
export function packMove(actor: number, choice: number): number {
  return actor * 4096 + choice;
}

export function unpackMove(m: number): { actor: number; choice: number } {
  return { actor: Math.floor(m / 4096), choice: m % 4096 };
}

/** Result slots of `fingerprint`, to avoid allocating a pair per state. */
export const fp = { h1: 0, h2: 0 };

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

let words = new Int32Array(1024);

/**
 * `fingerprint(encodeState(state))` without allocating: the words go into one reused
 * buffer (measured faster than hashing while walking the state).
 */
export function fingerprintState(state: MachineState): void {
  const n = encodedLength(state);
  if (n > words.length) words = new Int32Array(Math.max(n, words.length * 2));
  encodeStateInto(state, words);
  fingerprint(words, n);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class StateStore {
  private capacity: number;
  private mask: number;
  /** Table: fingerprint halves and state id + 1 per slot (0 = empty). */
  private t1: Uint32Array;
  private t2: Uint32Array;
  private tid: Int32Array;
  private count = 0;
  /** Per state id: the parent's id (-1 for the initial state) and the packed move from it. */
  private parents: Int32Array;
  private moves: Int32Array;
  private expandedBits: Uint8Array;

  constructor(initialCapacity = 1 << 12) {
    this.capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.mask = this.capacity - 1;
    this.t1 = new Uint32Array(this.capacity);
    this.t2 = new Uint32Array(this.capacity);
    this.tid = new Int32Array(this.capacity);
    this.parents = new Int32Array(this.capacity >>> 1);
    this.moves = new Int32Array(this.capacity >>> 1);
    this.expandedBits = new Uint8Array(this.capacity >>> 1);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table and the per-state arrays. */
  get bytes(): number {
    return this.capacity * 12 + this.parents.length * 9;
  }

  /**
   * Looks up the fingerprint in `fp`; when it is new, stores it with its parent and move.
   * Returns the state's id, or -(id + 1) when it was already there.
   */
  insert(parent: number, move: number): number {
    const h1 = fp.h1;
    const h2 = fp.h2;
    let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    for (;;) {
      const id1 = this.tid[slot]!;
      if (id1 === 0) break;
      if (this.t1[slot] === h1 && this.t2[slot] === h2) return -id1;
      slot = (slot + 1) & this.mask;
    }
    const id = this.count++;
    this.t1[slot] = h1;
    this.t2[slot] = h2;
    this.tid[slot] = id + 1;
    if (id >= this.parents.length) this.growPerState();
    this.parents[id] = parent;
    this.moves[id] = move;
    if (this.count * 2 > this.capacity) this.rehash();
    return id;
  }

  parent(id: number): number {
    return this.parents[id]!;
  }

  move(id: number): number {
    return this.moves[id]!;
  }

  expanded(id: number): boolean {
    return this.expandedBits[id] === 1;
  }

  setExpanded(id: number): void {
    this.expandedBits[id] = 1;
  }

  /** The moves from the initial state to `id`, in order. */
  pathTo(id: number): number[] {
    const out: number[] = [];
    for (let x = id; this.parents[x]! >= 0; x = this.parents[x]!) out.push(this.moves[x]!);
    return out.reverse();
  }

  private growPerState(): void {
    const n = this.parents.length * 2;
    const p = new Int32Array(n);
    p.set(this.parents);
    const m = new Int32Array(n);
    m.set(this.moves);
    const e = new Uint8Array(n);
    e.set(this.expandedBits);
    this.parents = p;
    this.moves = m;
    this.expandedBits = e;
  }

  private rehash(): void {
    const old1 = this.t1;
    const old2 = this.t2;
    const oldId = this.tid;
    this.capacity *= 2;
    this.mask = this.capacity - 1;
    this.t1 = new Uint32Array(this.capacity);
    this.t2 = new Uint32Array(this.capacity);
    this.tid = new Int32Array(this.capacity);
    for (let i = 0; i < old1.length; i++) {
      const id1 = oldId[i]!;
      if (id1 === 0) continue;
      const h1 = old1[i]!;
      const h2 = old2[i]!;
      let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
      while (this.tid[slot] !== 0) slot = (slot + 1) & this.mask;
      this.t1[slot] = h1;
      this.t2[slot] = h2;
      this.tid[slot] = id1;
    }
  }
}
