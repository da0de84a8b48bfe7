// Builtins: Timers and hrtimers. A `struct timer_list` or `struct hrtimer` is data: timer_setup
// (hrtimer_setup, or hrtimer_init and `.function =`) gives it its callback; arming it marks it
// PENDING and the machine starts the callback as an interrupt actor on the arming CPU
// (Exec.spawn): in softirq context for a timer_list, in hardirq context for an hrtimer. Time
// is not modelled: an armed timer may fire between any two steps of its CPU.

import { ACTOR_WORD, WORK_PENDING, WORK_WORD } from '../../semantics/symbols';
import type { Exec } from '../exec';
import { alias, cancelPending, kworkerOf, runningOn, touchCallbackMap } from './common';
import type { Builtin } from './types';

const timer = { name: 'timer', kind: 'timer' } as const;

const SETUP: Builtin = {
  name: 'timer_setup', family: 'timers', params: [timer, { name: 'callback', kind: 'fn' }, { name: 'flags', kind: 'int' }], returns: 'void',
  kernel: 'Initialises a timer with its callback, called in softirq context with the timer (from_timer / container_of give the object).',
  model: 'Writes the timer: not pending, its callback set. The scenario gets a softirq context per CPU to run the callback on.',
  run(x, [t, fn]) {
    initTimer(x, t!, fn!); // a function value (fnValue): fn index + 1, so 0 is none
    return 0;
  },
};

const MOD: Builtin = {
  name: 'mod_timer', family: 'timers', params: [timer, { name: 'expires', kind: 'int' }], returns: 'bool',
  kernel: 'Arms (or re-arms) the timer to expire at expires; returns whether it was pending.',
  model: 'One step. Checks the timer is live memory (KASAN), marks it PENDING and makes its callback runnable in softirq context on this CPU (any later step); returns true, changing nothing else, if it was pending. Armed while its callback runs, it runs once more after.',
  run(x, [t]) {
    return arm(x, t!, 'timer');
  },
};

const DEL_SYNC: Builtin = {
  name: 'del_timer_sync', family: 'timers', params: [timer], returns: 'bool',
  kernel: 'Deactivates the timer and waits for a running callback to finish; returns whether it was pending. Must not be called from the callback or under a lock the callback takes.',
  model: 'Blocks while the callback runs (from the callback itself: a deadlock); then disarms the timer. Lockdep sees it take the timer\'s map, which the callback holds while it runs.',
  run(x, [t]) {
    return cancelSync(x, t!, 'del_timer_sync');
  },
};

const DEL: Builtin = {
  name: 'del_timer', family: 'timers', params: [timer], returns: 'bool',
  kernel: 'Deactivates the timer without waiting for a running callback; returns whether it was pending.',
  model: 'One step: disarms the timer; a callback already running goes on.',
  run(x, [t]) {
    x.checkAccess(t! + WORK_WORD.data, true, 'del_timer');
    return cancelPending(x, t!) ? 1 : 0;
  },
};

const PENDING: Builtin = {
  name: 'timer_pending', family: 'timers', params: [timer], returns: 'bool',
  kernel: 'Whether the timer is armed and has not fired yet.',
  model: 'Reads its PENDING bit.',
  run(x, [t]) {
    x.checkAccess(t! + WORK_WORD.data, false, 'timer_pending');
    return x.read(t! + WORK_WORD.data, true) & WORK_PENDING;
  },
};

const HR_CANCEL: Builtin = {
  name: 'hrtimer_cancel', family: 'timers', params: [timer], returns: 'int',
  kernel: 'Cancels the hrtimer and waits for a running callback to finish; returns whether it was active.',
  model: 'Blocks while the callback runs (from the callback itself: a deadlock); then disarms the timer.',
  run(x, [t]) {
    return cancelSync(x, t!, 'hrtimer_cancel');
  },
};

export const TIMERS: readonly Builtin[] = [
  SETUP,
  MOD,
  {
    ...MOD, name: 'add_timer', params: [timer], returns: 'void',
    kernel: 'Arms a timer that is not pending (timer->expires set beforehand).',
    model: 'As mod_timer.',
  },
  DEL_SYNC,
  DEL,
  alias([DEL_SYNC], 'timer_delete_sync', 'del_timer_sync', 'The newer name of del_timer_sync.'),
  alias([DEL_SYNC], 'timer_shutdown_sync', 'del_timer_sync', 'Deactivates the timer for good and waits for a running callback.'),
  alias([DEL], 'timer_delete', 'del_timer', 'The newer name of del_timer.'),
  PENDING,
  {
    name: 'hrtimer_setup', family: 'timers', params: [timer, { name: 'function', kind: 'fn' }, { name: 'clock_id', kind: 'int' }, { name: 'mode', kind: 'int' }], returns: 'void',
    kernel: 'Initialises an hrtimer with its callback, called in hardirq context with the hrtimer (container_of gives the object).',
    model: 'Writes the hrtimer: not pending, its callback set. The scenario gets a hardirq context per CPU to run the callback on.',
    run(x, [t, fn]) {
      initTimer(x, t!, fn!); // a function value (fnValue): fn index + 1, so 0 is none
      return 0;
    },
  },
  {
    name: 'hrtimer_init', family: 'timers', params: [timer, { name: 'clock_id', kind: 'int' }, { name: 'mode', kind: 'int' }], returns: 'void',
    kernel: 'Initialises an hrtimer; its callback is set afterwards (timer->function = fn).',
    model: 'Writes the hrtimer: not pending, no callback yet (`timer.function = fn;` sets it).',
    run(x, [t]) {
      initTimer(x, t!, 0);
      return 0;
    },
  },
  {
    name: 'hrtimer_start', family: 'timers', params: [timer, { name: 'tim', kind: 'int' }, { name: 'mode', kind: 'int' }], returns: 'void',
    kernel: 'Arms (or re-arms) the hrtimer.',
    model: 'One step. Checks the hrtimer is live memory (KASAN), marks it PENDING and makes its callback runnable in hardirq context on this CPU (any later step). Armed while its callback runs, it runs once more after.',
    run(x, [t]) {
      arm(x, t!, 'hrtimer');
      return 0;
    },
  },
  HR_CANCEL,
  {
    name: 'hrtimer_try_to_cancel', family: 'timers', params: [timer], returns: 'int',
    kernel: 'Cancels the hrtimer unless its callback is running: returns 1 if it was active, 0 if not, -1 if the callback runs.',
    model: 'One step: -1 while the callback runs; otherwise disarms it and returns whether it was pending.',
    run(x, [t]) {
      if (runningOn(x, t!) >= 0) return -1;
      x.checkAccess(t! + WORK_WORD.data, true, 'hrtimer_try_to_cancel');
      return cancelPending(x, t!) ? 1 : 0;
    },
  },
  {
    name: 'hrtimer_active', family: 'timers', params: [timer], returns: 'bool',
    kernel: 'Whether the hrtimer is armed or its callback is running.',
    model: 'Reads whether it is pending or its callback runs.',
    run(x, [t]) {
      x.checkAccess(t! + WORK_WORD.data, false, 'hrtimer_active');
      return (x.read(t! + WORK_WORD.data, true) & WORK_PENDING) !== 0 || runningOn(x, t!) >= 0 ? 1 : 0;
    },
  },
];

function initTimer(x: Exec, t: number, func: number): void {
  x.checkAccess(t + WORK_WORD.data, true, 'timer init');
  x.write(t + WORK_WORD.data, 0, true);
  x.write(t + WORK_WORD.func, func, true);
}

/** Arms a timer: PENDING, and its callback actor on this CPU (the one running it, or a new one). Returns whether it was pending. */
function arm(x: Exec, t: number, kind: 'timer' | 'hrtimer'): number {
  x.checkAccess(t + WORK_WORD.data, true, kind === 'timer' ? 'mod_timer' : 'hrtimer_start');
  const data = x.read(t + WORK_WORD.data, true);
  if (data & WORK_PENDING) return 1;
  const fn = x.read(t + WORK_WORD.func, true) - 1;
  if (fn < 0) {
    x.fail('null_deref', `${kind === 'timer' ? 'mod_timer' : 'hrtimer_start'} of ${x.describe(t)}, which has no callback: it would call NULL`,
      `BUG: kernel NULL pointer dereference, address: 0000000000000000\n  ${x.describe(t)} armed by ${x.actorSym.name} without a callback (timer_setup / hrtimer_setup missing)`);
  }
  x.write(t + WORK_WORD.data, data | WORK_PENDING, true);
  let k = runningOn(x, t);
  if (k >= 0) x.setActorWord(k, ACTOR_WORD.workPending, 1);
  else if (kworkerOf(x, t) < 0) k = x.spawn(kind, fn, t, x.actorSym.cpu);
  if (k < 0 && kworkerOf(x, t) < 0) {
    x.fail('assertion', `model limit: no free ${kind} context for ${x.scenario.fns[fn]?.name ?? '?'}`, `The model keeps one ${kind} context per CPU for each callback; arming ${x.describe(t)} found none free.`);
  }
  return 0;
}

/** The lockdep map a timer_list's callback holds while it runs (call_timer_fn). */
function timerClassOf(x: Exec, t: number): number | undefined {
  const fn = x.read(t + WORK_WORD.func, true) - 1;
  return x.scenario.actors.find((a) => a.callback?.kind === 'timer' && a.callback.fn === fn)?.workClass;
}

/**
 * del_timer_sync / hrtimer_cancel: waits for a running callback (from that callback itself, a
 * deadlock), then disarms the timer; returns whether it was pending. A timer_list's map is
 * taken for lockdep (an hrtimer has none).
 */
function cancelSync(x: Exec, t: number, fn: string): number {
  const running = runningOn(x, t);
  if (running === x.actor) selfWait(x, fn);
  if (running >= 0) x.block({ kind: 'work', work: running });
  x.checkAccess(t + WORK_WORD.data, true, fn);
  touchCallbackMap(x, timerClassOf(x, t), t);
  return cancelPending(x, t) ? 1 : 0;
}

function selfWait(x: Exec, fn: string): never {
  x.fail('deadlock', `${fn}() of the timer from its own callback`, `${fn}() called by ${x.actorSym.name}, the timer's running callback: it waits for itself.\n *** DEADLOCK ***`);
}

