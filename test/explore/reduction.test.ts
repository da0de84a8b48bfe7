// Partial-order reduction never loses a bug: on hand-written scenarios that stress the
// enabledness dependencies (CPU sharing, interrupts, IPIs, work items, fd callbacks) and on
// random ones, the reduced search finds the same violations (kind and location), records the
// same lockdep dependencies and reaches the same verdict as the search of every
// interleaving, while each step the model takes stays inside its static footprint.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { CompiledScenario } from '../../core/model/compiled';
import { Search } from '../../core/explore/search';
import { Reducer } from '../../core/explore/reduction';
import { Footprints } from '../../core/explore/footprint';
import { initialState, nextInstr, step } from '../../core/model/machine';
import type { StepOk } from '../../core/model/types';
import type { CheckOptions } from '../../core/explore';
import { DETECTOR_CASES, scenarioText } from './detector-cases';
import { compileText } from './helpers';
import { scenarioArb } from './scenario-gen';

/** Kinds whose location depends on the search order: compared by presence only. */
const ORDER_DEPENDENT = new Set(['lock_order', 'irq_lock_inversion', 'livelock']);

interface Summary {
  readonly keys: string[];
  readonly edges: string[];
  readonly states: number;
  readonly complete: boolean;
}

function explore(s: CompiledScenario, opts: CheckOptions): Summary {
  const search = new Search(s, { maxStates: 100_000, symmetry: false, ...opts });
  search.run();
  const keys = new Set(search.raw.map((r) => (ORDER_DEPENDENT.has(r.violation.kind) ? r.violation.kind : r.key)));
  return {
    keys: [...keys].sort(),
    edges: search.lockdep.dependencies().map((e) => `${e.from}>${e.to}`).sort(),
    states: search.store.size,
    complete: search.stopReason === undefined,
  };
}

/** Compares the reduced searches (bfs, dfs) with the full one; returns the states of each. */
function agree(s: CompiledScenario): { full: number; reduced: number } | undefined {
  const full = explore(s, { reduction: false, checkFootprints: true });
  const reduced = explore(s, { reduction: true, checkFootprints: true });
  const dfs = explore(s, { reduction: true, strategy: 'dfs' });
  if (!full.complete || !reduced.complete || !dfs.complete) return undefined;
  assert.deepEqual(reduced.keys, full.keys, 'violations (bfs, reduced)');
  assert.deepEqual(reduced.edges, full.edges, 'lockdep dependencies (bfs, reduced)');
  assert.deepEqual(dfs.keys, full.keys, 'violations (dfs, reduced)');
  assert.deepEqual(dfs.edges, full.edges, 'lockdep dependencies (dfs, reduced)');
  assert.ok(reduced.states <= full.states);
  return { full: full.states, reduced: reduced.states };
}

const TRICKY: readonly { readonly name: string; readonly text: string }[] = [
  {
    name: 'an irq handler and a task on one CPU, the task with a spinlock',
    text: `spinlock l; int x; int y;
thread t on cpu0 { spin_lock(&l); x = 1; y = x; spin_unlock(&l); x = 2; }
irq h on cpu0 { int v = x; if (v == 1) { y = 3; } }
thread u on cpu1 { int w = y; assert(w != 3); }`,
  },
  {
    name: 'kick_all_cpus_sync waits for a CPU with interrupts off',
    text: `bool ready; int x;
vcpu v0 on cpu1 { local_irq_disable(); x = 1; local_irq_enable(); ready = true; }
thread r on cpu0 { kick_all_cpus_sync(); int seen = x; assert(seen == 1 || !ready); }`,
  },
  {
    name: 'a work item queued, flushed and cancelled',
    text: `struct obj { int v; }
struct obj *gp;
work w { struct obj *o = gp; if (o != NULL) { o->v = 2; } }
thread a { gp = kzalloc(struct obj); queue_work(w); }
thread b { flush_work(w); struct obj *o = gp; gp = NULL; kfree(o); }`,
  },
  {
    name: 'a guessed fd closed, running the release callback',
    text: `struct obj { int v; list_head node; }
list_head head; mutex lock;
fn release(struct obj *o) { mutex_lock(&lock); list_del(&o->node); mutex_unlock(&lock); kfree(o); }
thread create { struct obj *o = kzalloc(struct obj); int fd = anon_inode_getfd(o, release); mutex_lock(&lock); list_add(&o->node, &head); mutex_unlock(&lock); }
thread guess { close(any); }`,
  },
  {
    name: 'readers and a writer on an rwsem, with trylock',
    text: `rwsem sem; mutex m; int x;
thread r1 { down_read(&sem); int v = x; up_read(&sem); }
thread r2 { down_read(&sem); if (mutex_trylock(&m)) { x = x + 1; mutex_unlock(&m); } up_read(&sem); }
thread w { down_write(&sem); x = 5; up_write(&sem); }`,
  },
  {
    name: 'guest entry written out, with a request and a kick from another CPU (the kick can be lost)',
    text: `struct kvm { int x; }
struct kvm kvm;
fn enter(struct kvm_vcpu *vcpu) {
    local_irq_disable();
    if (kvm_request_pending(vcpu)) { local_irq_enable(); return; }
    WRITE_ONCE(vcpu->mode, IN_GUEST_MODE);
    guest_run(vcpu);
    vcpu->mode = OUTSIDE_GUEST_MODE;
    local_irq_enable();
}
vcpu v0 on cpu0 { enter(vcpu); kvm_check_request(KVM_REQ_TLB_FLUSH); }
thread t on cpu1 { int i; struct kvm_vcpu *vcpu; kvm_for_each_vcpu(i, vcpu, &kvm) { kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu); kvm_vcpu_kick(vcpu); } }`,
  },
  {
    name: 'two vCPUs bound to instances of one kvm, requests by name and through kvm_get_vcpu',
    text: `struct kvm_vcpu { int pending; }
struct kvm { struct kvm_vcpu vcpus[2]; }
struct kvm kvm;
vcpu v0 = &kvm.vcpus[0] on cpu0 { if (kvm_check_request(KVM_REQ_EVENT, vcpu)) { vcpu->pending = 0; } vcpu_enter_guest(); }
vcpu v1 = &kvm.vcpus[1] on cpu1 { kvm_make_request(KVM_REQ_EVENT, v0); kvm_vcpu_kick(v0); int r = kvm_request_pending(vcpu); }
thread t on cpu2 { struct kvm_vcpu *v = kvm_get_vcpu(&kvm, 1); v->pending = 1; kvm_vcpu_wake_up(v); }`,
  },
  {
    name: 'calls through an ops table and a release fn passed as a parameter',
    text: `struct dev_ops { fn release; fn poke; }
struct dev { struct dev_ops *ops; kref ref; int x; }
struct dev_ops ops;
struct dev *gd;
mutex lock;
fn dev_release(struct dev *d) { mutex_lock(&lock); gd = NULL; mutex_unlock(&lock); kfree(d); }
fn dev_poke(struct dev *d) { d->x = 1; }
fn put(struct dev *d, fn release) { kref_put(&d->ref, release); }
init { ops.release = dev_release; ops.poke = dev_poke; gd = kzalloc(struct dev); gd->ops = &ops; kref_init(&gd->ref); kref_get(&gd->ref); }
thread a { struct dev *d = gd; d->ops->poke(d); put(d, d->ops->release); }
thread b { mutex_lock(&lock); struct dev *d = gd; if (d != NULL) { d->x = 2; } mutex_unlock(&lock); }
thread c { struct dev *d = gd; put(d, dev_release); }`,
  },
  {
    name: 'C: goto error unwinding, switch, an out-parameter through a pointer to a local, ?:',
    text: `struct obj { u32 v; void *priv; }
struct obj *published; static DEFINE_MUTEX(lock);
static int pin(struct obj *o, unsigned long *nb) { *nb = o ? 4096 : 0; return o ? 0 : -EFAULT; }
static long create(unsigned int cmd)
{
    unsigned long nb;
    struct obj *o = kzalloc(struct obj);
    int ret = pin(o, &nb);
    if (ret)
        goto out_free;
    switch (cmd) {
    case 1:
        mutex_lock(&lock);
        published = o;
        mutex_unlock(&lock);
        break;
    default:
        ret = -EINVAL;
        goto out_free;
    }
    o->v = (u32)nb;
    return 0;
out_free:
    kfree(o);
    return ret;
}
thread a { create(1); create(2); }
thread b { mutex_lock(&lock); struct obj *p = published; mutex_unlock(&lock); if (p) { void *va = p; ((struct obj *)va)->priv = va + 8; } }`,
  },
  {
    // A waiter whose attempt fails (a mutex taken with interrupts off) while its lock's
    // holder never lets go: left out of the candidates, it is still tried at the dead end.
    name: 'a waiter in atomic context behind a holder that never lets go',
    text: `mutex m; int x; bool go;
thread h { mutex_lock(&m); x = 1; await(go); mutex_unlock(&m); }
thread b { local_irq_disable(); mutex_lock(&m); x = 2; mutex_unlock(&m); local_irq_enable(); }
thread c { int t = x; }`,
  },
  {
    // Where b waits for m, a's read of x needs b (its store to x) unless b is frozen, and b is
    // not: m's holder h is not in {a}. Taking {a} alone, the search would read x before b
    // stores it, in every order, and miss the race.
    name: 'a waiter whose lock is held outside the set',
    text: `config KCSAN;
mutex m; int x; int z; bool go;
thread a { int t = x; int u = z; }
thread h { mutex_lock(&m); go = true; z = 1; mutex_unlock(&m); }
thread b { await(go); mutex_lock(&m); x = 1; mutex_unlock(&m); }`,
  },
  {
    // b1 waits for m1, held by b2, which waits for m2, held by h: both are frozen by h.
    name: 'waiters behind waiters',
    text: `mutex m1; mutex m2; int x; int y; int done;
thread h { mutex_lock(&m2); x = 1; y = x; mutex_unlock(&m2); done++; }
thread b2 { mutex_lock(&m1); mutex_lock(&m2); y = 2; mutex_unlock(&m2); mutex_unlock(&m1); done++; }
thread b1 { mutex_lock(&m1); x = 3; mutex_unlock(&m1); done++; }
thread end { await(done == 3); assert(x != 3 || y != 1); }`,
  },
  {
    // c's unlock of a mutex it does not hold touches the lock outside it: a waker of b.
    name: 'a stray unlock while the holder has the lock',
    text: `mutex m; int x;
thread h { mutex_lock(&m); x = 1; x = 2; mutex_unlock(&m); }
thread b { mutex_lock(&m); assert(x != 1); mutex_unlock(&m); }
thread c { mutex_unlock(&m); x = 5; }`,
  },
  {
    name: 'a reader waiting for a writer, and a spinlock waiter with interrupts off',
    text: `rwsem s; spinlock l; int x; int y; int done;
thread h { down_write(&s); spin_lock(&l); x = 1; spin_unlock(&l); y = x; up_write(&s); done++; }
thread r { down_read(&s); int t = y; up_read(&s); done++; }
thread k { int fl; spin_lock_irqsave(&l, fl); x = 2; spin_unlock_irqrestore(&l, fl); done++; }
thread end { await(done == 3); assert(x != 2 || y != 1); }`,
  },
  {
    name: 'lock-protected counter with a reader outside the lock',
    text: `mutex m; int c; int done;
fn inc() { mutex_lock(&m); int t = c; c = t + 1; mutex_unlock(&m); }
thread a { inc(); inc(); done++; }
thread b { inc(); done++; }
thread end { await(done == 2); assert(c == 3); }`,
  },
];

/** The example scenarios in the repository (the seeds among them). */
function exampleFiles(): string[] {
  const root = path.resolve(__dirname, '..', '..', '..', 'examples');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.lockstep')) out.push(p);
    }
  };
  try {
    walk(root);
  } catch {
    // No examples checked out: nothing to compare.
  }
  return out;
}

describe('reduction agrees with every interleaving', () => {
  test('every example small enough to search twice quickly', () => {
    let compared = 0;
    for (const file of exampleFiles()) {
      const s = compileText(readFileSync(file, 'utf8'), file);
      const full = explore(s, { reduction: false, checkFootprints: true, maxStates: 2000 });
      if (!full.complete) continue;
      const reduced = explore(s, { reduction: true, checkFootprints: true });
      assert.deepEqual(reduced.keys, full.keys, file);
      assert.deepEqual(reduced.edges, full.edges, file);
      compared++;
    }
    assert.ok(compared >= Math.min(10, exampleFiles().length), `${compared} examples compared`);
  });

  for (const c of DETECTOR_CASES) {
    test(`detector scenario: ${c.kind}`, () => {
      for (const which of ['buggy', 'fixed'] as const) agree(compileText(scenarioText(c, which)));
    });
  }

  for (const t of TRICKY) {
    test(t.name, () => {
      assert.ok(agree(compileText(`scenario "${t.name}"\n${t.text}\n`)), 'the search completes');
    });
  }

  test('lock-protected code is reduced', () => {
    const r = agree(compileText(`scenario "c"\n${TRICKY.find((c) => c.name.startsWith('lock-protected counter'))!.text}\n`))!;
    assert.ok(r.reduced < r.full, `${r.reduced} < ${r.full}`);
  });

  test('a waiter behind a holder in the set is left out, with what only it needs', () => {
    // The lock-protected counter: a in its critical section, b waiting for the mutex, end
    // waiting for done. a's store needs end (which reads c); end needs whoever may still
    // increment done, but b cannot move before a does: the set is {a, end}, not everyone.
    const s = compileText(`scenario "c"\n${TRICKY.find((c) => c.name.startsWith('lock-protected counter'))!.text}\n`);
    const [a, b, end] = ['a', 'b', 'end'].map((name) => s.actors.findIndex((x) => x.name === name)) as [number, number, number];
    let state = initialState(s);
    const move = (actor: number): void => {
      const r = step(s, state, { actor, choice: 0 });
      assert.equal(r.status, 'ok');
      state = (r as StepOk).state;
    };
    const next = (actor: number): string | undefined => {
      const ins = nextInstr(s, state, actor);
      return ins && s.text.slice(ins.span.start, ins.span.end);
    };
    for (let i = 0; i < 10 && next(a) !== 'c = t + 1'; i++) move(a);
    assert.equal(next(a), 'c = t + 1');
    for (let i = 0; i < 10 && next(b) !== 'mutex_lock(&m)'; i++) move(b);
    assert.equal(next(b), 'mutex_lock(&m)');
    assert.equal(step(s, state, { actor: b, choice: 0 }).status, 'blocked');
    const r = new Reducer(s, new Footprints(s));
    assert.equal(r.first(state), (1 << a) | (1 << end));
    assert.deepEqual([...r.candidates(state)].slice(0, 1), [(1 << a) | (1 << end)]);
  });

  test('random scenarios', () => {
    let compared = 0;
    fc.assert(
      fc.property(scenarioArb, (text) => {
        if (agree(compileText(text))) compared++;
      }),
      { numRuns: 30, seed: 20240501 },
    );
    assert.ok(compared >= 20, `${compared} of 30 random scenarios explored completely`);
  });
});

describe('the first candidate and the list kept from state to state', () => {
  // The search asks `first` (rows kept from the last state, a table of lists, or only the
  // smallest closure looked for) and `all` when the first has no move; both must give what
  // `candidates` computes afresh for the same state, on a second reducer.
  type Internals = { s: CompiledScenario; fp: Footprints; cacheMisses: number };
  const first = Reducer.prototype.first;
  const all = Reducer.prototype.all;
  let states = 0;
  let listed = 0;

  /**
   * Searches `s` with `first` checked at every state and `all` at every `every`-th (the search
   * asks for it rarely, so a list the table has not made yet is asked for after a later hit on
   * its slot, from rows of an earlier state); `lazy`: with the table given up from the start.
   */
  function check(s: CompiledScenario, lazy: boolean, maxStates = 20_000, every = 1): void {
    const fresh = new WeakMap<Reducer, Reducer>();
    Reducer.prototype.first = function (this: Reducer, state) {
      const self = this as unknown as Internals;
      let ref = fresh.get(this);
      if (!ref) {
        fresh.set(this, (ref = new Reducer(self.s, self.fp)));
        if (lazy) self.cacheMisses = Infinity;
      }
      const got = first.call(this, state);
      const want = [...ref.candidates(state)];
      states++;
      assert.equal(got, want[0] ?? 0, 'first');
      if (states % every === 0) assert.deepEqual([...all.call(this)], want, 'all');
      return got;
    };
    Reducer.prototype.all = function (this: Reducer) {
      listed++;
      return all.call(this);
    };
    try {
      new Search(s, { maxStates, symmetry: false }).run();
      new Search(s, { maxStates, strategy: 'dfs' }).run();
    } finally {
      Reducer.prototype.first = first;
      Reducer.prototype.all = all;
    }
  }

  test('examples, detector and tricky scenarios, random scenarios', () => {
    for (const [lazy, every] of [[false, 1], [false, 7], [true, 1]] as const) {
      for (const file of exampleFiles()) check(compileText(readFileSync(file, 'utf8'), file), lazy, 5000, every);
      for (const c of DETECTOR_CASES) for (const which of ['buggy', 'fixed'] as const) check(compileText(scenarioText(c, which)), lazy, 20_000, every);
      for (const t of TRICKY) check(compileText(`scenario "${t.name}"\n${t.text}\n`), lazy, 20_000, every);
      fc.assert(
        fc.property(scenarioArb, (text) => check(compileText(text), lazy, 20_000, every)),
        { numRuns: 30, seed: 20261207 },
      );
    }
    assert.ok(states > 10_000, `${states} states compared`);
    assert.ok(listed > 0, 'the first candidate had no move somewhere');
  });
});
