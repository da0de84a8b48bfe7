#!/usr/bin/env node
// The `lockstep` command: a thin launcher for the compiled CLI.
require('../out/cli/main.js').run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
