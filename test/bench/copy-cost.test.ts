// bench/copy-cost.ts as it is run: each way copies what it is asked to (the script checks
// and exits 1 otherwise), and it prints one row per way; a bad option is an error, not a run.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const script = path.join(__dirname, '..', '..', 'bench', 'copy-cost.js');

test('copy-cost times four ways of moving words, each checked to have copied them', () => {
  const r = spawnSync(process.execPath, [script, '--words', '12', '--calls', '3000', '--rounds', '2'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^(js|copyWithin|wasm|call) /.test(l));
  assert.deepEqual(rows.map((l) => l.split(/\s+/)[0]), ['js', 'copyWithin', 'wasm', 'call']);
  for (const row of rows) {
    const ns = Number(row.split(/\s+/)[1]);
    assert.ok(ns > 0 && Number.isFinite(ns), row);
  }
  assert.match(r.stdout, /^12 words a copy, 3000 calls a round, median of 2 rounds/);
});

test('copy-cost refuses a bad option with a message', () => {
  const r = spawnSync(process.execPath, [script, '--words', 'many'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^copy-cost: --words takes a positive whole number/);
  assert.equal(r.stdout, '');
});
