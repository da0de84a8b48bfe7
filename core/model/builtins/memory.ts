// Builtins: Heap allocation and freeing.

import type { Exec } from '../exec';
import type { Builtin, BuiltinParam } from './types';
import { alias, faultInjection } from './common';
import { GFP_NOSLEEP } from './constants';

const size: BuiltinParam = { name: 'size', kind: 'type' };
const gfp: BuiltinParam = { name: 'flags', kind: 'int', optional: true };

/**
 * One allocation step: with `config FAULT_INJECTION;` the checker also explores the failed
 * allocation (NULL); flags without GFP_ATOMIC / GFP_NOWAIT's no-sleep bit may sleep.
 */
function allocate(x: Exec, name: string, flags: number | undefined, struct: number): number {
  if (x.choice === 1) return 0; // an injected allocation failure
  if (((flags ?? 0) & GFP_NOSLEEP) === 0) x.mightSleep(`${name}(GFP_KERNEL)`);
  return x.alloc(x.scenario.structs[struct]!);
}

function allocator(name: string, kernel: string, model: string): Builtin {
  return {
    name, family: 'memory', params: [size, gfp], returns: 'ptr', kernel, model,
    choices: (x) => (faultInjection(x) ? 2 : 1),
    run: (x, args, statics) => allocate(x, name, args[1], statics[0]!),
  };
}

function arrayAllocator(name: string, kernel: string): Builtin {
  return {
    name, family: 'memory', params: [{ name: 'n', kind: 'int' }, size, gfp], returns: 'ptr', kernel,
    model: 'As kzalloc, for the element type: the model keeps element 0 only (a pointer is not indexed, so p->field is the one element a scenario reaches); n is evaluated, and n of 0 or less returns NULL (the kernel\'s ZERO_SIZE_PTR, which no access may go through either).',
    choices: (x) => (faultInjection(x) ? 2 : 1),
    run: (x, args, statics) => ((args[0] ?? 0) <= 0 ? 0 : allocate(x, name, args[2], statics[1]!)),
  };
}

const MEMORY_BASE: readonly Builtin[] = [
  {
    name: 'container_of', family: 'memory', params: [{ name: 'ptr', kind: 'ptr' }, { name: 'type', kind: 'type' }, { name: 'member', kind: 'member' }], returns: 'ptr', pure: true,
    kernel: 'The object a pointer to one of its members belongs to: container_of(kref, struct T, ref), container_of(work, struct T, work).',
    model: 'Pointer arithmetic, no access: the object containing the member (a field path, dwork.work). A member whose type is not the one the pointer points to is an error.',
    run(_x, [p], [, , offset]) {
      return p === 0 ? 0 : p! - offset!;
    },
  },
  allocator('kzalloc', 'Allocates zeroed memory for an object: kzalloc(sizeof(*p), GFP_KERNEL). With GFP_KERNEL (the default here) it may sleep.',
    'One step. Returns a new zeroed object of the struct type the size names (sizeof(struct T), sizeof(*p), or struct T); never NULL, unless `config FAULT_INJECTION;` makes the checker explore a failed allocation too. The allocation site and actor are recorded for KASAN-style reports. Unless the flags say GFP_ATOMIC or GFP_NOWAIT it may sleep (a violation in atomic context).'),
  allocator('kmalloc', 'Allocates memory for an object (contents undefined).', 'As kzalloc (the model zeroes it).'),
  allocator('kvzalloc', 'Allocates zeroed memory, falling back to vmalloc for large sizes; free it with kvfree. It may sleep.', 'As kzalloc.'),
  allocator('kvmalloc', 'kvzalloc without the zeroing.', 'As kzalloc (the model zeroes it).'),
  arrayAllocator('kcalloc', 'Allocates a zeroed array of n elements: kcalloc(n, sizeof(*p), GFP_KERNEL); NULL when n * size overflows.'),
  arrayAllocator('kmalloc_array', 'Allocates an array of n elements (contents undefined): kmalloc_array(n, sizeof(*p), GFP_KERNEL).'),
  arrayAllocator('kvcalloc', 'kcalloc that may fall back to vmalloc; free it with kvfree.'),
  arrayAllocator('kvmalloc_array', 'kmalloc_array that may fall back to vmalloc; free it with kvfree.'),
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

export const MEMORY: readonly Builtin[] = [
  ...MEMORY_BASE,
  { ...alias(MEMORY_BASE, 'kvfree', 'kfree', 'Frees memory from kvmalloc/kvzalloc (or kmalloc). kvfree(NULL) does nothing.'), params: [{ name: 'addr', kind: 'ptr' }] },
];
