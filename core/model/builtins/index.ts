// The one registry of builtin primitives, one file per family in this folder. Each entry is
// the single source of its signature (completion, signature help, semantic checks), its
// documentation (hover, docs/builtins.md) and its semantics (the machine step); its
// footprint for the partial-order reduction is derived from its parameters and flags
// (core/explore/footprint.ts). Adding a primitive touches its family's file only; a new
// family is a new file and one line below.

import { ATOMICS } from './atomics';
import { BITOPS } from './bitops';
import { CHECKS } from './checks';
import { ANON_INODE_GETFD_SHORT, FILES } from './files';
import { IRQ } from './irq';
import { LISTS } from './lists';
import { LOCKS } from './locks';
import { MEMORY } from './memory';
import { RCU } from './rcu';
import { REFCOUNT } from './refcount';
import { TIMERS } from './timers';
import type { Builtin, ParamKind } from './types';
import { UACCESS } from './uaccess';
import { VCPU } from './vcpu';
import { WAITING } from './waiting';
import { WORKQUEUE } from './workqueue';
import { XARRAY } from './xarray';

export type { Builtin, BuiltinFamily, BuiltinParam, ParamKind, ReturnKind } from './types';
export { CONSTANTS } from './constants';

export const BUILTINS: readonly Builtin[] = [
  ...LOCKS,
  ...RCU,
  ...IRQ,
  ...MEMORY,
  ...UACCESS,
  ...LISTS,
  ...FILES,
  ...VCPU,
  ...REFCOUNT,
  ...WORKQUEUE,
  ...TIMERS,
  ...WAITING,
  ...ATOMICS,
  ...BITOPS,
  ...XARRAY,
  ...CHECKS,
];

const BY_NAME = new Map(BUILTINS.map((b) => [b.name, b]));

/**
 * A builtin in the form a call uses: anon_inode_getfd with a name string first (or no
 * argument yet) is the kernel's four-argument form, otherwise the model's two-argument one.
 */
export function builtinForm(b: Builtin, firstArgString: boolean): Builtin {
  return b.name === 'anon_inode_getfd' && !firstArgString ? ANON_INODE_GETFD_SHORT : b;
}

export function builtin(name: string): Builtin | undefined {
  return BY_NAME.get(name);
}

/** `mutex_lock(mutex *lock)`-style signature for hover and signature help. */
export function signatureOf(b: Builtin): string {
  const params = b.params.map((p) => `${p.optional ? '[' : ''}${paramTypeText(p.kind)} ${p.name}${p.optional ? ']' : ''}`);
  const ret = b.returns === 'ptr' ? 'struct T *' : b.returns === 'vcpu' ? 'struct kvm_vcpu *' : b.returns === 'file' ? 'struct file *' : b.returns;
  return `${ret} ${b.name}(${params.join(', ')})`;
}

export function paramTypeText(kind: ParamKind): string {
  switch (kind) {
    case 'lock':
      return 'lock *';
    case 'rwlock':
      return 'rwlock_t *';
    case 'mutex':
    case 'spinlock':
    case 'rwsem':
    case 'srcu':
    case 'list_head':
    case 'kref':
      return `${kind} *`;
    case 'atomic':
      return 'atomic_t *';
    case 'waitq':
      return 'wait_queue_head *';
    case 'xarray':
      return 'struct xarray *';
    case 'idr':
      return 'struct idr *';
    case 'hlist_head':
    case 'hlist_node':
      return `struct ${kind} *`;
    case 'lockkey':
      return 'struct lock_class_key *';
    case 'place':
      return 'shared';
    case 'rcu_ptr':
      return 'struct T __rcu *';
    case 'rcu_head':
      return 'struct rcu_head *';
    case 'member':
    case 'rcu_member':
    case 'list_member':
      return 'member';
    case 'ptr':
      return 'struct T *';
    case 'type':
      return 'struct T';
    case 'fn':
      return 'fn';
    case 'vcpu':
      return 'struct kvm_vcpu *';
    case 'work':
      return 'work';
    case 'request':
      return 'KVM_REQ_*';
    case 'fd':
      return 'int';
    case 'file':
      return 'struct file *';
    case 'fops':
      return 'const struct file_operations *';
    case 'cond':
      return 'condition';
    case 'value':
      return 'void *';
    default:
      return kind;
  }
}
