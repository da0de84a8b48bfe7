// Kernel report → scenario skeleton: the one entry point the CLI and the language server
// call. Plain text in, plain data out (the skeleton's text, what it names, or a clear
// error naming what was looked for); it never throws on any input.

import { cleanLines, findReports, TITLE_DESCRIPTIONS, type ReportKind } from './lines';
import { parseReport, type KernelReport } from './report';
import { Builder } from './skeleton';
import * as kinds from './kinds';

export type { KernelReport } from './report';
export type { ReportKind } from './lines';

export interface ImportOptions {
  /** Which report of several in the text (1-based); default the first. */
  readonly index?: number;
  /** The source the text came from, for the header (a file name). */
  readonly source?: string;
}

export interface ImportSuccess {
  readonly ok: true;
  readonly scenario: string;
  readonly kind: ReportKind;
  readonly title: string;
  /** How many reports the text holds, and which one this is (1-based). */
  readonly reports: number;
  readonly index: number;
  readonly actors: readonly string[];
  readonly classes: readonly string[];
  readonly objects: readonly string[];
  readonly expect: readonly string[];
  readonly report: KernelReport;
}

export interface ImportFailure {
  readonly ok: false;
  readonly error: string;
}

export type ImportResult = ImportSuccess | ImportFailure;

/** Reads the text's reports and turns the chosen one into a scenario skeleton. */
export function importReport(text: string, options: ImportOptions = {}): ImportResult {
  const lines = cleanLines(text);
  const starts = findReports(lines);
  if (starts.length === 0) {
    return {
      ok: false,
      error: `no kernel report found: looked for the title line of\n${TITLE_DESCRIPTIONS.map((d) => `  - ${d}`).join('\n')}`,
    };
  }
  const index = options.index ?? 1;
  if (!Number.isInteger(index) || index < 1 || index > starts.length) {
    return { ok: false, error: `there ${starts.length === 1 ? 'is 1 report' : `are ${starts.length} reports`} in the text; --index ${index} is not one of them (1-${starts.length})` };
  }
  const start = starts[index - 1]!;
  const end = starts[index]?.line ?? lines.length;
  // A report never runs to thousands of lines; a runaway section is cut rather than walked.
  const section = lines.slice(start.line, Math.min(end, start.line + 4000));
  const report = parseReport(start.kind, section);
  const skeleton = generate(report, options.source);
  return {
    ok: true,
    scenario: skeleton.text,
    kind: report.kind,
    title: report.title,
    reports: starts.length,
    index,
    actors: skeleton.actors,
    classes: skeleton.classes,
    objects: skeleton.objects,
    expect: skeleton.expect,
    report,
  };
}

const PLANS: Readonly<Record<ReportKind, (b: Builder, r: KernelReport) => void>> = {
  'lockdep-circular': kinds.circular,
  'lockdep-recursive': kinds.recursive,
  'lockdep-inconsistent': kinds.inconsistent,
  'lockdep-irq-inversion': kinds.irqInversion,
  'rcu-suspicious': kinds.rcuSuspicious,
  kasan: kinds.kasan,
  kcsan: kinds.kcsan,
  'sleep-in-atomic': kinds.sleepInAtomic,
  'hung-task': kinds.hungTask,
  'list-corruption': kinds.listCorruption,
  refcount: kinds.refcount,
};

function generate(r: KernelReport, source: string | undefined) {
  const b = new Builder(r);
  b.header.push(`Imported by \`lockstep import\`${source ? ` from ${source}` : ''}: a skeleton to complete, not a model yet.`);
  b.header.push('', r.title);
  if (r.detail && r.detail !== r.title) b.header.push(r.detail);
  if (r.kernel) b.header.push(`kernel ${r.kernel}`);
  if (r.task) b.header.push(`task ${r.task.name}${r.task.pid !== undefined ? `/${r.task.pid}` : ''}${r.task.cpu !== undefined ? ` on CPU ${r.task.cpu}` : ''}`);
  if (r.object?.cache) b.header.push(`object: cache ${r.object.cache}${r.object.size ? `, ${r.object.size} bytes` : ''}${r.object.offset !== undefined ? `, accessed at offset ${r.object.offset}` : ''}`);
  if (r.wanted) b.header.push(`lock: ${r.wanted.name}${r.wanted.at ? ` at ${r.wanted.at.fn}` : ''}`);
  if (r.held) b.header.push(`held: ${r.held.name}${r.held.at ? ` at ${r.held.at.fn}` : ''}`);
  for (const h of r.heldLocks) b.header.push(`${h.locks.length} lock${h.locks.length === 1 ? '' : 's'} held by ${h.task.name}/${h.task.pid ?? '?'}: ${h.locks.map((l) => l.name).join(', ') || '(none printed)'}`);
  b.header.push('', 'The stacks, innermost frame first, as the report prints them:');
  kinds.headerStacks(b, r);
  PLANS[r.kind](b, r);
  if (b.actors.length === 0) {
    const a = b.actor('thread', r.task?.name ?? 'task', 'TODO: the report shows no stack to build from');
    a.body.push('// TODO: what this task does');
  }
  return b.render(scenarioTitle(r));
}

function scenarioTitle(r: KernelReport): string {
  const where = r.wanted?.at?.fn ?? r.accesses[0]?.stack.frames.find((f) => !/^(?:kasan|__asan|print_report|dump_stack|kcsan)/.test(f.fn))?.fn ?? r.task?.name;
  const title = r.title.replace(/^(?:WARNING|BUG|INFO): /, '').replace(/^\[ INFO: | \]$/g, '');
  return where && !title.includes(where) ? `${title} (${where})` : title;
}
