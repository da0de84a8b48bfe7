// The CI recipes under examples/ci/ as a job engine would run them: the GitHub Actions
// workflow and the Kubernetes Indexed Job parse as YAML, have the shape their engine needs
// (a matrix of N shards and a merge job that uploads SARIF; an Indexed Job whose
// completions match LOCKSTEP_SHARDS, and a merge Job), and the shell commands they run,
// executed verbatim here (npx resolved to this checkout's lockstep) against real scenarios,
// give the verdict of one unsharded check.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { lockstep, tempDir } from '../cli/cli-helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CI = path.join(ROOT, 'examples', 'ci');
const SCENARIOS = ['examples/seeds/004-mm-iommu-deadlock.buggy.lockstep', 'examples/seeds/004-mm-iommu-deadlock.fixed.lockstep'];

type Yaml = Record<string, unknown>;

function documents(file: string): Yaml[] {
  const docs = parseAllDocuments(readFileSync(path.join(CI, file), 'utf8'));
  assert.ok(Array.isArray(docs), `${file}: one or more YAML documents`);
  for (const d of docs) assert.deepEqual(d.errors.map((e) => e.message), [], `${file} parses`);
  return docs.map((d) => d.toJS() as Yaml);
}

/**
 * A workspace as a job sees it: the scenarios under scenarios/, and `npx` on the PATH
 * running this checkout's lockstep (and nothing else).
 */
function workspace(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'scenarios'));
  for (const f of SCENARIOS) copyFileSync(path.join(ROOT, f), path.join(dir, 'scenarios', path.basename(f)));
  const bin = path.join(dir, '.bin');
  mkdirSync(bin);
  const npx = path.join(bin, 'npx');
  writeFileSync(npx, `#!/bin/sh\n[ "$1" = lockstep ] || { echo "npx: $1 is not lockstep" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${path.join(ROOT, 'bin', 'lockstep.js')}" "$@"\n`);
  chmodSync(npx, 0o755);
  return { dir, env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } };
}

/** Runs a step's script as the engine does (bash -e for Actions, sh -c for a container). */
function shell(shellArgs: readonly string[], script: string, cwd: string, env: NodeJS.ProcessEnv): number {
  assert.doesNotMatch(script, /\$\{\{/, 'every workflow expression was substituted');
  const r = spawnSync(shellArgs[0]!, [...shellArgs.slice(1), script], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined);
  assert.doesNotMatch(r.stderr, /usage: lockstep|npx: .* is not lockstep/, r.stderr);
  return r.status ?? -1;
}

/** What one unsharded check of the same scenarios exits with. */
function unshardedStatus(dir: string): number {
  return lockstep(['check', ...SCENARIOS.map((f) => path.join('scenarios', path.basename(f))), '--quiet'], dir).status ?? -1;
}

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}

describe('GitHub Actions: examples/ci/lockstep-shards.yml', () => {
  const [wf] = documents('lockstep-shards.yml') as [Yaml];
  const jobs = wf.jobs as Record<string, { needs?: string; strategy?: { matrix: { shard: number[] } }; steps: Step[]; permissions?: Record<string, string> }>;
  const shardJob = jobs.shard!;
  const mergeJob = jobs.merge!;
  const shards = shardJob.strategy!.matrix.shard;
  const lockstepRuns = (steps: readonly Step[]): string[] => steps.filter((s) => s.run?.includes('lockstep')).map((s) => s.run!);

  test('a matrix of shards 1..N, a merge job after them that uploads SARIF to code scanning', () => {
    assert.deepEqual(shards, shards.map((_, i) => i + 1));
    assert.ok(shards.length >= 2);
    assert.equal(mergeJob.needs, 'shard');
    assert.equal(mergeJob.permissions?.['security-events'], 'write');
    const upload = mergeJob.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    assert.ok(upload, 'the merge job uploads SARIF');
    const merge = lockstepRuns(mergeJob.steps);
    assert.equal(merge.length, 1);
    assert.match(merge[0]!, new RegExp(`--sarif ${String(upload.with?.sarif_file).replace('.', '\\.')}\\b`), 'it uploads the file merge writes');
    assert.match(lockstepRuns(shardJob.steps)[0]!, /--shard \$\{\{ matrix\.shard \}\}\/\$\{\{ strategy\.job-total \}\}/);
  });

  test('its commands, run as the jobs run them, give the unsharded verdict and a SARIF file', () => {
    const { dir, env } = workspace();
    const vars = { ...env, ...(wf.env as Record<string, string>) };
    for (const i of shards) {
      for (const run of lockstepRuns(shardJob.steps)) {
        const script = run.replaceAll('${{ matrix.shard }}', String(i)).replaceAll('${{ strategy.job-total }}', String(shards.length));
        assert.equal(shell(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c'], script, dir, vars), 0, `shard ${i}`);
      }
      assert.ok(existsSync(path.join(dir, `shard-${i}.json`)));
    }
    const [merge] = lockstepRuns(mergeJob.steps) as [string];
    const status = shell(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c'], merge, dir, vars);
    assert.equal(status, unshardedStatus(dir));
    const sarif = JSON.parse(readFileSync(path.join(dir, 'lockstep.sarif'), 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    assert.ok(sarif.runs[0]!.results.some((r) => r.ruleId === 'lock_order'));
  });
});

describe('Kubernetes: examples/ci/lockstep-indexed-job.yaml', () => {
  const docs = documents('lockstep-indexed-job.yaml');
  type Container = { name: string; command: string[]; env?: { name: string; value: string }[]; workingDir?: string; volumeMounts?: { mountPath: string }[] };
  type JobSpec = { completionMode?: string; completions?: number; parallelism?: number; template: { spec: { containers: Container[]; initContainers?: Container[] } } };
  const jobs = docs.filter((d) => d.kind === 'Job') as { metadata: { name: string }; spec: JobSpec }[];
  const indexed = jobs.find((j) => j.spec.completionMode === 'Indexed');
  const merge = jobs.find((j) => j !== indexed);
  const envOf = (c: Container): Record<string, string> => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

  test('an Indexed Job of LOCKSTEP_SHARDS pods running --shard auto, and a merge Job', () => {
    assert.ok(indexed, 'an Indexed Job');
    assert.ok(merge, 'a merge Job');
    const [shard] = indexed.spec.template.spec.containers as [Container];
    assert.equal(Number(envOf(shard).LOCKSTEP_SHARDS), indexed.spec.completions);
    assert.equal(indexed.spec.parallelism, indexed.spec.completions);
    assert.match(shard.command.join(' '), /lockstep check .*--shard auto/);
    assert.match(merge.spec.template.spec.containers[0]!.command.join(' '), /lockstep merge /);
    assert.equal(shard.workingDir, merge.spec.template.spec.containers[0]!.workingDir, 'the merge sees the scenarios where the shards did');
  });

  test('its commands, run as the pods run them, give the unsharded verdict', () => {
    const { dir, env } = workspace();
    const results = path.join(dir, 'results');
    mkdirSync(results);
    // Every pod mounts the shared volume at /results: here, a directory of the workspace.
    const script = (c: Container): string => {
      assert.deepEqual(c.command.slice(0, 2), ['sh', '-c']);
      return c.command[2]!.replaceAll('/results', results);
    };
    const [shard] = indexed!.spec.template.spec.containers as [Container];
    const n = indexed!.spec.completions!;
    for (let i = 0; i < n; i++) {
      assert.equal(shell(['sh', '-c'], script(shard), dir, { ...env, ...envOf(shard), JOB_COMPLETION_INDEX: String(i) }), 0, `pod ${i}`);
    }
    for (const wait of merge!.spec.template.spec.initContainers ?? []) assert.equal(shell(['sh', '-c'], script(wait), dir, { ...env, ...envOf(wait) }), 0);
    const [m] = merge!.spec.template.spec.containers as [Container];
    assert.equal(shell(['sh', '-c'], script(m), dir, { ...env, ...envOf(m) }), unshardedStatus(dir));
    assert.ok(existsSync(path.join(results, 'lockstep.sarif')));
  });
});
