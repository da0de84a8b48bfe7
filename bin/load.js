'use strict';
// Loads the compiled CLI for bin/lockstep.js: the bundle `npm run build` makes
// (scripts/cli-bundle.mjs), with V8's code cache of it, or else the modules tsc wrote.
// The bundle is one file where the modules are about eighty, and with its code cache the
// functions a check runs are not parsed and compiled to bytecode again: a small check takes
// about a quarter less time from the command. It is used only while every module it was
// made from is as the manifest records it (size and modification time); after tsc writes any
// of them again the modules are loaded instead. A cache V8 refuses (another Node, other V8
// flags) is ignored, and the bundle is compiled as any file is.

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

/**
 * The CLI's exports, loaded from `root` (the repository). `via`: 'bundle' or 'modules' (and
 * why not the bundle: `stale`, the module that changed, or `missing`); `cache`: 'accepted',
 * 'rejected' or 'none'. `writeCache()` writes the code cache of what has been compiled so far
 * (scripts/cli-bundle.mjs, after a check); false when the modules were loaded.
 */
function loadCli(at) {
  const root = path.resolve(at);
  const bundle = path.join(root, 'out', 'bundle', 'lockstep.js');
  let why = freshness(root, path.join(root, 'out', 'bundle', 'lockstep.json'));
  let source;
  if (why === undefined) {
    try {
      source = fs.readFileSync(bundle, 'utf8');
    } catch {
      why = 'missing';
    }
  }
  if (why !== undefined) {
    return { cli: require(path.join(root, 'out', 'cli', 'main.js')), via: 'modules', why, cache: 'none', writeCache: () => false };
  }
  const cacheFile = `${bundle}.cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  const wrapper = script.runInThisContext();
  wrapper.call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  return {
    cli: mod.exports,
    via: 'bundle',
    cache: cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted',
    writeCache: () => {
      fs.writeFileSync(cacheFile, script.createCachedData());
      return true;
    },
  };
}

/** Undefined when the bundle may be used; else why not. */
function freshness(root, manifestFile) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch {
    return 'missing';
  }
  if (!manifest || !Array.isArray(manifest.inputs)) return 'missing';
  for (const entry of manifest.inputs) {
    if (!Array.isArray(entry) || entry.length !== 3) return 'missing';
    const [file, size, mtimeMs] = entry;
    let s;
    try {
      s = fs.statSync(path.join(root, file));
    } catch {
      return `stale: ${file}`;
    }
    if (s.size !== size || s.mtimeMs !== mtimeMs) return `stale: ${file}`;
  }
  return undefined;
}

module.exports = { loadCli };
