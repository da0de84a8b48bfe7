// Partial-order reduction by persistent (stubborn) sets over actors. At a state, actor a
// "needs" actor b when a's next step might not commute with something b could still do
// (static footprints, footprint.ts), or when they share a CPU (who may run there is state no
// word holds). A set of actors closed under "needs" that contains an enabled step is
// persistent: whatever the actors outside it do cannot affect, enable or disable the steps
// inside it, so exploring only the inside loses no deadlock, no violating step and no pair
// of racing steps (the proviso in search.ts handles cycles).
//
// One refinement makes lock-protected code reduce well: b's future accesses that need a lock
// a holds exclusively (b would have to hold or take it first) cannot happen while a stays
// put, so they do not count against a.

import { ActorStatus, type MachineState } from '../model/types';
import type { CompiledScenario } from '../model/compiled';
import { conflicts, type Access, type Footprints, type FutureGroup } from './footprint';

export class Reducer {
  private readonly n: number;
  /** sameCpu[a * n + b]: a and b are scheduled on one CPU (not work items, which have their own). */
  private readonly sameCpu: Uint8Array;
  private readonly cur: (Access | undefined)[];
  private readonly futures: (readonly FutureGroup[])[];
  private readonly held: Int32Array;
  private readonly edges: Uint8Array;
  private readonly mark: Uint8Array;

  constructor(private readonly s: CompiledScenario, private readonly fp: Footprints) {
    const n = (this.n = s.actors.length);
    this.sameCpu = new Uint8Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const x = s.actors[a]!;
        const y = s.actors[b]!;
        if (a !== b && x.cpu === y.cpu && x.actorKind !== 'work' && y.actorKind !== 'work') this.sameCpu[a * n + b] = 1;
      }
    }
    this.cur = new Array<Access | undefined>(n);
    this.futures = Array.from({ length: n }, () => []);
    this.held = new Int32Array(n);
    this.edges = new Uint8Array(n * n);
    this.mark = new Uint8Array(n);
  }

  /**
   * Candidate persistent sets at a state, smallest first: for each actor that is not done,
   * the actors its closure under "needs" contains (as a list of actor indices).
   */
  candidates(state: MachineState): number[][] {
    const n = this.n;
    this.describeActors(state);
    const { edges, cur } = this;
    edges.fill(0);
    for (let a = 0; a < n; a++) {
      const ca = cur[a];
      if (!ca) continue;
      for (let b = 0; b < n; b++) {
        if (a === b || state.actors[b]!.status === ActorStatus.Done) continue;
        // A `top` step reads what no word holds (other actors' status, interrupt state), which
        // even a step with an empty footprint can change.
        if (ca.top || this.sameCpu[a * n + b] || this.dependsOn(ca, this.held[a]!, this.futures[b]!)) edges[a * n + b] = 1;
      }
    }
    const out: number[][] = [];
    const seen = new Set<string>();
    for (let seed = 0; seed < n; seed++) {
      if (!cur[seed]) continue;
      const set = this.closure(seed);
      const key = set.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(set);
    }
    out.sort((x, y) => x.length - y.length || x[0]! - y[0]!);
    return out;
  }

  private dependsOn(a: Access, heldByA: number, future: readonly FutureGroup[]): boolean {
    for (const g of future) {
      if ((g.needs & heldByA) !== 0) continue;
      if (conflicts(a, g.access)) return true;
    }
    return false;
  }

  private closure(seed: number): number[] {
    const n = this.n;
    const mark = this.mark;
    mark.fill(0);
    mark[seed] = 1;
    const out = [seed];
    for (let i = 0; i < out.length; i++) {
      const a = out[i]!;
      for (let b = 0; b < n; b++) {
        if (!mark[b] && this.edges[a * n + b]) {
          mark[b] = 1;
          out.push(b);
        }
      }
    }
    return out.sort((x, y) => x - y);
  }

  /** Each actor's next step footprint, what it may still do, and the identified locks it holds exclusively. */
  private describeActors(state: MachineState): void {
    const { s, fp } = this;
    for (let a = 0; a < this.n; a++) {
      const st = state.actors[a]!;
      const sym = s.actors[a]!;
      const fut: (readonly FutureGroup[])[] = [];
      let held = 0;
      if (st.status === ActorStatus.Running) {
        const top = st.frames[st.frames.length - 1]!;
        const ins = s.codes[top.code]!.instrs[top.pc];
        this.cur[a] = ins ? fp.access(ins.id) : fp.top;
        for (const f of st.frames) fut.push(fp.future(f.code, f.pc));
        if (sym.actorKind === 'work') fut.push(fp.actorBody(a), [{ needs: 0, access: fp.startAccess[a]! }]);
        for (const h of st.held) {
          if (h.mode !== 'write') continue;
          const id = fp.lockIds.get(h.addr);
          if (id !== undefined) held |= 1 << id;
        }
      } else if (st.status === ActorStatus.Idle) {
        this.cur[a] = fp.startAccess[a];
        fut.push([{ needs: 0, access: fp.startAccess[a]! }], fp.actorBody(a));
      } else {
        this.cur[a] = undefined;
      }
      this.futures[a] = fut.flat();
      this.held[a] = held;
    }
  }
}
