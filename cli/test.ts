// `lockstep test PATH...`: checks every `.lockstep` file under the paths and compares the
// verdict with the file's `expect` clause, one line per file and a closing count; exit 0
// only if every file matches.

import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { judgeExpectation } from '../core/explore/expect';
import { checkLoaded, writeSarif } from './check';
import { EXIT, loadFile, UsageError, type Io } from './common';
import { SEARCH_OPTIONS, searchOptions } from './options';
import { onInterrupt } from './progress';
import type { SarifRun } from './sarif';
import { thousands } from '../core/format';

export const TEST_USAGE = `  test PATH... [search options]
        check every .lockstep file under the paths against its expect clause`;

/** `.lockstep` files at or under the paths, each directory's in name order. */
export function scenarioFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (p: string, top: boolean): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      if (top) throw new UsageError(`no such file or directory: ${p}`);
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        visit(path.join(p, name), false);
      }
    } else if (top || p.endsWith('.lockstep')) {
      out.push(p);
    }
  };
  for (const p of paths) visit(p, true);
  return out;
}

export async function cmdTest(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: SEARCH_OPTIONS });
  if (positionals.length === 0) throw new UsageError('test needs at least one file or directory');
  const options = searchOptions(values);
  const files = scenarioFiles(positionals);
  if (files.length === 0) throw new UsageError(`no .lockstep files under ${positionals.join(', ')}`);
  const interrupt = onInterrupt(io);
  const runs: SarifRun[] = [];
  let passed = 0;
  let failed = 0;
  try {
    for (const file of files) {
      const loaded = loadFile(file, io);
      if (!loaded?.compiled) {
        failed++;
        io.out(`FAIL  ${file}  does not load (errors above)`);
        continue;
      }
      const result = await checkLoaded(file, loaded, options, io, values.quiet === true, interrupt.cancelled);
      runs.push({ file, loaded, result });
      const v = judgeExpectation(loaded.compiled.expect, result);
      const stats = `${thousands(result.stats.states)} states, ${result.stats.seconds.toFixed(2)} s`;
      if (v.pass) passed++;
      else failed++;
      io.out(`${v.pass ? 'PASS' : 'FAIL'}  ${file}  ${v.detail} (${stats})`);
      if (interrupt.cancelled()) break;
    }
  } finally {
    interrupt.dispose();
  }
  const skipped = files.length - passed - failed;
  io.out(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} not run (interrupted)` : ''}`);
  if (values.sarif && !writeSarif(values.sarif, runs, io)) return EXIT.usage;
  return failed > 0 || skipped > 0 ? EXIT.violation : EXIT.ok;
}
