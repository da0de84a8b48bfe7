// Builtins: Heap allocation and freeing.

import type { Builtin } from './types';
import { faultInjection } from './common';

export const MEMORY: readonly Builtin[] = [
  {
    name: 'container_of', family: 'memory', params: [{ name: 'ptr', kind: 'ptr' }, { name: 'type', kind: 'type' }, { name: 'member', kind: 'member' }], returns: 'ptr', pure: true,
    kernel: 'The object a pointer to one of its members belongs to: container_of(kref, struct T, ref), container_of(work, struct T, work).',
    model: 'Pointer arithmetic, no access: the object containing the member (a field path, dwork.work). A member whose type is not the one the pointer points to is an error.',
    run(_x, [p], [, , offset]) {
      return p === 0 ? 0 : p! - offset!;
    },
  },
  {
    name: 'kzalloc', family: 'memory', params: [{ name: 'type', kind: 'type' }, { name: 'gfp', kind: 'int', optional: true }], returns: 'ptr',
    kernel: 'Allocates zeroed memory for an object. With GFP_KERNEL (the default here) it may sleep.',
    model: 'One step. Returns a new zeroed object of the struct type; never NULL, unless `config FAULT_INJECTION;` makes the checker explore a failed allocation too. The allocation site and actor are recorded for KASAN-style reports. With GFP_KERNEL it may sleep (a violation in atomic context); pass GFP_ATOMIC where the code does.',
    choices: (x) => (faultInjection(x) ? 2 : 1),
    run(x, args, statics) {
      if (x.choice === 1) return 0; // an injected allocation failure
      if ((args[1] ?? 0) !== 1) x.mightSleep('kzalloc(GFP_KERNEL)');
      const s = x.scenario.structs[statics[0]!]!;
      return x.alloc(s);
    },
  },
  {
    name: 'kmalloc', family: 'memory', params: [{ name: 'type', kind: 'type' }, { name: 'gfp', kind: 'int', optional: true }], returns: 'ptr',
    kernel: 'Allocates memory for an object (contents undefined).',
    model: 'As kzalloc (the model zeroes it).',
    choices: (x) => (faultInjection(x) ? 2 : 1),
    run(x, args, statics) {
      if (x.choice === 1) return 0; // an injected allocation failure
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
];
