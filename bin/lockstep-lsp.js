#!/usr/bin/env node
// `lockstep-lsp`: the language server (stdio by default; --stdio or --node-ipc), a thin
// launcher for the compiled server.
require('../out/server/main.js').main();
