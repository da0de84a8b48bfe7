// What every `lockstep` command shares: exit codes, usage errors, where output goes, and
// loading a scenario file with its diagnostics printed as `file:line:col: error: …`.

import { readFileSync } from 'node:fs';
import { formatDiagnostic, loadScenario, type LoadedScenario } from '../core';

export const EXIT = { ok: 0, violation: 1, usage: 2, inconclusive: 3 } as const;

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
