// One skeleton plan per kind of report: which actors, which stacks become which call
// chains, where each lock is taken, what the innermost frame does, and the `expect`.

import type { ClassMention } from './frames';
import { Builder, indexOfFn, modeOf, pathOf, slotAt, stackHeader, wrap, type LockClass, type Mode, type PathPart, type Slot } from './skeleton';
import type { ChainLink, KernelReport, Stack, Task } from './report';

/** Work-queue plumbing held by every kworker: not a lock of the code the report is about. */
function isKworkerMap(m: ClassMention): boolean {
  return m.at !== undefined && /^(?:process_one_work|process_scheduled_works|worker_thread)$/.test(m.at.fn);
}

function sameTask(a: Task | undefined, b: Task | undefined): boolean {
  if (!a || !b) return false;
  if (a.pid !== undefined && b.pid !== undefined) return a.pid === b.pid;
  return a.name === b.name;
}

/** Places `ops` at the frame named `fn` (or, failing that, at `fallback` with a TODO). */
function placeAt(b: Builder, part: PathPart, slots: Map<number, Slot>, fn: string | undefined, ops: Slot, what: string, fallback: number): void {
  const i = indexOfFn(part, fn);
  if (i >= 0) {
    wrap(slots, i, ops, false);
    return;
  }
  const at = Math.max(0, Math.min(fallback, part.frames.length - 1));
  wrap(slots, at, { pre: [`// TODO: ${what}`, ...ops.pre], post: ops.post }, false);
}

/** The locks a task's "N locks held by" section lists, for the skeleton to take in its path. */
function heldBy(r: KernelReport, task: Task | undefined): ClassMention[] {
  const h = r.heldLocks.find((x) => sameTask(x.task, task));
  return (h?.locks ?? []).filter((m) => !isKworkerMap(m));
}

/** A path with at least one frame: a report that shows no stack still gets a function to fill in. */
function nonEmpty(part: PathPart, name: string): PathPart {
  if (part.frames.length > 0) return part;
  return { ...part, frames: [{ fn: name, inline: false }] };
}

function lastIndex(part: PathPart): number {
  return Math.max(0, part.frames.length - 1);
}

// ---------- lockdep: circular ----------

export function circular(b: Builder, r: KernelReport): void {
  const links: ChainLink[] = [...r.chain];
  if (r.wanted && r.held && links.length === 0) {
    // No chain printed: the dependency `wanted -> held` and the task's own `held -> wanted`.
    links.push({ cls: r.held, stack: { label: `-> #1 (${r.held.name})`, frames: [], irqFrames: 0 } });
    links.push({ cls: r.wanted, stack: r.backtrace ?? { label: `-> #0 (${r.wanted.name})`, frames: [], irqFrames: 0 } });
  }
  if (links.length === 0) return;
  const parts = links.map((l, j) => {
    const last = j === links.length - 1;
    const stack = last && l.stack.frames.length === 0 && r.backtrace ? r.backtrace : l.stack;
    return pathOf(last && r.task ? { ...stack, task: { ...r.task, ...(r.backtrace?.task?.cpu !== undefined ? { cpu: r.backtrace.task.cpu } : {}) } } : stack);
  });
  // Declare every class with the lock frames of the link that acquires it.
  const classes = links.map((l, j) => b.lockClass(r.held && l.cls.name === r.held.name && !l.cls.usage ? { ...r.held, ...l.cls } : l.cls, parts[j]!.mechanism));
  const modes: Mode[] = links.map((_, j) => modeOf(parts[j]!.mechanism));
  links.forEach((l, j) => {
    const part0 = parts[j]!;
    const isCurrent = j === links.length - 1;
    const wanted = classes[j]!;
    const heldIdx = (j + 1) % links.length;
    const holding = classes[heldIdx]!;
    const part = nonEmpty(part0, isCurrent ? 'current_path' : `path_${links.length - 1 - j}`);
    const slots = new Map<number, Slot>();
    const last = lastIndex(part);
    // The acquisition this link is about, at the innermost frame.
    wrap(slots, last, acquire(b, wanted, modes[j]!), false);
    let actorName: string | undefined;
    let kind: PathPart['context'] = part.context;
    if (holding.type === 'work') {
      // Holding a work item's completion map means running as that work item.
      actorName = holding.work;
      kind = 'work';
    } else if (isCurrent) {
      const held = heldBy(r, r.task);
      const list = held.length > 0 ? held : r.held ? [r.held] : [];
      const outerFirst = [...list].reverse();
      for (const m of outerFirst) {
        if (m.name === wanted.report) continue;
        const c = b.lockClass(m);
        if (c.type === 'work') continue;
        placeAt(b, part, slots, m.at?.fn, hold(b, c, modeOf(parts[classes.indexOf(c)]?.mechanism ?? [])), `the report does not place ${m.name} on this path; lockdep saw it held here`, last - 1);
      }
    } else {
      placeAt(b, part, slots, undefined, hold(b, holding, modes[heldIdx]!), `lockdep recorded ${holding.report} held here (the chain does not say where it was taken)`, last - 1);
    }
        const task = isCurrent ? r.task : undefined;
    const a = actorName
      ? b.actor('work', actorName, `${l.stack.label}: runs holding ${holding.report}`)
      : b.actorFor({ ...part, context: kind }, task, l.stack.label, `link${links.length - 1 - j}`);
    if (actorName) b.init.push(`queue_work(${a.name});`);
    a.body.push(...b.body({ ...part, context: kind }, slots));
  });
  const srcu = classes.some((c) => c.type === 'srcu');
  const distinct = new Set(classes.map((c) => c.report)).size;
  if (!srcu && distinct >= 2) b.expect.add('lock_order');
  // The actors can block each other unless some lock in the cycle is shared by its holder and its waiter.
  const blocks = classes.every((c, j) => c.type !== 'rcu' && !(modes[j] === 'read' && (c.type === 'rwsem' || c.type === 'rwlock_t')));
  if (blocks) b.expect.add('deadlock');
  if (srcu) b.header.push('', 'TODO: an srcu class is in this cycle; the model\'s lockdep does not track srcu, so only the deadlock is expected.');
}

function acquire(b: Builder, c: LockClass, mode: Mode): Slot {
  if (c.type === 'work') return b.lockOps(c, 'flush');
  return b.lockOps(c, mode === 'flush' ? 'write' : mode);
}

function hold(b: Builder, c: LockClass, mode: Mode): Slot {
  if (c.type === 'srcu') return b.lockOps(c, 'read');
  return b.lockOps(c, mode === 'flush' || mode === 'synchronize' ? 'write' : mode);
}

// ---------- lockdep: recursive ----------

export function recursive(b: Builder, r: KernelReport): void {
  const m = r.wanted ?? r.held;
  if (!m) return;
  let part = pathOf(r.backtrace);
  if (part.frames.length === 0) {
    const frames = [r.held?.at, r.wanted?.at].filter((f): f is NonNullable<typeof f> => f !== undefined);
    const distinct = frames.filter((f, i) => frames.findIndex((g) => g.fn === f.fn) === i);
    part = { frames: distinct.length ? distinct : [{ fn: 'current_path', inline: false }], mechanism: [], context: part.context };
  }
  const c = b.lockClass(m, part.mechanism);
  const mode = modeOf(part.mechanism);
  const slots = new Map<number, Slot>();
  const last = lastIndex(part);
  for (const h of heldBy(r, r.task).reverse()) {
    if (h.name === m.name) continue;
    const hc = b.lockClass(h);
    if (hc.type !== 'work') placeAt(b, part, slots, h.at?.fn, hold(b, hc, 'write'), `the report does not place ${h.name} on this path`, 0);
  }
  const first = indexOfFn(part, r.held?.at?.fn);
  const firstAt = first >= 0 && first < last ? first : Math.max(0, last - 1);
  if (first < 0 || first >= last) slotAt(slots, firstAt).pre.push(`// TODO: the report says ${m.name} was first taken at ${r.held?.at?.fn ?? 'a place it does not show'}`);
  wrap(slots, firstAt, hold(b, c, mode), false);
  wrap(slots, last, acquire(b, c, mode), false);
  if (last === firstAt) slotAt(slots, last).pre.push(`// TODO: the report shows no call between the two acquisitions of ${m.name}`);
    const a = b.actorFor(part, r.task, 'the task', 'task');
  a.body.push(...b.body(part, slots));
  b.expect.add('deadlock');
}

// ---------- lockdep: inconsistent lock state, irq lock inversion ----------

export function inconsistent(b: Builder, r: KernelReport): void {
  const m = r.wanted;
  if (!m) return;
  const c = b.lockClass({ ...m, waitType: m.waitType ?? 2 }, ['spin_lock']);
  const spin: LockClass = c.type === 'spinlock' || c.type === 'rwlock_t' ? c : { ...c, type: 'spinlock' };
  // `{IN-HARDIRQ-W} -> {HARDIRQ-ON-W}`: first the state registered earlier, then the current one.
  const currentInIrq = /-> \{IN-/.test(r.detail ?? '');
  const soft = /SOFTIRQ/.test(r.detail ?? '');
  const registered = r.stacks.find((s) => /state was registered at/.test(s.label));
  const task = r.task;
  const cpu = task?.cpu ?? r.backtrace?.task?.cpu ?? 0;
  const irqStack = currentInIrq ? r.backtrace : registered;
  const taskStack = currentInIrq ? registered : r.backtrace;
  // The task side: takes the lock with interrupts on, at the frame the report names.
  const tp = nonEmpty(pathOf(taskStack && { ...taskStack, irqFrames: 0 }), m.at?.fn ?? 'task_path');
  const tslots = new Map<number, Slot>();
  const at = indexOfFn(tp, currentInIrq ? undefined : m.at?.fn);
  const i = at >= 0 ? at : lastIndex(tp);
  const ops = b.lockOps(spin, 'write');
  wrap(tslots, i, { pre: [...ops.pre, `// TODO: the report's ${currentInIrq ? 'earlier' : ''} use held ${m.name} with interrupts enabled (${r.detail ?? ''})`], post: ops.post }, false);
    const ta = b.actorFor({ ...tp, context: tp.context === 'irq' ? 'thread' : tp.context }, currentInIrq ? undefined : task, 'the task', 'task');
  if (ta.kind !== 'work') ta.cpu = cpu;
  ta.body.push(...b.body(tp, tslots));
  // The interrupt side, on the same CPU.
  const ip0 = pathOf(irqStack);
  const ip = nonEmpty(ip0.context === 'irq' ? ip0 : pathOf(irqStack && { ...irqStack, irqFrames: irqStack.frames.length }), 'irq_handler');
  const islots = new Map<number, Slot>();
  const ia = indexOfFn(ip, currentInIrq ? m.at?.fn : undefined);
  wrap(islots, ia >= 0 ? ia : lastIndex(ip), b.lockOps(spin, 'write'), false);
  if (soft) slotAt(islots, 0).pre.unshift('// TODO: this runs in a softirq; the model runs it as an interrupt handler');
    const irqA = b.actorFor({ ...ip, context: 'irq' }, undefined, 'the interrupt', 'irq_handler');
  irqA.cpu = cpu;
  irqA.body.push(...b.body({ ...ip, context: 'irq' }, islots));
  b.expect.add('irq_lock_inversion');
  b.expect.add('deadlock');
}

export function irqInversion(b: Builder, r: KernelReport): void {
  const a = r.wanted;
  const bLock = r.held;
  if (!a || !bLock) return;
  const ca = b.lockClass({ ...a, waitType: a.waitType ?? 2 }, ['spin_lock']);
  const cb = b.lockClass({ ...bLock, waitType: bLock.waitType ?? 2 }, ['spin_lock']);
  const cpu = r.task?.cpu ?? r.backtrace?.task?.cpu ?? 0;
  // The current task: takes A with interrupts on.
  const tp = nonEmpty(pathOf(r.backtrace), a.at?.fn ?? 'task_path');
  const tslots = new Map<number, Slot>();
  placeAt(b, tp, tslots, a.at?.fn, b.lockOps(ca, 'write'), `the report takes ${a.name} in ${a.at?.fn ?? 'a frame it does not show'}`, lastIndex(tp));
  for (const h of heldBy(r, r.task).reverse()) {
    const hc = b.lockClass(h);
    if (hc.type !== 'work' && hc !== ca) placeAt(b, tp, tslots, h.at?.fn, hold(b, hc, 'write'), `the report does not place ${h.name} on this path`, 0);
  }
    const ta = b.actorFor(tp, r.task, 'the task', 'task');
  ta.cpu = cpu;
  ta.body.push(...b.body(tp, tslots));
  // The dependency B -> A, in another task with interrupts off.
  const dep = r.stacks.find((s) => s.label === 'acquired at');
  const dp = nonEmpty(pathOf(dep), 'dependency_path');
  const dslots = new Map<number, Slot>();
  wrap(dslots, lastIndex(dp), b.lockOps(ca, 'write'), false);
  const ops = b.lockOps(cb, 'irqsave');
  wrap(dslots, 0, { pre: [`// TODO: where ${bLock.name} was taken on this path (lockdep shows only that it was held, with interrupts off)`, ...ops.pre], post: ops.post }, true);
    const da = b.actorFor({ ...dp, context: dp.context === 'irq' ? 'thread' : dp.context }, undefined, 'the dependency', 'dependency');
  if (da.kind !== 'work') da.cpu = cpu + 1;
  da.body.push(...b.body(dp, dslots));
  // The interrupt that takes B, on the current task's CPU.
  const irqUse = r.stacks.find((s) => /^IN-(?:HARD|SOFT)IRQ-/.test(s.label));
  const ip0 = pathOf(irqUse);
  const ip = nonEmpty(ip0.context === 'irq' ? ip0 : pathOf(irqUse && { ...irqUse, irqFrames: irqUse.frames.length }), 'irq_handler');
  const islots = new Map<number, Slot>();
  wrap(islots, lastIndex(ip), b.lockOps(cb, 'write'), false);
    const ia = b.actorFor({ ...ip, context: 'irq' }, undefined, 'the interrupt', 'irq_handler');
  ia.cpu = cpu;
  ia.body.push(...b.body({ ...ip, context: 'irq' }, islots));
  b.header.push('', `The model's lockdep does not carry irq safety along dependencies (${bLock.name} -> ${a.name});`, 'it finds the deadlock the inversion allows instead.');
  b.expect.add('deadlock');
}

// ---------- suspicious RCU usage ----------

export function rcuSuspicious(b: Builder, r: KernelReport): void {
  const type = b.fresh('rcu_protected');
  const ptr = b.fresh('rcu_ptr');
  b.structs.set(type, new Map([['data', 'int data;   // TODO: what the RCU-protected object holds']]));
  b.globals.set(ptr, `struct ${type} *${ptr};`);
  b.objects.push(type);
  b.init.push(`${ptr} = kzalloc(struct ${type});`);
  const part = nonEmpty(pathOf(r.backtrace), 'reader_path');
  const slots = new Map<number, Slot>();
  const last = lastIndex(part);
  slotAt(slots, last).pre.push(
    `// TODO: ${r.detail ?? 'the RCU dereference lockdep complained about'}: outside rcu_read_lock()`,
    `struct ${type} *p = ${ptr};`,
    'if (p != NULL)',
    '    p->data = p->data + 1;',
  );
  for (const h of heldBy(r, r.task).reverse()) {
    const c = b.lockClass(h);
    if (c.type !== 'work') placeAt(b, part, slots, h.at?.fn, hold(b, c, 'write'), `the report does not place ${h.name} on this path`, 0);
  }
    const a = b.actorFor(part, r.task, 'the task', 'reader');
  a.body.push(...b.body(part, slots));
  const u = b.actor('thread', 'updater', 'TODO: the updater the RCU protection is for (not in the report)');
  u.body.push(`struct ${type} *old = ${ptr};`, `${ptr} = NULL;`, 'synchronize_rcu();        // waits only for readers inside rcu_read_lock()', 'kfree(old);');
  b.expect.add('use_after_free');
}

// ---------- KASAN ----------

export function kasan(b: Builder, r: KernelReport): void {
  const cache = r.object?.cache;
  const size = r.object?.size;
  const type = b.fresh(cache && !/^kmalloc/.test(cache) ? cache : `${cache ?? 'freed'}_object`);
  const ptr = b.fresh('obj');
  const access = r.accesses[0];
  const offset = r.object?.offset ?? 0;
  const field = `at_${offset}`;
  const fields = new Map<string, string>();
  fields.set(field, `int ${field};${access?.size ? `   // the ${access.size}-byte ${access.op} at offset ${offset}` : ''}`);
  fields.set('__todo', `// TODO: the other fields of this ${size ? `${size}-byte ` : ''}object${cache ? ` (cache ${cache})` : ''}`);
  b.structs.set(type, fields);
  b.globals.set(ptr, `struct ${type} *${ptr};`);
  b.objects.push(type);
  const alloc = r.stacks.find((s) => /^Allocated by/.test(s.label));
  const free = r.stacks.find((s) => /^Freed by/.test(s.label));
  const detail = r.detail ?? 'use-after-free';
  // Which actor does what, in the order it happened: allocate, free, then the faulting access.
  type Deed = { stack: Stack | undefined; action: string[]; what: string };
  const deeds: Deed[] = [];
  deeds.push({ stack: alloc, action: [`${ptr} = kzalloc(struct ${type});`], what: 'allocates' });
  deeds.push({ stack: free, action: [`kfree(${ptr});`], what: 'frees' });
  const accessAction = access?.op === 'free'
    ? [detail === 'invalid-free' ? `kfree(${ptr});          // TODO: KASAN says invalid-free: the pointer freed is not the start of a live object; the model has no interior pointers, so it is a second free` : `kfree(${ptr});`]
    : access?.op === 'write' ? [`${ptr}->${field} = 1;`] : [`int val = ${ptr}->${field};`];
  deeds.push({ stack: access?.stack ?? r.backtrace, action: accessAction, what: access?.op === 'free' ? 'frees again' : access?.op === 'write' ? 'writes' : 'reads' });
  const byActor = new Map<string, { actorKey: string; calls: string[] }>();
  const order: string[] = [];
  let allocActor: string | undefined;
  deeds.forEach((d, k) => {
    const part = d.stack ? pathOf(d.stack) : undefined;
    if (!d.stack || !part || part.frames.length === 0) {
      if (k === 0) {
        b.init.push(`${ptr} = kzalloc(struct ${type});   // TODO: the report does not show the allocation`);
        return;
      }
      const key = `todo-${k}`;
      const a = b.actor('thread', k === 1 ? 'freer' : 'accessor', `TODO: the report does not show who ${d.what} the object`);
      a.body.push(...d.action);
      byActor.set(key, { actorKey: a.name, calls: [] });
      order.push(key);
      return;
    }
    const task = d.stack.task;
    const key = part.context === 'irq' ? `irq-${k}` : task?.pid !== undefined ? `pid-${task.pid}` : `stack-${k}`;
    let entry = byActor.get(key);
    if (!entry) {
      const cpuTask = task && access?.stack.task && sameTask(task, access.stack.task) ? { ...task, cpu: access.stack.task.cpu ?? task.cpu } : task;
      const named = cpuTask && /^task \d+$/.test(cpuTask.name) && access?.stack.task && sameTask(cpuTask, access.stack.task) ? { ...cpuTask, name: access.stack.task.name } : cpuTask;
      const a = b.actorFor(part, named, d.stack.label, 'task');
      entry = { actorKey: a.name, calls: [] };
      byActor.set(key, entry);
      order.push(key);
      if (k === 0) allocActor = a.name;
    }
    const slots = new Map<number, Slot>([[lastIndex(part), { pre: [...d.action], post: [] }]]);
    entry.calls.push(...b.body(part, slots));
  });
  for (const key of order) {
    const e = byActor.get(key)!;
    const a = b.actors.find((x) => x.name === e.actorKey)!;
    if (allocActor && a.name !== allocActor) a.body.unshift(`await(${ptr} != NULL);          // the object exists: ${allocActor} allocated it first`);
    a.body.push(...e.calls);
  }
  b.expect.add(/double-free|invalid-free/.test(detail) ? 'double_free' : 'use_after_free');
}

// ---------- KCSAN ----------

export function kcsan(b: Builder, r: KernelReport): void {
  b.config.push('KCSAN');
  const word = b.fresh('racy_word');
  const size = r.accesses[0]?.size;
  b.globals.set(word, `int ${word};${size ? `   // TODO: the ${size}-byte word both accesses touch (the report gives only its address)` : ''}`);
  b.objects.push(word);
  r.accesses.forEach((acc, k) => {
    const part = nonEmpty(pathOf(acc.stack), `access_${k}`);
    const stmt = acc.op === 'write'
      ? acc.marked ? `WRITE_ONCE(${word}, ${word} + 1);` : `${word} = ${word} + 1;`
      : acc.marked ? `int val = READ_ONCE(${word});` : `int val = ${word};`;
    const slots = new Map<number, Slot>([[lastIndex(part), { pre: [stmt], post: [] }]]);
        const a = b.actorFor(part, acc.stack.task, acc.stack.label, `access_${k}`);
    a.body.push(...b.body(part, slots));
  });
  b.expect.add('data_race');
}

// ---------- sleeping in atomic context ----------

export function sleepInAtomic(b: Builder, r: KernelReport): void {
  const part = nonEmpty(pathOf(r.backtrace), 'atomic_path');
  const slots = new Map<number, Slot>();
  const last = lastIndex(part);
  const mech = part.mechanism.join(' ');
  let sleeper: Slot;
  if (/mutex/.test(mech)) {
    const c = b.lockClass({ name: `${part.frames[last]?.fn ?? 'sleeping'}_mutex`, waitType: 3 });
    const ops = b.lockOps(c, 'write');
    sleeper = { pre: [`// TODO: the mutex ${part.frames[last]?.fn ?? 'this function'} takes (the report does not name it)`, ...ops.pre], post: ops.post };
  } else if (/down_(?:read|write)/.test(mech)) {
    const c = b.lockClass({ name: `${part.frames[last]?.fn ?? 'sleeping'}_rwsem`, usage: '++++', waitType: 3 }, ['down_write']);
    sleeper = b.lockOps(c, modeOf(part.mechanism));
  } else if (/k[mz]alloc|kmem_cache_alloc/.test(mech)) {
    const t = b.fresh('allocated_object');
    b.structs.set(t, new Map([['data', 'int data;   // TODO: what is allocated here']]));
    sleeper = { pre: [`struct ${t} *p = kzalloc(struct ${t});   // GFP_KERNEL: may sleep`], post: [] };
  } else {
    sleeper = { pre: [`might_sleep();          // TODO: ${r.detail ? `the sleep at ${r.detail}` : 'what sleeps here'}`], post: [] };
  }
  wrap(slots, last, sleeper, false);
  const held = heldBy(r, r.task);
  let atomic = false;
  for (const h of [...held].reverse()) {
    const c = b.lockClass(h);
    if (c.type === 'work') continue;
    if (c.type === 'spinlock' || c.type === 'rwlock_t' || c.type === 'rcu') atomic = true;
    placeAt(b, part, slots, h.at?.fn, hold(b, c, 'write'), `the report does not place ${h.name} on this path`, 0);
  }
  if (!atomic) {
    const disabled = r.stacks.find((s) => s.label === 'Preemption disabled at')?.frames[0]?.fn;
    const i = indexOfFn(part, disabled);
    const at = i >= 0 && i < last ? i : Math.max(0, last - 1);
    const off = r.irqsDisabled
      ? { pre: ['local_irq_disable();'], post: ['local_irq_enable();'] }
      : { pre: ['preempt_disable();'], post: ['preempt_enable();'] };
    off.pre.unshift(`// TODO: ${r.preemptCount !== undefined ? `preempt_count ${r.preemptCount}` : 'atomic context'}${r.irqsDisabled ? ', interrupts off' : ''}: the report does not say what made this context atomic${disabled ? ` (preemption was disabled at ${disabled})` : ''}`);
    wrap(slots, at, off, true);
  }
    const a = b.actorFor(part, r.task, 'the task', 'task');
  a.body.push(...b.body(part, slots));
  b.expect.add('sleep_in_atomic');
}

// ---------- hung task ----------

export function hungTask(b: Builder, r: KernelReport): void {
  const blocked = r.task;
  const part = nonEmpty(pathOf(r.backtrace), 'blocked_path');
  const slots = new Map<number, Slot>();
  const held = heldBy(r, blocked);
  const mine = new Set<string>();
  for (const h of [...held].reverse()) {
    const c = b.lockClass(h, indexOfFn(part, h.at?.fn) === lastIndex(part) ? part.mechanism : []);
    if (c.type === 'work' || c.type === 'rcu') continue;
    mine.add(h.name);
    placeAt(b, part, slots, h.at?.fn, hold(b, c, 'write'), `the report does not place ${h.name} on this path`, 0);
  }
  if (held.length === 0) slotAt(slots, lastIndex(part)).pre.push(`// TODO: what ${blocked?.name ?? 'the task'} waits for (the report lists no lock it holds)`);
    const a = b.actorFor(part, blocked, 'the blocked task', 'blocked');
  a.body.push(...b.body(part, slots));
  // The other tasks that hold one of its locks: what it is waiting for.
  let others = 0;
  for (const h of r.heldLocks) {
    if (sameTask(h.task, blocked) || others >= 4) continue;
    const locks = h.locks.filter((m) => !isKworkerMap(m) && !/^rcu_read_lock/.test(m.name));
    if (!locks.some((m) => mine.has(m.name))) continue;
    others++;
    const frames = locks.map((m) => m.at ?? { fn: `${m.name}_site`, inline: false }).filter((f, i, all) => all.findIndex((g) => g.fn === f.fn) === i);
    const p: PathPart = { frames, mechanism: [], context: 'thread' };
    const s = new Map<number, Slot>();
    for (const m of [...locks].reverse()) {
      const c = b.lockClass(m);
      if (c.type === 'work' || c.type === 'rcu') continue;
      placeAt(b, p, s, m.at?.fn, hold(b, c, 'write'), '', 0);
    }
    slotAt(s, lastIndex(p)).pre.push(`// TODO: what ${h.task.name} waits for while it holds these (the report shows only its locks)`);
        const other = b.actor('thread', h.task.name, `${h.task.name}/${h.task.pid ?? '?'}: holds ${locks.map((m) => m.name).join(', ')}`);
    other.body.push(...b.body(p, s));
  }
  b.header.push('', `${blocked?.name ?? 'The task'} was blocked for more than ${r.blockedSeconds ?? '?'} seconds.`);
  b.expect.add('deadlock');
}

// ---------- list corruption ----------

export function listCorruption(b: Builder, r: KernelReport): void {
  const type = b.fresh('list_item');
  const head = b.fresh('item_list');
  const item = b.fresh('item');
  b.structs.set(type, new Map([['node', 'struct list_head node;'], ['__todo', '// TODO: the rest of the listed object (the report does not say what it is)']]));
  b.globals.set(head, `static LIST_HEAD(${head});`);
  b.globals.set(item, `struct ${type} *${item};`);
  b.objects.push(type);
  b.init.push(`${item} = kzalloc(struct ${type});`, `list_add(&${item}->node, &${head});`);
  const del = /^list_del/.test(r.detail ?? '');
  const part = nonEmpty(pathOf(r.backtrace), del ? 'deleter' : 'adder');
  const action = del
    ? [`list_del(&${item}->node);`]
    : [`struct ${type} *n = kzalloc(struct ${type});`, `list_add(&n->node, &${item}->node);   // TODO: the list head this adds to (its neighbour was deleted); a skipped add leaks n`];
  const slots = new Map<number, Slot>([[lastIndex(part), { pre: action, post: [] }]]);
  for (const h of heldBy(r, r.task).reverse()) {
    const c = b.lockClass(h);
    if (c.type !== 'work') placeAt(b, part, slots, h.at?.fn, hold(b, c, 'write'), `the report does not place ${h.name} on this path`, 0);
  }
    const a = b.actorFor(part, r.task, 'the task', 'task');
  a.body.push(...b.body(part, slots));
  const other = b.actor('thread', 'other_deleter', 'TODO: the unserialised list_del the report implies (not in the report)');
  other.body.push(`list_del(&${item}->node);`);
  b.expect.add('list_corruption');
  // CONFIG_DEBUG_LIST skips an add whose check fails: the new entry is then unreachable,
  // which kmemleak reports as the model does.
  if (!del) b.expect.add('leak');
}

// ---------- refcount_t ----------

export function refcount(b: Builder, r: KernelReport): void {
  const type = b.fresh('refcounted');
  const ptr = b.fresh('ref_obj');
  b.structs.set(type, new Map([['ref', 'struct kref ref;'], ['__todo', '// TODO: the object the refcount_t belongs to']]));
  b.globals.set(ptr, `struct ${type} *${ptr};`);
  b.objects.push(type);
  const release = b.fresh(`${type}_release`);
  b.init.push(`${ptr} = kzalloc(struct ${type});`, `kref_init(&${ptr}->ref);`);
  const addition = /addition on 0|saturated/.test(r.detail ?? '');
  const part = nonEmpty(pathOf(r.backtrace), 'refcount_user');
  const action = addition ? [`kref_get(&${ptr}->ref);`] : [`kref_put(&${ptr}->ref, ${release});`];
  const slots = new Map<number, Slot>([[lastIndex(part), { pre: action, post: [] }]]);
    const a = b.actor(part.context === 'irq' ? 'irq' : 'thread', r.task?.name ?? 'task', `${r.task ? `${r.task.name}/${r.task.pid ?? '?'}` : 'the task'}: ${r.detail ?? ''}`, r.task?.cpu ?? (part.context === 'irq' ? 0 : undefined));
  a.body.push(...b.body(part, slots));
  const other = b.actor('thread', 'last_put', 'TODO: the put that dropped the count to 0 (not in the report)');
  other.body.push(`kref_put(&${ptr}->ref, ${release});`);
  b.fnsRaw.push(`static void ${release}(struct kref *kref)\n{\n    struct ${type} *o = container_of(kref, struct ${type}, ref);\n\n    kfree(o);\n}`);
  b.expect.add('use_after_free');
}

export function headerStacks(b: Builder, r: KernelReport): void {
  const stacks: Stack[] = [...r.chain.map((l) => l.stack), ...r.accesses.map((a) => a.stack), ...r.stacks];
  if (r.backtrace && !stacks.some((s) => s.frames === r.backtrace!.frames)) stacks.push(r.backtrace);
  for (const s of stacks) stackHeader(b, s);
}
