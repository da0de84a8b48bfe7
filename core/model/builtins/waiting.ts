// Builtins: Waiting: wait queues, wait_event, completions.

import type { Builtin } from './types';

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
];
