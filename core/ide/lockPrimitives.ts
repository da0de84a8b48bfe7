// What each lock primitive of the builtin registry does to the set of held locks, read off
// the registry's kernel names (mutex_lock takes, mutex_unlock releases, *_trylock may take),
// so that a primitive added to the registry is understood here without another table.

import { builtin, BUILTINS, type Builtin } from '../model/builtins';

export type LockEffect =
  | { readonly kind: 'acquire'; readonly mode: 'write' | 'read'; readonly trylock: boolean; readonly release: string }
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
  if (!/lock|^down_/.test(n)) return { kind: 'none' };
  const release = releaseName(n);
  if (!release || !builtin(release)) return { kind: 'none' };
  return { kind: 'acquire', mode: /read/.test(n) ? 'read' : 'write', trylock: /trylock/.test(n), release };
}

/** mutex_lock -> mutex_unlock, down_read_trylock -> up_read, spin_lock_irqsave -> spin_unlock_irqrestore. */
function releaseName(acquire: string): string | undefined {
  const plain = acquire.replace(/_interruptible$/, '');
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
