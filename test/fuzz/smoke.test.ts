// A short run of every fuzz campaign (parser, checker, language server, debug adapter) side
// by side, with a fixed seed: each must get through inputs or sessions with no crash, hang,
// stack trace or broken bound. The long runs are `npm run fuzz` (docs/reliability.md).

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fuzz, summary } from '../../fuzz/main';

test('fuzz smoke: 20 s of each target, concurrently, finds nothing', async () => {
  const targets = ['parser', 'checker', 'lsp', 'dap'] as const;
  const report = await fuzz({
    targets, seconds: 20, seed: 1, findings: mkdtempSync(join(tmpdir(), 'lockstep-fuzz-smoke-')),
    hangMs: 60_000, answerMs: 60_000, sessionsPerProcess: 20, hugeRate: 0.001,
  });
  const text = summary(report, targets);
  for (const t of targets) {
    const x = report[t];
    assert.ok(x.units > 0, `${t} ran no input or session:\n${text}`);
    assert.deepEqual({ crashes: x.crashes, hangs: x.hangs, stackTraces: x.stackTraces, boundsBroken: x.boundsBroken }, { crashes: 0, hangs: 0, stackTraces: 0, boundsBroken: 0 }, text);
  }
});

test('the fuzzer refuses an option it does not know with its usage, not a stack trace', () => {
  const r = spawnSync(process.execPath, [join(__dirname, '..', '..', 'fuzz', 'main.js'), '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^fuzz: Unknown option '--help'/);
  assert.match(r.stderr, /usage: npm run fuzz -- --minutes N/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
