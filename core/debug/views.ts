// What a paused state looks like to a person: thread titles, stacks, and the Locals,
// Locks, Shared, Heap and vCPUs views as plain trees of named values. Each expandable
// node carries a `ViewRef` (plain data) that `viewChildren` expands; the DAP session only
// hands out numbers for them.

import type { Span } from '../syntax/ast';
import { ACTOR_WORD, fnIndexOf, IRQ_OFF_MASK, sizeOf, typeName, vcpuModes, type LocalSymbol, type Ty } from '../semantics/symbols';
import { FD_BASE, FD_ENTRY_WORDS, FdState, MAX_FDS, OBJECT_HEADER_WORDS, ObjectHeader, ObjectStatus, vcpuWord, type CompiledScenario } from '../model/compiled';
import { describeAddress, describeObject, lineOf, objectContaining } from '../model/describe';
import { describeWait, lockdepName, stackOf, step } from '../model/machine';
import { ActorStatus, type MachineState, type WaitInfo } from '../model/types';
import { isEditable, type Location } from './evaluate';

export type ViewRef =
  | { readonly kind: 'locals'; readonly actor: number; readonly frame: number }
  | { readonly kind: 'locks' }
  | { readonly kind: 'shared' }
  | { readonly kind: 'heap' }
  | { readonly kind: 'vcpus' }
  /** A struct, array or list head in shared memory. */
  | { readonly kind: 'memory'; readonly addr: number; readonly type: Ty }
  | { readonly kind: 'lock'; readonly addr: number; readonly cls: number }
  | { readonly kind: 'object'; readonly obj: number }
  | { readonly kind: 'vcpu'; readonly actor: number }
  | { readonly kind: 'files' };

export interface ViewNode {
  readonly name: string;
  readonly value: string;
  readonly type?: string;
  readonly expand?: ViewRef;
  /** Where the value lives: a shared word (watchable, editable) or a local slot of the frame. */
  readonly location?: Location;
  /** Words it occupies at `location` (a struct or object is watched whole). */
  readonly size?: number;
  /** A scalar word setVariable may replace. */
  readonly editable?: boolean;
  /** The value lies in (or points to) a freed object. */
  readonly freed?: boolean;
}

export interface StackFrameView {
  readonly name: string;
  readonly span: Span;
  /** Index into the actor's frames (for Locals and evaluate); -1 for a pseudo frame. */
  readonly frame: number;
}

// ---------- actors ----------

const MODE_TEXT: Record<number, string> = {
  [vcpuModes.OUTSIDE_GUEST_MODE]: 'outside guest',
  [vcpuModes.IN_GUEST_MODE]: 'in guest',
  [vcpuModes.EXITING_GUEST_MODE]: 'exiting guest',
  [vcpuModes.READING_SHADOW_PAGE_TABLES]: 'reading shadow page tables',
};
const MODE_NAME: Record<number, string> = Object.fromEntries(Object.entries(vcpuModes).map(([k, v]) => [v, k]));

/**
 * The thread title of an actor, as a kernel developer names it: `CPU0 · ioctl (VFIO_…)`
 * for a host task, `vCPU1 · CPU1 (in guest)` for a vCPU (its mode changes as it runs).
 */
export function actorTitle(s: CompiledScenario, state: MachineState, actor: number): string {
  const a = s.actors[actor]!;
  const desc = a.description ? ` (${a.description})` : '';
  switch (a.actorKind) {
    case 'thread':
      return `CPU${a.cpu} · ${a.name}${desc}`;
    case 'vcpu': {
      const ordinal = s.actors.filter((x) => x.actorKind === 'vcpu').indexOf(a);
      const mode = MODE_TEXT[state.mem[vcpuWord(s, a.index, 'mode')] ?? 0] ?? 'outside guest';
      const name = a.name === `vcpu${ordinal}` ? '' : ` · ${a.name}`;
      return `vCPU${ordinal} · CPU${a.cpu}${name} (${mode})`;
    }
    case 'irq':
      return `IRQ ${a.name} · CPU${a.cpu}${desc}`;
    case 'work':
      return `kworker · ${a.name}${desc}`;
    case 'init':
      return `${a.name} · the initial state`;
    case 'final':
      return 'final · the check of every end state';
    case 'invariant':
      return 'invariant · the check of every state';
  }
}

/** Why an actor cannot move now, or undefined when it can (or is idle or finished). */
export function blockedOn(s: CompiledScenario, state: MachineState, actor: number): WaitInfo | undefined {
  if (state.actors[actor]?.status !== ActorStatus.Running) return undefined;
  const r = step(s, state, { actor, choice: 0 });
  return r.status === 'blocked' ? r.wait : undefined;
}

/** An actor's stack, innermost first; a finished or idle actor shows one pseudo frame. */
export function stackView(s: CompiledScenario, state: MachineState, actor: number): StackFrameView[] {
  const a = state.actors[actor]!;
  const sym = s.actors[actor]!;
  if (a.status !== ActorStatus.Running) {
    const body = sym.decl.body.span;
    const finished = a.status === ActorStatus.Done;
    const what = finished ? 'finished' : sym.actorKind === 'irq' ? (state.mem[sym.words + ACTOR_WORD.workPending] ? 'handled' : 'not fired yet') : state.mem[sym.words + ACTOR_WORD.workPending] ? 'queued' : 'idle';
    return [{ name: `${sym.name} (${what})`, span: finished ? { start: body.end - 1, end: body.end } : sym.decl.name.span, frame: -1 }];
  }
  const wait = blockedOn(s, state, actor);
  return stackOf(s, state, actor).map((f, i) => {
    const frame = a.frames.length - 1 - i;
    // A caller stands at its call, as in a kernel stack trace, not at the statement after it.
    const callSite = s.instrs[a.frames[frame + 1]?.callSite ?? -1];
    return {
      name: i === 0 && wait ? `${f.name} — blocked: ${describeWait(s, state, wait)}` : f.name,
      span: i > 0 && callSite ? callSite.span : f.span,
      frame,
    };
  });
}

// ---------- values ----------

function scalarText(s: CompiledScenario, state: MachineState, t: Ty, v: number): { value: string; freed: boolean } {
  switch (t.k) {
    case 'bool':
      return { value: v ? 'true' : 'false', freed: false };
    case 'ptr': {
      if (v === 0) return { value: 'NULL', freed: false };
      if (v < 0) return { value: 'LIST_POISON', freed: false };
      const freed = isFreed(s, state, v);
      return { value: `→ ${pointerText(s, state, v)}${freed ? ' (freed)' : ''}`, freed };
    }
    case 'actor':
      return { value: s.actors[v]?.name ?? String(v), freed: false };
    case 'fnref':
      return { value: v === 0 ? 'NULL' : s.fns[fnIndexOf(v)]?.name ?? String(v), freed: false };
    default:
      return { value: String(v), freed: false };
  }
}

/** What a pointer points to: a whole object (`page#1`), a static struct (`&kvm`), or a field. */
function pointerText(s: CompiledScenario, state: MachineState, ptr: number): string {
  if (ptr >= s.layout.heapStart && objectContaining(s, state, ptr) === ptr) return describeObject(s, state, ptr);
  const g = s.globals.find((x) => x.address === ptr && x.type.k === 'struct');
  return g ? `&${g.name}` : describeAddress(s, state, ptr);
}

function isFreed(s: CompiledScenario, state: MachineState, addr: number): boolean {
  if (addr < s.layout.heapStart) return false;
  const obj = objectContaining(s, state, addr);
  return obj !== 0 && state.mem[obj - OBJECT_HEADER_WORDS + ObjectHeader.status] === ObjectStatus.Freed;
}

/** A value of type `t`: `word` is its value for scalars; `addr` is where it lives (0: a local). */
export function valueNode(s: CompiledScenario, state: MachineState, name: string, t: Ty, word: number, addr: number, location?: Location): ViewNode {
  const loc = location ?? (addr > 0 ? { k: 'mem' as const, addr } : undefined);
  const base = { name, type: typeName(t), ...(loc ? { location: loc, size: loc.k === 'mem' ? sizeOf(t) : 1 } : {}) };
  const freedHere = addr > 0 && isFreed(s, state, addr);
  switch (t.k) {
    case 'int':
    case 'bool':
    case 'any':
    case 'actor':
    case 'fnref':
    case 'ptr': {
      const { value, freed } = scalarText(s, state, t, word);
      const target = t.k === 'ptr' && word > 0 && word < state.mem.length && (t.to.k === 'struct' || t.to.k === 'any') ? pointee(s, state, word) : undefined;
      return { ...base, value, editable: isEditable(t), ...(freed || freedHere ? { freed: true } : {}), ...(target ? { expand: target } : {}) };
    }
    case 'lock':
      return { ...base, value: lockSummary(s, state, addr, t.lock), expand: { kind: 'lock', addr, cls: t.cls } };
    case 'list_head': {
      const next = state.mem[addr] ?? 0;
      const value = next === addr ? 'empty' : next === 0 ? 'not initialised (zeroed)' : `next → ${describeAddress(s, state, next)}`;
      return { ...base, value, expand: { kind: 'memory', addr, type: t }, ...(freedHere ? { freed: true } : {}) };
    }
    case 'atomic':
      return { ...base, value: String(state.mem[addr] ?? 0), editable: true };
    case 'kref':
      return { ...base, value: `refcount ${state.mem[addr] ?? 0}` };
    case 'waitq':
      return { ...base, value: 'wait queue' };
    case 'struct':
      return { ...base, value: `struct ${t.s.name}${freedHere ? ' (freed)' : ''}`, expand: { kind: 'memory', addr, type: t }, ...(freedHere ? { freed: true } : {}) };
    case 'array':
      return { ...base, value: `${typeName(t.of)}[${t.n}]`, expand: { kind: 'memory', addr, type: t } };
    default:
      return { ...base, value: String(word) };
  }
}

/** What a pointer value points to, when it is an object or a static struct. */
function pointee(s: CompiledScenario, state: MachineState, ptr: number): ViewRef | undefined {
  if (ptr >= s.layout.heapStart) {
    const obj = objectContaining(s, state, ptr);
    return obj === ptr ? { kind: 'object', obj } : undefined;
  }
  for (const g of s.globals) {
    if (g.address === ptr && g.type.k === 'struct') return { kind: 'memory', addr: ptr, type: g.type };
  }
  return undefined;
}

/** The node for a shared place of type `t` at `addr`. */
export function placeNode(s: CompiledScenario, state: MachineState, name: string, t: Ty, addr: number): ViewNode {
  return valueNode(s, state, name, t, state.mem[addr] ?? 0, addr);
}

function memoryChildren(s: CompiledScenario, state: MachineState, addr: number, t: Ty): ViewNode[] {
  switch (t.k) {
    case 'struct':
      return t.s.fields.map((f) => placeNode(s, state, f.name, f.type, addr + f.offset));
    case 'array': {
      const size = sizeOf(t.of);
      return Array.from({ length: t.n }, (_, i) => placeNode(s, state, `[${i}]`, t.of, addr + i * size));
    }
    case 'list_head':
      return (['next', 'prev'] as const).map((name, i) => {
        const v = state.mem[addr + i] ?? 0;
        const value = v === 0 ? 'NULL' : v < 0 ? 'LIST_POISON' : v === addr ? '→ itself (empty)' : `→ ${describeAddress(s, state, v)}`;
        return { name, value, type: 'list_head *', location: { k: 'mem', addr: addr + i } };
      });
    default:
      return [];
  }
}

// ---------- locks ----------

function maskActors(s: CompiledScenario, mask: number): string[] {
  return s.actors.filter((a) => (mask & (1 << a.index)) !== 0).map((a) => a.name);
}

function lockSummary(s: CompiledScenario, state: MachineState, addr: number, kind: string): string {
  const w0 = state.mem[addr] ?? 0;
  if (kind === 'srcu') {
    const r = maskActors(s, w0);
    return r.length ? `readers: ${r.join(', ')}` : 'no readers';
  }
  if (w0 !== 0) return `${kind === 'rwsem' ? 'write-held' : 'held'} by ${s.actors[w0 - 1]?.name ?? '?'}`;
  if (kind === 'rwsem') {
    const r = maskActors(s, state.mem[addr + 1] ?? 0);
    if (r.length) return `read-held by ${r.join(', ')}`;
  }
  return 'unlocked';
}

/** Every lock instance in shared memory (globals, static structs, live heap objects). */
export function lockInstances(s: CompiledScenario, state: MachineState): { addr: number; type: Extract<Ty, { k: 'lock' }> }[] {
  const out: { addr: number; type: Extract<Ty, { k: 'lock' }> }[] = [];
  const walk = (t: Ty, addr: number): void => {
    if (t.k === 'lock') out.push({ addr, type: t });
    else if (t.k === 'struct') for (const f of t.s.fields) walk(f.type, addr + f.offset);
    else if (t.k === 'array') for (let i = 0; i < t.n; i++) walk(t.of, addr + i * sizeOf(t.of));
  };
  for (const g of s.globals) walk(g.type, g.address);
  for (const obj of state.objects) {
    const h = obj - OBJECT_HEADER_WORDS;
    if (state.mem[h + ObjectHeader.status] !== ObjectStatus.Alive) continue;
    const st = s.structs[state.mem[h + ObjectHeader.struct]!];
    if (st) walk({ k: 'struct', s: st }, obj);
  }
  return out;
}

/** Which actors wait for what, at this state (each running actor tried once). */
function waitsAt(s: CompiledScenario, state: MachineState): Map<number, WaitInfo> {
  const out = new Map<number, WaitInfo>();
  for (let i = 0; i < s.actors.length; i++) {
    const w = blockedOn(s, state, i);
    if (w) out.set(i, w);
  }
  return out;
}

function lockChildren(s: CompiledScenario, state: MachineState, addr: number, cls: number): ViewNode[] {
  const c = s.lockClasses[cls];
  const out: ViewNode[] = [
    { name: 'class', value: c ? lockdepName(c) : '?' },
    { name: 'kind', value: c?.lock ?? '?' },
    { name: 'state', value: lockSummary(s, state, addr, c?.lock ?? 'mutex') },
  ];
  state.actors.forEach((a, i) => {
    for (const h of a.held) {
      if (h.addr !== addr) continue;
      out.push({ name: h.mode === 'read' ? 'reader' : 'holder', value: `${s.actors[i]!.name}, taken at line ${lineOf(s, h.site.start)}${h.irq ? ' (irqs off)' : ''}` });
    }
  });
  for (const [actor, w] of waitsAt(s, state)) {
    if ((w.kind === 'lock' && w.lock === addr) || (w.kind === 'srcu' && w.lock === addr)) {
      out.push({ name: 'waiter', value: `${s.actors[actor]!.name} (${w.kind === 'lock' ? w.mode : 'synchronize_srcu'})` });
    }
  }
  return out;
}

// ---------- scopes ----------

function localsOf(s: CompiledScenario, code: number): readonly LocalSymbol[] {
  const owner = code < s.fns.length ? s.fns[code] : s.actors[code - s.fns.length];
  return owner?.locals ?? [];
}

function heapObjectNode(s: CompiledScenario, state: MachineState, obj: number): ViewNode {
  const h = obj - OBJECT_HEADER_WORDS;
  const st = s.structs[state.mem[h + ObjectHeader.struct]!];
  const freed = state.mem[h + ObjectHeader.status] === ObjectStatus.Freed;
  const site = (instr: number, actor: number, verb: string): string => {
    const ins = s.instrs[instr];
    return `${verb} by ${s.actors[actor]?.name ?? '?'}${ins ? ` at line ${lineOf(s, ins.span.start)}` : ''}`;
  };
  const value = freed
    ? `struct ${st?.name ?? '?'}, FREED (${site(state.mem[h + ObjectHeader.freeSite]!, state.mem[h + ObjectHeader.freeActor]!, 'freed')})`
    : `struct ${st?.name ?? '?'}, ${site(state.mem[h + ObjectHeader.allocSite]!, state.mem[h + ObjectHeader.allocActor]!, 'allocated')}`;
  return { name: describeObject(s, state, obj), value, type: `struct ${st?.name ?? '?'}`, expand: { kind: 'object', obj }, location: { k: 'mem', addr: obj }, size: st?.size ?? 1, ...(freed ? { freed: true } : {}) };
}

function objectChildren(s: CompiledScenario, state: MachineState, obj: number): ViewNode[] {
  const h = obj - OBJECT_HEADER_WORDS;
  const st = s.structs[state.mem[h + ObjectHeader.struct]!];
  const allocIns = s.instrs[state.mem[h + ObjectHeader.allocSite]!];
  const out: ViewNode[] = st ? memoryChildren(s, state, obj, { k: 'struct', s: st }) : [];
  out.push({ name: '(allocated)', value: `by ${s.actors[state.mem[h + ObjectHeader.allocActor]!]?.name ?? '?'}${allocIns ? ` at line ${lineOf(s, allocIns.span.start)}` : ''}` });
  if (state.mem[h + ObjectHeader.status] === ObjectStatus.Freed) {
    const freeIns = s.instrs[state.mem[h + ObjectHeader.freeSite]!];
    out.push({ name: '(freed)', value: `by ${s.actors[state.mem[h + ObjectHeader.freeActor]!]?.name ?? '?'}${freeIns ? ` at line ${lineOf(s, freeIns.span.start)}` : ''}`, freed: true });
  }
  return out;
}

function vcpuNode(s: CompiledScenario, state: MachineState, actor: number): ViewNode {
  const a = s.actors[actor]!;
  const mode = MODE_NAME[state.mem[vcpuWord(s, actor, 'mode')] ?? 0] ?? 'OUTSIDE_GUEST_MODE';
  const reqs = requestNames(s, state.mem[vcpuWord(s, actor, 'requests')] ?? 0);
  return { name: a.name, value: `${mode}, CPU${a.cpu}${reqs.length ? `, requests: ${reqs.join(' ')}` : ''}`, expand: { kind: 'vcpu', actor } };
}

function requestNames(s: CompiledScenario, mask: number): string[] {
  return s.requestNames.filter((_, i) => (mask & (1 << i)) !== 0);
}

function fileNodes(s: CompiledScenario, state: MachineState): ViewNode[] {
  const out: ViewNode[] = [];
  for (let i = 0; i < MAX_FDS; i++) {
    const e = s.layout.fdTable + i * FD_ENTRY_WORDS;
    if (!state.mem[e + 2] || state.mem[e + 2] === FdState.Reserved) continue;
    const obj = state.mem[e] ?? 0;
    const release = state.mem[e + 2] === FdState.Legacy ? s.fns[(state.mem[e + 1] ?? 0) - 1] : undefined;
    out.push({ name: `fd ${FD_BASE + i}`, value: `→ ${describeAddress(s, state, obj)}${release ? ` (release: ${release.name})` : ''}`, ...(obj >= s.layout.heapStart && objectContaining(s, state, obj) === obj ? { expand: { kind: 'object', obj } } : {}) });
  }
  return out;
}

/** The children of an expandable node. */
export function viewChildren(s: CompiledScenario, state: MachineState, ref: ViewRef): ViewNode[] {
  switch (ref.kind) {
    case 'locals': {
      const f = state.actors[ref.actor]?.frames[ref.frame];
      if (!f) return [];
      return localsOf(s, f.code)
        .filter((l) => /^[A-Za-z_]\w*$/.test(l.name))
        .map((l) => valueNode(s, state, l.name, l.type, f.locals[l.slot] ?? 0, 0, { k: 'local', slot: l.slot }));
    }
    case 'locks':
      return lockInstances(s, state).map((l) => {
        const node = placeNode(s, state, describeAddress(s, state, l.addr), l.type, l.addr);
        const waiters = [...waitsAt(s, state)].filter(([, w]) => (w.kind === 'lock' || w.kind === 'srcu') && w.lock === l.addr).map(([a]) => s.actors[a]!.name);
        return { ...node, value: `${node.value}${waiters.length ? `; waiting: ${waiters.join(', ')}` : ''}` };
      });
    case 'shared': {
      const out = s.globals.map((g) => placeNode(s, state, g.name, g.type, g.address));
      if (fileNodes(s, state).length > 0) out.push({ name: 'open files', value: `${fileNodes(s, state).length} fd(s)`, expand: { kind: 'files' } });
      return out;
    }
    case 'files':
      return fileNodes(s, state);
    case 'heap':
      return state.objects.map((obj) => heapObjectNode(s, state, obj));
    case 'vcpus':
      return s.actors.filter((a) => a.actorKind === 'vcpu').map((a) => vcpuNode(s, state, a.index));
    case 'vcpu': {
      const a = s.actors[ref.actor]!;
      const st = state.actors[ref.actor]!;
      const wait = blockedOn(s, state, ref.actor);
      const reqs = requestNames(s, state.mem[vcpuWord(s, a.index, 'requests')] ?? 0);
      return [
        { name: 'mode', value: MODE_NAME[state.mem[vcpuWord(s, a.index, 'mode')] ?? 0] ?? '?', location: { k: 'mem', addr: vcpuWord(s, a.index, 'mode') } },
        { name: 'requests', value: reqs.length ? reqs.join(' ') : 'none' },
        { name: 'cpu', value: `CPU${a.cpu}` },
        { name: 'task', value: st.status === ActorStatus.Done ? 'finished' : wait ? `blocked: ${describeWait(s, state, wait)}` : 'runnable' },
        { name: 'irqs off', value: ((state.mem[a.words + ACTOR_WORD.irqOff] ?? 0) & IRQ_OFF_MASK) > 0 ? 'yes' : 'no' },
      ];
    }
    case 'memory':
      return memoryChildren(s, state, ref.addr, ref.type);
    case 'lock':
      return lockChildren(s, state, ref.addr, ref.cls);
    case 'object':
      return objectChildren(s, state, ref.obj);
  }
}
