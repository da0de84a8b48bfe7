// The debugger on the seed scenarios (examples/seeds), over the protocol: every seed's
// thread list, lock breakpoints and hand-driven stepping into seed 004's deadlock, and a
// replay of a recorded trace of seed 003 to its use-after-free, stepped back over.

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FIXTURES, launch, scopeVariables, SEEDS, startAdapter, stopAfter, threadId, top, type Adapter } from './harness';

const SEED_004 = resolve(SEEDS, '004-mm-iommu-deadlock.buggy.lockstep');
const SEED_003 = resolve(SEEDS, '003-gfn-pfn-cache.buggy.lockstep');
// A run of seed 003 that ends in its use-after-free, in the format `lockstep check --trace-out` writes.
const SEED_003_TRACE = resolve(FIXTURES, '003-gfn-pfn-cache.buggy.trace.json');

const SPAPR = ['CPU0 · create (KVM_CREATE_SPAPR_TCE_64: kvm_vm_ioctl_create_spapr_tce)', 'CPU1 · guesser (another thread of the process: close(guessed fd))'];
const XIVE = [
  'init · the initial state',
  'CPU2 · qemu (QEMU main thread: close(device fd) while the VM runs)',
  'vCPU0 · CPU0 (outside guest)',
  'vCPU1 · CPU1 (outside guest)',
  'CPU3 · debugfs (cat /sys/kernel/debug/powerpc/kvm-xive-*)',
];
const VPA = ['vCPU0 · CPU0 (outside guest)', 'vCPU1 · CPU1 (outside guest)'];
const GPC = ['init · the initial state', 'CPU0 · mmu_notifier (MADV_DONTNEED on the memory behind the cache (mmu_notifier invalidation))', 'vCPU0 · CPU1 (outside guest)'];
const MM_IOMMU = ['CPU0 · ioctl (VFIO_IOMMU_SPAPR_REGISTER_MEMORY: tce_iommu_register_pages)', 'CPU1 · mmap (mmap() of the GPU RAM region: vfio_pci_nvgpu_mmap)'];

const THREADS: Record<string, readonly string[]> = {
  '000-spapr-tce.buggy.lockstep': SPAPR,
  '000-spapr-tce.fixed.lockstep': SPAPR,
  '001-xive-release.buggy.lockstep': XIVE,
  '001-xive-release.fixed.lockstep': XIVE,
  '001-xive-release.final.lockstep': XIVE,
  '002-vpa-registration.buggy.lockstep': VPA,
  '002-vpa-registration.fixed.lockstep': VPA,
  '003-gfn-pfn-cache.buggy.lockstep': GPC,
  '003-gfn-pfn-cache.fixed.lockstep': GPC,
  '004-mm-iommu-deadlock.buggy.lockstep': MM_IOMMU,
  '004-mm-iommu-deadlock.fixed.lockstep': MM_IOMMU,
};

let adapter: Adapter;
beforeEach(() => {
  adapter = startAdapter();
});
afterEach(async () => {
  await adapter.stop();
});

describe('seed thread lists', () => {
  for (const [file, threads] of Object.entries(THREADS)) {
    it(file, async () => {
      const { dc } = adapter;
      const stop = await launch(dc, { program: resolve(SEEDS, file) });
      assert.equal(stop.body.reason, 'entry');
      const { body } = await dc.threadsRequest();
      assert.deepEqual(body.threads.map((t) => t.name), threads);
      assert.deepEqual(body.threads.map((t) => t.id), threads.map((_, i) => i + 1));
    });
  }
});

describe('seed 004: mem_list_mutex vs mmap_sem', () => {
  it('a lock breakpoint on mem_list_mutex hits in each actor', async () => {
    const { dc } = adapter;
    await launch(dc, { program: SEED_004, schedule: 'round-robin' }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'mem_list_mutex' }] }));
    const ioctl = await threadId(dc, 'ioctl');
    const mmap = await threadId(dc, 'mmap');
    const first = await stopAfter(dc, dc.continueRequest({ threadId: ioctl }));
    assert.equal(first.body.reason, 'function breakpoint');
    assert.equal(first.body.threadId, ioctl);
    assert.equal((await top(dc, ioctl)).name, 'mm_iommu_do_alloc');
    const second = await stopAfter(dc, dc.continueRequest({ threadId: ioctl }));
    assert.equal(second.body.reason, 'function breakpoint');
    assert.equal(second.body.threadId, mmap);
    assert.match(second.body.text!, /mmap is about to acquire mem_list_mutex, held by ioctl/);
  });

  it('single-thread stepping leaves the other actor where it was', async () => {
    const { dc } = adapter;
    await launch(dc, { program: SEED_004 });
    const ioctl = await threadId(dc, 'ioctl');
    const mmap = await threadId(dc, 'mmap');
    // Where ioctl stands: its frames and their lines (the top frame's name may gain a 'blocked' note).
    const where = async (): Promise<unknown> => (await dc.stackTraceRequest({ threadId: ioctl })).body.stackFrames.map((f) => [f.id, f.name.split(' — ')[0], f.line, f.column]);
    const ioctlBefore = await where();
    const mmapBefore = await top(dc, mmap);
    for (let i = 0; i < 3; i++) await stopAfter(dc, dc.stepInRequest({ threadId: mmap }));
    assert.notEqual((await top(dc, mmap)).line, mmapBefore.line);
    assert.deepEqual(await where(), ioctlBefore);
  });

  it('driven by hand into the deadlock, stops with the deadlock exception', async () => {
    const { dc } = adapter;
    await launch(dc, { program: SEED_004 });
    const ioctl = await threadId(dc, 'ioctl');
    const mmap = await threadId(dc, 'mmap');
    // mmap takes mmap_sem (vm_mmap_pgoff)…
    const s1 = await stopAfter(dc, dc.stepInRequest({ threadId: mmap }));
    assert.equal(s1.body.reason, 'step');
    // …ioctl runs alone: it takes mem_list_mutex and walks up to down_write(mmap_sem). Nothing can move now.
    const s2 = await stopAfter(dc, dc.continueRequest({ threadId: ioctl, singleThread: true }));
    assert.equal(s2.body.reason, 'exception');
    const info = await dc.exceptionInfoRequest({ threadId: s2.body.threadId! });
    assert.equal(info.body.exceptionId, 'deadlock');
    assert.match(info.body.details!.message!, /ioctl\/1 \(CPU0\) waits for mm->mmap_sem, held by mmap/);
    assert.match(info.body.details!.message!, /mmap\/2 \(CPU1\) waits for mem_list_mutex, held by ioctl/);
    assert.match(info.body.details!.message!, /\*\*\* DEADLOCK \*\*\*/);
    // Stepping either actor now stops at once, saying what it waits for and who holds it.
    const s3 = await stopAfter(dc, dc.nextRequest({ threadId: mmap }));
    assert.equal(s3.body.text, 'mmap waits for mem_list_mutex, held by ioctl: it cannot take a step');
    const s4 = await stopAfter(dc, dc.stepInRequest({ threadId: ioctl }));
    assert.equal(s4.body.text, 'ioctl waits for mm->mmap_sem, held by mmap: it cannot take a step');
    const locks = await scopeVariables(dc, (await top(dc, ioctl)).id, 'Locks');
    assert.deepEqual(locks.vars.map((v) => [v.name, v.value]), [
      ['mem_list_mutex', 'held by ioctl; waiting: mmap'],
      ['mm.mmap_sem', 'write-held by mmap; waiting: ioctl'],
    ]);
  });

  it('the step that completes the deadlock stops at it', async () => {
    const { dc } = adapter;
    await launch(dc, { program: SEED_004 });
    const ioctl = await threadId(dc, 'ioctl');
    const mmap = await threadId(dc, 'mmap');
    await stopAfter(dc, dc.stepInRequest({ threadId: ioctl }));
    // ioctl holds mem_list_mutex; mmap's down_write is the step after which nothing can move.
    const s = await stopAfter(dc, dc.stepInRequest({ threadId: mmap }));
    assert.equal(s.body.reason, 'step');
    const next = await stopAfter(dc, dc.nextRequest({ threadId: ioctl }));
    assert.equal(next.body.reason, 'exception');
    assert.equal((await dc.exceptionInfoRequest({ threadId: next.body.threadId! })).body.exceptionId, 'deadlock');
  });
});

describe('seed 003: gfn=>pfn cache refresh vs invalidation', () => {
  it('replays the trace to its use-after-free and steps back over it', async () => {
    const { dc } = adapter;
    const entry = await launch(dc, { program: SEED_003, schedule: 'replay', trace: SEED_003_TRACE });
    assert.equal(entry.body.reason, 'entry');
    const vcpu = await threadId(dc, 'CPU1');
    const notifier = await threadId(dc, 'mmu_notifier');
    const uaf = await stopAfter(dc, dc.continueRequest({ threadId: vcpu }));
    assert.equal(uaf.body.reason, 'exception');
    assert.equal(uaf.body.threadId, vcpu);
    const info = await dc.exceptionInfoRequest({ threadId: vcpu });
    assert.equal(info.body.exceptionId, 'use_after_free');
    assert.match(info.body.details!.message!, /BUG: KASAN: slab-use-after-free/);
    const heapAtUaf = await scopeVariables(dc, (await top(dc, vcpu)).id, 'Heap');
    assert.ok(heapAtUaf.vars.some((v) => v.name === 'page#1' && /FREED/.test(v.value)));
    // Step back until the page is alive again: the step undone last is mmu_notifier's kfree.
    let undone = 0;
    for (;;) {
      const back = await stopAfter(dc, dc.stepBackRequest({ threadId: vcpu }));
      undone++;
      const heap = await scopeVariables(dc, (await top(dc, vcpu)).id, 'Heap');
      if (heap.vars.some((v) => v.name === 'page#1' && !/FREED/.test(v.value))) {
        assert.equal(back.body.threadId, notifier);
        assert.match(back.body.text!, /kfree/);
        break;
      }
      assert.ok(undone < 43, 'the page was never alive in the replayed run');
    }
    // Stepping forward again over the same move reproduces the same state: the free is back.
    await stopAfter(dc, dc.stepInRequest({ threadId: notifier }));
    const heap = await scopeVariables(dc, (await top(dc, vcpu)).id, 'Heap');
    assert.ok(heap.vars.some((v) => v.name === 'page#1' && /FREED/.test(v.value)));
  });
});
