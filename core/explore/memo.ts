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

/** What `lookup` answers for an attempt that blocks. */
export const BLOCKS = 'blocks';

/**
 * The attempts remembered for one actor state that read the same words (its actor's irq
 * word first), most recent first: nearly always every attempt from an actor state reads
 * the same words, whose values are then read once per lookup, whichever attempt matches.
 */
class Attempts {
  /**
   * The addresses of the words read, then their values, OUTCOMES rows of `n`, the first
   * `count` in use: one array, so that a lookup reads one place of memory.
   */
  readonly words: Int32Array;
  /** Per row: what the step did, or undefined (the attempt blocks). */
  readonly effects: (StepEffect | undefined)[] = [];
  /** Per row: the actor's state after the step, the intern's object equal to the step's (see `rememberStep`). */
  readonly afters: (ActorState | undefined)[] = [];
  count = 0;
  /** The attempts from the same actor state that read other words, if any. */
  next: Attempts | undefined = undefined;

  constructor(addrs: Int32Array, readonly n = addrs.length) {
    this.words = new Int32Array((1 + OUTCOMES) * n);
    this.words.set(addrs);
  }

  /** Whether these attempts read the words at `addrs`. */
  reads(addrs: Int32Array): boolean {
    if (addrs.length !== this.n) return false;
    for (let i = 0; i < this.n; i++) if (this.words[i] !== addrs[i]) return false;
    return true;
  }

  /** The row whose values `state` holds, or -1. */
  find(state: MachineState): number {
    const words = this.words;
    const n = this.n;
    const key = keyValues(state, words, n);
    if (!key) return -1;
    next: for (let r = 0, at = n; r < this.count; r++, at += n) {
      for (let i = 0; i < n; i++) if (words[at + i] !== key[i]) continue next;
      return r;
    }
    return -1;
  }

  /** Adds a row first, dropping the oldest when full. */
  add(key: Int32Array, effect: StepEffect | undefined, after: ActorState | undefined): void {
    const n = this.n;
    if (this.count === OUTCOMES) {
      this.count--;
      this.effects.pop();
      this.afters.pop();
    }
    this.words.copyWithin(2 * n, n, (1 + this.count) * n);
    this.words.set(key.subarray(0, n), n);
    this.effects.unshift(effect);
    this.afters.unshift(after);
    this.count++;
  }
}

/** The values of the `n` words whose addresses begin `addrs` in `state`, in a scratch array; undefined when one lies past its memory. */
function keyValues(state: MachineState, addrs: Int32Array, n: number): Int32Array | undefined {
  if (scratch.length < n) scratch = new Int32Array(2 * n);
  const key = scratch;
  if (state instanceof PackedState) {
    for (let i = 0; i < n; i++) {
      const v = state.word(addrs[i]!);
      if (v !== v) return undefined;
      key[i] = v;
    }
  } else {
    const mem = state.mem;
    for (let i = 0; i < n; i++) {
      const v = mem[addrs[i]!];
      if (v === undefined) return undefined;
      key[i] = v;
    }
  }
  return key;
}

let scratch = new Int32Array(16);

export class StepMemo {
  /**
   * The attempts remembered, by the intern number of the actor state (pack.ts, ActorIntern)
   * and then the actor: a state the frontier popped carries its actors' numbers
   * (PackedState.actorId). Equal actor states may be one object shared by several actors
   * (two idle handlers), and an attempt depends on whose state it is.
   */
  private readonly byId: ((Attempts | undefined)[] | undefined)[] = [];
  /** The same for states that carry no numbers, by object. */
  private readonly byActor: WeakMap<ActorState, Attempts>[];
  /**
   * Per actor, the actor state last looked up (its number, or the object) and what was
   * found: most actors of the next state expanded are in the same state.
   */
  private readonly lastId: Int32Array;
  private readonly lastState: (ActorState | undefined)[];
  private readonly last: (Attempts | undefined)[];
  private readonly irqWord: Int32Array;
  /** Steps given (not counting attempts that block again). */
  hits = 0;

  constructor(private readonly s: CompiledScenario) {
    this.byActor = s.actors.map(() => new WeakMap());
    this.lastId = new Int32Array(s.actors.length).fill(-1);
    this.lastState = s.actors.map(() => undefined);
    this.last = s.actors.map(() => undefined);
    this.irqWord = Int32Array.from(s.actors, (a) => a.words + ACTOR_WORD.irqOff);
  }

  private entries(state: MachineState, actor: number, st: ActorState): Attempts | undefined {
    let e: Attempts | undefined;
    if (state instanceof PackedState) {
      const id = state.actorId(actor);
      if (this.lastId[actor] === id) return this.last[actor];
      e = this.byId[id]?.[actor];
      this.lastId[actor] = id;
      this.lastState[actor] = undefined;
    } else {
      if (this.lastState[actor] === st) return this.last[actor];
      e = this.byActor[actor]!.get(st);
      this.lastId[actor] = -1;
      this.lastState[actor] = st;
    }
    this.last[actor] = e;
    return e;
  }

  /**
   * What `actor` (in state `st`) does from `state`, if remembered: a step based on `state`,
   * or BLOCKS.
   */
  lookup(state: MachineState, actor: number, st: ActorState): LazyStepOk | typeof BLOCKS | undefined {
    for (let a = this.entries(state, actor, st); a; a = a.next) {
      const r = a.find(state);
      if (r < 0) continue;
      const effect = a.effects[r];
      if (!effect) return BLOCKS;
      this.hits++;
      return new LazyStepOk(state, actor, a.afters[r]!, effect);
    }
    return undefined;
  }

  /**
   * Remembers a pure step `actor` took from `state` in actor state `st`; `after` is the
   * object to hand out as the actor's new state, equal to the step's: the intern's (pack.ts),
   * so that the frontier numbers it without encoding it.
   */
  rememberStep(state: MachineState, actor: number, st: ActorState, r: LazyStepOk, after: ActorState): void {
    this.add(state, actor, st, r.accesses, r.effect, after);
    r.effect.learnt = new StepHash(writesRead(r.accesses));
  }

  /**
   * Remembers that `actor` blocked at `state` in actor state `st`, when the attempt said
   * what it read (the machine leaves `accesses` out when it consulted anything else).
   */
  rememberBlocked(state: MachineState, actor: number, st: ActorState, r: StepBlocked): void {
    if (r.accesses && (r.wait.kind === 'lock' || r.wait.kind === 'condition')) this.add(state, actor, st, r.accesses, undefined, undefined);
  }

  private add(state: MachineState, actor: number, st: ActorState, acc: readonly number[], effect: StepEffect | undefined, after: ActorState | undefined): void {
    let n = 1;
    for (let i = 0; i < acc.length; i++) if (isKeyRead(acc, i)) n++;
    const addrs = new Int32Array(n);
    const values = new Int32Array(n);
    const mem = state.mem;
    addrs[0] = this.irqWord[actor]!;
    values[0] = mem[addrs[0]]!;
    let k = 1;
    for (let i = 0; i < acc.length; i++) {
      if (!isKeyRead(acc, i)) continue;
      const addr = acc[i]! >> 1;
      addrs[k] = addr;
      values[k] = mem[addr]!;
      k++;
    }
    const first = this.entries(state, actor, st);
    let group = first;
    while (group && !group.reads(addrs)) group = group.next;
    if (!group) {
      group = new Attempts(addrs);
      if (first) {
        group.next = first.next;
        first.next = group;
      } else this.setEntries(state, actor, st, group);
    }
    group.add(values, effect, after);
  }

  /** Makes `first` the attempts remembered for `actor` in state `st` (there were none). */
  private setEntries(state: MachineState, actor: number, st: ActorState, first: Attempts): void {
    if (state instanceof PackedState) {
      const id = state.actorId(actor);
      const byId = this.byId;
      // Grown one by one, so that V8 keeps the array's elements in order rather than in a dictionary.
      while (byId.length <= id) byId.push(undefined);
      (byId[id] ??= new Array<Attempts | undefined>(this.s.actors.length).fill(undefined))[actor] = first;
    } else this.byActor[actor]!.set(st, first);
    // `entries` was asked first, which noted this actor state.
    this.last[actor] = first;
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
