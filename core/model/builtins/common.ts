// Helpers the families' semantics share: lock words, lockdep-style reports, list-debug
// checks, the fd table, vCPU queries.

import { ACTOR_WORD, WORK_PENDING, WORK_WORD, fnIndexOf, vcpuModes } from '../../semantics/symbols';
import { ActorStatus, type HeldLock } from '../types';
import { FD_BASE, FD_ENTRY_WORDS, FdState, LIST_POISON1, LIST_POISON2, MAX_FDS } from '../compiled';
import type { Exec } from '../exec';
import type { Builtin, BuiltinParam, ParamKind, ReturnKind } from './types';
import { EBADF } from './constants';


export function bit(actor: number): number {
  return 1 << actor;
}

export function lockName(x: Exec, cls: number): string {
  return x.lockClass(cls).name;
}

export function actorLabel(x: Exec, actor: number): string {
  const a = x.scenario.actors[actor];
  return a ? `${a.name}/${actor + 1}` : `actor${actor}`;
}

/** lockdep's nesting annotations of one acquisition: `_nested`'s subclass, `_nest_lock`'s lock. */
export interface Nesting {
  readonly subclass?: number;
  readonly nestLock?: number;
}

/** No nesting annotation: shared, so the common acquisition allocates none. */
const NOT_NESTED: Nesting = Object.freeze({});

/** Takes an exclusive lock word (mutex, spinlock, rwsem writer), blocking while it is held. */
export function lockExclusive(x: Exec, addr: number, cls: number, irq: boolean, readersAddr = 0, nesting: Nesting = NOT_NESTED): void {
  const holder = x.read(addr, true);
  const readers = readersAddr ? x.read(readersAddr, true) : 0;
  if (holder === x.actor + 1 || (readers & bit(x.actor)) !== 0) {
    recursiveLocking(x, addr, cls);
  }
  checkNesting(x, addr, cls, 'write', nesting);
  if (holder !== 0 || readers !== 0) {
    const holders = holder !== 0 ? [holder - 1] : readersOf(readers);
    x.block({ kind: 'lock', lock: addr, cls, mode: 'write', holders });
  }
  x.write(addr, x.actor + 1, true);
  x.acquire(addr, cls, 'write', false, irq, nesting.subclass);
}

/**
 * lockdep's check_deadlock: another lock of the class (and subclass) being taken is already
 * held by this actor. Lockdep cannot tell instances apart, so this is "possible recursive
 * locking" even when the two are different objects, unless the acquisition says how they
 * nest (a subclass, or a nest_lock that serialises them and is held). Two recursive reads
 * (read_lock of an rwlock_t) may nest.
 */
export function checkNesting(x: Exec, addr: number, cls: number, mode: 'read' | 'write', nesting: Nesting, recursiveRead = false): void {
  const subclass = nesting.subclass ?? 0;
  const held = x.held();
  let prev: HeldLock | undefined;
  // A loop rather than `find`: every acquisition asks, and most hold nothing of the class.
  for (let i = 0; i < held.length && !prev; i++) {
    const h = held[i]!;
    if (h.cls === cls && (h.subclass ?? 0) === subclass && h.addr !== addr) prev = h;
  }
  if (!prev) return;
  if (recursiveRead && mode === 'read' && prev.mode === 'read') return;
  if (nesting.nestLock !== undefined && held.some((h) => h.addr === nesting.nestLock)) return;
  const name = lockName(x, cls) + (subclass ? `/${subclass}` : '');
  const task = actorLabel(x, x.actor);
  // A lockdep warning: the acquisition goes on (and blocks if the other instance is held).
  x.report(
    'recursive_locking',
    `possible recursive locking detected: ${task} acquires ${x.describe(addr)} while holding ${x.describe(prev.addr)}, both of class ${name}, with no nesting annotation`,
    recursiveSplat(x, name, prev.site.start, [
      '',
      ' May be due to missing lock nesting notation',
      '',
      `${held.length} lock${held.length === 1 ? '' : 's'} held by ${task}:`,
      ...held.map((h, i) => ` #${i}: (${lockName(x, h.cls)}${h.subclass ? `/${h.subclass}` : ''}) at: ${describeSite(x, h.site.start)}`),
    ]),
    [{ span: prev.site, message: `${x.describe(prev.addr)} (class ${name}) taken here` }],
  );
}

/** lockdep's "possible recursive locking detected" splat, then `more` lines. */
function recursiveSplat(x: Exec, name: string, heldAt: number | undefined, more: readonly string[]): string {
  return [
    '============================================',
    'WARNING: possible recursive locking detected',
    '--------------------------------------------',
    `${actorLabel(x, x.actor)} is trying to acquire lock:`,
    ` (${name}) at: ${describeSite(x, x.site.start)}`,
    '',
    'but task is already holding lock:',
    ` (${name}) at: ${heldAt === undefined ? '?' : describeSite(x, heldAt)}`,
    '',
    'other info that might help us debug this:',
    ' Possible unsafe locking scenario:',
    '',
    '       CPU0',
    '       ----',
    `  lock(${name});`,
    `  lock(${name});`,
    '',
    ' *** DEADLOCK ***',
    ...more,
  ].join('\n');
}

export function readersOf(mask: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 31; i++) if (mask & (1 << i)) out.push(i);
  return out;
}

export function recursiveLocking(x: Exec, addr: number, cls: number): never {
  const name = lockName(x, cls);
  const held = x.held().find((h) => h.addr === addr);
  x.fail(
    'deadlock',
    `possible recursive locking detected: ${actorLabel(x, x.actor)} acquires ${name} which it already holds`,
    recursiveSplat(x, name, held?.site.start, []),
    held ? [{ span: held.site, message: `${name} first acquired here` }] : [],
  );
}

export function describeSite(x: Exec, offset: number): string {
  let line = 1;
  const text = x.scenario.text;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return `${x.scenario.file}:${line}`;
}

export function unlockExclusive(x: Exec, addr: number, cls: number, fn: string): void {
  const holder = x.read(addr, true);
  if (holder !== x.actor + 1) {
    badUnlock(x, addr, cls, fn, holder === 0 ? 'it is not locked' : `it is held by ${actorLabel(x, holder - 1)}`);
    return;
  }
  x.write(addr, 0, true);
  x.release(addr, 'write');
}

/** lockdep's warning; the kernel goes on and the unlock does nothing. */
export function badUnlock(x: Exec, _addr: number, cls: number, fn: string, why: string): void {
  const name = lockName(x, cls);
  x.report(
    'unlock_not_held',
    `${fn}(${name}) by ${actorLabel(x, x.actor)}, but ${why}`,
    [
      '=====================================',
      'WARNING: bad unlock balance detected!',
      '-------------------------------------',
      `${actorLabel(x, x.actor)} is trying to release lock (${name}) at:`,
      `  ${fn} at ${describeSite(x, x.site.start)}`,
      `but there are no more locks to release! (${why})`,
    ].join('\n'),
  );
}

export function listEntryName(x: Exec, addr: number): string {
  return x.describe(addr);
}

/** CONFIG_DEBUG_LIST's report; as in the kernel, the caller then skips the operation. */
/** CONFIG_DEBUG_LIST's report; the kernel then skips the operation (returns false for its caller to do so). */
export function listCorruption(x: Exec, message: string): false {
  x.report('list_corruption', message, [
    '------------[ cut here ]------------',
    message,
    `WARNING: CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} at lib/list_debug.c (${actorLabel(x, x.actor)}, ${describeSite(x, x.site.start)})`,
    'kernel BUG at lib/list_debug.c!',
  ].join('\n'));
  return false;
}

export function hex(addr: number): string {
  if (addr === LIST_POISON1) return 'dead000000000100';
  if (addr === LIST_POISON2) return 'dead000000000122';
  return `ffff8880${(addr >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * The steps of a list operation, as the kernel's stores are: list_add and list_del are
 * several visible steps (Exec.stay), so writers that nothing serialises interleave inside
 * them and tear the list, as they do in the kernel; CONFIG_DEBUG_LIST's checks at the start
 * of each operation then see the damage. The actor's op words carry the neighbours read at
 * the start (`prev`, `next`) from one step to the next.
 */
export function opStep(x: Exec): number {
  return x.actorWord(x.actor, ACTOR_WORD.opStep);
}

/** Ends this step of a primitive made of several: the actor's next step runs it at `step`. */
export function nextStep(x: Exec, step: number): void {
  x.setActorWord(x.actor, ACTOR_WORD.opStep, step);
  x.stay();
}

function scratch(x: Exec): [number, number] {
  return [x.actorWord(x.actor, ACTOR_WORD.opScratch0), x.actorWord(x.actor, ACTOR_WORD.opScratch1)];
}

/** The last step of a primitive made of several: its op words are clear again. */
export function done(x: Exec): void {
  x.setActorWord(x.actor, ACTOR_WORD.opStep, 0);
  x.setActorWord(x.actor, ACTOR_WORD.opScratch0, 0);
  x.setActorWord(x.actor, ACTOR_WORD.opScratch1, 0);
}

/** __list_add_valid: the neighbours point at each other, and new is not one of them. */
function listAddValid(x: Exec, entry: number, prev: number, next: number): boolean {
  x.checkAccess(next + 1, false, 'list_add: next->prev');
  const nextPrev = x.read(next + 1);
  x.checkAccess(prev, false, 'list_add: prev->next');
  const prevNext = x.read(prev);
  if (nextPrev !== prev) {
    return listCorruption(x, `list_add corruption. next->prev should be prev (${hex(prev)} ${listEntryName(x, prev)}), but was ${hex(nextPrev)} (${listEntryName(x, nextPrev)}). (next=${hex(next)} ${listEntryName(x, next)}).`);
  }
  if (prevNext !== next) {
    return listCorruption(x, `list_add corruption. prev->next should be next (${hex(next)} ${listEntryName(x, next)}), but was ${hex(prevNext)} (${listEntryName(x, prevNext)}). (prev=${hex(prev)} ${listEntryName(x, prev)}).`);
  }
  if (entry === prev || entry === next) {
    return listCorruption(x, `list_add double add: new=${hex(entry)} ${listEntryName(x, entry)}, prev=${hex(prev)}, next=${hex(next)}.`);
  }
  return true;
}

/**
 * __list_add(new, prev, next) in four steps: the neighbours are read and checked
 * (`neighbours` reads them: head and head->next for list_add), then `next->prev = new`,
 * then `new->next = next; new->prev = prev` (new is not yet reachable), then
 * `WRITE_ONCE(prev->next, new)`. A failed check skips the add.
 */
export function listAddStep(x: Exec, entry: number, neighbours: () => [number, number]): void {
  switch (opStep(x)) {
    case 0: {
      const [prev, next] = neighbours();
      if (!listAddValid(x, entry, prev, next)) return;
      x.setActorWord(x.actor, ACTOR_WORD.opScratch0, prev);
      x.setActorWord(x.actor, ACTOR_WORD.opScratch1, next);
      nextStep(x, 1);
      return;
    }
    case 1: {
      const [, next] = scratch(x);
      x.checkAccess(next + 1, true, 'list_add: next->prev');
      x.write(next + 1, entry);
      nextStep(x, 2);
      return;
    }
    case 2: {
      const [prev, next] = scratch(x);
      x.checkAccess(entry, true, 'list_add: new->next');
      x.write(entry, next);
      x.write(entry + 1, prev);
      nextStep(x, 3);
      return;
    }
    default: {
      const [prev] = scratch(x);
      x.checkAccess(prev, true, 'list_add: prev->next');
      x.write(prev, entry, true);
      done(x);
    }
  }
}

/** __list_del_entry_valid: entry is linked, and its neighbours point back at it. */
function listDelValid(x: Exec, entry: number, prev: number, next: number): boolean {
  const name = listEntryName(x, entry);
  if (next === LIST_POISON1) return listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->next is LIST_POISON1 (${hex(LIST_POISON1)})`);
  if (prev === LIST_POISON2) return listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->prev is LIST_POISON2 (${hex(LIST_POISON2)})`);
  if (next === 0) return listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->next is NULL`);
  if (prev === 0) return listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->prev is NULL`);
  x.checkAccess(prev, false, 'list_del: prev->next');
  const prevNext = x.read(prev);
  if (prevNext !== entry) {
    return listCorruption(x, `list_del corruption. prev->next should be ${hex(entry)} (${name}), but was ${hex(prevNext)} (${listEntryName(x, prevNext)}). (prev=${hex(prev)} ${listEntryName(x, prev)})`);
  }
  x.checkAccess(next + 1, false, 'list_del: next->prev');
  const nextPrev = x.read(next + 1);
  if (nextPrev !== entry) {
    return listCorruption(x, `list_del corruption. next->prev should be ${hex(entry)} (${name}), but was ${hex(nextPrev)} (${listEntryName(x, nextPrev)}). (next=${hex(next)} ${listEntryName(x, next)})`);
  }
  return true;
}

/**
 * list_del and its forms in three steps: entry's links are read and checked, then
 * `next->prev = prev`, then `WRITE_ONCE(prev->next, next)` with `after` (poisoning or
 * reinitialising the entry, which nobody reaches any more). A failed check skips the delete.
 */
export function listDelStep(x: Exec, entry: number, after: (x: Exec, entry: number) => void): void {
  switch (opStep(x)) {
    case 0: {
      x.checkAccess(entry, false, 'list_del: entry->next');
      const next = x.read(entry);
      const prev = x.read(entry + 1);
      if (!listDelValid(x, entry, prev, next)) return;
      x.setActorWord(x.actor, ACTOR_WORD.opScratch0, prev);
      x.setActorWord(x.actor, ACTOR_WORD.opScratch1, next);
      nextStep(x, 1);
      return;
    }
    case 1: {
      const [prev, next] = scratch(x);
      x.checkAccess(next + 1, true, 'list_del: next->prev');
      x.write(next + 1, prev);
      nextStep(x, 2);
      return;
    }
    default: {
      const [prev, next] = scratch(x);
      x.checkAccess(prev, true, 'list_del: prev->next');
      x.write(prev, next, true);
      after(x, entry);
      done(x);
    }
  }
}

/**
 * hlist_add_head(n, h) in the kernel's three stores (CONFIG_DEBUG_LIST checks no hlist):
 * `first = h->first; n->next = first`, then `first->pprev = &n->next`, then
 * `h->first = n; n->pprev = &h->first`. The `_rcu` form publishes last what readers follow:
 * `n->next = first; n->pprev = &h->first`, then `rcu_assign_pointer(h->first, n)`, then
 * `first->pprev = &n->next`. Unserialised writers interleave between the steps and lose
 * nodes or leave dangling pprev links, which later operations and walks trip over.
 */
export function hlistAddHeadStep(x: Exec, node: number, head: number, rcu: boolean): void {
  switch (opStep(x)) {
    case 0: {
      x.checkAccess(head, false, 'hlist_add_head: h->first');
      const first = x.read(head);
      x.checkAccess(node, true, 'hlist_add_head: n->next');
      x.write(node, first, true);
      if (rcu) x.write(node + 1, head, true);
      x.setActorWord(x.actor, ACTOR_WORD.opScratch0, first);
      nextStep(x, 1);
      return;
    }
    case 1: {
      const [first] = scratch(x);
      if (rcu) {
        x.checkAccess(head, true, 'hlist_add_head_rcu: h->first');
        x.write(head, node, true);
      } else if (first !== 0) {
        x.checkAccess(first + 1, true, 'hlist_add_head: first->pprev');
        x.write(first + 1, node, true);
      }
      nextStep(x, 2);
      return;
    }
    default: {
      const [first] = scratch(x);
      if (rcu) {
        if (first !== 0) {
          x.checkAccess(first + 1, true, 'hlist_add_head_rcu: first->pprev');
          x.write(first + 1, node, true);
        }
      } else {
        x.checkAccess(head, true, 'hlist_add_head: h->first');
        x.write(head, node, true);
        x.checkAccess(node + 1, true, 'hlist_add_head: n->pprev');
        x.write(node + 1, head, true);
      }
      done(x);
    }
  }
}

/**
 * __hlist_del(n) in two steps, then `after` (poisoning or reinitialising n): `*n->pprev =
 * n->next`, then `n->next->pprev = n->pprev`. A node never added (pprev NULL) or deleted
 * before (LIST_POISON2) faults on `*pprev`, as in the kernel.
 */
export function hlistDelStep(x: Exec, node: number, after: (x: Exec, node: number) => void): void {
  switch (opStep(x)) {
    case 0: {
      x.checkAccess(node, false, 'hlist_del: n->next');
      const next = x.read(node, true);
      const pprev = x.read(node + 1, true);
      x.checkAccess(pprev, true, 'hlist_del: *n->pprev');
      x.write(pprev, next, true);
      x.setActorWord(x.actor, ACTOR_WORD.opScratch0, pprev);
      x.setActorWord(x.actor, ACTOR_WORD.opScratch1, next);
      nextStep(x, 1);
      return;
    }
    default: {
      const [pprev, next] = scratch(x);
      if (next !== 0) {
        x.checkAccess(next + 1, true, 'hlist_del: next->pprev');
        x.write(next + 1, pprev, true);
      }
      after(x, node);
      done(x);
    }
  }
}

export function fdEntry(x: Exec, fd: number): number {
  return x.scenario.layout.fdTable + (fd - FD_BASE) * FD_ENTRY_WORDS;
}

/** The fds a thread could name: installed, not only reserved. */
export function openFds(x: Exec): number[] {
  const out: number[] = [];
  for (let i = 0; i < MAX_FDS; i++) {
    const state = x.read(x.scenario.layout.fdTable + i * FD_ENTRY_WORDS + 2, true);
    if (state === FdState.Legacy || state === FdState.File) out.push(FD_BASE + i);
  }
  return out;
}

/** Every static struct kvm_vcpu, in kvm_get_vcpu's order. */
export function vcpuInstances(x: Exec): readonly number[] {
  return x.scenario.vcpuLayout?.instances ?? [];
}

/**
 * The struct kvm_vcpu a vCPU primitive acts on: its argument, or the running vCPU's own
 * when it is left out. A NULL (or freed) vcpu fails as the kernel would dereferencing it.
 */
export function vcpuOf(x: Exec, arg?: number): number {
  const v = arg ?? x.actorSym.vcpu ?? 0;
  if (arg === undefined && x.actorSym.vcpu === undefined) {
    x.fail('null_deref', `${x.actorSym.name} is not a vCPU: there is no current vcpu here`, [
      'BUG: kernel NULL pointer dereference, address: 0000000000000000',
      `  ${x.actorSym.name} is a ${x.actorSym.actorKind}, not a vCPU thread, at ${describeSite(x, x.site.start)}`,
    ].join('\n'));
  }
  x.checkAccess(v, false, 'vcpu');
  return v;
}

type VcpuField = 'mode' | 'requests' | 'kvm' | 'wait';

function vcpuFieldOffset(x: Exec, field: VcpuField): number {
  const l = x.scenario.vcpuLayout;
  return l ? l[field] : -1;
}

/** Reads a built-in field of a struct kvm_vcpu (marked: the kernel uses READ_ONCE / atomics). */
export function vcpuRead(x: Exec, vcpu: number, field: VcpuField): number {
  const off = vcpuFieldOffset(x, field);
  return off < 0 ? 0 : x.read(vcpu + off, true);
}

export function vcpuWrite(x: Exec, vcpu: number, field: VcpuField, value: number): void {
  const off = vcpuFieldOffset(x, field);
  if (off >= 0) x.write(vcpu + off, value, true);
}

export function requestBit(req: number): number {
  return 1 << req;
}

/** kvm_vcpu_wake_up(): wakes the task sleeping on vcpu->wait, if any; whether one was. */
export function wakeUpVcpu(x: Exec, vcpu: number): boolean {
  if (vcpuRead(x, vcpu, 'wait') === 0) return false;
  vcpuWrite(x, vcpu, 'wait', 0);
  return true;
}

export function otherCpusWithIrqsOff(x: Exec): number[] {
  const cpus: number[] = [];
  for (let i = 0; i < x.actorCount(); i++) {
    const a = x.scenario.actors[i]!;
    if (a.cpu === x.actorSym.cpu) continue;
    if (x.actorStatus(i) === 1 && x.actorIrqsOff(i)) cpus.push(a.cpu);
  }
  return cpus;
}

/** kvm_vcpu_exiting_guest_mode(): cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE). */
export function kickIfInGuest(x: Exec, vcpu: number): void {
  if (vcpuRead(x, vcpu, 'mode') === vcpuModes.IN_GUEST_MODE) {
    vcpuWrite(x, vcpu, 'mode', vcpuModes.EXITING_GUEST_MODE);
  }
}

export function assertionFailed(x: Exec, header: string): never {
  x.fail('assertion', ...assertionReport(x, header));
}

/** WARN_ON and lockdep's assertions: the kernel prints the warning and goes on. */
export function assertionWarning(x: Exec, header: string): void {
  x.report('assertion', ...assertionReport(x, header));
}

function assertionReport(x: Exec, header: string): [string, string] {
  const text = x.scenario.text.slice(x.site.start, x.site.end).trim();
  return [`${header}: ${text}`, [
    '------------[ cut here ]------------',
    `${header} at ${describeSite(x, x.site.start)}`,
    `  ${text}`,
    // A `final` or `invariant` block is the scenario's check, not a task on a CPU.
    x.actorSym.cpu < 0
      ? `(checked by the scenario's ${x.actorSym.actorKind} block, not a kernel task)`
      : `CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} Comm: ${x.actorSym.name}`,
  ].join('\n')];
}


// ---------- lockdep_set_class ----------

const LOCK_PARAMS: ReadonlySet<ParamKind> = new Set<ParamKind>(['lock', 'mutex', 'spinlock', 'rwsem', 'rwlock', 'srcu']);

/** The class lockdep_set_class gave the lock at `addr`, or undefined when it keeps its declaration's. */
export function keyedClass(x: Exec, addr: number): number | undefined {
  const L = x.scenario.layout;
  for (let i = 0; i < L.lockKeySlots; i++) {
    if (x.read(L.lockKeys + 2 * i, true) === addr) return x.read(L.lockKeys + 2 * i + 1, true) - 1;
  }
  return undefined;
}

/** A call's static facts with each lock argument's class replaced by its instance's key class. */
export function keyedStatics(x: Exec, b: Builtin, args: readonly number[], statics: readonly number[]): readonly number[] {
  let out: number[] | undefined;
  b.params.forEach((p, i) => {
    if (!LOCK_PARAMS.has(p.kind)) return;
    const cls = keyedClass(x, args[i]!);
    if (cls === undefined || cls === statics[i]) return;
    out ??= [...statics];
    out[i] = cls;
  });
  return out ?? statics;
}

/** A lock parameter of the given kind. */
export const lock = (name: string, kind: ParamKind): BuiltinParam => ({ name, kind });

/** Another kernel name for a primitive whose model is the same. */
export function alias(family: readonly Builtin[], name: string, of: string, kernel: string, returns?: ReturnKind): Builtin {
  const b = family.find((x) => x.name === of);
  if (!b) throw new Error(`alias of unknown builtin ${of}`);
  return { ...b, name, kernel, model: `As ${of}.${returns === 'int' ? ' Returns 0: the model delivers no fatal signals.' : ''}`, ...(returns ? { returns } : {}) };
}

/** `config FAULT_INJECTION;`: allocations, user copies and interruptible sleeps may fail. */
export function faultInjection(x: Exec): boolean {
  return x.scenario.configs.has('FAULT_INJECTION');
}

// ---------- callback actors (kworkers, timers) ----------

/** The callback actor running `item` right now, or -1. */
export function runningOn(x: Exec, item: number): number {
  for (let i = 0; i < x.actorCount(); i++) {
    if (!x.scenario.actors[i]!.callback) continue;
    if (x.actorStatus(i) === ActorStatus.Running && x.actorWord(i, ACTOR_WORD.callbackArg) === item) return i;
  }
  return -1;
}

/** The callback actor that has `item` pending or running, or -1. */
export function kworkerOf(x: Exec, item: number): number {
  for (let i = 0; i < x.actorCount(); i++) {
    if (!x.scenario.actors[i]!.callback || x.actorWord(i, ACTOR_WORD.callbackArg) !== item) continue;
    if (x.actorStatus(i) === ActorStatus.Running || x.actorWord(i, ACTOR_WORD.workPending) !== 0) return i;
  }
  return -1;
}

/** lock_map_acquire + lock_map_release of a work's, workqueue's or timer's lockdep map, as flushing and cancelling do. */
export function touchCallbackMap(x: Exec, cls: number | undefined, addr: number): void {
  if (cls === undefined) return;
  x.emit({
    kind: 'acquire', actor: x.actor, lock: addr, cls, lockKind: 'mutex', mode: 'write', trylock: false,
    site: x.site, held: x.held(), irqsEnabled: !x.irqsOff(), inIrq: x.inIrq(),
  });
}

/** Clears a pending run of a work item or timer (PENDING, and its callback actor's start); returns whether there was one. */
export function cancelPending(x: Exec, w: number): number {
  const data = x.read(w + WORK_WORD.data, true);
  x.write(w + WORK_WORD.data, data & ~WORK_PENDING, true);
  const k = kworkerOf(x, w);
  if (k >= 0 && x.actorWord(k, ACTOR_WORD.workPending) !== 0) {
    x.setActorWord(k, ACTOR_WORD.workPending, 0);
    if (x.actorStatus(k) !== ActorStatus.Running) x.setActorWord(k, ACTOR_WORD.callbackArg, 0);
  }
  return data & WORK_PENDING;
}

/**
 * What a callback given a member of an object gets, as its first parameter's type says: the
 * member itself when it takes one (`void release(struct kref *kref)`, then container_of, as
 * the kernel writes it), else the object (`void release(struct T *obj)`, the short form).
 */
export function callbackArg(x: Exec, fn: number, member: number, obj: number): number {
  const t = x.scenario.fns[fnIndexOf(fn)]?.params[0]?.type;
  if (t?.k !== 'ptr') return obj;
  const to = t.to;
  return to.k === 'kref' || (to.k === 'int' && to.spelling === 'struct rcu_head') ? member : obj;
}
