// How bin/lockstep.js loads the CLI (bin/load.js): the bundle `npm run build` made, with
// V8's code cache of it, while every module it was made from is as the build left it; the
// modules otherwise. Checked on the build itself and on small repositories made here.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { philosophersScenario } from '../../bench/generate';
import { lockstep, tempDir, writeScenario } from './cli-helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Loaded {
  readonly cli: { run?: unknown; from?: string };
  readonly via: 'bundle' | 'modules';
  readonly why?: string;
  readonly cache: 'accepted' | 'rejected' | 'none';
  writeCache(): boolean;
}

const { loadCli } = require(path.join(ROOT, 'bin', 'load.js')) as { loadCli(root: string): Loaded };

/** A repository with out/cli/main.js, a bundle of it and the manifest scripts/cli-bundle.mjs writes. */
function fakeRepo(): string {
  const root = tempDir();
  mkdirSync(path.join(root, 'out', 'cli'), { recursive: true });
  mkdirSync(path.join(root, 'out', 'bundle'), { recursive: true });
  writeFileSync(path.join(root, 'out', 'cli', 'main.js'), "exports.from = 'modules';\n");
  writeFileSync(path.join(root, 'out', 'bundle', 'lockstep.js'), "exports.from = 'bundle:' + require('node:path').basename(__filename);\n");
  writeManifest(root);
  return root;
}

function writeManifest(root: string): void {
  const file = 'out/cli/main.js';
  const s = statSync(path.join(root, file));
  writeFileSync(path.join(root, 'out', 'bundle', 'lockstep.json'), JSON.stringify({ inputs: [[file, s.size, s.mtimeMs]] }));
}

describe('the bundle the build made', () => {
  test('is loaded, with its code cache accepted', () => {
    const loaded = loadCli(ROOT);
    assert.equal(loaded.via, 'bundle', loaded.why);
    assert.equal(loaded.cache, 'accepted');
    assert.equal(typeof loaded.cli.run, 'function');
  });

  test('runs a search on two workers, whose team loads the bundle', () => {
    // Long enough (a second or more here) for the team to start and join.
    const file = writeScenario(tempDir(), 'philosophers.lockstep', philosophersScenario(11, true));
    const stats = (workers: number): { verdict: string; states: number } => {
      const r = lockstep(['check', file, '--workers', String(workers), '--json']);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { verdict: string; stats: { states: number } };
      return { verdict: out.verdict, states: out.stats.states };
    };
    const one = stats(1);
    const two = stats(2);
    assert.equal(two.verdict, 'verified');
    assert.equal(one.verdict, 'verified');
    assert.ok(Math.abs(two.states - one.states) <= 0.03 * one.states, `${two.states} vs ${one.states} states`);
  });
});

describe('a bundle and its modules', () => {
  test('the bundle is loaded while its modules are as the manifest records them', () => {
    const root = fakeRepo();
    const loaded = loadCli(root);
    assert.equal(loaded.via, 'bundle');
    assert.equal(loaded.cli.from, 'bundle:lockstep.js');
    assert.equal(loaded.cache, 'none');
    rmSync(root, { recursive: true });
  });

  test('a module written again since (another size, or only another time) makes it load the modules', () => {
    const root = fakeRepo();
    writeFileSync(path.join(root, 'out', 'cli', 'main.js'), "exports.from = 'modules, again';\n");
    let loaded = loadCli(root);
    assert.equal(loaded.via, 'modules');
    assert.equal(loaded.why, 'stale: out/cli/main.js');
    assert.equal(loaded.cli.from, 'modules, again');

    const again = fakeRepo();
    const main = path.join(again, 'out', 'cli', 'main.js');
    const later = new Date(statSync(main).mtimeMs + 5000);
    utimesSync(main, later, later);
    loaded = loadCli(again);
    assert.equal(loaded.via, 'modules');
    assert.equal(loaded.why, 'stale: out/cli/main.js');
    rmSync(root, { recursive: true });
    rmSync(again, { recursive: true });
  });

  test('with no manifest, a bad one, a module gone or the bundle gone, the modules are loaded', () => {
    for (const spoil of [
      (root: string) => rmSync(path.join(root, 'out', 'bundle', 'lockstep.js')),
      (root: string) => rmSync(path.join(root, 'out', 'bundle', 'lockstep.json')),
      (root: string) => writeFileSync(path.join(root, 'out', 'bundle', 'lockstep.json'), '{"inputs": [["out/cli/main.js"]]}'),
      (root: string) => writeFileSync(path.join(root, 'out', 'bundle', 'lockstep.json'), '\u0000\u00ff junk'),
      (root: string) => {
        writeFileSync(path.join(root, 'out', 'bundle', 'lockstep.json'), JSON.stringify({ inputs: [['out/core/gone.js', 1, 1]] }));
      },
    ]) {
      const root = fakeRepo();
      spoil(root);
      const loaded = loadCli(root);
      assert.equal(loaded.via, 'modules');
      assert.equal(loaded.cli.from, 'modules');
      assert.ok(loaded.why === 'missing' || loaded.why?.startsWith('stale: '), loaded.why);
      rmSync(root, { recursive: true });
    }
  });

  test('the code cache written after a run is accepted at the next start; a spoilt one is refused and changes nothing', () => {
    // Each start in a process of its own: within one, V8 compiles an unchanged source once
    // and never looks at the cache again.
    const root = fakeRepo();
    const start = (write = false): { from: string; cache: string } => {
      const code = `const l = require(${JSON.stringify(path.join(ROOT, 'bin', 'load.js'))}).loadCli(${JSON.stringify(root)});
        ${write ? 'l.writeCache();' : ''}
        process.stdout.write(JSON.stringify({ from: l.cli.from, cache: l.cache }));`;
      const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { from: string; cache: string };
    };
    assert.deepEqual(start(true), { from: 'bundle:lockstep.js', cache: 'none' });
    const cache = path.join(root, 'out', 'bundle', 'lockstep.js.cache');
    assert.ok(readFileSync(cache).length > 0);
    assert.deepEqual(start(), { from: 'bundle:lockstep.js', cache: 'accepted' });
    writeFileSync(cache, Buffer.from('not a code cache'));
    assert.deepEqual(start(), { from: 'bundle:lockstep.js', cache: 'rejected' });
    rmSync(root, { recursive: true });
  });

  test('the modules loaded instead have no code cache to write', () => {
    const root = fakeRepo();
    rmSync(path.join(root, 'out', 'bundle', 'lockstep.json'));
    assert.equal(loadCli(root).writeCache(), false);
    rmSync(root, { recursive: true });
  });
});
