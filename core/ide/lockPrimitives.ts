// What each lock primitive of the builtin registry does to the set of held locks: the
// registry says which primitives acquire (`acquires`); the kernel names say the rest
// (`*_trylock` may take, `*_unlock` and `up_*` release, and which release matches which
// acquire), so a primitive added to the registry is understood here without another table.

import { builtin, BUILTINS, type Builtin } from '../model/builtins';

export type LockEffect =
  | {
      readonly kind: 'acquire';
      readonly mode: 'write' | 'read';
      readonly trylock: boolean;
      readonly release: string;
      /** Returns 0 when it took the lock (`_killable`, `_interruptible`); the model always takes it. */
      readonly returnsZero: boolean;
    }
  | { readonly kind: 'release' }
  | { readonly kind: 'none' };

/** The pseudo-lock rcu_read_lock() takes: it has no argument and no lock class. */
export const RCU_KEY = 'rcu_read_lock';

const cache = new Map<string, LockEffect>();

export function lockEffect(b: Builtin): LockEffect {
  let e = cache.get(b.name);
  if (!e) {
    e = classify(b);
    cache.set(b.name, e);
  }
  return e;
}

function classify(b: Builtin): LockEffect {
  const n = b.name;
  if (b.family !== 'locks' || /is_locked|synchronize|assert/.test(n)) return { kind: 'none' };
  if (/unlock|^up_/.test(n)) return { kind: 'release' };
  const trylock = /trylock/.test(n);
  // srcu_read_lock / rcu_read_lock enter a read-side section: held, for the hints.
  const section = /^(s?rcu|kvm_vcpu_srcu)_read_lock$/.test(n);
  if (!b.acquires && !trylock && !section) return { kind: 'none' };
  const release = releaseName(n);
  if (!release || !builtin(release)) return { kind: 'none' };
  const mode = b.acquires === 'shared' || /read/.test(n) ? 'read' : 'write';
  return { kind: 'acquire', mode, trylock, release, returnsZero: !trylock && b.returns === 'int' && !section };
}

/** mutex_lock -> mutex_unlock, down_read_trylock -> up_read, spin_lock_irqsave -> spin_unlock_irqrestore. */
function releaseName(acquire: string): string | undefined {
  const plain = acquire.replace(/(_(interruptible|killable|nested|nest_lock))+$/, '');
  if (plain.startsWith('down_')) return `up_${plain.slice(5).replace(/_trylock$/, '')}`;
  const base = plain.replace(/trylock$/, 'lock');
  if (base.endsWith('_lock_irqsave')) return base.replace(/_lock_irqsave$/, '_unlock_irqrestore');
  if (base.includes('_lock')) return base.replace('_lock', '_unlock');
  return undefined;
}

/** The acquiring primitives of the registry (for hover: "every place it is taken"). */
export function acquiringPrimitives(): readonly Builtin[] {
  return BUILTINS.filter((b) => lockEffect(b).kind === 'acquire');
}
