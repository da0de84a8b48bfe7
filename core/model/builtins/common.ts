// Helpers the families' semantics share: lock words, lockdep-style reports, list-debug
// checks, the fd table, vCPU queries.

import { ACTOR_WORD, vcpuModes } from '../../semantics/symbols';
import { FD_BASE, FD_ENTRY_WORDS, LIST_POISON1, LIST_POISON2, MAX_FDS } from '../compiled';
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

/** Takes an exclusive lock word (mutex, spinlock, rwsem writer), blocking while it is held. */
export function lockExclusive(x: Exec, addr: number, cls: number, irq: boolean, readersAddr = 0): void {
  const holder = x.read(addr, true);
  const readers = readersAddr ? x.read(readersAddr, true) : 0;
  if (holder === x.actor + 1 || (readers & bit(x.actor)) !== 0) {
    recursiveLocking(x, addr, cls);
  }
  if (holder !== 0 || readers !== 0) {
    const holders = holder !== 0 ? [holder - 1] : readersOf(readers);
    x.block({ kind: 'lock', lock: addr, cls, mode: 'write', holders });
  }
  x.write(addr, x.actor + 1, true);
  x.acquire(addr, cls, 'write', false, irq);
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
    [
      '============================================',
      'WARNING: possible recursive locking detected',
      '--------------------------------------------',
      `${actorLabel(x, x.actor)} is trying to acquire lock:`,
      ` (${name}) at: ${describeSite(x, x.site.start)}`,
      '',
      'but task is already holding lock:',
      ` (${name}) at: ${held ? describeSite(x, held.site.start) : '?'}`,
      '',
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0',
      '       ----',
      `  lock(${name});`,
      `  lock(${name});`,
      '',
      ' *** DEADLOCK ***',
    ].join('\n'),
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
export function listCorruption(x: Exec, message: string): void {
  x.report('list_corruption', message, [
    '------------[ cut here ]------------',
    message,
    `WARNING: CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} at lib/list_debug.c (${actorLabel(x, x.actor)}, ${describeSite(x, x.site.start)})`,
    'kernel BUG at lib/list_debug.c!',
  ].join('\n'));
}

export function hex(addr: number): string {
  if (addr === LIST_POISON1) return 'dead000000000100';
  if (addr === LIST_POISON2) return 'dead000000000122';
  return `ffff8880${(addr >>> 0).toString(16).padStart(8, '0')}`;
}

/** __list_add_valid + __list_add, as CONFIG_DEBUG_LIST checks them. */
export function listAdd(x: Exec, entry: number, prev: number, next: number): void {
  x.checkAccess(next + 1, false, 'list_add: next->prev');
  const nextPrev = x.read(next + 1);
  x.checkAccess(prev, false, 'list_add: prev->next');
  const prevNext = x.read(prev);
  if (nextPrev !== prev) {
    listCorruption(x, `list_add corruption. next->prev should be prev (${hex(prev)} ${listEntryName(x, prev)}), but was ${hex(nextPrev)}. (next=${hex(next)} ${listEntryName(x, next)}).`);
    return;
  }
  if (prevNext !== next) {
    listCorruption(x, `list_add corruption. prev->next should be next (${hex(next)} ${listEntryName(x, next)}), but was ${hex(prevNext)}. (prev=${hex(prev)} ${listEntryName(x, prev)}).`);
    return;
  }
  if (entry === prev || entry === next) {
    listCorruption(x, `list_add double add: new=${hex(entry)} ${listEntryName(x, entry)}, prev=${hex(prev)}, next=${hex(next)}.`);
    return;
  }
  x.checkAccess(next + 1, true, 'list_add: next->prev');
  x.write(next + 1, entry);
  x.checkAccess(entry, true, 'list_add: new->next');
  x.write(entry, next);
  x.write(entry + 1, prev);
  x.checkAccess(prev, true, 'list_add: prev->next');
  x.write(prev, entry);
}

/** __list_del_entry_valid + __list_del. */
export function listDel(x: Exec, entry: number): void {
  x.checkAccess(entry, false, 'list_del: entry->next');
  const next = x.read(entry);
  const prev = x.read(entry + 1);
  const name = listEntryName(x, entry);
  if (next === LIST_POISON1) {
    listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->next is LIST_POISON1 (${hex(LIST_POISON1)})`);
    return;
  }
  if (prev === LIST_POISON2) {
    listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->prev is LIST_POISON2 (${hex(LIST_POISON2)})`);
    return;
  }
  if (next === 0) {
    listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->next is NULL`);
    return;
  }
  if (prev === 0) {
    listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->prev is NULL`);
    return;
  }
  x.checkAccess(prev, false, 'list_del: prev->next');
  const prevNext = x.read(prev);
  if (prevNext !== entry) {
    listCorruption(x, `list_del corruption. prev->next should be ${hex(entry)} (${name}), but was ${hex(prevNext)}. (prev=${hex(prev)})`);
    return;
  }
  x.checkAccess(next + 1, false, 'list_del: next->prev');
  const nextPrev = x.read(next + 1);
  if (nextPrev !== entry) {
    listCorruption(x, `list_del corruption. next->prev should be ${hex(entry)} (${name}), but was ${hex(nextPrev)}. (next=${hex(next)})`);
    return;
  }
  x.checkAccess(next + 1, true, 'list_del: next->prev');
  x.write(next + 1, prev);
  x.checkAccess(prev, true, 'list_del: prev->next');
  x.write(prev, next);
}

export function fdEntry(x: Exec, fd: number): number {
  return x.scenario.layout.fdTable + (fd - FD_BASE) * FD_ENTRY_WORDS;
}

export function openFds(x: Exec): number[] {
  const out: number[] = [];
  for (let i = 0; i < MAX_FDS; i++) {
    if (x.read(x.scenario.layout.fdTable + i * FD_ENTRY_WORDS + 2, true) !== 0) out.push(FD_BASE + i);
  }
  return out;
}

export function closeFd(x: Exec, fd: number): number {
  if (fd < FD_BASE || fd >= FD_BASE + MAX_FDS) return -EBADF;
  const e = fdEntry(x, fd);
  if (x.read(e + 2, true) === 0) return -EBADF;
  const obj = x.read(e, true);
  const release = x.read(e + 1, true) - 1;
  x.write(e, 0, true);
  x.write(e + 1, 0, true);
  x.write(e + 2, 0, true);
  x.emit({ kind: 'fd', actor: x.actor, fd, open: false });
  // The last reference is dropped: fput() runs the file's release callback.
  if (release >= 0) x.callAfter(release, [obj]);
  return 0;
}

export function vcpuActors(x: Exec): number[] {
  const out: number[] = [];
  x.scenario.actors.forEach((a, i) => {
    if (a.actorKind === 'vcpu') out.push(i);
  });
  return out;
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

export function kickIfInGuest(x: Exec, v: number): void {
  if (x.actorWord(v, ACTOR_WORD.mode) === vcpuModes.IN_GUEST_MODE) {
    x.setActorWord(v, ACTOR_WORD.mode, vcpuModes.EXITING_GUEST_MODE);
  }
}

export function refcountViolation(x: Exec, what: string): never {
  x.fail('use_after_free', `refcount_t: ${what}; use-after-free (${actorLabel(x, x.actor)})`, [
    '------------[ cut here ]------------',
    `refcount_t: ${what}; use-after-free.`,
    `WARNING: CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} at lib/refcount.c refcount_warn_saturate (${describeSite(x, x.site.start)})`,
  ].join('\n'));
}

/** BUG_ON, assert: the run ends here. */
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
    `CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} Comm: ${x.actorSym.name}`,
  ].join('\n')];
}


/** A lock parameter of the given kind. */
export const lock = (name: string, kind: ParamKind): BuiltinParam => ({ name, kind });

/** Another kernel name for a primitive whose model is the same. */
export function alias(family: readonly Builtin[], name: string, of: string, kernel: string, returns?: ReturnKind): Builtin {
  const b = family.find((x) => x.name === of);
  if (!b) throw new Error(`alias of unknown builtin ${of}`);
  return { ...b, name, kernel, model: `As ${of}.${returns === 'int' ? ' Returns 0: the model delivers no fatal signals.' : ''}`, ...(returns ? { returns } : {}) };
}
