#!/usr/bin/env node
// Bundles the extension's Node entry points (client, language server, debug adapter) with
// esbuild into dist/, one self-contained file each, so the .vsix needs no node_modules.
// An entry whose source does not exist yet is skipped and said so.

import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Source entry -> bundle name under dist/. package.json's `main` names dist/client.js. */
export const ENTRIES = Object.freeze({
  'client/extension.ts': 'client',
  'server/main.ts': 'server',
  'debugger/main.ts': 'debugger',
});

/**
 * @param {{ minify?: boolean }} [options]
 * @returns {Promise<string[]>} the bundles written, relative to the repository root
 */
export async function bundleExtension(options = {}) {
  const outdir = join(root, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  const written = [];
  for (const [source, name] of Object.entries(ENTRIES)) {
    if (!existsSync(join(root, source))) {
      process.stderr.write(`[bundle] ${source} does not exist yet: no dist/${name}.js\n`);
      continue;
    }
    await build({
      absWorkingDir: root,
      entryPoints: { [name]: source },
      outdir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // `vscode` is provided by the extension host at run time.
      external: ['vscode'],
      sourcemap: true,
      minify: options.minify ?? false,
      logLevel: 'warning',
    });
    written.push(`dist/${name}.js`);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const written = await bundleExtension({ minify: process.argv.includes('--minify') });
  process.stdout.write(`[bundle] wrote ${written.length ? written.join(', ') : 'nothing'}\n`);
}
