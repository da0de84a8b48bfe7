// Builtins: Interrupts and preemption: the local CPU's interrupt and bottom-half state, and
// interrupt lines (an irq actor with `line N` fires only while line N is enabled).

import type { Exec } from '../exec';
import { ActorStatus } from '../types';
import { actorLabel, describeSite } from './common';
import type { Builtin } from './types';

const irq = { name: 'irq', kind: 'irq' } as const;

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
  {
    name: 'local_bh_disable', family: 'irq', params: [], returns: 'void',
    kernel: 'Disables bottom halves (softirqs, timer callbacks) on the local CPU; the task cannot sleep until local_bh_enable.',
    model: 'A timer callback on this actor\'s CPU cannot run until local_bh_enable (hard interrupts still can); sleeping is a violation.',
    run(x) {
      x.setBhOff(1);
      return 0;
    },
  },
  {
    name: 'local_bh_enable', family: 'irq', params: [], returns: 'void',
    kernel: 'Re-enables bottom halves.',
    model: 'Ends one bottom-half-off section.',
    run(x) {
      x.setBhOff(-1);
      return 0;
    },
  },
  {
    name: 'irqs_disabled', family: 'irq', params: [], returns: 'bool',
    kernel: 'Whether interrupts are off on the local CPU.',
    model: 'True with interrupts off (local_irq_disable, spin_lock_irq*) or in a hard interrupt handler.',
    run(x) {
      return x.irqsOff() || (x.inIrq() && !x.inSoftirq()) ? 1 : 0;
    },
  },
  {
    name: 'in_interrupt', family: 'irq', params: [], returns: 'bool',
    kernel: 'Whether the CPU is in interrupt context: a hard or soft interrupt, or bottom halves disabled.',
    model: 'True in an irq handler or timer callback, or with bottom halves off.',
    run(x) {
      return x.inIrq() || x.bhOff() ? 1 : 0;
    },
  },
  {
    name: 'in_softirq', family: 'irq', params: [], returns: 'bool',
    kernel: 'Whether the CPU runs a softirq or has bottom halves disabled.',
    model: 'True in a timer callback (softirq) or with bottom halves off.',
    run(x) {
      return x.inSoftirq() || x.bhOff() ? 1 : 0;
    },
  },
  {
    name: 'in_hardirq', family: 'irq', params: [], returns: 'bool',
    kernel: 'Whether the CPU runs a hard interrupt handler.',
    model: 'True in an irq actor or an hrtimer callback.',
    run(x) {
      return x.inIrq() && !x.inSoftirq() ? 1 : 0;
    },
  },
  {
    name: 'disable_irq', family: 'irq', params: [irq], returns: 'void', sleeps: true,
    kernel: 'Disables an interrupt line (nesting: one enable_irq per disable) and waits for a running handler of it to finish (synchronize_irq). May sleep.',
    model: 'Blocks while a handler of the line runs; then raises the line\'s disable depth: its irq actors cannot fire until the depth is back to 0. Called from that line\'s own handler it is a deadlock.',
    run(x, [n]) {
      x.mightSleep('disable_irq');
      synchronizeIrq(x, n!, 'disable_irq');
      changeDepth(x, n!, 1);
      return 0;
    },
  },
  {
    name: 'disable_irq_nosync', family: 'irq', params: [irq], returns: 'void',
    kernel: 'Disables an interrupt line without waiting for a running handler.',
    model: 'Raises the line\'s disable depth; a handler already running goes on.',
    run(x, [n]) {
      changeDepth(x, n!, 1);
      return 0;
    },
  },
  {
    name: 'enable_irq', family: 'irq', params: [irq], returns: 'void',
    kernel: 'Undoes one disable_irq of the line; at depth 0 the line is unmasked. An enable without a disable is warned about ("Unbalanced enable for IRQ n").',
    model: 'Lowers the line\'s disable depth; at 0 its handlers may fire again. At depth 0 already: assertion, as the kernel\'s WARN.',
    run(x, [n]) {
      changeDepth(x, n!, -1);
      return 0;
    },
  },
  {
    name: 'request_irq', family: 'irq',
    params: [irq, { name: 'handler', kind: 'irqhandler' }, { name: 'flags', kind: 'int' }, { name: 'name', kind: 'string' }, { name: 'dev', kind: 'int' }],
    returns: 'int', sleeps: true,
    kernel: 'Installs the handler on the interrupt line and enables it, unless flags has IRQF_NO_AUTOEN (then enable_irq enables it). May sleep.',
    model: 'The line (disabled until then: the handler is not installed) gets disable depth 0, or 1 with IRQF_NO_AUTOEN; its irq actor may fire while the depth is 0. Returns 0.',
    run(x, [n, , flags]) {
      x.mightSleep('request_irq');
      setDepth(x, n!, (flags! & IRQF_NO_AUTOEN) !== 0 ? 1 : 0);
      return 0;
    },
  },
  {
    name: 'free_irq', family: 'irq', params: [irq, { name: 'dev', kind: 'int' }], returns: 'void', sleeps: true,
    kernel: 'Removes the handler from the interrupt line, waiting for a running one to finish. May sleep.',
    model: 'Blocks while a handler of the line runs; then the line is disabled (no handler installed).',
    run(x, [n]) {
      x.mightSleep('free_irq');
      synchronizeIrq(x, n!, 'free_irq');
      setDepth(x, n!, 1);
      return 0;
    },
  },
  {
    name: 'synchronize_irq', family: 'irq', params: [irq], returns: 'void', sleeps: true,
    kernel: 'Waits until no handler of the interrupt line is running. May sleep.',
    model: 'Blocks while an irq actor of the line runs.',
    run(x, [n]) {
      x.mightSleep('synchronize_irq');
      synchronizeIrq(x, n!, 'synchronize_irq');
      return 0;
    },
  },
  {
    name: 'irq_get_irq_data', family: 'irq', params: [irq], returns: 'int', pure: true,
    kernel: 'The irq_data of an interrupt line.',
    model: 'The line itself (what irqd_irq_disabled reads).',
    run(_x, [n]) {
      return n!;
    },
  },
  {
    name: 'irqd_irq_disabled', family: 'irq', params: [{ name: 'd', kind: 'irq' }], returns: 'bool',
    kernel: 'Whether the interrupt line is disabled (irq_data of irq_get_irq_data).',
    model: 'Reads whether the line\'s disable depth is above 0.',
    run(x, [n]) {
      const w = lineWord(x, n!);
      return w !== undefined && x.read(w, true) > 0 ? 1 : 0;
    },
  },
];

/** The word holding a line's disable depth, or undefined when no irq actor handles that line. */
function lineWord(x: Exec, line: number): number | undefined {
  const i = x.scenario.layout.irqLines.indexOf(line);
  return i < 0 ? undefined : x.scenario.layout.lineWords + i;
}

/** The kernel's IRQF_NO_AUTOEN: request_irq leaves the line disabled. */
export const IRQF_NO_AUTOEN = 0x80000;

function setDepth(x: Exec, line: number, depth: number): void {
  const w = lineWord(x, line);
  if (w !== undefined) x.write(w, depth, true);
}

function changeDepth(x: Exec, line: number, delta: number): void {
  const w = lineWord(x, line);
  if (w === undefined) return;
  const depth = x.read(w, true);
  if (depth + delta < 0) {
    x.fail('assertion', `Unbalanced enable for IRQ ${line}`, [
      '------------[ cut here ]------------',
      `Unbalanced enable for IRQ ${line}`,
      `WARNING: CPU: ${x.actorSym.cpu} PID: ${x.actor + 1} at kernel/irq/manage.c __enable_irq (${actorLabel(x, x.actor)}, ${describeSite(x, x.site.start)})`,
    ].join('\n'));
  }
  x.write(w, depth + delta, true);
}

/** Blocks while a handler of the line runs (synchronize_irq); from that handler, a deadlock. */
function synchronizeIrq(x: Exec, line: number, fn: string): void {
  for (let i = 0; i < x.actorCount(); i++) {
    const a = x.scenario.actors[i]!;
    if (a.line !== line || x.actorStatus(i) !== ActorStatus.Running) continue;
    if (i === x.actor) {
      x.fail('deadlock', `${fn}(${line}) from the handler of IRQ ${line} itself`, `${fn}(${line}) called by ${a.name}, the running handler of IRQ ${line}: it waits for itself.\n *** DEADLOCK ***`);
    }
    x.block({ kind: 'irq', line, handler: i });
  }
}
