// Renders the builtin reference (docs/builtins.md) from the registry, so the documentation
// cannot drift from what completion, hover and the machine use.

import { BUILTINS, CONSTANTS, signatureOf, type BuiltinFamily } from './builtins';

const FAMILY_TITLES: Record<BuiltinFamily, string> = {
  locks: 'Locks (mutex, spinlock, rw_semaphore, SRCU and RCU read sections, grace periods)',
  rcu: 'RCU pointers and callbacks (publication, lockdep-RCU checks, kfree_rcu)',
  irq: 'Interrupts and preemption',
  memory: 'Memory',
  lists: 'Lists (CONFIG_DEBUG_LIST checks)',
  files: 'Files and fds',
  vcpu: 'vCPUs, kicks and requests',
  refcount: 'Reference counts',
  workqueue: 'Workqueues',
  timers: 'Timers, hrtimers and bottom halves',
  waiting: 'Waiting and sleeping',
  atomics: 'Atomics and marked accesses',
  checks: 'Checks and assertions',
};

export function renderBuiltinReference(): string {
  const out: string[] = [
    '# Builtin primitives',
    '',
    '<!-- Generated from core/model/builtins/ (one file per family) by `npm run docs`; do not edit by hand. -->',
    '',
    'Every primitive a scenario can call, grouped by family. "Kernel" says what the kernel',
    'function does; "Model" says exactly what Lockstep does when a step executes it. A lock',
    'argument is written as in the kernel (`&kvm->lock`); `&` is optional.',
    '',
  ];
  for (const family of Object.keys(FAMILY_TITLES) as BuiltinFamily[]) {
    const members = BUILTINS.filter((b) => b.family === family);
    if (members.length === 0) continue;
    out.push(`## ${FAMILY_TITLES[family]}`, '');
    for (const b of members) {
      out.push(`### \`${b.name}\``, '', '```c', `${signatureOf(b)}`, '```', '');
      out.push(`- **Kernel:** ${b.kernel}`);
      out.push(`- **Model:** ${b.model}`);
      const notes = [b.sleeps ? 'may sleep' : '', b.pure ? 'not a scheduling point' : '', b.vcpuOnly ? 'vCPU actors only' : ''].filter(Boolean);
      if (notes.length) out.push(`- **Notes:** ${notes.join('; ')}.`);
      out.push('');
    }
  }
  out.push('## Predefined constants', '', '| name | value | meaning |', '|---|---|---|');
  for (const c of CONSTANTS) out.push(`| \`${c.name}\` | ${c.value} | ${c.doc} |`);
  out.push('');
  return out.join('\n');
}
