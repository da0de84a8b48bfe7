// Builtins: Waiting: wait queues, wait_event, completions.

import type { Exec } from '../exec';
import type { Builtin } from './types';

const completion = { name: 'x', kind: 'completion' } as const;
/** complete_all's count: every later wait returns at once (the kernel's UINT_MAX). */
const COMPLETE_ALL = 0x7fffffff;

const WAIT_FOR_COMPLETION: Builtin = {
  name: 'wait_for_completion', family: 'waiting', params: [completion], returns: 'void', sleeps: true,
  kernel: 'Sleeps until the completion is done (complete / complete_all), then consumes one complete().',
  model: 'Blocks while the completion\'s count is 0; then takes one from it (none after complete_all). A freed completion is a use-after-free.',
  run(x, [c]) {
    x.mightSleep('wait_for_completion');
    if (!completionReady(x, c!)) x.block({ kind: 'condition', text: `${x.describe(c!)} is completed` });
    consumeCompletion(x, c!);
    return 0;
  },
};

export const WAITING: readonly Builtin[] = [
  {
    name: 'wait_event', family: 'waiting', params: [{ name: 'wq', kind: 'waitq' }, { name: 'condition', kind: 'cond' }], returns: 'void', sleeps: true, special: 'await',
    kernel: 'Sleeps until the condition is true, rechecking it after every wake_up on the queue.',
    model: 'The actor is not runnable until the condition holds; the step that passes it reads the condition atomically. Wake-ups are not needed: the condition is rechecked whenever the actor is scheduled (lost wake-ups are not modelled).',
    run() {
      return 0;
    },
  },
  {
    name: 'await', family: 'waiting', params: [{ name: 'condition', kind: 'cond' }], returns: 'void', special: 'await',
    kernel: 'Not a kernel function: the model\'s bare "wait until" (a spin or a sleep, as the scenario means it).',
    model: 'The actor is not runnable until the condition holds.',
    run() {
      return 0;
    },
  },
  {
    name: 'wake_up', family: 'waiting', params: [{ name: 'wq', kind: 'waitq' }], returns: 'void', pure: true,
    kernel: 'Wakes the tasks sleeping on the wait queue so they recheck their condition.',
    model: 'Nothing: waiters recheck their condition whenever they are scheduled. Kept so scenarios read like the code.',
    run() {
      return 0;
    },
  },
  {
    name: 'wake_up_all', family: 'waiting', params: [{ name: 'wq', kind: 'waitq' }], returns: 'void', pure: true,
    kernel: 'Wakes every task on the wait queue.',
    model: 'Nothing, as wake_up.',
    run() {
      return 0;
    },
  },
  {
    name: 'msleep', family: 'waiting', params: [{ name: 'ms', kind: 'int' }], returns: 'void', sleeps: true,
    kernel: 'Sleeps for at least ms milliseconds.',
    model: 'One step that may sleep (a scheduling point; time is not modelled).',
    run(x) {
      x.mightSleep('msleep');
      return 0;
    },
  },
  {
    name: 'might_sleep', family: 'checks', params: [], returns: 'void', sleeps: true,
    kernel: 'Annotation: the caller may sleep here; warns in atomic context.',
    model: 'sleep_in_atomic if called with a spinlock held, interrupts off, in an irq handler or under rcu_read_lock.',
    run(x) {
      x.mightSleep('might_sleep');
      return 0;
    },
  },
  {
    name: 'cond_resched', family: 'waiting', params: [], returns: 'void', sleeps: true,
    kernel: 'Yields the CPU if a reschedule is due.',
    model: 'A scheduling point that may sleep.',
    run(x) {
      x.mightSleep('cond_resched');
      return 0;
    },
  },
  {
    name: 'init_completion', family: 'waiting', params: [completion], returns: 'void',
    kernel: 'Initialises a completion: not done.',
    model: 'Sets its count to 0.',
    run(x, [c]) {
      x.checkAccess(c!, true, 'init_completion');
      x.write(c!, 0, true);
      return 0;
    },
  },
  {
    name: 'reinit_completion', family: 'waiting', params: [completion], returns: 'void',
    kernel: 'Makes a completion not done again, for reuse.',
    model: 'Sets its count to 0 (a complete() not yet waited for is lost).',
    run(x, [c]) {
      x.checkAccess(c!, true, 'reinit_completion');
      x.write(c!, 0, true);
      return 0;
    },
  },
  {
    name: 'complete', family: 'waiting', params: [completion], returns: 'void',
    kernel: 'Signals a completion: one waiter (or the next wait) proceeds.',
    model: 'One step: adds one to its count (a freed completion is a use-after-free).',
    run(x, [c]) {
      x.checkAccess(c!, true, 'complete');
      const done = x.read(c!, true);
      if (done !== COMPLETE_ALL) x.write(c!, done + 1, true);
      return 0;
    },
  },
  {
    name: 'complete_all', family: 'waiting', params: [completion], returns: 'void',
    kernel: 'Signals a completion for good: every waiter, and every later wait, proceeds (until reinit_completion).',
    model: 'One step: the count becomes "all".',
    run(x, [c]) {
      x.checkAccess(c!, true, 'complete_all');
      x.write(c!, COMPLETE_ALL, true);
      return 0;
    },
  },
  WAIT_FOR_COMPLETION,
  {
    ...WAIT_FOR_COMPLETION, name: 'wait_for_completion_interruptible', returns: 'int',
    kernel: 'wait_for_completion that a signal may interrupt (-ERESTARTSYS).',
    model: 'As wait_for_completion; returns 0: the model delivers no signals.',
  },
  {
    ...WAIT_FOR_COMPLETION, name: 'wait_for_completion_killable', returns: 'int',
    kernel: 'wait_for_completion that a fatal signal may interrupt.',
    model: 'As wait_for_completion; returns 0: the model delivers no signals.',
  },
  {
    name: 'wait_for_completion_timeout', family: 'waiting', params: [completion, { name: 'timeout', kind: 'int' }], returns: 'int', sleeps: true,
    kernel: 'wait_for_completion for at most timeout jiffies: returns 0 on timeout, else the jiffies left (at least 1).',
    model: 'If the completion is done: consumes it and returns 1. Otherwise two outcomes: it waits (blocks until done), or it times out and returns 0.',
    choices(x, [c]) {
      return completionReady(x, c!) ? 1 : 2;
    },
    run(x, [c]) {
      x.mightSleep('wait_for_completion_timeout');
      if (!completionReady(x, c!)) {
        if (x.choice === 1) return 0;
        x.block({ kind: 'condition', text: `${x.describe(c!)} is completed` });
      }
      consumeCompletion(x, c!);
      return 1;
    },
  },
  {
    name: 'try_wait_for_completion', family: 'waiting', params: [completion], returns: 'bool',
    kernel: 'Consumes a done completion without sleeping; false if it is not done.',
    model: 'One step: as wait_for_completion when done, false otherwise.',
    run(x, [c]) {
      if (!completionReady(x, c!)) return 0;
      consumeCompletion(x, c!);
      return 1;
    },
  },
  {
    name: 'completion_done', family: 'waiting', params: [completion], returns: 'bool',
    kernel: 'Whether the completion has a complete() no one waited for.',
    model: 'Reads whether its count is above 0.',
    run(x, [c]) {
      return completionReady(x, c!) ? 1 : 0;
    },
  },
];

function completionReady(x: Exec, c: number): boolean {
  x.checkAccess(c, false, 'completion');
  return x.read(c, true) > 0;
}

function consumeCompletion(x: Exec, c: number): void {
  const done = x.read(c, true);
  if (done !== COMPLETE_ALL) x.write(c, done - 1, true);
}
