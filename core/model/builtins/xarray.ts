// Builtins: the XArray and the IDR, the kernel's small index -> pointer maps (kvm->vcpu_array,
// the Xen event-channel ports, the Hyper-V connection ids). A `struct xarray` is its
// spinlock xa_lock and a table of XARRAY_SLOTS (index, entry) pairs; a `struct idr` is the
// same table without a lock of its own (its users serialise writers). Lookups are marked
// reads, RCU-safe as the kernel's are; each operation is one step.

import { XARRAY_SLOTS, XARRAY_WORD } from '../../semantics/symbols';
import type { Exec } from '../exec';
import type { Builtin, BuiltinParam } from './types';
import { assertionFailed, assertionWarning, actorLabel, lockName, recursiveLocking } from './common';
import { ENOSPC, GFP_NOSLEEP } from './constants';
import { LOCKS } from './locks';

const xa: BuiltinParam = { name: 'xa', kind: 'xarray' };
const idr: BuiltinParam = { name: 'idr', kind: 'idr' };
const index: BuiltinParam = { name: 'index', kind: 'int' };
const entry: BuiltinParam = { name: 'entry', kind: 'value' };
const gfp: BuiltinParam = { name: 'gfp', kind: 'int' };

function slotKey(table: number, i: number): number {
  return table + XARRAY_WORD.slots + 2 * i;
}

/** The slot holding `index`, or -1. `marked`: an RCU-safe lookup rather than an update's plain read. */
function findSlot(x: Exec, table: number, idx: number, marked: boolean): number {
  for (let i = 0; i < XARRAY_SLOTS; i++) if (x.read(slotKey(table, i), marked) === idx + 1) return i;
  return -1;
}

function load(x: Exec, table: number, idx: number, what: string): number {
  x.checkAccess(table, false, what);
  const i = findSlot(x, table, idx, true);
  return i < 0 ? 0 : x.read(slotKey(table, i) + 1, true);
}

/**
 * Stores `value` at `idx` (NULL erases) and returns the entry it replaces. `marked` for the
 * XArray's updates (made under xa_lock, published with rcu_assign_pointer); the IDR's are
 * plain, so writers that nothing serialises are a data race under KCSAN.
 */
function store(x: Exec, table: number, idx: number, value: number, marked: boolean, what: string): number {
  x.checkAccess(table, true, what);
  const i = findSlot(x, table, idx, marked);
  if (i >= 0) {
    const old = x.read(slotKey(table, i) + 1, marked);
    if (value === 0) x.write(slotKey(table, i), 0, marked);
    x.write(slotKey(table, i) + 1, value, marked);
    return old;
  }
  if (value === 0) return 0;
  for (let j = 0; j < XARRAY_SLOTS; j++) {
    if (x.read(slotKey(table, j), marked) !== 0) continue;
    x.write(slotKey(table, j), idx + 1, marked);
    x.write(slotKey(table, j) + 1, value, marked);
    return 0;
  }
  return assertionFailed(x, `${what}: the model's table holds at most ${XARRAY_SLOTS} entries`);
}

/** xa_init / idr_init: an empty table (and a free lock word). */
function clear(x: Exec, table: number, what: string): number {
  x.checkAccess(table, true, what);
  for (let w = 0; w < XARRAY_WORD.size; w++) x.write(table + w, 0, true);
  return 0;
}

function mayAllocate(x: Exec, what: string, flags: number): void {
  if ((flags & GFP_NOSLEEP) === 0) x.mightSleep(`${what}(GFP_KERNEL)`);
}

/** The `__xa_*` forms run under xa_lock: lockdep's assertion when this actor does not hold it. */
function assertXaLocked(x: Exec, table: number, cls: number, what: string): void {
  if (x.held().some((h) => h.addr === table + XARRAY_WORD.lock)) return;
  assertionWarning(x, `${what} without xa_lock held (lockdep_assert_held(&xa->xa_lock), ${lockName(x, cls)}) by ${actorLabel(x, x.actor)}`);
}

/** An xa_lock form: the spinlock primitive of the same suffix on xa->xa_lock. */
function lockForm(name: string, of: string, kernel: string): Builtin {
  const b = LOCKS.find((l) => l.name === of);
  if (!b) throw new Error(`no ${of}`);
  const params = b.params.length > 1 ? [xa, ...b.params.slice(1)] : [xa];
  return { ...b, name, params, kernel, model: `As ${of}(&xa->xa_lock): the XArray's spinlock, one lock class per declaration that lockdep names &xa->xa_lock.` };
}

export const XARRAY: readonly Builtin[] = [
  {
    name: 'xa_init', family: 'xarray', params: [xa], returns: 'void',
    kernel: 'Initialises an empty XArray (and its xa_lock).',
    model: 'Empties the table and frees the lock word. A zeroed struct xarray (kzalloc, a static one, DEFINE_XARRAY) is already empty.',
    run: (x, [a]) => clear(x, a!, 'xa_init'),
  },
  {
    name: 'xa_load', family: 'xarray', params: [xa, index], returns: 'ptr',
    kernel: 'Returns the entry at index, or NULL. Safe without xa_lock: it takes rcu_read_lock() itself, so the entry may be removed (and freed after a grace period) as soon as it returns.',
    model: 'One marked step: the entry stored at index, or NULL. Nothing keeps the entry alive afterwards: a lookup racing an erase and a free returns a pointer to freed memory, as in the kernel.',
    run(x, [a, i]) {
      return load(x, a!, i!, 'xa_load');
    },
  },
  {
    name: 'xa_store', family: 'xarray', params: [xa, index, entry, gfp], returns: 'ptr',
    kernel: 'Stores entry at index under xa_lock (taken and released inside) and returns the old entry; storing NULL erases. May sleep to allocate unless gfp forbids it.',
    model: 'One step: blocks while another actor holds xa_lock (holding it already is a deadlock: use __xa_store), stores the entry and returns the one it replaced. May sleep unless gfp has GFP_ATOMIC / GFP_NOWAIT. The model\'s table holds 8 entries.',
    run(x, [a, i, v, g], [cls]) {
      mayAllocate(x, 'xa_store', g!);
      return lockedUpdate(x, a!, cls!, () => store(x, a!, i!, v!, true, 'xa_store'));
    },
  },
  {
    name: '__xa_store', family: 'xarray', params: [xa, index, entry, gfp], returns: 'ptr',
    kernel: 'xa_store for a caller that holds xa_lock.',
    model: 'One step: stores the entry and returns the old one; a warning (assertion) when this actor does not hold xa_lock.',
    run(x, [a, i, v, g], [cls]) {
      assertXaLocked(x, a!, cls!, '__xa_store');
      mayAllocate(x, '__xa_store', g!);
      return store(x, a!, i!, v!, true, '__xa_store');
    },
  },
  {
    name: 'xa_erase', family: 'xarray', params: [xa, index], returns: 'ptr',
    kernel: 'Removes the entry at index under xa_lock (taken and released inside) and returns it. Readers may still hold it: free it only after a grace period or under the readers\' lock.',
    model: 'One step: blocks while another actor holds xa_lock (holding it already is a deadlock: use __xa_erase), removes the entry and returns it.',
    run(x, [a, i], [cls]) {
      return lockedUpdate(x, a!, cls!, () => store(x, a!, i!, 0, true, 'xa_erase'));
    },
  },
  {
    name: '__xa_erase', family: 'xarray', params: [xa, index], returns: 'ptr',
    kernel: 'xa_erase for a caller that holds xa_lock.',
    model: 'One step: removes the entry and returns it; a warning (assertion) when this actor does not hold xa_lock.',
    run(x, [a, i], [cls]) {
      assertXaLocked(x, a!, cls!, '__xa_erase');
      return store(x, a!, i!, 0, true, '__xa_erase');
    },
  },
  {
    name: 'xa_empty', family: 'xarray', params: [xa], returns: 'bool',
    kernel: 'Whether the XArray holds no entry.',
    model: 'One marked read of the table.',
    run(x, [a]) {
      x.checkAccess(a!, false, 'xa_empty');
      for (let i = 0; i < XARRAY_SLOTS; i++) if (x.read(slotKey(a!, i), true) !== 0) return 0;
      return 1;
    },
  },
  lockForm('xa_lock', 'spin_lock', 'Takes the XArray\'s spinlock xa_lock (for __xa_store / __xa_erase and compound updates).'),
  lockForm('xa_unlock', 'spin_unlock', 'Releases xa_lock.'),
  lockForm('xa_lock_irq', 'spin_lock_irq', 'Disables interrupts and takes xa_lock.'),
  lockForm('xa_unlock_irq', 'spin_unlock_irq', 'Releases xa_lock and enables interrupts.'),
  lockForm('xa_lock_irqsave', 'spin_lock_irqsave', 'Saves the interrupt state, disables interrupts and takes xa_lock.'),
  lockForm('xa_unlock_irqrestore', 'spin_unlock_irqrestore', 'Releases xa_lock and restores the interrupt state.'),
  lockForm('xa_lock_bh', 'spin_lock_bh', 'Disables bottom halves and takes xa_lock.'),
  lockForm('xa_unlock_bh', 'spin_unlock_bh', 'Releases xa_lock and enables bottom halves.'),
  {
    name: 'idr_init', family: 'xarray', params: [idr], returns: 'void',
    kernel: 'Initialises an empty IDR.',
    model: 'Empties the table. A zeroed struct idr (kzalloc, a static one, DEFINE_IDR) is already empty.',
    run: (x, [a]) => clear(x, a!, 'idr_init'),
  },
  {
    name: 'idr_alloc', family: 'xarray', params: [idr, { name: 'ptr', kind: 'value' }, { name: 'start', kind: 'int' }, { name: 'end', kind: 'int' }, gfp], returns: 'int',
    kernel: 'Allocates the lowest free id in [start, end) (end <= 0: no limit) for ptr and returns it, or -ENOSPC. The IDR has no lock of its own: the caller serialises writers (a mutex or spinlock), while idr_find is RCU-safe.',
    model: 'One step: stores ptr at the lowest free id and returns it, or -ENOSPC. Its updates are plain stores, so two writers that nothing serialises are a data race under `config KCSAN;`. May sleep unless gfp has GFP_ATOMIC / GFP_NOWAIT.',
    run(x, [a, p, start, end, g]) {
      mayAllocate(x, 'idr_alloc', g!);
      x.checkAccess(a!, true, 'idr_alloc');
      const limit = end! <= 0 ? Number.MAX_SAFE_INTEGER : end!;
      for (let id = Math.max(0, start!); id < limit && id < start! + XARRAY_SLOTS + 1; id++) {
        if (findSlot(x, a!, id, false) >= 0) continue;
        store(x, a!, id, p!, false, 'idr_alloc');
        return id;
      }
      return -ENOSPC;
    },
  },
  {
    name: 'idr_find', family: 'xarray', params: [idr, { name: 'id', kind: 'int' }], returns: 'ptr',
    kernel: 'Returns the pointer with this id, or NULL. RCU-safe: the lookup itself needs rcu_read_lock() or the writers\' lock, and what it returns stays alive only as long as the caller\'s protection does.',
    model: 'One marked step: the pointer stored at id, or NULL. Nothing keeps it alive afterwards: a lookup racing idr_remove and a free returns freed memory, as in the kernel.',
    run(x, [a, i]) {
      return load(x, a!, i!, 'idr_find');
    },
  },
  {
    name: 'idr_remove', family: 'xarray', params: [idr, { name: 'id', kind: 'int' }], returns: 'ptr',
    kernel: 'Removes the id and returns its pointer (NULL if there was none). It does not wait for readers: free the pointer after a grace period (synchronize_rcu / synchronize_srcu) or under the readers\' lock.',
    model: 'One step of plain stores (a data race under KCSAN with another unserialised writer); returns the pointer removed.',
    run(x, [a, i]) {
      return store(x, a!, i!, 0, false, 'idr_remove');
    },
  },
];

/** xa_store / xa_erase: the update made under xa_lock, which is taken and released in the step. */
function lockedUpdate(x: Exec, table: number, cls: number, update: () => number): number {
  const lock = table + XARRAY_WORD.lock;
  const holder = x.read(lock, true);
  // Under xa_lock already: the internal spin_lock spins on itself (the __xa_ forms are for that).
  if (holder === x.actor + 1) recursiveLocking(x, lock, cls);
  if (holder !== 0) x.block({ kind: 'lock', lock, cls, mode: 'write', holders: [holder - 1] });
  // lockdep sees the acquisition (ordered after the locks held) and its release.
  x.acquire(lock, cls, 'write', false, false);
  x.release(lock, 'write');
  return update();
}
