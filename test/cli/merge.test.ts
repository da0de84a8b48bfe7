// `lockstep check --shard` and `lockstep merge` as a user (or a CI job) runs them: shards'
// JSON joined into one verdict, a lock-order cycle across shards reported by the merge
// alone, the same output formats as check, `--shard auto` from a Kubernetes Indexed Job's
// environment, and every refusal as a clear `error:` line with exit 2.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { DETECTOR_CASES, scenarioText } from '../explore/detector-cases';
import { ACROSS_SHARDS } from '../explore/shard-cases';
import { lockstep, tempDir, writeScenario, type Run } from './cli-helpers';

const dir = tempDir();
const across = writeScenario(dir, 'across.lockstep', ACROSS_SHARDS);
const deadlock = DETECTOR_CASES.find((c) => c.kind === 'deadlock')!;
const abba = writeScenario(dir, 'abba.lockstep', scenarioText(deadlock, 'buggy'));

/** Runs `check FILES --shard i/n --json` and saves its output as shard-i.json in `into`. */
function runShard(files: readonly string[], i: number, n: number, into = dir, name = `shard-${i}.json`): string {
  const r = lockstep(['check', ...files, '--shard', `${i}/${n}`, '--json', '--quiet']);
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  const out = path.join(into, name);
  writeFileSync(out, r.stdout);
  return out;
}

function refused(r: Run, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /^error: /m);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
}

describe('lockstep merge', () => {
  const shard1 = runShard([across], 1, 2);
  const shard2 = runShard([across], 2, 2);

  test('a cycle whose sides fall in different shards: each shard verified, the merge reports it', () => {
    for (const f of [shard1, shard2]) assert.equal((JSON.parse(readFileSync(f, 'utf8')) as { verdict: string }).verdict, 'verified');
    const r = lockstep(['merge', shard1, shard2]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /WARNING: possible circular locking dependency detected/);
    assert.match(r.stdout, /CPU0 \(t\)/);
    assert.match(r.stdout, /across\.lockstep:\d+:\d+: lock_order: /);
    assert.match(r.stdout, /note: the lock-order cycle of a, b was seen only by joining what the shards' lockdep saw/);
    assert.match(r.stdout, /violation \(1 distinct violation: lock_order\).*\(2 shards merged\)/);
  });

  test('--json and --sarif as check writes them', () => {
    const sarif = path.join(dir, 'merged.sarif');
    const r = lockstep(['merge', shard2, shard1, '--json', '--sarif', sarif]);
    assert.equal(r.status, 1, r.stderr);
    const j = JSON.parse(r.stdout) as { file: string; verdict: string; shards: number; violations: { kind: string; trace: unknown[] }[]; stats: { states: number } };
    assert.equal(j.file, across);
    assert.equal(j.verdict, 'violation');
    assert.equal(j.shards, 2);
    assert.deepEqual(j.violations.map((v) => v.kind), ['lock_order']);
    assert.ok(j.violations[0]!.trace.length > 0);
    const shardStates = [shard1, shard2].map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { stats: { states: number } }).stats.states);
    assert.equal(j.stats.states, shardStates[0]! + shardStates[1]!);
    const log = JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    assert.deepEqual(log.runs[0]!.results.map((x) => x.ruleId), ['lock_order']);
  });

  test('violations every shard found are reported once; the verdict is one search\'s', () => {
    const n = 3;
    const files = [1, 2, 3].map((i) => runShard([abba], i, n, dir, `abba-${i}.json`));
    const merged = lockstep(['merge', ...files, '--json']);
    const whole = lockstep(['check', abba, '--json']);
    assert.equal(merged.status, whole.status);
    type J = { verdict: string; violations: { kind: string; location: unknown }[] };
    const m = JSON.parse(merged.stdout) as J;
    const w = JSON.parse(whole.stdout) as J;
    assert.equal(m.verdict, w.verdict);
    assert.deepEqual(m.violations.map((v) => v.kind).sort(), w.violations.map((v) => v.kind).sort());
  });

  test('shards of several files: grouped by file, each merged', () => {
    const d = tempDir();
    const files = [1, 2].map((i) => runShard([across, abba], i, 2, d));
    const r = lockstep(['merge', ...files, '--json']);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { file: string }).file), [across, abba]);
  });

  test('refuses a missing shard', () => {
    refused(lockstep(['merge', shard1]), /missing shard 2\/2/);
  });

  test('refuses a shard given twice', () => {
    refused(lockstep(['merge', shard1, shard1]), /shard 1\/2 given twice/);
  });

  test('refuses shards of different files', () => {
    const other = runShard([abba], 2, 2, dir, 'abba-2-of-2.json');
    refused(lockstep(['merge', shard1, other]), /shards of different files/);
  });

  test('refuses shards of different scenario versions', () => {
    const d = tempDir();
    const file = writeScenario(d, 'edited.lockstep', ACROSS_SHARDS);
    // The same file name, run from the same directory, but edited between the two shards.
    const first = lockstep(['check', 'edited.lockstep', '--shard', '1/2', '--json'], d);
    writeFileSync(path.join(d, 'one.json'), first.stdout);
    writeFileSync(file, ACROSS_SHARDS.replace('x = 2', 'x = 3'));
    const second = lockstep(['check', 'edited.lockstep', '--shard', '2/2', '--json'], d);
    writeFileSync(path.join(d, 'two.json'), second.stdout);
    refused(lockstep(['merge', 'one.json', 'two.json'], d), /shards of different scenario versions/);
  });

  test('refuses to merge when the scenario changed after the shards ran', () => {
    const d = tempDir();
    const file = writeScenario(d, 'later.lockstep', ACROSS_SHARDS);
    for (const i of [1, 2]) writeFileSync(path.join(d, `${i}.json`), lockstep(['check', 'later.lockstep', '--shard', `${i}/2`, '--json'], d).stdout);
    writeFileSync(file, `${ACROSS_SHARDS}// edited\n`);
    refused(lockstep(['merge', '1.json', '2.json'], d), /the scenario changed since the shards checked it/);
  });

  test('refuses output that is not a shard\'s, and files that are not JSON', () => {
    const plain = path.join(dir, 'plain.json');
    writeFileSync(plain, lockstep(['check', across, '--json']).stdout);
    refused(lockstep(['merge', plain]), /not the output of a shard/);
    const junk = writeScenario(dir, 'junk.json', 'scenario "x"\n');
    refused(lockstep(['merge', junk]), /junk\.json:1: not JSON/);
    refused(lockstep(['merge', path.join(dir, 'absent.json')]), /absent\.json: cannot read the file/);
  });
});

describe('--shard auto', () => {
  const env = (vars: Record<string, string>): NodeJS.ProcessEnv => {
    const e = { ...process.env, ...vars };
    for (const [k, v] of Object.entries(vars)) if (v === '') delete e[k];
    return e;
  };

  test('reads the shard from JOB_COMPLETION_INDEX (0-based) and LOCKSTEP_SHARDS', () => {
    const r = lockstep(['check', across, '--shard', 'auto', '--json'], undefined, env({ JOB_COMPLETION_INDEX: '1', LOCKSTEP_SHARDS: '2' }));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { shard: unknown }).shard, { index: 2, count: 2 });
  });

  test('clear errors when the variables are unset or invalid', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ JOB_COMPLETION_INDEX: '0', LOCKSTEP_SHARDS: '' }, /--shard auto needs LOCKSTEP_SHARDS/],
      [{ JOB_COMPLETION_INDEX: '', LOCKSTEP_SHARDS: '2' }, /--shard auto needs JOB_COMPLETION_INDEX/],
      [{ JOB_COMPLETION_INDEX: '2', LOCKSTEP_SHARDS: '2' }, /JOB_COMPLETION_INDEX must be an integer from 0 to 1 \(LOCKSTEP_SHARDS is 2\), not '2'/],
      [{ JOB_COMPLETION_INDEX: 'one', LOCKSTEP_SHARDS: '2' }, /JOB_COMPLETION_INDEX must be an integer/],
      [{ JOB_COMPLETION_INDEX: '0', LOCKSTEP_SHARDS: '0' }, /LOCKSTEP_SHARDS must be a positive integer, not '0'/],
    ];
    for (const [vars, pattern] of cases) {
      const r = lockstep(['check', across, '--shard', 'auto'], undefined, env(vars));
      assert.equal(r.status, 2, JSON.stringify(vars));
      assert.match(r.stderr, pattern);
    }
  });
});
