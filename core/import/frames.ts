// One stack frame or one lock-class mention, read from a cleaned report line in any of the
// shapes kernels print: `func+0x70/0x490 [mod] file.c:12 [inline]`, `[<ffffffff81>] func+…`,
// powerpc's `[c000…] [c008…] func+0x298/0x720 [kvm]`, decoded `func (file.c:12) kvm`,
// `? func+…` (an unreliable frame), and lockdep's `(class){+.+.}-{3:3}, at: frame`.

export interface Frame {
  /** The function, without a compiler suffix (`.part.1`, `.constprop.0`, `.isra.0`, `.cold`). */
  readonly fn: string;
  /** `+0x70/0x490`, when printed. */
  readonly offset?: string;
  /** `arch/powerpc/mm/mmu_context_iommu.c:123`, when printed. */
  readonly source?: string;
  readonly module?: string;
  /** Inlined into the frame that follows. */
  readonly inline: boolean;
}

const IDENT = /^[A-Za-z_][\w.$]*$/;

/** `mm_iommu_adjust_locked_vm.part.1` → `mm_iommu_adjust_locked_vm`. */
export function baseName(fn: string): string {
  return fn.replace(/(?:\.(?:part|constprop|isra|cold|llvm|lto_priv)(?:\.\d+)?)+$/, '').replace(/\.\d+$/, '');
}

/**
 * Reads one frame, or undefined when the line is not one. `loose` accepts a bare function
 * name (inside a stack block, where nothing else can follow it).
 */
export function parseFrame(line: string, loose = false): Frame | undefined {
  let s = line.trim();
  // Address columns: old x86 `[<ffffffff811061a6>] `, powerpc `[c0000…] [c0000…] `.
  s = s.replace(/^(?:\[<?[0-9a-fA-F]{6,}>?\] ?)+/, '');
  if (s.startsWith('? ')) return undefined;
  s = s.replace(/ \(unreliable\)$/, '');
  // Decoded form: `func (path/file.c:12 path/file.c:30) module`.
  const decoded = /^([A-Za-z_][\w.]*) \(([^()]*:[\d?]+)[^()]*\)?(?: \[?([\w-]+)\]?)?$/.exec(s);
  if (decoded && !/^(?:in|at|of|by)$/.test(decoded[1]!)) {
    return { fn: baseName(decoded[1]!), source: decoded[2]!.split(' ')[0]!, ...(decoded[3] ? { module: decoded[3] } : {}), inline: false };
  }
  const m = /^([A-Za-z_][\w.$]*)(\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?: \[([\w-]+)\])?(?: ([\w./-]+\.[chS]:-?\d+))?(?: \[inline\])?(?: \(([\w./-]+:\d+)[^)]*\))?$/.exec(s);
  if (!m) return undefined;
  const [, fn, offset, module, source, decodedSource] = m;
  const inline = / \[inline\]$/.test(s);
  if (!offset && !source && !inline && !decodedSource && !(loose && IDENT.test(s))) return undefined;
  if (!IDENT.test(fn!)) return undefined;
  return {
    fn: baseName(fn!),
    ...(offset ? { offset } : {}),
    ...(source || decodedSource ? { source: (source ?? decodedSource)! } : {}),
    ...(module ? { module } : {}),
    inline,
  };
}

/** A frame as the header comment shows it: `mm_iommu_do_alloc+0x70/0x490 [kvm] (file.c:12)`. */
export function frameText(f: Frame): string {
  return `${f.fn}${f.offset ?? ''}${f.module ? ` [${f.module}]` : ''}${f.source ? ` (${f.source})` : ''}${f.inline ? ' [inline]' : ''}`;
}

export interface ClassMention {
  /** The lockdep class name as printed, without its usage bits: `&mm->mmap_sem`, `(work_completion)(&x->w)`. */
  readonly name: string;
  /** `{++++}` or `{+.+.}`: the usage bits; readers show in the even positions. */
  readonly usage?: string;
  /** `{3:3}`: lockdep's wait types (2 spinning, 3 or 4 sleeping, 0 a map, 1 RCU). */
  readonly waitType?: number;
  /** The `at:` frame, if any. */
  readonly at?: Frame;
}

/**
 * Reads `[#0: ][addr ](class){usage}[-{w:w}][, at: frame]`. The class is whatever sits in
 * the outermost parentheses, which may nest: `((work_completion)(&rdev->event_work))`.
 */
export function parseClassMention(line: string): ClassMention | undefined {
  let s = line.trim();
  s = s.replace(/^#\d+: ?/, '').replace(/^-> ?(?:#\d+ )?/, '');
  s = s.replace(/^(?:[0-9a-fA-F]{6,} |\[<?[0-9a-fA-F]{6,}>?\] )/, '');
  if (!s.startsWith('(')) return undefined;
  let depth = 0;
  let end = -1;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') {
      depth--;
      if (depth === 0) {
        end = i;
        break;
      }
    }
  }
  if (end < 2) return undefined;
  const name = s.slice(1, end).trim();
  const rest = s.slice(end + 1);
  if (!/^(?:\{|,|:|$|\s)/.test(rest)) return undefined;
  const usage = /^\{([^}]*)\}/.exec(rest)?.[1];
  const wait = /-\{(\d):\d\}/.exec(rest)?.[1];
  const at = /, at: (.*)$/.exec(rest)?.[1];
  const frame = at ? parseFrame(at.replace(/^\[<?[0-9a-f]+>?\] /, ''), true) : undefined;
  return { name, ...(usage !== undefined ? { usage } : {}), ...(wait !== undefined ? { waitType: Number(wait) } : {}), ...(frame ? { at: frame } : {}) };
}
