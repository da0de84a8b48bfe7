// A kernel report read into plain data: its kind, title and kernel version, the tasks and
// their stacks, the lock classes with where each was taken, the object a memory report is
// about. Tolerant by design: what a report does not print is simply absent, never an error.

import { parseClassMention, parseFrame, type ClassMention, type Frame } from './frames';
import type { ReportKind } from './lines';

export interface Task {
  /** As printed (`qemu-system-ppc`, `kworker/u8:5`), or `task 4340` when only the pid is. */
  readonly name: string;
  readonly pid?: number;
  readonly cpu?: number;
}

/** Where a stack ran: a task, an interrupt or softirq on top of one, a kworker. */
export type Context = 'task' | 'irq' | 'softirq' | 'work';

export interface Stack {
  /** What the report says this stack is (`-> #1 (&mm->mmap_sem)`, `Freed by task 0`, …). */
  readonly label: string;
  readonly task?: Task;
  /** Innermost first, as printed; unreliable (`? `) frames dropped. */
  readonly frames: readonly Frame[];
  /** How many of the innermost frames ran in interrupt context (0 when none). */
  readonly irqFrames: number;
  readonly irqKind?: 'irq' | 'softirq';
  /** For a kworker: the workqueue and work function the report names. */
  readonly workqueue?: string;
}

export interface ChainLink {
  /** The class this link's stack acquired. */
  readonly cls: ClassMention;
  readonly stack: Stack;
}

export interface HeldLocks {
  readonly task: Task;
  readonly locks: readonly ClassMention[];
}

export interface Access {
  readonly op: 'read' | 'write' | 'free';
  readonly size?: number;
  readonly marked?: boolean;
  readonly stack: Stack;
}

export interface KernelReport {
  readonly kind: ReportKind;
  /** The title line (`WARNING: possible circular locking dependency detected`). */
  readonly title: string;
  /** `5.1.0-rc2-le_nv2_aikATfstn1-p1`, when printed. */
  readonly kernel?: string;
  /** The task the report is about (the one trying to acquire, accessing, sleeping, blocked). */
  readonly task?: Task;
  /** lockdep: the lock being acquired and the one already held (circular, recursive, irq). */
  readonly wanted?: ClassMention;
  readonly held?: ClassMention;
  /** lockdep circular: the chain as printed, `-> #N` first, `-> #0` last. */
  readonly chain: readonly ChainLink[];
  /** "N locks held by TASK/PID:" sections, in order. */
  readonly heldLocks: readonly HeldLocks[];
  /** The reporting task's own stack ("stack backtrace:", "Call Trace:"). */
  readonly backtrace?: Stack;
  /** Further stacks: KASAN's allocation and free, lockdep's "state was registered at", … */
  readonly stacks: readonly Stack[];
  /** KASAN / KCSAN accesses, first the faulting one. */
  readonly accesses: readonly Access[];
  /** KASAN: the object's cache (`kmalloc-256`), size and the offset of the access. */
  readonly object?: { readonly cache?: string; readonly size?: number; readonly offset?: number };
  /** A one-line detail: the KASAN bug type, the RCU message, `list_del corruption, …`, the refcount message, the inconsistent usage. */
  readonly detail?: string;
  readonly preemptCount?: number;
  readonly irqsDisabled?: boolean;
  readonly blockedSeconds?: number;
}

// ---------- stacks ----------

/** Lines inside a stack that are not frames and do not end it. */
const STACK_NOISE = /^(?:<\/?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>|Call [Tt]race:|RIP:|RSP:|R[A-Z]{2}:|R\d+:|FS:|CS:|CR\d:|DR\d:|Code:|NIP[: ]|LR[: ]|CTR:|REGS:|MSR:|GPR\d+:|IRQMASK:|XER:|TRAP:|CFAR:|DAR:|DSISR:|SOFTE:|pc :|lr :|sp :|x\d+ *:|pstate:|--- interrupt|Exception stack|Instruction dump:|\.\.\.$|\[\.\.\.\]$|[\w./-]+:[\d?]+\)|\?? ?0x[0-9a-f]+$|ORIG_RAX|EFLAGS)/;

/** Frames that enter an interrupt: the handler runs in the frames inner of the first one. */
const IRQ_ENTRY = /^(?:asm_)?(?:sysvec_|__sysvec_|common_interrupt|__common_interrupt|do_IRQ|handle_softirqs|__do_softirq|do_softirq|invoke_softirq|irq_exit|__irq_exit_rcu|irq_exit_rcu|el1_interrupt|el0_interrupt|gic_handle_irq|generic_handle_irq|handle_irq_event|__handle_irq_event_percpu|handle_irq_event_percpu|handle_level_irq|handle_edge_irq|handle_fasteoi_irq|irq_work_run|irq_work_single|irq_work_run_list|__run_timers|run_timer_softirq|expire_timers|hrtimer_interrupt|__hrtimer_run_queues)$/;

const SOFTIRQ_HINT = /softirq|rcu_core|run_timer|tasklet|net_rx_action|call_timer_fn|rcu_do_batch/;

export interface StackRead {
  readonly stack: Stack;
  /** Index of the first line after the stack. */
  readonly end: number;
}

/** Reads the frames that start at `from` (a "Call Trace:" header or the first frame). */
export function readStack(lines: readonly string[], from: number, label: string, task?: Task): StackRead {
  const frames: Frame[] = [];
  let i = from;
  let inIrq = false;
  let irqMarked = -1;
  let started = false;
  let workqueue: string | undefined;
  for (; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t === '') {
      if (started) break;
      continue;
    }
    if (t === '<IRQ>' || t === '<SOFTIRQ>') {
      inIrq = true;
      continue;
    }
    if (t === '</IRQ>' || t === '</SOFTIRQ>') {
      if (inIrq) irqMarked = frames.length;
      inIrq = false;
      continue;
    }
    const wq = /^Workqueue: (\S+) (\S+)/.exec(t);
    if (wq) {
      workqueue = `${wq[1]} ${wq[2]}`;
      continue;
    }
    if (STACK_NOISE.test(t) || t.startsWith('? ') || /^\[[<0-9a-f]/.test(t) && /\? /.test(t)) continue;
    const f = parseFrame(t, true);
    if (!f) {
      if (started) break;
      // Before the first frame only headers and noise are allowed; anything else ends it.
      if (!/^(?:CPU:|Hardware name:|Modules linked in:|Tainted:|Call)/.test(t)) break;
      continue;
    }
    started = true;
    frames.push(f);
  }
  let irqFrames = irqMarked > 0 ? irqMarked : 0;
  if (irqFrames === 0) {
    const entry = frames.findIndex((f) => IRQ_ENTRY.test(f.fn));
    if (entry > 0) irqFrames = entry;
  }
  const irqPart = frames.slice(0, Math.max(irqFrames, frames.findIndex((f) => IRQ_ENTRY.test(f.fn)) + 1));
  const irqKind = irqFrames > 0 ? (irqPart.some((f) => SOFTIRQ_HINT.test(f.fn)) ? 'softirq' : 'irq') : undefined;
  return {
    stack: { label, ...(task ? { task } : {}), frames, irqFrames, ...(irqKind ? { irqKind } : {}), ...(workqueue ? { workqueue } : {}) },
    end: i,
  };
}

// ---------- small readers ----------

/** `kworker/u8:5/83` → name `kworker/u8:5`, pid 83 (the pid is after the last slash). */
export function parseTask(s: string): Task | undefined {
  const m = /^(.+)\/(\d+)$/.exec(s.trim());
  if (!m) return undefined;
  return { name: m[1]!, pid: Number(m[2]) };
}

function versionOf(lines: readonly string[], from: number, to: number): string | undefined {
  for (let i = from; i < Math.min(to, lines.length); i++) {
    const t = lines[i]!.trim();
    const cpu = /(?:Not tainted|Tainted: [A-Z ]*?)\s+(\d+\.\d+[\w.+~-]*)/.exec(t);
    if (cpu) return cpu[1];
    const bare = /^(\d+\.\d+(?:\.\d+)?[\w.+~-]*)(?: #\S+)?(?: (?:Not tainted|Tainted:.*))?$/.exec(t);
    if (bare) return bare[1];
  }
  return undefined;
}

interface CpuLine {
  readonly cpu: number;
  readonly pid: number;
  readonly comm: string;
}

function cpuLine(t: string): CpuLine | undefined {
  const m = /^CPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (\S+)/.exec(t);
  return m ? { cpu: Number(m[1]), pid: Number(m[2]), comm: m[3]! } : undefined;
}

/** The mentions of one class on consecutive lines (an inlined `at:` repeats the class), innermost first. */
function readMentions(lines: readonly string[], from: number): { mention: ClassMention; frames: Frame[]; end: number } | undefined {
  const first = parseClassMention(lines[from] ?? '');
  if (!first) return undefined;
  const frames: Frame[] = first.at ? [first.at] : [];
  let i = from + 1;
  for (; i < lines.length; i++) {
    const m = parseClassMention(lines[i]!);
    if (!m || m.name !== first.name || /^\s*#\d+:/.test(lines[i]!) !== /^\s*#\d+:/.test(lines[from]!)) break;
    if (/^\s*#(\d+):/.exec(lines[i]!)?.[1] !== /^\s*#(\d+):/.exec(lines[from]!)?.[1]) break;
    if (m.at) frames.push(m.at);
  }
  const outer = frames[frames.length - 1];
  return { mention: { ...first, ...(outer ? { at: outer } : {}) }, frames, end: i };
}

/** "N locks held by TASK/PID:" and the `#k:` lines under it. */
function readHeldLocks(lines: readonly string[], from: number): { held: HeldLocks; end: number } | undefined {
  const m = /^(?:\d+|no) locks? held by (.+?):?$/.exec(lines[from]!.trim());
  const task = m ? parseTask(m[1]!.replace(/:$/, '')) : undefined;
  if (!task) return undefined;
  const locks: ClassMention[] = [];
  let i = from + 1;
  while (i < lines.length && /^\s*#\d+:/.test(lines[i]!)) {
    const r = readMentions(lines, i);
    if (!r) break;
    locks.push(r.mention);
    i = r.end;
  }
  return { held: { task, locks }, end: i };
}

// ---------- the report ----------

/** Parses one report: `lines` are the cleaned lines from its title to the next report. */
export function parseReport(kind: ReportKind, lines: readonly string[]): KernelReport {
  const title = lines[0]!.trim();
  const r: Mutable<KernelReport> = { kind, title, chain: [], heldLocks: [], stacks: [], accesses: [] };
  const version = versionOf(lines, 0, 12);
  if (version) r.kernel = version;
  const chain: ChainLink[] = [];
  const heldLocks: HeldLocks[] = [];
  const stacks: Stack[] = [];
  const accesses: Access[] = [];
  let cpu: CpuLine | undefined;
  let workqueue: string | undefined;
  let pendingAccess: { op: 'read' | 'write' | 'free'; size?: number; marked?: boolean; task?: Task } | undefined;

  for (let i = 1; i < lines.length; ) {
    const t = lines[i]!.trim();
    let m: RegExpExecArray | null;
    const c = cpuLine(t);
    if (c) {
      cpu ??= c;
      if (!r.kernel) {
        const v = versionOf(lines, i, i + 1);
        if (v) r.kernel = v;
      }
      i++;
      continue;
    }
    if ((m = /^Workqueue: (\S+) (\S+)/.exec(t))) {
      workqueue ??= `${m[1]} ${m[2]}`;
      i++;
      continue;
    }
    if ((m = /^(.+) is trying to acquire lock:$/.exec(t))) {
      const task = parseTask(m[1]!);
      if (task) r.task = task;
      const mm = readMentions(lines, i + 1);
      if (mm) r.wanted = mm.mention;
      i = mm ? mm.end : i + 1;
      continue;
    }
    if (/^but task is already holding lock:$/.test(t)) {
      const mm = readMentions(lines, i + 1);
      if (mm) r.held = mm.mention;
      i = mm ? mm.end : i + 1;
      continue;
    }
    if ((m = /^(.+) just changed the state of lock:$/.exec(t))) {
      const task = parseTask(m[1]!);
      if (task) r.task = task;
      const mm = readMentions(lines, i + 1);
      if (mm) r.wanted = mm.mention;
      i = mm ? mm.end : i + 1;
      continue;
    }
    if (/^but this lock (?:was taken by another|took another), .*lock in the past:$/.test(t)) {
      const mm = readMentions(lines, i + 1);
      if (mm) r.held = mm.mention;
      i = mm ? mm.end : i + 1;
      continue;
    }
    if ((m = /^(.+) \[HC\d\[\d\]:SC\d\[\d\]:HE\d:SE\d\] takes:$/.exec(t))) {
      const task = parseTask(m[1]!);
      if (task) r.task = task;
      const mm = readMentions(lines, i + 1);
      if (mm) r.wanted = mm.mention;
      i = mm ? mm.end : i + 1;
      continue;
    }
    if ((m = /^inconsistent (\{[^}]+\} -> \{[^}]+\}) usage\.$/.exec(t))) {
      r.detail = m[1]!;
      i++;
      continue;
    }
    if ((m = /^(\{[A-Z-]+\}) state was registered at:$/.exec(t))) {
      const s = readStack(lines, i + 1, `${m[1]} state was registered at`);
      stacks.push(s.stack);
      i = Math.max(s.end, i + 1);
      continue;
    }
    if ((m = /^-> #(\d+) \((.*)$/.exec(t))) {
      const mention = parseClassMention(t);
      const s = readStack(lines, i + 1, `-> #${m[1]} (${mention?.name ?? '?'})`);
      if (mention) chain.push({ cls: mention, stack: s.stack });
      i = Math.max(s.end, i + 1);
      continue;
    }
    // irq lock inversion: the dependency `-> (class) { … } … acquired at:` stack.
    if (/^\.\.\. acquired at:$/.test(t)) {
      const s = readStack(lines, i + 1, 'acquired at');
      stacks.push(s.stack);
      i = Math.max(s.end, i + 1);
      continue;
    }
    if ((m = /^(IN-HARDIRQ-[RW]|IN-SOFTIRQ-[RW]|HARDIRQ-ON-[RW]|SOFTIRQ-ON-[RW]) at:$/.exec(t))) {
      const s = readStack(lines, i + 1, `${m[1]} at`);
      stacks.push(s.stack);
      i = Math.max(s.end, i + 1);
      continue;
    }
    if (/^(?:\d+|no) locks? held by .+:?$/.test(t)) {
      const h = readHeldLocks(lines, i);
      if (h) heldLocks.push(h.held);
      i = h ? Math.max(h.end, i + 1) : i + 1;
      continue;
    }
    if ((m = /^(Read|Write) of size (\d+) at addr \S+ by task (.+)$/.exec(t))) {
      pendingAccess = { op: m[1] === 'Read' ? 'read' : 'write', size: Number(m[2]), ...taskOf(m[3]!) };
      i++;
      continue;
    }
    if ((m = /^(?:Read|Write) of size (\d+) by task (.+)$/.exec(t))) {
      pendingAccess = { op: /^Write/.test(t) ? 'write' : 'read', size: Number(m[1]), ...taskOf(m[2]!) };
      i++;
      continue;
    }
    if ((m = /^Free of addr \S+ by task (.+)$/.exec(t))) {
      pendingAccess = { op: 'free', ...taskOf(m[1]!) };
      i++;
      continue;
    }
    if ((m = /^(read|write)( \(marked\))?(?: \(reordered\))? to 0x[0-9a-f]+ of (\d+) bytes by (task (\d+)|interrupt) on cpu (\d+):$/.exec(t))) {
      const task: Task = m[5] ? { name: `task ${m[5]}`, pid: Number(m[5]), cpu: Number(m[6]) } : { name: 'interrupt', cpu: Number(m[6]) };
      const s = readStack(lines, i + 1, `${m[1]} to … of ${m[3]} bytes by ${m[4]} on cpu ${m[6]}`, task);
      const stack = m[4] === 'interrupt' && s.stack.irqFrames === 0 ? { ...s.stack, irqFrames: s.stack.frames.length, irqKind: 'irq' as const } : s.stack;
      accesses.push({ op: m[1] as 'read' | 'write', size: Number(m[3]), marked: !!m[2], stack });
      i = Math.max(s.end, i + 1);
      continue;
    }
    if ((m = /^(Allocated|Freed) by task (\d+)(?: on cpu (\d+))?(?: at [\d.]+s)?:$/.exec(t))) {
      const task: Task = { name: `task ${m[2]}`, pid: Number(m[2]), ...(m[3] ? { cpu: Number(m[3]) } : {}) };
      const s = readStack(lines, i + 1, `${m[1]} by task ${m[2]}`, task);
      stacks.push(s.stack);
      i = Math.max(s.end, i + 1);
      continue;
    }
    if ((m = /^(?:The buggy address belongs to the object at \S+)?\s*which belongs to the cache (\S+) of size (\d+)$/.exec(t))) {
      r.object = { ...r.object, cache: m[1]!, size: Number(m[2]) };
      i++;
      continue;
    }
    if ((m = /^The buggy address is located (\d+) bytes (inside|to the right|to the left) of$/.exec(t))) {
      r.object = { ...r.object, offset: m[2] === 'inside' ? Number(m[1]) : 0 };
      i++;
      continue;
    }
    if ((m = /^in_atomic\(\): (\d+), irqs_disabled\(\): (\d+), (?:non_block: \d+, )?pid: (\d+), name: (\S+)$/.exec(t))) {
      r.task = { name: m[4]!, pid: Number(m[3]) };
      r.irqsDisabled = m[2] !== '0';
      i++;
      continue;
    }
    if ((m = /^preempt_count: ([0-9a-f]+), expected: \d+$/.exec(t))) {
      r.preemptCount = parseInt(m[1]!, 16);
      i++;
      continue;
    }
    if ((m = /^Preemption disabled at:$/.exec(t))) {
      const s = readStack(lines, i + 1, 'Preemption disabled at');
      stacks.push(s.stack);
      i = Math.max(s.end, i + 1);
      continue;
    }
    if (/^(?:Call [Tt]race:|stack backtrace:)$/.test(t) && !r.backtrace && (kind !== 'kasan' || !pendingAccess || accesses.length === 0)) {
      const s = readStack(lines, i + 1, 'Call Trace');
      const task = cpu ? { name: cpu.comm, pid: cpu.pid, cpu: cpu.cpu } : r.task;
      const stack: Stack = { ...s.stack, ...(task ? { task } : {}), ...(workqueue && !s.stack.workqueue ? { workqueue } : {}) };
      r.backtrace = stack;
      if (pendingAccess) {
        accesses.push({ op: pendingAccess.op, ...(pendingAccess.size ? { size: pendingAccess.size } : {}), stack: { ...stack, ...(pendingAccess.task ? { task: { ...pendingAccess.task, ...(cpu ? { cpu: cpu.cpu } : {}) } } : {}) } });
      }
      i = Math.max(s.end, i + 1);
      continue;
    }
    i++;
  }

  // Fill in what the title line itself says.
  let m: RegExpExecArray | null;
  if (kind === 'kasan' && (m = /^BUG: KASAN: ([\w-]+) in /.exec(title))) r.detail = m[1]!;
  if (kind === 'hung-task' && (m = /^INFO: task (.+):(\d+) blocked for more than (\d+) seconds/.exec(title))) {
    r.task = { name: m[1]!, pid: Number(m[2]) };
    r.blockedSeconds = Number(m[3]);
  }
  if (kind === 'list-corruption' || kind === 'refcount') r.detail = title;
  if (kind === 'rcu-suspicious') {
    const msg = lines.slice(1, 6).map((l) => l.trim()).find((l) => /^[\w./-]+:\d+ /.test(l));
    if (msg) r.detail = msg;
  }
  if (kind === 'sleep-in-atomic' && (m = /invalid context at (\S+)/.exec(title))) r.detail = m[1]!;
  if (!r.task && cpu) r.task = { name: cpu.comm, pid: cpu.pid, cpu: cpu.cpu };
  else if (r.task && cpu && (r.task.pid === cpu.pid || r.task.name === cpu.comm) && r.task.cpu === undefined) r.task = { ...r.task, cpu: cpu.cpu };
  if (r.backtrace && r.task && !r.backtrace.task) r.backtrace = { ...r.backtrace, task: r.task };
  r.chain = chain;
  r.heldLocks = heldLocks;
  r.stacks = stacks;
  r.accesses = accesses;
  return r;
}

function taskOf(s: string): { task?: Task } {
  const t = parseTask(s.trim());
  return t ? { task: t } : {};
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
