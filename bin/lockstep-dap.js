#!/usr/bin/env node
// `lockstep-dap`: the Lockstep debug adapter over stdio, for DAP clients other than VS Code.
require('../out/debugger/main.js');
