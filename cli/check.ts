// `lockstep check FILE...`: explores every interleaving of each scenario and reports each
// distinct violation (kind + location) with its shortest trace found, as kernel-style
// reports and CPU column diagrams, or as one JSON object per file (`--json`); optionally a
// replayable trace (`--trace-out`) and SARIF (`--sarif`).

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { LoadedScenario } from '../core';
import { checkAsync, type CheckResult } from '../core/explore';
import { toTraceFile } from '../core/explore/trace';
import { EXIT, loadFile, UsageError, type Io } from './common';
import { SEARCH_OPTIONS, searchOptions } from './options';
import { onInterrupt, ProgressLine } from './progress';
import { formatFinding, resultJson, shardJson, summaryLine } from './report';
import { sarifLog, type SarifRun } from './sarif';
import { version } from './version';

export const CHECK_USAGE = `  check FILE... [--json] [--trace-out TRACE.json] [--diagram columns|commit] [search options]
        explore every interleaving; report each distinct violation with a trace
        (with --shard, --json also writes what lockstep merge needs;
        --diagram commit: as a kernel commit message draws it, <= 75 columns)`;

/** Checks one loaded scenario with the search options, progress on the terminal, Ctrl-C. */
export async function checkLoaded(file: string, loaded: LoadedScenario, options: ReturnType<typeof searchOptions>, io: Io, quiet: boolean, cancelled: () => boolean): Promise<CheckResult> {
  const progress = new ProgressLine(io, file, !quiet);
  try {
    return await checkAsync(loaded.compiled!, { ...options, cancelled, onProgress: (p) => progress.update(p) });
  } finally {
    progress.clear();
  }
}

/** The exit code for a set of outcomes: input errors, then violations, then bounds. */
export function exitCode(inputError: boolean, results: readonly CheckResult[]): number {
  if (inputError) return EXIT.usage;
  if (results.some((r) => r.verdict === 'violation')) return EXIT.violation;
  if (results.some((r) => r.verdict === 'inconclusive')) return EXIT.inconclusive;
  return EXIT.ok;
}

export function writeSarif(target: string, runs: readonly SarifRun[], io: Io): boolean {
  try {
    writeFileSync(target, `${JSON.stringify(sarifLog(runs, version()), null, 2)}\n`);
    return true;
  } catch (e) {
    io.err(`${target}: error: cannot write the SARIF file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    return false;
  }
}

export async function cmdCheck(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...SEARCH_OPTIONS, json: { type: 'boolean', default: false }, 'trace-out': { type: 'string' }, diagram: { type: 'string', default: 'columns' } },
  });
  if (positionals.length === 0) throw new UsageError('check needs at least one scenario file');
  const options = searchOptions(values);
  const style = values.diagram;
  if (style !== 'columns' && style !== 'commit') throw new UsageError(`--diagram must be columns or commit, not '${style}'`);
  const interrupt = onInterrupt(io);
  const results: CheckResult[] = [];
  const runs: SarifRun[] = [];
  let inputError = false;
  let traceWritten = false;
  try {
    for (const file of positionals) {
      const loaded = loadFile(file, io);
      if (!loaded?.compiled) {
        inputError = true;
        continue;
      }
      const result = await checkLoaded(file, loaded, options, io, values.quiet === true, interrupt.cancelled);
      results.push(result);
      runs.push({ file, loaded, result });
      if (values.json) {
        const search = { reduction: options.reduction !== false, symmetry: options.symmetry !== false, strategy: options.strategy ?? 'bfs' };
        io.out(JSON.stringify(options.shard ? shardJson(file, loaded, result, options.shard, search) : resultJson(file, loaded, result)));
      } else {
        for (const f of result.violations) io.out(`${formatFinding(file, loaded, f, style)}\n`);
        io.out(summaryLine(file, result));
      }
      const first = result.violations[0];
      const traceOut = values['trace-out'];
      if (traceOut && first && !traceWritten) {
        traceWritten = true;
        try {
          writeFileSync(traceOut, `${JSON.stringify(toTraceFile(loaded.compiled, first.trace, first.violation), null, 2)}\n`);
          if (!values.json) io.out(`trace of ${first.kind} written to ${traceOut} (replay: lockstep run ${file} --replay ${traceOut})`);
        } catch (e) {
          io.err(`${traceOut}: error: cannot write the trace (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
          inputError = true;
        }
      }
      if (interrupt.cancelled()) break;
    }
  } finally {
    interrupt.dispose();
  }
  if (values.sarif && !writeSarif(values.sarif, runs, io)) inputError = true;
  return exitCode(inputError, results);
}
