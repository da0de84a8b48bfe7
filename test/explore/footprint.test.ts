// The static footprints the reduction relies on: every primitive is classified on purpose
// (a new one falls back to "touches anything", and this test asks for a decision), lock
// analysis sees which locks an actor certainly holds, and futures cover what follows.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTINS } from '../../core/model/builtins';
import { conflicts, Footprints, footprintClass } from '../../core/explore/footprint';
import { compileText } from './helpers';

describe('footprints', () => {
  test('every primitive has a deliberate footprint class', () => {
    const top = BUILTINS.filter((b) => footprintClass(b.name) === 'top').map((b) => b.name).sort();
    assert.deepEqual(top, [
      'add_timer', 'call_rcu', 'cancel_delayed_work', 'cancel_delayed_work_sync', 'cancel_work', 'cancel_work_sync', 'close',
      'del_timer', 'del_timer_sync', 'destroy_workqueue', 'disable_irq', 'disable_irq_nosync', 'enable_irq',
      'flush_delayed_work', 'flush_work', 'flush_workqueue', 'free_irq', 'hrtimer_active', 'hrtimer_cancel', 'hrtimer_start',
      'hrtimer_try_to_cancel', 'irqd_irq_disabled',
      'kick_all_cpus_sync', 'kref_put', 'kref_put_lock', 'kref_put_mutex', 'lockdep_set_class',
      'mod_delayed_work', 'mod_timer', 'queue_delayed_work', 'queue_work', 'refcount_dec_and_lock', 'refcount_dec_and_mutex_lock',
      'request_irq', 'schedule_delayed_work', 'schedule_work', 'synchronize_irq', 'task_work_run', 'timer_delete', 'timer_delete_sync', 'timer_shutdown_sync',
    ]);
    for (const b of BUILTINS) if (b.acquires) assert.equal(footprintClass(b.name), 'place', b.name);
  });

  test('a lock taken and not yet released is certainly held; conflicts follow the words', () => {
    const s = compileText(`scenario "f"
mutex m; int x; int y;
thread t { mutex_lock(&m); x = 1; mutex_unlock(&m); y = 2; }
`);
    const fp = new Footprints(s);
    const code = s.codes[s.fns.length]!;
    const [lock, setX, unlock, setY] = code.instrs.filter((i) => i.visible).map((i) => i.id);
    const bit = 1 << fp.lockIds.get(s.globals.find((g) => g.name === 'm')!.address)!;
    assert.equal(fp.needs(lock!), bit, 'taking m needs it free');
    assert.equal(fp.needs(setX!), bit, 'x = 1 runs with m held');
    assert.equal(fp.needs(unlock!), bit);
    assert.equal(fp.needs(setY!), 0, 'after the unlock nothing is held');
    assert.ok(!conflicts(fp.access(setX!), fp.access(setY!)));
    assert.ok(conflicts(fp.access(lock!), fp.access(unlock!)));
    const future = fp.future(code.index + s.fns.length, 0).length;
    assert.ok(future >= 2, 'the future groups accesses by the locks they need');
  });
});
