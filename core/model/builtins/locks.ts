// Builtins: Sleeping and spinning locks: mutexes, spinlocks, rw semaphores, rwlock_t.

import { EINTR } from './constants';
import type { Builtin, BuiltinParam } from './types';
import { bit, lockExclusive, recursiveLocking, unlockExclusive, badUnlock, assertionFailed, lock, alias, checkNesting, faultInjection, type Nesting } from './common';
import type { Exec } from '../exec';

const LOCKS_BASE: readonly Builtin[] = [
  {
    name: 'lockdep_set_class', family: 'checks', params: [lock('lock', 'lock'), { name: 'key', kind: 'lockkey' }], returns: 'void',
    kernel: 'Gives this lock instance the lockdep class of key (a static struct lock_class_key) instead of its initialisation site\'s, so that instances lockdep cannot otherwise tell apart (one per nesting level, per device kind) may nest without a "possible recursive locking" report.',
    model: 'One step. From now on every acquisition of this lock instance is of the key\'s class (named after the key), for the recursive-locking check, the lock-order graph and the reports; other instances of the declaration keep its class. Re-keying a lock while it is held is not checked. The model re-keys at most 4 instances per scenario.',
    run(x, [l], [, key]) {
      const L = x.scenario.layout;
      for (let i = 0; i < L.lockKeySlots; i++) {
        const a = x.read(L.lockKeys + 2 * i, true);
        if (a !== 0 && a !== l) continue;
        x.write(L.lockKeys + 2 * i, l!, true);
        x.write(L.lockKeys + 2 * i + 1, key! + 1, true);
        return 0;
      }
      return assertionFailed(x, `lockdep_set_class: the model re-keys at most ${L.lockKeySlots} lock instances`);
    },
  },
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
    name: 'spin_lock_bh', family: 'locks', acquires: 'exclusive', params: [lock('lock', 'spinlock')], returns: 'void',
    kernel: 'Disables bottom halves (softirqs) on the local CPU and acquires the spinlock.',
    model: 'As spin_lock, and bottom halves are off on this actor until spin_unlock_bh: a timer callback on its CPU cannot run. The lock counts as taken with softirqs off for lockdep.',
    run(x, [s], [cls]) {
      x.setBhOff(1);
      lockExclusive(x, s!, cls!, false);
      return 0;
    },
  },
  {
    name: 'spin_unlock_bh', family: 'locks', params: [lock('lock', 'spinlock')], returns: 'void',
    kernel: 'Releases the spinlock and re-enables bottom halves.',
    model: 'Releases the spinlock, then turns bottom halves back on for this actor.',
    run(x, [s], [cls]) {
      unlockExclusive(x, s!, cls!, 'spin_unlock_bh');
      x.setBhOff(-1);
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
  {
    name: 'down_read', family: 'locks', acquires: 'shared', params: [lock('sem', 'rwsem')], returns: 'void', sleeps: true,
    kernel: 'Acquires the rw_semaphore for reading; sleeps while a writer holds it.',
    model: 'One step. Blocks while a writer holds it; readers share it. Records lock-order dependencies like down_write.',
    run(x, [r], [cls]) {
      x.mightSleep('down_read');
      downRead(x, r!, cls!, {});
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
      if ((readers & bit(x.actor)) === 0) {
        badUnlock(x, r!, cls!, 'up_read', 'it is not held for reading by this task');
        return 0;
      }
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
  ...rwlockOps(),
];

/** down_read and its nested form: a read hold of an rw_semaphore. */
function downRead(x: Exec, r: number, cls: number, nesting: Nesting): void {
  const writer = x.read(r, true);
  if (writer === x.actor + 1) recursiveLocking(x, r, cls);
  checkNesting(x, r, cls, 'read', nesting);
  if (writer !== 0) x.block({ kind: 'lock', lock: r, cls, mode: 'read', holders: [writer - 1] });
  x.write(r + 1, x.read(r + 1, true) | bit(x.actor), true);
  x.acquire(r, cls, 'read', false, false, nesting.subclass);
}

const subclass: BuiltinParam = { name: 'subclass', kind: 'int' };
const NESTED_MODEL = 'As %s, with lockdep told that this lock nests inside another of its class: the subclass makes it a class of its own for the recursion check (a lock of the same class and subclass already held is still possible recursive locking).';

/** The lockdep nesting annotations: the same acquisition, told how it nests. */
const NESTED: readonly Builtin[] = [
  {
    name: 'mutex_lock_nested', family: 'locks', acquires: 'exclusive', params: [lock('lock', 'mutex'), subclass], returns: 'void', sleeps: true,
    kernel: 'mutex_lock with a lockdep subclass (SINGLE_DEPTH_NESTING, or an index): for two mutexes of one class taken one inside the other.',
    model: NESTED_MODEL.replace('%s', 'mutex_lock'),
    run(x, [m, sub], [cls]) {
      x.mightSleep('mutex_lock_nested');
      lockExclusive(x, m!, cls!, false, 0, { subclass: sub! });
      return 0;
    },
  },
  {
    name: 'mutex_lock_nest_lock', family: 'locks', acquires: 'exclusive', params: [lock('lock', 'mutex'), lock('nest_lock', 'lock')], returns: 'void', sleeps: true,
    kernel: 'mutex_lock of one of many mutexes of a class, all taken under nest_lock (which serialises whoever takes several of them).',
    model: 'As mutex_lock; holding nest_lock, further mutexes of the class are not recursive locking. Without nest_lock held it is checked as mutex_lock.',
    run(x, [m, nest], [cls]) {
      x.mightSleep('mutex_lock_nest_lock');
      lockExclusive(x, m!, cls!, false, 0, { nestLock: nest! });
      return 0;
    },
  },
  {
    name: 'spin_lock_nested', family: 'locks', acquires: 'exclusive', params: [lock('lock', 'spinlock'), subclass], returns: 'void',
    kernel: 'spin_lock with a lockdep subclass, for two spinlocks of one class taken one inside the other.',
    model: NESTED_MODEL.replace('%s', 'spin_lock'),
    run(x, [l, sub], [cls]) {
      lockExclusive(x, l!, cls!, false, 0, { subclass: sub! });
      return 0;
    },
  },
  {
    name: 'down_read_nested', family: 'locks', acquires: 'shared', params: [lock('sem', 'rwsem'), subclass], returns: 'void', sleeps: true,
    kernel: 'down_read with a lockdep subclass.',
    model: NESTED_MODEL.replace('%s', 'down_read'),
    run(x, [r, sub], [cls]) {
      x.mightSleep('down_read_nested');
      downRead(x, r!, cls!, { subclass: sub! });
      return 0;
    },
  },
  {
    name: 'down_write_nested', family: 'locks', acquires: 'exclusive', params: [lock('sem', 'rwsem'), subclass], returns: 'void', sleeps: true,
    kernel: 'down_write with a lockdep subclass.',
    model: NESTED_MODEL.replace('%s', 'down_write'),
    run(x, [r, sub], [cls]) {
      x.mightSleep('down_write_nested');
      lockExclusive(x, r!, cls!, false, r! + 1, { subclass: sub! });
      return 0;
    },
  },
];

/**
 * mutex_lock_interruptible / _killable and their lockdep-annotated forms: a sleep a signal
 * (any, or only a fatal one) may cut short with -EINTR. The model sends no signals, so each
 * takes the mutex and returns 0; under `config FAULT_INJECTION;` the signal is a second
 * outcome the checker explores, so the caller's error path is reached.
 */
function signalledMutexLocks(): Builtin[] {
  const forms = [
    { sig: 'interruptible', what: 'a signal' },
    { sig: 'killable', what: 'a fatal signal' },
  ] as const;
  const out: Builtin[] = [];
  for (const { sig, what } of forms) {
    const base = `mutex_lock_${sig}`;
    const model = (as: string) =>
      `${as}, returning 0. With \`config FAULT_INJECTION;\` a second outcome is ${what}: it returns -EINTR without the mutex, whether or not the mutex is free.`;
    const run = (name: string, nesting: (args: readonly number[]) => Nesting) =>
      (x: Exec, args: readonly number[], [cls]: readonly number[]): number => {
        x.mightSleep(name);
        if (x.choice === 1) return -EINTR;
        lockExclusive(x, args[0]!, cls!, false, 0, nesting(args));
        return 0;
      };
    out.push(
      {
        name: base, family: 'locks', acquires: 'exclusive', params: [lock('lock', 'mutex')], returns: 'int', sleeps: true,
        kernel: `Acquires the mutex; ${what} may interrupt the sleep (returns -EINTR).`,
        model: model('As mutex_lock'),
        choices: (x) => (faultInjection(x) ? 2 : 1),
        run: run(base, () => ({})),
      },
      {
        name: `${base}_nested`, family: 'locks', acquires: 'exclusive', params: [lock('lock', 'mutex'), subclass], returns: 'int', sleeps: true,
        kernel: `${base} with a lockdep subclass, for two mutexes of one class taken one inside the other.`,
        model: model('As mutex_lock_nested'),
        choices: (x) => (faultInjection(x) ? 2 : 1),
        run: run(`${base}_nested`, (a) => ({ subclass: a[1]! })),
      },
    );
  }
  out.push({
    name: 'mutex_lock_killable_nest_lock', family: 'locks', acquires: 'exclusive', params: [lock('lock', 'mutex'), lock('nest_lock', 'lock')], returns: 'int', sleeps: true,
    kernel: 'mutex_lock_killable of one of many mutexes of a class, all taken under nest_lock (kvm_lock_all_vcpus takes every vcpu->mutex under kvm->lock).',
    model: 'As mutex_lock_nest_lock, returning 0. With `config FAULT_INJECTION;` a second outcome is a fatal signal: it returns -EINTR without the mutex.',
    choices: (x) => (faultInjection(x) ? 2 : 1),
    run(x, [m, nest], [cls]) {
      x.mightSleep('mutex_lock_killable_nest_lock');
      if (x.choice === 1) return -EINTR;
      lockExclusive(x, m!, cls!, false, 0, { nestLock: nest! });
      return 0;
    },
  });
  return out;
}

export const LOCKS: readonly Builtin[] = [
  ...LOCKS_BASE,
  ...NESTED,
  ...signalledMutexLocks(),
  alias(LOCKS_BASE, 'down_read_killable', 'down_read', 'Acquires the rw_semaphore for reading; a fatal signal interrupts the sleep.', 'int'),
  alias(LOCKS_BASE, 'down_write_killable', 'down_write', 'Acquires the rw_semaphore for writing; a fatal signal interrupts the sleep.', 'int'),
  alias(LOCKS_BASE, 'raw_spin_lock', 'spin_lock', 'Acquires a raw spinlock (never a sleeping lock, even on PREEMPT_RT).'),
  alias(LOCKS_BASE, 'raw_spin_unlock', 'spin_unlock', 'Releases a raw spinlock.'),
  alias(LOCKS_BASE, 'raw_spin_lock_irqsave', 'spin_lock_irqsave', 'Saves interrupts, disables them and acquires a raw spinlock.'),
  alias(LOCKS_BASE, 'raw_spin_unlock_irqrestore', 'spin_unlock_irqrestore', 'Releases a raw spinlock and restores interrupts.'),
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
          checkNesting(x, a!, cls!, 'read', {}, true);
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
          if ((readers & bit(x.actor)) === 0) {
            badUnlock(x, a!, cls!, `read_unlock${unlockSuffix}`, 'it is not held for reading by this task');
            return 0;
          }
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
