// Report text as the kernel printed it: the noise that wraps a report (mail quoting,
// dmesg timestamps, log levels, syslog prefixes, CR line ends) taken off each line, and
// where each report in the text starts. Plain strings in, plain strings out.

/** The kinds of report the importer recognises, by their title line. */
export type ReportKind =
  | 'lockdep-circular'
  | 'lockdep-recursive'
  | 'lockdep-inconsistent'
  | 'lockdep-irq-inversion'
  | 'rcu-suspicious'
  | 'kasan'
  | 'kcsan'
  | 'sleep-in-atomic'
  | 'hung-task'
  | 'list-corruption'
  | 'refcount';

interface TitlePattern {
  readonly kind: ReportKind;
  readonly re: RegExp;
}

/**
 * Title lines, matched at the start of a cleaned line. Old kernels print lockdep titles as
 * `[ INFO: … ]`; the leading `WARNING: ` / `BUG: ` is optional for the same reason.
 */
const TITLES: readonly TitlePattern[] = [
  { kind: 'lockdep-circular', re: /^(?:\[ INFO: |WARNING: )?possible circular locking dependency detected/ },
  { kind: 'lockdep-recursive', re: /^(?:\[ INFO: |WARNING: )?possible recursive locking detected/ },
  { kind: 'lockdep-inconsistent', re: /^(?:\[ INFO: |WARNING: )?inconsistent lock state/ },
  { kind: 'lockdep-irq-inversion', re: /^(?:\[ INFO: |WARNING: )?possible irq lock inversion dependency detected/ },
  { kind: 'rcu-suspicious', re: /^(?:\[ INFO: |WARNING: )suspicious RCU usage/ },
  { kind: 'kasan', re: /^BUG: KASAN: [\w-]+ in / },
  { kind: 'kcsan', re: /^BUG: KCSAN: data-race in / },
  { kind: 'sleep-in-atomic', re: /^BUG: sleeping function called from invalid context/ },
  { kind: 'hung-task', re: /^INFO: task .+ blocked for more than \d+ seconds/ },
  { kind: 'list-corruption', re: /^list_(?:add|del) corruption/ },
  { kind: 'refcount', re: /^refcount_t: / },
];

/** What each kind's title looks like, for the error on a text that is not a report. */
export const TITLE_DESCRIPTIONS: readonly string[] = [
  'lockdep: "possible circular locking dependency detected", "possible recursive locking detected", "inconsistent lock state", "possible irq lock inversion dependency detected", "suspicious RCU usage"',
  'KASAN: "BUG: KASAN: use-after-free / slab-use-after-free / double-free / invalid-free in …"',
  'KCSAN: "BUG: KCSAN: data-race in …"',
  '"BUG: sleeping function called from invalid context", "INFO: task … blocked for more than N seconds"',
  'list debugging: "list_add corruption." / "list_del corruption,"; "refcount_t: …" warnings',
];

/** Lines longer than this are cut: no report line is, and a megabyte of junk must stay cheap. */
const MAX_LINE = 4096;

/**
 * One line without its wrapping: mail quote marks (`> `, `>> `, `| `), a syslog prefix
 * (`Mar  3 10:00:00 host kernel: `), a log level (`<4>`), dmesg timestamps (`[   36.746420]`)
 * and printk caller ids (`[  T817]`). Indentation after them is kept: frames are indented.
 */
export function cleanLine(raw: string): string {
  let s = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw;
  // Quotes first (a quoted dmesg line is `> [ 36.7] …`), but not a memory-state row (`>ffff…:`).
  const quote = /^(?:[ \t]*(?:>(?![0-9a-f]{8,}:)|\|(?=[ \t])) ?)+/.exec(s);
  if (quote) s = s.slice(quote[0].length);
  s = s.replace(/^(?:\d{4}-\d\d-\d\dT[\d:.+-]+|[A-Z][a-z]{2} +\d+ [\d:]+) \S+ kernel: /, '');
  s = s.replace(/^<\d>/, '');
  s = s.replace(/^\[ *\d+\.\d+\] ?/, '');
  s = s.replace(/^\[ *[TC]\d+\] ?/, '');
  // syslog escapes a line feed inside a message as #012.
  s = s.replace(/^#012/, '');
  return s.replace(/\s+$/, '');
}

/** The cleaned lines of a text (CR, CRLF and LF line ends alike; NUL and controls blanked). */
export function cleanLines(text: string): string[] {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
  return printable.split(/\r\n|\r|\n/).map(cleanLine);
}

export interface ReportStart {
  readonly kind: ReportKind;
  /** Index of the title line in the cleaned lines. */
  readonly line: number;
}

/** Where each report starts: its title line, in text order. */
export function findReports(lines: readonly string[]): ReportStart[] {
  const out: ReportStart[] = [];
  lines.forEach((l, i) => {
    const t = l.trim();
    if (t.length === 0 || t.length > 300) return;
    const p = TITLES.find((x) => x.re.test(t));
    if (!p) return;
    // KASAN and KCSAN repeat their title for each inlined frame of the faulting function.
    const prev = out[out.length - 1];
    if (prev && prev.kind === p.kind && i - prev.line <= 2 && /^BUG: K[AC]SAN/.test(t)) return;
    out.push({ kind: p.kind, line: i });
  });
  return out;
}
