// Random small scenarios for property tests of the checker: a few actors (some sharing a
// CPU, sometimes an irq handler or a work item) doing random lock, memory, list, flag,
// atomic and choice operations, so that reduced and unreduced searches can be compared.

import fc from 'fast-check';

type Stmt = string;

const INTS = ['x0', 'x1', 'x2'];
const MUTEXES = ['m0', 'm1'];

const intVar = fc.constantFrom(...INTS);
const small = fc.integer({ min: 0, max: 2 });

/** A statement that keeps locks balanced within itself (mostly), nested up to `depth`. */
function stmt(depth: number): fc.Arbitrary<Stmt> {
  const w = (weight: number, arbitrary: fc.Arbitrary<Stmt>): fc.WeightedArbitrary<Stmt> => ({ weight, arbitrary });
  const leaf: fc.WeightedArbitrary<Stmt>[] = [
    w(4, fc.tuple(intVar, intVar).map(([a, b]) => `${a} = ${b} + 1;`)),
    w(3, fc.tuple(intVar, small).map(([a, c]) => `${a} = ${c};`)),
    w(3, intVar.map((a) => `{ int t = ${a}; ${a} = t + 1; }`)),
    w(2, fc.constantFrom('f0 = true;', 'f1 = true;')),
    w(1, fc.constantFrom('await(f0);', 'await(f1);', 'await(x0 == 1);')),
    w(5, fc.constantFrom('p0 = kzalloc(struct obj, GFP_ATOMIC);', 'kfree(p0);', 'p0 = NULL;', 'q = p0;', 'kfree(q);', 'q = kzalloc(struct obj, GFP_ATOMIC);')),
    w(4, fc.constantFrom('if (p0 != NULL) { p0->v = 1; }', 'if (q != NULL) { int t = q->v; }', 'if (q != NULL) { q->v = 2; }')),
    w(2, fc.constantFrom('if (p0 != NULL) { list_add(&p0->node, &head); }', 'if (p0 != NULL) { list_del(&p0->node); }', 'if (q != NULL) { list_add(&q->node, &head); }')),
    w(2, fc.tuple(intVar, small).map(([a, c]) => `assert(${a} != ${c + 2});`)),
    w(2, fc.constantFrom('atomic_inc(&a0);', 'if (atomic_read(&a0) == 2) { x2 = 1; }')),
    w(2, intVar.map((a) => `WRITE_ONCE(${a}, 1);`)),
    w(2, intVar.map((a) => `{ int t = READ_ONCE(${a}); }`)),
    w(1, fc.constantFrom('msleep(1);', 'helper();')),
    w(1, fc.constantFrom('mutex_unlock(&m1);', 'spin_unlock(&s0);')),
    w(1, fc.constantFrom('queue_work(w0);', 'flush_work(w0);')),
    w(1, fc.constantFrom('while (!READ_ONCE(f1)) { cpu_relax(); }')),
  ];
  if (depth <= 0) return fc.oneof(...leaf);
  const inner = fc.array(stmt(depth - 1), { minLength: 1, maxLength: 2 }).map((b) => b.join(' '));
  return fc.oneof(
    { weight: 6, arbitrary: fc.oneof(...leaf) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(['m0', 'm1'], ['m1', 'm0']), inner).map(([[a, b], x]) => `mutex_lock(&${a}); mutex_lock(&${b}); ${x} mutex_unlock(&${b}); mutex_unlock(&${a});`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...MUTEXES), inner).map(([m, b]) => `mutex_lock(&${m}); ${b} mutex_unlock(&${m});`) },
    { weight: 1, arbitrary: inner.map((b) => `spin_lock(&s0); ${b} spin_unlock(&s0);`) },
    { weight: 1, arbitrary: inner.map((b) => `spin_lock_irqsave(&s0, fl); ${b} spin_unlock_irqrestore(&s0, fl);`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('read', 'write'), inner).map(([k, b]) => `down_${k}(&r0); ${b} up_${k}(&r0);`) },
    { weight: 1, arbitrary: fc.tuple(intVar, small, inner, inner).map(([a, c, t, e]) => `if (${a} == ${c}) { ${t} } else { ${e} }`) },
    { weight: 1, arbitrary: fc.tuple(inner, inner).map(([a, b]) => `choose { ${a} } or { ${b} }`) },
    { weight: 1, arbitrary: inner.map((b) => `for (int i = 0; i < 2; i++) { ${b} }`) },
    { weight: 1, arbitrary: inner.map((b) => `local_irq_disable(); ${b} local_irq_enable();`) },
    { weight: 1, arbitrary: inner.map((b) => `if (mutex_trylock(&m0)) { ${b} mutex_unlock(&m0); }`) },
  );
}

const body = fc.array(stmt(2), { minLength: 1, maxLength: 4 }).map((b) => b.join('\n    '));

export interface GeneratedScenario {
  readonly text: string;
}

/** A whole scenario: 2–3 threads, maybe an irq handler and a work item, maybe KCSAN. */
export const scenarioArb: fc.Arbitrary<string> = fc
  .record({
    threads: fc.array(fc.tuple(body, fc.integer({ min: 0, max: 2 })), { minLength: 2, maxLength: 3 }),
    irq: fc.option(body, { freq: 3 }),
    work: fc.option(body, { freq: 3 }),
    kcsan: fc.boolean(),
    prealloc: fc.boolean(),
  })
  .map(({ threads, irq, work, kcsan, prealloc }) => {
    const out = [
      'scenario "generated"',
      ...(kcsan ? ['config KCSAN;'] : []),
      'struct obj { int v; list_head node; }',
      'mutex m0;', 'mutex m1;', 'spinlock s0;', 'rwsem r0;',
      'int x0;', 'int x1;', 'int x2;', 'bool f0;', 'bool f1;', 'atomic_t a0;',
      'struct obj *p0;', 'list_head head;',
      'fn helper() { mutex_lock(&m1); x1 = x1 + 1; mutex_unlock(&m1); }',
    ];
    threads.forEach(([b, cpu], i) => out.push(`thread t${i} on cpu${cpu} {\n    int fl; struct obj *q;\n    ${i === 0 && prealloc ? 'p0 = kzalloc(struct obj, GFP_ATOMIC); ' : ''}${b}\n}`));
    out.push(`work w0 {\n    int fl; struct obj *q;\n    ${work ?? 'x2 = 1;'}\n}`);
    if (irq !== null) out.push(`irq i0 on cpu0 {\n    int fl; struct obj *q;\n    ${irq}\n}`);
    return out.join('\n');
  });

/**
 * A scenario with 2–3 copies of one random thread, each on its own CPU (interchangeable
 * for symmetry reduction), maybe another thread and a work item.
 */
export const symmetricScenarioArb: fc.Arbitrary<string> = fc
  .record({
    shared: body,
    copies: fc.integer({ min: 2, max: 3 }),
    other: fc.option(body, { freq: 2 }),
    work: fc.option(body, { freq: 3 }),
    kcsan: fc.boolean(),
    prealloc: fc.boolean(),
  })
  .map(({ shared, copies, other, work, kcsan, prealloc }) => {
    const out = [
      'scenario "generated, symmetric"',
      ...(kcsan ? ['config KCSAN;'] : []),
      'struct obj { int v; list_head node; }',
      'mutex m0;', 'mutex m1;', 'spinlock s0;', 'rwsem r0;',
      'int x0;', 'int x1;', 'int x2;', 'bool f0;', 'bool f1;', 'atomic_t a0;',
      'struct obj *p0;', 'list_head head;',
      'fn helper() { mutex_lock(&m1); x1 = x1 + 1; mutex_unlock(&m1); }',
    ];
    for (let i = 0; i < copies; i++) out.push(`thread t${i} on cpu${i} {\n    int fl; struct obj *q;\n    ${shared}\n}`);
    if (other !== null) out.push(`thread u on cpu7 {\n    int fl; struct obj *q;\n    ${prealloc ? 'p0 = kzalloc(struct obj, GFP_ATOMIC); ' : ''}${other}\n}`);
    out.push(`work w0 {\n    int fl; struct obj *q;\n    ${work ?? 'x2 = 1;'}\n}`);
    return out.join('\n');
  });
