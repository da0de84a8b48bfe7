// Builtins: Workqueues. A `struct work_struct` is data: INIT_WORK gives it its fn, queue_work
// marks it PENDING and the machine starts a kworker actor running fn(work) (Exec.spawn);
// flush and cancel wait for that kworker. The one-argument forms on a declared `work` actor
// (queue_work(NAME)) are kept as a shorthand.

import { ACTOR_WORD, WORK_PENDING, WORK_WORD } from '../../semantics/symbols';
import type { Exec } from '../exec';
import { ActorStatus } from '../types';
import { alias, cancelPending, kworkerOf, runningOn, touchCallbackMap as touchWorkMap } from './common';
import type { Builtin } from './types';

const wq = { name: 'wq', kind: 'workqueue' } as const;
const work = { name: 'work', kind: 'work' } as const;
const dwork = { name: 'dwork', kind: 'work' } as const;
const delay = { name: 'delay', kind: 'int' } as const;

const QUEUE: Builtin = {
  name: 'queue_work', family: 'workqueue', params: [wq, work], returns: 'bool',
  kernel: 'Queues a work item on a workqueue; returns false (and does nothing) if it was already pending. Queuing the work of a freed object is a use-after-free.',
  model: 'One step. Checks the work_struct is live memory (KASAN), sets PENDING and starts a kworker actor named after the work fn, which runs fn(work) from its next step on; if the item is running, it runs once more after. Returns false if it was already pending (so one kworker per work item at a time). queue_work(NAME) queues a declared `work` actor.',
  run(x, [q, w], [, actor]) {
    return actor! >= 0 ? queueWorkActor(x, actor!) : queueWorkItem(x, q!, w!);
  },
};

const FLUSH: Builtin = {
  name: 'flush_work', family: 'workqueue', params: [work], returns: 'bool', sleeps: true,
  kernel: 'Waits until the work item has finished its last queued run.',
  model: 'Blocks while the work item is pending or running; flushing it from itself is a deadlock. Lockdep sees it take the work\'s (work_completion) map.',
  run(x, [w], [actor]) {
    x.mightSleep('flush_work');
    if (actor! >= 0) {
      if (actor === x.actor) recursiveWork(x, 'flush_work');
      const busy = x.actorWord(actor!, ACTOR_WORD.workPending) !== 0 || x.actorStatus(actor!) === ActorStatus.Running;
      if (busy) x.block({ kind: 'work', work: actor! });
      touchWorkMap(x, x.scenario.actors[actor!]?.workClass, x.scenario.actors[actor!]!.words);
      return 0;
    }
    x.checkAccess(w! + WORK_WORD.data, false, 'flush_work');
    if (runningOn(x, w!) === x.actor) recursiveWork(x, 'flush_work');
    const k = kworkerOf(x, w!);
    if (k >= 0) x.block({ kind: 'work', work: k });
    touchWorkMap(x, workClassOf(x, w!), w!);
    return 0;
  },
};

const CANCEL_SYNC: Builtin = {
  name: 'cancel_work_sync', family: 'workqueue', params: [work], returns: 'bool', sleeps: true,
  kernel: 'Cancels a pending run of the work item and waits for a running one to finish. Returns true if it was pending.',
  model: 'Blocks while the work item runs; then clears its pending run (its kworker is not started) and returns whether there was one.',
  run(x, [w], [actor]) {
    x.mightSleep('cancel_work_sync');
    if (actor! >= 0) {
      if (actor === x.actor) recursiveWork(x, 'cancel_work_sync');
      if (x.actorStatus(actor!) === ActorStatus.Running) x.block({ kind: 'work', work: actor! });
      touchWorkMap(x, x.scenario.actors[actor!]?.workClass, x.scenario.actors[actor!]!.words);
      const pending = x.actorWord(actor!, ACTOR_WORD.workPending);
      x.setActorWord(actor!, ACTOR_WORD.workPending, 0);
      return pending !== 0 ? 1 : 0;
    }
    x.checkAccess(w! + WORK_WORD.data, true, 'cancel_work_sync');
    const running = runningOn(x, w!);
    if (running === x.actor) recursiveWork(x, 'cancel_work_sync');
    if (running >= 0) x.block({ kind: 'work', work: running });
    touchWorkMap(x, workClassOf(x, w!), w!);
    return cancelPending(x, w!);
  },
};

const INIT: Builtin = {
  name: 'INIT_WORK', family: 'workqueue', params: [work, { name: 'func', kind: 'fn' }], returns: 'void',
  kernel: 'Initialises a work item with the function a kworker will call with it (func(work); container_of gives the object).',
  model: 'Writes the work_struct: not pending, its fn set. The scenario gets kworkers for func (two, so two of its work items may run at once).',
  run(x, [w, fn]) {
    x.checkAccess(w! + WORK_WORD.data, true, 'INIT_WORK');
    x.write(w! + WORK_WORD.data, 0, true);
    x.write(w! + WORK_WORD.func, fn!, true); // a function value: fn index + 1 (fnValue), so 0 is none
    return 0;
  },
};

const FLUSH_WORKQUEUE: Builtin = {
  name: 'flush_workqueue', family: 'workqueue', params: [wq], returns: 'void', sleeps: true,
  kernel: 'Waits until every work item queued on the workqueue before the call has finished.',
  model: 'Blocks while any work item queued on this workqueue is pending or running; from one of its own work items it is a deadlock. Lockdep sees it take the workqueue\'s (wq_completion) map, which its work items hold while they run.',
  run(x, [q]) {
    x.mightSleep('flush_workqueue');
    if (x.actorSym.callback?.kind === 'work' && x.actorWord(x.actor, ACTOR_WORD.workqueue) === q) recursiveWork(x, 'flush_workqueue');
    const busy = kworkersOn(x, q!);
    if (busy.length > 0) x.block({ kind: 'work', work: busy[0]! });
    if (q! > 0) touchWorkMap(x, q! - 1, 0);
    return 0;
  },
};

const CANCEL: Builtin = {
  name: 'cancel_work', family: 'workqueue', params: [work], returns: 'bool',
  kernel: 'Cancels a pending run of the work item without waiting for a running one. Returns true if it was pending.',
  model: 'One step: clears a pending run (its kworker is not started); a running one goes on.',
  run(x, [w], [actor]) {
    if (actor! >= 0) {
      const pending = x.actorWord(actor!, ACTOR_WORD.workPending);
      x.setActorWord(actor!, ACTOR_WORD.workPending, 0);
      return pending !== 0 ? 1 : 0;
    }
    x.checkAccess(w! + WORK_WORD.data, true, 'cancel_work');
    return cancelPending(x, w!);
  },
};

const PENDING: Builtin = {
  name: 'work_pending', family: 'workqueue', params: [work], returns: 'bool',
  kernel: 'Whether the work item is queued and has not started yet.',
  model: 'Reads its PENDING bit (a use-after-free on a freed object).',
  run(x, [w], [actor]) {
    if (actor! >= 0) return x.actorWord(actor!, ACTOR_WORD.workPending) !== 0 ? 1 : 0;
    x.checkAccess(w! + WORK_WORD.data, false, 'work_pending');
    return x.read(w! + WORK_WORD.data, true) & WORK_PENDING;
  },
};

export const WORKQUEUE: readonly Builtin[] = [
  INIT,
  QUEUE,
  {
    ...QUEUE, name: 'schedule_work', params: [work],
    kernel: 'queue_work on the system workqueue (system_wq).',
    model: 'As queue_work(system_wq, work).',
    run(x, [w], [actor]) {
      return actor! >= 0 ? queueWorkActor(x, actor!) : queueWorkItem(x, 0, w!);
    },
  },
  FLUSH,
  CANCEL_SYNC,
  CANCEL,
  PENDING,
  FLUSH_WORKQUEUE,
  {
    name: 'alloc_workqueue', family: 'workqueue', params: [{ name: 'fmt', kind: 'wqname' }, { name: 'flags', kind: 'int' }, { name: 'max_active', kind: 'int' }], returns: 'int',
    kernel: 'Creates a workqueue (a struct workqueue_struct *) on which queue_work runs work items.',
    model: 'Returns the workqueue: each alloc_workqueue call site is one workqueue, with its (wq_completion) lockdep map named after fmt. May sleep.',
    run(x, _args, [cls]) {
      x.mightSleep('alloc_workqueue');
      return cls! + 1;
    },
  },
  {
    name: 'destroy_workqueue', family: 'workqueue', params: [wq], returns: 'void', sleeps: true,
    kernel: 'Drains the workqueue (waits for its work items) and frees it.',
    model: 'As flush_workqueue.',
    run: FLUSH_WORKQUEUE.run,
  },
  {
    name: 'INIT_DELAYED_WORK', family: 'workqueue', params: [dwork, { name: 'func', kind: 'fn' }], returns: 'void',
    kernel: 'Initialises a delayed work item (a work_struct with a timer).',
    model: 'As INIT_WORK: time is not modelled, so the delay only lets other steps run first.',
    run: INIT.run,
  },
  {
    ...QUEUE, name: 'queue_delayed_work', params: [wq, dwork, delay],
    kernel: 'Queues a delayed work item to run after delay jiffies; false if it was already pending.',
    model: 'As queue_work: the delay is any number of other steps.',
  },
  {
    ...QUEUE, name: 'mod_delayed_work', params: [wq, dwork, delay],
    kernel: 'Queues a delayed work item, or changes the delay of a pending one; returns true if it was pending.',
    model: 'As queue_work, except that it returns true when the item was already pending (its delay changes, which the model does not see).',
    run(x, [q, w], [, actor]) {
      if (actor! >= 0) return queueWorkActor(x, actor!) === 0 ? 1 : 0;
      return queueWorkItem(x, q!, w!) === 0 ? 1 : 0;
    },
  },
  {
    ...QUEUE, name: 'schedule_delayed_work', params: [dwork, delay],
    kernel: 'queue_delayed_work on the system workqueue.',
    model: 'As queue_work(system_wq, work).',
    run(x, [w], [actor]) {
      return actor! >= 0 ? queueWorkActor(x, actor!) : queueWorkItem(x, 0, w!);
    },
  },
  { ...CANCEL_SYNC, name: 'cancel_delayed_work_sync', params: [dwork], kernel: 'cancel_work_sync for a delayed work item (its timer too).', model: 'As cancel_work_sync.' },
  { ...FLUSH, name: 'flush_delayed_work', params: [dwork], kernel: 'Runs a pending delayed work item now and waits for it.', model: 'As flush_work.' },
  alias([CANCEL], 'cancel_delayed_work', 'cancel_work', 'Cancels a pending delayed work item without waiting for a running one.'),
  alias([PENDING], 'delayed_work_pending', 'work_pending', 'Whether the delayed work item is pending.'),
];

/** Queues a declared `work` actor (the shorthand): it becomes runnable. */
function queueWorkActor(x: Exec, actor: number): number {
  if (x.actorWord(actor, ACTOR_WORD.workPending) !== 0) return 0;
  x.setActorWord(actor, ACTOR_WORD.workPending, 1);
  return 1;
}

/** __queue_work: PENDING set, and a kworker to run the item (the one running it, or a new one). */
function queueWorkItem(x: Exec, q: number, w: number): number {
  x.checkAccess(w + WORK_WORD.data, true, 'queue_work');
  const data = x.read(w + WORK_WORD.data, true);
  if (data & WORK_PENDING) return 0;
  const fn = x.read(w + WORK_WORD.func, true) - 1;
  if (fn < 0) {
    x.fail('null_deref', `queue_work of ${x.describe(w)}, which was never INIT_WORKed: its kworker would call NULL`, [
      'BUG: kernel NULL pointer dereference, address: 0000000000000000',
      `  queue_work(${x.describe(w)}) by ${x.actorSym.name}: work->func is NULL (no INIT_WORK)`,
    ].join('\n'));
  }
  x.write(w + WORK_WORD.data, data | WORK_PENDING, true);
  // A work item is never run by two kworkers at once: queued while it runs, it runs again after.
  let k = runningOn(x, w);
  if (k >= 0) x.setActorWord(k, ACTOR_WORD.workPending, 1);
  else k = x.spawn('work', fn, w, x.actorSym.cpu);
  if (k < 0) {
    const name = x.scenario.fns[fn]?.name ?? '?';
    x.fail('assertion', `model limit: more than ${countKworkers(x, fn)} work items running ${name} at once`, `The model keeps ${countKworkers(x, fn)} kworkers per work fn; queue_work(${x.describe(w)}) found them all busy.`);
  }
  x.setActorWord(k, ACTOR_WORD.workqueue, q);
  return 1;
}

/** Kworkers with an item of workqueue `q` pending or running. */
function kworkersOn(x: Exec, q: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.actorCount(); i++) {
    const c = x.scenario.actors[i]!.callback;
    if (c?.kind !== 'work' || i === x.actor || x.actorWord(i, ACTOR_WORD.workqueue) !== q) continue;
    if (x.actorStatus(i) === ActorStatus.Running || x.actorWord(i, ACTOR_WORD.workPending) !== 0) out.push(i);
  }
  return out;
}

function countKworkers(x: Exec, fn: number): number {
  return x.scenario.actors.filter((a) => a.callback?.kind === 'work' && a.callback.fn === fn).length;
}

/** The (work_completion) class of a work_struct, from its fn's kworkers. */
function workClassOf(x: Exec, w: number): number | undefined {
  const fn = x.read(w + WORK_WORD.func, true) - 1;
  return x.scenario.actors.find((a) => a.callback?.kind === 'work' && a.callback.fn === fn)?.workClass;
}

function recursiveWork(x: Exec, fn: string): never {
  x.fail('deadlock', `${fn}() of the work item from inside itself`, `${fn}(${x.actorSym.name}) called by ${x.actorSym.name} itself: it waits for its own completion.\n *** DEADLOCK ***`);
}
