// The visited-state set that worker threads share (`--workers N`): fingerprints in an
// open-addressing table over SharedArrayBuffers, claimed lock-free with
// Atomics.compareExchange, and per state an "expanded" flag for the ignoring proviso.
// States are numbered by one shared counter, so a number stays valid when the table grows;
// each thread takes numbers from it in blocks (`claim`), so the counter's cache line is
// written once per block rather than once per new state, by threads on other cores too.
//
// Growing: every SharedArrayBuffer is growable, reserved once at its largest size and grown
// as the search needs it, and the table is a series of levels of doubling size laid end to
// end in it. When the current level is half full, the thread that notices stops the others
// (each parks before its next expansion, or is outside the table), grows the buffers, and
// every entry moves two levels up (four times the slots; the level between is never touched),
// moved by that thread and the parked ones together, a chunk of slots each at a time; then
// they all go on: no buffer has to be handed around, and each thread makes its views of the
// buffers again when it learns of the new level. Growing fourfold moves each state about 1.3
// times over a search rather than twice. Moved by one thread while the others waited, the
// philosophers N=12's three growths on two workers took 237 ms of its 2.6 s (the new level's
// first touch, page fault by page fault, most of it); moved by both, 122 ms.
//
// A buffer allocated at its largest size would cost nothing in resident memory, but the
// kernel would count all of it as committed: 3.3 GB for a search of a few thousand states
// under the default bound of 50 M states, which adds up over the searches a language server
// runs before the collector frees their buffers, until a fork() of that process fails. A
// growable buffer's reserve is not committed.

import { fp } from './store';

/**
 * Control words. The words every thread reads at every expansion (growing) and those written
 * often lie in different cache lines (16 words apart): a write to a line makes every other
 * core read it again from afar.
 */
const Ctl = {
  /** Index of the level in use. */
  level: 0,
  /** While the table is being grown: GROWING, MOVING while its entries move, then CLOSING (else 0). */
  growing: 1,
  /** Threads parked while it grows. */
  parked: 2,
  /** Threads working on the table (inserting), the grower included. */
  inside: 3,
  /** Set when the search is abandoned (a worker died): waiting threads give up. */
  abandoned: 4,
  /** Set when a thread's guard refused a growth (Visited.growthRefused): every thread's search stops. */
  refused: 5,
  /** While entries move: the level they move to, the next chunk to take, the threads in `move`. */
  moveTo: 6,
  moveNext: 7,
  moving: 8,
  /** State numbers handed out, in blocks: at least the number of states stored. */
  claimed: 16,
  /** Then per participant p, in a line of its own, at stored + 16 p: the states it stored. */
  stored: 32,
} as const;

/** State numbers a thread takes at a time. */
const BLOCK = 64;

/**
 * `Ctl.growing`: the table is about to grow (threads park); its entries are moving (parked
 * threads help); every chunk is taken (no thread starts moving any more).
 */
const GROWING = 1;
const MOVING = 2;
const CLOSING = 3;
/** Slots of the level in use that a thread moves at a time while the table grows. */
const MOVE_CHUNK = 4096;

/** A growable SharedArrayBuffer (ES2024, which Node 20 has; the ES2022 library typed here does not say so). */
interface Growable extends SharedArrayBuffer {
  grow(byteLength: number): void;
}

function growable(byteLength: number, maxByteLength: number): SharedArrayBuffer {
  const Ctor = SharedArrayBuffer as unknown as new (n: number, options: { maxByteLength: number }) => SharedArrayBuffer;
  return new Ctor(byteLength, { maxByteLength });
}

function growTo(buffer: SharedArrayBuffer, byteLength: number): void {
  if (buffer.byteLength < byteLength) (buffer as Growable).grow(byteLength);
}

/**
 * State numbers the per-state buffers have room for while `level` is in use: its slots,
 * beyond the half that makes it grow, plus a block per participant (numbers taken before
 * the growth starts), and never more than the bound.
 */
function numbersAt(firstBits: number, level: number, maxStates: number, participants: number): number {
  return Math.min(maxStates + 1, (1 << (firstBits + level)) + BLOCK * participants);
}


export interface SharedStoreBuffers {
  /** The control words (Ctl), and a count of states stored per participant. */
  readonly control: SharedArrayBuffer;
  /**
   * Per slot, three words side by side (a probe reads one cache line, not three): the
   * fingerprint halves and the state number + 1; every level end to end.
   */
  readonly slots: SharedArrayBuffer;
  /** One byte per state number: expanded. */
  readonly expanded: SharedArrayBuffer;
  /** One word per state number: the depth it was stored at. */
  readonly depths: SharedArrayBuffer;
  /** The first level has 2^firstBits slots. */
  readonly firstBits: number;
  readonly levels: number;
  readonly maxStates: number;
  readonly participants: number;
}

export class TableFull extends Error {}

export class SharedStore {
  private readonly ctl: Int32Array;
  // Views of the growable buffers, of their length when made (a view that tracks the length
  // makes every access several times slower): made again with each new level.
  private t!: Int32Array;
  private flags!: Uint8Array;
  private depths!: Int32Array;
  /** See Visited.growthGuard (search.ts): asked by the thread that would grow the table. */
  growthGuard: ((bytes: number) => boolean) | undefined = undefined;
  private level = -1;
  private base = 0;
  private mask = 0;
  private limit = 0;
  /** This thread's block of state numbers: the next to give, and the end. */
  private next = 0;
  private end = 0;
  /** Where this thread counts the states it stored. */
  private readonly mine: number;

  /**
   * New buffers for `participants` threads and at most `maxStates` states (with room for
   * the numbers left unused at the end of each thread's last block).
   */
  static allocate(maxStates: number, participants = 1): SharedStoreBuffers {
    // A small bound starts small; the last level holds maxStates at half load.
    const firstBits = Math.max(10, Math.min(16, Math.ceil(Math.log2(maxStates)) - 6));
    let levels = 1;
    while ((1 << (firstBits + levels - 1)) < 2 * maxStates && firstBits + levels < 30) levels++;
    const slots = levelStart(firstBits, levels);
    const numbers = numbersAt(firstBits, 0, maxStates, participants);
    return {
      control: new SharedArrayBuffer((Ctl.stored + 16 * participants) * 4),
      slots: growable(levelStart(firstBits, 1) * 12, slots * 12),
      expanded: growable(numbers, maxStates + 1),
      depths: growable(numbers * 4, (maxStates + 1) * 4),
      firstBits,
      levels,
      maxStates,
      participants,
    };
  }

  /** The table as participant `participant` (0 ≤ it < buffers.participants) uses it. */
  constructor(readonly buffers: SharedStoreBuffers, participant = 0) {
    if (!(participant >= 0 && participant < buffers.participants)) throw new RangeError(`participant ${participant} of ${buffers.participants}`);
    this.mine = Ctl.stored + 16 * participant;
    this.ctl = new Int32Array(buffers.control);
    this.useLevel();
  }

  /** States stored, by every participant. */
  get size(): number {
    let n = 0;
    for (let p = 0; p < this.buffers.participants; p++) n += Atomics.load(this.ctl, Ctl.stored + 16 * p);
    return n;
  }

  /**
   * Whether at least `n` states are stored. Read after every expansion: the numbers handed
   * out, which change once per block, are read first, and the counts only when they reach n.
   */
  reached(n: number): boolean {
    return Atomics.load(this.ctl, Ctl.claimed) >= n && this.size >= n;
  }

  /** Bytes of the table levels in use so far and, per state, its flag and depth. */
  get bytes(): number {
    return levelStart(this.buffers.firstBits, Atomics.load(this.ctl, Ctl.level) + 1) * 12 + this.size * 5;
  }

  /**
   * This thread starts inserting (call before the first insert after being idle). The table
   * may have grown while it was outside, with no need to stop it: it takes the level in use.
   */
  enter(): void {
    Atomics.add(this.ctl, Ctl.inside, 1);
    if (Atomics.load(this.ctl, Ctl.growing) !== 0) this.park();
    else this.useLevel();
  }

  /** This thread stops inserting for a while (idle, or finished). */
  leave(): void {
    Atomics.sub(this.ctl, Ctl.inside, 1);
    Atomics.notify(this.ctl, Ctl.parked);
  }

  abandon(): void {
    Atomics.store(this.ctl, Ctl.abandoned, 1);
    Atomics.notify(this.ctl, Ctl.growing);
    Atomics.notify(this.ctl, Ctl.parked);
  }

  /**
   * A point between expansions: while another thread grows the table, this one waits here
   * (`park`). Threads inside the table call it before each expansion's insertions, so an
   * insertion never meets a move: checked once per expansion rather than per insertion, the
   * flag costs one atomic read per state expanded instead of one per transition.
   */
  pause(): void {
    if (Atomics.load(this.ctl, Ctl.growing) !== 0) this.park();
  }

  /**
   * Looks up the fingerprint in `fp` (store.ts); when it is new, stores it. Returns the
   * state's number, or -(number + 1) when it was already there. The parent and move are not
   * kept: traces come from a one-worker search (see parallel.ts). Only between two `pause`
   * calls: the table does not grow under it.
   *
   * The slots are read with plain reads (an atomic read is a call, about 15 ns each, three
   * per lookup): a slot's words are written once each, so a plain read sees either 0 or the
   * final value, and a 0 is settled by claiming with compareExchange or by waiting with
   * atomic reads for the claim in progress to complete.
   */
  insert(_parent: number, _move: number, depth: number): number {
    // 0 marks an empty slot and a claim not yet completed, so neither half may be 0.
    const a = fp.h1 | 0 || 1;
    const b = fp.h2 | 0 || 1;
    const t = this.t;
    const mask = this.mask;
    const base = this.base;
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      const i = (base + slot) * 3;
      let cur = t[i]!;
      if (cur === 0) {
        cur = Atomics.compareExchange(t, i, 0, a);
        if (cur === 0) return this.claim(i, b, depth);
      }
      if (cur === a) {
        let other = t[i + 1]!;
        // Another thread claimed the slot and is about to complete it.
        if (other === 0) other = this.settled(i + 1);
        if (other === b) {
          let id = t[i + 2]!;
          if (id === 0) id = this.settled(i + 2);
          return -id;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Word `i` of the table once the claim writing it has completed (nonzero). */
  private settled(i: number): number {
    let v = Atomics.load(this.t, i);
    while (v === 0) v = Atomics.load(this.t, i);
    return v;
  }

  /** The word `insert` reads first for the fingerprint in `fp` (a read ahead of the lookup; no atomics). */
  touch(): number {
    const a = fp.h1 | 0 || 1;
    const b = fp.h2 | 0 || 1;
    return this.t[(this.base + ((a ^ Math.imul(b, 0x9e3779b1)) & this.mask)) * 3]!;
  }

  private claim(i: number, b: number, depth: number): number {
    let grow = false;
    if (this.next === this.end) {
      const first = Atomics.add(this.ctl, Ctl.claimed, BLOCK);
      this.next = first;
      this.end = Math.min(first + BLOCK, this.buffers.maxStates);
      // The table grows by the numbers handed out, a little ahead of the states stored.
      grow = first + BLOCK >= this.limit;
    }
    const id = this.next++;
    if (id >= this.buffers.maxStates) throw new TableFull(`the shared state table holds at most ${this.buffers.maxStates} states`);
    // Before the number is published (an atomic store): whoever finds the number finds the depth.
    this.depths[id] = depth;
    Atomics.store(this.t, i + 2, id + 1);
    Atomics.store(this.t, i + 1, b);
    // Only this thread writes its count, so a plain write (the others' atomic reads see it
    // soon, and whole: an aligned word does not tear).
    this.ctl[this.mine] = this.ctl[this.mine]! + 1;
    if (grow) this.grow();
    return id;
  }

  /**
   * Breadth-first, the ignoring proviso's order (Search.follow): by the depth each state was
   * stored at, then by number.
   */
  after(t: number, s: number, depth: number): boolean {
    const d = this.depths[t]!;
    return d > depth || (d === depth && t > s);
  }

  /**
   * The expanded flags, for the ignoring proviso of a depth-first or random search (a
   * breadth-first one orders states by number, Search.follow). Set with an atomic store:
   * of two threads that each set their state's flag and then read the other's, one must
   * see the other's set, which a plain store, left in its core's store buffer, does not
   * ensure (then both could reduce around one cycle). Read plainly: an atomic read is a
   * call of about 15 ns, and on x86 the same instruction as a plain one.
   */
  expanded(id: number): boolean {
    return this.flags[id] === 1;
  }

  setExpanded(id: number): void {
    Atomics.store(this.flags, id, 1);
  }

  private useLevel(): void {
    const level = Atomics.load(this.ctl, Ctl.level);
    if (level === this.level) return;
    this.level = level;
    this.views();
    this.base = levelStart(this.buffers.firstBits, level);
    const slots = 1 << (this.buffers.firstBits + level);
    this.mask = slots - 1;
    this.limit = level + 1 < this.buffers.levels ? slots >>> 1 : Math.floor(slots * 0.9);
  }

  /** Waits while the table grows, moving entries with the thread that grows it once they move. */
  private park(): void {
    const ctl = this.ctl;
    Atomics.add(ctl, Ctl.parked, 1);
    Atomics.notify(ctl, Ctl.parked);
    for (;;) {
      const growing = Atomics.load(ctl, Ctl.growing);
      if (growing === 0 || Atomics.load(ctl, Ctl.abandoned) !== 0) break;
      if (growing === MOVING) this.move();
      Atomics.wait(ctl, Ctl.growing, growing, 50);
    }
    Atomics.sub(ctl, Ctl.parked, 1);
    this.useLevel();
  }

  /** Views of the buffers as they are now (they grow only while every other thread waits, or is outside). */
  private views(): void {
    const b = this.buffers;
    this.t = new Int32Array(b.slots, 0, b.slots.byteLength >> 2);
    this.flags = new Uint8Array(b.expanded, 0, b.expanded.byteLength);
    this.depths = new Int32Array(b.depths, 0, b.depths.byteLength >> 2);
  }

  get growthRefused(): boolean {
    return Atomics.load(this.ctl, Ctl.refused) !== 0;
  }

  /**
   * Stops the other threads, moves the table to the next level, lets them go on. Once a guard
   * refused a growth, each thread fills the level in use up to nine tenths instead (as the
   * last level), while the searches stop, and the table grows all the same if it gets there.
   */
  private grow(): void {
    const ctl = this.ctl;
    if (this.level + 1 >= this.buffers.levels) return;
    const full = Math.floor((this.mask + 1) * 0.9);
    if (Atomics.load(ctl, Ctl.refused) !== 0 && this.limit < full) {
      this.limit = full;
      return;
    }
    if (Atomics.compareExchange(ctl, Ctl.growing, 0, GROWING) !== 0) {
      this.park();
      return;
    }
    for (;;) {
      const parked = Atomics.load(ctl, Ctl.parked);
      if (parked >= Atomics.load(ctl, Ctl.inside) - 1 || Atomics.load(ctl, Ctl.abandoned) !== 0) break;
      Atomics.wait(ctl, Ctl.parked, parked, 50);
    }
    if (Atomics.load(ctl, Ctl.level) === this.level) {
      const next = Math.min(this.level + 2, this.buffers.levels - 1);
      if (Atomics.load(ctl, Ctl.refused) === 0 && this.growthGuard !== undefined && !this.growthGuard(this.growthBytes(next))) {
        Atomics.store(ctl, Ctl.refused, 1);
        this.limit = full;
      } else this.rehash(next);
    }
    Atomics.store(ctl, Ctl.growing, 0);
    Atomics.notify(ctl, Ctl.growing);
    this.useLevel();
  }

  /** The bytes moving to level `next` touches: its slots, and the per-state words of the numbers it adds. */
  private growthBytes(next: number): number {
    const b = this.buffers;
    const numbers = numbersAt(b.firstBits, next, b.maxStates, b.participants);
    return (1 << (b.firstBits + next)) * 12 + Math.max(0, numbers - b.expanded.byteLength) * 5;
  }

  /**
   * Moves every entry of the level in use to level `next`, and makes that the level in use.
   * The threads parked meanwhile move entries too, a chunk of slots at a time (`move`), so
   * the others do not wait idle while one thread moves them all (and takes the page faults
   * of the new level's first touch alone: about a tenth of the philosophers N=12's time on
   * two workers).
   */
  private rehash(next: number): void {
    const b = this.buffers;
    const ctl = this.ctl;
    growTo(b.slots, levelStart(b.firstBits, next + 1) * 12);
    const numbers = numbersAt(b.firstBits, next, b.maxStates, b.participants);
    growTo(b.expanded, numbers);
    growTo(b.depths, numbers * 4);
    Atomics.store(ctl, Ctl.moveTo, next);
    Atomics.store(ctl, Ctl.moveNext, 0);
    Atomics.store(ctl, Ctl.growing, MOVING);
    Atomics.notify(ctl, Ctl.growing);
    this.move();
    // Every chunk is taken. Closed, no thread starts moving; once none is moving (their chunks
    // are moved), none is left that could take a chunk of the next growth with this one's view.
    Atomics.store(ctl, Ctl.growing, CLOSING);
    for (let m = Atomics.load(ctl, Ctl.moving); m > 0 && Atomics.load(ctl, Ctl.abandoned) === 0; m = Atomics.load(ctl, Ctl.moving)) {
      Atomics.wait(ctl, Ctl.moving, m, 50);
    }
    Atomics.store(ctl, Ctl.level, next);
  }

  /**
   * Moves chunks of the level in use to the level being grown to (`Ctl.moveTo`) until none is
   * left. Threads moving at once claim slots of the new level with compareExchange, as
   * `insert` does; nothing reads the table until every chunk is moved. A thread counts itself
   * in `Ctl.moving` before it looks whether entries still move: then either it sees them
   * move and the growing thread waits for it, or it sees them no longer move and leaves.
   */
  private move(): void {
    const ctl = this.ctl;
    const b = this.buffers;
    Atomics.add(ctl, Ctl.moving, 1);
    if (Atomics.load(ctl, Ctl.growing) !== MOVING) {
      Atomics.sub(ctl, Ctl.moving, 1);
      Atomics.notify(ctl, Ctl.moving);
      return;
    }
    this.views();
    const level = Atomics.load(ctl, Ctl.level);
    const next = Atomics.load(ctl, Ctl.moveTo);
    const n = 1 << (b.firstBits + level);
    const from = levelStart(b.firstBits, level);
    const to = levelStart(b.firstBits, next);
    const mask = (1 << (b.firstBits + next)) - 1;
    const chunks = Math.ceil(n / MOVE_CHUNK);
    const t = this.t;
    for (let c = Atomics.add(ctl, Ctl.moveNext, 1); c < chunks; c = Atomics.add(ctl, Ctl.moveNext, 1)) {
      for (let i = (from + c * MOVE_CHUNK) * 3, end = (from + Math.min(n, (c + 1) * MOVE_CHUNK)) * 3; i < end; i += 3) {
        const a = t[i]!;
        if (a === 0) continue;
        const h2 = t[i + 1]!;
        let slot = (a ^ Math.imul(h2, 0x9e3779b1)) & mask;
        while (t[(to + slot) * 3] !== 0 || Atomics.compareExchange(t, (to + slot) * 3, 0, a) !== 0) slot = (slot + 1) & mask;
        const j = (to + slot) * 3;
        t[j + 1] = h2;
        t[j + 2] = t[i + 2]!;
      }
    }
    Atomics.sub(ctl, Ctl.moving, 1);
    Atomics.notify(ctl, Ctl.moving);
  }
}

/** First slot of a level: levels 0, 1, … have 2^firstBits, 2^(firstBits + 1), … slots. */
function levelStart(firstBits: number, level: number): number {
  return (1 << firstBits) * ((1 << level) - 1);
}
