// Semantic types and symbols: what every name in a scenario denotes, with the memory
// layout the model uses (every shared thing lives at a fixed word address).

import type * as A from '../syntax/ast';

export type LockKind = 'mutex' | 'spinlock' | 'rwsem' | 'rwlock' | 'srcu';

/** Locks that spin: holding one is atomic context (no sleeping, no preemption). */
export function isSpinning(kind: LockKind): boolean {
  return kind === 'spinlock' || kind === 'rwlock';
}

/** A function pointer's signature (`void (*release)(struct kvm_device *dev)`). */
export interface FnSig {
  readonly params: readonly Ty[];
  readonly returns: Ty;
}

export type Ty =
  /** `bytes`: the width of a kernel integer type (`u8` 1, `unsigned long` 8); absent: `int`. */
  | { readonly k: 'int'; readonly bytes?: number; readonly spelling?: string }
  | { readonly k: 'bool' }
  | { readonly k: 'void' }
  | { readonly k: 'lock'; readonly lock: LockKind; readonly cls: number }
  | { readonly k: 'list_head' }
  | { readonly k: 'atomic' }
  | { readonly k: 'kref' }
  | { readonly k: 'waitq' }
  /** `struct work_struct` (or `struct delayed_work`): see WORK_WORD. */
  | { readonly k: 'work'; readonly delayed: boolean }
  /** `struct timer_list` (or `struct hrtimer`): see WORK_WORD. */
  | { readonly k: 'timer'; readonly hr: boolean }
  /** `struct completion`: its `done` count. */
  | { readonly k: 'completion' }
  /** `struct workqueue_struct`: only pointed to (`alloc_workqueue`, `system_wq`). */
  | { readonly k: 'workqueue' }
  /**
   * `struct xarray` (with its spinlock xa_lock, of lock class `cls`) or `struct idr` (no lock;
   * `cls` is -1): see XARRAY_WORD.
   */
  | { readonly k: 'xarray'; readonly idr: boolean; readonly cls: number }
  /** `struct hlist_head` (one word, `first`) or `struct hlist_node` (`next`, `pprev`). */
  | { readonly k: 'hlist'; readonly node: boolean }
  /** `struct lock_class_key`: a lockdep class of its own (lockdep_set_class); `cls` is that class. */
  | { readonly k: 'lockkey'; readonly cls: number }
  | { readonly k: 'struct'; readonly s: StructSymbol }
  | { readonly k: 'ptr'; readonly to: Ty }
  | { readonly k: 'array'; readonly of: Ty; readonly n: number }
  | { readonly k: 'actor' }
  /**
   * A function value: a `fn` name, or a C function pointer (`sig` from its declarator). Its
   * word is `fnValue(index)`, so that a NULL function pointer (0) is never a function.
   */
  | { readonly k: 'fnref'; readonly sig?: FnSig }
  | { readonly k: 'typeref'; readonly of: Ty }
  | { readonly k: 'any' };

export const INT: Ty = { k: 'int' };
/** `struct rcu_head`: one word call_rcu links through; the model never reads it. */
export const RCU_HEAD: Ty = { k: 'int', spelling: 'struct rcu_head' };
export const BOOL: Ty = { k: 'bool' };
export const VOID: Ty = { k: 'void' };
export const ANY: Ty = { k: 'any' };
export const ACTOR: Ty = { k: 'actor' };
export const FNREF: Ty = { k: 'fnref' };

/** A string literal of a static initialiser (`.name = "kvm-xics"`): its read-only word. */
export interface StaticString {
  readonly address: number;
  readonly text: string;
}

/** The word that stands for fn number `index` (NULL is 0). */
export function fnValue(index: number): number {
  return index + 1;
}

/** The fn number a function value stands for, or -1 for NULL and non-functions. */
export function fnIndexOf(value: number): number {
  return value > 0 ? value - 1 : -1;
}

/** Bytes one access of a scalar of this type touches, as KASAN reports it ("Read of size 4"). */
export function accessSize(t: Ty): number {
  switch (t.k) {
    case 'int':
      return t.bytes ?? 4;
    case 'bool':
      return 1;
    case 'lock':
    case 'atomic':
    case 'kref':
      return 4;
    default:
      return 8;
  }
}

/** The innermost type at a word offset inside a value of type t (a field of a field, an element). */
export function typeAtOffset(t: Ty, offset: number): Ty {
  if (t.k === 'struct') {
    for (const f of t.s.fields) {
      if (offset >= f.offset && offset < f.offset + sizeOf(f.type)) return typeAtOffset(f.type, offset - f.offset);
    }
    return t;
  }
  if (t.k === 'array') {
    const size = sizeOf(t.of);
    return typeAtOffset(t.of, size > 0 ? offset % size : 0);
  }
  return t;
}

/** `sizeof` in bytes, as the kernel would compute it (a word of the model is 8 bytes). */
export function byteSize(t: Ty): number {
  switch (t.k) {
    case 'struct':
      return t.s.fields.reduce((n, f) => n + byteSize(f.type), 0) || 1;
    case 'array':
      return t.n * byteSize(t.of);
    case 'list_head':
      return 16;
    case 'lock':
      return t.lock === 'rwsem' || t.lock === 'rwlock' ? 16 : 8;
    case 'void':
      return 1;
    default:
      return accessSize(t);
  }
}

/** Words a value of this type occupies in shared memory. */
export function sizeOf(t: Ty): number {
  switch (t.k) {
    case 'lock':
      return t.lock === 'rwsem' || t.lock === 'rwlock' ? 2 : 1;
    case 'list_head':
    case 'work':
    case 'timer':
      return 2;
    case 'xarray':
      return XARRAY_WORD.size;
    case 'hlist':
      return t.node ? 2 : 1;
    case 'struct':
      return t.s.size;
    case 'array':
      return t.n * sizeOf(t.of);
    default:
      return 1;
  }
}

/** The word offset of `next` / `prev` in a list_head (or through a pointer to one). */
export function listHeadLink(t: Ty, field: string): number | undefined {
  const isList = t.k === 'list_head' || (t.k === 'ptr' && t.to.k === 'list_head');
  if (!isList) return undefined;
  return field === 'next' ? 0 : field === 'prev' ? 1 : undefined;
}

/** True for types whose value is a word read from memory (rather than a place). */
export function isScalar(t: Ty): boolean {
  return t.k === 'int' || t.k === 'bool' || t.k === 'ptr' || t.k === 'any' || t.k === 'actor' || t.k === 'fnref';
}

export function typeName(t: Ty): string {
  switch (t.k) {
    case 'lock':
      return t.lock === 'rwlock' ? 'rwlock_t' : t.lock;
    case 'atomic':
      return 'atomic_t';
    case 'waitq':
      return 'wait_queue_head';
    case 'work':
      return t.delayed ? 'struct delayed_work' : 'struct work_struct';
    case 'timer':
      return t.hr ? 'struct hrtimer' : 'struct timer_list';
    case 'completion':
      return 'struct completion';
    case 'workqueue':
      return 'struct workqueue_struct';
    case 'xarray':
      return t.idr ? 'struct idr' : 'struct xarray';
    case 'hlist':
      return t.node ? 'struct hlist_node' : 'struct hlist_head';
    case 'lockkey':
      return 'struct lock_class_key';
    case 'struct':
      return `struct ${t.s.name}`;
    case 'ptr':
      return `${typeName(t.to)} *`;
    case 'array':
      return `${typeName(t.of)}[${t.n}]`;
    case 'typeref':
      return `type ${typeName(t.of)}`;
    case 'fnref':
      return t.sig ? `${typeName(t.sig.returns)} (*)(${t.sig.params.map(typeName).join(', ')})` : 'fn';
    case 'int':
      return t.spelling ?? 'int';
    default:
      return t.k;
  }
}

export interface FieldSymbol {
  readonly kind: 'field';
  readonly name: string;
  readonly type: Ty;
  /** Word offset from the start of the struct. */
  readonly offset: number;
  readonly decl: A.FieldDecl;
  readonly owner: StructSymbol;
}

export interface StructSymbol {
  readonly kind: 'struct';
  readonly name: string;
  readonly decl: A.StructDecl;
  readonly index: number;
  fields: FieldSymbol[];
  size: number;
}

export interface GlobalSymbol {
  readonly kind: 'global';
  readonly name: string;
  readonly type: Ty;
  readonly address: number;
  readonly decl: A.GlobalDecl;
}

export interface LocalSymbol {
  readonly kind: 'local';
  readonly name: string;
  readonly type: Ty;
  readonly slot: number;
  readonly span: A.Span;
  readonly param: boolean;
  /** The fn or actor the local belongs to. */
  readonly owner: FnSymbol | ActorSymbol;
  /** Declared implicitly (a list_for_each_entry cursor). */
  readonly implicit?: boolean;
}

export interface FnSymbol {
  readonly kind: 'fn';
  readonly name: string;
  readonly decl: A.FnDecl;
  /** A C definition's return type (`void`, `int`, `struct T *`); absent for `fn`. */
  returns?: Ty;
  readonly index: number;
  params: LocalSymbol[];
  locals: LocalSymbol[];
}

export interface ActorSymbol {
  readonly kind: 'actor';
  readonly name: string;
  readonly actorKind: A.ActorKind;
  readonly cpu: number;
  readonly description: string;
  readonly decl: A.ActorDecl;
  readonly index: number;
  locals: LocalSymbol[];
  /** Address of this actor's per-actor shared words (vCPU mode, requests, work state, irq flag). */
  readonly words: number;
  /**
   * For a work item: the lockdep class lockdep gives its completion, `(work_completion)(w)`.
   * The work "holds" it while it runs and flush_work / cancel_work_sync "take" it, so a
   * flush under a lock the work takes is a circular dependency, as lockdep reports it.
   */
  readonly workClass?: number;
  /**
   * For a vCPU: the address of its `struct kvm_vcpu` (an instance it was bound to, such as
   * `kvm.vcpus[0]`, or one of its own). The actor's name and, inside it, `vcpu` denote it.
   */
  readonly vcpu?: number;
  /**
   * An actor the scenario does not declare: one of the few the machine starts at run time
   * for a queued work item (a kworker), an expired timer (softirq) or hrtimer (hardirq).
   * It runs `fn(arg)`, the argument being the work_struct or timer, read from its words
   * (ACTOR_WORD.callbackArg); it is idle whenever no such run is pending or going on.
   */
  readonly callback?: { readonly fn: number; readonly kind: CallbackKind };
  /** For an irq actor: the interrupt line it handles (`line 11`); it fires only while enabled. */
  readonly line?: number;
}

export type CallbackKind = 'work' | 'timer' | 'hrtimer';

export interface ConstSymbol {
  readonly kind: 'const';
  readonly name: string;
  readonly value: number;
  readonly type: Ty;
  readonly doc: string;
  /** A scenario's own enumerator: its name where the enum declares it (absent: predefined). */
  readonly decl?: A.Identifier;
}

export interface BuiltinRef {
  readonly kind: 'builtin';
  readonly name: string;
}

export type Sym = StructSymbol | FieldSymbol | GlobalSymbol | LocalSymbol | FnSymbol | ActorSymbol | ConstSymbol | BuiltinRef;

/** A lockdep lock class: one per lock declaration (a global, or a field of a struct). */
export interface LockClass {
  readonly id: number;
  readonly lock: LockKind;
  /** The name lockdep prints, e.g. `&kvm->lock` or `mem_list_mutex`. */
  name: string;
  /** The declaration that made the class. */
  readonly declSpan: A.Span;
  readonly field?: FieldSymbol;
  readonly global?: GlobalSymbol;
}

/**
 * Per-actor words in shared memory, at `ActorSymbol.words + …`. A callback actor (a kworker,
 * a timer) has no vCPU mode or requests: those words hold the workqueue and the work_struct
 * or timer it runs.
 */
export const ACTOR_WORD = {
  mode: 0,
  requests: 1,
  /** Callback actors: the workqueue handle the work was queued on. */
  workqueue: 0,
  /** Callback actors: the address of the work_struct or timer being run (0: unbound). */
  callbackArg: 1,
  /** Work items: 1 when queued and not yet started. */
  workPending: 2,
  /** Interrupts disabled (nesting count, IRQ_OFF_MASK) and bottom halves disabled (BH_OFF_UNIT each) on this actor. */
  irqOff: 3,
  /** The RCU readers word or srcu_struct whose grace period this actor waits for, or 0. */
  gpWait: 4,
  /** The readers (a bit per actor) that grace period still waits for. */
  gpReaders: 5,
  /** Steps already taken of a primitive made of several (list_add's stores), or 0. */
  opStep: 6,
  /** Values such a primitive carries from one of its steps to the next (list_add's prev, next). */
  opScratch0: 7,
  opScratch1: 8,
} as const;
export const IRQ_OFF_MASK = 0xffff;
export const BH_OFF_UNIT = 0x10000;
export const ACTOR_WORDS = 9;

/**
 * Words of a `struct work_struct` or a timer: `data` holds PENDING (queued or armed, not yet
 * started), `func` the callback's fn index + 1 (0 before INIT_WORK / timer_setup).
 */
export const WORK_WORD = { data: 0, func: 1 } as const;
export const WORK_PENDING = 1;

/** Entries a `struct xarray` or `struct idr` holds in the model. */
export const XARRAY_SLOTS = 8;
/**
 * Words of a `struct xarray` / `struct idr`: `lock` is xa_lock's word (unused by an IDR), then
 * XARRAY_SLOTS pairs (index + 1, entry) from `slots`; a pair with index word 0 is free.
 */
export const XARRAY_WORD = { lock: 0, slots: 1, size: 1 + 2 * XARRAY_SLOTS } as const;

export const vcpuModes = {
  OUTSIDE_GUEST_MODE: 0,
  IN_GUEST_MODE: 1,
  EXITING_GUEST_MODE: 2,
  READING_SHADOW_PAGE_TABLES: 3,
} as const;

/** The built-in `struct kvm_vcpu`'s own fields, laid out first (a scenario may add more). */
export const KVM_VCPU_FIELDS = ['mutex', 'mode', 'requests', 'vcpu_id', 'wait', 'kvm'] as const;

/**
 * The built-in `struct file`'s fields, laid out first: f_task_work links a file whose last
 * reference is gone into its task's task_works (see builtins/files.ts).
 */
export const FILE_FIELDS = ['f_op', 'f_inode', 'private_data', 'f_count', 'f_task_work'] as const;
/** The built-in `struct file_operations`'s fields (a scenario may add more). */
export const FILE_OPERATIONS_FIELDS = ['release', 'unlocked_ioctl'] as const;

/** Where the built-in fields sit in `struct kvm_vcpu`, and the static instances in vCPU order. */
export interface VcpuLayout {
  readonly struct: number;
  readonly mode: number;
  readonly requests: number;
  readonly vcpuId: number;
  /**
   * Offset of `wait`, the vCPU's rcuwait: the sleeping actor + 1 while a task sleeps in
   * kvm_vcpu_block / kvm_vcpu_halt, 0 otherwise; kvm_vcpu_wake_up clears it.
   */
  readonly wait: number;
  /** Offset of `kvm` (a `struct kvm *`), or -1 when the scenario has no `struct kvm`. */
  readonly kvm: number;
  /**
   * Static instances, in the order kvm_get_vcpu / kvm_for_each_vcpu see them: those of the
   * vcpu actors in declaration order, then the other static instances by address.
   */
  readonly instances: readonly number[];
}

/** `final` and `invariant` blocks: checks run on states, never scheduled. */
export function isStateCheck(kind: ActorSymbol['actorKind']): boolean {
  return kind === 'final' || kind === 'invariant';
}
