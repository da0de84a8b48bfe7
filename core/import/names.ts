// Lockdep class names and task names turned into the scenario language's names:
// `&mm->mmap_sem` is a field `mmap_sem` of `struct mm_struct` reached through a global
// instance `mm`; `&(&kvm->mmu_lock)->rlock` is `kvm->mmu_lock`; `qemu-system-ppc` is the
// thread `qemu_system_ppc`. Also the language's reserved words, which a name must avoid.

/** The struct type kernel code most often means by a variable name. */
const STRUCT_OF: Readonly<Record<string, string>> = {
  mm: 'mm_struct', vcpu: 'kvm_vcpu', kvm: 'kvm', sb: 'super_block', rdev: 'cfg80211_registered_device',
  tty: 'tty_struct', ldata: 'n_tty_data', inode: 'inode', file: 'file', sk: 'sock', ctx: 'io_ring_ctx',
  stt: 'kvmppc_spapr_tce_table', rq: 'rq', p: 'seq_file', dev: 'device', q: 'request_queue',
  group: 'iommu_group', pcr: 'fcrypt', sighand: 'sighand_struct', disk: 'gendisk', mddev: 'mddev',
  gpc: 'gfn_to_pfn_cache', kvm_vcpu: 'kvm_vcpu', xive: 'kvmppc_xive', team: 'team', hdev: 'hci_dev',
};

const RESERVED = new Set([
  // The keywords that are never names (actor words and type names are contextual: `vcpu->mutex` is fine).
  'scenario', 'config', 'struct', 'fn', 'init', 'on', 'if', 'else', 'while', 'do', 'for', 'return', 'break',
  'continue', 'choose', 'or', 'expect', 'no', 'true', 'false', 'NULL', 'int', 'bool', 'current', 'static', 'void',
  'goto', 'any', 'flags', 'idx', 'val',
]);

/** Any text as an identifier: `qemu-system-ppc` → `qemu_system_ppc`, `syz.0.694` → `syz_0_694`. */
export function identifier(text: string, fallback = 'x'): string {
  let s = text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = fallback;
  if (/^\d/.test(s)) s = `${fallback}_${s}`;
  if (RESERVED.has(s)) s = `${s}_`;
  return s;
}

/** A lock class in the language: a global (`mem_list_mutex`) or a field path on a global instance. */
export interface ClassPath {
  /** The global: a lock variable, or the struct instance the path starts from. */
  readonly base: string;
  /** Field names from the base to the lock; empty for a global lock. */
  readonly fields: readonly string[];
}

/**
 * `&mm->mmap_sem` → mm . mmap_sem; `&(&kvm->mmu_lock)->rlock` → kvm . mmu_lock;
 * `&kvm->arch.xen.xen_lock` → kvm . arch . xen . xen_lock; `team->team_lock_key#2` →
 * team . team_lock_key; `&h->hash_mutexes[i]` → h . hash_mutexes; `sb_writers#5` → sb_writers.
 */
export function classPath(name: string): ClassPath {
  let s = name.replace(/#\d+$/, '').replace(/\/\d+$/, '').replace(/#\d+$/, '');
  s = s.replace(/\[[^\]]*\]/g, '').replace(/[&()]/g, '').trim();
  // A spinlock_t's lockdep map is its inner raw lock.
  s = s.replace(/(?:->|\.)rlock$/, '').replace(/(?:->|\.)(?:wait_lock|raw_lock)$/, '');
  const parts = s.split(/->|\./).map((p) => identifier(p, 'lock')).filter((p) => p !== '');
  if (parts.length <= 1) return { base: identifier(parts[0] ?? s, 'lock'), fields: [] };
  return { base: parts[0]!, fields: parts.slice(1) };
}

/** The struct type of a global instance named `base`. */
export function structOf(base: string): string {
  return STRUCT_OF[base] ?? base;
}

/** The struct type of a nested field: `kvm` . `arch` → `kvm_arch`. */
export function nestedStruct(parent: string, field: string): string {
  return parent.endsWith(`_${field}`) || parent === field ? `${parent}_t` : `${parent}_${field}`;
}

/** The expression that names the lock in a call: `&mm->mmap_sem`, `&kvm->arch.xen.xen_lock`, `&mem_list_mutex`. */
export function lockExpr(p: ClassPath): string {
  if (p.fields.length === 0) return `&${p.base}`;
  return `&${p.base}->${p.fields.join('.')}`;
}
