// Ops tables bound statically with designated initialisers, vCPUs that sleep in
// kvm_vcpu_block / kvm_vcpu_halt, and kvm_make_all_cpus_request with the kernel's signature:
// each construct works, its detector fires on a minimal scenario and is silent on the fixed
// twin, reduced and unreduced searches agree (every step checked against its static
// footprint), and misuse is a file:line:col error with a suggestion.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from '../../core/explore';
import { compileOk, footprintCheckedKinds as agreedKinds } from '../helpers/scenario';
import { lockstep, tempFiles } from '../helpers/cli';

// The xics device's ops table as the kernel writes it: prototypes, then the table, then the
// functions it names.
const XICS = `struct kvm_device;
struct kvm_device_ops {
    const char *name;
    int (*create)(struct kvm_device *dev, u32 type);
    void (*release)(struct kvm_device *dev);
    void (*destroy)(struct kvm_device *dev);
};
struct kvm_device { const struct kvm_device_ops *ops; int x; };

static int kvmppc_xics_create(struct kvm_device *dev, u32 type);
static void kvmppc_xics_release(struct kvm_device *dev);

static const struct kvm_device_ops xics_ops = {
    .name = "kvm-xics",
    .create = kvmppc_xics_create,
    .release = kvmppc_xics_release,
};

static int kvmppc_xics_create(struct kvm_device *dev, u32 type) { dev->x = type; return 0; }
static void kvmppc_xics_release(struct kvm_device *dev) { kfree(dev); }

struct kvm_device *gdev;
mutex lock;
init { gdev = kzalloc(struct kvm_device); gdev->ops = &xics_ops; gdev->ops->create(gdev, 1); }
`;

test('a static ops table binds fns by designator; calls through it reach exactly the fns it names', () => {
  assert.deepEqual(agreedKinds(`${XICS}thread t {
    assert(gdev->x == 1);
    assert(gdev->ops->name != NULL && *gdev->ops->name == 107);   // "kvm-xics"
    gdev->ops->release(gdev);
}
`), []);
  // The fns named only in the table are what a call through it may reach (by signature).
  const s = compileOk(`${XICS}thread t { gdev->ops->release(gdev); }\n`);
  const targets = s.instrs.flatMap((i) => (i.op === 'call' && i.target !== undefined ? [i.fns!.map((f) => s.fns[f]!.name)] : []));
  assert.deepEqual(targets, [['kvmppc_xics_create'], ['kvmppc_xics_release']]);
});

test('->release through the table racing a use: KASAN fires; published under the lock it is silent', () => {
  assert.deepEqual(agreedKinds(`${XICS}thread a { struct kvm_device *dev = gdev; dev->ops->release(dev); }
thread b { struct kvm_device *dev = gdev; dev->x = 2; }
`), ['use_after_free']);
  assert.deepEqual(agreedKinds(`${XICS}thread a {
    mutex_lock(&lock);
    struct kvm_device *dev = gdev;
    gdev = NULL;
    mutex_unlock(&lock);
    dev->ops->release(dev);
}
thread b { mutex_lock(&lock); struct kvm_device *dev = gdev; if (dev) dev->x = 2; mutex_unlock(&lock); }
`), []);
});

test('an ops entry the table leaves out is NULL: calling it is a NULL dereference; checking it first is silent', () => {
  assert.deepEqual(agreedKinds(`${XICS}thread a { gdev->ops->destroy(gdev); }\n`), ['null_deref']);
  assert.deepEqual(agreedKinds(`${XICS}thread a {
    if (gdev->ops->destroy)
        gdev->ops->destroy(gdev);
    else
        gdev->ops->release(gdev);
}
`), []);
});

test('misuse of an ops table is a file:line:col error with a suggestion, from the CLI', () => {
  const dir = tempFiles({ 'bad.lockstep': `struct kvm_device;
struct kvm_device_ops {
    const char *name;
    int (*create)(struct kvm_device *dev, u32 type);
    void (*release)(struct kvm_device *dev);
    void (*destroy)(struct kvm_device *dev);
    int flags;
};
static int xics_create(struct kvm_device *dev, u32 type) { return 0; }
static void xics_release(struct kvm_device *dev) { }
int not_fn;
static const struct kvm_device_ops bad_ops = {
    .relase = xics_release,
    .destroy = 3,
    .create = not_fn,
    .release = xics_create,
    .flags = xics_release,
    .name = "ok",
};
static const struct kvm_device_ops other = { .flags = "x" };
thread t { bad_ops.destroy = 1; not_fn = xics_release; }
` });
  const r = lockstep(['check', 'bad.lockstep'], { cwd: dir });
  assert.equal(r.code, 2);
  const lines = (r.stderr + r.stdout).trim().split('\n');
  assert.deepEqual(lines, [
    "bad.lockstep:13:6: error: struct kvm_device_ops has no field 'relase' (did you mean 'release'?)",
    "bad.lockstep:14:16: error: .destroy is a function pointer (void (*)(struct kvm_device *)): initialise it with a function's name or NULL, not a number (e.g. xics_release)",
    "bad.lockstep:15:15: error: a static initialiser must be a constant or a function name, but 'not_fn' is a variable (e.g. xics_create)",
    'bad.lockstep:16:16: error: xics_create takes (struct kvm_device *, u32), but this fn pointer is void (*)(struct kvm_device *) (e.g. xics_release)',
    'bad.lockstep:17:14: error: .flags is an int, not a function pointer: xics_release can only initialise a fn field (void (*name)(…) or fn)',
    'bad.lockstep:20:55: error: a string initialises a char * field, but this one is an int',
    "bad.lockstep:21:30: error: bad_ops.destroy is a function pointer (void (*)(struct kvm_device *)), but this is an int: store a function's name or NULL (e.g. xics_release)",
    'bad.lockstep:21:42: error: not_fn is an int, not a function pointer: xics_release can only be stored in a fn field, local or parameter (void (*name)(…) or fn)',
  ]);
});

// A vCPU that halts unless an event is pending, and a thread that posts the event and wakes
// it: the event as a plain flag (the wake-up may come before the vCPU sleeps), or as a request,
// which kvm_vcpu_block re-checks once the vCPU is on vcpu->wait.
const LOST_WAKEUP = `struct kvm_vcpu { int pending; }
vcpu v0 on cpu0 {
    if (!READ_ONCE(vcpu->pending))
        kvm_vcpu_block(vcpu);
}
thread t on cpu1 {
    WRITE_ONCE(v0->pending, 1);
    kvm_vcpu_wake_up(v0);
}
`;
const REQUEST_RECHECKED = `struct kvm_vcpu { int pending; }
vcpu v0 on cpu0 {
    if (!kvm_request_pending(vcpu))
        kvm_vcpu_halt(vcpu);
    assert(kvm_check_request(KVM_REQ_UNBLOCK, vcpu));
}
thread t on cpu1 {
    kvm_make_request(KVM_REQ_UNBLOCK, v0);
    kvm_vcpu_kick(v0);
}
`;

test('kvm_vcpu_block sleeps until a wake-up, returns at once on a pending request, and says which ended it', () => {
  assert.deepEqual(agreedKinds(`vcpu v0 on cpu0 { int woken = kvm_vcpu_block(vcpu); assert(woken && vcpu->wait == 0); }
thread t on cpu1 { await(v0->wait != 0); kvm_vcpu_kick(v0); }
`), []);
  assert.deepEqual(agreedKinds(`vcpu v0 { kvm_make_request(KVM_REQ_UNBLOCK, vcpu); assert(!kvm_vcpu_block(vcpu)); assert(vcpu->wait == 0); }
`), []);
  // While it sleeps the vCPU is on vcpu->wait; kvm_vcpu_wake_up finds it there.
  assert.deepEqual(agreedKinds(`vcpu v0 on cpu0 { kvm_vcpu_halt(vcpu); }
thread t on cpu1 { await(READ_ONCE(v0->wait) != 0); assert(kvm_vcpu_wake_up(v0)); assert(!kvm_vcpu_wake_up(v0)); }
`), []);
  // It may sleep: not with a spinlock held.
  assert.deepEqual(agreedKinds(`spinlock l;
vcpu v0 { kvm_make_request(KVM_REQ_UNBLOCK, vcpu); spin_lock(&l); kvm_vcpu_block(vcpu); spin_unlock(&l); }
`), ['sleep_in_atomic']);
});

test('a lost wake-up is a hang the checker reports; the request re-checked after the sleep begins is verified', () => {
  assert.deepEqual(agreedKinds(LOST_WAKEUP), ['deadlock']);
  const r = check(compileOk(LOST_WAKEUP));
  assert.match(r.violations[0]!.message, /v0 waits until it is woken on v0->wait \(kvm_vcpu_wake_up, kvm_vcpu_kick\)$/);
  // The hang needs the wake-up before the sleep: its trace has kvm_vcpu_wake_up first.
  const steps = r.violations[0]!.trace.map((t) => t.text);
  assert.ok(steps.indexOf('kvm_vcpu_wake_up(v0)') < steps.indexOf('kvm_vcpu_block(vcpu)  // prepare_to_rcuwait'), steps.join(' / '));
  assert.deepEqual(agreedKinds(REQUEST_RECHECKED), []);
});

// A request made while the vCPU already sleeps in kvm_vcpu_block: kvm_vcpu_check_block only
// runs again when something wakes the task, so a request with no kick after it leaves the
// vCPU asleep (the kernel's "made a request but forgot to kick" hang); with the kick, or
// made before the vCPU checks, it ends the wait.
const REQUEST_NO_KICK = `vcpu v0 on cpu0 {
    kvm_vcpu_halt(vcpu);
    assert(kvm_check_request(KVM_REQ_UNBLOCK, vcpu));
}
thread t on cpu1 {
    await(READ_ONCE(v0->wait) != 0);
    kvm_make_request(KVM_REQ_UNBLOCK, v0);
}
`;

test('a request made while the vCPU sleeps does not wake it without a kick; the kick does, and the check sees one made before', () => {
  assert.deepEqual(agreedKinds(REQUEST_NO_KICK), ['deadlock']);
  const r = check(compileOk(REQUEST_NO_KICK));
  assert.match(r.violations[0]!.message, /v0 waits until it is woken on v0->wait \(kvm_vcpu_wake_up, kvm_vcpu_kick\)/);
  assert.deepEqual(agreedKinds(REQUEST_NO_KICK.replace('kvm_make_request(KVM_REQ_UNBLOCK, v0);', 'kvm_make_request(KVM_REQ_UNBLOCK, v0);\n    kvm_vcpu_kick(v0);')), []);
  // The hang needs the request after the check (made before it, the check sees it), and the
  // trace tells kvm_vcpu_halt's steps apart.
  const steps = r.violations[0]!.trace.map((t) => t.text);
  assert.deepEqual(steps, [
    'kvm_vcpu_halt(vcpu)  // prepare_to_rcuwait',
    'kvm_vcpu_halt(vcpu)  // check_block: nothing pending, sleeps',
    'await(READ_ONCE(v0->wait) != 0)',
    'kvm_make_request(KVM_REQ_UNBLOCK, v0)',
  ]);
});

// The scenario's own kvm_arch_vcpu_runnable: kvm_vcpu_check_block asks it after the vCPU is
// on vcpu->wait, and after each wake-up, as the kernel's loop does.
const RUNNABLE_SEES = `struct kvm_vcpu { int pending; }
bool kvm_arch_vcpu_runnable(struct kvm_vcpu *vcpu)
{
    return READ_ONCE(vcpu->pending);
}
vcpu v0 on cpu0 {
    if (!READ_ONCE(vcpu->pending))
        kvm_vcpu_block(vcpu);
    assert(READ_ONCE(vcpu->pending));
}
thread t on cpu1 {
    WRITE_ONCE(v0->pending, 1);
    kvm_vcpu_wake_up(v0);
}
`;

test('with the scenario\'s kvm_arch_vcpu_runnable, an event it sees is never lost to an early wake-up; one it does not see sleeps for good', () => {
  // The classic lost wake-up is no hang when the event is one kvm_vcpu_check_block looks at.
  assert.deepEqual(agreedKinds(RUNNABLE_SEES), []);
  // An event it does not look at: the early wake-up is lost, a later one only re-checks.
  assert.deepEqual(agreedKinds(RUNNABLE_SEES.replace('return READ_ONCE(vcpu->pending);', 'return 0;')), ['deadlock']);
  // A wake-up with nothing to see puts the vCPU back to sleep; the event's own wake-up ends it.
  assert.deepEqual(agreedKinds(RUNNABLE_SEES.replace('WRITE_ONCE(v0->pending, 1);', 'await(READ_ONCE(v0->wait) != 0);\n    kvm_vcpu_wake_up(v0);\n    WRITE_ONCE(v0->pending, 1);')), []);
  assert.deepEqual(agreedKinds(RUNNABLE_SEES.replace('    WRITE_ONCE(v0->pending, 1);\n    kvm_vcpu_wake_up(v0);', '    await(READ_ONCE(v0->wait) != 0);\n    kvm_vcpu_wake_up(v0);')), ['deadlock']);
  // It returns whether it slept, as the kernel's does.
  assert.deepEqual(agreedKinds(`struct kvm_vcpu { int pending; }
bool kvm_arch_vcpu_runnable(struct kvm_vcpu *vcpu) { return READ_ONCE(vcpu->pending); }
vcpu v0 on cpu0 { vcpu->pending = 1; assert(!kvm_vcpu_block(vcpu)); }
`), []);
  const r = check(compileOk(RUNNABLE_SEES.replace('return READ_ONCE(vcpu->pending);', 'return 0;')));
  const steps = r.violations[0]!.trace.map((t) => t.text);
  assert.ok(steps.includes('kvm_vcpu_block(vcpu)  // check_block: kvm_arch_vcpu_runnable()'), steps.join(' / '));
  assert.ok(steps.includes('kvm_vcpu_block(vcpu)  // check_block: not runnable, sleeps'), steps.join(' / '));
});

test('kvm_make_all_cpus_request(kvm, req): the vCPUs of that kvm get the request, sleepers wake, guests exit', () => {
  assert.deepEqual(agreedKinds(`struct kvm_vcpu { int x; }
struct kvm { struct kvm_vcpu vcpus[2]; }
struct kvm a, b;
vcpu v0 = &a.vcpus[0] on cpu0 { WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); guest_run(vcpu); vcpu->mode = OUTSIDE_GUEST_MODE; }
vcpu v1 = &a.vcpus[1] on cpu1 { kvm_vcpu_halt(vcpu); assert(kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu)); }
vcpu w0 = &b.vcpus[0] on cpu2 { }
thread t on cpu3 {
    await(READ_ONCE(v0->mode) == IN_GUEST_MODE && READ_ONCE(v1->wait) != 0);
    assert(kvm_make_all_cpus_request(&a, KVM_REQ_TLB_FLUSH));    // v0 was IPI'd out of the guest
    assert(!kvm_request_pending(w0));                            // another VM's vCPU
    assert(!kvm_make_all_cpus_request(&b, KVM_REQ_TLB_FLUSH));   // w0 is not in the guest
    assert(kvm_request_pending(w0));
}
`), []);
  // The request made while v0 checks for it: the reduced search still finds the lost update
  // of a flag that is not a request.
  assert.deepEqual(agreedKinds(`struct kvm_vcpu { int flush; }
struct kvm { struct kvm_vcpu vcpus[2]; }
struct kvm kvm;
vcpu v0 = &kvm.vcpus[0] on cpu0 { if (!kvm_request_pending(vcpu)) kvm_vcpu_block(vcpu); kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu); }
vcpu v1 = &kvm.vcpus[1] on cpu1 { int f = vcpu->flush; vcpu->flush = f + 1; }
thread t on cpu2 { kvm.vcpus[1].flush = 1; kvm_make_all_cpus_request(&kvm, KVM_REQ_TLB_FLUSH); }
final { assert(kvm.vcpus[1].flush == 2); }
`), ['assertion']);
  const dir = tempFiles({ 'one.lockstep': 'struct kvm { int x; }\nstruct kvm kvm;\nthread t { kvm_make_all_cpus_request(KVM_REQ_TLB_FLUSH); }\n' });
  const r = lockstep(['check', 'one.lockstep'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr + r.stdout, /one\.lockstep:3:37: error: kvm_make_all_cpus_request takes 2 arguments, but 1 was given/);
});
