// Enumerations as the kernel declares them, the signalled mutex acquisitions with lockdep
// annotations (mutex_lock_killable_nested & co.), the atomics' ordering variants, acquire/release and the
// non-atomic bit operations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Analysis } from '../../core/ide/analysis';
import { outline } from '../../core/ide/outline';
import { definition } from '../../core/ide/navigation';
import { hover } from '../../core/ide/hover';
import { formatText } from '../../core/ide/format';
import { agreedKinds, compileOk, exploreAll, diagnosticLines } from '../helpers/scenario';

const diags = (text: string): string[] => diagnosticLines(text);

const ROLES = `enum sev_migration_role {
	SEV_MIGRATION_SOURCE = 0,
	SEV_MIGRATION_TARGET,
	SEV_NR_MIGRATION_ROLES,
};
enum { A = 5, B, C = A + 10, D };
int seen[4];
`;

test('enumerators are numbered as C numbers them and usable as constants, types, casts and case labels', () => {
  const text = `${ROLES}
static int pick(enum sev_migration_role role)
{
	enum sev_migration_role r = (enum sev_migration_role)role;

	switch (r) {
	case SEV_MIGRATION_SOURCE:
		return 10;
	case SEV_MIGRATION_TARGET:
		return 20;
	default:
		return SEV_NR_MIGRATION_ROLES;
	}
}
thread t {
	seen[0] = pick(SEV_MIGRATION_SOURCE);
	seen[1] = pick(SEV_MIGRATION_TARGET);
	seen[2] = pick(7);
	seen[3] = B + D;
	assert(seen[0] == 10 && seen[1] == 20 && seen[2] == 2);
	assert(seen[3] == 6 + 16);
}
expect no violation;
`;
  assert.deepEqual(diags(text), []);
  assert.deepEqual([...exploreAll(compileOk(text)).kinds], []);
  // A wrong expectation fails: the values are really what C gives.
  const wrong = text.replace('seen[3] == 6 + 16', 'seen[3] == 6 + 15').replace('expect no violation;', 'expect assertion;');
  assert.deepEqual([...exploreAll(compileOk(wrong)).kinds], ['assertion']);
});

test('misused enumerators are errors with the place they were first declared', () => {
  const d = diags(`enum a { X, Y };
enum b { Y, Z = q };
int X;
enum c { mutex_lock, SINGLE_DEPTH_NESTING };
thread t { }
`);
  assert.deepEqual(d, [
    "2:10 error duplicate-declaration: 'Y' is already declared",
    "2:17 error not-constant: 'Z': the value must be a constant (numbers, earlier enumerators and #defines, predefined constants, sizeof)",
    "3:5 error duplicate-declaration: 'X' is already declared",
    "4:10 error redeclared-builtin: 'mutex_lock' is a builtin primitive and cannot be redeclared",
    "4:22 error redeclared-builtin: 'SINGLE_DEPTH_NESTING' is a predefined constant and cannot be redeclared",
  ]);
  // A broken enum loses nothing around it: the parser recovers at the next declaration.
  const r = diags('enum broken { A B };\nint n;\nthread t { n = A; }\n');
  assert.equal(r.length, 1);
  assert.match(r[0]!, /^1:17 error/);
});

test('the editor knows enumerators: outline, definition, hover and formatting', () => {
  const text = `${ROLES}thread t { seen[0] = SEV_MIGRATION_TARGET; }\n`;
  const a = new Analysis('t.lockstep', text);
  const o = outline(a).find((s) => s.name === 'enum sev_migration_role');
  assert.ok(o);
  assert.equal(o.kind, 'enum');
  assert.deepEqual(o.children.map((c) => `${c.name} ${c.detail}`), ['SEV_MIGRATION_SOURCE = 0', 'SEV_MIGRATION_TARGET = 1', 'SEV_NR_MIGRATION_ROLES = 2']);
  const use = text.lastIndexOf('SEV_MIGRATION_TARGET');
  const def = definition(a, use + 3);
  assert.ok(def);
  assert.equal(text.slice(def.start, def.end), 'SEV_MIGRATION_TARGET');
  assert.equal(def.start, text.indexOf('SEV_MIGRATION_TARGET'));
  const h = hover(a, use + 3);
  assert.ok(h && h.markdown.includes('SEV_MIGRATION_TARGET = 1') && h.markdown.includes('enum sev_migration_role'), h?.markdown);
  const formatted = formatText(a);
  assert.ok(formatted?.includes('enum sev_migration_role {\n    SEV_MIGRATION_SOURCE = 0,\n    SEV_MIGRATION_TARGET,\n'), formatted);
});

const SEV = `struct kvm_vcpu { mutex mutex; }
struct kvm { struct kvm_vcpu vcpus[1]; }
struct kvm src, dst;
enum sev_migration_role { SEV_MIGRATION_SOURCE = 0, SEV_MIGRATION_TARGET };
static void lock_vcpus(struct kvm *kvm, enum sev_migration_role role)
{
	struct kvm_vcpu *vcpu = &kvm->vcpus[0];
	if (LOCK)
		return;
}
thread migrate {
	lock_vcpus(&dst, SEV_MIGRATION_TARGET);
	lock_vcpus(&src, SEV_MIGRATION_SOURCE);
	mutex_unlock(&src.vcpus[0].mutex);
	mutex_unlock(&dst.vcpus[0].mutex);
}
thread run {
	mutex_lock(&src.vcpus[0].mutex);
	mutex_unlock(&src.vcpus[0].mutex);
}
`;

test('mutex_lock_killable_nested: a subclass per role silences recursive locking; unannotated it is reported', () => {
  assert.deepEqual(agreedKinds(SEV.replace('LOCK', 'mutex_lock_killable_nested(&vcpu->mutex, role)')), []);
  assert.deepEqual(agreedKinds(SEV.replace('LOCK', 'mutex_lock_killable(&vcpu->mutex)')), ['recursive_locking']);
  assert.deepEqual(agreedKinds(SEV.replace('LOCK', 'mutex_lock_interruptible_nested(&vcpu->mutex, role)')), []);
  // The same subclass for both is still recursive.
  assert.deepEqual(agreedKinds(SEV.replace('LOCK', 'mutex_lock_killable_nested(&vcpu->mutex, 1)')), ['recursive_locking']);
});

test('mutex_lock_killable and its nested forms return -EINTR under FAULT_INJECTION, without the mutex', () => {
  for (const call of ['mutex_lock_killable(&m)', 'mutex_lock_killable_nested(&m, 0)', 'mutex_lock_interruptible_nested(&m, 0)', 'mutex_lock_killable_nest_lock(&m, &outer)']) {
    const text = (fi: boolean) => `${fi ? 'config FAULT_INJECTION;\n' : ''}mutex m, outer;
int done;
thread t {
	int ret;
	mutex_lock(&outer);
	ret = ${call};
	if (ret) {
		assert(ret == -EINTR);
		done = 2;
	} else {
		done = 1;
		mutex_unlock(&m);
	}
	mutex_unlock(&outer);
}
final { assert(done == 1); }
`;
    assert.deepEqual(agreedKinds(text(false)), [], call);
    // The error path is reached only with failure injection, and it holds no mutex.
    const fi = exploreAll(compileOk(text(true)));
    assert.deepEqual([...fi.kinds], ['assertion'], call);
    assert.ok(fi.violations.every((v) => v.kind === 'assertion' && /final/.test(v.message + v.report)), call);
  }
});

test('the atomics ordering variants act as their plain forms, and the reduction trusts their footprint', () => {
  const text = `atomic_t busy;
int owner;
static int try_own(int who)
{
	if (atomic_cmpxchg_acquire(&busy, 0, 1))
		return -EBUSY;
	owner = who;
	atomic_set_release(&busy, 0);
	return 0;
}
thread a { try_own(1); }
thread b { try_own(2); }
thread c { assert(atomic_read_acquire(&busy) <= 1); atomic_inc_return_relaxed(&busy); atomic_dec_return_release(&busy); }
config KCSAN;
`;
  assert.deepEqual(agreedKinds(text), []);
  // Without the cmpxchg guard the two owners race on the plain store.
  assert.deepEqual(agreedKinds(text.replace('if (atomic_cmpxchg_acquire(&busy, 0, 1))\n\t\treturn -EBUSY;\n', '')), ['data_race']);
});

test('__set_bit and __clear_bit are plain: unserialised updates of one word race under KCSAN, a lock makes them safe', () => {
  const text = (locked: boolean) => `config KCSAN;
spinlock_t lock;
unsigned long states;
static void update(int bit, int level)
{
	${locked ? 'spin_lock(&lock);' : ''}
	if (level)
		__set_bit(bit, &states);
	else
		__clear_bit(bit, &states);
	${locked ? 'spin_unlock(&lock);' : ''}
}
thread a { update(0, 1); }
thread b { update(1, 1); update(1, 0); }
final { assert(states == 1); }
`;
  assert.deepEqual(agreedKinds(text(true)), []);
  assert.deepEqual(agreedKinds(text(false)), ['data_race']);
  // The atomic forms never race.
  assert.deepEqual(agreedKinds(text(false).replace(/__(set|clear)_bit/g, '$1_bit')), []);
});

test('#define NAME CONST declares a constant, usable as an array length; #include is ignored', () => {
  const text = `#include <linux/kvm_host.h>
#define KVM_MAX_VCPUS	2	/* two vCPUs */
#define NR_IRQ_SOURCES	(KVM_MAX_VCPUS + 1)
#ifndef __LOCKSTEP_GUARD
#define __LOCKSTEP_GUARD
enum { FIRST = NR_IRQ_SOURCES * 2 };
struct kvm { int vcpu_ids[KVM_MAX_VCPUS]; };
static struct kvm kvm;
int sources[NR_IRQ_SOURCES];
thread t {
	kvm.vcpu_ids[1] = NR_IRQ_SOURCES;
	sources[2] = FIRST;
	assert(kvm.vcpu_ids[1] == 3 && sources[2] == 6);
}
`;
  // Conditionals are refused with a way out; without them the rest loads and runs.
  assert.deepEqual(diags(text), [
    '4:1 error preprocessor: #ifndef: preprocessor conditionals are not supported; keep the lines of the configuration you mean (a `config NAME;` turns on what the model checks)',
  ]);
  const plain = text.replace('#ifndef __LOCKSTEP_GUARD\n', '');
  assert.deepEqual(diags(plain), []);
  assert.deepEqual([...exploreAll(compileOk(plain)).kinds], []);
  assert.deepEqual([...exploreAll(compileOk(plain.replace('== 6', '== 7'))).kinds], ['assertion']);
  // Indexing past the length the constant gives is caught.
  assert.match(diags(plain.replace('sources[2] = FIRST', 'sources[3] = FIRST')).join('\n'), /index 3 is out of bounds \(the array has 3 elements\)/);
  const a = new Analysis('t.lockstep', plain);
  const c = outline(a).find((s) => s.name === 'NR_IRQ_SOURCES');
  assert.equal(c?.kind, 'constant');
  assert.equal(c?.detail, '= 3');
  const use = plain.indexOf('NR_IRQ_SOURCES;');
  assert.equal(definition(a, use)?.start, plain.indexOf('NR_IRQ_SOURCES'));
});

test('unsupported preprocessor lines are errors that say what to write, and lose nothing after them', () => {
  const d = diags(`#define ADD(a, b) ((a) + (b))
#define LONG 1 + \\
	2
#define BAD 1 +
#warning nope
#define UNKNOWN_ARRAY 2
int arr[NOT_DEFINED];
thread t { arr[0] = UNKNOWN_ARRAY; }
`);
  assert.deepEqual(d.map((x) => x.replace(/^(\d+:\d+ \w+ [\w-]+).*$/, '$1')), [
    '1:1 error preprocessor',
    '2:1 error preprocessor',
    '4:13 error not-constant',
    '4:16 error expected-expression',
    '5:1 error preprocessor',
    '7:9 error array-length',
  ]);
  assert.match(d[0]!, /function-like macros are not supported; write a static inline function/);
  assert.match(d[5]!, /unknown constant 'NOT_DEFINED' as an array length \(declare it first: #define NOT_DEFINED 4/);
});

test('smp_store_release / smp_load_acquire publish a value without a data race; plain accesses race', () => {
  const text = (marked: boolean) => `config KCSAN;
int data;
int ready;
thread producer {
	data = 42;
	${marked ? 'smp_store_release(&ready, 1);' : 'ready = 1;'}
}
thread consumer {
	if (${marked ? 'smp_load_acquire(&ready)' : 'ready'})
		assert(data == 42);
}
`;
  assert.deepEqual(agreedKinds(text(true)), []);
  assert.deepEqual(agreedKinds(text(false)), ['data_race']);
  // The sequentially consistent model orders every access: the published value is seen.
  assert.deepEqual(agreedKinds(text(true).replace('data == 42', 'data == 0')), ['assertion']);
});
