// Builtins: RCU and SRCU read sections and grace periods.

import type { Builtin } from './types';
import { bit, readersOf, recursiveLocking, assertionWarning, lock } from './common';

export const RCU: readonly Builtin[] = [
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
      if (!x.held().some((h) => h.addr === l)) assertionWarning(x, 'lockdep_assert_held failed');
      return 0;
    },
  },
];
