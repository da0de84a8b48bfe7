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

describe('deferred work as data', () => {
  for (const c of WORK_CASES) {
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

describe('deferred work: misuse', () => {
  const errorsOf = (text: string): string[] =>
    loadScenario('bad.lockstep', text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);

  test('container_of with a member that is not a work_struct or timer, with a suggestion', () => {
    const errors = errorsOf(`
struct irqfd { int active; struct work_struct shutdown; };
fn irqfd_shutdown(struct work_struct *work) { struct irqfd *p = container_of(work, struct irqfd, active); }
thread t { }`);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /container_of's member must be a struct work_struct.*irqfd\.active is an int.*did you mean shutdown\?/);
  });

  test('container_of from a work_struct to a delayed_work member suggests .work', () => {
    const errors = errorsOf(`
struct dev { struct delayed_work dwork; };
fn f(struct work_struct *work) { struct dev *d = container_of(work, struct dev, dwork); }
thread t { }`);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /use dwork\.work/);
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
