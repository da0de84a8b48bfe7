// Names shared words in scenario terms (`kvm->lock`, `stt#1->list.next`) and source
// locations in `file:line` form, for reports, the debugger and the checker's traces.

import { LineMap } from '../syntax/diagnostics';
import type { Span } from '../syntax/ast';
import { ACTOR_WORDS, sizeOf, type Ty } from '../semantics/symbols';
import { OBJECT_HEADER_WORDS, ObjectHeader, RCU_CALLBACK_WORDS, TASK_WORK_WORDS, type CompiledScenario } from './compiled';
import type { MachineState } from './types';

const lineMaps = new WeakMap<CompiledScenario, LineMap>();

export function lineMapOf(s: CompiledScenario): LineMap {
  let m = lineMaps.get(s);
  if (!m) {
    m = new LineMap(s.text);
    lineMaps.set(s, m);
  }
  return m;
}

/** 1-based line of an offset. */
export function lineOf(s: CompiledScenario, offset: number): number {
  return lineMapOf(s).position(offset).line + 1;
}

export function siteText(s: CompiledScenario, span: Span): string {
  const p = lineMapOf(s).position(span.start);
  return `${s.file}:${p.line + 1}:${p.character + 1}`;
}

/** The statement text of a span, on one line. */
export function spanText(s: CompiledScenario, span: Span): string {
  return s.text.slice(span.start, span.end).replace(/\s+/g, ' ').trim();
}

/** The heap object containing `addr` (its field-start address), or 0. Binary search. */
export function objectContaining(s: CompiledScenario, state: MachineState, addr: number): number {
  const objs = state.objects;
  let lo = 0;
  let hi = objs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (objs[mid]! <= addr) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found < 0) return 0;
  const obj = objs[found]!;
  const st = s.structs[state.mem[obj - OBJECT_HEADER_WORDS + ObjectHeader.struct]!];
  if (!st || addr >= obj + st.size) return 0;
  return obj;
}

/** Which allocation number an object is (1-based), for names like `stt#2`. */
export function objectNumber(state: MachineState, obj: number): number {
  return state.objects.indexOf(obj) + 1;
}

function pathIn(t: Ty, offset: number): string {
  if (t.k === 'struct') {
    for (const f of t.s.fields) {
      const size = sizeOf(f.type);
      if (offset >= f.offset && offset < f.offset + size) {
        const rest = pathIn(f.type, offset - f.offset);
        return `.${f.name}${rest}`;
      }
    }
    return `+${offset}`;
  }
  if (t.k === 'array') {
    const size = sizeOf(t.of);
    const i = Math.floor(offset / size);
    return `[${i}]${pathIn(t.of, offset - i * size)}`;
  }
  if (t.k === 'list_head') return offset === 0 ? '.next' : '.prev';
  if (t.k === 'lock' && t.lock === 'rwsem') return offset === 0 ? '' : '.readers';
  return '';
}

/** `kvm.arch.mmu_ready`, `kvmppc_xive_vcpu#1->valid`, `actor vcpu0 mode`, `fd 3`. */
export function describeAddress(s: CompiledScenario, state: MachineState, addr: number): string {
  if (addr === 0) return 'NULL';
  if (addr < 0) return 'LIST_POISON';
  for (const g of s.globals) {
    const size = sizeOf(g.type);
    if (addr >= g.address && addr < g.address + size) return `${g.name}${pathIn(g.type, addr - g.address)}`.replace(/^(\w+)\./, '$1.');
  }
  const str = s.staticStrings.find((x) => x.address === addr);
  if (str) return JSON.stringify(str.text);
  // A vCPU's own struct kvm_vcpu (not one of the globals): named after the vCPU.
  const vcpuStruct = s.vcpuLayout ? s.structs[s.vcpuLayout.struct] : undefined;
  for (const a of s.actors) {
    if (a.vcpu === undefined || !vcpuStruct || addr < a.vcpu || addr >= a.vcpu + vcpuStruct.size) continue;
    return `${a.name}${pathIn({ k: 'struct', s: vcpuStruct }, addr - a.vcpu).replace(/^\./, '->')}`;
  }
  const L = s.layout;
  if (addr >= L.actorWords && addr < L.rcuWord) {
    const i = Math.floor((addr - L.actorWords) / ACTOR_WORDS);
    const w = ['mode', 'requests', 'work pending', 'irqs off', 'grace period', 'grace-period readers', 'op step', 'op scratch', 'op scratch'][(addr - L.actorWords) % ACTOR_WORDS];
    return `${s.actors[i]?.name ?? '?'} (${w})`;
  }
  if (addr === L.rcuWord) return 'rcu readers';
  if (addr >= L.fdTable && addr < L.rcuCallbacks) return `fd ${3 + Math.floor((addr - L.fdTable) / 3)}`;
  if (L.taskWorkWords > 0 && addr >= L.taskWorks && addr < L.taskWorks + L.taskWorkWords) {
    const i = Math.floor((addr - L.taskWorks) / TASK_WORK_WORDS);
    return `${s.actors[i]?.name ?? '?'} (${(addr - L.taskWorks) % TASK_WORK_WORDS === 0 ? 'task_works' : 'file being released'})`;
  }
  if (addr >= L.rcuCallbacks && addr < L.heapStart) return `rcu callback ${Math.floor((addr - L.rcuCallbacks) / RCU_CALLBACK_WORDS)}`;
  const obj = objectContaining(s, state, addr);
  if (obj) {
    const st = s.structs[state.mem[obj - OBJECT_HEADER_WORDS + ObjectHeader.struct]!]!;
    const path = pathIn({ k: 'struct', s: st }, addr - obj);
    return `${st.name}#${objectNumber(state, obj)}${path ? `->${path.slice(1)}` : ''}`;
  }
  return `word ${addr}`;
}

/** The object at a field-start address, as `struct name #n`. */
export function describeObject(s: CompiledScenario, state: MachineState, obj: number): string {
  const st = s.structs[state.mem[obj - OBJECT_HEADER_WORDS + ObjectHeader.struct]!];
  return `${st?.name ?? 'object'}#${objectNumber(state, obj)}`;
}
