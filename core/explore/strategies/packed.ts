// Breadth-first and depth-first frontiers that keep their waiting states packed (../pack.ts)
// in large word chunks rather than as objects: a wide search holds hundreds of thousands of
// waiting states, which as objects cost several times the memory and a garbage collector
// that scans them all on every major pass. The order is exactly that of bfs.ts and dfs.ts.

import { ActorIntern, keepState, localLength, PackedBase, packLocal, packLocalStep } from '../pack';
import type { LazyStepOk } from '../../model/machine';
import type { MachineState } from '../../model/types';
import type { Frontier, FrontierItem } from './frontier';

const CHUNK_WORDS = 1 << 16;
/** Words of a frontier's first chunk: each new one is four times larger, up to CHUNK_WORDS. */
const FIRST_CHUNK_WORDS = 1 << 12;
/**
 * Consumed chunks kept for reuse: a level of a breadth-first search is consumed while the
 * next one is written, and a fresh chunk costs its allocation and its pages' first touch.
 */
const MAX_SPARES = 16;

/** States popped whose words are kept for packing their successors: more than search.ts LOOKAHEAD. */
const BASES = 40;

/** Entries: [id, depth, has sums, s1, s2, state words…], never split across chunks. */
class Chunk {
  readonly words: Int32Array;
  /** Where each entry starts, in order. */
  starts: number[] = [];
  used = 0;

  constructor(size: number) {
    this.words = new Int32Array(size);
  }
}

export class PackedFrontier implements Frontier {
  private readonly chunks: Chunk[] = [];
  /** Chunks breadth-first search has consumed, kept for the next pushes (no new allocation). */
  private readonly spares: Chunk[] = [];
  /**
   * Chunks consumed, with the pop count then: a state popped from one may still wait for its
   * successors (see `bases`), so a chunk is reused only once BASES more have been popped.
   */
  private readonly retired: { chunk: Chunk; pops: number }[] = [];
  private pops = 0;
  /** Words of the next chunk allocated (a small search allocates little). */
  private nextChunk = FIRST_CHUNK_WORDS;
  /** FIFO: next entry to pop is chunks[0].starts[head]. */
  private head = 0;
  private count = 0;

  /**
   * The states last popped, each with where its words are (PackedBase), in a ring: their
   * successors are packed from those words, which stay in place meanwhile. A search that
   * looks ahead (search.ts) pops up to LOOKAHEAD states before it pushes the successors of
   * the first.
   */
  private readonly bases: PackedBase[];
  /** The ring's entry of the state last popped, and of the state whose successors were last pushed. */
  private popped = 0;
  private pushing = 0;
  /** Where the words of the state last popped end. */
  private baseEnd = 0;

  constructor(readonly name: 'bfs' | 'dfs', private readonly intern = new ActorIntern()) {
    this.bases = Array.from({ length: BASES }, () => new PackedBase(intern));
  }

  get size(): number {
    return this.count;
  }

  push(item: FrontierItem): void {
    const step = item.step;
    if (step) return this.pushStep(item.id, item.depth, item.s1 ?? 0, item.s2 ?? 0, step, item.s1 !== undefined);
    const c = this.chunkFor(5 + localLength(item.state));
    const at = c.used;
    this.head5(c.words, at, item.id, item.depth, item.s1 !== undefined, item.s1 ?? 0, item.s2 ?? 0);
    c.used = packLocal(item.state, this.intern, c.words, at + 5);
    c.starts.push(at);
    this.count++;
  }

  pushStep(id: number, depth: number, s1: number, s2: number, step: LazyStepOk, known = true): void {
    const base = this.baseOf(step.base);
    // From a state popped here, the successor takes at most the base's words and one more per
    // word written (a lazy step writes only words its base has: machine.ts, okResult).
    const c = this.chunkFor(5 + (base !== undefined ? base.size + (step.effect.written.length >>> 1) : localLength(step.base)));
    const w = c.words;
    const at = c.used;
    this.head5(w, at, id, depth, known, s1, s2);
    const end = base !== undefined ? base.packStep(step, w, at + 5) : packLocalStep(step, this.intern, w, at + 5);
    // Words past a typed array's end are dropped without a word: a state cut short must not go unseen.
    if (end > w.length) throw new Error('internal error: a waiting state outgrew the room made for it');
    c.used = end;
    c.starts.push(at);
    this.count++;
  }

  /** The chunk the next entry, of `n` words, goes to. */
  private chunkFor(n: number): Chunk {
    let c = this.chunks[this.chunks.length - 1];
    if (!c || c.used + n > c.words.length) {
      const spare = this.spares.pop();
      if (spare && spare.words.length >= n) c = spare;
      else {
        c = new Chunk(Math.max(this.nextChunk, n));
        this.nextChunk = Math.min(CHUNK_WORDS, this.nextChunk * 4);
      }
      this.chunks.push(c);
    }
    return c;
  }

  /** An entry's first five words (see Chunk). */
  private head5(w: Int32Array, at: number, id: number, depth: number, known: boolean, s1: number, s2: number): void {
    w[at] = id;
    w[at + 1] = depth;
    w[at + 2] = known ? 1 : 0;
    w[at + 3] = known ? s1 : 0;
    w[at + 4] = known ? s2 : 0;
  }

  /**
   * The ring's entry holding `state`, made the one successors are pushed from; successors
   * are pushed state by state in the order the states were popped, so the search is short.
   */
  private baseOf(state: MachineState): PackedBase | undefined {
    const bases = this.bases;
    let i = this.pushing;
    for (let n = 0; n < BASES; n++) {
      const b = bases[i]!;
      if (b.state === state) {
        if (i !== this.pushing) {
          this.pushing = i;
          b.focus();
        }
        return b;
      }
      i = i + 1 === BASES ? 0 : i + 1;
    }
    return undefined;
  }

  /** Makes a state popped recently the one whose successors come next (see `Frontier.focus`). */
  focus(state: MachineState): void {
    this.baseOf(state)?.focus();
  }

  pop(): FrontierItem | undefined {
    if (this.count === 0) return undefined;
    this.count--;
    return this.name === 'bfs' ? this.popFirst() : this.popLast();
  }

  private popFirst(): FrontierItem {
    let c = this.chunks[0]!;
    while (this.head >= c.starts.length) {
      const done = this.chunks.shift()!;
      this.retired.push({ chunk: done, pops: this.pops });
      // A consumed chunk may be written again once every state read from it has had its
      // successors pushed: BASES pops later.
      while (this.retired.length > 0 && this.pops - this.retired[0]!.pops > BASES) {
        const old = this.retired.shift()!.chunk;
        old.starts.length = 0;
        old.used = 0;
        if (this.spares.length < MAX_SPARES && old.words.length >= CHUNK_WORDS) this.spares.push(old);
      }
      this.head = 0;
      c = this.chunks[0]!;
    }
    this.pops++;
    const at = c.starts[this.head++]!;
    return this.read(c.words, at);
  }

  private popLast(): FrontierItem {
    let c = this.chunks[this.chunks.length - 1]!;
    while (c.starts.length === 0) {
      this.chunks.pop();
      c = this.chunks[this.chunks.length - 1]!;
    }
    // Everything above the entry has been popped and expanded; the entry itself stays until
    // its successors are pushed (see `read`), which go after it.
    const at = c.starts.pop()!;
    const item = this.read(c.words, at);
    c.used = this.baseEnd;
    return item;
  }

  /**
   * The entry at `at`, unpacked; its words stay where they are until the next pop, since the
   * successors pushed meanwhile are packed from them.
   */
  private read(w: Int32Array, at: number): FrontierItem {
    const id = w[at]!;
    const depth = w[at + 1]!;
    // Depth-first, the words of the state popped before are written over by the next pushes:
    // one entry, which its state cannot outlive.
    const i = (this.popped = this.popped + 1 === BASES || this.name === 'dfs' ? 0 : this.popped + 1);
    const base = this.bases[i]!;
    this.baseEnd = base.unpack(w, at + 5);
    this.pushing = i;
    const state = base.state!;
    return w[at + 2] === 1 ? { id, state, depth, s1: w[at + 3]!, s2: w[at + 4]! } : { id, state, depth };
  }

  drain(): FrontierItem[] {
    const out: FrontierItem[] = [];
    for (let item = this.pop(); item; item = this.pop()) {
      keepState(item.state);
      out.push(item);
    }
    return out;
  }
}
