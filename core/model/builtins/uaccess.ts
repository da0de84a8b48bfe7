// Builtins: user and guest memory (copy_from_user, get_user, kvm_read_guest, …). The model
// has no user or guest memory: what matters to a race is that each may sleep (a page
// fault) and, with `config FAULT_INJECTION;`, may fail, so the error paths are explored.

import type { Builtin, BuiltinParam } from './types';
import { faultInjection } from './common';

const EFAULT = 14;
const value = (name: string): BuiltinParam => ({ name, kind: 'value' });

/** A user or guest copy: may sleep; with fault injection a second outcome fails. */
function copy(name: string, params: readonly BuiltinParam[], kernel: string, failure: 'bytes' | 'efault'): Builtin {
  return {
    name, family: 'memory', params, returns: 'int', sleeps: true,
    kernel,
    model: `One step; may sleep (a page fault), so calling it in atomic context is sleep_in_atomic. The data is not modelled. Returns 0; with \`config FAULT_INJECTION;\` the checker also explores the failing outcome (${failure === 'bytes' ? 'the number of bytes not copied' : '-EFAULT'}).`,
    choices: (x) => (faultInjection(x) ? 2 : 1),
    run(x, args) {
      x.mightSleep(name);
      if (x.choice === 0) return 0;
      return failure === 'efault' ? -EFAULT : Math.max(1, args[params.length - 1] ?? 1);
    },
  };
}

export const UACCESS: readonly Builtin[] = [
  copy('copy_from_user', [value('to'), value('from'), { name: 'n', kind: 'int' }],
    'Copies n bytes from user space; returns the number of bytes that could not be copied (callers return -EFAULT). May fault and sleep.', 'bytes'),
  copy('copy_to_user', [value('to'), value('from'), { name: 'n', kind: 'int' }],
    'Copies n bytes to user space; returns the number of bytes that could not be copied. May fault and sleep.', 'bytes'),
  copy('get_user', [value('x'), value('ptr')], 'Reads one value from user space into x; returns 0 or -EFAULT. May fault and sleep.', 'efault'),
  copy('put_user', [value('x'), value('ptr')], 'Writes one value to user space; returns 0 or -EFAULT. May fault and sleep.', 'efault'),
  copy('kvm_read_guest', [value('kvm'), value('gpa'), value('data'), { name: 'len', kind: 'int' }],
    'Reads guest memory at a guest physical address through the memslots (under kvm->srcu); returns 0 or -EFAULT. May sleep.', 'efault'),
  copy('kvm_write_guest', [value('kvm'), value('gpa'), value('data'), { name: 'len', kind: 'int' }],
    'Writes guest memory at a guest physical address and marks the page dirty; returns 0 or -EFAULT. May sleep.', 'efault'),
  {
    name: 'might_fault', family: 'memory', params: [], returns: 'void', sleeps: true,
    kernel: 'Annotation: the code may take a page fault here (and so sleep); with lockdep it also records the mm->mmap_lock dependency.',
    model: 'One step that may sleep: sleep_in_atomic in atomic context.',
    run(x) {
      x.mightSleep('might_fault');
      return 0;
    },
  },
];
