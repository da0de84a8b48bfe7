// End-to-end suite "debugging": F5 on a copy of seed 004 starts a Lockstep session whose Call
// Stack shows both CPUs as threads; "Break on Lock Acquisition…" puts a breakpoint on
// mem_list_mutex that stops there; "Step This vCPU" moves that thread only; "Freeze / Thaw
// vCPU" keeps a thread where it is while the others run.
// e2e: trusted workspace (VS Code disables debugging in Restricted Mode, for every debugger)

import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { DebugStops, driver, lineOf, openScenario, runStages, SEED_004, threadsByActor, topFrame, type Stop } from '../harness';

const stops = new DebugStops();
let session: vscode.DebugSession | undefined;
let lockStop: Stop | undefined;

function current(): vscode.DebugSession {
  assert.ok(session, 'no debug session: an earlier stage failed');
  return session;
}

export function run(): Promise<void> {
  return runStages([
    {
      name: 'f5-threads',
      async run() {
        await openScenario(...SEED_004);
        const started = new Promise<vscode.DebugSession>((resolve) => {
          const s = vscode.debug.onDidStartDebugSession((x) => {
            s.dispose();
            resolve(x);
          });
        });
        const seen = stops.stops.length;
        // F5 with no launch.json: the configuration provider fills in the open scenario.
        await vscode.commands.executeCommand('workbench.action.debug.start');
        session = await started;
        assert.equal(session.type, 'lockstep');
        assert.match(String(session.configuration['program']), /004-mm-iommu-deadlock\.buggy\.lockstep$/);
        const entry = await stops.next(seen, 'the session to stop on entry');
        assert.equal(entry.body.reason, 'entry');
        const threads = await threadsByActor(current());
        assert.deepEqual([...threads.values()].map((t) => t.name), [
          'CPU0 · ioctl (VFIO_IOMMU_SPAPR_REGISTER_MEMORY: tce_iommu_register_pages)',
          'CPU1 · mmap (mmap() of the GPU RAM region: vfio_pci_nvgpu_mmap)',
        ]);
        await vscode.commands.executeCommand('workbench.debug.action.focusCallStackView');
        for (const cpu of ['CPU0 · ioctl', 'CPU1 · mmap']) await driver('text', { selector: '.debug-call-stack .monaco-list-row', contains: cpu });
      },
    },
    {
      name: 'lock-breakpoint',
      async run() {
        const picking = vscode.commands.executeCommand<vscode.FunctionBreakpoint | undefined>('lockstep.breakOnLock');
        await driver('quickPick', { contains: 'mm->mmap_sem', type: 'mem_list_mutex' });
        const breakpoint = await picking;
        assert.equal(breakpoint?.functionName, 'mem_list_mutex');
        assert.ok(vscode.debug.breakpoints.some((b) => b instanceof vscode.FunctionBreakpoint && b.functionName === 'mem_list_mutex'));
        const seen = stops.stops.length;
        await vscode.commands.executeCommand('workbench.action.debug.continue');
        lockStop = await stops.next(seen, 'the lock breakpoint to stop the run');
        assert.equal(lockStop.body.reason, 'function breakpoint');
        assert.match(lockStop.body.text ?? '', /^ioctl is about to acquire mem_list_mutex/);
        const doc = await vscode.workspace.openTextDocument(current().configuration['program'] as string);
        const frame = await topFrame(current(), lockStop.body.threadId!);
        assert.equal(frame.line - 1, lineOf(doc, 'mutex_lock(&mem_list_mutex);'));
        assert.equal(frame.name, 'mm_iommu_do_alloc');
        await driver('text', { selector: '.debug-call-stack .monaco-list-row', contains: 'Paused on lock breakpoint' });
      },
    },
    {
      name: 'step-this-vcpu',
      async run() {
        assert.ok(lockStop, 'no stop at the lock breakpoint: an earlier stage failed');
        const threads = await threadsByActor(current());
        const ioctl = threads.get('ioctl')!.id;
        const mmap = threads.get('mmap')!.id;
        const before = { ioctl: await topFrame(current(), ioctl), mmap: await topFrame(current(), mmap) };
        const seen = stops.stops.length;
        // As the Call Stack's thread context menu invokes it: (threadId, { sessionId, threadId }).
        await vscode.commands.executeCommand('lockstep.stepThisVcpu', ioctl, { sessionId: current().id, threadId: ioctl });
        const stop = await stops.next(seen, 'the step to finish');
        assert.equal(stop.body.reason, 'step');
        assert.equal(stop.body.threadId, ioctl);
        const after = { ioctl: await topFrame(current(), ioctl), mmap: await topFrame(current(), mmap) };
        assert.notDeepEqual(after.ioctl, before.ioctl, 'the stepped thread moved');
        assert.ok(after.ioctl.line > before.ioctl.line, 'ioctl went on past mutex_lock');
        assert.deepEqual(after.mmap, before.mmap, 'the other thread stayed where it was');
      },
    },
    {
      name: 'freeze',
      async run() {
        const threads = await threadsByActor(current());
        const ioctl = threads.get('ioctl')!.id;
        const mmap = threads.get('mmap')!.id;
        const frozen = await vscode.commands.executeCommand<{ frozen: boolean }>('lockstep.toggleFreezeVcpu', mmap, { sessionId: current().id, threadId: mmap });
        assert.equal(frozen.frozen, true);
        const before = await topFrame(current(), mmap);
        const seen = stops.stops.length;
        await vscode.commands.executeCommand('workbench.action.debug.continue');
        const stop = await stops.next(seen, 'the run of the unfrozen thread to end');
        assert.equal(stop.body.reason, 'pause');
        assert.equal(stop.body.text, 'no unfrozen actor can move; frozen and able to: mmap (thaw one, or step it)');
        assert.equal((await topFrame(current(), ioctl)).name, 'ioctl (finished)');
        assert.deepEqual(await topFrame(current(), mmap), before, 'the frozen thread did not move');
        await driver('text', { selector: '.debug-call-stack .monaco-list-row', contains: 'vfio_pci_nvgpu_mmap) [frozen]' });
      },
    },
    {
      name: 'thaw',
      async run() {
        const mmap = (await threadsByActor(current())).get('mmap')!.id;
        const thawed = await vscode.commands.executeCommand<{ frozen: boolean }>('lockstep.toggleFreezeVcpu', mmap, { sessionId: current().id, threadId: mmap });
        assert.equal(thawed.frozen, false);
        // Thawed, mmap runs by itself until the lock breakpoint stops it at mem_list_mutex;
        // going on, it closes lockdep's cycle.
        let seen = stops.stops.length;
        await vscode.commands.executeCommand('lockstep.runThisVcpu', mmap, { sessionId: current().id, threadId: mmap });
        const atLock = await stops.next(seen, 'mmap to reach mem_list_mutex');
        assert.equal(atLock.body.reason, 'function breakpoint');
        assert.equal(atLock.body.threadId, mmap);
        seen = stops.stops.length;
        await vscode.commands.executeCommand('workbench.action.debug.continue');
        const cycle = await stops.next(seen, 'lockdep to report the cycle');
        assert.equal(cycle.body.reason, 'exception');
        assert.equal(cycle.body.description, 'Paused on Lock order (lockdep)');
        await driver('text', { selector: '.exception-widget', contains: 'Exception has occurred: lock_order' });
      },
    },
  ]);
}
