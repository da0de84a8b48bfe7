// Builtins: atomic bit operations and exchanges on a shared word (set_bit, test_and_set_bit,
// xchg, cmpxchg), and acquire/release accesses. Each is one indivisible marked step, so
// never part of a data race; the model is sequentially consistent, so the orderings they
// promise hold for every access.

import type { Exec } from '../exec';
import type { Builtin, BuiltinParam, ReturnKind } from './types';

const nr: BuiltinParam = { name: 'nr', kind: 'int' };
const addr: BuiltinParam = { name: 'addr', kind: 'place' };

interface Op {
  readonly name: string;
  readonly params: readonly BuiltinParam[];
  readonly returns: ReturnKind;
  readonly kernel: string;
  /** The word's new value and the result, from its old value and the arguments. */
  apply(old: number, args: readonly number[]): readonly [number, number];
  /** Index of the word's place among the parameters. */
  readonly word: number;
  /** The non-atomic `__` forms: plain accesses, for a caller that serialises them. */
  readonly plain?: boolean;
}

const bitOf = (n: number): number => (n >= 0 && n < 32 ? 1 << n : 0);

const OPS: readonly Op[] = [
  { name: 'set_bit', params: [nr, addr], returns: 'void', word: 1, kernel: 'Atomically sets bit nr of the word.', apply: (o, a) => [o | bitOf(a[0]!), 0] },
  { name: 'clear_bit', params: [nr, addr], returns: 'void', word: 1, kernel: 'Atomically clears bit nr of the word.', apply: (o, a) => [o & ~bitOf(a[0]!), 0] },
  { name: 'test_bit', params: [nr, addr], returns: 'bool', word: 1, kernel: 'Reads bit nr of the word.', apply: (o, a) => [o, (o & bitOf(a[0]!)) !== 0 ? 1 : 0] },
  {
    name: 'test_and_set_bit', params: [nr, addr], returns: 'bool', word: 1,
    kernel: 'Atomically sets bit nr and returns its old value (a fully ordered read-modify-write).',
    apply: (o, a) => [o | bitOf(a[0]!), (o & bitOf(a[0]!)) !== 0 ? 1 : 0],
  },
  {
    name: 'test_and_clear_bit', params: [nr, addr], returns: 'bool', word: 1,
    kernel: 'Atomically clears bit nr and returns its old value.',
    apply: (o, a) => [o & ~bitOf(a[0]!), (o & bitOf(a[0]!)) !== 0 ? 1 : 0],
  },
  {
    name: '__set_bit', params: [nr, addr], returns: 'void', word: 1, plain: true,
    kernel: 'Sets bit nr of the word, non-atomically: the caller serialises every update of the word (a lock held).',
    apply: (o, a) => [o | bitOf(a[0]!), 0],
  },
  {
    name: '__clear_bit', params: [nr, addr], returns: 'void', word: 1, plain: true,
    kernel: 'Clears bit nr of the word, non-atomically: the caller serialises every update of the word.',
    apply: (o, a) => [o & ~bitOf(a[0]!), 0],
  },
  {
    name: '__test_and_set_bit', params: [nr, addr], returns: 'bool', word: 1, plain: true,
    kernel: 'Sets bit nr and returns its old value, non-atomically: the caller serialises every update of the word.',
    apply: (o, a) => [o | bitOf(a[0]!), (o & bitOf(a[0]!)) !== 0 ? 1 : 0],
  },
  {
    name: '__test_and_clear_bit', params: [nr, addr], returns: 'bool', word: 1, plain: true,
    kernel: 'Clears bit nr and returns its old value, non-atomically: the caller serialises every update of the word.',
    apply: (o, a) => [o & ~bitOf(a[0]!), (o & bitOf(a[0]!)) !== 0 ? 1 : 0],
  },
  {
    name: 'xchg', params: [{ name: 'ptr', kind: 'place' }, { name: 'new', kind: 'int' }], returns: 'int', word: 0,
    kernel: 'Atomically stores new and returns the old value.', apply: (o, a) => [a[1]!, o],
  },
  {
    name: 'cmpxchg', params: [{ name: 'ptr', kind: 'place' }, { name: 'old', kind: 'int' }, { name: 'new', kind: 'int' }], returns: 'int', word: 0,
    kernel: 'Atomically stores new if the word equals old; returns the value it had (equal to old on success).',
    apply: (o, a) => [o === a[1] ? a[2]! : o, o],
  },
  {
    name: 'smp_load_acquire', params: [{ name: 'p', kind: 'place' }], returns: 'int', word: 0,
    kernel: 'Reads the word; later accesses are ordered after it (ACQUIRE).', apply: (o) => [o, o],
  },
  {
    name: 'smp_store_release', params: [{ name: 'p', kind: 'place' }, { name: 'v', kind: 'int' }], returns: 'void', word: 0,
    kernel: 'Writes the word; earlier accesses are ordered before it (RELEASE).', apply: (_o, a) => [a[1]!, 0],
  },
  {
    name: 'smp_store_mb', params: [{ name: 'var', kind: 'place' }, { name: 'value', kind: 'int' }], returns: 'void', word: 0,
    kernel: 'asm-generic/barrier.h: WRITE_ONCE(var, value) followed by a full barrier (smp_mb), so that a later read is ordered after the store (vcpu->mode = IN_GUEST_MODE before checking requests).',
    apply: (_o, a) => [a[1]!, 0],
  },
];

export const BITOPS: readonly Builtin[] = [
  ...OPS.map((op): Builtin => ({
    name: op.name,
    family: 'atomics',
    params: op.params,
    returns: op.returns,
    kernel: op.kernel,
    model: op.plain
      ? 'One step of plain accesses (a read and a write of the word): two updates that nothing serialises are a data race under `config KCSAN;`. The read-modify-write itself is not split, so a lost update shows as that race, not as a lost bit.'
      : 'One indivisible step on the word; marked, so never part of a data race. The model is sequentially consistent, so it orders nothing more than any other step.',
    run(x: Exec, args: readonly number[]) {
      const a = args[op.word]!;
      const reads = op.name === 'test_bit' || op.name === 'smp_load_acquire';
      const marked = !op.plain;
      x.checkAccess(a, !reads, op.name);
      const old = x.read(a, marked);
      const [next, result] = op.apply(old, args);
      if (!reads) x.write(a, next | 0, marked);
      return result | 0;
    },
  })),
  {
    name: 'atomic_inc_not_zero', family: 'atomics', params: [{ name: 'v', kind: 'atomic' }], returns: 'bool',
    kernel: 'Increments the counter unless it is 0; returns whether it did (taking a reference on a live object).',
    model: 'One indivisible step; marked.',
    run(x, [v]) {
      x.checkAccess(v!, true, 'atomic_inc_not_zero');
      const old = x.read(v!, true);
      if (old === 0) return 0;
      x.write(v!, old + 1, true);
      return 1;
    },
  },
];
