// The one registry of builtin primitives. Each entry is the single source of its signature
// (completion, signature help, semantic checks), its documentation (hover, docs/builtins.md)
// and its semantics (the machine step). Adding a primitive touches this file only.

import { ACTOR_WORD, vcpuModes } from '../semantics/symbols';
import { FD_BASE, FD_ENTRY_WORDS, LIST_POISON1, LIST_POISON2, MAX_FDS } from './compiled';
import type { Exec } from './exec';

export type BuiltinFamily =
  | 'locks'
  | 'irq'
  | 'memory'
  | 'lists'
  | 'files'
  | 'vcpu'
  | 'refcount'
  | 'workqueue'
  | 'waiting'
  | 'atomics'
  | 'checks';

/** What an argument must be. Lock kinds and the other shared types take a place (`&x`). */
export type ParamKind =
  /** Any lock kind. */
  | 'lock'
  | 'mutex'
  | 'spinlock'
  | 'rwsem'
  | 'rwlock'
  | 'srcu'
  | 'list_head'
  | 'atomic'
  | 'kref'
  | 'waitq'
  /** A shared scalar (READ_ONCE / WRITE_ONCE). */
  | 'place'
  /** A struct pointer value. */
  | 'ptr'
  | 'int'
  | 'bool'
  | 'fn'
  | 'vcpu'
  | 'work'
  | 'type'
  | 'request'
  /** An fd number, or `any` (a guess: any fd open at that moment, or none). */
  | 'fd'
  /** Evaluated each time the actor is scheduled (wait_event). */
  | 'cond';

export interface BuiltinParam {
  readonly name: string;
  readonly kind: ParamKind;
  readonly optional?: boolean;
}

export type ReturnKind = 'void' | 'int' | 'bool' | 'ptr';

export interface Builtin {
  readonly name: string;
  readonly family: BuiltinFamily;
  readonly params: readonly BuiltinParam[];
  /** `ptr` returns a pointer to the struct named by the `type` argument. */
  readonly returns: ReturnKind;
  /** What the kernel function does. */
  readonly kernel: string;
  /** Exactly what the model does. */
  readonly model: string;
  /** May sleep: calling it in atomic context is a violation. */
  readonly sleeps?: boolean;
  /** Touches no shared state: not a scheduling point. */
  readonly pure?: boolean;
  /** Only meaningful inside a vcpu actor. */
  readonly vcpuOnly?: boolean;
  /**
   * Takes its first argument as a lock: exclusively (blocked while anyone holds it) or
   * shared (blocked while a writer holds it). Lets the machine see a blocked acquisition
   * without running the step.
   */
  readonly acquires?: 'exclusive' | 'shared';
  /** Compiled specially rather than run (wait_event, await). */
  readonly special?: 'await';
  /** Number of nondeterministic outcomes, decided by the scheduler's `choice`. */
  choices?(x: Exec, args: readonly number[]): number;
  /**
   * The semantics. `args` are evaluated values (places arrive as addresses); `statics`
   * carry compile-time facts per argument: a lock's class, a struct's index, a kref
   * field's offset in its struct, a request's bit.
   */
  run(x: Exec, args: readonly number[], statics: readonly number[]): number;
}

const EBADF = 9;
const EMFILE = 24;

export const CONSTANTS: readonly { name: string; value: number; doc: string }[] = [
  { name: 'EPERM', value: 1, doc: 'Operation not permitted.' },
  { name: 'ENOENT', value: 2, doc: 'No such file or directory.' },
  { name: 'EINTR', value: 4, doc: 'Interrupted system call.' },
  { name: 'EBADF', value: EBADF, doc: 'Bad file number: close() of an fd that is not open.' },
  { name: 'EAGAIN', value: 11, doc: 'Try again.' },
  { name: 'ENOMEM', value: 12, doc: 'Out of memory.' },
  { name: 'EFAULT', value: 14, doc: 'Bad address.' },
  { name: 'EBUSY', value: 16, doc: 'Device or resource busy.' },
  { name: 'EEXIST', value: 17, doc: 'File exists (a duplicate, e.g. the same LIOBN).' },
  { name: 'EINVAL', value: 22, doc: 'Invalid argument.' },
  { name: 'EMFILE', value: EMFILE, doc: 'Too many open files.' },
  { name: 'GFP_KERNEL', value: 0, doc: 'Allocation flag: may sleep.' },
  { name: 'GFP_ATOMIC', value: 1, doc: 'Allocation flag: must not sleep (atomic context).' },
  { name: 'OUTSIDE_GUEST_MODE', value: vcpuModes.OUTSIDE_GUEST_MODE, doc: 'vcpu->mode: running host code.' },
  { name: 'IN_GUEST_MODE', value: vcpuModes.IN_GUEST_MODE, doc: 'vcpu->mode: entered (or about to enter) the guest; a kick must send an IPI.' },
  { name: 'EXITING_GUEST_MODE', value: vcpuModes.EXITING_GUEST_MODE, doc: 'vcpu->mode: kicked, leaving the guest.' },
  { name: 'READING_SHADOW_PAGE_TABLES', value: vcpuModes.READING_SHADOW_PAGE_TABLES, doc: 'vcpu->mode: walking shadow page tables outside the guest.' },
  { name: 'any', value: -1, doc: 'For close(any): a thread that guesses an fd number. The guess is any fd open at that moment, or one that is not open (EBADF).' },
];

// ---------- shared helpers for the semantics ----------

function bit(actor: number): number {
  return 1 << actor;
}

function lockName(x: Exec, cls: number): string {
  return x.lockClass(cls).name;
}

function actorLabel(x: Exec, actor: number): string {
  const a = x.scenario.actors[actor];
  return a ? `${a.name}/${actor + 1}` : `actor${actor}`;
}

/** Takes an exclusive lock word (mutex, spinlock, rwsem writer), blocking while it is held. */
function lockExclusive(x: Exec, addr: number, cls: number, irq: boolean, readersAddr = 0): void {
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

function readersOf(mask: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 31; i++) if (mask & (1 << i)) out.push(i);
  return out;
}

function recursiveLocking(x: Exec, addr: number, cls: number): never {
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

function describeSite(x: Exec, offset: number): string {
  let line = 1;
  const text = x.scenario.text;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return `${x.scenario.file}:${line}`;
}

function unlockExclusive(x: Exec, addr: number, cls: number, fn: string): void {
  const holder = x.read(addr, true);
  if (holder !== x.actor + 1) badUnlock(x, addr, cls, fn, holder === 0 ? 'it is not locked' : `it is held by ${actorLabel(x, holder - 1)}`);
  x.write(addr, 0, true);
  x.release(addr, 'write');
}

function badUnlock(x: Exec, _addr: number, cls: number, fn: string, why: string): never {
  const name = lockName(x, cls);
  x.fail(
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

function listEntryName(x: Exec, addr: number): string {
  return x.describe(addr);
}

function listCorruption(x: Exec, message: string): never {
  x.fail('list_corruption', message, [
    '------------[ cut here ]------------',
    message,
    `WARNING: CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} at lib/list_debug.c (${actorLabel(x, x.actor)}, ${describeSite(x, x.site.start)})`,
    'kernel BUG at lib/list_debug.c!',
  ].join('\n'));
}

function hex(addr: number): string {
  if (addr === LIST_POISON1) return 'dead000000000100';
  if (addr === LIST_POISON2) return 'dead000000000122';
  return `ffff8880${(addr >>> 0).toString(16).padStart(8, '0')}`;
}

/** __list_add_valid + __list_add, as CONFIG_DEBUG_LIST checks them. */
function listAdd(x: Exec, entry: number, prev: number, next: number): void {
  x.checkAccess(next + 1, false, 'list_add: next->prev');
  const nextPrev = x.read(next + 1);
  x.checkAccess(prev, false, 'list_add: prev->next');
  const prevNext = x.read(prev);
  if (nextPrev !== prev) {
    listCorruption(x, `list_add corruption. next->prev should be prev (${hex(prev)} ${listEntryName(x, prev)}), but was ${hex(nextPrev)}. (next=${hex(next)} ${listEntryName(x, next)}).`);
  }
  if (prevNext !== next) {
    listCorruption(x, `list_add corruption. prev->next should be next (${hex(next)} ${listEntryName(x, next)}), but was ${hex(prevNext)}. (prev=${hex(prev)} ${listEntryName(x, prev)}).`);
  }
  if (entry === prev || entry === next) {
    listCorruption(x, `list_add double add: new=${hex(entry)} ${listEntryName(x, entry)}, prev=${hex(prev)}, next=${hex(next)}.`);
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
function listDel(x: Exec, entry: number): void {
  x.checkAccess(entry, false, 'list_del: entry->next');
  const next = x.read(entry);
  const prev = x.read(entry + 1);
  const name = listEntryName(x, entry);
  if (next === LIST_POISON1) listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->next is LIST_POISON1 (${hex(LIST_POISON1)})`);
  if (prev === LIST_POISON2) listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->prev is LIST_POISON2 (${hex(LIST_POISON2)})`);
  if (next === 0) listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->next is NULL`);
  if (prev === 0) listCorruption(x, `list_del corruption, ${hex(entry)} (${name})->prev is NULL`);
  x.checkAccess(prev, false, 'list_del: prev->next');
  const prevNext = x.read(prev);
  if (prevNext !== entry) {
    listCorruption(x, `list_del corruption. prev->next should be ${hex(entry)} (${name}), but was ${hex(prevNext)}. (prev=${hex(prev)})`);
  }
  x.checkAccess(next + 1, false, 'list_del: next->prev');
  const nextPrev = x.read(next + 1);
  if (nextPrev !== entry) {
    listCorruption(x, `list_del corruption. next->prev should be ${hex(entry)} (${name}), but was ${hex(nextPrev)}. (next=${hex(next)})`);
  }
  x.checkAccess(next + 1, true, 'list_del: next->prev');
  x.write(next + 1, prev);
  x.checkAccess(prev, true, 'list_del: prev->next');
  x.write(prev, next);
}

function fdEntry(x: Exec, fd: number): number {
  return x.scenario.layout.fdTable + (fd - FD_BASE) * FD_ENTRY_WORDS;
}

function openFds(x: Exec): number[] {
  const out: number[] = [];
  for (let i = 0; i < MAX_FDS; i++) {
    if (x.read(x.scenario.layout.fdTable + i * FD_ENTRY_WORDS + 2, true) !== 0) out.push(FD_BASE + i);
  }
  return out;
}

function closeFd(x: Exec, fd: number): number {
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

function vcpuActors(x: Exec): number[] {
  const out: number[] = [];
  x.scenario.actors.forEach((a, i) => {
    if (a.actorKind === 'vcpu') out.push(i);
  });
  return out;
}

function otherCpusWithIrqsOff(x: Exec): number[] {
  const cpus: number[] = [];
  for (let i = 0; i < x.actorCount(); i++) {
    const a = x.scenario.actors[i]!;
    if (a.cpu === x.actorSym.cpu) continue;
    if (x.actorStatus(i) === 1 && x.actorIrqsOff(i)) cpus.push(a.cpu);
  }
  return cpus;
}

function kickIfInGuest(x: Exec, v: number): void {
  if (x.actorWord(v, ACTOR_WORD.mode) === vcpuModes.IN_GUEST_MODE) {
    x.setActorWord(v, ACTOR_WORD.mode, vcpuModes.EXITING_GUEST_MODE);
  }
}

function refcountViolation(x: Exec, what: string): never {
  x.fail('use_after_free', `refcount_t: ${what}; use-after-free (${actorLabel(x, x.actor)})`, [
    '------------[ cut here ]------------',
    `refcount_t: ${what}; use-after-free.`,
    `WARNING: CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} at lib/refcount.c refcount_warn_saturate (${describeSite(x, x.site.start)})`,
  ].join('\n'));
}

function assertionFailed(x: Exec, header: string): never {
  const text = x.scenario.text.slice(x.site.start, x.site.end).trim();
  x.fail('assertion', `${header}: ${text}`, [
    '------------[ cut here ]------------',
    `${header} at ${describeSite(x, x.site.start)}`,
    `  ${text}`,
    `CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} Comm: ${x.actorSym.name}`,
  ].join('\n'));
}

// ---------- the registry ----------

const lock = (name: string, kind: ParamKind): BuiltinParam => ({ name, kind });

const BUILTINS_BASE: readonly Builtin[] = [
  // --- mutexes ---
  {
    name: 'mutex_lock', family: 'locks', acquires: 'exclusive', params: [lock('lock', 'mutex')], returns: 'void', sleeps: true,
    kernel: 'Acquires the mutex, sleeping until it is available. Must not be called in atomic context.',
    model: 'One step. Blocks while another actor holds the mutex; acquiring a mutex this actor already holds is a deadlock (lockdep: possible recursive locking). Records the lock-class dependency on every lock already held (lockdep). Calling it with a spinlock held or interrupts off is sleep_in_atomic.',
    run(x, [m], [cls]) {
      x.mightSleep('mutex_lock');
      lockExclusive(x, m!, cls!, false);
      return 0;
    },
  },
  {
    name: 'mutex_lock_interruptible', family: 'locks', acquires: 'exclusive', params: [lock('lock', 'mutex')], returns: 'int', sleeps: true,
    kernel: 'Acquires the mutex; a signal may interrupt the sleep (returns -EINTR).',
    model: 'As mutex_lock; the model delivers no signals, so it always returns 0.',
    run(x, [m], [cls]) {
      x.mightSleep('mutex_lock_interruptible');
      lockExclusive(x, m!, cls!, false);
      return 0;
    },
  },
  {
    name: 'mutex_trylock', family: 'locks', params: [lock('lock', 'mutex')], returns: 'bool',
    kernel: 'Tries to acquire the mutex without sleeping; returns 1 on success, 0 if it is held.',
    model: 'One step. Takes the mutex if it is free and returns true; otherwise returns false. A trylock adds no lock-order dependency (as in lockdep).',
    run(x, [m], [cls]) {
      if (x.read(m!, true) !== 0) return 0;
      x.write(m!, x.actor + 1, true);
      x.acquire(m!, cls!, 'write', true, false);
      return 1;
    },
  },
  {
    name: 'mutex_unlock', family: 'locks', params: [lock('lock', 'mutex')], returns: 'void',
    kernel: 'Releases a mutex held by the current task.',
    model: 'One step. Releasing a mutex this actor does not hold is unlock_not_held (lockdep: bad unlock balance).',
    run(x, [m], [cls]) {
      unlockExclusive(x, m!, cls!, 'mutex_unlock');
      return 0;
    },
  },
  {
    name: 'mutex_is_locked', family: 'locks', params: [lock('lock', 'mutex')], returns: 'bool',
    kernel: 'Returns whether the mutex is held by anyone.',
    model: 'Reads the mutex owner; true when some actor holds it.',
    run(x, [m]) {
      return x.read(m!, true) !== 0 ? 1 : 0;
    },
  },
  // --- spinlocks ---
  {
    name: 'spin_lock', family: 'locks', acquires: 'exclusive', params: [lock('lock', 'spinlock')], returns: 'void',
    kernel: 'Acquires the spinlock, spinning until it is available; disables preemption.',
    model: 'One step. Blocks (spins) while another actor holds it; taking it twice is a deadlock. While held, the actor is in atomic context: sleeping is a violation, and other tasks on its CPU do not run.',
    run(x, [s], [cls]) {
      lockExclusive(x, s!, cls!, false);
      return 0;
    },
  },
  {
    name: 'spin_trylock', family: 'locks', params: [lock('lock', 'spinlock')], returns: 'bool',
    kernel: 'Tries to acquire the spinlock; returns 1 on success.',
    model: 'Takes the spinlock if free and returns true, else false.',
    run(x, [s], [cls]) {
      if (x.read(s!, true) !== 0) return 0;
      x.write(s!, x.actor + 1, true);
      x.acquire(s!, cls!, 'write', true, false);
      return 1;
    },
  },
  {
    name: 'spin_unlock', family: 'locks', params: [lock('lock', 'spinlock')], returns: 'void',
    kernel: 'Releases the spinlock and re-enables preemption.',
    model: 'One step. Releasing a spinlock this actor does not hold is unlock_not_held.',
    run(x, [s], [cls]) {
      unlockExclusive(x, s!, cls!, 'spin_unlock');
      return 0;
    },
  },
  {
    name: 'spin_lock_irq', family: 'locks', acquires: 'exclusive', params: [lock('lock', 'spinlock')], returns: 'void',
    kernel: 'Disables local interrupts and acquires the spinlock.',
    model: 'As spin_lock, and interrupts are off on this actor until spin_unlock_irq: an irq handler on its CPU cannot run. The lock counts as taken with interrupts off for lockdep.',
    run(x, [s], [cls]) {
      x.setIrqOff(1);
      lockExclusive(x, s!, cls!, true);
      return 0;
    },
  },
  {
    name: 'spin_unlock_irq', family: 'locks', params: [lock('lock', 'spinlock')], returns: 'void',
    kernel: 'Releases the spinlock and enables local interrupts.',
    model: 'Releases the spinlock, then turns interrupts back on for this actor.',
    run(x, [s], [cls]) {
      unlockExclusive(x, s!, cls!, 'spin_unlock_irq');
      x.setIrqOff(-1);
      return 0;
    },
  },
  {
    name: 'spin_lock_irqsave', family: 'locks', acquires: 'exclusive', params: [lock('lock', 'spinlock'), { name: 'flags', kind: 'int' }], returns: 'void',
    kernel: 'Saves the interrupt state in flags, disables local interrupts and acquires the spinlock.',
    model: 'As spin_lock_irq; interrupt-off sections nest, so the flags argument is accepted and ignored.',
    run(x, [s], [cls]) {
      x.setIrqOff(1);
      lockExclusive(x, s!, cls!, true);
      return 0;
    },
  },
  {
    name: 'spin_unlock_irqrestore', family: 'locks', params: [lock('lock', 'spinlock'), { name: 'flags', kind: 'int' }], returns: 'void',
    kernel: 'Releases the spinlock and restores the saved interrupt state.',
    model: 'Releases the spinlock and ends one interrupt-off section.',
    run(x, [s], [cls]) {
      unlockExclusive(x, s!, cls!, 'spin_unlock_irqrestore');
      x.setIrqOff(-1);
      return 0;
    },
  },
  {
    name: 'assert_spin_locked', family: 'checks', params: [lock('lock', 'spinlock')], returns: 'void',
    kernel: 'BUG()s if the spinlock is not held.',
    model: 'An assertion violation unless some actor holds the spinlock.',
    run(x, [s]) {
      if (x.read(s!, true) === 0) assertionFailed(x, 'assert_spin_locked failed');
      return 0;
    },
  },
  // --- rw semaphores ---
  {
    name: 'down_read', family: 'locks', acquires: 'shared', params: [lock('sem', 'rwsem')], returns: 'void', sleeps: true,
    kernel: 'Acquires the rw_semaphore for reading; sleeps while a writer holds it.',
    model: 'One step. Blocks while a writer holds it; readers share it. Records lock-order dependencies like down_write.',
    run(x, [r], [cls]) {
      x.mightSleep('down_read');
      const writer = x.read(r!, true);
      if (writer === x.actor + 1) recursiveLocking(x, r!, cls!);
      if (writer !== 0) x.block({ kind: 'lock', lock: r!, cls: cls!, mode: 'read', holders: [writer - 1] });
      x.write(r! + 1, x.read(r! + 1, true) | bit(x.actor), true);
      x.acquire(r!, cls!, 'read', false, false);
      return 0;
    },
  },
  {
    name: 'down_read_trylock', family: 'locks', params: [lock('sem', 'rwsem')], returns: 'bool',
    kernel: 'Tries to acquire the rw_semaphore for reading; returns 1 on success.',
    model: 'Takes a read hold unless a writer holds it.',
    run(x, [r], [cls]) {
      if (x.read(r!, true) !== 0) return 0;
      x.write(r! + 1, x.read(r! + 1, true) | bit(x.actor), true);
      x.acquire(r!, cls!, 'read', true, false);
      return 1;
    },
  },
  {
    name: 'up_read', family: 'locks', params: [lock('sem', 'rwsem')], returns: 'void',
    kernel: 'Releases a read hold of the rw_semaphore.',
    model: 'One step. Releasing a read hold this actor does not have is unlock_not_held.',
    run(x, [r], [cls]) {
      const readers = x.read(r! + 1, true);
      if ((readers & bit(x.actor)) === 0) badUnlock(x, r!, cls!, 'up_read', 'it is not held for reading by this task');
      x.write(r! + 1, readers & ~bit(x.actor), true);
      x.release(r!, 'read');
      return 0;
    },
  },
  {
    name: 'down_write', family: 'locks', acquires: 'exclusive', params: [lock('sem', 'rwsem')], returns: 'void', sleeps: true,
    kernel: 'Acquires the rw_semaphore for writing; sleeps while anyone holds it.',
    model: 'One step. Blocks while a writer or any reader holds it; taking it again (for read or write) while holding it is a deadlock.',
    run(x, [r], [cls]) {
      x.mightSleep('down_write');
      lockExclusive(x, r!, cls!, false, r! + 1);
      return 0;
    },
  },
  {
    name: 'down_write_trylock', family: 'locks', params: [lock('sem', 'rwsem')], returns: 'bool',
    kernel: 'Tries to acquire the rw_semaphore for writing; returns 1 on success.',
    model: 'Takes it for writing if nobody holds it.',
    run(x, [r], [cls]) {
      if (x.read(r!, true) !== 0 || x.read(r! + 1, true) !== 0) return 0;
      x.write(r!, x.actor + 1, true);
      x.acquire(r!, cls!, 'write', true, false);
      return 1;
    },
  },
  {
    name: 'up_write', family: 'locks', params: [lock('sem', 'rwsem')], returns: 'void',
    kernel: 'Releases the rw_semaphore held for writing.',
    model: 'One step. Releasing it when this actor is not the writer is unlock_not_held.',
    run(x, [r], [cls]) {
      unlockExclusive(x, r!, cls!, 'up_write');
      return 0;
    },
  },
  // --- srcu / rcu ---
  {
    name: 'srcu_read_lock', family: 'locks', params: [lock('ssp', 'srcu')], returns: 'int',
    kernel: 'Enters an SRCU read-side critical section; returns an index for srcu_read_unlock.',
    model: 'Marks this actor as a reader of the srcu_struct. Returns 0.',
    run(x, [s]) {
      x.write(s!, x.read(s!, true) | bit(x.actor), true);
      return 0;
    },
  },
  {
    name: 'srcu_read_unlock', family: 'locks', params: [lock('ssp', 'srcu'), { name: 'idx', kind: 'int' }], returns: 'void',
    kernel: 'Leaves an SRCU read-side critical section.',
    model: 'Clears this actor as a reader.',
    run(x, [s]) {
      x.write(s!, x.read(s!, true) & ~bit(x.actor), true);
      return 0;
    },
  },
  {
    name: 'synchronize_srcu', family: 'locks', params: [lock('ssp', 'srcu')], returns: 'void', sleeps: true,
    kernel: 'Waits for every SRCU reader that started before the call to finish.',
    model: 'Blocks while any other actor is an SRCU reader; calling it inside its own read section is a deadlock.',
    run(x, [s], [cls]) {
      x.mightSleep('synchronize_srcu');
      const readers = x.read(s!, true);
      if (readers & bit(x.actor)) recursiveLocking(x, s!, cls!);
      if (readers !== 0) x.block({ kind: 'srcu', lock: s!, readers: readersOf(readers) });
      return 0;
    },
  },
  {
    name: 'rcu_read_lock', family: 'locks', params: [], returns: 'void',
    kernel: 'Enters an RCU read-side critical section (must not sleep inside).',
    model: 'Marks this actor as an RCU reader; sleeping until rcu_read_unlock is sleep_in_atomic.',
    run(x) {
      const w = x.scenario.layout.rcuWord;
      x.write(w, x.read(w, true) | bit(x.actor), true);
      x.setRcuDepth(1);
      return 0;
    },
  },
  {
    name: 'rcu_read_unlock', family: 'locks', params: [], returns: 'void',
    kernel: 'Leaves an RCU read-side critical section.',
    model: 'Ends one RCU read section of this actor.',
    run(x) {
      x.setRcuDepth(-1);
      if (x.rcuDepth() === 0) {
        const w = x.scenario.layout.rcuWord;
        x.write(w, x.read(w, true) & ~bit(x.actor), true);
      }
      return 0;
    },
  },
  {
    name: 'synchronize_rcu', family: 'locks', params: [], returns: 'void', sleeps: true,
    kernel: 'Waits for a grace period: every RCU reader that started before the call has finished.',
    model: 'Blocks while any other actor is inside rcu_read_lock().',
    run(x) {
      x.mightSleep('synchronize_rcu');
      const readers = x.read(x.scenario.layout.rcuWord, true) & ~bit(x.actor);
      if (readers !== 0) x.block({ kind: 'rcu', readers: readersOf(readers) });
      return 0;
    },
  },
  {
    name: 'lockdep_assert_held', family: 'checks', params: [lock('lock', 'lock')], returns: 'void',
    kernel: 'Warns (with lockdep) unless the current task holds the lock.',
    model: 'An assertion violation unless this actor holds the lock. Accepts any lock kind.',
    run(x, [l]) {
      if (!x.held().some((h) => h.addr === l)) assertionFailed(x, 'lockdep_assert_held failed');
      return 0;
    },
  },
  // --- interrupts and preemption ---
  {
    name: 'local_irq_disable', family: 'irq', params: [], returns: 'void',
    kernel: 'Disables interrupts on the local CPU.',
    model: 'Interrupts are off on this actor: an irq handler on its CPU cannot fire, IPIs to it wait (kick_all_cpus_sync), and sleeping is a violation.',
    run(x) {
      x.setIrqOff(1);
      return 0;
    },
  },
  {
    name: 'local_irq_enable', family: 'irq', params: [], returns: 'void',
    kernel: 'Enables interrupts on the local CPU.',
    model: 'Ends one interrupt-off section of this actor.',
    run(x) {
      x.setIrqOff(-1);
      return 0;
    },
  },
  {
    name: 'hard_irq_disable', family: 'irq', params: [], returns: 'void',
    kernel: 'powerpc: hard-disables interrupts (also soft-masked ones) before entering the guest.',
    model: 'As local_irq_disable.',
    run(x) {
      x.setIrqOff(1);
      return 0;
    },
  },
  {
    name: 'local_irq_save', family: 'irq', params: [{ name: 'flags', kind: 'int' }], returns: 'void',
    kernel: 'Saves the interrupt state in flags and disables interrupts.',
    model: 'As local_irq_disable (interrupt-off sections nest; flags is ignored).',
    run(x) {
      x.setIrqOff(1);
      return 0;
    },
  },
  {
    name: 'local_irq_restore', family: 'irq', params: [{ name: 'flags', kind: 'int' }], returns: 'void',
    kernel: 'Restores the saved interrupt state.',
    model: 'Ends one interrupt-off section.',
    run(x) {
      x.setIrqOff(-1);
      return 0;
    },
  },
  {
    name: 'preempt_disable', family: 'irq', params: [], returns: 'void',
    kernel: 'Disables preemption: the task keeps its CPU.',
    model: 'The actor is in atomic context (sleeping is a violation) and no other task on its CPU runs until preempt_enable.',
    run(x) {
      x.setPreemptOff(1);
      return 0;
    },
  },
  {
    name: 'preempt_enable', family: 'irq', params: [], returns: 'void',
    kernel: 'Re-enables preemption.',
    model: 'Ends one preempt-off section.',
    run(x) {
      x.setPreemptOff(-1);
      return 0;
    },
  },
  // --- memory ---
  {
    name: 'kzalloc', family: 'memory', params: [{ name: 'type', kind: 'type' }, { name: 'gfp', kind: 'int', optional: true }], returns: 'ptr',
    kernel: 'Allocates zeroed memory for an object. With GFP_KERNEL (the default here) it may sleep.',
    model: 'One step. Returns a new zeroed object of the struct type (never NULL). The allocation site and actor are recorded for KASAN-style reports. With GFP_KERNEL it may sleep (a violation in atomic context); pass GFP_ATOMIC where the code does.',
    run(x, args, statics) {
      if ((args[1] ?? 0) !== 1) x.mightSleep('kzalloc(GFP_KERNEL)');
      const s = x.scenario.structs[statics[0]!]!;
      return x.alloc(s);
    },
  },
  {
    name: 'kmalloc', family: 'memory', params: [{ name: 'type', kind: 'type' }, { name: 'gfp', kind: 'int', optional: true }], returns: 'ptr',
    kernel: 'Allocates memory for an object (contents undefined).',
    model: 'As kzalloc (the model zeroes it).',
    run(x, args, statics) {
      if ((args[1] ?? 0) !== 1) x.mightSleep('kmalloc(GFP_KERNEL)');
      return x.alloc(x.scenario.structs[statics[0]!]!);
    },
  },
  {
    name: 'kfree', family: 'memory', params: [{ name: 'ptr', kind: 'ptr' }], returns: 'void',
    kernel: 'Frees memory from kmalloc/kzalloc. kfree(NULL) does nothing.',
    model: 'One step. Marks the object freed (it stays in the heap so that later accesses are caught as use_after_free). Freeing it again is double_free.',
    run(x, [p]) {
      if (p === 0) return 0;
      x.free(p!);
      return 0;
    },
  },
  // --- lists ---
  {
    name: 'INIT_LIST_HEAD', family: 'lists', params: [{ name: 'list', kind: 'list_head' }], returns: 'void',
    kernel: 'Initialises a list head (or entry) to point to itself: an empty list.',
    model: 'Sets next and prev to the list_head itself.',
    run(x, [h]) {
      x.checkAccess(h!, true, 'INIT_LIST_HEAD');
      x.write(h!, h!);
      x.write(h! + 1, h!);
      return 0;
    },
  },
  {
    name: 'list_add', family: 'lists', params: [{ name: 'new', kind: 'list_head' }, { name: 'head', kind: 'list_head' }], returns: 'void',
    kernel: 'Inserts new right after head (a stack). With CONFIG_DEBUG_LIST it checks the neighbours first.',
    model: 'One step. Checks as CONFIG_DEBUG_LIST does (next->prev == prev, prev->next == next, no double add) and reports list_corruption otherwise; touching a freed neighbour is use_after_free.',
    run(x, [e, h]) {
      x.checkAccess(h!, false, 'list_add: head->next');
      listAdd(x, e!, h!, x.read(h!));
      return 0;
    },
  },
  {
    name: 'list_add_tail', family: 'lists', params: [{ name: 'new', kind: 'list_head' }, { name: 'head', kind: 'list_head' }], returns: 'void',
    kernel: 'Inserts new right before head (a queue). Checked like list_add.',
    model: 'One step, checked as list_add.',
    run(x, [e, h]) {
      x.checkAccess(h! + 1, false, 'list_add_tail: head->prev');
      listAdd(x, e!, x.read(h! + 1), h!);
      return 0;
    },
  },
  {
    name: 'list_del', family: 'lists', params: [{ name: 'entry', kind: 'list_head' }], returns: 'void',
    kernel: 'Unlinks entry from its list and poisons its pointers (LIST_POISON1/2). With CONFIG_DEBUG_LIST it checks the entry is really linked.',
    model: 'One step. Reports list_corruption as CONFIG_DEBUG_LIST does: next or prev NULL (never added), LIST_POISON (deleted twice), or neighbours that do not point back.',
    run(x, [e]) {
      listDel(x, e!);
      x.write(e!, LIST_POISON1);
      x.write(e! + 1, LIST_POISON2);
      return 0;
    },
  },
  {
    name: 'list_del_rcu', family: 'lists', params: [{ name: 'entry', kind: 'list_head' }], returns: 'void',
    kernel: 'Unlinks entry for RCU readers (prev is poisoned, next is kept for readers still walking).',
    model: 'As list_del, but next is left intact.',
    run(x, [e]) {
      listDel(x, e!);
      x.write(e! + 1, LIST_POISON2);
      return 0;
    },
  },
  {
    name: 'list_del_init', family: 'lists', params: [{ name: 'entry', kind: 'list_head' }], returns: 'void',
    kernel: 'Unlinks entry and reinitialises it as an empty list.',
    model: 'As list_del, then INIT_LIST_HEAD(entry).',
    run(x, [e]) {
      listDel(x, e!);
      x.write(e!, e!);
      x.write(e! + 1, e!);
      return 0;
    },
  },
  {
    name: 'list_empty', family: 'lists', params: [{ name: 'head', kind: 'list_head' }], returns: 'bool',
    kernel: 'Tests whether a list is empty.',
    model: 'True when head->next is head.',
    run(x, [h]) {
      x.checkAccess(h!, false, 'list_empty');
      return x.read(h!) === h ? 1 : 0;
    },
  },
  // --- files ---
  {
    name: 'anon_inode_getfd', family: 'files', params: [{ name: 'priv', kind: 'ptr' }, { name: 'release', kind: 'fn' }], returns: 'int',
    kernel: 'Creates an anonymous-inode file for priv and installs it in the fd table: from this moment any thread of the process can use the fd, even guess it and close() it.',
    model: 'One step. Installs the lowest free fd (from 3) referring to priv with release as its release callback, and returns it. Another actor may close it right away with close(any).',
    run(x, [obj, release]) {
      for (let i = 0; i < MAX_FDS; i++) {
        const e = x.scenario.layout.fdTable + i * FD_ENTRY_WORDS;
        if (x.read(e + 2, true) === 0) {
          x.write(e, obj!, true);
          x.write(e + 1, release! + 1, true);
          x.write(e + 2, 1, true);
          x.emit({ kind: 'fd', actor: x.actor, fd: FD_BASE + i, open: true });
          return FD_BASE + i;
        }
      }
      return -EMFILE;
    },
  },
  {
    name: 'close', family: 'files', params: [{ name: 'fd', kind: 'fd' }], returns: 'int',
    kernel: 'Closes an fd. When the last reference to the file goes, its release callback runs (in this task).',
    model: 'One step. close(fd) of an open fd removes it and then runs the release callback on this actor (its steps follow); of an fd that is not open it returns -EBADF. close(any) guesses: the scheduler explores every fd open at that moment, and a wrong guess (-EBADF).',
    choices(x, [fd]) {
      return fd === -1 ? openFds(x).length + 1 : 1;
    },
    run(x, [fd]) {
      if (fd === -1) {
        const open = openFds(x);
        const guess = x.choice === 0 ? -1 : open[x.choice - 1];
        return guess === undefined ? -EBADF : closeFd(x, guess);
      }
      return closeFd(x, fd!);
    },
  },
  // --- vCPUs ---
  {
    name: 'vcpu_enter_guest', family: 'vcpu', params: [], returns: 'bool', vcpuOnly: true,
    kernel: 'x86 vcpu_enter_guest(): with interrupts off, sets vcpu->mode = IN_GUEST_MODE, rechecks pending requests and kicks, then enters the guest.',
    model: 'One step. If a request is pending or the vCPU was kicked, sets mode OUTSIDE_GUEST_MODE and returns false (retry); otherwise sets mode IN_GUEST_MODE and returns true. Steps until vcpu_exit_guest() run "in the guest".',
    run(x) {
      const req = x.actorWord(x.actor, ACTOR_WORD.requests);
      const mode = x.actorWord(x.actor, ACTOR_WORD.mode);
      if (req !== 0 || mode === vcpuModes.EXITING_GUEST_MODE) {
        x.setActorWord(x.actor, ACTOR_WORD.mode, vcpuModes.OUTSIDE_GUEST_MODE);
        return 0;
      }
      x.setActorWord(x.actor, ACTOR_WORD.mode, vcpuModes.IN_GUEST_MODE);
      return 1;
    },
  },
  {
    name: 'vcpu_exit_guest', family: 'vcpu', params: [], returns: 'void', vcpuOnly: true,
    kernel: 'The guest exits (VM exit): vcpu->mode = OUTSIDE_GUEST_MODE.',
    model: 'One step. Sets this vCPU\'s mode to OUTSIDE_GUEST_MODE.',
    run(x) {
      x.setActorWord(x.actor, ACTOR_WORD.mode, vcpuModes.OUTSIDE_GUEST_MODE);
      return 0;
    },
  },
  {
    name: 'vcpu_mode', family: 'vcpu', params: [{ name: 'vcpu', kind: 'vcpu' }], returns: 'int',
    kernel: 'READ_ONCE(vcpu->mode).',
    model: 'Reads the vCPU\'s mode (OUTSIDE_GUEST_MODE, IN_GUEST_MODE, EXITING_GUEST_MODE).',
    run(x, [v]) {
      return x.actorWord(v!, ACTOR_WORD.mode);
    },
  },
  {
    name: 'kvm_vcpu_kick', family: 'vcpu', params: [{ name: 'vcpu', kind: 'vcpu' }], returns: 'void',
    kernel: 'Kicks a vCPU out of the guest: if it is IN_GUEST_MODE, sets EXITING_GUEST_MODE and sends it an IPI.',
    model: 'One step. A vCPU IN_GUEST_MODE becomes EXITING_GUEST_MODE (its next vcpu_enter_guest fails); otherwise nothing.',
    run(x, [v]) {
      kickIfInGuest(x, v!);
      return 0;
    },
  },
  {
    name: 'kick_all_cpus_sync', family: 'vcpu', params: [], returns: 'void',
    kernel: 'Sends an IPI to every other CPU and waits until each has taken it: a CPU with interrupts disabled delays it.',
    model: 'Blocks while any actor on another CPU has interrupts off; then every vCPU IN_GUEST_MODE becomes EXITING_GUEST_MODE.',
    run(x) {
      const busy = otherCpusWithIrqsOff(x);
      if (busy.length > 0) x.block({ kind: 'ipi', cpus: busy });
      for (const v of vcpuActors(x)) kickIfInGuest(x, v);
      return 0;
    },
  },
  {
    name: 'kvm_make_request', family: 'vcpu', params: [{ name: 'req', kind: 'request' }, { name: 'vcpu', kind: 'vcpu' }], returns: 'void',
    kernel: 'Sets a request bit for the vCPU; it acts on it before its next guest entry.',
    model: 'One step. Sets the request bit; vcpu_enter_guest fails while any request is pending.',
    run(x, [, v], [req]) {
      x.setActorWord(v!, ACTOR_WORD.requests, x.actorWord(v!, ACTOR_WORD.requests) | (1 << req!));
      return 0;
    },
  },
  {
    name: 'kvm_make_all_cpus_request', family: 'vcpu', params: [{ name: 'req', kind: 'request' }], returns: 'void',
    kernel: 'Sets a request on every vCPU and kicks those in the guest.',
    model: 'One step. Sets the request bit on every vcpu actor and kicks each one IN_GUEST_MODE.',
    run(x, _args, [req]) {
      for (const v of vcpuActors(x)) {
        x.setActorWord(v, ACTOR_WORD.requests, x.actorWord(v, ACTOR_WORD.requests) | (1 << req!));
        kickIfInGuest(x, v);
      }
      return 0;
    },
  },
  {
    name: 'kvm_check_request', family: 'vcpu', params: [{ name: 'req', kind: 'request' }], returns: 'bool', vcpuOnly: true,
    kernel: 'Tests and clears a request bit of the current vCPU.',
    model: 'One step. Returns whether the request was pending on this vCPU and clears it.',
    run(x, _args, [req]) {
      const r = x.actorWord(x.actor, ACTOR_WORD.requests);
      if ((r & (1 << req!)) === 0) return 0;
      x.setActorWord(x.actor, ACTOR_WORD.requests, r & ~(1 << req!));
      return 1;
    },
  },
  {
    name: 'kvm_request_pending', family: 'vcpu', params: [], returns: 'bool', vcpuOnly: true,
    kernel: 'Whether any request is pending for the current vCPU.',
    model: 'Reads this vCPU\'s request bits.',
    run(x) {
      return x.actorWord(x.actor, ACTOR_WORD.requests) !== 0 ? 1 : 0;
    },
  },
  // --- refcounts ---
  {
    name: 'kref_init', family: 'refcount', params: [{ name: 'kref', kind: 'kref' }], returns: 'void',
    kernel: 'Sets the reference count to 1.',
    model: 'Writes 1.',
    run(x, [r]) {
      x.checkAccess(r!, true, 'kref_init');
      x.write(r!, 1, true);
      return 0;
    },
  },
  {
    name: 'kref_get', family: 'refcount', params: [{ name: 'kref', kind: 'kref' }], returns: 'void',
    kernel: 'Takes a reference. Taking one on a count of 0 is a use-after-free (refcount_t warns).',
    model: 'One step. Increments; on 0 it is use_after_free ("refcount_t: addition on 0").',
    run(x, [r]) {
      x.checkAccess(r!, true, 'kref_get');
      const v = x.read(r!, true);
      if (v === 0) refcountViolation(x, 'addition on 0');
      x.write(r!, v + 1, true);
      return 0;
    },
  },
  {
    name: 'kref_put', family: 'refcount', params: [{ name: 'kref', kind: 'kref' }, { name: 'release', kind: 'fn' }], returns: 'bool',
    kernel: 'Drops a reference; when it reaches 0, calls release with the kref (container_of gives the object).',
    model: 'One step. Decrements; at 0 it calls release(object containing the kref) on this actor and returns true. On a count already 0 it is use_after_free ("underflow").',
    run(x, [r, release], [, offset]) {
      void offset;
      x.checkAccess(r!, true, 'kref_put');
      const v = x.read(r!, true);
      if (v === 0) refcountViolation(x, 'underflow');
      x.write(r!, v - 1, true);
      if (v - 1 === 0) {
        x.callAfter(release!, [r! - (offset ?? 0)]);
        return 1;
      }
      return 0;
    },
  },
  {
    name: 'kref_read', family: 'refcount', params: [{ name: 'kref', kind: 'kref' }], returns: 'int',
    kernel: 'Reads the reference count.',
    model: 'Reads the count.',
    run(x, [r]) {
      x.checkAccess(r!, false, 'kref_read');
      return x.read(r!, true);
    },
  },
  {
    name: 'refcount_inc_not_zero', family: 'refcount', params: [{ name: 'ref', kind: 'kref' }], returns: 'bool',
    kernel: 'Takes a reference unless the count is already 0 (the object is being freed).',
    model: 'One step. Increments and returns true unless the count is 0.',
    run(x, [r]) {
      x.checkAccess(r!, true, 'refcount_inc_not_zero');
      const v = x.read(r!, true);
      if (v === 0) return 0;
      x.write(r!, v + 1, true);
      return 1;
    },
  },
  {
    name: 'refcount_dec_and_test', family: 'refcount', params: [{ name: 'ref', kind: 'kref' }], returns: 'bool',
    kernel: 'Drops a reference and returns true when it reached 0.',
    model: 'One step. Decrements; returns true at 0; on 0 already it is use_after_free.',
    run(x, [r]) {
      x.checkAccess(r!, true, 'refcount_dec_and_test');
      const v = x.read(r!, true);
      if (v === 0) refcountViolation(x, 'underflow');
      x.write(r!, v - 1, true);
      return v - 1 === 0 ? 1 : 0;
    },
  },
  // --- workqueues ---
  {
    name: 'queue_work', family: 'workqueue', params: [{ name: 'work', kind: 'work' }], returns: 'bool',
    kernel: 'Queues a work item; returns false if it was already pending.',
    model: 'One step. Marks the work item pending (its actor becomes runnable) and returns true, or false if it was pending already.',
    run(x, [w]) {
      if (x.actorWord(w!, ACTOR_WORD.workPending) !== 0) return 0;
      x.setActorWord(w!, ACTOR_WORD.workPending, 1);
      return 1;
    },
  },
  {
    name: 'schedule_work', family: 'workqueue', params: [{ name: 'work', kind: 'work' }], returns: 'bool',
    kernel: 'queue_work on the system workqueue.',
    model: 'As queue_work.',
    run(x, [w]) {
      if (x.actorWord(w!, ACTOR_WORD.workPending) !== 0) return 0;
      x.setActorWord(w!, ACTOR_WORD.workPending, 1);
      return 1;
    },
  },
  {
    name: 'flush_work', family: 'workqueue', params: [{ name: 'work', kind: 'work' }], returns: 'bool', sleeps: true,
    kernel: 'Waits until the work item has finished its last queued run.',
    model: 'Blocks while the work item is pending or running; flushing it from itself is a deadlock.',
    run(x, [w]) {
      x.mightSleep('flush_work');
      if (w === x.actor) recursiveWork(x, 'flush_work');
      const busy = x.actorWord(w!, ACTOR_WORD.workPending) !== 0 || x.actorStatus(w!) === 1;
      if (busy) x.block({ kind: 'work', work: w! });
      touchWorkMap(x, w!);
      return 0;
    },
  },
  {
    name: 'cancel_work_sync', family: 'workqueue', params: [{ name: 'work', kind: 'work' }], returns: 'bool', sleeps: true,
    kernel: 'Cancels a pending run of the work item and waits for a running one to finish. Returns true if it was pending.',
    model: 'Blocks while the work item runs; then clears its pending run and returns whether there was one.',
    run(x, [w]) {
      x.mightSleep('cancel_work_sync');
      if (w === x.actor) recursiveWork(x, 'cancel_work_sync');
      if (x.actorStatus(w!) === 1) x.block({ kind: 'work', work: w! });
      touchWorkMap(x, w!);
      const pending = x.actorWord(w!, ACTOR_WORD.workPending);
      x.setActorWord(w!, ACTOR_WORD.workPending, 0);
      return pending !== 0 ? 1 : 0;
    },
  },
  // --- waiting ---
  {
    name: 'wait_event', family: 'waiting', params: [{ name: 'wq', kind: 'waitq' }, { name: 'condition', kind: 'cond' }], returns: 'void', sleeps: true, special: 'await',
    kernel: 'Sleeps until the condition is true, rechecking it after every wake_up on the queue.',
    model: 'The actor is not runnable until the condition holds; the step that passes it reads the condition atomically. Wake-ups are not needed: the condition is rechecked whenever the actor is scheduled (lost wake-ups are not modelled).',
    run() {
      return 0;
    },
  },
  {
    name: 'await', family: 'waiting', params: [{ name: 'condition', kind: 'cond' }], returns: 'void', special: 'await',
    kernel: 'Not a kernel function: the model\'s bare "wait until" (a spin or a sleep, as the scenario means it).',
    model: 'The actor is not runnable until the condition holds.',
    run() {
      return 0;
    },
  },
  {
    name: 'wake_up', family: 'waiting', params: [{ name: 'wq', kind: 'waitq' }], returns: 'void', pure: true,
    kernel: 'Wakes the tasks sleeping on the wait queue so they recheck their condition.',
    model: 'Nothing: waiters recheck their condition whenever they are scheduled. Kept so scenarios read like the code.',
    run() {
      return 0;
    },
  },
  {
    name: 'wake_up_all', family: 'waiting', params: [{ name: 'wq', kind: 'waitq' }], returns: 'void', pure: true,
    kernel: 'Wakes every task on the wait queue.',
    model: 'Nothing, as wake_up.',
    run() {
      return 0;
    },
  },
  {
    name: 'msleep', family: 'waiting', params: [{ name: 'ms', kind: 'int' }], returns: 'void', sleeps: true,
    kernel: 'Sleeps for at least ms milliseconds.',
    model: 'One step that may sleep (a scheduling point; time is not modelled).',
    run(x) {
      x.mightSleep('msleep');
      return 0;
    },
  },
  {
    name: 'might_sleep', family: 'checks', params: [], returns: 'void', sleeps: true,
    kernel: 'Annotation: the caller may sleep here; warns in atomic context.',
    model: 'sleep_in_atomic if called with a spinlock held, interrupts off, in an irq handler or under rcu_read_lock.',
    run(x) {
      x.mightSleep('might_sleep');
      return 0;
    },
  },
  {
    name: 'cond_resched', family: 'waiting', params: [], returns: 'void', sleeps: true,
    kernel: 'Yields the CPU if a reschedule is due.',
    model: 'A scheduling point that may sleep.',
    run(x) {
      x.mightSleep('cond_resched');
      return 0;
    },
  },
  // --- atomics and marked accesses ---
  {
    name: 'READ_ONCE', family: 'atomics', params: [{ name: 'x', kind: 'place' }], returns: 'int',
    kernel: 'A marked load: one untorn read the compiler may not merge or refetch.',
    model: 'One step reading the word; marked, so never part of a data race.',
    run(x, [a]) {
      x.checkAccess(a!, false, 'READ_ONCE');
      return x.read(a!, true);
    },
  },
  {
    name: 'WRITE_ONCE', family: 'atomics', params: [{ name: 'x', kind: 'place' }, { name: 'val', kind: 'int' }], returns: 'void',
    kernel: 'A marked store.',
    model: 'One step writing the word; marked, so never part of a data race.',
    run(x, [a, v]) {
      x.checkAccess(a!, true, 'WRITE_ONCE');
      x.write(a!, v!, true);
      return 0;
    },
  },
  {
    name: 'smp_mb', family: 'atomics', params: [], returns: 'void', pure: true,
    kernel: 'A full memory barrier.',
    model: 'Nothing: the model is sequentially consistent.',
    run() {
      return 0;
    },
  },
  {
    name: 'smp_wmb', family: 'atomics', params: [], returns: 'void', pure: true,
    kernel: 'A write memory barrier.',
    model: 'Nothing: the model is sequentially consistent.',
    run() {
      return 0;
    },
  },
  {
    name: 'smp_rmb', family: 'atomics', params: [], returns: 'void', pure: true,
    kernel: 'A read memory barrier.',
    model: 'Nothing: the model is sequentially consistent.',
    run() {
      return 0;
    },
  },
  ...rwlockOps(),
  ...atomicOps(),
  // --- checks ---
  {
    name: 'assert', family: 'checks', params: [{ name: 'condition', kind: 'bool' }], returns: 'void',
    kernel: 'Not a kernel function: the scenario\'s own invariant.',
    model: 'An assertion violation when the condition is false.',
    run(x, [c]) {
      if (!c) assertionFailed(x, 'assertion failed');
      return 0;
    },
  },
  {
    name: 'BUG_ON', family: 'checks', params: [{ name: 'condition', kind: 'bool' }], returns: 'void',
    kernel: 'Crashes the kernel (kernel BUG at file:line!) when the condition is true.',
    model: 'An assertion violation when the condition is true.',
    run(x, [c]) {
      if (c) assertionFailed(x, 'kernel BUG');
      return 0;
    },
  },
  {
    name: 'WARN_ON', family: 'checks', params: [{ name: 'condition', kind: 'bool' }], returns: 'bool',
    kernel: 'Prints a warning with a backtrace when the condition is true; returns the condition.',
    model: 'An assertion violation when the condition is true.',
    run(x, [c]) {
      if (c) assertionFailed(x, 'WARNING');
      return c ? 1 : 0;
    },
  },
  {
    name: 'cpu_relax', family: 'waiting', params: [], returns: 'void', pure: true,
    kernel: 'A pause inside a busy-wait loop.',
    model: 'Nothing.',
    run() {
      return 0;
    },
  },
];

/** rwlock_t: a spinning reader-writer lock, in plain, _irq and _irqsave forms. */
function rwlockOps(): Builtin[] {
  const l: BuiltinParam = { name: 'lock', kind: 'rwlock' };
  const flags: BuiltinParam = { name: 'flags', kind: 'int' };
  const out: Builtin[] = [];
  for (const form of ['', '_irq', '_irqsave'] as const) {
    const irq = form !== '';
    const params = form === '_irqsave' ? [l, flags] : [l];
    const unlockSuffix = form === '_irqsave' ? '_irqrestore' : form;
    const irqText = irq ? ' Interrupts are off on this actor until the matching unlock.' : '';
    out.push(
      {
        name: `read_lock${form}`, family: 'locks', params, returns: 'void', acquires: 'shared',
        kernel: `Acquires the rwlock_t for reading${irq ? ' with local interrupts disabled' : ''}; spins while a writer holds it.`,
        model: `One step. Blocks (spins) while a writer holds it; readers share it. Atomic context while held.${irqText}`,
        run(x, [a], [cls]) {
          if (irq) x.setIrqOff(1);
          const writer = x.read(a!, true);
          if (writer === x.actor + 1) recursiveLocking(x, a!, cls!);
          if (writer !== 0) x.block({ kind: 'lock', lock: a!, cls: cls!, mode: 'read', holders: [writer - 1] });
          x.write(a! + 1, x.read(a! + 1, true) | bit(x.actor), true);
          x.acquire(a!, cls!, 'read', false, irq);
          return 0;
        },
      },
      {
        name: `read_unlock${unlockSuffix}`, family: 'locks', params, returns: 'void',
        kernel: `Releases a read hold of the rwlock_t${irq ? ' and restores interrupts' : ''}.`,
        model: 'One step. Releasing a read hold this actor does not have is unlock_not_held.',
        run(x, [a], [cls]) {
          const readers = x.read(a! + 1, true);
          if ((readers & bit(x.actor)) === 0) badUnlock(x, a!, cls!, `read_unlock${unlockSuffix}`, 'it is not held for reading by this task');
          x.write(a! + 1, readers & ~bit(x.actor), true);
          x.release(a!, 'read');
          if (irq) x.setIrqOff(-1);
          return 0;
        },
      },
      {
        name: `write_lock${form}`, family: 'locks', params, returns: 'void', acquires: 'exclusive',
        kernel: `Acquires the rwlock_t for writing${irq ? ' with local interrupts disabled' : ''}; spins while anyone holds it.`,
        model: `One step. Blocks (spins) while a writer or any reader holds it. Atomic context while held.${irqText}`,
        run(x, [a], [cls]) {
          if (irq) x.setIrqOff(1);
          lockExclusive(x, a!, cls!, irq, a! + 1);
          return 0;
        },
      },
      {
        name: `write_unlock${unlockSuffix}`, family: 'locks', params, returns: 'void',
        kernel: `Releases the rwlock_t held for writing${irq ? ' and restores interrupts' : ''}.`,
        model: 'One step. Releasing it when this actor is not the writer is unlock_not_held.',
        run(x, [a], [cls]) {
          unlockExclusive(x, a!, cls!, `write_unlock${unlockSuffix}`);
          if (irq) x.setIrqOff(-1);
          return 0;
        },
      },
    );
  }
  return out;
}

/** Another kernel name for a primitive whose model is the same. */
function alias(name: string, of: string, kernel: string, returns?: ReturnKind): Builtin {
  const b = BUILTINS_BASE.find((x) => x.name === of);
  if (!b) throw new Error(`alias of unknown builtin ${of}`);
  return { ...b, name, kernel, model: `As ${of}.${returns === 'int' ? ' Returns 0: the model delivers no fatal signals.' : ''}`, ...(returns ? { returns } : {}) };
}

/** lock_map_acquire + lock_map_release of the work's lockdep map, as flush_work does. */
function touchWorkMap(x: Exec, w: number): void {
  const a = x.scenario.actors[w];
  if (a?.workClass === undefined) return;
  x.emit({
    kind: 'acquire', actor: x.actor, lock: a.words, cls: a.workClass, lockKind: 'mutex', mode: 'write', trylock: false,
    site: x.site, held: x.held(), irqsEnabled: !x.irqsOff(), inIrq: x.inIrq(),
  });
}

function recursiveWork(x: Exec, fn: string): never {
  x.fail('deadlock', `${fn}() of the work item from inside itself`, `${fn}(${x.actorSym.name}) called by ${x.actorSym.name} itself: it waits for its own completion.\n *** DEADLOCK ***`);
}

function atomicOps(): Builtin[] {
  type Op = { name: string; params: BuiltinParam[]; returns: ReturnKind; kernel: string; apply(old: number, a: readonly number[]): [number, number] };
  const v: BuiltinParam = { name: 'v', kind: 'atomic' };
  const i: BuiltinParam = { name: 'i', kind: 'int' };
  const ops: Op[] = [
    { name: 'atomic_read', params: [v], returns: 'int', kernel: 'Reads the atomic counter.', apply: (o) => [o, o] },
    { name: 'atomic_set', params: [v, i], returns: 'void', kernel: 'Sets the atomic counter.', apply: (_o, a) => [a[1]!, 0] },
    { name: 'atomic_inc', params: [v], returns: 'void', kernel: 'Increments the counter.', apply: (o) => [o + 1, 0] },
    { name: 'atomic_dec', params: [v], returns: 'void', kernel: 'Decrements the counter.', apply: (o) => [o - 1, 0] },
    { name: 'atomic_add', params: [i, v], returns: 'void', kernel: 'Adds i to the counter.', apply: (o, a) => [o + a[0]!, 0] },
    { name: 'atomic_sub', params: [i, v], returns: 'void', kernel: 'Subtracts i from the counter.', apply: (o, a) => [o - a[0]!, 0] },
    { name: 'atomic_inc_return', params: [v], returns: 'int', kernel: 'Increments and returns the new value.', apply: (o) => [o + 1, o + 1] },
    { name: 'atomic_dec_return', params: [v], returns: 'int', kernel: 'Decrements and returns the new value.', apply: (o) => [o - 1, o - 1] },
    { name: 'atomic_dec_and_test', params: [v], returns: 'bool', kernel: 'Decrements; returns true when the result is 0.', apply: (o) => [o - 1, o - 1 === 0 ? 1 : 0] },
    { name: 'atomic_xchg', params: [v, { name: 'new', kind: 'int' }], returns: 'int', kernel: 'Stores new and returns the old value.', apply: (o, a) => [a[1]!, o] },
    {
      name: 'atomic_cmpxchg', params: [v, { name: 'old', kind: 'int' }, { name: 'new', kind: 'int' }], returns: 'int',
      kernel: 'Stores new if the counter equals old; returns the value it had.', apply: (o, a) => [o === a[1] ? a[2]! : o, o],
    },
  ];
  const atomicArg = (p: readonly BuiltinParam[]): number => p.findIndex((q) => q.kind === 'atomic');
  return ops.map((op) => ({
    name: op.name,
    family: 'atomics' as const,
    params: op.params,
    returns: op.returns,
    kernel: op.kernel,
    model: 'One indivisible step on the counter; marked, so never part of a data race.',
    run(x: Exec, args: readonly number[]) {
      const addr = args[atomicArg(op.params)]!;
      x.checkAccess(addr, op.name !== 'atomic_read', op.name);
      const old = x.read(addr, true);
      const [next, result] = op.apply(old, args);
      if (op.name !== 'atomic_read') x.write(addr, next | 0, true);
      return result | 0;
    },
  }));
}

export const BUILTINS: readonly Builtin[] = [
  ...BUILTINS_BASE,
  alias('mutex_lock_killable', 'mutex_lock', 'Acquires the mutex; only a fatal signal interrupts the sleep (returns -EINTR).', 'int'),
  alias('down_read_killable', 'down_read', 'Acquires the rw_semaphore for reading; a fatal signal interrupts the sleep.', 'int'),
  alias('down_write_killable', 'down_write', 'Acquires the rw_semaphore for writing; a fatal signal interrupts the sleep.', 'int'),
  alias('raw_spin_lock', 'spin_lock', 'Acquires a raw spinlock (never a sleeping lock, even on PREEMPT_RT).'),
  alias('raw_spin_unlock', 'spin_unlock', 'Releases a raw spinlock.'),
  alias('raw_spin_lock_irqsave', 'spin_lock_irqsave', 'Saves interrupts, disables them and acquires a raw spinlock.'),
  alias('raw_spin_unlock_irqrestore', 'spin_unlock_irqrestore', 'Releases a raw spinlock and restores interrupts.'),
  alias('list_add_rcu', 'list_add', 'Inserts new after head so that concurrent RCU readers see it whole (with a write barrier).'),
  alias('list_add_tail_rcu', 'list_add_tail', 'Inserts new before head, RCU-safe.'),
];

const BY_NAME = new Map(BUILTINS.map((b) => [b.name, b]));

export function builtin(name: string): Builtin | undefined {
  return BY_NAME.get(name);
}

/** `mutex_lock(mutex *lock)`-style signature for hover and signature help. */
export function signatureOf(b: Builtin): string {
  const params = b.params.map((p) => `${p.optional ? '[' : ''}${paramTypeText(p.kind)} ${p.name}${p.optional ? ']' : ''}`);
  const ret = b.returns === 'ptr' ? 'struct T *' : b.returns;
  return `${ret} ${b.name}(${params.join(', ')})`;
}

export function paramTypeText(kind: ParamKind): string {
  switch (kind) {
    case 'lock':
      return 'lock *';
    case 'rwlock':
      return 'rwlock_t *';
    case 'mutex':
    case 'spinlock':
    case 'rwsem':
    case 'srcu':
    case 'list_head':
    case 'kref':
      return `${kind} *`;
    case 'atomic':
      return 'atomic_t *';
    case 'waitq':
      return 'wait_queue_head *';
    case 'place':
      return 'shared';
    case 'ptr':
      return 'struct T *';
    case 'type':
      return 'struct T';
    case 'fn':
      return 'fn';
    case 'vcpu':
      return 'vcpu';
    case 'work':
      return 'work';
    case 'request':
      return 'KVM_REQ_*';
    case 'fd':
      return 'int';
    case 'cond':
      return 'condition';
    default:
      return kind;
  }
}
