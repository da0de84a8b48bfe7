// Builtins: Interrupts and preemption.

import type { Builtin } from './types';

export const IRQ: readonly Builtin[] = [
  {
    name: 'local_irq_disable', family: 'irq', params: [], returns: 'void',
    kernel: 'Disables interrupts on the local CPU.',
    model: 'Interrupts are off on this actor: an irq handler on its CPU cannot fire, IPIs to it wait (kick_all_cpus_sync), and sleeping is a violation.',
    run(x) {
      x.setIrqOff(1);
      return 0;
    },
  },
  {
    name: 'local_irq_enable', family: 'irq', params: [], returns: 'void',
    kernel: 'Enables interrupts on the local CPU.',
    model: 'Ends one interrupt-off section of this actor.',
    run(x) {
      x.setIrqOff(-1);
      return 0;
    },
  },
  {
    name: 'hard_irq_disable', family: 'irq', params: [], returns: 'void',
    kernel: 'powerpc: hard-disables interrupts (also soft-masked ones) before entering the guest.',
    model: 'As local_irq_disable.',
    run(x) {
      x.setIrqOff(1);
      return 0;
    },
  },
  {
    name: 'local_irq_save', family: 'irq', params: [{ name: 'flags', kind: 'int' }], returns: 'void',
    kernel: 'Saves the interrupt state in flags and disables interrupts.',
    model: 'As local_irq_disable (interrupt-off sections nest; flags is ignored).',
    run(x) {
      x.setIrqOff(1);
      return 0;
    },
  },
  {
    name: 'local_irq_restore', family: 'irq', params: [{ name: 'flags', kind: 'int' }], returns: 'void',
    kernel: 'Restores the saved interrupt state.',
    model: 'Ends one interrupt-off section.',
    run(x) {
      x.setIrqOff(-1);
      return 0;
    },
  },
  {
    name: 'preempt_disable', family: 'irq', params: [], returns: 'void',
    kernel: 'Disables preemption: the task keeps its CPU.',
    model: 'The actor is in atomic context (sleeping is a violation) and no other task on its CPU runs until preempt_enable.',
    run(x) {
      x.setPreemptOff(1);
      return 0;
    },
  },
  {
    name: 'preempt_enable', family: 'irq', params: [], returns: 'void',
    kernel: 'Re-enables preemption.',
    model: 'Ends one preempt-off section.',
    run(x) {
      x.setPreemptOff(-1);
      return 0;
    },
  },
];
