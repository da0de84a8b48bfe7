#!/usr/bin/env node
// Makes the `lockstep` command start faster: `npm run build` runs this after tsc. It bundles
// the compiled CLI (out/cli/main.js and the modules it loads) into one file,
// out/bundle/lockstep.js, so that Node resolves and reads one file instead of about eighty,
// and then writes V8's code cache of that file (out/bundle/lockstep.js.cache) after checking
// a few seed scenarios with it, so that the functions a check runs need not be parsed and
// compiled to bytecode again at each start. bin/load.js uses both, and falls back to the
// modules when the bundle is missing or older than any module it was made from (recorded in
// out/bundle/lockstep.json), so a tsc run after this one is never shadowed by a stale bundle.

import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'out', 'bundle');
const bundle = join(outdir, 'lockstep.js');
const manifest = join(outdir, 'lockstep.json');
const cache = `${bundle}.cache`;

/** What the code cache is made from: a check that verifies, and two with violations to report. */
const WARM_UP = [
  'examples/seeds/000-spapr-tce.buggy.lockstep',
  'examples/seeds/002-vpa-registration.fixed.lockstep',
  'examples/seeds/004-mm-iommu-deadlock.buggy.lockstep',
];

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['out/cli/main.js'],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  metafile: true,
  logLevel: 'warning',
});

// Every module the bundle holds, with its size and time as tsc left it: bin/load.js compares.
const inputs = Object.keys(result.metafile.inputs).map((p) => {
  const s = statSync(join(root, p));
  return [p, s.size, s.mtimeMs];
});
writeFileSync(manifest, `${JSON.stringify({ bundle: 'out/bundle/lockstep.js', inputs })}\n`);

const run = spawnSync(process.execPath, [join(root, 'bin', 'lockstep.js'), 'check', ...WARM_UP, '--workers', '1', '-q'], {
  cwd: root,
  env: { ...process.env, LOCKSTEP_WRITE_CODE_CACHE: '1' },
  encoding: 'utf8',
});
// Violations exit 1; anything but 0 or 1 is a failure of the bundle itself.
if (run.status !== 0 && run.status !== 1) {
  process.stderr.write(`[cli-bundle] the bundled CLI failed (exit ${run.status}):\n${run.stderr}`);
  process.exit(1);
}
if (!existsSync(cache)) {
  process.stderr.write('[cli-bundle] no code cache was written\n');
  process.exit(1);
}
process.stdout.write(`[cli-bundle] wrote out/bundle/lockstep.js (${inputs.length} modules), its code cache (${statSync(cache).size} bytes)\n`);
