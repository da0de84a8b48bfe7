// `lockstep check` and `lockstep test` as a user runs them: exit codes 0/1/2/3, the report,
// the JSON shape scripts rely on, `file:line:col: error:` for bad input and never a stack
// trace, traces that `run --replay` reproduces, and SARIF.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { DETECTOR_CASES, scenarioText } from '../explore/detector-cases';
import { lockstep, tempDir, writeScenario } from './cli-helpers';

const dir = tempDir();
const uaf = DETECTOR_CASES.find((c) => c.kind === 'use_after_free')!;
const deadlock = DETECTOR_CASES.find((c) => c.kind === 'deadlock')!;
const buggy = writeScenario(dir, 'uaf.buggy.lockstep', scenarioText(uaf, 'buggy'));
const fixed = writeScenario(dir, 'uaf.fixed.lockstep', scenarioText(uaf, 'fixed'));
const abba = writeScenario(dir, 'abba.buggy.lockstep', scenarioText(deadlock, 'buggy'));
const counter = writeScenario(dir, 'counter.lockstep', `scenario "counter"
mutex m; int c; int done;
thread a { for (int i = 0; i < 3; i++) { mutex_lock(&m); c = c + 1; mutex_unlock(&m); } done++; }
thread b { for (int i = 0; i < 3; i++) { mutex_lock(&m); c = c + 1; mutex_unlock(&m); } done++; }
thread end { await(done == 2); assert(c == 6); }
expect no violation;
`);

interface JsonFinding {
  kind: string;
  message: string;
  location: { line: number; column: number };
  trace: { actor: string; line: number; text: string }[];
}
interface JsonResult {
  file: string;
  verdict: string;
  violations: JsonFinding[];
  stats: Record<string, unknown>;
}
interface SarifResult {
  ruleId: string;
  level: string;
  locations: { physicalLocation: { region: { startLine: number } } }[];
  codeFlows: { threadFlows: { locations: unknown[] }[] }[];
}

function noStackTrace(r: { stderr: string; stdout: string }): void {
  assert.doesNotMatch(r.stderr + r.stdout, /^\s+at .+\(.*:\d+:\d+\)$/m, 'no JavaScript stack trace');
}

describe('lockstep check', () => {
  test('exit 0 and "verified" for a scenario without bugs', () => {
    const r = lockstep(['check', fixed]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /verified/);
  });

  test('exit 1 with the KASAN report, the column diagram and a file:line:col line', () => {
    const r = lockstep(['check', buggy]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /BUG: KASAN: slab-use-after-free/);
    assert.match(r.stdout, /CPU\d \(owner\)/);
    assert.match(r.stdout, /<- use-after-free/);
    assert.match(r.stdout, /uaf\.buggy\.lockstep:\d+:\d+: use_after_free: /);
  });

  test('exit 3 and the bound when the search is stopped', () => {
    const r = lockstep(['check', counter, '--max-states', '10']);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /inconclusive.*--max-states 10/);
  });

  test('exit 1 wins over 3, and input errors (2) over both', () => {
    assert.equal(lockstep(['check', buggy, counter, '--max-states', '40']).status, 1);
    const bad = writeScenario(dir, 'bad.lockstep', 'thread t { mutex_lock(&nope); }\n');
    assert.equal(lockstep(['check', buggy, bad]).status, 2);
  });

  test('--json prints one object per file in the documented shape', () => {
    const r = lockstep(['check', '--json', buggy, fixed]);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonResult);
    assert.equal(lines.length, 2);
    const [b, f] = lines as [JsonResult, JsonResult];
    assert.deepEqual(Object.keys(b).sort(), ['file', 'stats', 'verdict', 'violations']);
    assert.equal(b.file, buggy);
    assert.equal(b.verdict, 'violation');
    assert.equal(f.verdict, 'verified');
    assert.deepEqual(f.violations, []);
    const v = b.violations[0]!;
    assert.deepEqual(Object.keys(v).sort(), ['kind', 'location', 'message', 'trace']);
    assert.equal(v.kind, 'use_after_free');
    assert.deepEqual(Object.keys(v.location).sort(), ['column', 'line']);
    assert.ok(v.trace.length > 0);
    for (const st of v.trace) assert.deepEqual(Object.keys(st).sort(), ['actor', 'line', 'text']);
    assert.deepEqual(Object.keys(b.stats).sort(), ['peakMemoryMB', 'seconds', 'states', 'transitions']);
    for (const k of ['states', 'transitions', 'seconds', 'peakMemoryMB']) assert.equal(typeof b.stats[k], 'number');
  });

  test('a bad file: file:line:col: error:, exit 2, no stack trace', () => {
    const bad = writeScenario(dir, 'syntax.lockstep', 'scenario "x"\nthread t {\n  mutex_lock(&m)\n');
    const r = lockstep(['check', bad]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /syntax\.lockstep:\d+:\d+: error: /);
    noStackTrace(r);
  });

  test('random bytes and a missing file: exit 2, no stack trace', () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
    const junk = writeScenario(dir, 'junk.lockstep', bytes);
    for (const f of [junk, path.join(dir, 'missing.lockstep')]) {
      const r = lockstep(['check', f]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /error/);
      noStackTrace(r);
    }
  });

  test('usage errors: exit 2 with the usage text', () => {
    for (const args of [['check'], ['check', fixed, '--max-states', 'lots'], ['check', fixed, '--shard', '3/2'], ['check', fixed, '--bogus']]) {
      const r = lockstep(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /usage: lockstep/);
      noStackTrace(r);
    }
  });

  test('--trace-out writes a trace that run --replay reproduces', () => {
    const trace = path.join(dir, 'uaf.trace.json');
    const r = lockstep(['check', buggy, '--trace-out', trace]);
    assert.equal(r.status, 1);
    const saved = JSON.parse(readFileSync(trace, 'utf8')) as { lockstepTrace: number; violation: { kind: string; line: number } };
    assert.equal(saved.lockstepTrace, 1);
    assert.equal(saved.violation.kind, 'use_after_free');
    const replay = lockstep(['run', buggy, '--replay', trace]);
    assert.equal(replay.status, 1, replay.stderr);
    assert.match(replay.stdout, new RegExp(`uaf\\.buggy\\.lockstep:${saved.violation.line}:\\d+: use_after_free`));
  });

  test('--sarif writes SARIF 2.1.0 with a code flow per violation', () => {
    const sarif = path.join(dir, 'out.sarif');
    const r = lockstep(['check', buggy, abba, '--sarif', sarif, '--quiet']);
    assert.equal(r.status, 1);
    const log = JSON.parse(readFileSync(sarif, 'utf8')) as { version: string; runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: SarifResult[] }[] };
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0]!;
    assert.equal(run.tool.driver.name, 'lockstep');
    assert.ok(run.tool.driver.rules.some((x) => x.id === 'use_after_free'));
    const kinds = run.results.map((x) => x.ruleId).sort();
    assert.deepEqual(kinds, ['deadlock', 'lock_order', 'use_after_free']);
    for (const res of run.results) {
      assert.equal(res.level, 'error');
      assert.ok(res.locations[0]!.physicalLocation.region.startLine > 0);
      assert.ok(res.codeFlows[0]!.threadFlows[0]!.locations.length > 0);
    }
  });

  test('--shard i/n: each part runs and together they find the bug', () => {
    const codes = [1, 2, 3].map((i) => lockstep(['check', abba, '--shard', `${i}/3`, '--json']));
    assert.ok(codes.every((r) => r.status === 0 || r.status === 1), codes.map((r) => r.stderr).join());
    const found = new Set(codes.flatMap((r) => (JSON.parse(r.stdout) as { violations: { kind: string }[] }).violations.map((v) => v.kind)));
    assert.ok(found.has('deadlock'));
  });
});

describe('lockstep test', () => {
  test('PASS/FAIL per file and the closing count; exit 1 when one fails', () => {
    const d = tempDir();
    writeScenario(d, 'a.buggy.lockstep', scenarioText(uaf, 'buggy'));
    writeScenario(d, 'a.fixed.lockstep', scenarioText(uaf, 'fixed'));
    writeScenario(d, 'wrong.lockstep', scenarioText(uaf, 'buggy').replace('expect use_after_free;', 'expect no violation;'));
    const r = lockstep(['test', d]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^PASS .*a\.buggy\.lockstep/m);
    assert.match(r.stdout, /^PASS .*a\.fixed\.lockstep/m);
    assert.match(r.stdout, /^FAIL .*wrong\.lockstep .*expected no violation, found use_after_free/m);
    assert.match(r.stdout, /^2 passed, 1 failed$/m);
  });

  test('exit 0 when every file matches its expect clause', () => {
    const d = tempDir();
    for (const c of DETECTOR_CASES.slice(0, 4)) {
      writeScenario(d, `${c.kind}.buggy.lockstep`, scenarioText(c, 'buggy'));
      writeScenario(d, `${c.kind}.fixed.lockstep`, scenarioText(c, 'fixed'));
    }
    const r = lockstep(['test', d]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^8 passed, 0 failed$/m);
  });

  test('a missing path is a usage error', () => {
    const r = lockstep(['test', path.join(dir, 'nowhere')]);
    assert.equal(r.status, 2);
    noStackTrace(r);
  });
});
