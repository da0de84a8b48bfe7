// `lockstep import REPORT [-o FILE.lockstep] [--index N]`: reads a kernel report (a dmesg,
// a syzbot mail, the report alone; `-` for stdin) and writes the scenario skeleton it
// becomes. Exit 0 written, 2 when the text holds no report or the arguments are wrong.

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { importReport } from '../core/import';
import { EXIT, UsageError, type Io } from './common';

export const IMPORT_USAGE = `  import REPORT [-o FILE.lockstep] [--index N]
        turn a kernel report (lockdep, KASAN, KCSAN, hung task, list or refcount
        debugging; dmesg, syzbot mail or the report alone; - for stdin) into a
        scenario skeleton; --index picks the Nth report of several (from 1)`;

/** The whole of stdin, read synchronously (a report is text of a few megabytes at most). */
function readStdin(): string {
  return readFileSync(0, 'utf8');
}

export function cmdImport(args: readonly string[], io: Io, stdin: () => string = readStdin): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, index: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('import takes exactly one report file (or - for stdin)');
  const file = positionals[0]!;
  let index: number | undefined;
  if (values.index !== undefined) {
    index = Number(values.index);
    if (!Number.isInteger(index) || index < 1) throw new UsageError(`--index must be a positive integer, not '${values.index}'`);
  }
  let text: string;
  try {
    text = file === '-' ? stdin() : readFileSync(file, 'utf8');
  } catch (e) {
    io.err(`${file}: error: cannot read the report (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    return EXIT.usage;
  }
  const source = file === '-' ? 'stdin' : file;
  const r = importReport(text, { ...(index !== undefined ? { index } : {}), source });
  if (!r.ok) {
    io.err(`${source}: error: ${r.error}`);
    return EXIT.usage;
  }
  const summary = `${source}: ${r.title} (report ${r.index} of ${r.reports}): ${r.actors.length} actor${r.actors.length === 1 ? '' : 's'}, expect ${r.expect.join(', ') || 'nothing'}`;
  if (values.output) {
    try {
      writeFileSync(values.output, r.scenario);
    } catch (e) {
      io.err(`${values.output}: error: cannot write the scenario (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      return EXIT.usage;
    }
    io.err(`${summary}; written to ${values.output}`);
  } else {
    io.out(r.scenario);
  }
  return EXIT.ok;
}
