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
  { name: 'any', value: -1, doc: 'For close(any): a thread that guesses an fd number. The guess is any fd open at that moment, or one that is not open (EBADF).' },
];
