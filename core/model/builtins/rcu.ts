// Builtins: RCU and SRCU. Read sections nest per actor (per srcu_struct for SRCU); a grace
// period waits for the read sections that began before it started, not for later ones: it
// starts (a snapshot of the readers, in the waiter's actor words) and is then waited for,
// and each reader that leaves its outermost section takes itself out of every grace period
// in progress. Pointer publication (rcu_assign_pointer) and lockdep-RCU's checks of
// rcu_dereference* are here too, and the callbacks (kfree_rcu, call_rcu) that run once a
// grace period has elapsed.

import { ACTOR_WORD, fnIndexOf } from '../../semantics/symbols';
import type { Exec } from '../exec';
import type { Builtin, BuiltinParam } from './types';
import { bit, callbackArg, readersOf, recursiveLocking, assertionFailed, assertionWarning, lock, actorLabel, describeSite, badUnlock, lockName } from './common';
import { RCU_CALLBACK_SLOTS, RCU_CALLBACK_WORDS } from '../compiled';

// ---------- read sections and grace periods ----------

/** SRCU read sections this actor is in, on one srcu_struct (its held entries). */
function srcuDepth(x: Exec, ssp: number): number {
  return x.held().filter((h) => h.addr === ssp).length;
}

function srcuReadLock(x: Exec, ssp: number, cls: number): number {
  if (srcuDepth(x, ssp) === 0) x.write(ssp, x.read(ssp, true) | bit(x.actor), true);
  // lockdep sees an SRCU reader as a recursive read of the srcu_struct's map.
  x.acquire(ssp, cls, 'read', false, false, 0, true);
  return 0;
}

function srcuReadUnlock(x: Exec, ssp: number, cls: number, fn: string): void {
  if (!x.release(ssp, 'read')) {
    badUnlock(x, ssp, cls, fn, 'this task is not in a read section of it');
    return;
  }
  if (srcuDepth(x, ssp) === 0) {
    x.write(ssp, x.read(ssp, true) & ~bit(x.actor), true);
    endReadSection(x, ssp);
  }
}

/**
 * This actor has left its outermost read section of `domain` (an srcu_struct, or the RCU
 * readers word): it no longer holds up any grace period of that domain in progress, and
 * RCU callbacks whose grace period it was the last to hold up run now.
 */
function endReadSection(x: Exec, domain: number): void {
  const me = bit(x.actor);
  for (let a = 0; a < x.actorCount(); a++) {
    if (x.actorWord(a, ACTOR_WORD.gpWait) !== domain) continue;
    const left = x.actorWord(a, ACTOR_WORD.gpReaders);
    if (left & me) x.setActorWord(a, ACTOR_WORD.gpReaders, left & ~me);
  }
  if (domain !== x.scenario.layout.rcuWord) return;
  for (let i = 0; i < RCU_CALLBACK_SLOTS; i++) {
    const slot = x.scenario.layout.rcuCallbacks + i * RCU_CALLBACK_WORDS;
    if (x.read(slot, true) === 0) continue;
    const left = x.read(slot + 2, true);
    if ((left & me) === 0) continue;
    x.write(slot + 2, left & ~me, true);
    if ((left & ~me) === 0) runCallback(x, slot);
  }
}

/**
 * synchronize_rcu / synchronize_srcu: the first step starts the grace period (the readers
 * of `domain` now in a read section, other than this actor); later steps wait until each of
 * them has left that section. Readers that begin meanwhile are not waited for.
 */
function gracePeriod(x: Exec, domain: number, readers: number, srcu: boolean): void {
  if (x.actorWord(x.actor, ACTOR_WORD.gpWait) === 0) {
    const others = readers & ~bit(x.actor);
    if (others === 0) return;
    x.setActorWord(x.actor, ACTOR_WORD.gpWait, domain);
    x.setActorWord(x.actor, ACTOR_WORD.gpReaders, others);
    x.stay();
    return;
  }
  const left = x.actorWord(x.actor, ACTOR_WORD.gpReaders);
  if (left !== 0) x.block(srcu ? { kind: 'srcu', lock: domain, readers: readersOf(left) } : { kind: 'rcu', readers: readersOf(left) });
  x.setActorWord(x.actor, ACTOR_WORD.gpWait, 0);
}

/**
 * Queues an RCU callback behind the current readers (a reader that queues one is among
 * them, and leaves like the others). `fnWord` is KFREE, or a fn's index plus 2.
 */
function queueCallback(x: Exec, fnWord: number, obj: number, what: string): void {
  const readers = x.read(x.scenario.layout.rcuWord, true);
  if (readers === 0) {
    runNow(x, fnWord, obj);
    return;
  }
  for (let i = 0; i < RCU_CALLBACK_SLOTS; i++) {
    const slot = x.scenario.layout.rcuCallbacks + i * RCU_CALLBACK_WORDS;
    if (x.read(slot, true) !== 0) continue;
    x.write(slot, fnWord, true);
    x.write(slot + 1, obj, true);
    x.write(slot + 2, readers, true);
    return;
  }
  assertionFailed(x, `${what}: more than ${RCU_CALLBACK_SLOTS} RCU callbacks pending at once (a limit of the model)`);
}

/** The fn word of a callback slot that frees the object (kfree_rcu); a fn's is its index plus 2. */
const KFREE = 1;

/** kfree, or the callback fn, once its grace period has elapsed. */
function runNow(x: Exec, fnWord: number, obj: number): void {
  if (fnWord === KFREE) x.free(obj);
  else x.callAfter(fnWord - 2, [obj]);
}

function runCallback(x: Exec, slot: number): void {
  const fnWord = x.read(slot, true);
  const obj = x.read(slot + 1, true);
  x.write(slot, 0, true);
  x.write(slot + 1, 0, true);
  runNow(x, fnWord, obj);
}

function synchronizeRcu(x: Exec, fn: string): void {
  x.mightSleep(fn);
  const w = x.scenario.layout.rcuWord;
  gracePeriod(x, w, x.read(w, true), false);
}

/** synchronize_srcu: inside its own read section a deadlock; for lockdep, a lock_sync of the srcu_struct. */
function synchronizeSrcu(x: Exec, ssp: number, cls: number, fn: string): void {
  x.mightSleep(fn);
  if (srcuDepth(x, ssp) > 0) recursiveLocking(x, ssp, cls);
  if (x.actorWord(x.actor, ACTOR_WORD.gpWait) === 0) x.lockSync(ssp, cls);
  gracePeriod(x, ssp, x.read(ssp, true), true);
}

// ---------- lockdep-RCU ----------

/**
 * lockdep_rcu_suspicious(): an rcu_dereference*() outside its read section and without the
 * lock it names. A warning: the kernel goes on and the load happens.
 */
function suspicious(x: Exec, fn: string, check: string): void {
  const held = x.held();
  const task = actorLabel(x, x.actor);
  x.report('suspicious_rcu', `suspicious ${check}() usage: ${fn} by ${x.actorSym.name} outside ${fn.startsWith('srcu') ? 'an SRCU read section of that srcu_struct' : 'rcu_read_lock()'} and without the lock its condition names`, [
    '=============================',
    'WARNING: suspicious RCU usage',
    '-----------------------------',
    `${describeSite(x, x.site.start)} suspicious ${check}() usage!`,
    '',
    'other info that might help us debug this:',
    '',
    `rcu_scheduler_active = 2, debug_locks = 1`,
    `${held.length === 0 ? 'no locks' : held.length === 1 ? '1 lock' : `${held.length} locks`} held by ${task}:`,
    ...held.map((h, i) => ` #${i}: (${lockName(x, h.cls)}), at: ${describeSite(x, h.site.start)}`),
    '',
    'stack backtrace:',
    `CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} Comm: ${x.actorSym.name}`,
  ].join('\n'));
}

function inRcuReader(x: Exec): boolean {
  return x.rcuDepth() > 0;
}

function inSrcuReader(x: Exec, ssp: number): boolean {
  return x.held().some((h) => h.addr === ssp);
}

/** The pointer a published place holds (READ_ONCE). */
function load(x: Exec, p: number): number {
  x.checkAccess(p, false);
  return x.read(p, true);
}

function publish(x: Exec, p: number, v: number): void {
  x.checkAccess(p, true);
  x.write(p, v, true);
}

const rcuPtr = (name: string): BuiltinParam => ({ name, kind: 'rcu_ptr' });
const cond: BuiltinParam = { name: 'c', kind: 'bool' };
const ssp: BuiltinParam = lock('ssp', 'srcu');

export const RCU: readonly Builtin[] = [
  {
    name: 'srcu_read_lock', family: 'locks', params: [ssp], returns: 'int',
    kernel: 'Enters an SRCU read-side critical section; returns an index for srcu_read_unlock. Sections nest.',
    model: 'One step. This actor enters a read section of the srcu_struct (they nest: the actor stays a reader until the matching outermost srcu_read_unlock). lockdep sees a recursive read of the srcu_struct. Returns 0.',
    run(x, [s], [cls]) {
      return srcuReadLock(x, s!, cls!);
    },
  },
  {
    name: 'srcu_read_unlock', family: 'locks', params: [ssp, { name: 'idx', kind: 'int' }], returns: 'void',
    kernel: 'Leaves an SRCU read-side critical section.',
    model: 'One step. Leaves the innermost read section of the srcu_struct; leaving the outermost one takes this actor out of the grace periods in progress. Without a section it is unlock_not_held.',
    run(x, [s], [cls]) {
      srcuReadUnlock(x, s!, cls!, 'srcu_read_unlock');
      return 0;
    },
  },
  {
    name: 'synchronize_srcu', family: 'locks', params: [ssp], returns: 'void', sleeps: true,
    kernel: 'Waits for every SRCU reader that started before the call to finish.',
    model: 'Two steps: the grace period starts (the actors then in a read section of the srcu_struct), then waits until each of them has left it; readers that begin later are not waited for. Inside its own read section it is a deadlock. lockdep sees the srcu_struct taken (and released) here, so a lock held across it that the readers take inside their sections is a circular dependency.',
    run(x, [s], [cls]) {
      synchronizeSrcu(x, s!, cls!, 'synchronize_srcu');
      return 0;
    },
  },
  {
    name: 'synchronize_srcu_expedited', family: 'locks', params: [ssp], returns: 'void', sleeps: true,
    kernel: 'synchronize_srcu, faster and more disruptive.',
    model: 'As synchronize_srcu.',
    run(x, [s], [cls]) {
      synchronizeSrcu(x, s!, cls!, 'synchronize_srcu_expedited');
      return 0;
    },
  },
  {
    name: 'rcu_read_lock', family: 'locks', params: [], returns: 'void',
    kernel: 'Enters an RCU read-side critical section (must not sleep inside). Sections nest.',
    model: 'Marks this actor as an RCU reader; sections nest; sleeping until the outermost rcu_read_unlock is sleep_in_atomic.',
    run(x) {
      const w = x.scenario.layout.rcuWord;
      if (x.rcuDepth() === 0) x.write(w, x.read(w, true) | bit(x.actor), true);
      x.setRcuDepth(1);
      return 0;
    },
  },
  {
    name: 'rcu_read_unlock', family: 'locks', params: [], returns: 'void',
    kernel: 'Leaves an RCU read-side critical section.',
    model: 'Ends one RCU read section of this actor; the outermost one takes it out of the grace periods in progress, and RCU callbacks (kfree_rcu, call_rcu) whose grace period it was the last to hold up run in this step.',
    run(x) {
      if (x.rcuDepth() === 0) return 0;
      x.setRcuDepth(-1);
      if (x.rcuDepth() === 0) {
        const w = x.scenario.layout.rcuWord;
        x.write(w, x.read(w, true) & ~bit(x.actor), true);
        endReadSection(x, w);
      }
      return 0;
    },
  },
  {
    name: 'synchronize_rcu', family: 'locks', params: [], returns: 'void', sleeps: true,
    kernel: 'Waits for a grace period: every RCU reader that started before the call has finished.',
    model: 'Two steps: the grace period starts (the actors then inside rcu_read_lock()), then waits until each has left its read section; later readers are not waited for.',
    run(x) {
      synchronizeRcu(x, 'synchronize_rcu');
      return 0;
    },
  },
  {
    name: 'lockdep_assert_held', family: 'checks', params: [lock('lock', 'lock')], returns: 'void',
    kernel: 'Warns (with lockdep) unless the current task holds the lock.',
    model: 'An assertion violation unless this actor holds the lock. Accepts any lock kind.',
    run(x, [l]) {
      if (!x.held().some((h) => h.addr === l)) assertionWarning(x, 'lockdep_assert_held failed');
      return 0;
    },
  },
  {
    name: 'lockdep_is_held', family: 'checks', params: [lock('lock', 'lock')], returns: 'bool', pure: true,
    kernel: 'True when the current task holds the lock (for rcu_dereference_check conditions).',
    model: 'Whether this actor holds the lock (any mode).',
    run(x, [l]) {
      return x.held().some((h) => h.addr === l) ? 1 : 0;
    },
  },
  {
    name: 'srcu_read_lock_held', family: 'checks', params: [ssp], returns: 'bool', pure: true,
    kernel: 'True when the current task is in an SRCU read section of ssp.',
    model: 'Whether this actor is in a read section of the srcu_struct.',
    run(x, [s]) {
      return inSrcuReader(x, s!) ? 1 : 0;
    },
  },
  {
    name: 'rcu_read_lock_held', family: 'checks', params: [], returns: 'bool', pure: true,
    kernel: 'True when the current task is inside rcu_read_lock().',
    model: 'Whether this actor is in an RCU read section.',
    run(x) {
      return inRcuReader(x) ? 1 : 0;
    },
  },
  // ---------- publication ----------
  {
    name: 'rcu_assign_pointer', family: 'rcu', params: [rcuPtr('p'), { name: 'v', kind: 'ptr' }], returns: 'void',
    kernel: 'Publishes a pointer to RCU readers (a store-release: the object is initialised before it is seen).',
    model: 'One step: a marked store of v to the __rcu pointer (no data race). Ordering is sequentially consistent in the model.',
    run(x, [p, v]) {
      publish(x, p!, v!);
      return 0;
    },
  },
  {
    name: 'RCU_INIT_POINTER', family: 'rcu', params: [rcuPtr('p'), { name: 'v', kind: 'ptr' }], returns: 'void',
    kernel: 'Stores to an __rcu pointer without ordering (NULL, or an object readers cannot reach yet).',
    model: 'As rcu_assign_pointer.',
    run(x, [p, v]) {
      publish(x, p!, v!);
      return 0;
    },
  },
  {
    name: 'rcu_replace_pointer', family: 'rcu', params: [rcuPtr('rp'), { name: 'p', kind: 'ptr' }, cond], returns: 'ptr',
    kernel: 'Publishes p in rp and returns the old pointer; c (lockdep_is_held(&lock)) says why the caller may update it.',
    model: 'One step: reads the old pointer, stores p, returns the old one. suspicious_rcu unless c holds (as rcu_dereference_protected).',
    run(x, [rp, p, c]) {
      if (!c) suspicious(x, 'rcu_replace_pointer', 'rcu_dereference_protected');
      const old = load(x, rp!);
      publish(x, rp!, p!);
      return old;
    },
  },
  {
    name: 'rcu_dereference', family: 'rcu', params: [rcuPtr('p')], returns: 'ptr',
    kernel: 'Loads an RCU-protected pointer inside rcu_read_lock(). With CONFIG_PROVE_RCU, outside one it is "suspicious rcu_dereference_check() usage".',
    model: 'One step: a marked load of the pointer. Outside an RCU read section it is suspicious_rcu.',
    run(x, [p]) {
      if (!inRcuReader(x)) suspicious(x, 'rcu_dereference', 'rcu_dereference_check');
      return load(x, p!);
    },
  },
  {
    name: 'rcu_dereference_check', family: 'rcu', params: [rcuPtr('p'), cond], returns: 'ptr',
    kernel: 'rcu_dereference that is also legal when c holds (typically lockdep_is_held(&lock) of the update-side lock).',
    model: 'As rcu_dereference; suspicious_rcu only when neither in an RCU read section nor c.',
    run(x, [p, c]) {
      if (!inRcuReader(x) && !c) suspicious(x, 'rcu_dereference_check', 'rcu_dereference_check');
      return load(x, p!);
    },
  },
  {
    name: 'rcu_dereference_protected', family: 'rcu', params: [rcuPtr('p'), cond], returns: 'ptr',
    kernel: 'Loads an __rcu pointer on the update side, where c (lockdep_is_held(&lock)) keeps it from changing.',
    model: 'A marked load; suspicious_rcu unless c holds (a read section does not count).',
    run(x, [p, c]) {
      if (!c) suspicious(x, 'rcu_dereference_protected', 'rcu_dereference_protected');
      return load(x, p!);
    },
  },
  {
    name: 'rcu_dereference_raw', family: 'rcu', params: [rcuPtr('p')], returns: 'ptr',
    kernel: 'rcu_dereference without lockdep checking (the caller knows better).',
    model: 'A marked load, never checked.',
    run(x, [p]) {
      return load(x, p!);
    },
  },
  {
    name: 'rcu_access_pointer', family: 'rcu', params: [rcuPtr('p')], returns: 'ptr',
    kernel: 'Reads an __rcu pointer\'s value without dereferencing it (a NULL test): no read section needed.',
    model: 'A marked load, never checked.',
    run(x, [p]) {
      return load(x, p!);
    },
  },
  {
    name: 'srcu_dereference', family: 'rcu', params: [rcuPtr('p'), ssp], returns: 'ptr',
    kernel: 'Loads an SRCU-protected pointer inside srcu_read_lock(ssp).',
    model: 'A marked load; outside a read section of that srcu_struct it is suspicious_rcu.',
    run(x, [p, s]) {
      if (!inSrcuReader(x, s!)) suspicious(x, 'srcu_dereference', 'rcu_dereference_check');
      return load(x, p!);
    },
  },
  {
    name: 'srcu_dereference_check', family: 'rcu', params: [rcuPtr('p'), ssp, cond], returns: 'ptr',
    kernel: 'srcu_dereference that is also legal when c holds (kvm_memslots: lockdep_is_held(&kvm->slots_lock)).',
    model: 'A marked load; suspicious_rcu only when neither in a read section of that srcu_struct nor c.',
    run(x, [p, s, c]) {
      if (!inSrcuReader(x, s!) && !c) suspicious(x, 'srcu_dereference_check', 'rcu_dereference_check');
      return load(x, p!);
    },
  },
  // ---------- callbacks ----------
  {
    name: 'kfree_rcu', family: 'rcu', params: [{ name: 'ptr', kind: 'ptr' }, { name: 'rhf', kind: 'rcu_member', optional: true }], returns: 'void',
    kernel: 'Frees the object after a grace period: RCU readers that may still see it finish first. rhf names its struct rcu_head.',
    model: 'One step. Frees ptr once every actor now inside rcu_read_lock() has left its read section: at once when there is none, else in the step of the last of them to leave. Readers that begin later do not delay it.',
    run(x, [p]) {
      if (p === 0) return 0;
      queueCallback(x, KFREE, p!, 'kfree_rcu');
      return 0;
    },
  },
  {
    name: 'call_rcu', family: 'rcu', params: [{ name: 'head', kind: 'rcu_head' }, { name: 'func', kind: 'fn' }], returns: 'void',
    kernel: 'Calls func(head) after a grace period (from softirq context); func usually frees the object containing head.',
    model: 'One step. Once every actor now inside rcu_read_lock() has left its read section, func is called with head when it takes a struct rcu_head * (container_of gives the object, as in the kernel), else with the object containing head: at once when there is no reader, else after the step of the last of them to leave, on that actor.',
    run(x, [h, fn]) {
      x.checkAccess(h!, false, 'call_rcu');
      queueCallback(x, fnIndexOf(fn!) + 2, callbackArg(x, fn!, h!, x.objectOf(h!) || h!), 'call_rcu');
      return 0;
    },
  },
  {
    name: 'synchronize_rcu_expedited', family: 'locks', params: [], returns: 'void', sleeps: true,
    kernel: 'synchronize_rcu, faster and more disruptive.',
    model: 'As synchronize_rcu.',
    run(x) {
      synchronizeRcu(x, 'synchronize_rcu_expedited');
      return 0;
    },
  },
];
