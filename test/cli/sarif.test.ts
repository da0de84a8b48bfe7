// The SARIF that `lockstep check --sarif` writes, for every example and seed, passes
// Microsoft's SARIF validator (`sarif-multitool validate`, the devDependency
// @microsoft/sarif-multitool) with no error and no warning: rule names distinct from ids,
// the tool's informationUri, well-formed regions and code flows.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exampleFiles } from '../helpers/examples';
import { lockstep, tempDir } from './cli-helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The platform binary the npm package wraps (its wrapper goes through a shell). */
const MULTITOOL_DIR = path.join(ROOT, 'node_modules', '@microsoft', `sarif-multitool-${process.platform}`);
const MULTITOOL = path.join(MULTITOOL_DIR, process.platform === 'win32' ? 'Sarif.Multitool.exe' : 'Sarif.Multitool');

interface ValidationResult {
  readonly ruleId: string;
  readonly level?: string;
  readonly message: { readonly text?: string };
}

test('SARIF of every example passes sarif-multitool validate with no error and no warning', { skip: !existsSync(MULTITOOL) && `no ${path.basename(MULTITOOL_DIR)} for this platform` }, () => {
  const dir = tempDir();
  const sarif = path.join(dir, 'examples.sarif');
  const files = exampleFiles().map((f) => path.relative(ROOT, f));
  const r = lockstep(['check', ...files, '--sarif', sarif, '--quiet']);
  assert.equal(r.status, 1, r.stderr);
  const log = JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: unknown[] }[] };
  assert.ok(log.runs[0]!.results.length > 5, 'the examples have violations to validate');

  const out = path.join(dir, 'validation.sarif');
  const v = spawnSync(MULTITOOL, ['validate', sarif, '--output', out, '--level', 'Error;Warning'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(v.status, 0, `${v.stdout}\n${v.stderr}`);
  const text = readFileSync(out, 'utf8').replace(/^\uFEFF/, '');
  const results = (JSON.parse(text) as { runs: { results?: ValidationResult[] }[] }).runs[0]!.results ?? [];
  const problems = results.filter((x) => x.level === undefined || x.level === 'error' || x.level === 'warning');
  assert.deepEqual(problems.map((x) => `${x.ruleId}: ${x.message.text ?? ''}`), []);
});
