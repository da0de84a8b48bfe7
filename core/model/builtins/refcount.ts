// Builtins: Reference counts: kref, refcount_t.

import { fnIndexOf } from '../../semantics/symbols';
import type { Builtin } from './types';
import { refcountViolation } from './common';

export const REFCOUNT: readonly Builtin[] = [
  {
    name: 'kref_init', family: 'refcount', params: [{ name: 'kref', kind: 'kref' }], returns: 'void',
    kernel: 'Sets the reference count to 1.',
    model: 'Writes 1.',
    run(x, [r]) {
      x.checkAccess(r!, true, 'kref_init');
      x.write(r!, 1, true);
      return 0;
    },
  },
  {
    name: 'kref_get', family: 'refcount', params: [{ name: 'kref', kind: 'kref' }], returns: 'void',
    kernel: 'Takes a reference. Taking one on a count of 0 is a use-after-free (refcount_t warns).',
    model: 'One step. Increments; on 0 it is use_after_free ("refcount_t: addition on 0").',
    run(x, [r]) {
      x.checkAccess(r!, true, 'kref_get');
      const v = x.read(r!, true);
      if (v === 0) refcountViolation(x, 'addition on 0');
      x.write(r!, v + 1, true);
      return 0;
    },
  },
  {
    name: 'kref_put', family: 'refcount', params: [{ name: 'kref', kind: 'kref' }, { name: 'release', kind: 'fn' }], returns: 'bool',
    kernel: 'Drops a reference; when it reaches 0, calls release with the kref (container_of gives the object).',
    model: 'One step. Decrements; at 0 it calls release(object containing the kref) on this actor and returns true. On a count already 0 it is use_after_free ("underflow").',
    run(x, [r, release], [offset]) {
      x.checkAccess(r!, true, 'kref_put');
      const v = x.read(r!, true);
      if (v === 0) refcountViolation(x, 'underflow');
      x.write(r!, v - 1, true);
      if (v - 1 === 0) {
        x.callAfter(fnIndexOf(release!), [r! - (offset ?? 0)]);
        return 1;
      }
      return 0;
    },
  },
  {
    name: 'kref_read', family: 'refcount', params: [{ name: 'kref', kind: 'kref' }], returns: 'int',
    kernel: 'Reads the reference count.',
    model: 'Reads the count.',
    run(x, [r]) {
      x.checkAccess(r!, false, 'kref_read');
      return x.read(r!, true);
    },
  },
  {
    name: 'refcount_inc_not_zero', family: 'refcount', params: [{ name: 'ref', kind: 'kref' }], returns: 'bool',
    kernel: 'Takes a reference unless the count is already 0 (the object is being freed).',
    model: 'One step. Increments and returns true unless the count is 0.',
    run(x, [r]) {
      x.checkAccess(r!, true, 'refcount_inc_not_zero');
      const v = x.read(r!, true);
      if (v === 0) return 0;
      x.write(r!, v + 1, true);
      return 1;
    },
  },
  {
    name: 'refcount_dec_and_test', family: 'refcount', params: [{ name: 'ref', kind: 'kref' }], returns: 'bool',
    kernel: 'Drops a reference and returns true when it reached 0.',
    model: 'One step. Decrements; returns true at 0; on 0 already it is use_after_free.',
    run(x, [r]) {
      x.checkAccess(r!, true, 'refcount_dec_and_test');
      const v = x.read(r!, true);
      if (v === 0) refcountViolation(x, 'underflow');
      x.write(r!, v - 1, true);
      return v - 1 === 0 ? 1 : 0;
    },
  },
];
