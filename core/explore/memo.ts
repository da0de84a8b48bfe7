// A memo of steps. At most states the search expands, most actors take the step they took at
// the state before: a philosopher who reaches for a free fork does so whoever else moved in
// between. A step the machine calls pure (LazyStepOk.pure) is a function of its actor's
// state, the shared words it read and that actor's irq word; remembered with those words'
// values, it is taken again, from any state where they hold the same values, by copying its
// effect (the words written, the actor's new state, the events) instead of running it.
//
// Actor states come out of the frontier as the intern's objects (pack.ts), one object per
// distinct state, so the memo is keyed by object, as the blocked-attempt memory is.

import type { CompiledScenario } from '../model/compiled';
import { ACTOR_WORD } from '../semantics/symbols';
import { LazyStepOk } from '../model/machine';
import type { ActorState, MachineState } from '../model/types';

/** Different outcomes remembered per actor state (each with its own words read). */
const OUTCOMES = 8;

/** One remembered step: the words it read (its actor's irq word first), their values, its result. */
interface Remembered {
  readonly addrs: Int32Array;
  readonly values: Int32Array;
  readonly result: LazyStepOk;
}

export class StepMemo {
  private readonly byActor: WeakMap<ActorState, Remembered[]>[];
  /** Per actor, the state object last looked up and what was found (see Search.stillBlocked). */
  private readonly lastState: (ActorState | undefined)[];
  private readonly last: (Remembered[] | undefined)[];
  private readonly irqWord: Int32Array;
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

  /** The step `actor` (in state `st`) takes from `state`, if remembered: a result based on `state`. */
  lookup(state: MachineState, actor: number, st: ActorState): LazyStepOk | undefined {
    const list = this.entries(actor, st);
    if (!list) return undefined;
    const mem = state.mem;
    next: for (let k = 0; k < list.length; k++) {
      const r = list[k]!;
      const { addrs, values } = r;
      for (let i = 0; i < addrs.length; i++) if (mem[addrs[i]!] !== values[i]) continue next;
      const t = r.result;
      const hit = new LazyStepOk(state, t.written, actor, t.actorState, t.events, t.accesses, t.plain, t.span, t.reports, t.label, true);
      if (t.actorHashed) {
        hit.actorH1 = t.actorH1;
        hit.actorH2 = t.actorH2;
        hit.actorHashed = true;
      }
      this.hits++;
      return hit;
    }
    return undefined;
  }

  /**
   * Remembers a pure step `actor` took from `state` (in actor state `st`); `actorState` is
   * the object to hand out as its new state (the intern's, so later lookups find it).
   */
  remember(state: MachineState, actor: number, st: ActorState, r: LazyStepOk): void {
    const acc = r.accesses;
    let n = 1;
    for (let i = 0; i < acc.length; i++) if ((acc[i]! & 1) === 0 && acc[i]! >= 0 && firstRead(acc, i)) n++;
    const addrs = new Int32Array(n);
    const values = new Int32Array(n);
    const mem = state.mem;
    addrs[0] = this.irqWord[actor]!;
    values[0] = mem[addrs[0]]!;
    let k = 1;
    for (let i = 0; i < acc.length; i++) {
      const x = acc[i]!;
      if ((x & 1) !== 0 || x < 0 || !firstRead(acc, i)) continue;
      addrs[k] = x >> 1;
      values[k] = mem[x >> 1]!;
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
    list.unshift({ addrs, values, result: r });
  }
}

/** Whether the read at `i` is the first access to its word in `acc` (later ones add nothing). */
function firstRead(acc: readonly number[], i: number): boolean {
  const addr = acc[i]! >> 1;
  for (let j = 0; j < i; j++) if (acc[j]! >> 1 === addr) return false;
  return true;
}
