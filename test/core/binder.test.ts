// Binder tests: the semantic errors a kernel developer makes, each reported once with a
// stable code and a helpful message, and clean scenarios binding without diagnostics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../core';
import { diagnosticLines } from '../helpers/scenario';

const diags = (text: string): string[] => diagnosticLines(text);

const HEAD = 'struct kvm { mutex lock; list_head tables; bool mmu_ready; }\nstruct kvm kvm;\nmutex m;\nrwsem sem;\nspinlock sl;\n';

test('a clean scenario binds without diagnostics and compiles', () => {
  const l = loadScenario('t.lockstep', `${HEAD}thread a { mutex_lock(&kvm->lock); down_read(&sem); up_read(&sem); mutex_unlock(&kvm.lock); }\n`);
  assert.deepEqual(l.diagnostics, []);
  assert.ok(l.compiled);
});

test('unknown names are reported with a suggestion', () => {
  assert.deepEqual(diags(`${HEAD}thread a { mutex_lock(&mm); }\n`), [
    "6:24 error unknown-name: unknown name 'mm' (did you mean 'm'?)",
  ]);
  assert.deepEqual(diags(`${HEAD}thread a { mutex_lok(&m); }\n`), [
    "6:12 error unknown-function: unknown function 'mutex_lok' (did you mean 'mutex_lock'?)",
  ]);
});

test('the wrong primitive for a lock kind names the right one', () => {
  assert.deepEqual(diags(`${HEAD}thread a { down_read(&m); }\n`), [
    '6:22 error wrong-lock-kind: down_read expects an rwsem, but m is a mutex (use mutex_lock)',
  ]);
  assert.deepEqual(diags(`${HEAD}thread a { mutex_unlock(&sem); spin_lock(&kvm->lock); }\n`), [
    '6:25 error wrong-lock-kind: mutex_unlock expects a mutex, but sem is an rwsem (use up_write)',
    '6:42 error wrong-lock-kind: spin_lock expects a spinlock, but kvm->lock is a mutex (use mutex_lock)',
  ]);
});

test('argument counts are checked for builtins and fns', () => {
  assert.deepEqual(diags(`${HEAD}fn f(a, b) { }\nthread a { mutex_lock(&m, 1); f(1); }\n`), [
    '7:22 error wrong-arity: mutex_lock takes 1 argument, but 2 were given',
    '7:32 error wrong-arity: f takes 2 arguments, but 1 was given',
  ]);
});

test('duplicate declarations point at the first one', () => {
  const l = loadScenario('t.lockstep', `${HEAD}mutex m;\nthread m { }\n`);
  const d = l.diagnostics.filter((x) => x.code === 'duplicate-declaration');
  assert.equal(d.length, 2);
  assert.equal(d[0]!.message, "'m' is already declared");
  assert.ok(d[0]!.related?.[0]?.message === 'first declared here');
});

test('fields are checked against the struct', () => {
  assert.deepEqual(diags(`${HEAD}thread a { mutex_lock(&kvm->lok); }\n`), [
    "6:29 error unknown-field: struct kvm has no field 'lok'",
  ]);
  assert.deepEqual(diags(`${HEAD}thread a { int x = 1; x->f = 2; }\n`), [
    "6:26 error no-fields: 'f': an int has no fields",
  ]);
});

test('other semantic errors: break outside a loop, void values, locals of shared types, unknown kinds', () => {
  const d = diags(`${HEAD}thread a { break; int x = mutex_lock(&m); mutex l2; }\nirq i { }\nexpect dead_lock;\n`);
  assert.deepEqual(d.map((x) => x.split(' ').slice(0, 3).join(' ')), [
    '6:12 error outside-loop:',
    '6:27 error void-value:',
    '6:49 error shared-type-local:',
    '7:5 error irq-needs-cpu:',
    '8:8 error unknown-kind:',
  ]);
});

test('assignments to locks, lists and atomics are rejected with the primitive to use', () => {
  assert.deepEqual(diags(`${HEAD}atomic_t cnt;\nthread a { m = 1; cnt = 2; kvm->tables = 0; }\n`), [
    '7:12 error not-assignable: cannot assign to a mutex',
    '7:19 error not-assignable: cannot assign to a atomic_t (use atomic_set)',
    '7:28 error not-assignable: cannot assign to a list_head (use INIT_LIST_HEAD or list_add)',
  ]);
});

test('lock classes are named after their first acquisition, as lockdep does', () => {
  const l = loadScenario('t.lockstep', 'struct kvm_vcpu { mutex mutex; }\nstruct kvm_vcpu vcpu[2];\nmutex a;\nthread t { mutex_lock(&vcpu[1]->mutex); mutex_unlock(&vcpu[1]->mutex); }\n');
  assert.deepEqual(l.binding.lockClasses.map((c) => c.name), ['vcpu->mutex', 'a']);
});

test('a file of random bytes gives diagnostics, never an exception', () => {
  const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)).toString('latin1');
  const l = loadScenario('r.lockstep', bytes);
  assert.ok(l.diagnostics.length > 0);
  assert.equal(l.compiled, undefined);
});
