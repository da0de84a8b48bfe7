// Builtins: vCPUs: guest entry and exit, requests, kicks.

import { ACTOR_WORD, vcpuModes } from '../../semantics/symbols';
import type { Builtin } from './types';
import { vcpuActors, otherCpusWithIrqsOff, kickIfInGuest } from './common';

export const VCPU: readonly Builtin[] = [
  {
    name: 'vcpu_enter_guest', family: 'vcpu', params: [], returns: 'bool', vcpuOnly: true,
    kernel: 'x86 vcpu_enter_guest(): with interrupts off, sets vcpu->mode = IN_GUEST_MODE, rechecks pending requests and kicks, then enters the guest.',
    model: 'One step. If a request is pending or the vCPU was kicked, sets mode OUTSIDE_GUEST_MODE and returns false (retry); otherwise sets mode IN_GUEST_MODE and returns true. Steps until vcpu_exit_guest() run "in the guest".',
    run(x) {
      const req = x.actorWord(x.actor, ACTOR_WORD.requests);
      const mode = x.actorWord(x.actor, ACTOR_WORD.mode);
      if (req !== 0 || mode === vcpuModes.EXITING_GUEST_MODE) {
        x.setActorWord(x.actor, ACTOR_WORD.mode, vcpuModes.OUTSIDE_GUEST_MODE);
        return 0;
      }
      x.setActorWord(x.actor, ACTOR_WORD.mode, vcpuModes.IN_GUEST_MODE);
      return 1;
    },
  },
  {
    name: 'vcpu_exit_guest', family: 'vcpu', params: [], returns: 'void', vcpuOnly: true,
    kernel: 'The guest exits (VM exit): vcpu->mode = OUTSIDE_GUEST_MODE.',
    model: 'One step. Sets this vCPU\'s mode to OUTSIDE_GUEST_MODE.',
    run(x) {
      x.setActorWord(x.actor, ACTOR_WORD.mode, vcpuModes.OUTSIDE_GUEST_MODE);
      return 0;
    },
  },
  {
    name: 'vcpu_mode', family: 'vcpu', params: [{ name: 'vcpu', kind: 'vcpu' }], returns: 'int',
    kernel: 'READ_ONCE(vcpu->mode).',
    model: 'Reads the vCPU\'s mode (OUTSIDE_GUEST_MODE, IN_GUEST_MODE, EXITING_GUEST_MODE).',
    run(x, [v]) {
      return x.actorWord(v!, ACTOR_WORD.mode);
    },
  },
  {
    name: 'kvm_vcpu_kick', family: 'vcpu', params: [{ name: 'vcpu', kind: 'vcpu' }], returns: 'void',
    kernel: 'Kicks a vCPU out of the guest: if it is IN_GUEST_MODE, sets EXITING_GUEST_MODE and sends it an IPI.',
    model: 'One step. A vCPU IN_GUEST_MODE becomes EXITING_GUEST_MODE (its next vcpu_enter_guest fails); otherwise nothing.',
    run(x, [v]) {
      kickIfInGuest(x, v!);
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
      for (const v of vcpuActors(x)) kickIfInGuest(x, v);
      return 0;
    },
  },
  {
    name: 'kvm_make_request', family: 'vcpu', params: [{ name: 'req', kind: 'request' }, { name: 'vcpu', kind: 'vcpu' }], returns: 'void',
    kernel: 'Sets a request bit for the vCPU; it acts on it before its next guest entry.',
    model: 'One step. Sets the request bit; vcpu_enter_guest fails while any request is pending.',
    run(x, [, v], [req]) {
      x.setActorWord(v!, ACTOR_WORD.requests, x.actorWord(v!, ACTOR_WORD.requests) | (1 << req!));
      return 0;
    },
  },
  {
    name: 'kvm_make_all_cpus_request', family: 'vcpu', params: [{ name: 'req', kind: 'request' }], returns: 'void',
    kernel: 'Sets a request on every vCPU and kicks those in the guest.',
    model: 'One step. Sets the request bit on every vcpu actor and kicks each one IN_GUEST_MODE.',
    run(x, _args, [req]) {
      for (const v of vcpuActors(x)) {
        x.setActorWord(v, ACTOR_WORD.requests, x.actorWord(v, ACTOR_WORD.requests) | (1 << req!));
        kickIfInGuest(x, v);
      }
      return 0;
    },
  },
  {
    name: 'kvm_check_request', family: 'vcpu', params: [{ name: 'req', kind: 'request' }], returns: 'bool', vcpuOnly: true,
    kernel: 'Tests and clears a request bit of the current vCPU.',
    model: 'One step. Returns whether the request was pending on this vCPU and clears it.',
    run(x, _args, [req]) {
      const r = x.actorWord(x.actor, ACTOR_WORD.requests);
      if ((r & (1 << req!)) === 0) return 0;
      x.setActorWord(x.actor, ACTOR_WORD.requests, r & ~(1 << req!));
      return 1;
    },
  },
  {
    name: 'kvm_request_pending', family: 'vcpu', params: [], returns: 'bool', vcpuOnly: true,
    kernel: 'Whether any request is pending for the current vCPU.',
    model: 'Reads this vCPU\'s request bits.',
    run(x) {
      return x.actorWord(x.actor, ACTOR_WORD.requests) !== 0 ? 1 : 0;
    },
  },
];
