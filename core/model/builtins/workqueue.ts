// Builtins: Workqueues: queuing, flushing and cancelling work items.

import { ACTOR_WORD } from '../../semantics/symbols';
import type { Exec } from '../exec';
import type { Builtin } from './types';

export const WORKQUEUE: readonly Builtin[] = [
  {
    name: 'queue_work', family: 'workqueue', params: [{ name: 'work', kind: 'work' }], returns: 'bool',
    kernel: 'Queues a work item; returns false if it was already pending.',
    model: 'One step. Marks the work item pending (its actor becomes runnable) and returns true, or false if it was pending already.',
    run(x, [w]) {
      if (x.actorWord(w!, ACTOR_WORD.workPending) !== 0) return 0;
      x.setActorWord(w!, ACTOR_WORD.workPending, 1);
      return 1;
    },
  },
  {
    name: 'schedule_work', family: 'workqueue', params: [{ name: 'work', kind: 'work' }], returns: 'bool',
    kernel: 'queue_work on the system workqueue.',
    model: 'As queue_work.',
    run(x, [w]) {
      if (x.actorWord(w!, ACTOR_WORD.workPending) !== 0) return 0;
      x.setActorWord(w!, ACTOR_WORD.workPending, 1);
      return 1;
    },
  },
  {
    name: 'flush_work', family: 'workqueue', params: [{ name: 'work', kind: 'work' }], returns: 'bool', sleeps: true,
    kernel: 'Waits until the work item has finished its last queued run.',
    model: 'Blocks while the work item is pending or running; flushing it from itself is a deadlock.',
    run(x, [w]) {
      x.mightSleep('flush_work');
      if (w === x.actor) recursiveWork(x, 'flush_work');
      const busy = x.actorWord(w!, ACTOR_WORD.workPending) !== 0 || x.actorStatus(w!) === 1;
      if (busy) x.block({ kind: 'work', work: w! });
      touchWorkMap(x, w!);
      return 0;
    },
  },
  {
    name: 'cancel_work_sync', family: 'workqueue', params: [{ name: 'work', kind: 'work' }], returns: 'bool', sleeps: true,
    kernel: 'Cancels a pending run of the work item and waits for a running one to finish. Returns true if it was pending.',
    model: 'Blocks while the work item runs; then clears its pending run and returns whether there was one.',
    run(x, [w]) {
      x.mightSleep('cancel_work_sync');
      if (w === x.actor) recursiveWork(x, 'cancel_work_sync');
      if (x.actorStatus(w!) === 1) x.block({ kind: 'work', work: w! });
      touchWorkMap(x, w!);
      const pending = x.actorWord(w!, ACTOR_WORD.workPending);
      x.setActorWord(w!, ACTOR_WORD.workPending, 0);
      return pending !== 0 ? 1 : 0;
    },
  },
];

/** lock_map_acquire + lock_map_release of the work's lockdep map, as flush_work does. */
function touchWorkMap(x: Exec, w: number): void {
  const a = x.scenario.actors[w];
  if (a?.workClass === undefined) return;
  x.emit({
    kind: 'acquire', actor: x.actor, lock: a.words, cls: a.workClass, lockKind: 'mutex', mode: 'write', trylock: false,
    site: x.site, held: x.held(), irqsEnabled: !x.irqsOff(), inIrq: x.inIrq(),
  });
}

function recursiveWork(x: Exec, fn: string): never {
  x.fail('deadlock', `${fn}() of the work item from inside itself`, `${fn}(${x.actorSym.name}) called by ${x.actorSym.name} itself: it waits for its own completion.\n *** DEADLOCK ***`);
}
