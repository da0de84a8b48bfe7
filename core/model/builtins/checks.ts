// Builtins: Checks: assertions, BUG_ON, WARN_ON.

import type { Builtin } from './types';
import { assertionFailed, assertionWarning } from './common';

export const CHECKS: readonly Builtin[] = [
  {
    name: 'assert', family: 'checks', params: [{ name: 'condition', kind: 'bool' }], returns: 'void',
    kernel: 'Not a kernel function: the scenario\'s own invariant.',
    model: 'An assertion violation when the condition is false.',
    run(x, [c]) {
      if (!c) assertionFailed(x, 'assertion failed');
      return 0;
    },
  },
  {
    name: 'BUG_ON', family: 'checks', params: [{ name: 'condition', kind: 'bool' }], returns: 'void',
    kernel: 'Crashes the kernel (kernel BUG at file:line!) when the condition is true.',
    model: 'An assertion violation when the condition is true.',
    run(x, [c]) {
      if (c) assertionFailed(x, 'kernel BUG');
      return 0;
    },
  },
  {
    name: 'WARN_ON', family: 'checks', params: [{ name: 'condition', kind: 'bool' }], returns: 'bool',
    kernel: 'Prints a warning with a backtrace when the condition is true; returns the condition.',
    model: 'An assertion violation when the condition is true; the run goes on, as the kernel does after a warning.',
    run(x, [c]) {
      if (c) assertionWarning(x, 'WARNING');
      return c ? 1 : 0;
    },
  },
  {
    name: 'WARN_ON_ONCE', family: 'checks', params: [{ name: 'condition', kind: 'bool' }], returns: 'bool',
    kernel: 'As WARN_ON, printing the warning only the first time; returns the condition.',
    model: 'An assertion violation when the condition is true (the checker reports each place once anyway); the run goes on.',
    run(x, [c]) {
      if (c) assertionWarning(x, 'WARNING');
      return c ? 1 : 0;
    },
  },
  {
    name: 'KVM_BUG_ON', family: 'checks', params: [{ name: 'condition', kind: 'bool' }, { name: 'kvm', kind: 'value' }], returns: 'bool',
    kernel: 'WARN_ON_ONCE that also marks the VM bugged (every later ioctl fails with -EIO); returns the condition.',
    model: 'An assertion violation when the condition is true; the run goes on (the VM is not marked).',
    run(x, [c]) {
      if (c) assertionWarning(x, 'WARNING: KVM_BUG_ON');
      return c ? 1 : 0;
    },
  },
  {
    name: 'cpu_relax', family: 'waiting', params: [], returns: 'void', pure: true,
    kernel: 'A pause inside a busy-wait loop.',
    model: 'Nothing.',
    run() {
      return 0;
    },
  },
];
