// A memo of steps. At most states the search expands, most actors take the step they took at
// the state before, or block as they blocked there: a philosopher who reaches for a free
// fork does so whoever else moved in between, and one who waits for a taken fork waits
// again. A step the machine calls pure (LazyStepOk.pure; a blocked attempt that says which
// words it read, StepBlocked.accesses) is a function of its actor's state, the shared words
// it read and that actor's irq word. Remembered with those words' values, it is taken again,
// from any state where they hold the same values, by copying its effect (the words written,
// the actor's new state, the events), or it blocks again, without running the machine.
//
// Actor states come out of the frontier as the intern's objects (pack.ts), one object per
// distinct state, so the memo is keyed by object.

import type { CompiledScenario } from '../model/compiled';
import { LazyStepOk, StepHash } from '../model/machine';
import type { ActorState, MachineState, StepBlocked } from '../model/types';
import { ACTOR_WORD } from '../semantics/symbols';
import { PackedState } from './pack';

/**
 * Outcomes remembered per actor state, each with its own words read: a waiter sees a few
 * different holders of its lock over a search, a reader a few different values.
 */
const OUTCOMES = 8;

/** What `lookup` answers for an attempt that blocks. */
export const BLOCKS = 'blocks';

/** One remembered attempt: the words it read (its actor's irq word first), their values, its result. */
interface Remembered {
  readonly addrs: Int32Array;
  readonly values: Int32Array;
  /** The step, or undefined: the attempt blocks. */
  readonly result: LazyStepOk | undefined;
  /** The actor's state after the step: the intern's object equal to the step's (see `rememberStep`). */
  readonly after: ActorState | undefined;
}

export class StepMemo {
  private readonly byActor: WeakMap<ActorState, Remembered[]>[];
  /** Per actor, the state object last looked up and what was found: most actors of the next state expanded are the same objects. */
  private readonly lastState: (ActorState | undefined)[];
  private readonly last: (Remembered[] | undefined)[];
  private readonly irqWord: Int32Array;
  /** Steps given (not counting attempts that block again). */
  hits = 0;

  constructor(s: CompiledScenario) {
    this.byActor = s.actors.map(() => new WeakMap());
    this.lastState = s.actors.map(() => undefined);
    this.last = s.actors.map(() => undefined);
    this.irqWord = Int32Array.from(s.actors, (a) => a.words + ACTOR_WORD.irqOff);
  }

  private entries(actor: number, st: ActorState): Remembered[] | undefined {
    if (this.lastState[actor] === st) return this.last[actor];
    const e = this.byActor[actor]!.get(st);
    this.lastState[actor] = st;
    this.last[actor] = e;
    return e;
  }

  /**
   * What `actor` (in state `st`) does from `state`, if remembered: a step based on `state`,
   * or BLOCKS.
   */
  lookup(state: MachineState, actor: number, st: ActorState): LazyStepOk | typeof BLOCKS | undefined {
    const list = this.entries(actor, st);
    if (!list) return undefined;
    // A state the frontier popped is read word by word, left packed (pack.ts, PackedState).
    const packed = state instanceof PackedState ? state : undefined;
    const mem = packed ? undefined : state.mem;
    next: for (let k = 0; k < list.length; k++) {
      const r = list[k]!;
      const { addrs, values } = r;
      for (let i = 0; i < addrs.length; i++) if ((packed ? packed.word(addrs[i]!) : mem![addrs[i]!]) !== values[i]) continue next;
      const t = r.result;
      if (!t) return BLOCKS;
      const hit = new LazyStepOk(state, t.written, actor, r.after!, t.events, t.accesses, t.plain, t.span, t.reports, t.label, true);
      hit.origin = t;
      this.hits++;
      return hit;
    }
    return undefined;
  }

  /**
   * Remembers a pure step `actor` took from `state` in actor state `st`; `after` is the
   * object to hand out as the actor's new state, equal to the step's: the intern's (pack.ts),
   * so that the frontier numbers it without encoding it.
   */
  rememberStep(state: MachineState, actor: number, st: ActorState, r: LazyStepOk, after: ActorState): void {
    this.add(state, actor, st, r.accesses, r, after);
    r.learnt = new StepHash(writesRead(r.accesses));
  }

  /**
   * Remembers that `actor` blocked at `state` in actor state `st`, when the attempt said
   * what it read (the machine leaves `accesses` out when it consulted anything else).
   */
  rememberBlocked(state: MachineState, actor: number, st: ActorState, r: StepBlocked): void {
    if (r.accesses && (r.wait.kind === 'lock' || r.wait.kind === 'condition')) this.add(state, actor, st, r.accesses, undefined, undefined);
  }

  private add(state: MachineState, actor: number, st: ActorState, acc: readonly number[], result: LazyStepOk | undefined, after: ActorState | undefined): void {
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
    let list = this.entries(actor, st);
    if (!list) {
      list = [];
      this.byActor[actor]!.set(st, list);
      this.lastState[actor] = st;
      this.last[actor] = list;
    }
    if (list.length === OUTCOMES) list.pop();
    list.unshift({ addrs, values, result, after });
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
