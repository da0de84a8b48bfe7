// Named constants a scenario may use: errno values, GFP flags, vcpu->mode values.

import { vcpuModes } from '../../semantics/symbols';

export const EBADF = 9;
export const EMFILE = 24;

export const CONSTANTS: readonly { name: string; value: number; doc: string }[] = [
  { name: 'EPERM', value: 1, doc: 'Operation not permitted.' },
  { name: 'ENOENT', value: 2, doc: 'No such file or directory.' },
  { name: 'EINTR', value: 4, doc: 'Interrupted system call.' },
  { name: 'EBADF', value: EBADF, doc: 'Bad file number: close() of an fd that is not open.' },
  { name: 'EAGAIN', value: 11, doc: 'Try again.' },
  { name: 'ENOMEM', value: 12, doc: 'Out of memory.' },
  { name: 'EFAULT', value: 14, doc: 'Bad address.' },
  { name: 'EBUSY', value: 16, doc: 'Device or resource busy.' },
  { name: 'EEXIST', value: 17, doc: 'File exists (a duplicate, e.g. the same LIOBN).' },
  { name: 'EINVAL', value: 22, doc: 'Invalid argument.' },
  { name: 'EMFILE', value: EMFILE, doc: 'Too many open files.' },
  { name: 'GFP_KERNEL', value: 0, doc: 'Allocation flag: may sleep.' },
  { name: 'GFP_ATOMIC', value: 1, doc: 'Allocation flag: must not sleep (atomic context).' },
  { name: 'OUTSIDE_GUEST_MODE', value: vcpuModes.OUTSIDE_GUEST_MODE, doc: 'vcpu->mode: running host code.' },
  { name: 'IN_GUEST_MODE', value: vcpuModes.IN_GUEST_MODE, doc: 'vcpu->mode: entered (or about to enter) the guest; a kick must send an IPI.' },
  { name: 'EXITING_GUEST_MODE', value: vcpuModes.EXITING_GUEST_MODE, doc: 'vcpu->mode: kicked, leaving the guest.' },
  { name: 'READING_SHADOW_PAGE_TABLES', value: vcpuModes.READING_SHADOW_PAGE_TABLES, doc: 'vcpu->mode: walking shadow page tables outside the guest.' },
  { name: 'system_wq', value: 0, doc: 'The system workqueue (schedule_work queues there). Its flushes are not tracked by lockdep here.' },
  { name: 'system_unbound_wq', value: 0, doc: 'The system workqueue for unbound work items; as system_wq.' },
  { name: 'system_highpri_wq', value: 0, doc: 'The high-priority system workqueue; as system_wq.' },
  { name: 'system_long_wq', value: 0, doc: 'The system workqueue for long work items; as system_wq.' },
  { name: 'jiffies', value: 0, doc: 'The tick count. Time is not modelled: an armed timer may expire after any number of steps.' },
  { name: 'HZ', value: 250, doc: 'Ticks per second (a timeout of HZ is one second; the model ignores it).' },
  { name: 'CLOCK_MONOTONIC', value: 1, doc: 'hrtimer clock id (ignored by the model).' },
  { name: 'HRTIMER_MODE_ABS', value: 0, doc: 'hrtimer mode: absolute expiry (ignored by the model).' },
  { name: 'HRTIMER_MODE_REL', value: 1, doc: 'hrtimer mode: relative expiry (ignored by the model).' },
  { name: 'HRTIMER_MODE_ABS_HARD', value: 8, doc: 'hrtimer mode: absolute, hard interrupt context (the model\'s hrtimers always are).' },
  { name: 'HRTIMER_MODE_REL_PINNED', value: 3, doc: 'hrtimer mode: relative, pinned to this CPU (the model\'s hrtimers always are).' },
  { name: 'HRTIMER_NORESTART', value: 0, doc: 'hrtimer callback result: do not re-arm (the model never re-arms on its own).' },
  { name: 'HRTIMER_RESTART', value: 1, doc: 'hrtimer callback result: re-arm; the model does not re-arm (call hrtimer_start to).' },
  { name: 'IRQF_SHARED', value: 0x80, doc: 'request_irq flag: the line may be shared (ignored by the model).' },
  { name: 'IRQF_NO_AUTOEN', value: 0x80000, doc: 'request_irq flag: leave the line disabled; enable_irq enables it.' },
  { name: 'IRQ_NONE', value: 0, doc: 'irqreturn_t: the interrupt was not from this device.' },
  { name: 'IRQ_HANDLED', value: 1, doc: 'irqreturn_t: the interrupt was handled.' },
  { name: 'any', value: -1, doc: 'For close(any): a thread that guesses an fd number. The guess is any fd open at that moment, or one that is not open (EBADF).' },
];
