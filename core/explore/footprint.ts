// Static footprints for partial-order reduction: for every instruction, the shared words it
// may read and write, over-approximated (a pointer dereference may touch any memory; a
// primitive not modelled precisely here touches everything), the locks an actor must hold
// or take to execute it, and, for every program point, what an actor may still do from there.
// The reducer (reduction.ts) uses these to find actors whose next steps commute with
// everything the other actors could ever do.

import { ACTOR_WORD, XARRAY_WORD } from '../semantics/symbols';
import type { Builtin } from '../model/builtins';
import type { MachineState } from '../model/types';
import { FD_ENTRY_WORDS, MAX_FDS, RCU_CALLBACK_SLOTS, RCU_CALLBACK_WORDS, actorCode, callees, type BExpr, type CompiledScenario, type Instr, type Place } from '../model/compiled';

/**
 * A set of shared locations read and written. Locations are static words (by address) and
 * one word standing for the whole heap (allocation state, object headers, fields). `anyR` /
 * `anyW` cover every memory location; `top` also covers what no word holds (other actors'
 * status, CPU ownership), so it conflicts with everything.
 */
export interface Access {
  readonly r: Uint32Array;
  readonly w: Uint32Array;
  readonly anyR: boolean;
  readonly anyW: boolean;
  readonly top: boolean;
  /** Nothing at all is touched (a local-only failure check, `choose`, `might_sleep`). */
  readonly empty: boolean;
}

/** What an actor may still do: accesses grouped by the locks each needs (see `needs`). */
export interface FutureGroup {
  /** Bit i: identified lock i must be held by the actor, or be free for it to take. */
  readonly needs: number;
  readonly access: Access;
}

class AccessBuilder {
  readonly r: Uint32Array;
  readonly w: Uint32Array;
  anyR = false;
  anyW = false;
  top = false;

  constructor(readonly bits: number) {
    this.r = new Uint32Array((bits + 31) >>> 5);
    this.w = new Uint32Array((bits + 31) >>> 5);
  }

  read(loc: number): void {
    this.r[loc >>> 5]! |= 1 << (loc & 31);
  }

  write(loc: number): void {
    this.w[loc >>> 5]! |= 1 << (loc & 31);
  }

  add(a: Access): void {
    for (let i = 0; i < this.r.length; i++) {
      this.r[i]! |= a.r[i]!;
      this.w[i]! |= a.w[i]!;
    }
    this.anyR ||= a.anyR;
    this.anyW ||= a.anyW;
    this.top ||= a.top;
  }

  build(): Access {
    let empty = !this.anyR && !this.anyW && !this.top;
    for (let i = 0; empty && i < this.r.length; i++) if (this.r[i] !== 0 || this.w[i] !== 0) empty = false;
    return { r: this.r, w: this.w, anyR: this.anyR, anyW: this.anyW, top: this.top, empty };
  }
}

/** Whether two accesses conflict: one writes what the other reads or writes. */
export function conflicts(a: Access, b: Access): boolean {
  if (a.empty || b.empty) return a.top || b.top;
  if (a.top || b.top) return true;
  if (a.anyW || b.anyW) return true;
  if (a.anyR && hasAny(b.w)) return true;
  if (b.anyR && hasAny(a.w)) return true;
  const n = a.r.length;
  for (let i = 0; i < n; i++) {
    if ((a.w[i]! & (b.r[i]! | b.w[i]!)) !== 0) return true;
    if ((b.w[i]! & a.r[i]!) !== 0) return true;
  }
  return false;
}

function hasAny(bits: Uint32Array): boolean {
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) return true;
  return false;
}

/**
 * Primitives that read and write exactly the place passed as one argument (its index), and
 * touch nothing else shared: locks, refcounts, atomics and marked accesses.
 */
const PLACE_RW: ReadonlyMap<string, number> = new Map([
  ...['mutex_lock', 'mutex_lock_interruptible', 'mutex_lock_killable', 'mutex_trylock', 'mutex_unlock', 'mutex_is_locked',
    'spin_lock', 'spin_trylock', 'spin_unlock', 'spin_lock_irq', 'spin_unlock_irq', 'spin_lock_irqsave',
    'spin_unlock_irqrestore', 'raw_spin_lock', 'raw_spin_unlock', 'raw_spin_lock_irqsave', 'raw_spin_unlock_irqrestore',
    'assert_spin_locked', 'down_read', 'down_read_killable', 'down_read_trylock', 'up_read', 'down_write',
    'down_write_killable', 'down_write_trylock', 'up_write',
    'mutex_lock_nested', 'mutex_lock_nest_lock', 'mutex_lock_interruptible_nested', 'mutex_lock_killable_nested',
    'mutex_lock_killable_nest_lock', 'spin_lock_nested', 'down_read_nested', 'down_write_nested',
    'read_lock', 'read_unlock', 'write_lock', 'write_unlock', 'read_lock_irq', 'read_unlock_irq', 'write_lock_irq',
    'write_unlock_irq', 'read_lock_irqsave', 'read_unlock_irqrestore', 'write_lock_irqsave', 'write_unlock_irqrestore',
    'srcu_read_lock',
    'rcu_assign_pointer', 'RCU_INIT_POINTER', 'rcu_replace_pointer', 'rcu_dereference', 'rcu_dereference_check',
    'rcu_dereference_protected', 'rcu_dereference_raw', 'rcu_access_pointer', 'srcu_dereference', 'srcu_dereference_check',
    'INIT_LIST_HEAD', 'list_empty', 'list_empty_careful', 'list_first_entry', 'list_first_entry_or_null',
    'kref_init', 'kref_get', 'kref_read', 'refcount_inc_not_zero',
    'refcount_dec_and_test', 'kref_get_unless_zero', 'refcount_set', 'refcount_read', 'refcount_inc', 'refcount_dec',
    'refcount_dec_not_one', 'READ_ONCE', 'WRITE_ONCE',
    'atomic_read', 'atomic_set', 'atomic_inc', 'atomic_dec', 'atomic_inc_return', 'atomic_dec_return',
    'atomic_dec_and_test', 'atomic_xchg', 'atomic_cmpxchg', 'atomic_read_acquire', 'atomic_set_release',
    ...['atomic_inc_return', 'atomic_dec_return', 'atomic_xchg', 'atomic_cmpxchg'].flatMap((n) => ['_acquire', '_release', '_relaxed'].map((o) => n + o)),
    'INIT_WORK', 'INIT_DELAYED_WORK', 'work_pending', 'delayed_work_pending',
    'timer_setup', 'hrtimer_setup', 'hrtimer_init', 'timer_pending', 'spin_lock_bh', 'spin_unlock_bh',
    'init_completion', 'reinit_completion', 'complete', 'complete_all', 'wait_for_completion', 'wait_for_completion_interruptible',
    'wait_for_completion_killable', 'wait_for_completion_timeout', 'try_wait_for_completion', 'completion_done'].map((n) => [n, 0] as const),
  ['atomic_add', 1],
  ['atomic_sub', 1],
  ...['xchg', 'cmpxchg', 'smp_load_acquire', 'smp_store_release', 'smp_store_mb', 'atomic_inc_not_zero'].map((n) => [n, 0] as const),
  ...['set_bit', 'clear_bit', 'test_bit', 'test_and_set_bit', 'test_and_clear_bit', '__set_bit', '__clear_bit', '__test_and_set_bit',
    '__test_and_clear_bit'].map((n) => [n, 1] as const),
  // An XArray or IDR is its own words (lock and table): every operation touches only those.
  ...['xa_init', 'xa_load', 'xa_store', '__xa_store', 'xa_erase', '__xa_erase', 'xa_empty', 'xa_lock', 'xa_unlock', 'xa_lock_irq',
    'xa_unlock_irq', 'xa_lock_irqsave', 'xa_unlock_irqrestore', 'xa_lock_bh', 'xa_unlock_bh',
    'idr_init', 'idr_alloc', 'idr_find', 'idr_remove', 'INIT_HLIST_HEAD', 'INIT_HLIST_NODE', 'hlist_empty', 'hlist_unhashed'].map((n) => [n, 0] as const),
]);

/**
 * Primitives that touch no shared word at all. Interrupt and preemption switches change only
 * the actor's own words and whether others may run on its CPU; the reducer keeps actors
 * sharing a CPU together, so those effects need no location here.
 */
const NO_SHARED = new Set([
  'lockdep_assert_held', 'lockdep_is_held', 'srcu_read_lock_held', 'rcu_read_lock_held', 'local_irq_disable', 'local_irq_enable', 'hard_irq_disable', 'local_irq_save',
  'local_irq_restore', 'preempt_disable', 'preempt_enable', 'wait_event', 'await', 'wake_up', 'wake_up_all',
  'msleep', 'might_sleep', 'cond_resched', 'smp_mb', 'smp_wmb', 'smp_rmb', 'assert', 'BUG_ON', 'WARN_ON', 'cpu_relax',
  'container_of', 'alloc_workqueue', 'WARN_ON_ONCE', 'KVM_BUG_ON', 'local_bh_disable', 'local_bh_enable', 'irqs_disabled', 'in_interrupt', 'in_softirq',
  'in_hardirq', 'irq_get_irq_data',
  'copy_from_user', 'copy_to_user', 'get_user', 'put_user', 'kvm_read_guest', 'kvm_write_guest', 'might_fault',
]);

/**
 * Primitives that follow pointers they read (list links, vcpu->kvm): they may touch any
 * memory, actors' grace-period words included.
 */
const ANY_MEMORY = new Set(['list_add', 'list_add_tail', 'list_add_rcu', 'list_add_tail_rcu', 'list_del', 'list_del_rcu', 'list_del_init',
  'kvm_vcpu_srcu_read_lock', 'kvm_vcpu_srcu_read_unlock', 'hlist_add_head', 'hlist_add_head_rcu', 'hlist_del', 'hlist_del_rcu', 'hlist_del_init']);

/** Primitives whose footprint is the RCU readers word. */
const RCU = new Set(['rcu_read_lock']);

/**
 * Grace-period primitives: the readers word of their domain (the srcu_struct argument, or
 * the RCU word), every actor's grace-period words (a reader leaving its section takes itself
 * out of every waiter's), and for RCU the pending callbacks and the heap (kfree_rcu's free
 * runs in the step that ends its grace period). call_rcu and, when a scenario has call_rcu,
 * rcu_read_unlock run a user callback: they are `top`.
 */
const GRACE_PERIOD = new Set(['srcu_read_unlock', 'synchronize_srcu', 'synchronize_srcu_expedited', 'rcu_read_unlock', 'synchronize_rcu',
  'synchronize_rcu_expedited', 'kfree_rcu']);

/** Primitives whose footprint is the heap as a whole (allocation and object state). */
const HEAP = new Set(['kzalloc', 'kmalloc', 'kvzalloc', 'kvmalloc', 'kcalloc', 'kmalloc_array', 'kvcalloc', 'kvmalloc_array', 'kfree', 'kvfree']);

/** Releases: the lock given as first argument is no longer held after them. */
const RELEASE = new Set(['mutex_unlock', 'spin_unlock', 'spin_unlock_irq', 'spin_unlock_bh', 'spin_unlock_irqrestore', 'raw_spin_unlock',
  'raw_spin_unlock_irqrestore', 'up_read', 'up_write', 'read_unlock', 'write_unlock', 'read_unlock_irq', 'write_unlock_irq',
  'read_unlock_irqrestore', 'write_unlock_irqrestore', 'xa_unlock', 'xa_unlock_irq', 'xa_unlock_irqrestore', 'xa_unlock_bh']);
/**
 * vCPU primitives that read and write only the built-in words (mode, requests, wait) of the
 * struct kvm_vcpu they are given, or of the running vCPU's own when it is left out.
 */
const VCPU_WORDS = new Set(['vcpu_enter_guest', 'vcpu_exit_guest', 'guest_run', 'vcpu_mode', 'kvm_vcpu_kick', 'kvm_vcpu_wake_up',
  'kvm_make_request', 'kvm_check_request', 'kvm_request_pending']);

/**
 * kvm_vcpu_block and kvm_vcpu_halt: the built-in words of the vCPU they sleep on, as above,
 * and the op words of the actor running them (they are three steps).
 */
const VCPU_SLEEP = new Set(['kvm_vcpu_block', 'kvm_vcpu_halt']);

/** Primitives that read the `kvm` word of every static struct kvm_vcpu (kvm_get_vcpu). */
const VCPU_TABLE = new Set(['kvm_get_vcpu']);

/**
 * Primitives that act on every vCPU of a kvm (kvm_make_all_cpus_request): the `kvm` word of
 * every static struct kvm_vcpu, and the built-in words of each.
 */
const VCPU_ALL = new Set(['kvm_make_all_cpus_request']);

/** Primitives that run a user callback (which may release any lock). */
const CALLBACK = new Set(['close', 'kref_put', 'kref_put_mutex', 'kref_put_lock', 'call_rcu', 'task_work_run']);

/**
 * File primitives (files.ts): the fd table's words, the heap (a new struct file), and, for
 * those that change a file's count through a pointer (the file may be a static one), any
 * memory; fput also writes the task_works words. close() and task_work_run run a release:
 * they are `top`.
 */
const FILE_PRIMS: ReadonlyMap<string, { readonly fdTable: boolean; readonly heap: boolean; readonly anyR: boolean; readonly anyW: boolean }> = new Map([
  ['anon_inode_getfd', { fdTable: true, heap: true, anyR: false, anyW: false }],
  ['anon_inode_getfile', { fdTable: false, heap: true, anyR: false, anyW: false }],
  ['get_unused_fd_flags', { fdTable: true, heap: false, anyR: false, anyW: false }],
  ['put_unused_fd', { fdTable: true, heap: false, anyR: false, anyW: false }],
  ['fd_install', { fdTable: true, heap: false, anyR: true, anyW: false }],
  ['fget', { fdTable: true, heap: false, anyR: true, anyW: true }],
  ['get_file', { fdTable: false, heap: false, anyR: true, anyW: true }],
  ['fput', { fdTable: false, heap: false, anyR: true, anyW: true }],
]);

/**
 * How a primitive's footprint is known: one of the tables above, or `top` (it may touch
 * anything, including what no word holds): close() and kref_put() run callbacks; vCPU,
 * workqueue and IPI primitives read other actors' state. A primitive missing from every
 * table is `top` too, which is sound and only costs reduction.
 */
export function footprintClass(name: string):
  'place' | 'none' | 'any-memory' | 'rcu' | 'grace-period' | 'heap' | 'files' | 'vcpu' | 'vcpu-sleep' | 'vcpu-table' | 'vcpu-all' | 'top' {
  if (PLACE_RW.has(name)) return 'place';
  if (VCPU_WORDS.has(name)) return 'vcpu';
  if (VCPU_SLEEP.has(name)) return 'vcpu-sleep';
  if (VCPU_TABLE.has(name)) return 'vcpu-table';
  if (VCPU_ALL.has(name)) return 'vcpu-all';
  if (NO_SHARED.has(name)) return 'none';
  if (ANY_MEMORY.has(name)) return 'any-memory';
  if (RCU.has(name)) return 'rcu';
  if (GRACE_PERIOD.has(name)) return 'grace-period';
  if (HEAP.has(name)) return 'heap';
  if (FILE_PRIMS.has(name)) return 'files';
  return 'top';
}

/** Words of the lock or list a place argument of this primitive denotes. */
function argWidth(b: Builtin, arg: number): number {
  const kind = b.params[arg]?.kind;
  if (kind === 'xarray' || kind === 'idr') return XARRAY_WORD.size;
  return kind === 'rwsem' || kind === 'rwlock' || kind === 'list_head' || kind === 'work' || kind === 'timer' || kind === 'hlist_node' ? 2 : 1;
}

/** Lock effects of one instruction: identified locks taken (blocking), released, and whether unknown ones are. */
interface LockEffects {
  acquires: number;
  releases: number;
  releasesUnknown: boolean;
}

const ALL = -1 >>> 1; // the 31 identifiable lock bits

export class Footprints {
  /** Index of the word standing for the heap. */
  readonly heap: number;
  readonly bits: number;
  /** Static lock addresses with an identity bit (at most 31), for the lock-held refinement. */
  readonly lockIds = new Map<number, number>();
  private readonly instrAccess: Access[] = [];
  private readonly instrNeeds: number[] = [];
  private readonly mayRelease: number[] = [];
  private readonly futures: (readonly FutureGroup[])[][] = [];
  private readonly codeEntry = new Map<number, readonly FutureGroup[]>();
  private readonly inProgress = new Set<number>();
  private readonly topAccess: Access;
  readonly startAccess: readonly Access[];
  /** The scenario calls call_rcu: an RCU read section's end may run a user callback. */
  private readonly callsRcuCallbacks: boolean;

  constructor(private readonly s: CompiledScenario) {
    this.callsRcuCallbacks = s.instrs.some((ins) => {
      let found = false;
      visitBuiltins(ins, (b) => (found ||= b.name === 'call_rcu'));
      return found;
    });
    this.heap = s.layout.heapStart;
    this.bits = this.heap + 1;
    const top = new AccessBuilder(this.bits);
    top.top = true;
    top.anyR = top.anyW = true;
    this.topAccess = top.build();
    this.identifyLocks();
    for (const ins of s.instrs) this.instrAccess[ins.id] = this.accessOfInstr(ins);
    for (let c = 0; c < s.codes.length; c++) this.lockFlow(c);
    for (let c = 0; c < s.codes.length; c++) this.futures[c] = [];
    this.startAccess = s.actors.map((a) => {
      const b = new AccessBuilder(this.bits);
      // Starting consumes the work item's pending flag (or marks the handler fired); the
      // flag is written by queue_work and friends, whose footprint is `top`.
      b.read(a.words + ACTOR_WORD.workPending);
      b.write(a.words + ACTOR_WORD.workPending);
      if (a.callback) {
        // A run-time actor also reads its argument and clears the item's PENDING bit, wherever
        // the work_struct or timer lives.
        for (let k = 0; k < 2; k++) b.read(a.words + k);
        b.anyR = b.anyW = true;
      }
      return b.build();
    });
  }

  /** The footprint of an instruction. */
  access(instr: number): Access {
    return this.instrAccess[instr]!;
  }

  /** Identified locks an actor must hold or take to execute the instruction. */
  needs(instr: number): number {
    return this.instrNeeds[instr] ?? 0;
  }

  /**
   * The identity bit of the lock an instruction waits for when another actor holds it
   * exclusively, else 0: a statement that is one blocking acquisition of one identified lock,
   * with a single outcome. Its arguments read nothing (the lock's address is static), so its
   * step does nothing before it asks for the lock, and while another holds the lock it blocks
   * (or, a sleeping lock taken in atomic context, fails without a successor).
   */
  waitsOn(instr: number): number {
    const ins = this.s.instrs[instr];
    if (ins?.op !== 'eval' || ins.e.k !== 'builtin') return 0;
    const b = ins.e.b;
    if (!b.acquires || b.choices) return 0;
    const [lock, ...rest] = ins.e.args;
    if (lock?.k !== 'addr' || !staticPlace(lock.place) || !rest.every(quietArg)) return 0;
    return this.lockBit(lock) ?? 0;
  }

  /** What an actor may still do from instruction `pc` of code `code` (onward, callees included). */
  future(code: number, pc: number): readonly FutureGroup[] {
    const row = this.futures[code]!;
    let f = row[pc];
    if (!f) {
      f = this.computeFuture(code, pc);
      row[pc] = f;
    }
    return f;
  }

  /** The whole body of an actor, for work items that may run again and handlers not yet fired. */
  actorBody(actor: number): readonly FutureGroup[] {
    return this.future(actorCode(this.s, actor), 0);
  }

  /** The footprint of the move an actor would make at a state (its next instruction, or starting). */
  moveAccess(state: MachineState, actor: number): Access {
    const a = state.actors[actor]!;
    const f = a.frames[a.frames.length - 1];
    if (!f) return this.startAccess[actor]!;
    const ins = this.s.codes[f.code]!.instrs[f.pc];
    return ins ? this.access(ins.id) : this.topAccess;
  }

  get top(): Access {
    return this.topAccess;
  }

  // ---------- per-instruction accesses ----------

  private identifyLocks(): void {
    for (const ins of this.s.instrs) {
      visitBuiltins(ins, (b, args) => {
        if (!b.acquires) return;
        const a = args[0];
        const addrs = a && a.k === 'addr' ? placeAddrs(a.place) : undefined;
        if (addrs && addrs.length === 1 && !this.lockIds.has(addrs[0]!) && this.lockIds.size < 31) {
          this.lockIds.set(addrs[0]!, this.lockIds.size);
        }
      });
    }
  }

  /** Identity bit of the lock a place argument names, or undefined when it is not one fixed lock. */
  private lockBit(arg: BExpr | undefined): number | undefined {
    if (!arg || arg.k !== 'addr') return undefined;
    const addrs = placeAddrs(arg.place);
    if (!addrs || addrs.length !== 1) return undefined;
    const id = this.lockIds.get(addrs[0]!);
    return id === undefined ? undefined : 1 << id;
  }

  private accessOfInstr(ins: Instr): Access {
    const b = new AccessBuilder(this.bits);
    switch (ins.op) {
      case 'eval':
        this.expr(ins.e, b);
        break;
      case 'assign':
        this.expr(ins.e, b);
        if (ins.target.k === 'mem') {
          this.placeAccess(ins.target.place, b, ins.assignOp !== '=', true, 1);
        }
        break;
      case 'branch':
        this.expr(ins.cond, b);
        break;
      case 'await':
        this.expr(ins.cond, b);
        break;
      case 'call':
        if (ins.target) this.expr(ins.target, b);
        for (const a of ins.args) this.expr(a, b);
        break;
      case 'ret':
        if (ins.e) this.expr(ins.e, b);
        break;
      case 'jump':
      case 'choose':
        break;
    }
    return b.build();
  }

  private expr(e: BExpr, b: AccessBuilder): void {
    switch (e.k) {
      case 'const':
      case 'local':
      case 'current':
      case 'localAddr':
        return;
      case 'read':
        this.placeAccess(e.place, b, true, false, 1);
        return;
      case 'load':
        this.expr(e.addr, b);
        b.anyR = true;
        return;
      case 'addr':
        this.placeOperands(e.place, b);
        return;
      case 'unary':
        this.expr(e.e, b);
        return;
      case 'binary':
        this.expr(e.l, b);
        this.expr(e.r, b);
        return;
      case 'builtin':
        for (const a of e.args) this.expr(a, b);
        this.builtinEffect(e.b, e.args, b);
        return;
    }
  }

  private builtinEffect(b: Builtin, args: readonly BExpr[], acc: AccessBuilder): void {
    const L = this.s.layout;
    switch (footprintClass(b.name)) {
      case 'place': {
        const i = PLACE_RW.get(b.name)!;
        const a = args[i];
        if (a && a.k === 'addr') this.placeAccess(a.place, acc, true, true, argWidth(b, i));
        else acc.anyR = acc.anyW = true;
        return;
      }
      case 'none':
        return;
      case 'any-memory':
        acc.anyR = acc.anyW = true;
        return;
      case 'rcu':
        acc.read(L.rcuWord);
        acc.write(L.rcuWord);
        return;
      case 'grace-period': {
        if (b.name === 'rcu_read_unlock' && this.callsRcuCallbacks) {
          acc.top = acc.anyR = acc.anyW = true;
          return;
        }
        const srcu = b.params[0]?.kind === 'srcu';
        const a = args[0];
        if (srcu && a && a.k === 'addr') this.placeAccess(a.place, acc, true, true, 1);
        else if (srcu) acc.anyR = acc.anyW = true;
        else {
          for (const w of [L.rcuWord, this.heap]) {
            acc.read(w);
            acc.write(w);
          }
          for (let i = 0; i < RCU_CALLBACK_SLOTS * RCU_CALLBACK_WORDS; i++) {
            acc.read(L.rcuCallbacks + i);
            acc.write(L.rcuCallbacks + i);
          }
        }
        for (const actor of this.s.actors) {
          for (const w of [ACTOR_WORD.gpWait, ACTOR_WORD.gpReaders]) {
            acc.read(actor.words + w);
            acc.write(actor.words + w);
          }
        }
        return;
      }
      case 'heap':
        acc.read(this.heap);
        acc.write(this.heap);
        return;
      case 'files': {
        // anon_inode_getfd(priv, release), the model's two-argument form, touches the fd table only.
        const f = FILE_PRIMS.get(b.name)!;
        const legacy = b.name === 'anon_inode_getfd' && args.length === 2;
        if (f.fdTable) {
          for (let i = 0; i < MAX_FDS * FD_ENTRY_WORDS; i++) {
            acc.read(L.fdTable + i);
            acc.write(L.fdTable + i);
          }
        }
        if (f.heap && !legacy) {
          acc.read(this.heap);
          acc.write(this.heap);
        }
        acc.anyR ||= f.anyR;
        acc.anyW ||= f.anyW;
        return;
      }
      case 'vcpu':
      case 'vcpu-sleep': {
        // A vCPU named statically (an actor's name, `vcpu` inside it): its own words;
        // through a pointer, or the running vCPU's from a fn: any memory.
        const v = args[b.params.findIndex((p) => p.kind === 'vcpu')];
        const l = this.s.vcpuLayout;
        if (v && v.k === 'const' && l) this.vcpuWords(v.v, acc);
        else acc.anyR = acc.anyW = true;
        if (footprintClass(b.name) === 'vcpu-sleep') {
          for (const actor of this.s.actors) {
            for (const w of [ACTOR_WORD.opStep, ACTOR_WORD.opScratch0, ACTOR_WORD.opScratch1]) {
              acc.read(actor.words + w);
              acc.write(actor.words + w);
            }
          }
        }
        return;
      }
      case 'vcpu-table':
      case 'vcpu-all': {
        const l = this.s.vcpuLayout;
        if (l && l.kvm >= 0) for (const v of l.instances) acc.read(v + l.kvm);
        if (l && footprintClass(b.name) === 'vcpu-all') for (const v of l.instances) this.vcpuWords(v, acc);
        return;
      }
      case 'top':
        acc.top = acc.anyR = acc.anyW = true;
    }
  }

  /** The built-in words of the struct kvm_vcpu at `vcpu` (mode, requests, wait), read and written. */
  private vcpuWords(vcpu: number, acc: AccessBuilder): void {
    const l = this.s.vcpuLayout!;
    for (const off of [l.mode, l.requests, l.wait]) {
      acc.read(vcpu + off);
      acc.write(vcpu + off);
    }
  }

  /** Reads the operands a place's address depends on (pointers, indices). */
  private placeOperands(p: Place, b: AccessBuilder): void {
    switch (p.k) {
      case 'static':
        return;
      case 'deref':
        this.expr(p.ptr, b);
        return;
      case 'field':
        this.placeOperands(p.of, b);
        return;
      case 'index':
        this.placeOperands(p.of, b);
        this.expr(p.index, b);
        return;
    }
  }

  private placeAccess(p: Place, b: AccessBuilder, read: boolean, write: boolean, width: number): void {
    this.placeOperands(p, b);
    const addrs = placeAddrs(p);
    if (!addrs) {
      // Through a pointer: any static object whose address was taken, or the heap.
      if (read) b.anyR = true;
      if (write) b.anyW = true;
      return;
    }
    for (const a of addrs) {
      for (let k = 0; k < width; k++) {
        const loc = a + k;
        if (loc < 0 || loc >= this.heap) continue;
        if (read) b.read(loc);
        if (write) b.write(loc);
      }
    }
  }

  // ---------- locks held: a must-analysis per code ----------

  private effects(ins: Instr): LockEffects {
    const fx: LockEffects = { acquires: 0, releases: 0, releasesUnknown: false };
    visitBuiltins(ins, (b, args) => {
      if (b.acquires) fx.acquires |= this.lockBit(args[0]) ?? 0;
      if (RELEASE.has(b.name)) {
        const bit = this.lockBit(args[0]);
        if (bit === undefined) fx.releasesUnknown = true;
        else fx.releases |= bit;
      }
      if (this.runsCallback(b)) fx.releasesUnknown = true;
    });
    if (ins.op === 'call') {
      // Through a fn value: whatever any fn it may reach releases.
      for (const fn of callees(ins)) {
        const r = this.releasesOf(fn, new Set());
        if (r === ALL) fx.releasesUnknown = true;
        else fx.releases |= r;
      }
    }
    return fx;
  }

  private runsCallback(b: Builtin): boolean {
    return CALLBACK.has(b.name) || (b.name === 'rcu_read_unlock' && this.callsRcuCallbacks);
  }

  /** Identified locks a fn (or what it calls) may release; ALL when unknown ones may be. */
  private releasesOf(code: number, seen: Set<number>): number {
    const known = this.mayRelease[code];
    if (known !== undefined) return known;
    if (seen.has(code)) return 0; // recursion: the other path through the cycle adds the rest
    seen.add(code);
    let out = 0;
    for (const ins of this.s.codes[code]!.instrs) {
      visitBuiltins(ins, (b, args) => {
        if (RELEASE.has(b.name)) out |= this.lockBit(args[0]) ?? ALL;
        if (this.runsCallback(b)) out = ALL;
      });
      if (ins.op === 'call') for (const fn of callees(ins)) out |= this.releasesOf(fn, seen);
    }
    seen.delete(code);
    if (seen.size === 0) this.mayRelease[code] = out;
    return out;
  }

  /**
   * Locks an actor certainly holds before each instruction of a code entered with none held
   * (a subset of what it really holds), then `needs` = held before ∪ taken by blocking.
   */
  private lockFlow(code: number): void {
    const instrs = this.s.codes[code]!.instrs;
    const n = instrs.length;
    const held = new Int32Array(n).fill(ALL);
    const fx = instrs.map((ins) => this.effects(ins));
    if (n === 0) return;
    held[0] = 0;
    const work = [0];
    const queued = new Uint8Array(n);
    queued[0] = 1;
    while (work.length > 0) {
      const pc = work.pop()!;
      queued[pc] = 0;
      const f = fx[pc]!;
      const out = ((f.releasesUnknown ? 0 : held[pc]! & ~f.releases) | f.acquires) & ALL;
      for (const nx of successorsOf(instrs[pc]!, pc)) {
        if (nx >= n) continue;
        const merged = held[nx]! & out;
        if (merged !== held[nx]) {
          held[nx] = merged;
          if (!queued[nx]) {
            queued[nx] = 1;
            work.push(nx);
          }
        }
      }
    }
    instrs.forEach((ins, pc) => {
      const f = fx[pc]!;
      // An instruction that releases and takes locks may fail on the release before it
      // blocks on the acquisition: only what it already holds is then certain.
      const taken = f.releases !== 0 || f.releasesUnknown ? 0 : f.acquires;
      this.instrNeeds[ins.id] = (held[pc] === ALL ? 0 : held[pc]!) | taken;
    });
  }

  // ---------- futures ----------

  private computeFuture(code: number, pc: number): readonly FutureGroup[] {
    const instrs = this.s.codes[code]!.instrs;
    const groups = new Map<number, AccessBuilder>();
    const add = (needs: number, a: Access): void => {
      if (a.empty && !a.top) return;
      let g = groups.get(needs);
      if (!g) groups.set(needs, (g = new AccessBuilder(this.bits)));
      g.add(a);
    };
    const seen = new Uint8Array(instrs.length);
    const stack = [pc];
    while (stack.length > 0) {
      const at = stack.pop()!;
      if (at >= instrs.length || seen[at]) continue;
      seen[at] = 1;
      const ins = instrs[at]!;
      add(this.needs(ins.id), this.access(ins.id));
      if (ins.op === 'call') {
        // The callee runs while the caller keeps what it holds, except what the callee
        // releases; through a fn value, the callee is any fn the value may hold.
        for (const fn of callees(ins)) {
          const kept = this.needs(ins.id) & ~(this.releasesOf(fn, new Set()));
          for (const g of this.entry(fn)) add(g.needs | (kept & ALL), g.access);
        }
      }
      for (const nx of successorsOf(ins, at)) stack.push(nx);
    }
    return [...groups].map(([needs, b]) => ({ needs, access: b.build() }));
  }

  /** A fn's whole body (from its entry), with recursion cut to "anything". */
  private entry(fn: number): readonly FutureGroup[] {
    const known = this.codeEntry.get(fn);
    if (known) return known;
    if (this.inProgress.has(fn)) return [{ needs: 0, access: this.topAccess }];
    this.inProgress.add(fn);
    const f = this.computeFuture(fn, 0);
    this.inProgress.delete(fn);
    this.codeEntry.set(fn, f);
    return f;
  }
}

/** Control-flow successors of an instruction (an index past the end means the code ends). */
export function successorsOf(ins: Instr, pc: number): number[] {
  switch (ins.op) {
    case 'branch':
      return [pc + 1, ins.target];
    case 'jump':
      return [ins.target];
    case 'choose':
      return ins.targets;
    case 'ret':
      return [];
    default:
      return [pc + 1];
  }
}

/** The static addresses a place may denote, or undefined when it goes through a pointer. */
export function placeAddrs(p: Place): number[] | undefined {
  switch (p.k) {
    case 'static':
      return [p.addr];
    case 'deref':
      return undefined;
    case 'field': {
      const base = placeAddrs(p.of);
      return base?.map((a) => a + p.offset);
    }
    case 'index': {
      const base = placeAddrs(p.of);
      if (!base) return undefined;
      if (p.index.k === 'const') {
        const i = p.index.v;
        // Out of bounds fails before any access.
        return i >= 0 && i < p.length ? base.map((a) => a + i * p.stride) : [];
      }
      const out: number[] = [];
      for (const a of base) for (let i = 0; i < p.length; i++) out.push(a + i * p.stride);
      return out;
    }
  }
}

/** A place whose address is fixed, so computing it reads nothing and cannot fail. */
function staticPlace(p: Place): boolean {
  switch (p.k) {
    case 'static':
      return true;
    case 'field':
      return staticPlace(p.of);
    case 'index':
      return p.index.k === 'const' && p.index.v >= 0 && p.index.v < p.length && staticPlace(p.of);
    default:
      return false;
  }
}

/** An argument whose value reads no shared memory and cannot fail (a nesting subclass, the flags local). */
function quietArg(e: BExpr): boolean {
  return e.k === 'const' || e.k === 'local' || e.k === 'localAddr' || e.k === 'current' || (e.k === 'addr' && staticPlace(e.place));
}

/** Calls `f` for every builtin call inside an instruction's expressions. */
function visitBuiltins(ins: Instr, f: (b: Builtin, args: readonly BExpr[]) => void): void {
  const expr = (e: BExpr): void => {
    switch (e.k) {
      case 'builtin':
        f(e.b, e.args);
        e.args.forEach(expr);
        return;
      case 'unary':
        expr(e.e);
        return;
      case 'binary':
        expr(e.l);
        expr(e.r);
        return;
      case 'load':
        expr(e.addr);
        return;
      case 'read':
      case 'addr':
        place(e.place);
        return;
      default:
        return;
    }
  };
  const place = (p: Place): void => {
    if (p.k === 'deref') expr(p.ptr);
    else if (p.k === 'field') place(p.of);
    else if (p.k === 'index') {
      place(p.of);
      expr(p.index);
    }
  };
  switch (ins.op) {
    case 'eval':
      expr(ins.e);
      return;
    case 'assign':
      expr(ins.e);
      if (ins.target.k === 'mem') place(ins.target.place);
      return;
    case 'branch':
    case 'await':
      expr(ins.cond);
      return;
    case 'call':
      if (ins.target) expr(ins.target);
      ins.args.forEach(expr);
      return;
    case 'ret':
      if (ins.e) expr(ins.e);
      return;
    default:
      return;
  }
}
