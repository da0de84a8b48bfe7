// Deferred work as data: work_structs in heap objects run by kworkers the machine starts when
// they are queued (Exec.spawn). Each case fires on a minimal scenario and is silent on its
// fixed twin, with and without partial-order reduction; misuse is a file:line:col error.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadScenario } from '../../core';
import { check } from '../../core/explore';
import { initialState, schedulable, step } from '../../core/model/machine';
import { compileText, kindsOf } from '../explore/helpers';

interface Case {
  readonly title: string;
  readonly kinds: readonly string[];
  readonly buggy: string;
  readonly fixed: string;
}

const IRQFD = `
struct irqfd {
    mutex lock;
    bool dead;
    int active;
    struct work_struct shutdown;
};
struct irqfd *gfd;
fn irqfd_shutdown(struct work_struct *work) {
    struct irqfd *irqfd = container_of(work, struct irqfd, shutdown);
    irqfd->active = 0;
}
init {
    gfd = kzalloc(struct irqfd);
    INIT_WORK(&gfd->shutdown, irqfd_shutdown);
}
`;

export const WORK_CASES: readonly Case[] = [
  {
    title: 'queue_work on an object freed meanwhile (KASAN in queue_work and in the kworker)',
    kinds: ['use_after_free'],
    buggy: `${IRQFD}
thread deassign { struct irqfd *p = gfd; queue_work(system_wq, &p->shutdown); }
thread release { struct irqfd *p = gfd; kfree(p); }`,
    fixed: `mutex irqfds_lock;${IRQFD}
thread deassign {
    mutex_lock(&irqfds_lock);
    struct irqfd *p = gfd;
    if (p) queue_work(system_wq, &p->shutdown);
    mutex_unlock(&irqfds_lock);
}
thread release {
    mutex_lock(&irqfds_lock);
    struct irqfd *p = gfd;
    gfd = NULL;
    mutex_unlock(&irqfds_lock);
    cancel_work_sync(&p->shutdown);
    kfree(p);
}`,
  },
  {
    title: 'flush_work under a mutex the work item takes',
    kinds: ['deadlock', 'lock_order'],
    buggy: `
mutex resampler_lock;
struct irqfd { struct work_struct shutdown; };
struct irqfd fd;
fn irqfd_shutdown(struct work_struct *work) { mutex_lock(&resampler_lock); mutex_unlock(&resampler_lock); }
init { INIT_WORK(&fd.shutdown, irqfd_shutdown); }
thread deassign {
    schedule_work(&fd.shutdown);
    mutex_lock(&resampler_lock);
    flush_work(&fd.shutdown);
    mutex_unlock(&resampler_lock);
}`,
    fixed: `
mutex resampler_lock;
struct irqfd { struct work_struct shutdown; };
struct irqfd fd;
fn irqfd_shutdown(struct work_struct *work) { mutex_lock(&resampler_lock); mutex_unlock(&resampler_lock); }
init { INIT_WORK(&fd.shutdown, irqfd_shutdown); }
thread deassign {
    schedule_work(&fd.shutdown);
    flush_work(&fd.shutdown);
    mutex_lock(&resampler_lock);
    mutex_unlock(&resampler_lock);
}`,
  },
  {
    title: 'flush_workqueue under a mutex a work item on that workqueue takes ((wq_completion))',
    kinds: ['deadlock', 'lock_order'],
    buggy: `
mutex lock;
struct workqueue_struct *cleanup_wq;
struct irqfd { struct work_struct shutdown; };
struct irqfd fd;
fn irqfd_shutdown(struct work_struct *work) { mutex_lock(&lock); mutex_unlock(&lock); }
init { cleanup_wq = alloc_workqueue("kvm-irqfd-cleanup", 0, 1); INIT_WORK(&fd.shutdown, irqfd_shutdown); }
thread deassign {
    queue_work(cleanup_wq, &fd.shutdown);
    mutex_lock(&lock);
    flush_workqueue(cleanup_wq);
    mutex_unlock(&lock);
}`,
    fixed: `
mutex lock;
struct workqueue_struct *cleanup_wq;
struct irqfd { struct work_struct shutdown; };
struct irqfd fd;
fn irqfd_shutdown(struct work_struct *work) { mutex_lock(&lock); mutex_unlock(&lock); }
init { cleanup_wq = alloc_workqueue("kvm-irqfd-cleanup", 0, 1); INIT_WORK(&fd.shutdown, irqfd_shutdown); }
thread deassign {
    queue_work(cleanup_wq, &fd.shutdown);
    flush_workqueue(cleanup_wq);
    mutex_lock(&lock);
    mutex_unlock(&lock);
}`,
  },
  {
    title: 'a delayed work item freed by its own function, cancelled too late by the release path',
    kinds: ['double_free', 'use_after_free'],
    buggy: `
struct dev { int x; struct delayed_work dwork; };
struct dev *gdev;
fn dev_work(struct work_struct *work) {
    struct dev *d = container_of(work, struct dev, dwork.work);
    kfree(d);
}
init { gdev = kzalloc(struct dev); INIT_DELAYED_WORK(&gdev->dwork, dev_work); schedule_delayed_work(&gdev->dwork, 10); }
thread release { struct dev *d = gdev; kfree(d); cancel_delayed_work_sync(&d->dwork); }`,
    fixed: `
struct dev { int x; struct delayed_work dwork; };
struct dev *gdev;
fn dev_work(struct work_struct *work) {
    struct dev *d = container_of(work, struct dev, dwork.work);
    d->x = 1;
}
init { gdev = kzalloc(struct dev); INIT_DELAYED_WORK(&gdev->dwork, dev_work); schedule_delayed_work(&gdev->dwork, 10); }
thread release { struct dev *d = gdev; cancel_delayed_work_sync(&d->dwork); kfree(d); }`,
  },
];

const TIMER_DEV = `
struct dev { int hits; struct timer_list timer; };
struct dev *gdev;
fn dev_timer_fn(struct timer_list *t) { struct dev *d = container_of(t, struct dev, timer); d->hits++; }
init { gdev = kzalloc(struct dev); timer_setup(&gdev->timer, dev_timer_fn, 0); mod_timer(&gdev->timer, jiffies + HZ); }
`;

const SOFTIRQ_LOCK = `
spinlock lock;
int n;
struct dev { struct timer_list timer; };
struct dev d;
fn dev_timer_fn(struct timer_list *t) { spin_lock(&lock); n++; spin_unlock(&lock); }
init { timer_setup(&d.timer, dev_timer_fn, 0); }
`;

export const TIMER_CASES: readonly Case[] = [
  {
    title: 'del_timer does not wait for a callback running on another CPU before kfree',
    kinds: ['use_after_free'],
    buggy: `${TIMER_DEV}
thread release on cpu1 { struct dev *d = gdev; del_timer(&d->timer); kfree(d); }
thread other on cpu0 { }`,
    fixed: `${TIMER_DEV}
thread release on cpu1 { struct dev *d = gdev; del_timer_sync(&d->timer); kfree(d); }
thread other on cpu0 { }`,
  },
  {
    title: 'a lock taken by a timer callback and with spin_lock on its CPU (softirq inversion)',
    kinds: ['deadlock', 'irq_lock_inversion'],
    buggy: `${SOFTIRQ_LOCK}
thread t on cpu0 { mod_timer(&d.timer, jiffies + 1); spin_lock(&lock); n++; spin_unlock(&lock); }`,
    fixed: `${SOFTIRQ_LOCK}
thread t on cpu0 { mod_timer(&d.timer, jiffies + 1); spin_lock_bh(&lock); n++; spin_unlock_bh(&lock); }`,
  },
  {
    title: 'del_timer_sync under a lock the callback takes',
    kinds: ['deadlock', 'lock_order'],
    buggy: `${SOFTIRQ_LOCK}
thread arm on cpu1 { mod_timer(&d.timer, jiffies + 1); }
thread t on cpu0 { spin_lock_bh(&lock); del_timer_sync(&d.timer); spin_unlock_bh(&lock); }`,
    fixed: `${SOFTIRQ_LOCK}
thread arm on cpu1 { mod_timer(&d.timer, jiffies + 1); }
thread t on cpu0 { del_timer_sync(&d.timer); spin_lock_bh(&lock); spin_unlock_bh(&lock); }`,
  },
  {
    title: 'an hrtimer freed with its object without hrtimer_cancel',
    kinds: ['use_after_free'],
    buggy: `
struct vmx { bool expired; struct hrtimer preemption_timer; };
struct vmx *gvmx;
fn timer_fn(struct hrtimer *t) { struct vmx *v = container_of(t, struct vmx, preemption_timer); v->expired = true; return HRTIMER_NORESTART; }
init { gvmx = kzalloc(struct vmx); hrtimer_setup(&gvmx->preemption_timer, timer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL); }
thread vcpu on cpu0 { struct vmx *v = gvmx; hrtimer_start(&v->preemption_timer, 10, HRTIMER_MODE_REL); kfree(v); }`,
    fixed: `
struct vmx { bool expired; struct hrtimer preemption_timer; };
struct vmx *gvmx;
fn timer_fn(struct hrtimer *t) { struct vmx *v = container_of(t, struct vmx, preemption_timer); v->expired = true; return HRTIMER_NORESTART; }
init { gvmx = kzalloc(struct vmx); hrtimer_setup(&gvmx->preemption_timer, timer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL); }
thread vcpu on cpu0 { struct vmx *v = gvmx; hrtimer_start(&v->preemption_timer, 10, HRTIMER_MODE_REL); hrtimer_cancel(&v->preemption_timer); kfree(v); }`,
  },
];

export const IRQ_LINE_CASES: readonly Case[] = [
  {
    title: 'disable_irq_nosync does not wait for a running handler before the teardown frees its data',
    kinds: ['use_after_free'],
    buggy: `
struct ctx { int count; };
struct dev { struct ctx *ctx; };
struct dev d;
init { d.ctx = kzalloc(struct ctx); }
irq dev_intr on cpu1 line 11 "device interrupt" { struct ctx *c = d.ctx; if (c) c->count++; }
thread teardown on cpu0 { disable_irq_nosync(11); struct ctx *c = d.ctx; d.ctx = NULL; kfree(c); }`,
    fixed: `
struct ctx { int count; };
struct dev { struct ctx *ctx; };
struct dev d;
init { d.ctx = kzalloc(struct ctx); }
irq dev_intr on cpu1 line 11 "device interrupt" { struct ctx *c = d.ctx; if (c) c->count++; }
thread teardown on cpu0 { disable_irq(11); struct ctx *c = d.ctx; d.ctx = NULL; kfree(c); }`,
  },
  {
    title: 'an unbalanced enable_irq',
    kinds: ['assertion'],
    buggy: `
irq dev_intr on cpu1 line 11 { }
thread t on cpu0 { enable_irq(11); }`,
    fixed: `
irq dev_intr on cpu1 line 11 { }
thread t on cpu0 { disable_irq(11); enable_irq(11); }`,
  },
  {
    title: 'a handler whose line stays disabled never fires and is no deadlock',
    kinds: ['data_race'],
    buggy: `
config KCSAN;
int x;
irq dev_intr on cpu1 line 11 { x = 1; }
thread t on cpu0 { x = 2; }`,
    fixed: `
config KCSAN;
int x;
init { disable_irq(11); }
irq dev_intr on cpu1 line 11 { x = 1; }
thread t on cpu0 { x = 2; }`,
  },
  {
    title: 'KCSAN: a task and an interrupt handler on the same CPU',
    kinds: ['data_race'],
    buggy: `
config KCSAN;
struct dev { int count; };
struct dev d;
irq dev_intr on cpu0 line 11 { d.count++; }
thread t on cpu0 { d.count++; }`,
    fixed: `
config KCSAN;
struct dev { int count; };
struct dev d;
irq dev_intr on cpu0 line 11 { d.count++; }
thread t on cpu0 { local_irq_disable(); d.count++; local_irq_enable(); }`,
  },
];

export const COMPLETION_CASES: readonly Case[] = [
  {
    title: 'complete() before the last access of the object the waiter frees',
    kinds: ['use_after_free'],
    buggy: `
struct req { int status; struct completion done; struct work_struct work; };
struct req *greq;
fn req_work(struct work_struct *work) { struct req *r = container_of(work, struct req, work); complete(&r->done); r->status = 1; }
init { greq = kzalloc(struct req); init_completion(&greq->done); INIT_WORK(&greq->work, req_work); }
thread submit { struct req *r = greq; schedule_work(&r->work); wait_for_completion(&r->done); kfree(r); }`,
    fixed: `
struct req { int status; struct completion done; struct work_struct work; };
struct req *greq;
fn req_work(struct work_struct *work) { struct req *r = container_of(work, struct req, work); r->status = 1; complete(&r->done); }
init { greq = kzalloc(struct req); init_completion(&greq->done); INIT_WORK(&greq->work, req_work); }
thread submit { struct req *r = greq; schedule_work(&r->work); wait_for_completion(&r->done); kfree(r); }`,
  },
  {
    title: 'a completion nobody completes (reinit_completion after complete)',
    kinds: ['deadlock'],
    buggy: `
struct completion done;
thread a { complete(&done); }
thread b { reinit_completion(&done); wait_for_completion(&done); }`,
    fixed: `
struct completion done;
thread a { complete_all(&done); }
thread b { wait_for_completion(&done); wait_for_completion(&done); }`,
  },
];

describe('deferred work as data', () => {
  for (const c of [...WORK_CASES, ...TIMER_CASES, ...IRQ_LINE_CASES, ...COMPLETION_CASES]) {
    for (const reduction of [true, false]) {
      const mode = reduction ? 'reduced' : 'every interleaving';
      test(`${c.title}: fires (${mode})`, () => {
        const r = check(compileText(c.buggy), { reduction });
        assert.deepEqual(kindsOf(r), [...c.kinds].sort(), r.violations.map((v) => v.message).join('\n'));
      });
      test(`${c.title}: the fixed twin verifies (${mode})`, () => {
        const r = check(compileText(c.fixed), { reduction });
        assert.equal(r.verdict, 'verified', r.violations.map((v) => v.message).join('\n'));
      });
    }
  }

  test('a queued work runs as a kworker named after its fn, started when queued', () => {
    const s = compileText(WORK_CASES[0]!.buggy);
    const kworkers = s.actors.filter((a) => a.callback?.kind === 'work');
    assert.deepEqual(kworkers.map((a) => a.name), ['irqfd_shutdown', 'irqfd_shutdown#2']);
    const r = check(s);
    const uaf = r.violations.find((v) => v.violation.report.includes('process_one_work'));
    assert.ok(uaf, 'the kworker meets the freed work_struct in process_one_work');
    assert.ok(uaf.trace.some((st) => st.actorName === 'irqfd_shutdown'), 'the kworker is in the trace');
  });

  test('a pending work item is not queued again: one kworker per work_struct', () => {
    const text = `
struct obj { int n; struct work_struct w; };
struct obj o;
fn work_fn(struct work_struct *work) { struct obj *p = container_of(work, struct obj, w); p->n++; }
init { INIT_WORK(&o.w, work_fn); }
thread a { queue_work(system_wq, &o.w); queue_work(system_wq, &o.w); queue_work(system_wq, &o.w); }
thread b { queue_work(system_wq, &o.w); queue_work(system_wq, &o.w); }
`;
    const s = compileText(text);
    // Thread a queues three times before any kworker runs: one kworker has it pending.
    let state = initialState(s);
    const a = s.actors.findIndex((x) => x.name === 'a');
    for (let i = 0; i < 3; i++) {
      const r = step(s, state, { actor: a, choice: 0 });
      assert.equal(r.status, 'ok');
      if (r.status === 'ok') state = r.state;
    }
    const runnable = s.actors.filter((x, i) => x.callback && schedulable(s, state, i));
    assert.deepEqual(runnable.map((x) => x.name), ['work_fn']);
    // Every interleaving: never more kworkers than the model keeps (no model-limit report).
    const r = check(s);
    assert.equal(r.verdict, 'verified', r.violations.map((v) => v.message).join('\n'));
  });

  test('the one-argument queue_work on a work actor still works, with its lockdep annotation', () => {
    const r = check(compileText(`
mutex m;
work w { mutex_lock(&m); mutex_unlock(&m); }
thread t { queue_work(w); mutex_lock(&m); flush_work(w); mutex_unlock(&m); }
`));
    assert.deepEqual(kindsOf(r), ['deadlock', 'lock_order']);
    assert.ok(r.violations.some((v) => v.violation.report.includes('(work_completion)(w)')));
  });

  test('flushing a work item from itself is a deadlock', () => {
    const r = check(compileText(`
struct obj { struct work_struct w; };
struct obj o;
fn work_fn(struct work_struct *work) { flush_work(work); }
init { INIT_WORK(&o.w, work_fn); }
thread t { schedule_work(&o.w); }
`));
    assert.deepEqual(kindsOf(r), ['deadlock']);
  });
});

describe('completions', () => {
  test('wait_for_completion_timeout either waits or times out', () => {
    const r = check(compileText(`
struct completion done;
int timeouts;
thread a { complete(&done); }
thread b { int left = wait_for_completion_timeout(&done, HZ); if (left == 0) timeouts++; }
`));
    assert.equal(r.verdict, 'verified', r.violations.map((v) => v.message).join('\n'));
    const s = compileText(`struct completion done;\nthread b { int left = wait_for_completion_timeout(&done, HZ); assert(left != 0); }`);
    assert.deepEqual(kindsOf(check(s)), ['assertion'], 'the timeout is one outcome');
  });
});

describe('request_irq', () => {
  test('a line whose handler request_irq installs stays quiet until then; IRQF_NO_AUTOEN leaves it disabled', () => {
    const r = check(compileText(`
config KCSAN;
int x;
irq dev_intr on cpu1 line 11 { x = 1; }
thread t on cpu0 { x = 2; request_irq(11, dev_intr, IRQF_NO_AUTOEN, "vfio-intx", 0); x = 3; free_irq(11, 0); }
`));
    assert.equal(r.verdict, 'verified', r.violations.map((v) => v.message).join('\n'));
    const racy = check(compileText(`
config KCSAN;
int x;
irq dev_intr on cpu1 line 11 { x = 1; }
thread t on cpu0 { request_irq(11, dev_intr, 0, "vfio-intx", 0); x = 3; }
`));
    assert.deepEqual(kindsOf(racy), ['data_race']);
  });
});

describe('interrupt context queries', () => {
  test('in_softirq, in_interrupt, in_hardirq and irqs_disabled say where the code runs', () => {
    const r = check(compileText(`
struct dev { struct timer_list timer; struct hrtimer hr; };
struct dev d;
fn soft_fn(struct timer_list *t) { assert(in_softirq()); assert(in_interrupt()); assert(!in_hardirq()); assert(!irqs_disabled()); }
fn hard_fn(struct hrtimer *t) { assert(in_hardirq()); assert(in_interrupt()); assert(irqs_disabled()); return HRTIMER_NORESTART; }
init { timer_setup(&d.timer, soft_fn, 0); hrtimer_init(&d.hr, CLOCK_MONOTONIC, HRTIMER_MODE_REL); d.hr.function = hard_fn; }
irq dev_intr on cpu1 line 3 { assert(in_hardirq()); assert(irqs_disabled()); assert(irqd_irq_disabled(irq_get_irq_data(3)) == false); }
thread t on cpu0 {
    assert(!in_interrupt());
    mod_timer(&d.timer, jiffies + 1);
    hrtimer_start(&d.hr, 1, HRTIMER_MODE_REL);
    local_bh_disable();
    assert(in_softirq()); assert(in_interrupt()); assert(!irqs_disabled());
    local_bh_enable();
    spin_lock_irq_test();
}
fn spin_lock_irq_test() { local_irq_disable(); assert(irqs_disabled()); assert(!in_interrupt()); local_irq_enable(); }
`));
    assert.equal(r.verdict, 'verified', r.violations.map((v) => v.message).join('\n'));
  });

  test('a softirq inversion is reported as lockdep reports it', () => {
    const r = check(compileText(TIMER_CASES[1]!.buggy));
    const v = r.violations.find((x) => x.kind === 'irq_lock_inversion')!;
    assert.match(v.violation.report, /inconsistent \{(SOFTIRQ-ON-W|IN-SOFTIRQ-W)\} -> \{(IN-SOFTIRQ-W|SOFTIRQ-ON-W)\} usage/);
    assert.match(v.violation.report, /use spin_lock_bh/);
  });

  test('the unbalanced enable is the kernel\'s warning', () => {
    const r = check(compileText(IRQ_LINE_CASES[1]!.buggy));
    assert.match(r.violations[0]!.violation.report, /Unbalanced enable for IRQ 11/);
  });

  test('KCSAN names the interrupt that raced with the task it preempted', () => {
    const r = check(compileText(IRQ_LINE_CASES[3]!.buggy));
    assert.match(r.violations[0]!.violation.report, /by interrupt \(dev_intr\) on cpu 0/);
  });
});

describe('deferred work: misuse', () => {
  const errorsOf = (text: string): string[] =>
    loadScenario('bad.lockstep', text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);

  test('container_of with a member that is not of the pointer\'s type, with a suggestion', () => {
    const errors = errorsOf(`
struct irqfd { int active; struct work_struct shutdown; };
fn irqfd_shutdown(struct work_struct *work) { struct irqfd *p = container_of(work, struct irqfd, active); }
thread t { }`);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /the pointer is a struct work_struct \*, but irqfd\.active is an int \(did you mean shutdown\?\)/);
  });

  test('container_of from a work_struct to a delayed_work member suggests .work', () => {
    const errors = errorsOf(`
struct dev { struct delayed_work dwork; };
fn f(struct work_struct *work) { struct dev *d = container_of(work, struct dev, dwork); }
thread t { }`);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /use dwork\.work/);
  });

  test('a line on something other than an irq, and timers mixed up, are errors', () => {
    assert.match(errorsOf(`thread t on cpu0 line 3 { }`).join('\n'), /only an irq handler has an interrupt line/);
    const errors = errorsOf(`
struct dev { struct timer_list timer; };
struct dev d;
thread t { hrtimer_cancel(&d.timer); }`);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /hrtimer_cancel is for a struct hrtimer.*\(use del_timer_sync\)/);
  });

  test('queue_work of something that is not a work_struct names the work field', () => {
    const errors = errorsOf(`
struct irqfd { int active; struct work_struct shutdown; };
struct irqfd fd;
thread t { queue_work(system_wq, &fd); }`);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /queue_work expects a struct work_struct.*did you mean &fd->shutdown\?/);
  });
});
