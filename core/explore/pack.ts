// States as flat words, for the frontier and for handing states between worker threads. A
// waiting state held as objects costs the garbage collector on every pass and hundreds of
// bytes; packed, it is a few dozen words in a large typed array the collector never scans.
//
// Two forms: the local form names each actor's state by its number in an intern table (the
// same actor state recurs in many global states, so it is stored once and, being one
// object, keeps every per-actor cache keyed by it warm); the portable form spells every
// actor out, so another thread, with its own intern table, can read it.
//
// Layout of both: [memLength, mem…, objectCount, objects…, actorCount, actors…], where an
// actor is one intern number (local) or its words (portable, see `encodeActor`). Memory is
// mostly zeros (per-actor words, fd and callback tables of actors that use none), so it is
// written sparse: per block of 32 words, a bitmask of the nonzero ones, then their values.

import type { LazyStepOk } from '../model/machine';
import type { Span } from '../syntax/ast';
import type { ActorState, ActorStatus, Frame, HeldLock, MachineState } from '../model/types';

/** A growable scratch buffer of words. */
export class Words {
  data = new Int32Array(256);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }

  reserve(n: number): void {
    if (this.length + n > this.data.length) this.grow(this.length + n);
  }

  private grow(min: number): void {
    const next = new Int32Array(Math.max(min, this.data.length * 2));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

/**
 * An actor's state as words: status, preemptOff, rcuDepth, the held locks (address, class,
 * mode and lockdep subclass, acquisition site, irq) and the frames (code, pc, result slot, call site, locals).
 */
export function encodeActor(a: ActorState, out: Words): void {
  const held = a.held;
  const frames = a.frames;
  let n = 5 + held.length * 6;
  for (let i = 0; i < frames.length; i++) n += 5 + frames[i]!.locals.length;
  out.reserve(n);
  const d = out.data;
  let k = out.length;
  d[k++] = a.status;
  d[k++] = a.preemptOff;
  d[k++] = a.rcuDepth;
  d[k++] = held.length;
  for (let i = 0; i < held.length; i++) {
    const h = held[i]!;
    d[k++] = h.addr;
    d[k++] = h.cls;
    d[k++] = (h.mode === 'read' ? 1 : 0) | ((h.subclass ?? 0) << 1);
    d[k++] = h.site.start;
    d[k++] = h.site.end;
    d[k++] = h.irq ? 1 : 0;
  }
  d[k++] = frames.length;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    d[k++] = f.code;
    d[k++] = f.pc;
    d[k++] = f.resultSlot;
    d[k++] = f.callSite;
    const locals = f.locals;
    d[k++] = locals.length;
    for (let j = 0; j < locals.length; j++) d[k++] = locals[j]!;
  }
  out.length = k;
}

/** Spans recreated from words, one object per distinct span. */
const spans = new Map<number, Span>();

function spanOf(start: number, end: number): Span {
  const key = start * 0x100000 + (end - start);
  let s = spans.get(key);
  if (!s) spans.set(key, (s = { start, end }));
  return s;
}

/** Reads an actor written by `encodeActor` at `at`; returns it and the index after it. */
export function decodeActor(w: Int32Array, at: number): { actor: ActorState; next: number } {
  let k = at;
  const status = w[k++]! as ActorStatus;
  const preemptOff = w[k++]!;
  const rcuDepth = w[k++]!;
  const nHeld = w[k++]!;
  const held: HeldLock[] = [];
  for (let i = 0; i < nHeld; i++) {
    const addr = w[k++]!;
    const cls = w[k++]!;
    const modeWord = w[k++]!;
    const mode = (modeWord & 1) === 1 ? 'read' : 'write';
    const subclass = modeWord >> 1;
    const start = w[k++]!;
    const end = w[k++]!;
    const site = spanOf(start, end);
    const irq = w[k++] === 1;
    // Built as the machine builds a held lock (machine.ts, `acquire`), so that the two have
    // one hidden class: code V8 optimised for the machine's goes on for these.
    held.push(subclass ? { addr, cls, mode, site, irq, subclass } : { addr, cls, mode, site, irq });
  }
  const nFrames = w[k++]!;
  const frames: Frame[] = [];
  for (let i = 0; i < nFrames; i++) {
    const code = w[k++]!;
    const pc = w[k++]!;
    const resultSlot = w[k++]!;
    const callSite = w[k++]!;
    const n = w[k++]!;
    frames.push({ code, pc, resultSlot, callSite, locals: w.slice(k, k + n) });
    k += n;
  }
  return { actor: { status, frames, held, preemptOff, rcuDepth }, next: k };
}

function hashWords(w: Int32Array, from: number, to: number): number {
  let h = 0x811c9dc5 ^ (to - from);
  for (let i = from; i < to; i++) h = Math.imul(h ^ w[i]!, 0x01000193);
  return h >>> 0;
}

/**
 * Actor states numbered by content: equal states get one number and one object. The table
 * grows with the distinct actor states met, which are few next to the global states.
 */
export class ActorIntern {
  private readonly objects: ActorState[] = [];
  private readonly words: Int32Array[] = [];
  private readonly buckets = new Map<number, number | number[]>();
  /** The number last given to each object, so an interned object is found without encoding. */
  private readonly known = new WeakMap<ActorState, number>();
  private readonly scratch = new Words();
  /** Per actor slot: the object last packed or unpacked there, and its number (of an equal object's, if not interned). */
  private readonly recent: (ActorState | undefined)[] = [];
  private recentIds = new Int32Array(32);
  /** Where the actor numbers of the state last unpacked by a frontier are (`unpackedAt`). */
  private baseWords: Int32Array = new Int32Array(0);
  private baseAt = 0;
  private baseCount = 0;

  get size(): number {
    return this.objects.length;
  }

  idOf(a: ActorState): number {
    const k = this.known.get(a);
    if (k !== undefined) return k;
    const sc = this.scratch;
    sc.length = 0;
    encodeActor(a, sc);
    const n = sc.length;
    const h = hashWords(sc.data, 0, n);
    const b = this.buckets.get(h);
    // An object equal to an interned one is not remembered: the frontier hands out the
    // interned one instead, and weak entries for short-lived objects cost the collector.
    if (typeof b === 'number') {
      if (sameWords(this.words[b]!, sc.data, n)) return b;
    } else if (b !== undefined) {
      for (let i = 0; i < b.length; i++) if (sameWords(this.words[b[i]!]!, sc.data, n)) return b[i]!;
    }
    const id = this.objects.length;
    this.objects.push(a);
    this.words.push(sc.data.slice(0, n));
    this.known.set(a, id);
    if (b === undefined) this.buckets.set(h, id);
    else if (typeof b === 'number') this.buckets.set(h, [b, id]);
    else b.push(id);
    return id;
  }

  /**
   * `idOf` for the actor in `slot` of a state, remembering the last object seen in each slot:
   * a search packs the successors of the state it last unpacked, which share all their
   * actors but the one that moved, and the step memo hands out the same object for the
   * same step from one state to the next.
   */
  idAt(slot: number, a: ActorState): number {
    if (this.recent[slot] === a) return this.recentIds[slot]!;
    let id = this.baseId(slot, a);
    if (id < 0) id = this.idOf(a);
    this.remember(slot, a, id);
    return id;
  }

  /** The number of `a` when it is the object last seen in `slot`, else -1 (no lookup). */
  recentId(slot: number, a: ActorState): number {
    if (this.recent[slot] === a) return this.recentIds[slot]!;
    return this.baseId(slot, a);
  }

  /**
   * Notes the actor numbers of the state a frontier unpacked last, `count` of them at
   * `words[at…]` (PackedBase), instead of remembering each in its slot: they stay there
   * while its successors are packed.
   */
  unpackedAt(words: Int32Array, at: number, count: number): void {
    this.baseWords = words;
    this.baseAt = at;
    this.baseCount = count;
  }

  /** The number of `a` when it is the object in `slot` of the state noted by `unpackedAt`, else -1. */
  private baseId(slot: number, a: ActorState): number {
    if (slot >= this.baseCount) return -1;
    const id = this.baseWords[this.baseAt + slot]!;
    return this.objects[id] === a ? id : -1;
  }

  /** Notes that `slot` holds actor state `a`, numbered `id`. */
  private remember(slot: number, a: ActorState, id: number): void {
    if (slot >= this.recentIds.length) {
      const next = new Int32Array(Math.max(slot + 1, this.recentIds.length * 2));
      next.set(this.recentIds);
      this.recentIds = next;
    }
    this.recent[slot] = a;
    this.recentIds[slot] = id;
  }

  /** The interned actor `id`, unpacked into `slot` of a state (see `idAt`). */
  actorAt(slot: number, id: number): ActorState {
    const a = this.objects[id]!;
    if (this.recent[slot] !== a) this.remember(slot, a, id);
    return a;
  }

  actor(id: number): ActorState {
    return this.objects[id]!;
  }
}

function sameWords(a: Int32Array, b: Int32Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A state a packed frontier popped, read in place from the frontier's words (its PackedBase)
 * until its memory is read whole (`mem`): nothing is copied when it is popped.
 * Most states the search expands move only by steps the step memo gives (memo.ts), which
 * read the few words their keys hold (`memWord`), and their successors are packed from the
 * frontier's words (PackedBase.packStep): their memory is then never unpacked.
 * The words stay in place until the frontier unpacks another state into the same base
 * (packed.ts: BASES pops later breadth-first, at the next pop depth-first): a state kept
 * longer must be `keep`-ed before then. Reading one that was not is an internal error,
 * never a wrong value.
 */
export class PackedState implements MachineState {
  private unpacked: number[] | undefined = undefined;
  /** The actors' intern numbers, once `keep` copied them out of the frontier's words. */
  private ids: number[] | undefined = undefined;

  constructor(private readonly base: PackedBase, private readonly pop: number, readonly memLength: number, readonly objects: readonly number[], readonly actors: readonly ActorState[]) {}

  get mem(): readonly number[] {
    return (this.unpacked ??= this.base.memory(this.pop));
  }

  /** The intern number of the state of `actor` (ActorIntern). */
  actorId(actor: number): number {
    const ids = this.ids;
    return ids !== undefined ? ids[actor]! : this.base.actorId(this.pop, actor);
  }

  /** Copies what the state reads of the frontier's words, so that it may be read after they are reused. */
  keep(): void {
    this.unpacked ??= this.base.memory(this.pop);
    this.ids ??= Array.from(this.actors, (_, a) => this.base.actorId(this.pop, a));
  }

  /**
   * The words at the `n` addresses at `at` of `addrs` into `out`, without unpacking the rest
   * (the step memo reads its keys so); false when one lies past the end of `mem`.
   */
  words(addrs: Int32Array, at: number, n: number, out: Int32Array): boolean {
    const u = this.unpacked;
    if (u === undefined) return this.base.wordsAt(this.pop, this.memLength, addrs, at, n, out);
    for (let i = 0; i < n; i++) {
      const addr = addrs[at + i]!;
      if (addr >= u.length) return false;
      out[i] = u[addr]!;
    }
    return true;
  }

  /** `mem[addr]` (NaN past the end, where `mem` has no word), without unpacking the rest. */
  word(addr: number): number {
    const u = this.unpacked;
    if (u !== undefined) return u[addr]!;
    if (addr >= this.memLength) return NaN;
    return this.base.word(this.pop, addr);
  }
}

/** `keep` for a state a frontier may have popped. */
export function keepState(state: MachineState): void {
  if (state instanceof PackedState) state.keep();
}

/**
 * Word `addr` of packed memory: `blockAt[addr >> 5]` is where its block of 32 words starts
 * in `w`, a mask of the nonzero words, then those words in order.
 */
function packedWord(w: Int32Array, blockAt: Int32Array, addr: number): number {
  const k = blockAt[addr >>> 5]!;
  const mask = w[k]!;
  const bit = 1 << (addr & 31);
  return (mask & bit) === 0 ? 0 : w[k + 1 + popcount(mask & (bit - 1))]!;
}

function stale(): never {
  throw new Error('internal error: a popped state read after the frontier reused its words');
}

/** A word of a state's memory (see PackedState.word). */
export function memWord(state: MachineState, addr: number): number {
  return state instanceof PackedState ? state.word(addr) : state.mem[addr]!;
}

/** How many words of memory a state has, without unpacking it. */
export function memLength(state: MachineState): number {
  return state instanceof PackedState ? state.memLength : state.mem.length;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** The most words `packMemory` writes for `m` words of memory. */
function memoryBound(m: number): number {
  return 1 + m + ((m + 31) >>> 5);
}

/** Writes `mem[0..m)` sparse (see the header) at `at`; returns the index after it. */
function packMemory(mem: readonly number[], m: number, d: Int32Array, at: number): number {
  let k = at;
  d[k++] = m;
  for (let base = 0; base < m; base += 32) {
    const maskAt = k++;
    let mask = 0;
    const end = Math.min(m, base + 32);
    for (let i = base; i < end; i++) {
      const v = mem[i]!;
      if (v === 0) continue;
      mask |= 1 << (i - base);
      d[k++] = v;
    }
    d[maskAt] = mask;
  }
  return k;
}

function packShared(state: MachineState, out: Words): void {
  const objects = state.objects;
  out.reserve(memoryBound(state.mem.length) + objects.length + 2);
  const d = out.data;
  let k = packMemory(state.mem, state.mem.length, d, out.length);
  d[k++] = objects.length;
  for (let i = 0; i < objects.length; i++) d[k++] = objects[i]!;
  d[k++] = state.actors.length;
  out.length = k;
}

/** Zeros, as long as the longest memory unpacked so far. */
const zeros: number[] = [];

/** Room for the block starts of a memory of `m` words, `starts` if it has it. */
function startsFor(starts: Int32Array, m: number): Int32Array {
  const blocks = (m + 31) >>> 5;
  return starts.length > blocks ? starts : new Int32Array(2 * blocks + 2);
}

/**
 * Reads memory written by `packMemory` at `at`, noting where each block starts in `starts`
 * (`startsFor`) and, after the last, where the memory ends.
 */
function unpackMemory(w: Int32Array, at: number, starts: Int32Array): number[] {
  let k = at;
  const m = w[k++]!;
  // A copy of a packed array of zeros, then written: V8 keeps it packed (no holes), the
  // faster kind, without growing it push by push.
  while (zeros.length < m) zeros.push(0);
  const mem = zeros.length === m ? zeros.slice() : zeros.slice(0, m);
  let b = 0;
  for (let base = 0; base < m; base += 32) {
    starts[b++] = k;
    for (let mask = w[k++]!; mask !== 0; mask &= mask - 1) mem[base + 31 - Math.clz32(mask & -mask)] = w[k++]!;
  }
  starts[b] = k;
  return mem;
}

let sharedStarts: Int32Array = new Int32Array(8);

function unpackShared(w: Int32Array, at: number): { mem: number[]; objects: number[]; actorCount: number; next: number } {
  const starts = (sharedStarts = startsFor(sharedStarts, w[at]!));
  const mem = unpackMemory(w, at, starts);
  let k = starts[(w[at]! + 31) >>> 5]!;
  const no = w[k++]!;
  const objects: number[] = [];
  for (let i = 0; i < no; i++) objects.push(w[k++]!);
  const actorCount = w[k++]!;
  return { mem, objects, actorCount, next: k };
}

/** The most words the local form of `state` takes. */
export function localLength(state: MachineState): number {
  return memoryBound(memLength(state)) + state.objects.length + state.actors.length + 2;
}

/** Writes the local form of `state` (actors by intern number) at `at`; returns the index after it. */
export function packLocal(state: MachineState, intern: ActorIntern, d: Int32Array, at: number): number {
  const mem = state.mem;
  const objects = state.objects;
  const actors = state.actors;
  let k = packMemory(mem, mem.length, d, at);
  d[k++] = objects.length;
  for (let i = 0; i < objects.length; i++) d[k++] = objects[i]!;
  d[k++] = actors.length;
  for (let i = 0; i < actors.length; i++) d[k++] = intern.idAt(i, actors[i]!);
  return k;
}

/** The memory `packLocalStep` writes from: a base state's, with a step's words written over it. */
let stepMemory: number[] = [];

/**
 * `packLocal` of the state a step reached, from its base state and the words it wrote
 * (machine.ts, LazyStepOk), without building it.
 */
export function packLocalStep(r: LazyStepOk, intern: ActorIntern, d: Int32Array, at: number): number {
  const base = r.base;
  const from = base.mem;
  const m = from.length;
  if (stepMemory.length < m) stepMemory = from.slice();
  const mem = stepMemory;
  for (let i = 0; i < m; i++) mem[i] = from[i]!;
  const w = r.written;
  for (let i = 0; i < w.length; i += 2) mem[w[i]!] = w[i + 1]!;
  let k = packMemory(mem, m, d, at);
  const objects = base.objects;
  d[k++] = objects.length;
  for (let i = 0; i < objects.length; i++) d[k++] = objects[i]!;
  const actors = base.actors;
  d[k++] = actors.length;
  for (let i = 0; i < actors.length; i++) d[k++] = intern.idAt(i, i === r.actor ? r.actorState : actors[i]!);
  return k;
}

export function unpackLocal(w: Int32Array, at: number, intern: ActorIntern): { state: MachineState; next: number } {
  const { mem, objects, actorCount: n, next } = unpackShared(w, at);
  let k = next;
  const actors: ActorState[] = new Array<ActorState>(n);
  for (let i = 0; i < n; i++) actors[i] = intern.actorAt(i, w[k++]!);
  return { state: { mem, objects, actors }, next: k };
}

/** The object list of states with no heap object: one array, never written (steps copy it to add one). */
const NO_OBJECTS: readonly number[] = [];

/**
 * The state a search expands, and where its local form lies: its successors by lazy steps
 * are packed from those words, each memory block the step left alone copied as it is and
 * only the blocks holding a word it wrote encoded again, and every actor but the one that
 * moved copied by number. The words are not copied: whoever unpacks must leave them in
 * place until the next `unpack`.
 */
export class PackedBase {
  /** The state last unpacked by `unpack`; `packStep` takes steps from it. */
  state: MachineState | undefined;
  private words: Int32Array = new Int32Array(0);
  /** Where each memory block starts in `words` (its mask), then where the object count is. */
  private blockAt: Int32Array = new Int32Array(8);
  private blocks = 0;
  /** Where the actor numbers start in `words`, and where they end. */
  private actorsAt = 0;
  private end = 0;
  private actorCount = 0;
  /** Where the last state unpacked starts in `words`. */
  private start = 0;
  /** How many states this entry unpacked: a PackedState reads its words only while it is the last. */
  private pops = 0;
  /** The bits of a block a step wrote, and their values at their bits' places. */
  private readonly written: number[] = new Array<number>(32).fill(0);

  constructor(private readonly intern: ActorIntern) {}

  /**
   * `unpackLocal`, keeping where the state's words are for `packStep`; returns the index
   * after them. The frontier leaves them in place until the state's successors are pushed.
   */
  unpack(w: Int32Array, at: number): number {
    this.start = at;
    const m = w[at]!;
    const blocks = (m + 31) >>> 5;
    const blockAt = (this.blockAt = startsFor(this.blockAt, m));
    let k = at + 1;
    for (let b = 0; b < blocks; b++) {
      blockAt[b] = k;
      k += 1 + popcount(w[k]!);
    }
    blockAt[blocks] = k;
    const no = w[k++]!;
    let objects = NO_OBJECTS;
    if (no > 0) {
      const list = new Array<number>(no);
      for (let i = 0; i < no; i++) list[i] = w[k++]!;
      objects = list;
    }
    const n = w[k++]!;
    this.actorsAt = k;
    this.actorCount = n;
    const actors = new Array<ActorState>(n);
    const intern = this.intern;
    intern.unpackedAt(w, k, n);
    for (let i = 0; i < n; i++) actors[i] = intern.actor(w[k++]!);
    this.words = w;
    this.blocks = blocks;
    this.end = k;
    this.pops++;
    this.state = new PackedState(this, this.pops, m, objects, actors);
    return k;
  }

  /** How many words the last state unpacked takes. */
  get size(): number {
    return this.end - this.start;
  }

  /** Word `addr` (below the memory's length) of the state of pop `pop`, the last unpacked. */
  word(pop: number, addr: number): number {
    if (pop !== this.pops) stale();
    return packedWord(this.words, this.blockAt, addr);
  }

  /** `PackedState.words` of the state of pop `pop`, the last unpacked, whose memory has `m` words. */
  wordsAt(pop: number, m: number, addrs: Int32Array, at: number, n: number, out: Int32Array): boolean {
    if (pop !== this.pops) stale();
    const w = this.words;
    const blockAt = this.blockAt;
    for (let i = 0; i < n; i++) {
      const addr = addrs[at + i]!;
      if (addr >= m) return false;
      out[i] = packedWord(w, blockAt, addr);
    }
    return true;
  }

  /** The intern number of `actor`'s state in the state of pop `pop`, the last unpacked. */
  actorId(pop: number, actor: number): number {
    if (pop !== this.pops) stale();
    return this.words[this.actorsAt + actor]!;
  }

  /** The whole memory of the state of pop `pop`, the last unpacked. */
  memory(pop: number): number[] {
    if (pop !== this.pops) stale();
    return unpackMemory(this.words, this.blockAt[0]! - 1, this.blockAt);
  }

  /** Tells the intern where this state's actor numbers are (ActorIntern.unpackedAt): its successors are packed next. */
  focus(): void {
    this.intern.unpackedAt(this.words, this.actorsAt, this.actorCount);
  }

  /**
   * `packLocal` of the state step `r` reached from `state` (its base must be `state`), at
   * `at` of `d`; returns the index after it.
   */
  packStep(r: LazyStepOk, d: Int32Array, at: number): number {
    const m = memLength(r.base);
    const step = r.written;
    const words = this.words;
    const blockAt = this.blockAt;
    const blocks = this.blocks;
    let k = at;
    d[k++] = m;
    let from = 0;
    for (let i = 0; i < step.length; i += 2) {
      const addr = step[i]!;
      // A word past the base's memory has no block here to replace.
      if (addr >= m) return packLocal(r.state, this.intern, d, at);
    }
    // Blocks in order; each holding a written word is merged with the step's words in it.
    while (from < blocks) {
      let b = blocks;
      for (let i = 0; i < step.length; i += 2) {
        const x = step[i]! >>> 5;
        if (x >= from && x < b) b = x;
      }
      for (let i = blockAt[from]!, to = blockAt[b]!; i < to; i++) d[k++] = words[i]!;
      if (b === blocks) break;
      k = this.mergeBlock(b, step, d, k);
      from = b + 1;
    }
    const objectsAt = blockAt[blocks]!;
    const actorsAt = k + (this.actorsAt - objectsAt);
    for (let i = objectsAt, to = this.end; i < to; i++) d[k++] = words[i]!;
    // A step the memo gave again knows its actor's number (StepHash.actorId).
    const learnt = r.effect.learnt;
    d[actorsAt + r.actor] = learnt !== undefined && learnt.actorId >= 0 ? learnt.actorId : this.intern.idAt(r.actor, r.actorState);
    return k;
  }

  /** Writes block `b` of the base with the step's words in it over it, at `k`; returns the index after it. */
  private mergeBlock(b: number, step: readonly number[], d: Int32Array, k: number): number {
    const base = b << 5;
    const values = this.written;
    let wrote = 0;
    for (let i = 0; i < step.length; i += 2) {
      const j = step[i]! - base;
      if (j < 0 || j >= 32) continue;
      wrote |= 1 << j;
      values[j] = step[i + 1]!;
    }
    const words = this.words;
    let src = this.blockAt[b]!;
    const had = words[src++]!;
    const maskAt = k++;
    let mask = 0;
    for (let bits = had | wrote; bits !== 0; bits &= bits - 1) {
      const bit = bits & -bits;
      let v = (had & bit) !== 0 ? words[src++]! : 0;
      if ((wrote & bit) !== 0) v = values[31 - Math.clz32(bit)]!;
      if (v === 0) continue;
      mask |= bit;
      d[k++] = v;
    }
    d[maskAt] = mask;
    return k;
  }
}

/** Appends the portable form of `state` (every actor spelled out). */
export function packPortable(state: MachineState, out: Words): void {
  packShared(state, out);
  for (const a of state.actors) encodeActor(a, out);
}

/** Reads a portable state; actors are interned into `intern` so equal ones are one object. */
export function unpackPortable(w: Int32Array, at: number, intern: ActorIntern): { state: MachineState; next: number } {
  const { mem, objects, actorCount: n, next } = unpackShared(w, at);
  let k = next;
  const actors: ActorState[] = new Array<ActorState>(n);
  for (let i = 0; i < n; i++) {
    const r = decodeActor(w, k);
    actors[i] = intern.actor(intern.idOf(r.actor));
    k = r.next;
  }
  return { state: { mem, objects, actors }, next: k };
}
