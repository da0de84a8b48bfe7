// Builtins: Atomics, marked accesses and barriers.

import type { Exec } from '../exec';
import type { Builtin, BuiltinParam, ReturnKind } from './types';

export const ATOMICS: readonly Builtin[] = [
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
  ...atomicOps(),
];

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
  // The kernel's ordering variants (atomic_cmpxchg_acquire, atomic_set_release, …) do what
  // their plain form does: under the model's sequentially consistent memory every access is
  // already ordered, so the variant names the intent and changes nothing.
  const orderings: readonly (readonly [string, readonly string[]])[] = [
    ['atomic_read', ['_acquire']],
    ['atomic_set', ['_release']],
    ['atomic_inc_return', ['_acquire', '_release', '_relaxed']],
    ['atomic_dec_return', ['_acquire', '_release', '_relaxed']],
    ['atomic_xchg', ['_acquire', '_release', '_relaxed']],
    ['atomic_cmpxchg', ['_acquire', '_release', '_relaxed']],
  ];
  for (const [plain, suffixes] of orderings) {
    const op = ops.find((o) => o.name === plain)!;
    for (const sfx of suffixes) {
      ops.push({ ...op, name: plain + sfx, kernel: `${op.kernel} ${sfx.slice(1)} ordering: under the model's sequentially consistent memory, as ${plain}.` });
    }
  }
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
