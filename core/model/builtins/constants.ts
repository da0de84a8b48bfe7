// Named constants a scenario may use: errno values, GFP flags, vcpu->mode values.

import { vcpuModes } from '../../semantics/symbols';

export const EBADF = 9;
export const EMFILE = 24;
export const EINTR = 4;
export const ENOSPC = 28;
/** The GFP bit the model reads: set (GFP_ATOMIC, GFP_NOWAIT), the allocation never sleeps. */
export const GFP_NOSLEEP = 1;

/** include/uapi/asm-generic/errno-base.h, and the errno.h values KVM and VFIO code returns. */
const ERRNO: readonly (readonly [string, number, string])[] = [
  ['EPERM', 1, 'Operation not permitted.'], ['ENOENT', 2, 'No such file or directory.'], ['ESRCH', 3, 'No such process.'],
  ['EINTR', 4, 'Interrupted system call (a signal interrupted a sleep).'], ['EIO', 5, 'I/O error.'], ['ENXIO', 6, 'No such device or address.'],
  ['E2BIG', 7, 'Argument list too long.'], ['ENOEXEC', 8, 'Exec format error.'], ['EBADF', EBADF, 'Bad file number: close() of an fd that is not open.'],
  ['ECHILD', 10, 'No child processes.'], ['EAGAIN', 11, 'Try again.'], ['ENOMEM', 12, 'Out of memory.'], ['EACCES', 13, 'Permission denied.'],
  ['EFAULT', 14, 'Bad address (a failed copy from or to user memory).'], ['ENOTBLK', 15, 'Block device required.'],
  ['EBUSY', 16, 'Device or resource busy.'], ['EEXIST', 17, 'File exists (a duplicate, e.g. the same LIOBN).'], ['EXDEV', 18, 'Cross-device link.'],
  ['ENODEV', 19, 'No such device.'], ['ENOTDIR', 20, 'Not a directory.'], ['EISDIR', 21, 'Is a directory.'], ['EINVAL', 22, 'Invalid argument.'],
  ['ENFILE', 23, 'File table overflow.'], ['EMFILE', EMFILE, 'Too many open files.'], ['ENOTTY', 25, 'Not a typewriter (an unknown ioctl).'],
  ['ETXTBSY', 26, 'Text file busy.'], ['EFBIG', 27, 'File too large.'], ['ENOSPC', ENOSPC, 'No space left on device.'], ['ESPIPE', 29, 'Illegal seek.'],
  ['EROFS', 30, 'Read-only file system.'], ['EMLINK', 31, 'Too many links.'], ['EPIPE', 32, 'Broken pipe.'],
  ['EDOM', 33, 'Math argument out of domain of func.'], ['ERANGE', 34, 'Math result not representable.'],
  ['EDEADLK', 35, 'Resource deadlock would occur.'], ['ENOSYS', 38, 'Invalid system call number.'], ['ENOTEMPTY', 39, 'Directory not empty.'],
  ['EWOULDBLOCK', 11, 'Operation would block (EAGAIN).'], ['ENODATA', 61, 'No data available.'], ['ETIME', 62, 'Timer expired.'],
  ['EOVERFLOW', 75, 'Value too large for defined data type.'], ['EOPNOTSUPP', 95, 'Operation not supported.'],
  ['EADDRINUSE', 98, 'Address already in use.'], ['ETIMEDOUT', 110, 'Connection timed out.'], ['EALREADY', 114, 'Operation already in progress.'],
  ['EINPROGRESS', 115, 'Operation now in progress.'], ['ECANCELED', 125, 'Operation canceled.'], ['EHWPOISON', 133, 'Memory page has hardware error.'],
  ['ENOTSUPP', 524, 'Operation is not supported (kernel-internal).'],
];


export const CONSTANTS: readonly { name: string; value: number; doc: string }[] = [
  ...ERRNO.map(([name, value, doc]) => ({ name, value, doc })),
  { name: 'GFP_KERNEL', value: 0, doc: 'Allocation flag: may sleep.' },
  { name: 'GFP_ATOMIC', value: GFP_NOSLEEP, doc: 'Allocation flag: must not sleep (atomic context).' },
  { name: 'GFP_NOWAIT', value: GFP_NOSLEEP, doc: 'Allocation flag: must not sleep (no direct reclaim); as GFP_ATOMIC for the model.' },
  { name: 'GFP_KERNEL_ACCOUNT', value: 0x400000, doc: 'Allocation flag: GFP_KERNEL charged to the memory cgroup; may sleep.' },
  { name: 'GFP_NOFS', value: 0x40, doc: 'Allocation flag: may sleep, no filesystem recursion; as GFP_KERNEL for the model.' },
  { name: 'GFP_NOIO', value: 0x80, doc: 'Allocation flag: may sleep, no I/O recursion; as GFP_KERNEL for the model.' },
  { name: '__GFP_ZERO', value: 0x100, doc: 'Allocation modifier: zero the memory (the model always does). OR it into the flags.' },
  { name: '__GFP_NOWARN', value: 0x2000, doc: 'Allocation modifier: no warning on failure. OR it into the flags.' },
  { name: '__GFP_ACCOUNT', value: 0x400000, doc: 'Allocation modifier: charge to the memory cgroup. OR it into the flags.' },
  { name: 'OUTSIDE_GUEST_MODE', value: vcpuModes.OUTSIDE_GUEST_MODE, doc: 'vcpu->mode: running host code.' },
  { name: 'IN_GUEST_MODE', value: vcpuModes.IN_GUEST_MODE, doc: 'vcpu->mode: entered (or about to enter) the guest; a kick must send an IPI.' },
  { name: 'EXITING_GUEST_MODE', value: vcpuModes.EXITING_GUEST_MODE, doc: 'vcpu->mode: kicked, leaving the guest.' },
  { name: 'READING_SHADOW_PAGE_TABLES', value: vcpuModes.READING_SHADOW_PAGE_TABLES, doc: 'vcpu->mode: walking shadow page tables outside the guest.' },
  { name: 'SINGLE_DEPTH_NESTING', value: 1, doc: 'lockdep subclass for the second lock of one class taken inside the first (mutex_lock_nested, spin_lock_nested).' },
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
  { name: 'O_RDONLY', value: 0, doc: 'open flag: read only (anon_inode_getfd\'s flags; ignored by the model).' },
  { name: 'O_WRONLY', value: 1, doc: 'open flag: write only (ignored by the model).' },
  { name: 'O_RDWR', value: 2, doc: 'open flag: read and write (ignored by the model).' },
  { name: 'O_CLOEXEC', value: 0o2000000, doc: 'open flag: close on exec (ignored by the model). OR it into the flags.' },
  { name: 'any', value: -1, doc: 'For close(any): a thread that guesses an fd number. The guess is any fd open at that moment, or one that is not open (EBADF).' },
];
