// Builtins: Reference counts: kref and refcount_t, as lib/refcount.c checks them. A kref is a
// refcount_t; the model gives both one word. The kernel's warnings are reported in its words,
// and after one the counter is saturated (REFCOUNT_SATURATED): it never reaches zero through
// it again, so the object is leaked rather than freed twice.

import { ACTOR_WORD, fnIndexOf } from '../../semantics/symbols';
import type { Exec } from '../exec';
import type { Builtin, BuiltinParam } from './types';
import { actorLabel, callbackArg, describeSite, lockExclusive, lock, unlockExclusive } from './common';

/** lib/refcount.c's REFCOUNT_SATURATED (INT_MIN / 2): where a counter is parked after a warning. */
export const REFCOUNT_SATURATED = -0x40000000;

type RefcountWarning = 'addition on 0; use-after-free' | 'underflow; use-after-free' | 'decrement hit 0; leaking memory';

/** refcount_warn_saturate(): the counter is saturated and the kernel WARNs, then goes on. */
function warnSaturate(x: Exec, r: number, what: RefcountWarning): void {
  x.write(r, REFCOUNT_SATURATED, true);
  x.report(what.endsWith('leaking memory') ? 'leak' : 'use_after_free', `refcount_t: ${what} (${actorLabel(x, x.actor)})`, [
    '------------[ cut here ]------------',
    `refcount_t: ${what}.`,
    `WARNING: CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} at lib/refcount.c:28 refcount_warn_saturate (${describeSite(x, x.site.start)})`,
    `Comm: ${x.actorSym.name}`,
  ].join('\n'));
}

function counter(x: Exec, r: number, what: string): number {
  x.checkAccess(r, true, what);
  return x.read(r, true);
}

/** refcount_inc / kref_get: on 0 it is "addition on 0"; a saturated counter stays so. */
function inc(x: Exec, r: number, what: string): void {
  const old = counter(x, r, what);
  if (old === 0) warnSaturate(x, r, 'addition on 0; use-after-free');
  if (old <= 0) return;
  x.write(r, old + 1, true);
}

/** refcount_inc_not_zero / kref_get_unless_zero. */
function incNotZero(x: Exec, r: number, what: string): number {
  const old = counter(x, r, what);
  if (old === 0) return 0;
  if (old > 0) x.write(r, old + 1, true);
  return 1;
}

/** refcount_dec_and_test: true when this drop reached 0; below 1 already it is "underflow". */
function decAndTest(x: Exec, r: number, what: string): number {
  const old = counter(x, r, what);
  if (old <= 0) {
    warnSaturate(x, r, 'underflow; use-after-free');
    return 0;
  }
  x.write(r, old - 1, true);
  return old === 1 ? 1 : 0;
}

/** refcount_dec_not_one: decrements unless the count is 1 (then false: the caller drops it under its lock). */
function decNotOne(x: Exec, r: number, what: string): number {
  const old = counter(x, r, what);
  if (old < 0) return 1;
  if (old === 1) return 0;
  if (old === 0) {
    warnSaturate(x, r, 'underflow; use-after-free');
    return 1;
  }
  x.write(r, old - 1, true);
  return 1;
}

/**
 * refcount_dec_and_mutex_lock / refcount_dec_and_lock (and kref_put_mutex / kref_put_lock):
 * a decrement that is not the last (one step), or else the lock is taken (a second step,
 * which may block) and the count dropped under it: true, with the lock held, when it reached 0.
 */
function decAndLock(x: Exec, r: number, l: number, cls: number, spin: boolean, what: string): number {
  if (x.actorWord(x.actor, ACTOR_WORD.opStep) === 0) {
    if (decNotOne(x, r, what)) return 0;
    x.setActorWord(x.actor, ACTOR_WORD.opStep, 1);
    x.stay();
    return 0;
  }
  if (!spin) x.mightSleep(what);
  lockExclusive(x, l, cls, false);
  x.setActorWord(x.actor, ACTOR_WORD.opStep, 0);
  if (decAndTest(x, r, what)) return 1;
  unlockExclusive(x, l, cls, spin ? 'spin_unlock' : 'mutex_unlock');
  return 0;
}

/** kref_put and its forms: the last reference calls release(object) after this statement. */
function released(x: Exec, last: number, release: number, kref: number, obj: number): number {
  if (!last) return 0;
  x.callAfter(fnIndexOf(release), [callbackArg(x, release, kref, obj)]);
  return 1;
}

const ref: BuiltinParam = { name: 'r', kind: 'kref' };
const kref: BuiltinParam = { name: 'kref', kind: 'kref' };
const release: BuiltinParam = { name: 'release', kind: 'fn' };

export const REFCOUNT: readonly Builtin[] = [
  {
    name: 'kref_init', family: 'refcount', params: [kref], returns: 'void',
    kernel: 'Sets the reference count to 1.',
    model: 'Writes 1.',
    run(x, [r]) {
      x.checkAccess(r!, true, 'kref_init');
      x.write(r!, 1, true);
      return 0;
    },
  },
  {
    name: 'kref_get', family: 'refcount', params: [kref], returns: 'void',
    kernel: 'Takes a reference (refcount_inc). On a count of 0 refcount_t warns "addition on 0; use-after-free."',
    model: 'One step. Increments; on 0 it is use_after_free ("refcount_t: addition on 0; use-after-free.") and the count is saturated.',
    run(x, [r]) {
      inc(x, r!, 'kref_get');
      return 0;
    },
  },
  {
    name: 'kref_get_unless_zero', family: 'refcount', params: [kref], returns: 'bool',
    kernel: 'Takes a reference unless the count is 0 (the object is being released); returns whether it did.',
    model: 'One step, as refcount_inc_not_zero.',
    run(x, [r]) {
      return incNotZero(x, r!, 'kref_get_unless_zero');
    },
  },
  {
    name: 'kref_put', family: 'refcount', params: [kref, release], returns: 'bool',
    kernel: 'Drops a reference; when it reaches 0, calls release with the kref (container_of gives the object).',
    model: 'One step. Decrements; at 0 it calls release on this actor and returns true: with the kref when release takes a struct kref * (container_of gives the object, as in the kernel), else with the object containing it. Below 1 already it is use_after_free ("underflow; use-after-free.") and the count is saturated.',
    run(x, [r, fn], [offset]) {
      return released(x, decAndTest(x, r!, 'kref_put'), fn!, r!, r! - (offset ?? 0));
    },
  },
  {
    name: 'kref_put_mutex', family: 'refcount', params: [kref, release, lock('lock', 'mutex')], returns: 'bool',
    kernel: 'Drops a reference; the last one is dropped with the mutex taken, and release is called holding it (release unlocks). Lookups under that mutex then never find an object whose count is 0.',
    model: 'As refcount_dec_and_mutex_lock, then release (with the kref or the object, as for kref_put) with the mutex held when the count reached 0.',
    run(x, [r, fn, m], [offset, , cls]) {
      return released(x, decAndLock(x, r!, m!, cls!, false, 'kref_put_mutex'), fn!, r!, r! - (offset ?? 0));
    },
  },
  {
    name: 'kref_put_lock', family: 'refcount', params: [kref, release, lock('lock', 'spinlock')], returns: 'bool',
    kernel: 'kref_put_mutex with a spinlock.',
    model: 'As refcount_dec_and_lock, then release (with the kref or the object, as for kref_put) with the spinlock held when the count reached 0.',
    run(x, [r, fn, l], [offset, , cls]) {
      return released(x, decAndLock(x, r!, l!, cls!, true, 'kref_put_lock'), fn!, r!, r! - (offset ?? 0));
    },
  },
  {
    name: 'kref_read', family: 'refcount', params: [kref], returns: 'int',
    kernel: 'Reads the reference count.',
    model: 'Reads the count.',
    run(x, [r]) {
      x.checkAccess(r!, false, 'kref_read');
      return x.read(r!, true);
    },
  },
  {
    name: 'refcount_set', family: 'refcount', params: [ref, { name: 'n', kind: 'int' }], returns: 'void',
    kernel: 'Sets a refcount_t (initialisation).',
    model: 'Writes n.',
    run(x, [r, n]) {
      x.checkAccess(r!, true, 'refcount_set');
      x.write(r!, n!, true);
      return 0;
    },
  },
  {
    name: 'refcount_read', family: 'refcount', params: [ref], returns: 'int',
    kernel: 'Reads a refcount_t.',
    model: 'Reads the count.',
    run(x, [r]) {
      x.checkAccess(r!, false, 'refcount_read');
      return x.read(r!, true);
    },
  },
  {
    name: 'refcount_inc', family: 'refcount', params: [ref], returns: 'void',
    kernel: 'Takes a reference. On 0 it warns "refcount_t: addition on 0; use-after-free." and saturates.',
    model: 'One step. Increments; on 0 it is use_after_free in the kernel\'s words and the count is saturated (it never reaches 0 again).',
    run(x, [r]) {
      inc(x, r!, 'refcount_inc');
      return 0;
    },
  },
  {
    name: 'refcount_inc_not_zero', family: 'refcount', params: [ref], returns: 'bool',
    kernel: 'Takes a reference unless the count is already 0 (the object is being freed).',
    model: 'One step. Increments and returns true unless the count is 0.',
    run(x, [r]) {
      return incNotZero(x, r!, 'refcount_inc_not_zero');
    },
  },
  {
    name: 'refcount_dec', family: 'refcount', params: [ref], returns: 'void',
    kernel: 'Drops a reference that must not be the last: reaching 0 warns "refcount_t: decrement hit 0; leaking memory."',
    model: 'One step. Decrements; reaching (or being below) 0 is kind leak in the kernel\'s words, and the count is saturated.',
    run(x, [r]) {
      const old = counter(x, r!, 'refcount_dec');
      if (old < 0) return 0;
      if (old <= 1) warnSaturate(x, r!, 'decrement hit 0; leaking memory');
      else x.write(r!, old - 1, true);
      return 0;
    },
  },
  {
    name: 'refcount_dec_and_test', family: 'refcount', params: [ref], returns: 'bool',
    kernel: 'Drops a reference and returns true when it reached 0. Below 1 already it warns "refcount_t: underflow; use-after-free."',
    model: 'One step. Decrements; returns true at 0; below 1 already it is use_after_free and the count is saturated.',
    run(x, [r]) {
      return decAndTest(x, r!, 'refcount_dec_and_test');
    },
  },
  {
    name: 'refcount_dec_not_one', family: 'refcount', params: [ref], returns: 'bool',
    kernel: 'Decrements unless the count is 1; returns false (without decrementing) when it is.',
    model: 'One step, as the kernel; on 0 it is use_after_free ("underflow").',
    run(x, [r]) {
      return decNotOne(x, r!, 'refcount_dec_not_one');
    },
  },
  {
    name: 'refcount_dec_and_mutex_lock', family: 'refcount', params: [ref, lock('lock', 'mutex')], returns: 'bool', sleeps: true,
    kernel: 'Drops a reference; the last one is dropped holding the mutex, and then it returns true with the mutex held.',
    model: 'One step when the count is not 1 (decrements, returns false); otherwise a second step takes the mutex (blocking while it is held) and decrements under it: true with the mutex held at 0, else it unlocks and returns false.',
    run(x, [r, m], [, cls]) {
      return decAndLock(x, r!, m!, cls!, false, 'refcount_dec_and_mutex_lock');
    },
  },
  {
    name: 'refcount_dec_and_lock', family: 'refcount', params: [ref, lock('lock', 'spinlock')], returns: 'bool',
    kernel: 'refcount_dec_and_mutex_lock with a spinlock.',
    model: 'As refcount_dec_and_mutex_lock, with the spinlock.',
    run(x, [r, l], [, cls]) {
      return decAndLock(x, r!, l!, cls!, true, 'refcount_dec_and_lock');
    },
  },
];
