// The debug adapter over the protocol, as a DAP client sees it: threads, single-actor
// stepping, lock/line/data/exception breakpoints, variables, evaluate, stepping back,
// replay of a checker trace, and bad input that must get an error and leave the session alive.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { errorOf, FIXTURES, launch, scopeVariables, startAdapter, stopAfter, threadId, top, type Adapter } from './harness';

const MM_IOMMU = resolve(FIXTURES, 'mm-iommu-deadlock.lockstep');
const GPC = resolve(FIXTURES, 'gpc-refresh-uaf.lockstep');
const GPC_TRACE = resolve(FIXTURES, 'gpc-refresh-uaf.trace.json');

let adapter: Adapter;
beforeEach(() => {
  adapter = startAdapter();
});
afterEach(async () => {
  await adapter.stop();
});

describe('threads', () => {
  it('names every actor after its CPU, name and description', async () => {
    const { dc } = adapter;
    const stop = await launch(dc, { program: MM_IOMMU });
    assert.equal(stop.body.reason, 'entry');
    const { body } = await dc.threadsRequest();
    assert.deepEqual(body.threads.map((t) => [t.id, t.name]), [
      [1, 'CPU0 · ioctl (VFIO_IOMMU_SPAPR_REGISTER_MEMORY)'],
      [2, 'CPU1 · mmap (vfio_pci_nvgpu_mmap)'],
    ]);
  });

  it('lists the three actors of the pfn-cache scenario', async () => {
    const { dc } = adapter;
    await launch(dc, { program: GPC });
    const { body } = await dc.threadsRequest();
    assert.deepEqual(body.threads.map((t) => t.name), [
      'CPU2 · fault (handle_mm_fault)',
      'CPU0 · invalidate (mmu_notifier invalidate_range_start)',
      'CPU1 · refresh (kvm_gfn_to_pfn_cache_refresh)',
    ]);
  });

  it('shows each stack with fn frames at source lines', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU });
    const { body } = await dc.stackTraceRequest({ threadId: 1 });
    assert.deepEqual(body.stackFrames.map((f) => [f.name, f.line]), [['mm_iommu_do_alloc', 7], ['ioctl', 16]]);
    assert.equal(body.stackFrames[0]!.source?.path, MM_IOMMU);
  });
});

describe('lock breakpoints', () => {
  it('stop on mem_list_mutex in each actor: ioctl about to take it, mmap finding it held', async () => {
    const { dc } = adapter;
    let ids: number[] = [];
    await launch(dc, { program: MM_IOMMU, stopOnEntry: true }, async () => {
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'mem_list_mutex' }] });
      assert.equal(r.body.breakpoints[0]!.verified, true);
      ids = r.body.breakpoints.map((b) => b.id!);
    });
    const first = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(first.body.reason, 'function breakpoint');
    assert.equal(first.body.description, 'Paused on lock breakpoint', 'a short badge for the Call Stack; the sentence is the text');
    assert.equal(first.body.threadId, await threadId(dc, 'ioctl'));
    assert.deepEqual(first.body.hitBreakpointIds, ids);
    assert.match(first.body.text!, /ioctl is about to acquire mem_list_mutex/);
    const second = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(second.body.reason, 'function breakpoint');
    assert.equal(second.body.threadId, await threadId(dc, 'mmap'));
    assert.match(second.body.text!, /mmap is about to acquire mem_list_mutex, held by ioctl \(contended\)/);
  });

  it('honour a condition on the actor', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'mem_list_mutex', condition: 'actor == mmap' }] }));
    // ioctl takes mem_list_mutex unseen; mmap finds it held once it holds mmap_sem.
    const stop = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.threadId, await threadId(dc, 'mmap'));
    assert.match(stop.body.text!, /mmap is about to acquire mem_list_mutex, held by ioctl/);
  });

  it('honour a hit count', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: '*', hitCondition: '2' }] }));
    // Round-robin: ioctl's mutex_lock is the first acquisition, mmap's down_write the second.
    const stop = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.threadId, await threadId(dc, 'mmap'));
    assert.match(stop.body.text!, /mmap is about to acquire a lock \(line 20: down_write\(&mmap_sem\)\)/);
  });

  it('stop only on contention in contended mode', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'contended mmap_sem' }] }));
    const stop = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.threadId, await threadId(dc, 'ioctl'));
    assert.match(stop.body.text!, /ioctl is about to acquire mmap_sem, held by mmap \(contended\)/);
  });

  it('report a lock that does not exist as unverified, naming the locks there are', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU }, async () => {
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'kvm->lock' }, { name: '&mmap_sem' }] });
      assert.equal(r.body.breakpoints[0]!.verified, false);
      assert.match(r.body.breakpoints[0]!.message!, /no lock named 'kvm->lock' in this scenario \(locks: mem_list_mutex, mmap_sem/);
      assert.equal(r.body.breakpoints[1]!.verified, true);
    });
  });
});

describe('single-actor stepping', () => {
  it('moves only the stepped actor; the other stays where it was', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU });
    const ioctl = await threadId(dc, 'ioctl');
    const mmap = await threadId(dc, 'mmap');
    const before = await top(dc, ioctl);
    const stop = await stopAfter(dc, dc.stepInRequest({ threadId: mmap }));
    assert.equal(stop.body.reason, 'step');
    assert.equal(stop.body.threadId, mmap);
    assert.deepEqual(await top(dc, ioctl), before);
    const after = await top(dc, mmap);
    assert.equal(after.name, 'mm_iommu_do_alloc');
    assert.equal(after.line, 7);
  });

  it('drives the mm_iommu deadlock by hand and stops at the deadlock with the report', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU });
    const ioctl = await threadId(dc, 'ioctl');
    const mmap = await threadId(dc, 'mmap');
    const s1 = await stopAfter(dc, dc.nextRequest({ threadId: ioctl }));
    assert.equal(s1.body.reason, 'step');
    const s2 = await stopAfter(dc, dc.nextRequest({ threadId: mmap }));
    assert.equal(s2.body.reason, 'exception');
    assert.equal(s2.body.description, 'Paused on Deadlock');
    assert.match(s2.body.text!, /ioctl waits for mmap_sem, held by mmap; mmap waits for mem_list_mutex, held by ioctl/);
    const info = await dc.exceptionInfoRequest({ threadId: s2.body.threadId! });
    assert.equal(info.body.exceptionId, 'deadlock');
    assert.match(info.body.details!.message!, /\*\*\* DEADLOCK \*\*\*/);
    // Stepping a blocked actor stops at once and says what it waits for and who holds it.
    const s3 = await stopAfter(dc, dc.nextRequest({ threadId: ioctl }));
    assert.equal(s3.body.reason, 'step');
    assert.equal(s3.body.text, 'ioctl waits for mmap_sem, held by mmap: it cannot take a step');
    const frame = await top(dc, ioctl);
    assert.match(frame.name, /blocked: waits for mmap_sem, held by mmap/);
  });

  it('continues one thread alone until it finishes, then reports lockdep when the other closes the cycle', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU });
    const ioctl = await threadId(dc, 'ioctl');
    const mmap = await threadId(dc, 'mmap');
    const exited = dc.waitForEvent('thread') as Promise<DebugProtocol.ThreadEvent>;
    const s1 = await stopAfter(dc, dc.continueRequest({ threadId: ioctl, singleThread: true }));
    assert.match(s1.body.text!, /ioctl finished/);
    assert.deepEqual((await exited).body, { reason: 'exited', threadId: ioctl });
    assert.equal((await top(dc, ioctl)).name, 'ioctl (finished)');
    assert.equal((await top(dc, mmap)).line, 20);
    const s2 = await stopAfter(dc, dc.continueRequest({ threadId: mmap, singleThread: true }));
    assert.equal(s2.body.reason, 'exception');
    const info = await dc.exceptionInfoRequest({ threadId: mmap });
    assert.equal(info.body.exceptionId, 'lock_order');
    assert.match(info.body.details!.message!, /possible circular locking dependency detected/);
  });

  it('offers the outcomes of a nondeterministic step as step-in targets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-dap-'));
    const file = join(dir, 'choose.lockstep');
    writeFileSync(file, 'int x;\nthread a {\n    choose { x = 1; } or { x = 2; }\n    x = x + 10;\n}\n');
    const { dc } = adapter;
    await launch(dc, { program: file });
    const { body } = await dc.stepInTargetsRequest({ frameId: (await top(dc, 1)).id });
    assert.equal(body.targets.length, 2);
    await stopAfter(dc, dc.stepInRequest({ threadId: 1, targetId: body.targets[1]!.id }));
    await stopAfter(dc, dc.stepInRequest({ threadId: 1 }));
    const x = await dc.evaluateRequest({ expression: 'x' });
    assert.equal(x.body.result, '2');
  });
});

describe('freezing a thread', () => {
  it('continue for all passes a frozen thread over; thawed, it runs again', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU });
    const ioctl = await threadId(dc, 'ioctl');
    const mmap = await threadId(dc, 'mmap');
    const frozen = await dc.customRequest('lockstep.freeze', { threadId: mmap });
    assert.deepEqual(frozen.body, { threadId: mmap, frozen: true, frozenThreads: [mmap] });
    const names = (await dc.threadsRequest()).body.threads.map((t) => t.name);
    assert.deepEqual(names, ['CPU0 · ioctl (VFIO_IOMMU_SPAPR_REGISTER_MEMORY)', 'CPU1 · mmap (vfio_pci_nvgpu_mmap) [frozen]']);
    const before = await top(dc, mmap);
    // With mmap frozen the run cannot deadlock: ioctl finishes, then nothing unfrozen can move.
    const stop = await stopAfter(dc, dc.continueRequest({ threadId: ioctl }));
    assert.equal(stop.body.reason, 'pause');
    assert.equal(stop.body.text, 'no unfrozen actor can move; frozen and able to: mmap (thaw one, or step it)');
    assert.equal((await top(dc, ioctl)).name, 'ioctl (finished)');
    assert.deepEqual(await top(dc, mmap), before);
    // Stepping a frozen thread by itself still moves it.
    await stopAfter(dc, dc.stepInRequest({ threadId: mmap }));
    assert.notDeepEqual(await top(dc, mmap), before);
    const thawed = await dc.customRequest('lockstep.freeze', { threadId: mmap });
    assert.deepEqual(thawed.body, { threadId: mmap, frozen: false, frozenThreads: [] });
    const end = await stopAfter(dc, dc.continueRequest({ threadId: mmap }));
    assert.equal(end.body.reason, 'exception');
    assert.equal((await dc.exceptionInfoRequest({ threadId: mmap })).body.exceptionId, 'lock_order');
  });

  it('a frozen thread whose step the replayed trace needs pauses the replay, saying so', async () => {
    const { dc } = adapter;
    await launch(dc, { program: GPC, schedule: 'replay', trace: GPC_TRACE });
    const fault = await threadId(dc, 'fault');
    await dc.customRequest('lockstep.freeze', { threadId: fault, frozen: true });
    const stop = await stopAfter(dc, dc.continueRequest({ threadId: fault }));
    assert.equal(stop.body.reason, 'pause');
    assert.match(stop.body.text!, /^the trace's step 1 is fault's, and fault is frozen: thaw it \(or step it\) to go on$/);
  });

  it('refuses a missing thread and a frozen flag that is not a truth value', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU });
    assert.match(await errorOf(dc.customRequest('lockstep.freeze', {})), /names no thread/);
    assert.match(await errorOf(dc.customRequest('lockstep.freeze', { threadId: 1, frozen: 'yes' })), /"frozen" must be true or false/);
  });
});

describe('line and data breakpoints', () => {
  it('verifies lines against statements, moving a breakpoint to the next statement line', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU }, async () => {
      const r = await dc.setBreakpointsRequest({ source: { path: MM_IOMMU }, breakpoints: [{ line: 6 }, { line: 9 }, { line: 30 }] });
      assert.deepEqual(r.body.breakpoints.map((b) => [b.verified, b.line]), [[true, 7], [true, 9], [false, 30]]);
      assert.match(r.body.breakpoints[0]!.message!, /moved to line 7/);
      assert.match(r.body.breakpoints[2]!.message!, /no statement at or after line 30/);
    });
  });

  it('stops when an actor is about to run the line, with a condition on a local of the frame', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU }, () =>
      dc.setBreakpointsRequest({ source: { path: MM_IOMMU }, breakpoints: [{ line: 7, condition: 'adjust == 0' }] }));
    const ioctl = await threadId(dc, 'ioctl');
    const mmap = await threadId(dc, 'mmap');
    // ioctl passes line 7 with adjust == 1; mmap reaches it with adjust == 0.
    await stopAfter(dc, dc.continueRequest({ threadId: ioctl, singleThread: true }));
    const stop = await stopAfter(dc, dc.continueRequest({ threadId: ioctl }));
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal(stop.body.threadId, mmap);
    assert.equal((await top(dc, mmap)).line, 7);
  });

  it('stops at a breakpoint when launched without stopping on entry', async () => {
    const { dc } = adapter;
    const stop = await launch(dc, { program: GPC, stopOnEntry: false }, () =>
      dc.setBreakpointsRequest({ source: { path: GPC }, breakpoints: [{ line: 12 }] }));
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal(stop.body.threadId, await threadId(dc, 'refresh'));
    assert.deepEqual((await dc.stackTraceRequest({ threadId: stop.body.threadId! })).body.stackFrames.map((f) => [f.name, f.line]), [['hva_to_pfn_retry', 12], ['refresh', 42]]);
  });

  it('stops after a write to a watched shared field', async () => {
    const { dc } = adapter;
    await launch(dc, { program: GPC });
    const info = await dc.dataBreakpointInfoRequest({ name: 'gpc.valid' } as DebugProtocol.DataBreakpointInfoArguments);
    assert.ok(info.body.dataId);
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId, accessType: 'write' }] });
    const stop = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'data breakpoint');
    assert.match(stop.body.text!, /gpc.valid written by (invalidate|refresh)/);
    // A whole struct is watched word by word: the first write to any of kvm's fields stops.
    const shared = await scopeVariables(dc, (await top(dc, 1)).id, 'Shared');
    const whole = await dc.dataBreakpointInfoRequest({ variablesReference: shared.ref, name: 'kvm' });
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: whole.body.dataId!, accessType: 'write' }] });
    const lockWrite = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(lockWrite.body.reason, 'data breakpoint');
    assert.match(lockWrite.body.text!, /^kvm written by /);
    const local = await dc.dataBreakpointInfoRequest({ name: 'page', frameId: (await top(dc, 1)).id } as DebugProtocol.DataBreakpointInfoArguments);
    assert.equal(local.body.dataId, null);
    assert.match(local.body.description, /only shared state can be watched/);
  });
});

describe('variables and evaluate', () => {
  it('shows locks with holders and waiters, and the heap with freed objects marked', async () => {
    const { dc } = adapter;
    await launch(dc, { program: GPC, schedule: 'replay', trace: GPC_TRACE, stopOnEntry: false });
    const frame = (await top(dc, await threadId(dc, 'refresh'))).id;
    const heap = await scopeVariables(dc, frame, 'Heap');
    assert.equal(heap.vars.length, 1);
    assert.equal(heap.vars[0]!.name, 'page#1');
    assert.match(heap.vars[0]!.value, /FREED \(freed by invalidate at line 34\)/);
    const locks = await scopeVariables(dc, frame, 'Locks');
    assert.deepEqual(locks.vars.map((v) => [v.name, v.value]), [['kvm.mmu_lock', 'unlocked'], ['gpc.lock', 'unlocked']]);
    const locals = await scopeVariables(dc, frame, 'Locals');
    assert.ok(locals.vars.some((v) => v.name === 'pfn' && /page#1 \(freed\)/.test(v.value)));
  });

  it('evaluates expressions over the state for hovers and the console, and refuses side effects', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU });
    await stopAfter(dc, dc.stepInRequest({ threadId: 1 }));
    const frameId = (await top(dc, 1)).id;
    assert.equal((await dc.evaluateRequest({ expression: 'mem_list_mutex', context: 'hover', frameId })).body.result, 'held by ioctl');
    assert.equal((await dc.evaluateRequest({ expression: 'adjust', frameId })).body.result, '1');
    assert.equal((await dc.evaluateRequest({ expression: 'adjust + 41', frameId })).body.result, '42');
    assert.match(await errorOf(dc.evaluateRequest({ expression: 'no_such_thing', frameId })), /unknown name 'no_such_thing'|no_such_thing/);
    assert.match(await errorOf(dc.evaluateRequest({ expression: 'mm_iommu_do_alloc(1)', frameId })), /does not call fns/);
    assert.match(await errorOf(dc.evaluateRequest({ expression: 'mutex_lock(&mmap_sem)', frameId })), /mutex_lock|only reads/);
  });

  it('sets a shared variable; stepping back undoes it', async () => {
    const { dc } = adapter;
    await launch(dc, { program: GPC });
    const frame = (await top(dc, 1)).id;
    const shared = await scopeVariables(dc, frame, 'Shared');
    const gpc = shared.vars.find((v) => v.name === 'gpc')!;
    const fields = await dc.variablesRequest({ variablesReference: gpc.variablesReference });
    assert.equal(fields.body.variables.find((v) => v.name === 'valid')!.value, 'false');
    const set = await dc.setVariableRequest({ variablesReference: gpc.variablesReference, name: 'valid', value: 'true' });
    assert.equal(set.body.value, 'true');
    assert.equal((await dc.evaluateRequest({ expression: 'gpc.valid' })).body.result, 'true');
    assert.match(await errorOf(dc.setVariableRequest({ variablesReference: gpc.variablesReference, name: 'lock', value: '1' })), /cannot be set/);
    await stopAfter(dc, dc.stepBackRequest({ threadId: 1 }));
    assert.equal((await dc.evaluateRequest({ expression: 'gpc.valid' })).body.result, 'false');
  });
});

describe('replay and stepping backwards', () => {
  it('replays a checker trace to its use-after-free, steps back over it, and explores another interleaving', async () => {
    const { dc } = adapter;
    await launch(dc, { program: GPC, schedule: 'replay', trace: GPC_TRACE }, () => dc.setExceptionBreakpointsRequest({ filters: ['use_after_free', 'deadlock'] }));
    const refresh = await threadId(dc, 'refresh');
    const invalidate = await threadId(dc, 'invalidate');
    const uaf = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(uaf.body.reason, 'exception');
    assert.equal(uaf.body.threadId, refresh);
    assert.equal((await top(dc, refresh)).line, 47);
    const info = await dc.exceptionInfoRequest({ threadId: refresh });
    assert.equal(info.body.exceptionId, 'use_after_free');
    assert.match(info.body.details!.message!, /BUG: KASAN: slab-use-after-free/);
    assert.match(info.body.details!.message!, /Freed by task 2 \(invalidate\)/);
    // Step back over refresh's check and invalidate's kfree: the page is alive again.
    const back1 = await stopAfter(dc, dc.stepBackRequest({ threadId: refresh }));
    assert.equal(back1.body.threadId, refresh);
    const back2 = await stopAfter(dc, dc.stepBackRequest({ threadId: refresh }));
    assert.equal(back2.body.threadId, invalidate);
    assert.equal((await top(dc, invalidate)).line, 34);
    const heap = await scopeVariables(dc, (await top(dc, refresh)).id, 'Heap');
    assert.match(heap.vars[0]!.value, /allocated by fault/);
    // Another interleaving from here: refresh uses the page before invalidate frees it.
    await stopAfter(dc, dc.stepInRequest({ threadId: refresh }));
    await stopAfter(dc, dc.stepInRequest({ threadId: refresh }));
    const end = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(end.body.reason, 'pause');
    assert.match(end.body.text!, /every actor finished/);
    assert.match(await errorOf(dc.nextRequest({ threadId: refresh })), /refresh has finished/);
  });

  it('reverse-continues to the previous breakpoint and goes to any recorded step', async () => {
    const { dc } = adapter;
    await launch(dc, { program: GPC, schedule: 'replay', trace: GPC_TRACE }, () =>
      dc.setBreakpointsRequest({ source: { path: GPC }, breakpoints: [{ line: 34 }] }));
    const bp = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(bp.body.reason, 'breakpoint');
    const uaf = await stopAfter(dc, dc.continueRequest({ threadId: 1 }));
    assert.equal(uaf.body.reason, 'exception');
    const rev = await stopAfter(dc, dc.reverseContinueRequest({ threadId: 1 }));
    assert.equal(rev.body.reason, 'breakpoint');
    assert.equal((await top(dc, await threadId(dc, 'invalidate'))).line, 34);
    const targets = await dc.gotoTargetsRequest({ source: { path: GPC }, line: 25 });
    assert.ok(targets.body.targets.length > 0);
    const start = targets.body.targets.find((t) => /^step 0:/.test(t.label))!;
    const g = await stopAfter(dc, dc.gotoRequest({ threadId: 1, targetId: start.id }));
    assert.equal(g.body.reason, 'goto');
    assert.equal(g.body.threadId, 1, 'the stop is the thread the goto was for');
    assert.equal((await top(dc, await threadId(dc, 'invalidate'))).line, 25);
    // Target ids are positions + 1: step 2 of the replay is target 3, for any thread.
    const invalidate = await threadId(dc, 'invalidate');
    const two = await stopAfter(dc, dc.gotoRequest({ threadId: invalidate, targetId: 3 }));
    assert.equal(two.body.threadId, invalidate);
    assert.match(two.body.text!, /^at step 2 \(after /);
  });

  it('restarts from the beginning', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU });
    await stopAfter(dc, dc.stepInRequest({ threadId: 2 }));
    const again = await stopAfter(dc, dc.restartRequest({ arguments: { program: MM_IOMMU } } as DebugProtocol.RestartArguments));
    assert.equal(again.body.reason, 'entry');
    assert.equal((await top(dc, 2)).line, 20);
  });
});

describe('bad input', () => {
  it('does not launch a file with errors, naming file, line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-dap-'));
    const file = join(dir, 'broken.lockstep');
    writeFileSync(file, 'mutex m;\nthread a {\n    mutex_lock(&n);\n}\n');
    const { dc } = adapter;
    await dc.initializeRequest();
    const message = await errorOf(dc.launchRequest({ program: file } as DebugProtocol.LaunchRequestArguments));
    assert.match(message, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:17: error: unknown name 'n'`));
  });

  it('says what a launch without a program, or with a bad schedule, lacks', async () => {
    const { dc } = adapter;
    await dc.initializeRequest();
    assert.match(await errorOf(dc.launchRequest({} as DebugProtocol.LaunchRequestArguments)), /needs "program"/);
    assert.match(await errorOf(dc.launchRequest({ program: MM_IOMMU, schedule: 'fifo' } as DebugProtocol.LaunchRequestArguments)), /unknown schedule "fifo"/);
    assert.match(await errorOf(dc.launchRequest({ program: MM_IOMMU, schedule: 'random', seed: 'x' } as DebugProtocol.LaunchRequestArguments)), /"seed" must be an integer/);
    assert.match(await errorOf(dc.launchRequest({ program: join(FIXTURES, 'missing.lockstep') } as DebugProtocol.LaunchRequestArguments)), /cannot read the scenario .*missing.lockstep \(ENOENT\)/);
  });

  it('refuses a trace that does not match the file', async () => {
    const { dc } = adapter;
    await dc.initializeRequest();
    const message = await errorOf(dc.launchRequest({ program: MM_IOMMU, schedule: 'replay', trace: GPC_TRACE } as DebugProtocol.LaunchRequestArguments));
    assert.match(message, /step 1 names actor 'fault', which this scenario does not have/);
  });

  it('answers unknown threads, finished actors, missing arguments and unknown requests with errors, and goes on', async () => {
    const { dc } = adapter;
    await launch(dc, { program: MM_IOMMU });
    assert.match(await errorOf(dc.nextRequest({ threadId: 99 })), /unknown thread id 99 \(this scenario's threads are 1 to 2\)/);
    assert.match(await errorOf(dc.customRequest('next')), /names no thread/);
    assert.match(await errorOf(dc.customRequest('frobnicate', { x: 1 })), /unknown request 'frobnicate'/);
    assert.match(await errorOf(dc.stepBackRequest({ threadId: 1 })), /at the start of the run/);
    assert.match(await errorOf(dc.variablesRequest({ variablesReference: 4242 })), /unknown variables reference/);
    assert.match(await errorOf(dc.customRequest('setBreakpoints', { source: { path: MM_IOMMU }, breakpoints: 'line 7' })), /a list of breakpoints, each with a line/);
    assert.match(await errorOf(dc.setExceptionBreakpointsRequest({ filters: ['deadlock', 'kernel_panic'] })), /unknown exception filter kernel_panic/);
    assert.match(await errorOf(dc.evaluateRequest({ expression: 'mem_list_mutex', frameId: -5 })), /unknown frame id -5/);
    await stopAfter(dc, dc.continueRequest({ threadId: 1, singleThread: true }));
    assert.match(await errorOf(dc.stepInRequest({ threadId: 1 })), /ioctl has finished: it has no step to take/);
    assert.equal((await dc.threadsRequest()).body.threads.length, 2);
  });

  it('survives malformed protocol messages', async () => {
    const { dc, process: child } = adapter;
    await launch(dc, { program: MM_IOMMU });
    const junk = 'this is not json';
    child.stdin!.write(`Content-Length: ${junk.length}\r\n\r\n${junk}`);
    child.stdin!.write('Content-Length: 4\r\n\r\nnull');
    assert.equal((await dc.threadsRequest()).body.threads.length, 2);
    assert.equal(child.exitCode, null);
  });

  it('refuses to run a file edited during the session, until restarted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-dap-'));
    const file = join(dir, 'mm.lockstep');
    copyFileSync(MM_IOMMU, file);
    const { dc } = adapter;
    await launch(dc, { program: file });
    writeFileSync(file, `// edited\n${'\n'}${require('node:fs').readFileSync(MM_IOMMU, 'utf8')}`);
    assert.match(await errorOf(dc.nextRequest({ threadId: 1 })), /changed on disk since the session started: restart the session/);
    assert.equal((await dc.threadsRequest()).body.threads.length, 2);
    const again = await stopAfter(dc, dc.restartRequest({ arguments: { program: file } } as DebugProtocol.RestartArguments));
    assert.equal(again.body.reason, 'entry');
    assert.equal((await top(dc, 1)).line, 9);
  });
});

describe('pause', () => {
  it('pauses a run that would go on for a long time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-dap-'));
    const file = join(dir, 'spin.lockstep');
    writeFileSync(file, 'int x;\nthread a {\n    while (true) {\n        x = x + 1;\n    }\n}\n');
    const { dc } = adapter;
    await launch(dc, { program: file });
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await dc.continueRequest({ threadId: 1 });
    await dc.pauseRequest({ threadId: 1 });
    assert.equal((await stopped).body.reason, 'pause');
  });
});
