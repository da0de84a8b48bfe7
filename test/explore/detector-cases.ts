// Minimal scenarios, one per violation class: a buggy version that must report the class
// and a fixed twin that must verify. Shared by the detector tests and the CLI tests.

import type { ViolationKind } from '../../core/model/types';

export interface DetectorCase {
  readonly kind: ViolationKind;
  readonly title: string;
  readonly buggy: string;
  readonly fixed: string;
}

export const DETECTOR_CASES: readonly DetectorCase[] = [
  {
    kind: 'deadlock',
    title: 'ABBA deadlock',
    buggy: `mutex a; mutex b;
thread t0 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
thread t1 { mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }`,
    fixed: `mutex a; mutex b;
thread t0 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
thread t1 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }`,
  },
  {
    kind: 'lock_order',
    title: 'A->B then B->A, never overlapping (no run deadlocks)',
    buggy: `mutex a; mutex b; bool done;
thread t0 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); done = true; }
thread t1 { await(done); mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }`,
    fixed: `mutex a; mutex b; bool done;
thread t0 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); done = true; }
thread t1 { await(done); mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }`,
  },
  {
    kind: 'irq_lock_inversion',
    title: 'spinlock taken in an irq handler and with interrupts on',
    buggy: `spinlock l; int x;
thread t on cpu0 { spin_lock(&l); x = 1; spin_unlock(&l); }
irq h on cpu1 { spin_lock(&l); x = 2; spin_unlock(&l); }`,
    fixed: `spinlock l; int x;
thread t on cpu0 { int flags; spin_lock_irqsave(&l, flags); x = 1; spin_unlock_irqrestore(&l, flags); }
irq h on cpu1 { spin_lock(&l); x = 2; spin_unlock(&l); }`,
  },
  {
    kind: 'use_after_free',
    title: 'object freed while another thread still uses it',
    buggy: `struct obj { int v; }
struct obj *gp; bool ready; bool used;
thread owner { struct obj *o = kzalloc(struct obj); gp = o; ready = true; kfree(o); }
thread user { await(ready); struct obj *o = gp; int v = o->v; used = true; }`,
    fixed: `struct obj { int v; }
struct obj *gp; bool ready; bool used;
thread owner { struct obj *o = kzalloc(struct obj); gp = o; ready = true; await(used); kfree(o); }
thread user { await(ready); struct obj *o = gp; int v = o->v; used = true; }`,
  },
  {
    kind: 'double_free',
    title: 'two threads both take the pointer and free it',
    buggy: `struct obj { int v; }
struct obj *gp; bool ready;
thread setup { gp = kzalloc(struct obj); ready = true; }
thread a { await(ready); struct obj *o = gp; if (o != NULL) { gp = NULL; kfree(o); } }
thread b { await(ready); struct obj *o = gp; if (o != NULL) { gp = NULL; kfree(o); } }`,
    fixed: `struct obj { int v; }
struct obj *gp; bool ready; mutex m;
thread setup { gp = kzalloc(struct obj); ready = true; }
thread a { await(ready); mutex_lock(&m); struct obj *o = gp; if (o != NULL) { gp = NULL; kfree(o); } mutex_unlock(&m); }
thread b { await(ready); mutex_lock(&m); struct obj *o = gp; if (o != NULL) { gp = NULL; kfree(o); } mutex_unlock(&m); }`,
  },
  {
    kind: 'list_corruption',
    title: 'an entry deleted from its list twice',
    buggy: `struct e { list_head node; }
list_head head; struct e *gp; bool ready;
thread setup { struct e *x = kzalloc(struct e); list_add(&x->node, &head); gp = x; ready = true; }
thread a { await(ready); list_del(&gp->node); }
thread b { await(ready); list_del(&gp->node); }`,
    fixed: `struct e { list_head node; }
list_head head; struct e *gp; bool ready;
thread setup { struct e *x = kzalloc(struct e); list_add(&x->node, &head); gp = x; ready = true; }
thread a { await(ready); list_del_init(&gp->node); }
thread b { await(ready); list_del_init(&gp->node); }`,
  },
  {
    kind: 'sleep_in_atomic',
    title: 'mutex_lock under a spinlock',
    buggy: `spinlock l; mutex m;
thread t { spin_lock(&l); mutex_lock(&m); mutex_unlock(&m); spin_unlock(&l); }`,
    fixed: `spinlock l; mutex m;
thread t { mutex_lock(&m); spin_lock(&l); spin_unlock(&l); mutex_unlock(&m); }`,
  },
  {
    kind: 'unlock_not_held',
    title: 'unlock of a mutex another thread holds',
    buggy: `mutex m; bool locked;
thread a { mutex_lock(&m); locked = true; await(!locked); mutex_unlock(&m); }
thread b { await(locked); mutex_unlock(&m); locked = false; }`,
    fixed: `mutex m; bool locked;
thread a { mutex_lock(&m); locked = true; await(!locked); mutex_unlock(&m); }
thread b { await(locked); locked = false; }`,
  },
  {
    kind: 'data_race',
    title: 'plain write and plain read with nothing ordering them',
    buggy: `config KCSAN;
int x;
thread a { x = 1; }
thread b { int v = x; }`,
    fixed: `config KCSAN;
int x;
thread a { WRITE_ONCE(x, 1); }
thread b { int v = READ_ONCE(x); }`,
  },
  {
    kind: 'assertion',
    title: 'an assertion that holds only in one order',
    buggy: `int x;
thread a { x = 1; }
thread b { assert(x == 0); }`,
    fixed: `int x;
thread a { x = 1; }
thread b { assert(x == 0 || x == 1); }`,
  },
  {
    kind: 'leak',
    title: 'an object nobody can reach when every thread is done',
    buggy: `struct obj { int v; }
thread a { struct obj *o = kzalloc(struct obj); o->v = 1; }`,
    fixed: `struct obj { int v; }
thread a { struct obj *o = kzalloc(struct obj); o->v = 1; kfree(o); }`,
  },
  {
    kind: 'livelock',
    title: 'a busy-wait on a flag nobody will set',
    buggy: `bool flag; bool other;
thread spinner { while (!READ_ONCE(flag)) { cpu_relax(); } }
thread setter { if (READ_ONCE(other)) { WRITE_ONCE(flag, true); } }`,
    fixed: `bool flag; bool other;
thread spinner { while (!READ_ONCE(flag)) { cpu_relax(); } }
thread setter { WRITE_ONCE(flag, true); }`,
  },
  {
    kind: 'null_deref',
    title: 'dereference of a pointer that may not be set yet',
    buggy: `struct obj { int v; }
struct obj *gp;
thread a { gp = kzalloc(struct obj); }
thread b { struct obj *o = gp; int v = o->v; }`,
    fixed: `struct obj { int v; }
struct obj *gp;
thread a { gp = kzalloc(struct obj); }
thread b { struct obj *o = gp; if (o != NULL) { int v = o->v; } }`,
  },
];

/** The scenario text with its title and expect clause. */
export function scenarioText(c: DetectorCase, which: 'buggy' | 'fixed'): string {
  const kinds = c.kind === 'deadlock' ? 'deadlock, lock_order' : c.kind;
  return `scenario "${c.title} (${which})"\n${which === 'buggy' ? c.buggy : c.fixed}\n${which === 'buggy' ? `expect ${kinds};` : 'expect no violation;'}\n`;
}
