// Symmetry reduction over interchangeable actors. Threads with identical bodies,
// each alone on its CPU, never named elsewhere in the scenario, in a scenario that never
// uses `current`, can be renamed into one another without changing what can happen. Such
// states are stored once: before hashing, the members of each group are sorted by their
// local state and the state is renamed accordingly (their actor states, their per-actor
// words, lock owners and reader masks, and who allocated or freed each object).
//
// Only the fingerprint uses the renamed state: the search keeps exploring the state it
// actually reached, so traces replay unchanged. Two states merge only if a renaming maps
// one onto the other, so nothing is merged that is not equivalent; heap objects are not
// reordered, so some equivalent states stay apart (less reduction, never less checking).

import { ACTOR_WORD, ACTOR_WORDS, sizeOf, type Ty } from '../semantics/symbols';
import { OBJECT_HEADER_WORDS, ObjectHeader, RCU_CALLBACK_SLOTS, RCU_CALLBACK_WORDS, actorCode, type CompiledScenario, type Instr } from '../model/compiled';
import type { ActorState, Frame, MachineState } from '../model/types';

/** Words of shared memory that name actors: a lock owner (actor + 1) or a set of actors (bitmask). */
interface ActorWords {
  readonly owners: readonly number[];
  readonly masks: readonly number[];
}

export class Symmetry {
  /** Actor -> index of its group (-1: in none). */
  private readonly groupOf: Int32Array;
  private readonly statics: ActorWords;
  /** Per struct index: offsets of owner and mask words in an object of it. */
  private readonly heapWords: ActorWords[];
  /** Scratch: the renaming being applied (old actor -> new actor). */
  private readonly rename: Int32Array;
  private readonly keys: Int32Array[];

  private constructor(private readonly s: CompiledScenario, readonly groups: readonly (readonly number[])[]) {
    const n = s.actors.length;
    this.groupOf = new Int32Array(n).fill(-1);
    groups.forEach((g, i) => g.forEach((a) => (this.groupOf[a] = i)));
    this.statics = staticActorWords(s);
    this.heapWords = s.structs.map((st) => typeActorWords({ k: 'struct', s: st }, 0));
    this.rename = new Int32Array(n);
    this.keys = new Array<Int32Array>(n);
  }

  /** The groups of interchangeable actors, or undefined when there are none. */
  static detect(s: CompiledScenario): Symmetry | undefined {
    if (s.codes.some((c) => c.instrs.some(usesCurrent))) return undefined;
    const n = s.actors.length;
    const cpuUsers = new Map<number, number>();
    for (const a of s.actors) if (a.actorKind !== 'work') cpuUsers.set(a.cpu, (cpuUsers.get(a.cpu) ?? 0) + 1);
    const eligible = (i: number): boolean => {
      const a = s.actors[i]!;
      // A vCPU is not interchangeable: its struct kvm_vcpu (mode, requests) is its own.
      if (a.actorKind !== 'thread') return false;
      if (cpuUsers.get(a.cpu) !== 1) return false;
      // Named anywhere but its own declaration (a kick, a comment): treat it as distinguished.
      const mentions = s.text.match(new RegExp(`\\b${a.name.replace(/[^A-Za-z0-9_]/g, '')}\\b`, 'g'))?.length ?? 0;
      return mentions === 1;
    };
    const bySignature = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      if (!eligible(i)) continue;
      const code = s.codes[actorCode(s, i)]!;
      const sig = `${s.actors[i]!.actorKind}|${code.nlocals}|${JSON.stringify(code.instrs, shapeOnly)}`;
      const g = bySignature.get(sig);
      if (g) g.push(i);
      else bySignature.set(sig, [i]);
    }
    const groups = [...bySignature.values()].filter((g) => g.length > 1);
    return groups.length > 0 ? new Symmetry(s, groups) : undefined;
  }

  /** The state with each group's members sorted by local state (the same object when already sorted). */
  canonical(state: MachineState): MachineState {
    const rename = this.rename;
    let changed = false;
    for (let a = 0; a < rename.length; a++) rename[a] = a;
    for (const g of this.groups) {
      for (const a of g) this.keys[a] = this.localKey(state, a);
      const sorted = [...g].sort((x, y) => compareKeys(this.keys[x]!, this.keys[y]!) || x - y);
      // The member at sorted position i becomes the group's i-th actor.
      sorted.forEach((from, i) => {
        rename[from] = g[i]!;
        if (from !== g[i]) changed = true;
      });
    }
    return changed ? this.apply(state) : state;
  }

  /** An actor's own state as words, its body's code written as -1 so members compare equal. */
  private localKey(state: MachineState, a: number): Int32Array {
    const st = state.actors[a]!;
    const own = actorCode(this.s, a);
    const words: number[] = [st.status, st.preemptOff, st.rcuDepth, st.held.length];
    for (const h of st.held) words.push(h.addr, (h.mode === 'read' ? 1 : 0) | ((h.subclass ?? 0) << 1));
    words.push(st.frames.length);
    for (const f of st.frames) {
      words.push(f.code === own ? -1 : f.code, f.pc, f.resultSlot, ...f.locals);
    }
    const base = this.s.actors[a]!.words;
    for (let w = 0; w < ACTOR_WORDS; w++) words.push(state.mem[base + w]!);
    return Int32Array.from(words);
  }

  /** Applies `rename` to every place a state names actors. */
  private apply(state: MachineState): MachineState {
    const s = this.s;
    const rename = this.rename;
    const mem = state.mem.slice();
    const old = state.mem;
    // Per-actor words move with their actor.
    for (let a = 0; a < rename.length; a++) {
      const to = rename[a]!;
      if (to === a) continue;
      const from = s.actors[a]!.words;
      const dest = s.actors[to]!.words;
      for (let w = 0; w < ACTOR_WORDS; w++) mem[dest + w] = old[from + w]!;
    }
    const owner = (addr: number): void => {
      const v = mem[addr]!;
      if (v > 0 && v <= rename.length) mem[addr] = rename[v - 1]! + 1;
    };
    const mask = (addr: number): void => {
      const v = mem[addr]!;
      if (v === 0) return;
      let out = 0;
      for (let a = 0; a < rename.length; a++) if (v & (1 << a)) out |= 1 << rename[a]!;
      mem[addr] = out;
    };
    for (const w of this.statics.owners) owner(w);
    for (const w of this.statics.masks) mask(w);
    mask(s.layout.rcuWord);
    // The readers each grace period in progress (and each pending RCU callback) waits for.
    for (const a of s.actors) mask(a.words + ACTOR_WORD.gpReaders);
    for (let i = 0; i < RCU_CALLBACK_SLOTS; i++) mask(s.layout.rcuCallbacks + i * RCU_CALLBACK_WORDS + 2);
    for (const obj of state.objects) {
      const h = obj - OBJECT_HEADER_WORDS;
      const words = this.heapWords[mem[h + ObjectHeader.struct]!];
      if (words) {
        for (const o of words.owners) owner(obj + o);
        for (const o of words.masks) mask(obj + o);
      }
      for (const k of [ObjectHeader.allocActor, ObjectHeader.freeActor]) {
        const v = mem[h + k]!;
        if (v >= 0 && v < rename.length) mem[h + k] = rename[v]!;
      }
      for (const k of [ObjectHeader.allocSite, ObjectHeader.freeSite]) mem[h + k] = this.renameInstr(mem[h + k]!);
    }
    const actors: ActorState[] = state.actors.slice();
    for (let a = 0; a < rename.length; a++) {
      const to = rename[a]!;
      if (to !== a) actors[to] = this.renameActor(state.actors[a]!, a, to);
    }
    return { mem, objects: state.objects, actors };
  }

  /** An instruction of a member's body, as the same instruction of the member it is renamed to. */
  private renameInstr(id: number): number {
    const s = this.s;
    const code = s.instrCode[id];
    if (code === undefined) return id;
    const actor = code - s.fns.length;
    if (actor < 0 || actor >= this.rename.length || this.rename[actor] === actor) return id;
    const from = s.codes[code]!;
    const to = s.codes[actorCode(s, this.rename[actor]!)]!;
    const at = from.instrs.findIndex((i) => i.id === id);
    return to.instrs[at]?.id ?? id;
  }

  private renameActor(st: ActorState, from: number, to: number): ActorState {
    const own = actorCode(this.s, from);
    const target = actorCode(this.s, to);
    const frames: Frame[] = st.frames.map((f) => (f.code === own ? { ...f, code: target } : f));
    return { ...st, frames };
  }
}

/** JSON replacer: an instruction's shape without its ids, spans and builtin objects. */
function shapeOnly(key: string, value: unknown): unknown {
  if (key === 'id' || key === 'span' || key === 'text') return undefined;
  if (key === 'b' && typeof value === 'object' && value !== null) return (value as { name: string }).name;
  return value;
}

function compareKeys(x: Int32Array, y: Int32Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function staticActorWords(s: CompiledScenario): ActorWords {
  const owners: number[] = [];
  const masks: number[] = [];
  for (const g of s.globals) {
    const w = typeActorWords(g.type, g.address);
    owners.push(...w.owners);
    masks.push(...w.masks);
  }
  return { owners, masks };
}

/** Owner and mask words of a value of type `t` placed at `base`. */
function typeActorWords(t: Ty, base: number): ActorWords {
  const owners: number[] = [];
  const masks: number[] = [];
  const walk = (ty: Ty, at: number): void => {
    switch (ty.k) {
      case 'lock':
        if (ty.lock === 'srcu') masks.push(at);
        else {
          owners.push(at);
          if (ty.lock === 'rwsem' || ty.lock === 'rwlock') masks.push(at + 1);
        }
        return;
      case 'struct':
        for (const f of ty.s.fields) walk(f.type, at + f.offset);
        return;
      case 'array': {
        const size = sizeOf(ty.of);
        for (let i = 0; i < ty.n; i++) walk(ty.of, at + i * size);
        return;
      }
      default:
        return;
    }
  };
  walk(t, base);
  return { owners, masks };
}

function usesCurrent(ins: Instr): boolean {
  return JSON.stringify(ins, (k, v: unknown) => (k === 'b' || k === 'span' ? undefined : v)).includes('"k":"current"');
}
