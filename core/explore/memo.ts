// A memo of steps. At most states the search expands, most actors take the step they took at
// the state before, or block as they blocked there: a philosopher who reaches for a free
// fork does so whoever else moved in between, and one who waits for a taken fork waits
// again. A step the machine calls pure (StepEffect.pure; a blocked attempt that says which
// words it read, StepBlocked.accesses) is a function of its actor's state, the shared words
// it read and that actor's irq word. Remembered with those words' values, it is taken again,
// from any state where they hold the same values, by copying its effect (the words written,
// the actor's new state, the events), or it blocks again, without running the machine.
//
// Actor states come out of the frontier as the intern's numbers and objects (pack.ts), one
// per distinct state, so the memo is keyed by number, or by object for other states.

import type { CompiledScenario } from '../model/compiled';
import { LazyStepOk, type StepEffect, StepHash } from '../model/machine';
import type { ActorState, MachineState, StepBlocked } from '../model/types';
import { ACTOR_WORD } from '../semantics/symbols';
import { PackedState } from './pack';

/**
 * Outcomes remembered per actor state and words read: a waiter sees a few different
 * holders of its lock over a search, a reader a few different values.
 */
const OUTCOMES = 8;

/**
 * What `lookup` answers for an attempt that blocks: null, which the search's optimised code
 * tells apart from a step in one comparison. Compared with a symbol, which V8 could not
 * tell from a string, it called its generic equality builtin at every lookup.
 */
export const BLOCKS = null;

/**
 * A group of attempts in `StepMemo.rows`: the attempts remembered for one actor state that
 * read the same words (its actor's irq word first), most recent first. Nearly always every
 * attempt from an actor state reads the same words, whose values are then read once per
 * lookup, whichever attempt matches. Laid out in one array of words, a group's header, the
 * addresses it reads and its rows of values side by side, so that a lookup reads one place
 * of memory:
 *
 *   [next group + 1 (0: none), n (words read), count (rows in use), where its results are,
 *    which rows block (bit r: row r), the n addresses, OUTCOMES rows of n values]
 *
 * Row r's result (what the step did and the actor's state after it, or nothing for an
 * attempt that blocks) is at `results + r` of StepMemo.effects and StepMemo.afters. Half
 * the attempts the counter's search looks up block (waiters on its mutex), and the bits
 * answer them from the group's own words, without reading those arrays.
 */
const NEXT = 0;
const N = 1;
const COUNT = 2;
const RESULTS = 3;
const BLOCKED = 4;
const HEADER = 5;

/**
 * The values in `mem` of the `n` words whose addresses are at `at` of `addrs`, into `out`;
 * false when one lies past its end (PackedState.words for a packed state).
 */
function memWords(mem: readonly number[], addrs: Int32Array, at: number, n: number, out: Int32Array): boolean {
  for (let i = 0; i < n; i++) {
    const v = mem[addrs[at + i]!];
    if (v === undefined) return false;
    out[i] = v;
  }
  return true;
}

/** The values of a lookup's key. */
let scratch = new Int32Array(16);

export class StepMemo {
  /** The groups of attempts (see NEXT…), one after the other. */
  private rows = new Int32Array(4096);
  private used = 0;
  /** Per group row (see RESULTS): what the step did, or undefined (the attempt blocks). */
  private readonly effects: (StepEffect | undefined)[] = [];
  /** Per group row: the actor's state after the step, the intern's object equal to the step's (see `rememberStep`). */
  private readonly afters: (ActorState | undefined)[] = [];
  /**
   * The first group of attempts remembered (its place in `rows` + 1, 0: none), by the intern
   * number of the actor state (pack.ts, ActorIntern) and then the actor, at
   * `number × actors + actor`: a state the frontier popped carries its actors' numbers
   * (PackedState.actorId). Equal actor states may be one object shared by several actors
   * (two idle handlers), and an attempt depends on whose state it is.
   */
  private byId = new Int32Array(1024);
  /** The same for states that carry no numbers, by object. */
  private readonly byActor: WeakMap<ActorState, number>[];
  /**
   * Per actor, the actor state last looked up (its number, or the object) and its first
   * group: most actors of the next state expanded are in the same state.
   */
  private readonly lastId: Int32Array;
  private readonly lastState: (ActorState | undefined)[];
  private readonly last: Int32Array;
  private readonly irqWord: Int32Array;
  private readonly n: number;
  /** Steps given (not counting attempts that block again). */
  hits = 0;

  constructor(s: CompiledScenario) {
    this.n = s.actors.length;
    this.byActor = s.actors.map(() => new WeakMap());
    this.lastId = new Int32Array(this.n).fill(-1);
    this.lastState = s.actors.map(() => undefined);
    this.last = new Int32Array(this.n);
    this.irqWord = Int32Array.from(s.actors, (a) => a.words + ACTOR_WORD.irqOff);
  }

  /** The first group of attempts (its place + 1, or 0) of `actor` in state `st` at `state`. */
  private entries(state: MachineState, actor: number, st: ActorState): number {
    return state instanceof PackedState ? this.entriesById(state.actorId(actor), actor) : this.entriesOf(st, actor);
  }

  /** `entries` of `actor` in the actor state numbered `id` (PackedState.actorId). */
  private entriesById(id: number, actor: number): number {
    if (this.lastId[actor] === id) return this.last[actor]!;
    const k = id * this.n + actor;
    const e = k < this.byId.length ? this.byId[k]! : 0;
    this.lastId[actor] = id;
    this.lastState[actor] = undefined;
    this.last[actor] = e;
    return e;
  }

  /** `entries` of `actor` in actor state `st`, a state that carries no numbers. */
  private entriesOf(st: ActorState, actor: number): number {
    if (this.lastState[actor] === st) return this.last[actor]!;
    const e = this.byActor[actor]!.get(st) ?? 0;
    this.lastId[actor] = -1;
    this.lastState[actor] = st;
    this.last[actor] = e;
    return e;
  }

  /**
   * What `actor` (in state `st`) does from `state`, if remembered: a step based on `state`,
   * or BLOCKS.
   */
  lookup(state: MachineState, actor: number, st: ActorState): LazyStepOk | typeof BLOCKS | undefined {
    const packed = state instanceof PackedState ? state : undefined;
    const rows = this.rows;
    for (let g = packed !== undefined ? this.entriesById(packed.actorId(actor), actor) : this.entriesOf(st, actor); g !== 0; g = rows[g - 1 + NEXT]!) {
      const at = g - 1;
      const n = rows[at + N]!;
      if (scratch.length < n) scratch = new Int32Array(2 * n);
      const key = scratch;
      if (!(packed !== undefined ? packed.words(rows, at + HEADER, n, key) : memWords(state.mem, rows, at + HEADER, n, key))) continue;
      next: for (let r = 0, v = at + HEADER + n, count = rows[at + COUNT]!; r < count; r++, v += n) {
        for (let i = 0; i < n; i++) if (rows[v + i] !== key[i]) continue next;
        if ((rows[at + BLOCKED]! & (1 << r)) !== 0) return BLOCKS;
        const k = rows[at + RESULTS]! + r;
        this.hits++;
        return new LazyStepOk(state, actor, this.afters[k]!, this.effects[k]!);
      }
    }
    return undefined;
  }

  /**
   * Remembers a pure step `actor` took from `state` in actor state `st`; `after` is the
   * object to hand out as the actor's new state, equal to the step's: the intern's (pack.ts),
   * so that the frontier numbers it without encoding it; `afterId`, its number (-1: not known).
   */
  rememberStep(state: MachineState, actor: number, st: ActorState, r: LazyStepOk, after: ActorState, afterId = -1): void {
    this.add(state, actor, st, r.accesses, r.effect, after);
    const learnt = new StepHash(writesRead(r.accesses));
    learnt.actorId = afterId;
    r.effect.learnt = learnt;
  }

  /**
   * Remembers that `actor` blocked at `state` in actor state `st`, when the attempt said
   * what it read (the machine leaves `accesses` out when it consulted anything else).
   */
  rememberBlocked(state: MachineState, actor: number, st: ActorState, r: StepBlocked): void {
    if (r.accesses && (r.wait.kind === 'lock' || r.wait.kind === 'condition')) this.add(state, actor, st, r.accesses, undefined, undefined);
  }

  private add(state: MachineState, actor: number, st: ActorState, acc: readonly number[], effect: StepEffect | undefined, after: ActorState | undefined): void {
    const addrs: number[] = [this.irqWord[actor]!];
    for (let i = 0; i < acc.length; i++) if (isKeyRead(acc, i)) addrs.push(acc[i]! >> 1);
    const n = addrs.length;
    const mem = state.mem;
    const first = this.entries(state, actor, st);
    let g = first;
    while (g !== 0 && !this.reads(g - 1, addrs)) g = this.rows[g - 1 + NEXT]!;
    if (g === 0) {
      g = this.group(addrs) + 1;
      if (first !== 0) {
        this.rows[g - 1 + NEXT] = this.rows[first - 1 + NEXT]!;
        this.rows[first - 1 + NEXT] = g;
      } else this.setEntries(state, actor, st, g);
    }
    // The new row goes first, the oldest dropped when the group is full.
    const rows = this.rows;
    const at = g - 1;
    const count = rows[at + COUNT]!;
    const kept = Math.min(count, OUTCOMES - 1);
    const values = at + HEADER + n;
    rows.copyWithin(values + n, values, values + kept * n);
    for (let i = 0; i < n; i++) rows[values + i] = mem[addrs[i]!]!;
    const results = rows[at + RESULTS]!;
    for (let r = kept; r > 0; r--) {
      this.effects[results + r] = this.effects[results + r - 1];
      this.afters[results + r] = this.afters[results + r - 1];
    }
    this.effects[results] = effect;
    this.afters[results] = after;
    rows[at + BLOCKED] = ((rows[at + BLOCKED]! << 1) & ((1 << OUTCOMES) - 1)) | (effect ? 0 : 1);
    rows[at + COUNT] = kept + 1;
  }

  /** Whether the group at `at` reads the words at `addrs`. */
  private reads(at: number, addrs: readonly number[]): boolean {
    const rows = this.rows;
    const n = rows[at + N]!;
    if (n !== addrs.length) return false;
    for (let i = 0; i < n; i++) if (rows[at + HEADER + i] !== addrs[i]) return false;
    return true;
  }

  /** A new group, empty, of attempts that read the words at `addrs`; returns its place. */
  private group(addrs: readonly number[]): number {
    const n = addrs.length;
    const size = HEADER + (1 + OUTCOMES) * n;
    if (this.used + size > this.rows.length) {
      const rows = new Int32Array(Math.max(2 * this.rows.length, this.used + size));
      rows.set(this.rows);
      this.rows = rows;
    }
    const at = this.used;
    this.used += size;
    const rows = this.rows;
    rows[at + NEXT] = 0;
    rows[at + N] = n;
    rows[at + COUNT] = 0;
    rows[at + RESULTS] = this.effects.length;
    rows[at + BLOCKED] = 0;
    for (let i = 0; i < n; i++) rows[at + HEADER + i] = addrs[i]!;
    for (let r = 0; r < OUTCOMES; r++) {
      this.effects.push(undefined);
      this.afters.push(undefined);
    }
    return at;
  }

  /** Makes group `g` (its place + 1) the first remembered for `actor` in state `st` (there were none). */
  private setEntries(state: MachineState, actor: number, st: ActorState, g: number): void {
    if (state instanceof PackedState) {
      const k = state.actorId(actor) * this.n + actor;
      if (k >= this.byId.length) {
        const byId = new Int32Array(Math.max(k + 1, 2 * this.byId.length));
        byId.set(this.byId);
        this.byId = byId;
      }
      this.byId[k] = g;
    } else this.byActor[actor]!.set(st, g);
    // `entries` was asked first, which noted this actor state.
    this.last[actor] = g;
  }
}

/** Whether every word written in `acc` was read before its first write (so is in the key). */
function writesRead(acc: readonly number[]): boolean {
  next: for (let i = 0; i < acc.length; i++) {
    const x = acc[i]!;
    if ((x & 1) === 0) continue;
    for (let j = 0; j < i; j++) if (acc[j]! === x - 1) continue next;
    return false;
  }
  return true;
}

/**
 * Whether the access at `i` is a read of memory the step had not touched before: a later
 * read of a word sees what the first read saw or what the step wrote there, and a read
 * below address 0 (a local through a pointer) reads the actor's own state.
 */
function isKeyRead(acc: readonly number[], i: number): boolean {
  const x = acc[i]!;
  if ((x & 1) !== 0 || x < 0) return false;
  const addr = x >> 1;
  for (let j = 0; j < i; j++) if (acc[j]! >> 1 === addr) return false;
  return true;
}
