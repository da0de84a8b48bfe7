// The scenario skeleton a kernel report becomes: the report's tasks as actors, its lock
// classes declared once in the language's form, one `fn` per kernel frame on the path from
// the entry point to each acquisition (or access, free, list or refcount operation), the
// object a memory report is about, an `expect` of the report's kind, and `// TODO:` where
// the report is silent. For a lockdep cycle the skeleton holds the whole cycle, so it
// checks to `lock_order` (and `deadlock`) as written.

import { builtin } from '../model/builtins';
import { frameText, type ClassMention, type Frame } from './frames';
import { classPath, identifier, lockExpr, nestedStruct, structOf, type ClassPath } from './names';
import type { KernelReport, Stack, Task } from './report';

// ---------- frames ----------

/** The locking, allocation, KASAN, list-debug and scheduler frames above the code that called them. */
const MECHANISM = /^(?:lock_acquire|__lock_acquire|validate_chain|check_prevs?_add|check_noncircular|print_circular_bug|__mutex_lock(?:_common|_slowpath)?|mutex_lock(?:_nested|_killable|_interruptible|_io)?(?:_nested)?|down_(?:read|write)(?:_killable|_interruptible|_nested|_trylock)?|__down_(?:read|write)\w*|rwsem_\w+|percpu_down_\w+|__percpu_down_\w+|_raw_\w+|__raw_\w+|do_raw_\w+|raw_spin_\w+|spin_(?:lock|unlock)\w*|read_lock\w*|write_lock\w*|queued_\w+|lock_map_acquire\w*|__flush_work|flush_work|__cancel_work\w*|cancel_work_sync|start_flush_work|__synchronize_srcu|synchronize_srcu\w*|__srcu_read_lock|srcu_read_lock|srcu_lock_acquire|rcu_lock_acquire|rcu_read_lock|kasan_\w+|__kasan_\w+|_{2,4}kasan_\w+|__asan_\w+|check_memory_region\w*|print_report|print_address_description|dump_stack\w*|__dump_stack|show_stack|kfree\w*|kvfree|kmem_cache_free|__kmem_cache_free|slab_free\w*|__slab_free|do_slab_free|kmalloc\w*|__kmalloc\w*|kzalloc\w*|kvzalloc|kvmalloc\w*|__do_kmalloc_node|kmem_cache_alloc\w*|__kmem_cache_alloc\w*|slab_alloc\w*|slab_post_alloc_hook|__might_sleep|___might_sleep|__might_resched|might_sleep|__might_fault|__schedule|schedule|schedule_preempt_disabled|schedule_timeout|io_schedule|context_switch|__schedule_loop|__list_add_valid\w*|__list_del_entry_valid\w*|__list_add|__list_del_entry|__list_del|list_add\w*|list_del\w*|refcount_warn_saturate|__refcount_\w+|refcount_\w+|kref_get|kref_put|lockdep_\w+|lock_is_held\w*|mark_lock\w*|mark_usage|mark_held_locks|print_usage_bug|valid_state|print_irq_inversion_bug|check_usage_\w+|check_irq_usage|__warn|warn_slowpath\w*|report_bug|handle_bug|exc_invalid_op|asm_exc_invalid_op|trace_hardirqs_\w+|rcu_read_lock_held\w*|rcu_read_lock_sched_held|debug_lockdep_rcu_enabled|lock_release|__lock_release|kcsan_\w+|__tsan_\w+)$/;

/** Entry plumbing below the code that matters: syscall entry, kthreads, kworkers, idle, exit work. */
const ENTRY = /^(?:entry_SYSCALL_64_after_hwframe|entry_SYSENTER_compat_after_hwframe|entry_INT80_compat|do_syscall_64|do_syscall_x64|do_syscall_32_irqs_on|__do_fast_syscall_32|do_fast_syscall_32|x64_sys_call|system_call|system_call_exception|system_call_vectored_common|system_call_common|ret_fast_syscall|ret_from_fork|ret_from_fork_asm|kthread|worker_thread|process_one_work|process_scheduled_works|el0_svc|el0_svc_common|do_el0_svc|el0t_64_sync|el0t_64_sync_handler|invoke_syscall|__invoke_syscall|start_secondary|start_secondary_prolog|cpu_startup_entry|do_idle|secondary_startup_64\w*|start_kernel|x86_64_start_\w+|rest_init|syscall_exit_to_user_mode\w*|__syscall_exit_to_user_mode_work|syscall_exit_work|exit_to_user_mode\w*|ptrace_notify|ptrace_report_syscall\w*|asm_\w+|sysvec_\w+|__sysvec_\w+|common_interrupt|__common_interrupt|handle_softirqs|__do_softirq|do_softirq\w*|invoke_softirq|irq_exit\w*|__irq_exit_rcu|el1_interrupt|el0_interrupt|gic_handle_irq|generic_handle_irq\w*|handle_irq_event\w*|__handle_irq_event_percpu|handle_\w+_irq|irq_work_run\w*|irq_work_single|call_cpuidle|cpuidle_enter\w*|arch_local_irq_\w+|__run_timers\w*|run_timer_softirq|expire_timers|hrtimer_interrupt|__hrtimer_run_queues|0x[0-9a-f]+)$/;

/** Syscall wrappers: only the innermost is kept, as the path's entry point. */
const SYSCALL = /^(?:__x64_sys_|__ia32_sys_|__se_sys_|__do_sys_|__arm64_sys_|__do_compat_sys_|__ia32_compat_sys_|compat_sys_|ksys_|__sys_|sys_)(\w+)$/;

const VCPU_RUN = /^(?:kvm_arch_vcpu_ioctl_run|vcpu_run|kvm_vcpu_ioctl|vcpu_enter_guest)$/;

interface PathPart {
  /** Kept frames, outermost first. */
  readonly frames: readonly Frame[];
  /** The trimmed mechanism frames, innermost first (what the innermost kept frame called). */
  readonly mechanism: readonly string[];
  readonly syscall?: string;
  readonly context: 'thread' | 'vcpu' | 'irq' | 'work';
}

/** The frames of a stack that the skeleton turns into functions, and what they say. */
function pathOf(stack: Stack | undefined): PathPart {
  if (!stack || stack.frames.length === 0) return { frames: [], mechanism: [], context: 'thread' };
  const irq = stack.irqFrames > 0;
  let inner = irq ? stack.frames.slice(0, stack.irqFrames) : [...stack.frames];
  const mechanism: string[] = [];
  while (inner.length > 0 && MECHANISM.test(inner[0]!.fn)) mechanism.push(inner.shift()!.fn);
  const all = stack.frames.map((f) => f.fn);
  let outer = [...inner].reverse();
  while (outer.length > 0 && ENTRY.test(outer[0]!.fn)) outer.shift();
  let syscall: string | undefined;
  while (outer.length > 1 && SYSCALL.test(outer[0]!.fn) && SYSCALL.test(outer[1]!.fn)) outer.shift();
  if (outer.length > 0) syscall = SYSCALL.exec(outer[0]!.fn)?.[1];
  // A frame repeated right after itself (an inlined helper printed twice) is one function.
  outer = outer.filter((f, i) => i === 0 || f.fn !== outer[i - 1]!.fn);
  const context = irq ? 'irq' : all.includes('process_one_work') || /^kworker\//.test(stack.task?.name ?? '') ? 'work' : all.some((f) => VCPU_RUN.test(f)) ? 'vcpu' : 'thread';
  return { frames: outer, mechanism, ...(syscall ? { syscall } : {}), context };
}

// ---------- lock classes ----------

type LockType = 'mutex' | 'spinlock' | 'rwsem' | 'rwlock_t' | 'srcu' | 'work' | 'rcu' | 'skip';
type DeclaredLock = Exclude<LockType, 'work' | 'rcu' | 'skip'>;

/** The kernel's type of each lock the skeleton declares, for struct fields. */
const C_LOCK_TYPES: Readonly<Record<DeclaredLock, string>> = {
  mutex: 'struct mutex', spinlock: 'spinlock_t', rwsem: 'struct rw_semaphore', rwlock_t: 'rwlock_t', srcu: 'struct srcu_struct',
};

/** A lock that is a global, as the kernel defines one statically. */
function staticDefinition(type: DeclaredLock, name: string): string {
  switch (type) {
    case 'mutex':
      return `static DEFINE_MUTEX(${name});`;
    case 'spinlock':
      return `static DEFINE_SPINLOCK(${name});`;
    case 'rwsem':
      return `static DECLARE_RWSEM(${name});`;
    case 'rwlock_t':
      return `static DEFINE_RWLOCK(${name});`;
    case 'srcu':
      return `DEFINE_STATIC_SRCU(${name});`;
  }
}

interface LockClass {
  /** As the report prints it. */
  readonly report: string;
  readonly type: LockType;
  readonly path: ClassPath;
  /** What the declaration's TODO says, when the model has no type for the class. */
  readonly todo?: string;
  /** For a `(work_completion)` class: the work actor it belongs to. */
  readonly work?: string;
}

/** Classes that are lockdep maps with no lock behind them, and what lockdep means by each. */
const MAPS: readonly { readonly re: RegExp; readonly what: string }[] = [
  { re: /^fs_reclaim$/, what: 'fs_reclaim is lockdep\'s map for memory reclaim: an allocation that may enter reclaim "takes" it' },
  { re: /^sb_writers/, what: 'sb_writers is the superblock freeze protection (a per-CPU rwsem: sb_start_write / sb_end_write)' },
  { re: /^sb_internal/, what: 'sb_internal is the filesystem\'s internal freeze protection (sb_start_intwrite)' },
  { re: /^\(wq_completion\)/, what: 'a (wq_completion) class is a whole workqueue: flush_workqueue() "takes" it, and every work item on it runs "holding" it' },
  { re: /^mmu_notifier_invalidate_range_start$/, what: 'lockdep\'s map for mmu notifier invalidation: an invalidate callback runs "holding" it' },
  { re: /^cpu_hotplug_lock/, what: 'cpu_hotplug_lock is a per-CPU rwsem (cpus_read_lock / cpus_write_lock)' },
];

function classType(m: ClassMention, mechanisms: readonly string[]): { type: LockType; todo?: string } {
  const name = m.name;
  if (/^rcu_read_lock(?:_bh|_sched)?$|^rcu_callback$/.test(name)) return { type: 'rcu' };
  if (/^\(work_completion\)/.test(name)) return { type: 'work' };
  if (/srcu/.test(name)) return { type: 'srcu' };
  const map = MAPS.find((x) => x.re.test(name));
  if (map) return { type: 'mutex', todo: `${map.what}; the model has no such lock, so it is a mutex here` };
  const mech = mechanisms.join(' ');
  if (/down_(?:read|write)|rwsem|percpu_down/.test(mech)) return { type: 'rwsem' };
  if (/_raw_(?:read|write)_lock|\b(?:read|write)_lock/.test(mech)) return { type: 'rwlock_t' };
  if (/spin_lock|_raw_spin|queued_spin/.test(mech)) return { type: 'spinlock' };
  if (/mutex/.test(mech)) return { type: 'mutex' };
  const reads = m.usage !== undefined && m.usage.length === 4 && (m.usage[1] !== '.' || m.usage[3] !== '.');
  if (m.waitType === 2) return { type: reads ? 'rwlock_t' : 'spinlock' };
  if (m.waitType === 0) return { type: 'mutex', todo: `${name} is a lockdep map (wait type 0), not a lock the model has; a mutex here` };
  if (reads) return { type: 'rwsem' };
  if (m.waitType === 3 || m.waitType === 4) return { type: 'mutex' };
  return { type: 'mutex', todo: m.usage === undefined ? `the report does not say what kind of lock ${name} is; a mutex here` : undefined };
}

type Mode = 'read' | 'write' | 'irq' | 'irqsave' | 'bh' | 'flush' | 'synchronize';

function modeOf(mechanism: readonly string[]): Mode {
  const m = mechanism.join(' ');
  if (/flush_work|cancel_work/.test(m)) return 'flush';
  if (/synchronize_srcu/.test(m)) return 'synchronize';
  if (/down_read|_read_lock|\bread_lock|srcu_read_lock/.test(m)) return 'read';
  if (/irqsave/.test(m)) return 'irqsave';
  if (/_irq\b|lock_irq(?:\s|$)/.test(m)) return 'irq';
  if (/_bh\b|lock_bh/.test(m)) return 'bh';
  return 'write';
}

// ---------- the skeleton being built ----------

interface ActorPlan {
  kind: 'thread' | 'vcpu' | 'irq' | 'work';
  name: string;
  cpu?: number;
  description: string;
  body: string[];
}

interface FnPlan {
  readonly name: string;
  readonly comment: string;
  readonly body: readonly string[];
}

/** One statement or more to run at a frame, before the call to the next frame and after it. */
interface Slot {
  readonly pre: string[];
  readonly post: string[];
}

export interface Skeleton {
  readonly text: string;
  /** What the skeleton names: actors, lock classes (as the report prints them) and objects. */
  readonly actors: readonly string[];
  readonly classes: readonly string[];
  readonly objects: readonly string[];
  readonly expect: readonly string[];
}

class Builder {
  readonly header: string[] = [];
  readonly classes = new Map<string, LockClass>();
  /** struct name → fields (name → declaration text). */
  readonly structs = new Map<string, Map<string, string>>();
  readonly globals = new Map<string, string>();
  readonly fns = new Map<string, FnPlan>();
  readonly actors: ActorPlan[] = [];
  readonly init: string[] = [];
  readonly expect = new Set<string>();
  readonly objects: string[] = [];
  readonly config: string[] = [];
  /** Functions written whole (a release callback with a parameter). */
  readonly fnsRaw: string[] = [];
  private readonly taken = new Set<string>();

  constructor(readonly report: KernelReport) {}

  /** A fresh top-level name (globals, functions, actors and struct types share the namespace). */
  fresh(want: string): string {
    let name = identifier(want);
    if (builtin(name)) name = `${name}_`;
    let n = name;
    for (let i = 2; this.taken.has(n); i++) n = `${name}_${i}`;
    this.taken.add(n);
    return n;
  }

  reserve(name: string): void {
    this.taken.add(name);
  }

  // --- classes ---

  /** Declares the class (once) and returns it. `mechanisms`: the lock frames seen where it is taken. */
  lockClass(m: ClassMention, mechanisms: readonly string[] = []): LockClass {
    const known = this.classes.get(m.name);
    if (known) return known;
    const { type, todo } = classType(m, mechanisms);
    let path = classPath(m.name);
    let work: string | undefined;
    if (type === 'work') {
      const inner = /^\(work_completion\)\((.*)\)$/.exec(m.name)?.[1] ?? m.name;
      const p = classPath(inner);
      work = this.fresh(p.fields[p.fields.length - 1] ?? p.base);
      path = { base: work, fields: [] };
    } else if (type !== 'rcu' && type !== 'skip') {
      path = this.declareLock(path, type, todo);
    }
    const c: LockClass = { report: m.name, type, path, ...(todo ? { todo } : {}), ...(work ? { work } : {}) };
    this.classes.set(m.name, c);
    return c;
  }

  private declareLock(p: ClassPath, type: DeclaredLock, todo: string | undefined): ClassPath {
    const note = todo ? `   // TODO: ${todo}` : '';
    if (p.fields.length === 0) {
      if (this.globals.has(p.base)) return p;
      const name = this.taken.has(p.base) ? this.fresh(`${p.base}_lock`) : this.fresh(p.base);
      this.globals.set(name, `${staticDefinition(type, name)}${note}`);
      return { base: name, fields: [] };
    }
    // A struct path: the global instance, its struct type and every nested struct on the way.
    let structName = structOf(p.base);
    if (!this.globals.has(p.base)) {
      if (this.taken.has(p.base)) return this.declareLock({ base: `${p.base}_obj`, fields: p.fields }, type, todo);
      this.reserve(p.base);
      this.globals.set(p.base, `struct ${structName} ${p.base};`);
    } else {
      structName = /^struct (\w+)/.exec(this.globals.get(p.base)!)?.[1] ?? structName;
    }
    this.reserve(structName);
    for (let i = 0; i < p.fields.length; i++) {
      const field = p.fields[i]!;
      const fields = this.structs.get(structName) ?? new Map<string, string>();
      this.structs.set(structName, fields);
      if (i === p.fields.length - 1) {
        if (!fields.has(field)) fields.set(field, `${C_LOCK_TYPES[type]} ${field};${note}`);
      } else {
        const existing = /^struct (\w+)/.exec(fields.get(field) ?? '')?.[1];
        const nested = existing ?? nestedStruct(structName, field);
        if (!existing) fields.set(field, `struct ${nested} ${field};`);
        this.reserve(nested);
        structName = nested;
      }
    }
    return p;
  }

  /** The statements that take and release the class at a frame. */
  lockOps(c: LockClass, mode: Mode): Slot {
    const e = lockExpr(c.path);
    switch (c.type) {
      case 'mutex':
        return { pre: [`mutex_lock(${e});`], post: [`mutex_unlock(${e});`] };
      case 'rwsem':
        return mode === 'read' ? { pre: [`down_read(${e});`], post: [`up_read(${e});`] } : { pre: [`down_write(${e});`], post: [`up_write(${e});`] };
      case 'spinlock':
        if (mode === 'irqsave') return { pre: ['unsigned long flags;', `spin_lock_irqsave(${e}, flags);`], post: [`spin_unlock_irqrestore(${e}, flags);`] };
        if (mode === 'irq') return { pre: [`spin_lock_irq(${e});`], post: [`spin_unlock_irq(${e});`] };
        if (mode === 'bh') return { pre: [`spin_lock_bh(${e});`], post: [`spin_unlock_bh(${e});`] };
        return { pre: [`spin_lock(${e});`], post: [`spin_unlock(${e});`] };
      case 'rwlock_t': {
        const rw = mode === 'read' ? 'read' : 'write';
        if (mode === 'irqsave') return { pre: ['unsigned long flags;', `${rw}_lock_irqsave(${e}, flags);`], post: [`${rw}_unlock_irqrestore(${e}, flags);`] };
        if (mode === 'irq') return { pre: [`${rw}_lock_irq(${e});`], post: [`${rw}_unlock_irq(${e});`] };
        return { pre: [`${rw}_lock(${e});`], post: [`${rw}_unlock(${e});`] };
      }
      case 'srcu':
        if (mode === 'synchronize') return { pre: [`synchronize_srcu(${e});`], post: [] };
        return { pre: [`int idx = srcu_read_lock(${e});`], post: [`srcu_read_unlock(${e}, idx);`] };
      case 'work':
        return { pre: [`flush_work(${c.work});`], post: [] };
      case 'rcu':
        return { pre: ['rcu_read_lock();'], post: ['rcu_read_unlock();'] };
      case 'skip':
        return { pre: [], post: [] };
    }
  }

  // --- functions and actors ---

  /**
   * Emits one function per frame of `part` (outermost first), each calling the next, with
   * `slots[i]` around the call in frame i (the last frame's slot is its own action), and
   * returns the name of the outermost function, or undefined when there are no frames.
   */
  chain(part: PathPart, slots: ReadonlyMap<number, Slot>, from = 0): string | undefined {
    const frames = part.frames;
    let next: string | undefined;
    for (let i = frames.length - 1; i >= from; i--) {
      const f = frames[i]!;
      const slot = slots.get(i) ?? { pre: [], post: [] };
      const body: string[] = [...slot.pre];
      if (next) body.push(`${next}();`);
      else if (slot.pre.length === 0) body.push(`// TODO: what ${f.fn} does here: the report shows only that it was on the stack`);
      body.push(...slot.post);
      next = this.fn(f, body, next);
    }
    return next;
  }

  /**
   * The statements an actor runs for a path: a call of its outermost function, or, for a
   * work item or an interrupt handler (whose outermost frame is the actor itself), that
   * frame's own statements around the call of the next one.
   */
  body(part: PathPart, slots: ReadonlyMap<number, Slot>, inlineOuter = part.context === 'work' || part.context === 'irq'): string[] {
    if (!inlineOuter || part.frames.length === 0) {
      const outer = this.chain(part, slots);
      return outer ? [`${outer}();`] : [];
    }
    const first = part.frames[0]!;
    const slot = slots.get(0) ?? { pre: [], post: [] };
    const next = this.chain(part, slots, 1);
    const out = [`// ${frameText(first)}`, ...slot.pre];
    if (next) out.push(`${next}();`);
    else if (slot.pre.length === 0) out.push(`// TODO: what ${first.fn} does here`);
    out.push(...slot.post);
    return out;
  }

  private fn(f: Frame, body: readonly string[], callee: string | undefined): string {
    const todo = callee ? `// TODO: what ${f.fn} does before and after it calls ${callee.replace(/_\d+$/, '')}()` : undefined;
    const full = todo ? [todo, ...body] : [...body];
    const comment = `// ${frameText(f)}`;
    for (let n = 1; ; n++) {
      const name = n === 1 ? f.fn : `${f.fn}_${n}`;
      const existing = this.fns.get(name);
      if (existing && existing.body.join('\n') === full.join('\n')) return name;
      if (existing || (n === 1 && this.taken.has(name)) || builtin(name)) continue;
      this.reserve(name);
      this.fns.set(name, { name, comment, body: full });
      return name;
    }
  }

  actor(kind: ActorPlan['kind'], want: string, description: string, cpu?: number): ActorPlan {
    const a: ActorPlan = { kind, name: this.fresh(want), description, body: [], ...(cpu !== undefined ? { cpu } : {}) };
    this.actors.push(a);
    return a;
  }

  /** An actor for a stack, named after its task, work function, interrupt handler or syscall. */
  actorFor(part: PathPart, task: Task | undefined, label: string, fallback: string): ActorPlan {
    const outer = part.frames[0]?.fn;
    const kind = part.context;
    let want: string;
    if (kind === 'work' || kind === 'irq') want = outer ?? fallback;
    else if (task && !/^task \d+$/.test(task.name) && !/^interrupt$/.test(task.name)) want = task.name;
    else if (task?.pid !== undefined) want = `task_${task.pid}`;
    else want = part.syscall ?? outer ?? fallback;
    const who = task ? `${task.name}${task.pid !== undefined && !/^task /.test(task.name) ? `/${task.pid}` : ''}` : label;
    const what = part.syscall ? `${part.syscall}()` : outer ? `${outer}()` : '';
    const description = [who, what].filter((x) => x).join(': ');
    const cpu = kind === 'work' ? undefined : task?.cpu;
    const a = this.actor(kind, want, description, kind === 'irq' ? (cpu ?? this.freeCpu()) : cpu);
    if (kind === 'work') this.init.push(`queue_work(${a.name});        // the kworker runs ${outer ?? 'it'}`);
    return a;
  }

  private freeCpu(): number {
    const used = new Set(this.actors.map((a) => a.cpu).filter((c): c is number => c !== undefined));
    let c = 0;
    while (used.has(c)) c++;
    return c;
  }

  // --- text ---

  render(scenarioTitle: string): Skeleton {
    const out: string[] = [];
    for (const h of this.header) out.push(h === '' ? '//' : `// ${h}`);
    out.push('');
    out.push(`scenario "${scenarioTitle.replace(/["\\]/g, '\'')}"`);
    out.push('');
    for (const c of this.config) out.push(`config ${c};`);
    if (this.config.length) out.push('');
    // Nested structs first: a struct must be declared before a field of its type.
    const order = this.structOrder();
    for (const s of order) {
      out.push(`struct ${s} {`);
      for (const [, decl] of this.structs.get(s)!) out.push(`    ${decl}`);
      out.push('};');
      out.push('');
    }
    for (const [, decl] of this.globals) out.push(decl);
    if (this.globals.size) out.push('');
    for (const f of this.fnsRaw) out.push(f, '');
    for (const f of this.fns.values()) {
      out.push(f.comment);
      out.push(`static void ${f.name}(void)`, '{');
      for (const l of f.body) out.push(`    ${l}`);
      out.push('}');
      out.push('');
    }
    if (this.init.length) {
      out.push('init {');
      for (const l of this.init) out.push(`    ${l}`);
      out.push('}');
      out.push('');
    }
    for (const a of this.actors) {
      const on = a.cpu !== undefined && a.kind !== 'work' ? ` on cpu${a.cpu}` : '';
      out.push(`${a.kind} ${a.name}${on} "${a.description.replace(/["\\]/g, '\'')}" {`);
      for (const l of a.body.length ? a.body : ['// TODO: the report shows nothing this actor does']) out.push(`    ${l}`);
      out.push('}');
      out.push('');
    }
    const expect = [...this.expect];
    out.push(expect.length ? `expect ${expect.join(', ')};` : 'expect no violation;   // TODO: the report\'s kind has no counterpart in the model');
    return {
      text: `${out.join('\n')}\n`,
      actors: this.actors.map((a) => a.name),
      classes: [...this.classes.values()].filter((c) => c.type !== 'rcu' && c.type !== 'skip').map((c) => c.report),
      objects: this.objects,
      expect,
    };
  }

  private structOrder(): string[] {
    const done: string[] = [];
    const visit = (s: string, depth: number): void => {
      if (done.includes(s) || depth > 32) return;
      for (const decl of this.structs.get(s)?.values() ?? []) {
        const m = /^struct (\w+) /.exec(decl);
        if (m && this.structs.has(m[1]!)) visit(m[1]!, depth + 1);
      }
      done.push(s);
    };
    for (const s of this.structs.keys()) visit(s, 0);
    return done;
  }
}

// ---------- helpers shared by the kinds ----------

function slotAt(slots: Map<number, Slot>, i: number): Slot {
  let s = slots.get(i);
  if (!s) slots.set(i, (s = { pre: [], post: [] }));
  return s;
}

/** Where in a path a frame named `fn` is (by base name); -1 when absent. */
function indexOfFn(part: PathPart, fn: string | undefined): number {
  if (!fn) return -1;
  return part.frames.findIndex((f) => f.fn === fn);
}

/** Adds the lock/unlock of `c` at frame `i` of the path, outside anything already there. */
function wrap(slots: Map<number, Slot>, i: number, ops: Slot, outside = true): void {
  const s = slotAt(slots, i);
  if (outside) {
    s.pre.unshift(...ops.pre);
    s.post.push(...ops.post);
  } else {
    s.pre.push(...ops.pre);
    s.post.unshift(...ops.post);
  }
}

/** Frames of a stack for the header: one line each, innermost first, as printed. */
function stackHeader(b: Builder, s: Stack): void {
  b.header.push(`  ${s.label}${s.task ? ` (${s.task.name}${s.task.pid !== undefined && !/^task /.test(s.task.name) ? `/${s.task.pid}` : ''}${s.task.cpu !== undefined ? ` on CPU ${s.task.cpu}` : ''})` : ''}:`);
  if (s.frames.length === 0) b.header.push('    (no frames)');
  for (const f of s.frames) b.header.push(`    ${frameText(f)}`);
}

export { Builder, pathOf, slotAt, indexOfFn, wrap, stackHeader, modeOf, type PathPart, type Slot, type ActorPlan, type LockClass, type Mode };
