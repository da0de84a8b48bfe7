// Runs the `lockstep` command as a user would (a child process), for CLI tests.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..', '..');
const bin = join(repoRoot, 'bin', 'lockstep.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function lockstep(args: readonly string[], opts: { cwd?: string; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: opts.cwd ?? repoRoot, encoding: 'utf8', input: opts.input ?? '' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes files into a fresh temporary directory and returns its path. */
export function tempFiles(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-test-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
