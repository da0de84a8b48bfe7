// Builtins: vCPUs: guest entry and exit, requests, kicks, the vCPUs of a VM. A vCPU's state
// lives in its `struct kvm_vcpu` (the built-in fields mode, requests, wait), so these take a
// `struct kvm_vcpu *` as the kernel's do; the one-argument forms act on the running vCPU.

import { ACTOR_WORD, vcpuModes } from '../../semantics/symbols';
import type { Exec } from '../exec';
import type { Builtin, BuiltinParam } from './types';
import { done, kickIfInGuest, nextStep, opStep, otherCpusWithIrqsOff, requestBit, vcpuInstances, vcpuOf, vcpuRead, vcpuWrite, wakeUpVcpu } from './common';

const VCPU_ARG: BuiltinParam = { name: 'vcpu', kind: 'vcpu' };
const OPTIONAL_VCPU: BuiltinParam = { name: 'vcpu', kind: 'vcpu', optional: true };

export const VCPU: readonly Builtin[] = [
  {
    name: 'vcpu_enter_guest', family: 'vcpu', params: [], returns: 'bool', vcpuOnly: true, shorthand: true,
    kernel: 'x86 vcpu_enter_guest(): with interrupts off, sets vcpu->mode = IN_GUEST_MODE, rechecks pending requests and kicks, then enters the guest.',
    model: 'One step, a shorthand for the entry written out (a scenario\'s own fn vcpu_enter_guest replaces it).  If a request is pending or the vCPU was kicked, sets mode OUTSIDE_GUEST_MODE and returns false (retry); otherwise sets mode IN_GUEST_MODE and returns true. Steps until vcpu_exit_guest() run "in the guest".',
    run(x) {
      const v = vcpuOf(x);
      const req = vcpuRead(x, v, 'requests');
      const mode = vcpuRead(x, v, 'mode');
      if (req !== 0 || mode === vcpuModes.EXITING_GUEST_MODE) {
        vcpuWrite(x, v, 'mode', vcpuModes.OUTSIDE_GUEST_MODE);
        return 0;
      }
      vcpuWrite(x, v, 'mode', vcpuModes.IN_GUEST_MODE);
      return 1;
    },
  },
  {
    name: 'vcpu_exit_guest', family: 'vcpu', params: [], returns: 'void', vcpuOnly: true, shorthand: true,
    kernel: 'The guest exits (VM exit): vcpu->mode = OUTSIDE_GUEST_MODE.',
    model: 'One step. Sets the running vCPU\'s mode to OUTSIDE_GUEST_MODE.',
    run(x) {
      vcpuWrite(x, vcpuOf(x), 'mode', vcpuModes.OUTSIDE_GUEST_MODE);
      return 0;
    },
  },
  {
    name: 'guest_run', family: 'vcpu', params: [OPTIONAL_VCPU], returns: 'void', vcpuOnly: true, special: 'guest',
    kernel: 'The guest runs until an exit is forced: to the host a vCPU in the guest is `while (READ_ONCE(vcpu->mode) == IN_GUEST_MODE) cpu_relax();` — a kick (EXITING_GUEST_MODE and an IPI) makes it exit.',
    model: 'That loop: one step per look at vcpu->mode, leaving when it is no longer IN_GUEST_MODE (the caller then sets OUTSIDE_GUEST_MODE, as vcpu_enter_guest does after the exit). A guest nobody kicks spins forever: a livelock (the vCPU never comes back to handle its requests).',
    run(x, args) {
      return vcpuRead(x, vcpuOf(x, args[0]), 'mode') === vcpuModes.IN_GUEST_MODE ? 1 : 0;
    },
  },
  {
    name: 'vcpu_mode', family: 'vcpu', params: [VCPU_ARG], returns: 'int',
    kernel: 'READ_ONCE(vcpu->mode).',
    model: 'Reads the vCPU\'s mode (OUTSIDE_GUEST_MODE, IN_GUEST_MODE, EXITING_GUEST_MODE).',
    run(x, [v]) {
      return vcpuRead(x, vcpuOf(x, v), 'mode');
    },
  },
  {
    name: 'kvm_vcpu_kick', family: 'vcpu', params: [VCPU_ARG], returns: 'void',
    kernel: 'virt/kvm/kvm_main.c: wakes the vCPU if it sleeps (kvm_vcpu_wake_up); then, if it is IN_GUEST_MODE, cmpxchg()es its mode to EXITING_GUEST_MODE and sends its CPU an IPI, which forces a VM exit.',
    model: 'One step. Wakes a vCPU sleeping on vcpu->wait; a vCPU IN_GUEST_MODE becomes EXITING_GUEST_MODE (the guest exits, its next entry sees the kick); one OUTSIDE_GUEST_MODE is left alone — it must see the request itself before it enters the guest.',
    run(x, [v]) {
      const vcpu = vcpuOf(x, v);
      if (wakeUpVcpu(x, vcpu)) return 0;
      kickIfInGuest(x, vcpu);
      return 0;
    },
  },
  {
    name: 'kvm_vcpu_wake_up', family: 'vcpu', params: [VCPU_ARG], returns: 'bool',
    kernel: 'virt/kvm/kvm_main.c: wakes the task sleeping on vcpu->wait (rcuwait_wake_up), if any; returns whether one was woken. It does not kick a vCPU out of the guest.',
    model: 'One step. If a task sleeps on vcpu->wait (kvm_vcpu_block / kvm_vcpu_halt), clears it so that task runs again and returns true; otherwise returns false.',
    run(x, [v]) {
      return wakeUpVcpu(x, vcpuOf(x, v)) ? 1 : 0;
    },
  },
  {
    name: 'kvm_vcpu_block', family: 'vcpu', params: [VCPU_ARG], returns: 'bool', sleeps: true,
    kernel: 'virt/kvm/kvm_main.c: puts the task on vcpu->wait (prepare_to_rcuwait), then loops: set_current_state(TASK_INTERRUPTIBLE); if kvm_vcpu_check_block() says the vCPU is runnable (an event or request pending, a signal) it stops, else schedule(). A wake-up after prepare_to_rcuwait is never lost; one fired before it finds no task to wake. Returns whether it slept.',
    model: 'Three steps. The first puts the running task on vcpu->wait. The second is kvm_vcpu_check_block: if a wake-up has already cleared vcpu->wait it returns true; if a request is pending on the vCPU it clears vcpu->wait and returns false. Otherwise the third step sleeps until kvm_vcpu_wake_up / kvm_vcpu_kick (or kvm_make_all_cpus_request) clears vcpu->wait, and returns true. A wake-up that comes before the first step finds nothing to wake, and a request made while the vCPU sleeps, with no wake-up after it, does not wake it: if nothing else makes the vCPU runnable it sleeps for good, and the checker reports the hang as a deadlock. A bare wake-up stands for what makes the vCPU runnable in the kernel (an interrupt injected, a timer fired); a request pending at the check ends the wait whatever its flags. If the scenario defines kvm_arch_vcpu_runnable(struct kvm_vcpu *vcpu), the check calls it (after the first step and after every wake-up) and the vCPU stops waiting only when it returns true or a request is pending; a wake-up otherwise puts it back to sleep; it then returns whether it slept.',
    run(x, [v]) {
      return vcpuBlock(x, v!, 'kvm_vcpu_block');
    },
  },
  {
    name: 'kvm_vcpu_halt', family: 'vcpu', params: [VCPU_ARG], returns: 'void', sleeps: true,
    kernel: 'virt/kvm/kvm_main.c: emulates a guest HLT: polls kvm_vcpu_check_block for a while (halt polling), then sleeps in kvm_vcpu_block until the vCPU is runnable.',
    model: 'kvm_vcpu_block (its three steps and its wake-up rules); halt polling is not modelled, as it only ends the wait earlier for what would wake the sleep anyway.',
    run(x, [v]) {
      vcpuBlock(x, v!, 'kvm_vcpu_halt');
      return 0;
    },
  },
  {
    name: 'kick_all_cpus_sync', family: 'vcpu', params: [], returns: 'void',
    kernel: 'Sends an IPI to every other CPU and waits until each has taken it: a CPU with interrupts disabled delays it.',
    model: 'Blocks while any actor on another CPU has interrupts off; then every vCPU IN_GUEST_MODE becomes EXITING_GUEST_MODE.',
    run(x) {
      const busy = otherCpusWithIrqsOff(x);
      if (busy.length > 0) x.block({ kind: 'ipi', cpus: busy });
      for (const v of vcpuInstances(x)) kickIfInGuest(x, v);
      return 0;
    },
  },
  {
    name: 'kvm_make_request', family: 'vcpu', params: [{ name: 'req', kind: 'request' }, VCPU_ARG], returns: 'void',
    kernel: 'include/linux/kvm_host.h: smp_wmb(); set_bit(req, &vcpu->requests). The vCPU acts on it before its next guest entry; the caller kicks it (kvm_vcpu_kick) if it may be in the guest.',
    model: 'One step. Sets the request bit in vcpu->requests; it does not kick.',
    run(x, [, v], [req]) {
      const vcpu = vcpuOf(x, v);
      vcpuWrite(x, vcpu, 'requests', vcpuRead(x, vcpu, 'requests') | requestBit(req!));
      return 0;
    },
  },
  {
    name: 'kvm_make_all_cpus_request', family: 'vcpu', params: [{ name: 'kvm', kind: 'ptr' }, { name: 'req', kind: 'request' }], returns: 'bool',
    kernel: 'virt/kvm/kvm_main.c: for every vCPU of the VM, kvm_make_request(req, vcpu); then wakes it if it sleeps in kvm_vcpu_block (kvm_vcpu_wake_up), or else, if it is IN_GUEST_MODE, moves it to EXITING_GUEST_MODE and sends its CPU an IPI. Returns whether any IPI was sent. (With KVM_REQUEST_WAIT the IPIs are waited for; KVM_REQUEST_NO_WAKEUP requests do not wake sleepers.)',
    model: 'One step. For every static struct kvm_vcpu whose vcpu->kvm is kvm (as kvm_for_each_vcpu sees them): sets the request bit, then wakes the vCPU if it sleeps on vcpu->wait, or else kicks it out of the guest if it is IN_GUEST_MODE. Returns whether any vCPU was kicked out of the guest. The request flags are not modelled: every request wakes a sleeper, and the IPIs are not waited for.',
    run(x, [kvm], [, req]) {
      let kicked = false;
      for (const v of vcpusOf(x, kvm!)) {
        vcpuWrite(x, v, 'requests', vcpuRead(x, v, 'requests') | requestBit(req!));
        if (wakeUpVcpu(x, v)) continue;
        if (vcpuRead(x, v, 'mode') === vcpuModes.IN_GUEST_MODE) kicked = true;
        kickIfInGuest(x, v);
      }
      return kicked ? 1 : 0;
    },
  },
  {
    name: 'kvm_check_request', family: 'vcpu', params: [{ name: 'req', kind: 'request' }, OPTIONAL_VCPU], returns: 'bool', vcpuOnly: true,
    kernel: 'include/linux/kvm_host.h: if the request bit is set, clears it (and issues smp_mb__after_atomic) and returns true.',
    model: 'One step. Returns whether the request was pending on the vCPU (the running one when vcpu is left out) and clears it.',
    run(x, args, [req]) {
      const vcpu = vcpuOf(x, args[1]);
      const r = vcpuRead(x, vcpu, 'requests');
      if ((r & requestBit(req!)) === 0) return 0;
      vcpuWrite(x, vcpu, 'requests', r & ~requestBit(req!));
      return 1;
    },
  },
  {
    name: 'kvm_request_pending', family: 'vcpu', params: [OPTIONAL_VCPU], returns: 'bool', vcpuOnly: true,
    kernel: 'include/linux/kvm_host.h: READ_ONCE(vcpu->requests) != 0 — what vcpu_enter_guest rechecks after setting IN_GUEST_MODE with interrupts off.',
    model: 'One step. Reads vcpu->requests (the running vCPU\'s when vcpu is left out).',
    run(x, args) {
      return vcpuRead(x, vcpuOf(x, args[0]), 'requests') !== 0 ? 1 : 0;
    },
  },
  {
    name: 'kvm_get_vcpu', family: 'vcpu', params: [{ name: 'kvm', kind: 'ptr' }, { name: 'i', kind: 'int' }], returns: 'vcpu',
    kernel: 'include/linux/kvm_host.h: the i-th vCPU of the VM (xa_load(&kvm->vcpu_array, i)), or NULL.',
    model: 'The i-th of the static struct kvm_vcpus whose vcpu->kvm is kvm: those the vcpu actors run as, in declaration order, then the other static instances by address; NULL past the last.',
    run(x, [kvm, i]) {
      return i! < 0 ? 0 : vcpusOf(x, kvm!)[i!] ?? 0;
    },
  },
];

/** The vCPUs of a kvm, in the order kvm_get_vcpu and kvm_for_each_vcpu see them. */
function vcpusOf(x: Exec, kvm: number): number[] {
  return vcpuInstances(x).filter((v) => vcpuRead(x, v, 'kvm') === kvm);
}

/**
 * kvm_vcpu_block's three steps: prepare_to_rcuwait (vcpu->wait names this actor);
 * kvm_vcpu_check_block, which returns at once if a wake-up already cleared vcpu->wait or a
 * request is pending; then schedule(), which waits until a wake-up clears vcpu->wait. The
 * wait is the machine's block, re-tried whenever the actor is scheduled: after the first
 * step nothing is lost, before it a wake-up finds no sleeper, and once the vCPU sleeps a
 * request alone (kvm_make_request without a kick) does not wake it, as in the kernel.
 */
function vcpuBlock(x: Exec, arg: number, name: string): number {
  const vcpu = vcpuOf(x, arg);
  const step = opStep(x);
  if (step === 0) {
    x.mightSleep(name);
    vcpuWrite(x, vcpu, 'wait', x.actor + 1);
    x.label('prepare_to_rcuwait');
    nextStep(x, 1);
    return 0;
  }
  const runnable = x.scenario.fns.findIndex((f) => f.name === 'kvm_arch_vcpu_runnable');
  if (runnable >= 0) return vcpuBlockAsking(x, vcpu, step, runnable);
  const woken = vcpuRead(x, vcpu, 'wait') === 0;
  if (step === 1 && !woken) {
    // kvm_vcpu_check_block: a request already pending ends the wait without sleeping.
    if (vcpuRead(x, vcpu, 'requests') !== 0) {
      vcpuWrite(x, vcpu, 'wait', 0);
      x.label('check_block: a request is pending');
      done(x);
      return 0;
    }
    x.label('check_block: nothing pending, sleeps');
    nextStep(x, 2);
    return 0;
  }
  if (!woken) {
    // schedule(): only a wake-up ends the sleep. A request made now, with no kick or
    // wake-up after it, is not seen until something else wakes the vCPU.
    const wait = x.describe(vcpu + (x.scenario.vcpuLayout?.wait ?? 0));
    x.block({ kind: 'condition', text: `it is woken on ${wait} (kvm_vcpu_wake_up, kvm_vcpu_kick)` });
  }
  x.label(step === 1 ? 'check_block: already woken' : 'woken up');
  done(x);
  return 1;
}

/**
 * kvm_vcpu_block's loop when the scenario defines kvm_arch_vcpu_runnable(struct kvm_vcpu *):
 * after prepare_to_rcuwait, kvm_vcpu_check_block calls it (its steps are the scenario's), and
 * the vCPU stops waiting when it returns true or a request is pending; otherwise it sleeps
 * until woken and checks again, as the kernel's for (;;) does. So an event the scenario's
 * kvm_arch_vcpu_runnable sees is never lost to a wake-up that came before the sleep, and a
 * wake-up for one it does not see puts the vCPU back to sleep. Returns whether it slept (the
 * kernel's `waited`). Op scratch 0 holds what kvm_arch_vcpu_runnable returned, scratch 1
 * whether the vCPU has slept.
 */
function vcpuBlockAsking(x: Exec, vcpu: number, step: number, runnable: number): number {
  if (step === 1) {
    x.callForResult(runnable, [vcpu]);
    x.label('check_block: kvm_arch_vcpu_runnable()');
    nextStep(x, 2);
    return 0;
  }
  if (step === 2) {
    if (x.actorWord(x.actor, ACTOR_WORD.opScratch0) !== 0 || vcpuRead(x, vcpu, 'requests') !== 0) {
      const slept = x.actorWord(x.actor, ACTOR_WORD.opScratch1);
      vcpuWrite(x, vcpu, 'wait', 0);
      x.label('check_block: runnable');
      done(x);
      return slept;
    }
    if (vcpuRead(x, vcpu, 'wait') === 0) {
      // Woken while it checked: the task is running again, so schedule() returns at once.
      vcpuWrite(x, vcpu, 'wait', x.actor + 1);
      x.label('check_block: not runnable, but woken meanwhile');
      nextStep(x, 1);
      return 0;
    }
    x.label('check_block: not runnable, sleeps');
    nextStep(x, 3);
    return 0;
  }
  if (vcpuRead(x, vcpu, 'wait') !== 0) {
    const wait = x.describe(vcpu + (x.scenario.vcpuLayout?.wait ?? 0));
    x.block({ kind: 'condition', text: `it is woken on ${wait} (kvm_vcpu_wake_up, kvm_vcpu_kick)` });
  }
  x.setActorWord(x.actor, ACTOR_WORD.opScratch1, 1);
  vcpuWrite(x, vcpu, 'wait', x.actor + 1);
  x.label('woken up: checks again');
  nextStep(x, 1);
  return 0;
}
