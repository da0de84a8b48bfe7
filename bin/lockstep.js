#!/usr/bin/env node
// The `lockstep` command: a thin launcher for the compiled CLI (bundled, see load.js).
const path = require('node:path');
const { loadCli } = require('./load.js');

const loaded = loadCli(path.join(__dirname, '..'));
loaded.cli.run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // scripts/cli-bundle.mjs: the code cache of what this run compiled.
  if (process.env.LOCKSTEP_WRITE_CODE_CACHE === '1') loaded.writeCache();
});
