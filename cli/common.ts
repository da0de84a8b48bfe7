// What every `lockstep` command shares: exit codes, usage errors, where output goes, and
// loading a scenario file with its diagnostics printed as `file:line:col: error: …`.

import { readFileSync } from 'node:fs';
import { formatDiagnostic, loadScenario, type LoadedScenario } from '../core';

/**
 * Exit statuses. `internal` (70, EX_SOFTWARE in sysexits.h) is a bug in Lockstep itself:
 * apart from 0–3, so a script never mistakes it for a verdict, and below 128, so it is never
 * confused with a death by signal (134 is V8's abort).
 */
export const EXIT = { ok: 0, violation: 1, usage: 2, inconclusive: 3, internal: 70 } as const;

/** Whether internal errors show their stack: `--debug` on the command line or LOCKSTEP_DEBUG=1. */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--debug') || (env.LOCKSTEP_DEBUG !== undefined && env.LOCKSTEP_DEBUG !== '' && env.LOCKSTEP_DEBUG !== '0');
}

/** The one line (the stack only when debugging) for an error that is Lockstep's own fault. */
export function internalErrorText(e: unknown, debug: boolean): string {
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const line = `lockstep: internal error (${what.split('\n')[0]!.slice(0, 200)}): a bug in Lockstep, not in the scenario; `
    + `please report it with the command line, the scenario file and ${debug ? 'the stack below' : 'the output of the same command with --debug'}`;
  return debug && e instanceof Error && e.stack ? `${line}\n${e.stack}` : line;
}

/** A mistake on the command line: printed with the usage text, exit 2. */
export class UsageError extends Error {}

export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** A terminal for in-place progress lines (absent when stderr is not a TTY). */
  readonly tty?: { write(s: string): void };
}

export const stdio: Io = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  ...(process.stderr.isTTY ? { tty: { write: (s: string) => process.stderr.write(s) } } : {}),
};

/** Reads and loads a scenario file, printing `file:line:col: error: …` for each problem. */
export function loadFile(file: string, io: Io): LoadedScenario | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    io.err(`${file}: error: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    return undefined;
  }
  const loaded = loadScenario(file, text);
  for (const d of loaded.diagnostics) io.err(formatDiagnostic(file, loaded.lines, d));
  return loaded.compiled ? loaded : undefined;
}
