// C as the kernel writes it: function definitions and prototypes, the kernel's type names,
// static definitions, function-pointer declarators, goto, switch, sizeof, ?:, casts,
// pointers to scalars and void pointers. Each construct parses, binds, runs as C does, and
// its misuse is a diagnostic with a suggestion.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../core';
import { parse } from '../../core/syntax/parser';
import { compileOk, exploreAll, diagnosticLines } from '../helpers/scenario';

const diags = (text: string): string[] => diagnosticLines(text);

function kinds(text: string): string[] {
  return [...exploreAll(compileOk(text)).kinds].sort();
}

const KVM = `struct kvm_device;
struct kvm {
    struct mutex lock;
    spinlock_t mmu_lock;
    raw_spinlock_t tsc_lock;
    struct rw_semaphore sem;
    rwlock_t rwl;
    struct srcu_struct srcu;
    struct list_head devices;
    struct hlist_head hash;
    wait_queue_head_t wq;
    struct kref users;
    atomic_t online;
    unsigned long nr;
    u8 a; u16 b; u32 c; u64 d; s8 e; s16 f; s32 g; s64 h;
    size_t sz; ssize_t ssz; gfn_t gfn; gpa_t gpa; hva_t hva; kvm_pfn_t pfn;
    unsigned un; long l; long long ll; unsigned int ui; short sh; char ch;
    void *private;
    int config;
};
static struct kvm kvm;
`;

test('C definitions, prototypes, forward declarations and static definitions parse', () => {
  const r = parse(`struct kvm_device;
static int kvm_vm_ioctl_check(struct kvm *kvm, long ext);
static inline void __must_check kvm_get(struct kvm *kvm) { }
static long kvm_vm_ioctl(struct kvm *kvm, unsigned int ioctl, unsigned long arg)
{
    return 0;
}
int helper(void);
static DEFINE_MUTEX(kvm_lock);
DEFINE_SPINLOCK(sl);
DECLARE_RWSEM(sem);
LIST_HEAD(vm_list);
DEFINE_SRCU(s1);
static DEFINE_STATIC_SRCU(s2);
int a, *b;
`);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.program.decls.map((d) => d.kind), ['Forward', 'Forward', 'Fn', 'Fn', 'Forward', 'Global', 'Global', 'Global', 'Global', 'Global', 'Global', 'Global', 'Global']);
  const fn = r.program.decls[3];
  assert.ok(fn?.kind === 'Fn' && fn.returns?.kind === 'ScalarType' && fn.returns.spelling === 'long' && fn.returns.bytes === 8);
  assert.deepEqual(fn.params.map((p) => p.name.name), ['kvm', 'ioctl', 'arg']);
  const b = r.program.decls[12];
  assert.ok(b?.kind === 'Global' && b.name.name === 'b' && b.type.kind === 'PointerType');
});

test("the kernel's type names are the model's types, and qualifiers are ignored", () => {
  const l = loadScenario('t.lockstep', `${KVM}
static const struct kvm __rcu *volatile kp;
thread t {
    mutex_lock(&kvm.lock); mutex_unlock(&kvm.lock);
    spin_lock(&kvm.mmu_lock); spin_unlock(&kvm.mmu_lock);
    raw_spin_lock(&kvm.tsc_lock); raw_spin_unlock(&kvm.tsc_lock);
    down_read(&kvm.sem); up_read(&kvm.sem);
    read_lock(&kvm.rwl); read_unlock(&kvm.rwl);
    int idx = srcu_read_lock(&kvm.srcu); srcu_read_unlock(&kvm.srcu, idx);
    kref_init(&kvm.users);
    atomic_set(&kvm.online, 1);
    wake_up(&kvm.wq);
    kvm.config = 1;
}
`);
  const errors = l.diagnostics.filter((d) => d.severity !== 'hint').map((d) => d.message);
  assert.deepEqual(errors, []);
  const kvm = l.binding?.structs.find((s) => s.name === 'kvm');
  const type = (f: string): string => {
    const t = kvm?.fields.find((x) => x.name === f)?.type;
    return t ? (t.k === 'lock' ? `lock:${t.lock}` : t.k === 'int' ? `int${t.bytes ?? 4}` : t.k) : 'missing';
  };
  assert.deepEqual(
    ['lock', 'mmu_lock', 'tsc_lock', 'sem', 'rwl', 'srcu', 'devices', 'hash', 'wq', 'users', 'online', 'private'].map(type),
    ['lock:mutex', 'lock:spinlock', 'lock:spinlock', 'lock:rwsem', 'lock:rwlock', 'lock:srcu', 'list_head', 'hlist', 'waitq', 'kref', 'atomic', 'ptr'],
  );
  assert.deepEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'sz', 'gfn', 'pfn', 'un', 'l', 'll', 'ui', 'sh', 'ch', 'nr'].map(type),
    ['int1', 'int2', 'int4', 'int8', 'int1', 'int2', 'int4', 'int8', 'int8', 'int8', 'int8', 'int4', 'int8', 'int8', 'int4', 'int2', 'int1', 'int8']);
});

test('static definitions declare shared locks and lists (DEFINE_MUTEX, LIST_HEAD, …)', () => {
  assert.deepEqual(kinds(`static DEFINE_MUTEX(a);
static DEFINE_MUTEX(b);
static LIST_HEAD(head);
struct e { struct list_head node; }
thread t1 { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
thread t2 { mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }
thread t3 { struct e *x = kzalloc(struct e); list_add(&x->node, &head); list_del(&x->node); kfree(x); }
`), ['deadlock', 'lock_order']);
});

test('goto unwinds an error path; a label is reached by falling into it too', () => {
  const text = (check: string): string => `struct obj { int v; }
struct obj *published;
static int create(int fail)
{
    struct obj *o = kzalloc(struct obj);
    int ret = 0;
    if (fail) {
        ret = -EINVAL;
        goto out_free;
    }
    published = o;
${check}
    return 0;
out_free:
    kfree(o);
    return ret;
}
thread t { int r = create(1); assert(r == -EINVAL); create(0); }
thread u { struct obj *p = READ_ONCE(published); if (p) { p->v = 1; } }
`;
  assert.deepEqual(kinds(text('')), []);
  // Publishing and then taking the error path frees what the other thread may use.
  assert.deepEqual(kinds(text('    goto out_free;')), ['use_after_free']);
});

test('switch: cases fall through, break leaves, default catches the rest', () => {
  assert.deepEqual(kinds(`int seen;
static int classify(unsigned int cmd)
{
    int r = 0;
    switch (cmd) {
    case 1:
        r += 1;
    case 2:
        r += 10;
        break;
    case KVM_MAX:
    default:
        r = -EINVAL;
    }
    return r;
}
thread t {
    assert(classify(1) == 11);
    assert(classify(2) == 10);
    assert(classify(7) == -EINVAL);
    for (int i = 0; i < 3; i++) {
        switch (i) {
        case 0:
            continue;
        case 1:
            break;
        }
        seen++;
    }
    assert(seen == 2);
}
`.replace('KVM_MAX', '3')), []);
});

test('sizeof, ?:, casts and shifts compute as C does', () => {
  assert.deepEqual(kinds(`struct reg_vpa { u32 dummy; u16 hword; }
struct big { struct reg_vpa r; unsigned long x; void *p; struct list_head l; }
thread t {
    assert(sizeof(struct reg_vpa) == 6);
    assert(sizeof(struct big) == 6 + 8 + 8 + 16);
    assert(sizeof(u64) == 8);
    struct big *b = kzalloc(struct big);
    assert(sizeof(*b) == 38);
    unsigned long flags = 0x50000;
    int subfunc = (flags >> 16) & 7;
    assert(subfunc == 5);
    flags <<= 1;
    assert(flags == 0xa0000);
    int r = b ? 1 : -ENOMEM;
    assert(r == 1);
    b->x = (unsigned long)b->x + 3;
    struct reg_vpa *rp = (struct reg_vpa *)b;
    assert(rp == (struct reg_vpa *)b);
    r = NULL ? 1 : 2;
    assert(r == 2);
    kfree(b);
}
`), []);
});

test('a scalar local passed by address is an out-parameter; *p reads and writes it', () => {
  assert.deepEqual(kinds(`static unsigned long pin(unsigned long gpa, unsigned long *nb)
{
    *nb = 4096;
    *nb += gpa;
    return *nb > 4096;
}
static void twice(unsigned long *nb) { unsigned long mine; pin(1, &mine); *nb = mine * 2; }
thread t {
    unsigned long nb;
    int big = pin(3, &nb);
    assert(nb == 4099 && big);
    twice(&nb);
    assert(nb == 8194);
}
`), []);
});

test('a void * keeps the identity of its object: converted back, a use after free is caught', () => {
  const text = (free: string): string => `struct lppaca { int shared_proc; u32 yield_count; }
void *pinned;
thread a { void *va = kzalloc(struct lppaca); pinned = va + 4; }
thread b {
    void *va = READ_ONCE(pinned);
    if (va) {
        ${free}
        struct lppaca *lp = va;
        lp->yield_count++;
        ((struct lppaca *)va)->shared_proc = 1;
    }
}
`;
  assert.deepEqual(kinds(text('')), []);
  const found = exploreAll(compileOk(text('kfree(va);')));
  assert.deepEqual([...found.kinds], ['use_after_free']);
  const uaf = found.violations.find((v) => v.kind === 'use_after_free')!;
  // KASAN reports the access size of the field's type: a u32 is "size 4".
  assert.match(uaf.report, /Read of size 4 at addr/);
});

test('KASAN sizes an access by the field type', () => {
  const report = (field: string): string => {
    const found = exploreAll(compileOk(`struct o { ${field} x; }
thread t { struct o *p = kzalloc(struct o); kfree(p); p->x = 1; }
`));
    return found.violations.find((v) => v.kind === 'use_after_free')!.report;
  };
  assert.match(report('int'), /Write of size 4 /);
  assert.match(report('u8'), /Write of size 1 /);
  assert.match(report('unsigned long'), /Write of size 8 /);
  assert.match(report('struct o *'), /Write of size 8 /);
});

test('function-pointer declarators bind as fn-typed places (fields, params, locals, static tables)', () => {
  const l = loadScenario('t.lockstep', `struct kvm_device;
struct kvm_device_ops {
    const char *name;
    void (*release)(struct kvm_device *dev);
    int (*has_attr)(struct kvm_device *dev, u64 attr);
};
struct kvm_device { const struct kvm_device_ops *ops; };
static void rel(struct kvm_device *dev) { kfree(dev); }
static struct kvm_device_ops ops = { .name = 0, .release = rel };
static void set(struct kvm_device *d, void (*cb)(struct kvm_device *dev)) { void (*local)(struct kvm_device *) = cb; }
thread t { struct kvm_device *d = kzalloc(struct kvm_device); d->ops = &ops; set(d, rel); kfree(d); }
`);
  assert.deepEqual(l.diagnostics.map((d) => d.message), []);
  const ops = l.binding!.structs.find((s) => s.name === 'kvm_device_ops')!;
  const release = ops.fields.find((f) => f.name === 'release')!.type;
  assert.equal(release.k, 'fnref');
  assert.ok(release.k === 'fnref' && release.sig && release.sig.returns.k === 'void' && release.sig.params[0]?.k === 'ptr');
  assert.equal(ops.fields.find((f) => f.name === 'has_attr')!.type.k, 'fnref');
  // The static table holds the function's word (index + 1, so that NULL is never a function).
  const g = l.binding!.globals.find((x) => x.name === 'ops')!;
  const relIndex = l.binding!.fns.find((f) => f.name === 'rel')!.index;
  assert.deepEqual(l.binding!.staticInit.filter(([a]) => a === g.address + 1), [[g.address + 1, relIndex + 1]]);
});

test('misuse is a diagnostic with a suggestion', () => {
  assert.deepEqual(diags(`static int f(int x) { if (x) goto out_unlok; return 0; out_unlock: return 1; }
thread t { f(1); }
`), ["1:35 error unknown-label: no label 'out_unlok' in this function (did you mean 'out_unlock'?)", "1:56 warning unused-label: label 'out_unlock' is never used (no goto out_unlock;)"]);
  assert.deepEqual(diags(`int pin(struct kvm *kvm);
struct kvm { int x; }
thread t { pin(NULL); }
`), ["3:12 error no-definition: 'pin' is declared but has no body: the model runs only what it can read; define it (a stub will do: int pin(struct kvm *kvm) { return 0; })"]);
  assert.deepEqual(diags(`static void f(void) { }
thread t { int r = f(); }
`), ['2:20 error void-value: f returns void; call it as a statement of its own']);
  assert.deepEqual(diags(`thread t { void *p = NULL; int v = *p; }
`), ['1:36 error void-deref: a void * cannot be dereferenced: cast it to the type it points to first (*(T *)p)']);
  assert.deepEqual(diags(`static void g(unsigned long *nb) { *nb = 1; }
thread t { unsigned long nb; g(nb); }
`), ['2:32 error wrong-type: argument 1 of g expects unsigned long *, but this is an unsigned long (pass its address: &nb)']);
  assert.deepEqual(diags(`thread t { int x = 1; switch (x) { case 1: break; case 1: break; default: break; default: break; } case 2: ; }
`), [
    '1:56 error duplicate-case: duplicate case value 1',
    "1:82 error duplicate-case: a second 'default' in this switch",
    "1:100 error outside-switch: 'case' outside a switch",
  ]);
  assert.deepEqual(diags(`int v; thread t { int x = 1; switch (x) { case v: break; } continue; }
`), ['1:48 error case-not-constant: a case value must be a constant (a number or a predefined constant)', "1:60 error outside-loop: 'continue' outside a loop"]);
  assert.deepEqual(diags(`struct mutex { int owner; };
thread t { }
`), ["1:8 error redeclared-builtin: struct mutex is the model's mutex: use it without declaring it (struct mutex lock;)"]);
  assert.deepEqual(diags(`static int f(struct kvm *k, int x);
struct kvm { int y; }
static int f(struct kvm *k) { return 0; }
thread t { f(NULL); }
`), ['3:12 error prototype-mismatch: f is defined with 1 parameter, but its prototype has 2']);
});

test("'config' is a field name like any other, and fields of an actor say so in good grammar", () => {
  assert.deepEqual(diags(`config KCSAN;
struct kvm_device { int config; }
struct kvm_device dev;
thread t { dev.config = 1; int c = dev.config; }
`), []);
  assert.deepEqual(diags(`thread u { }
thread t { int m = u->mode; }
`), ["2:23 error no-fields: 'mode': an actor has no fields"]);
  // A vCPU's name is its struct kvm_vcpu *: it has fields (mode, requests, …).
  assert.deepEqual(diags(`vcpu v0 { }
thread t { int m = v0->mode; }
`), []);
});

test('the parser recovers from malformed C and reports each mistake once', () => {
  const cases: readonly [string, string][] = [
    ['static long f(struct kvm *kvm {\n}\nthread t { }', "expected ')'"],
    ['thread t { goto ; }', 'expected a label name'],
    ['thread t { switch (x) { case 1 x = 2; } }', "expected ':' after the case value"],
    ['thread t { int x = (struct foo *; }', "expected ')' to close the cast"],
    ['struct s { void (*cb(int x); };\nthread t { }', "expected ')'"],
    ['thread t { int r = a ? b ; }', "expected ':' of the conditional expression"],
    ['static DEFINE_MUTEX(;\nthread t { }', 'expected a variable name'],
    ['static struct ops o = { .release = , };\nthread t { }', 'expected an expression'],
  ];
  for (const [text, message] of cases) {
    const r = parse(text);
    assert.ok(r.diagnostics.some((d) => d.message.startsWith(message)), `${text}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    assert.equal(r.program.kind, 'Program');
    // The actor after the mistake is still there.
    if (text.includes('thread t')) assert.ok(r.program.decls.some((d) => d.kind === 'Actor'), text);
  }
});

test('the outline and semantic tokens know C definitions, static definitions and labels', async () => {
  const { analyze, outline, semanticTokens } = await import('../../core/ide');
  const text = `static DEFINE_MUTEX(kvm_lock);
struct kvm { int n; };
static long kvm_vm_ioctl(struct kvm *kvm, unsigned int ioctl)
{
    mutex_lock(&kvm_lock);
    if (ioctl)
        goto out;
    kvm->n = 1;
out:
    mutex_unlock(&kvm_lock);
    return 0;
}
thread t { kvm_vm_ioctl(NULL, 1); }
`;
  const a = analyze('t.lockstep', text);
  const fn = outline(a).find((s) => s.name === 'kvm_vm_ioctl')!;
  assert.equal(fn.detail, '(struct kvm *kvm, unsigned int ioctl): long');
  assert.equal(outline(a).find((s) => s.name === 'kvm_lock')!.kind, 'lock');
  const tokens = semanticTokens(a).map((t) => `${text.slice(t.span.start, t.span.end)}:${t.type}${t.modifiers.length ? `+${t.modifiers.join('+')}` : ''}`);
  assert.ok(tokens.includes('DEFINE_MUTEX:macro+defaultLibrary'), tokens.join(' '));
  assert.ok(tokens.includes('out:label'), tokens.join(' '));
  assert.ok(tokens.includes('out:label+declaration'), tokens.join(' '));
});

test('fn is a name too: a callback parameter or local called fn, as the kernel names them', () => {
  const text = `struct kvm_io_device;
struct kvm { struct mutex lock; int n; };
static struct kvm kvm;
static void bump(struct kvm *kvm) { kvm->n++; }
static int kvm_for_each(struct kvm *kvm, void (*fn)(struct kvm *kvm))
{
	mutex_lock(&kvm->lock);
	fn(kvm);
	mutex_unlock(&kvm->lock);
	return 0;
}
fn twice(struct kvm *kvm) { bump(kvm); bump(kvm); }
thread a { kvm_for_each(&kvm, bump); }
thread b { void (*fn)(struct kvm *kvm) = twice; fn(&kvm); kvm_for_each(&kvm, fn); }
final { assert(kvm.n == 5); }
expect no violation;
`;
  assert.deepEqual(diags(text), []);
  assert.deepEqual(kinds(text), []);
  // The callback really runs: a wrong count fails.
  assert.deepEqual(kinds(text.replace('kvm.n == 5', 'kvm.n == 4')), ['assertion']);
});
