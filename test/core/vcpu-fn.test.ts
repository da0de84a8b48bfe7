// vCPUs as struct kvm_vcpus and fn values: the built-in struct and its redeclaration, the
// binding of a vCPU to an instance, the kernel's signatures of the vCPU primitives, the
// guest-entry protocol with its lost kick, ops tables and calls through fn values, and the
// errors a kernel developer gets for their misuse (through the CLI as a user sees them).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../core';
import { compileOk, exploreAll, diagnosticLines } from '../helpers/scenario';
import { lockstep, tempFiles } from '../helpers/cli';

const diags = (text: string): string[] => diagnosticLines(text);

function kinds(text: string): string[] {
  return [...exploreAll(compileOk(text)).kinds].sort();
}

test('struct kvm_vcpu is built in with mode, requests, mutex, vcpu_id, wait (and kvm with a struct kvm)', () => {
  const plain = loadScenario('t.lockstep', 'vcpu v0 { }\n');
  assert.deepEqual(plain.diagnostics, []);
  const st = plain.binding.structs.find((s) => s.name === 'kvm_vcpu')!;
  assert.deepEqual(st.fields.map((f) => f.name), ['mutex', 'mode', 'requests', 'vcpu_id', 'wait']);
  const withKvm = loadScenario('t.lockstep', 'struct kvm { int x; }\nstruct kvm kvm;\nvcpu v0 { }\n');
  const kvmField = withKvm.binding.structs.find((s) => s.name === 'kvm_vcpu')!.fields.find((f) => f.name === 'kvm')!;
  assert.equal(kvmField.type.k === 'ptr' && kvmField.type.to.k === 'struct' ? kvmField.type.to.s.name : '', 'kvm');
  // No vCPU and no mention of the struct: nothing is added (no lock class, no fields).
  assert.equal(loadScenario('t.lockstep', 'thread t { }\n').binding.structs.length, 0);
});

test("a scenario's struct kvm_vcpu adds fields; a built-in one redeclared with its type is that field", () => {
  const l = loadScenario('t.lockstep', `struct arch { int vpa; }
struct kvm_vcpu { mutex mutex; struct arch arch; }
struct kvm { struct kvm_vcpu vcpus[2]; }
struct kvm kvm;
thread t { mutex_lock(&kvm.vcpus[1].mutex); kvm.vcpus[1].arch.vpa = 1; mutex_unlock(&kvm.vcpus[1].mutex); }
`);
  assert.deepEqual(l.diagnostics, []);
  const st = l.binding.structs.find((s) => s.name === 'kvm_vcpu')!;
  assert.deepEqual(st.fields.map((f) => f.name), ['mutex', 'mode', 'requests', 'vcpu_id', 'wait', 'kvm', 'arch']);
  assert.deepEqual(l.binding.lockClasses.map((c) => c.name), ['kvm.vcpus.mutex']);
  assert.deepEqual(diags('struct kvm_vcpu { bool mode; int x; }\nvcpu v0 { }\n'), [
    "1:19 error builtin-field: struct kvm_vcpu has a built-in field 'mode' of type int; redeclare it with that type or leave it out",
  ]);
});

test("'mode': a vCPU's name is a struct kvm_vcpu * (and so is `vcpu` inside it)", () => {
  assert.deepEqual(diags('vcpu v0 { vcpu->mode = IN_GUEST_MODE; }\nthread t { int m = READ_ONCE(v0->mode); }\n'), []);
  // The mode written by the vCPU is what the thread reads: the same word.
  assert.deepEqual(kinds(`vcpu v0 { WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); }
thread t { int m = READ_ONCE(v0->mode); assert(m == OUTSIDE_GUEST_MODE); }
`), ['assertion']);
  // A global named vcpu still wins inside a vCPU (scenarios written before vCPUs had a struct).
  assert.deepEqual(diags('struct kvm_vcpu { int x; }\nstruct kvm_vcpu vcpu[1];\nvcpu v0 { vcpu[0].x = 1; }\n'), []);
});

test('a vCPU bound to an instance of a kvm: vcpu->kvm, vcpu_id, kvm_get_vcpu and kvm_for_each_vcpu in declaration order', () => {
  const text = `struct kvm { struct kvm_vcpu vcpus[3]; }
struct kvm kvm;
vcpu b = &kvm.vcpus[2] on cpu1 { }
vcpu a = &kvm.vcpus[0] on cpu0 { }
thread t on cpu2 {
    assert(b->kvm == &kvm && a->kvm == &kvm);
    assert(kvm_get_vcpu(&kvm, 0) == b && kvm_get_vcpu(&kvm, 1) == a);
    assert(kvm_get_vcpu(&kvm, 2) == &kvm.vcpus[1]);     // the instance no actor runs as
    assert(kvm_get_vcpu(&kvm, 3) == NULL);
    assert(b->vcpu_id == 0 && a->vcpu_id == 1 && kvm.vcpus[1].vcpu_id == 2);
    int n = 0;
    kvm_for_each_vcpu(i, v, &kvm) {
        assert(v->vcpu_id == i);
        n++;
    }
    assert(n == 3);
}
expect no violation;
`;
  assert.deepEqual(kinds(text), []);
  const s = compileOk(text);
  const kvm = s.globals.find((g) => g.name === 'kvm')!;
  const size = s.structs[s.vcpuLayout!.struct]!.size;
  assert.equal(s.actors.find((x) => x.name === 'b')!.vcpu, kvm.address + 2 * size);
  // With several struct kvms a vCPU of its own has no kvm; with one it is that one.
  assert.deepEqual(kinds('struct kvm { int x; }\nstruct kvm k1;\nstruct kvm k2;\nvcpu v { assert(vcpu->kvm == NULL); }\n'), []);
  assert.deepEqual(kinds('struct kvm { int x; }\nstruct kvm k1;\nvcpu v { assert(vcpu->kvm == &k1); }\n'), []);
});

const ENTRY = (buggy: boolean): string => `struct kvm { int x; }
struct kvm kvm;
fn vcpu_enter_guest(struct kvm_vcpu *vcpu) {
    local_irq_disable();
    ${buggy ? 'if (kvm_request_pending(vcpu)) { local_irq_enable(); return 1; }\n    WRITE_ONCE(vcpu->mode, IN_GUEST_MODE);'
    : 'WRITE_ONCE(vcpu->mode, IN_GUEST_MODE);\n    if (kvm_request_pending(vcpu)) { vcpu->mode = OUTSIDE_GUEST_MODE; local_irq_enable(); return 1; }'}
    guest_run(vcpu);
    vcpu->mode = OUTSIDE_GUEST_MODE;
    local_irq_enable();
    return 0;
}
vcpu v0 on cpu0 { vcpu_enter_guest(vcpu); kvm_check_request(KVM_REQ_TLB_FLUSH); }
thread t on cpu1 { struct kvm_vcpu *v = kvm_get_vcpu(&kvm, 0); kvm_make_request(KVM_REQ_TLB_FLUSH, v); kvm_vcpu_kick(v); }
`;

test('guest entry written out: the request checked before the mode store loses the kick (livelock); after it, nothing is lost', () => {
  assert.deepEqual(kinds(ENTRY(true)), ['livelock']);
  assert.deepEqual(kinds(ENTRY(false)), []);
});

test('the one-step shorthands and the one-argument forms still act on the running vCPU', () => {
  assert.deepEqual(kinds(`vcpu v0 on cpu0 { if (vcpu_enter_guest()) { vcpu_exit_guest(); } assert(!kvm_check_request(KVM_REQ_X) || !kvm_request_pending()); }
thread t on cpu1 { kvm_make_request(KVM_REQ_X, v0); kvm_vcpu_kick(v0); }
`), []);
  assert.deepEqual(diags('thread t { kvm_check_request(KVM_REQ_X); }\n'), [
    '1:12 error vcpu-only: kvm_check_request only makes sense in a vcpu actor',
  ]);
  assert.deepEqual(diags('vcpu v0 { }\nthread t { kvm_check_request(KVM_REQ_X, v0); }\n'), []);
});

test('kvm_vcpu_wake_up clears vcpu->wait and says whether a task slept there', () => {
  assert.deepEqual(kinds(`vcpu v0 { vcpu->wait = 1; }
thread t { await(v0->wait != 0); assert(kvm_vcpu_wake_up(v0)); assert(v0->wait == 0); assert(!kvm_vcpu_wake_up(v0)); }
`), []);
});

test('vCPU misuse is reported where it is written', () => {
  assert.deepEqual(diags('vcpu v0 = 3 { }\nthread t { kvm_vcpu_kick(t); }\nthread u = &t { }\n'), [
    '1:11 error bad-binding: a vcpu is bound to a struct kvm_vcpu, but this is an int',
    "2:26 error wrong-type: kvm_vcpu_kick expects a struct kvm_vcpu * (a vcpu's name, vcpu, or kvm_get_vcpu(kvm, i)), but t is a thread",
    '3:12 error bad-binding: only a vcpu is bound to a struct kvm_vcpu; u is a thread',
  ]);
});

const OPS = `struct dev_ops { fn release; fn poke; }
struct dev { struct dev_ops *ops; kref ref; int x; }
struct dev_ops ops;
struct dev *gd;
fn dev_release(struct dev *d) { kfree(d); }
fn dev_poke(struct dev *d) { d->x = 1; }
fn put(struct dev *d, fn release) { kref_put(&d->ref, release); }
init { ops.release = dev_release; ops.poke = dev_poke; gd = kzalloc(struct dev); gd->ops = &ops; kref_init(&gd->ref); }
`;

test('ops tables: calls through fn fields, a fn passed as a parameter to kref_put', () => {
  assert.deepEqual(kinds(`${OPS}thread a { struct dev *d = gd; d->ops->poke(d); put(d, d->ops->release); }
thread b { struct dev *d = gd; d->x = 2; }
`), ['use_after_free']);
  assert.deepEqual(kinds(`${OPS}thread a { struct dev *d = gd; d->ops->poke(d); assert(d->x == 1); put(d, dev_release); }
`), []);
  // The candidates of a call through a fn value are the address-taken fns of its arity.
  const s = compileOk(`${OPS}thread a { gd->ops->poke(gd); }\n`);
  const call = s.instrs.find((i) => i.op === 'call' && i.target !== undefined);
  assert.ok(call && call.op === 'call');
  assert.deepEqual(call.fns!.map((f) => s.fns[f]!.name).sort(), ['dev_poke', 'dev_release']);
});

test('a NULL fn pointer called is a NULL pointer dereference', () => {
  assert.deepEqual(kinds(`${OPS}thread a { ops.poke = NULL; gd->ops->poke(gd); }\n`), ['null_deref']);
});

test('calling what is not a function pointer is an error with a suggestion, from the CLI', () => {
  const dir = tempFiles({ 'bad.lockstep': `struct ops { fn release; }
struct dev { struct ops *ops; int x; }
fn f(struct dev *p) { p->ops(p); p->x(p); }
thread t { }
` });
  const r = lockstep(['check', 'bad.lockstep'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr + r.stdout, /bad\.lockstep:3:23: error: 'p->ops' is a struct ops \*, not a function pointer \(did you mean p->ops->release\(…\)\?\)/);
  assert.match(r.stderr + r.stdout, /bad\.lockstep:3:34: error: 'p->x' is an int, not a function pointer/);
});
