#!/usr/bin/env node
// Installs, once per version, what the end-to-end tests need to run a real VS Code here:
// Node 24 and code-server from the npm registry, Debian's Chromium (plus code-server's
// native build tools), and playwright-core. Run alone to warm the cache; test/e2e/run.mjs
// calls ensureE2eTools() itself.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The versions the cache is keyed by. Bump one and the next run installs it afresh. */
export const E2E_VERSIONS = Object.freeze({
  node: '24.21.0',
  codeServer: '4.139.1',
  playwrightCore: '1.65.1',
});

const DEBIAN_PACKAGES = ['chromium', 'libkrb5-dev', 'pkg-config', 'build-essential'];
export const CHROMIUM = '/usr/bin/chromium';

/**
 * @typedef {object} E2eTools
 * @property {string} node          Node 24 binary that runs VS Code's server.
 * @property {string} serverMain    code-server's bundled VS Code server entry (server-main.js).
 * @property {string} vscodeVersion Version of the bundled VS Code.
 * @property {string} chromium      Headless browser binary.
 * @property {string} playwrightCore Folder of the playwright-core package.
 */

/** The cache folder: outside the repository by default, never committed. */
export function e2eCacheDir() {
  return resolve(process.env.LOCKSTEP_E2E_CACHE ?? join(homedir(), '.cache', 'lockstep-e2e'));
}

/** @param {string} message */
function log(message) {
  process.stderr.write(`[e2e-setup] ${message}\n`);
}

/**
 * Runs a command, streaming its output to stderr, and throws when it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 2, 2], ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

/**
 * Installs npm packages into a cache folder of their own, unless a finished install is
 * already there. A `.complete` marker is written last, so an interrupted install is redone.
 * @param {string} dir
 * @param {string[]} specs
 * @param {NodeJS.ProcessEnv} [env]
 */
function ensureNpmFolder(dir, specs, env = process.env) {
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return false;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  const started = Date.now();
  log(`npm install ${specs.join(' ')} into ${dir}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--no-package-lock', '--loglevel=error', ...specs], { cwd: dir, env });
  writeFileSync(marker, new Date().toISOString() + '\n');
  log(`installed ${specs.join(' ')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return true;
}

function ensureDebianPackages() {
  const missing = DEBIAN_PACKAGES.filter((name) => {
    const status = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return status.status !== 0 || !status.stdout.includes('install ok installed');
  });
  if (missing.length === 0 && existsSync(CHROMIUM)) return;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const started = Date.now();
  log(`apt-get install ${missing.join(' ')}`);
  const [cmd = 'apt-get', ...prefix] = [...sudo, 'apt-get'];
  run(cmd, [...prefix, 'update'], { env });
  run(cmd, [...prefix, 'install', '-y', '--no-install-recommends', ...missing], { env });
  log(`Debian packages installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * The environment without what `npm run` adds for its script: the lifecycle and package
 * variables, and the user agent and node paths that name the Node running npm. A nested
 * npm reads `npm_config_user_agent` from the environment as its own, and code-server's
 * postinstall checks the Node version there, so under `npm run test:e2e` it would see the
 * outer Node 20 and refuse. Other `npm_config_*` (a registry, a cache) are kept.
 * @param {NodeJS.ProcessEnv} env
 */
function outsideNpmRun(env) {
  /** @type {NodeJS.ProcessEnv} */
  const clean = {};
  for (const [key, value] of Object.entries(env)) {
    const fromRun = (key.startsWith('npm_') && !key.startsWith('npm_config_')) || key === 'npm_config_user_agent' || key === 'NODE';
    if (!fromRun) clean[key] = value;
  }
  return clean;
}

/**
 * Finds the platform package `npm i node@24` brings in: it holds bin/node and Node's
 * headers, which is what npm_config_nodedir must point to.
 * @param {string} dir
 */
function nodePlatformPackage(dir) {
  const name = `node-${process.platform}-${process.arch}`;
  for (const candidate of [join(dir, 'node_modules', 'node', 'node_modules', name), join(dir, 'node_modules', name)]) {
    if (existsSync(join(candidate, 'bin', 'node'))) return candidate;
  }
  throw new Error(`no ${name}/bin/node under ${dir}: the node@${E2E_VERSIONS.node} install is incomplete`);
}

/** @returns {E2eTools} */
export function ensureE2eTools() {
  const cache = e2eCacheDir();
  ensureDebianPackages();

  const nodeDir = join(cache, `node-${E2E_VERSIONS.node}`);
  ensureNpmFolder(nodeDir, [`node@${E2E_VERSIONS.node}`]);
  const nodePackage = nodePlatformPackage(nodeDir);
  const node = join(nodePackage, 'bin', 'node');
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (version !== `v${E2E_VERSIONS.node}`) throw new Error(`${node} reports ${version}, expected v${E2E_VERSIONS.node}`);

  // code-server's install scripts insist on Node 24 and build native modules: run npm
  // under that Node and point node-gyp at its headers.
  const codeServerDir = join(cache, `code-server-${E2E_VERSIONS.codeServer}-node-${E2E_VERSIONS.node}`);
  ensureNpmFolder(codeServerDir, [`code-server@${E2E_VERSIONS.codeServer}`], {
    ...outsideNpmRun(process.env),
    PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: nodePackage,
  });
  const vscodeDir = join(codeServerDir, 'node_modules', 'code-server', 'lib', 'vscode');
  const serverMain = join(vscodeDir, 'out', 'server-main.js');
  if (!existsSync(serverMain)) throw new Error(`code-server install has no ${serverMain}`);
  const product = JSON.parse(readFileSync(join(vscodeDir, 'package.json'), 'utf8'));

  const playwrightDir = join(cache, `playwright-core-${E2E_VERSIONS.playwrightCore}`);
  ensureNpmFolder(playwrightDir, [`playwright-core@${E2E_VERSIONS.playwrightCore}`]);
  const playwrightCore = join(playwrightDir, 'node_modules', 'playwright-core');

  pruneOldVersions(cache, [nodeDir, codeServerDir, playwrightDir]);
  return { node, serverMain, vscodeVersion: String(product.version), chromium: CHROMIUM, playwrightCore };
}

/**
 * Removes cached installs of versions no longer pinned, so bumping a version does not
 * leave 600 MB behind.
 * @param {string} cache
 * @param {string[]} keep
 */
function pruneOldVersions(cache, keep) {
  for (const entry of readdirSync(cache)) {
    const path = join(cache, entry);
    if (!keep.includes(path) && /^(node|code-server|playwright-core)-/.test(entry)) {
      log(`removing stale ${path}`);
      rmSync(path, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const tools = ensureE2eTools();
  log(`ready in ${((Date.now() - started) / 1000).toFixed(0)} s: VS Code ${tools.vscodeVersion}`);
  process.stdout.write(JSON.stringify(tools, null, 2) + '\n');
}
