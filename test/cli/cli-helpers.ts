// Runs the `lockstep` command as a user does (node bin/lockstep.js …) and writes scenario
// files into a fresh temporary directory.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'lockstep.js');

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function lockstep(args: readonly string[], cwd = ROOT, env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'lockstep-cli-'));
}

export function writeScenario(dir: string, name: string, text: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}
