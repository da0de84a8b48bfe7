// The shape of a builtin primitive: its signature, its documentation and its semantics.

import type { Exec } from '../exec';

export type BuiltinFamily =
  | 'locks'
  | 'rcu'
  | 'irq'
  | 'memory'
  | 'lists'
  | 'files'
  | 'vcpu'
  | 'refcount'
  | 'workqueue'
  | 'timers'
  | 'waiting'
  | 'atomics'
  | 'xarray'
  | 'checks';

/** What an argument must be. Lock kinds and the other shared types take a place (`&x`). */
export type ParamKind =
  /** Any lock kind. */
  | 'lock'
  | 'mutex'
  | 'spinlock'
  | 'rwsem'
  | 'rwlock'
  | 'srcu'
  | 'list_head'
  | 'atomic'
  | 'kref'
  | 'waitq'
  /** A `struct xarray` place (`&kvm->vcpu_array`) or pointer. */
  | 'xarray'
  /** A `struct idr` place or pointer. */
  | 'idr'
  /** A `struct hlist_head` place. */
  | 'hlist_head'
  /** A `struct hlist_node` place. */
  | 'hlist_node'
  /** A `struct lock_class_key` place (lockdep_set_class's key). */
  | 'lockkey'
  /** A shared scalar (READ_ONCE / WRITE_ONCE). */
  | 'place'
  /** A shared pointer variable or field (an `__rcu` pointer: rcu_dereference, rcu_assign_pointer). */
  | 'rcu_ptr'
  /** A struct rcu_head field of an object (call_rcu). */
  | 'rcu_head'
  /** A field name, not evaluated (kfree_rcu's rcu_head member). */
  | 'rcu_member'
  /** A list_head field of the struct named by the `type` argument (list_first_entry's member). */
  | 'list_member'
  /** A struct pointer value. */
  | 'ptr'
  | 'int'
  | 'bool'
  | 'fn'
  | 'vcpu'
  /** A work item: a `struct work_struct` (or `delayed_work`) place, or a `work` actor's name. */
  | 'work'
  /** A workqueue: `system_wq` or what `alloc_workqueue` returned. */
  | 'workqueue'
  /** A `struct timer_list` or `struct hrtimer` place. */
  | 'timer'
  | 'completion'
  /** A workqueue's name (alloc_workqueue's format string): lockdep names its map after it. */
  | 'wqname'
  /** container_of's member: a field path of the struct named by the argument before it. */
  | 'member'
  /** An interrupt line number. */
  | 'irq'
  /** An interrupt handler: the name of an `irq` actor (request_irq). */
  | 'irqhandler'
  /** A name, for the reader (a string literal or any expression); the model ignores it. */
  | 'string'
  | 'type'
  | 'request'
  /** An fd number, or `any` (a guess: any fd open at that moment, or none). */
  | 'fd'
  /** A `struct file *` (what fget or anon_inode_getfile returned). */
  | 'file'
  /** A `const struct file_operations *` (`&kvm_device_fops`). */
  | 'fops'
  /** Evaluated each time the actor is scheduled (wait_event). */
  | 'cond'
  /** Any value (a user or guest address, a buffer): evaluated and passed on, not interpreted. */
  | 'value';

export interface BuiltinParam {
  readonly name: string;
  readonly kind: ParamKind;
  readonly optional?: boolean;
}

/** `vcpu`: a `struct kvm_vcpu *`; `file`: a `struct file *`. */
export type ReturnKind = 'void' | 'int' | 'bool' | 'ptr' | 'vcpu' | 'file';

export interface Builtin {
  readonly name: string;
  readonly family: BuiltinFamily;
  readonly params: readonly BuiltinParam[];
  /** `ptr` returns a pointer to the struct named by the `type` argument. */
  readonly returns: ReturnKind;
  /** What the kernel function does. */
  readonly kernel: string;
  /** Exactly what the model does. */
  readonly model: string;
  /** May sleep: calling it in atomic context is a violation. */
  readonly sleeps?: boolean;
  /** Touches no shared state: not a scheduling point. */
  readonly pure?: boolean;
  /** Only meaningful inside a vcpu actor. */
  readonly vcpuOnly?: boolean;
  /**
   * A one-step shorthand for a kernel function a scenario may write out itself: a fn of the
   * same name replaces it (vcpu_enter_guest written as the kernel's steps).
   */
  readonly shorthand?: boolean;
  /**
   * Takes its first argument as a lock: exclusively (blocked while anyone holds it) or
   * shared (blocked while a writer holds it). Lets the machine see a blocked acquisition
   * without running the step.
   */
  readonly acquires?: 'exclusive' | 'shared';
  /**
   * Compiled specially rather than run: `await` blocks until its condition holds (wait_event,
   * await); `guest` is a loop that looks at its condition once per step (guest_run).
   */
  readonly special?: 'await' | 'guest';
  /** Number of nondeterministic outcomes, decided by the scheduler's `choice`. */
  choices?(x: Exec, args: readonly number[]): number;
  /**
   * The semantics. `args` are evaluated values (places arrive as addresses); `statics`
   * carry compile-time facts per argument: a lock's class, a struct's index, a kref
   * field's offset in its struct, a request's bit.
   */
  run(x: Exec, args: readonly number[], statics: readonly number[]): number;
}
