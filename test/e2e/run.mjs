#!/usr/bin/env node
// Runs the end-to-end suites in a real VS Code: for each suite in test/e2e/suites/, VS Code's
// server (bundled in code-server) on a free loopback port, a copy of the test workspace,
// headless Chromium on the workbench with the suite as the extension tests, and a small
// HTTP endpoint the suite calls for screenshots and page checks. Usage:
//   node test/e2e/run.mjs [suite ...]                 the extension from this folder (dist/ bundles)
//   node test/e2e/run.mjs --vsix [file] [suite ...]   the packaged .vsix, installed into the server
//                                                     (npm run test:e2e; default lockstep-<version>.vsix)

import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleExtension } from '../../scripts/bundle.mjs';
import { ensureE2eTools } from '../../scripts/e2e-setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const suitesDir = join(root, 'test', 'e2e', 'suites');
const outputDir = join(root, 'test-output');

/** A suite that has not reported back by then has hung; the run fails with what it has. */
const SUITE_TIMEOUT_MS = 5 * 60_000;
/** How long a page check may wait for the workbench to show what the suite asked for. */
const PAGE_WAIT_MS = 60_000;

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** @param {string} message */
function log(message) {
  process.stdout.write(`${message}\n`);
}

/**
 * Cleanup actions, run last-in first-out; each runs even when an earlier one failed.
 */
class Cleanup {
  /** @type {Array<() => unknown>} */
  #actions = [];
  /** @param {() => unknown} action */
  push(action) {
    this.#actions.push(action);
  }
  async run() {
    for (const action of this.#actions.reverse()) {
      try {
        await action();
      } catch (e) {
        process.stderr.write(`[e2e] cleanup: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
    this.#actions = [];
  }
}

/** The running suite's cleanup, so an interrupted run still stops what it started. */
/** @type {Cleanup | undefined} */
let activeCleanup;
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    process.stderr.write(`[e2e] ${signal}: cleaning up\n`);
    void (activeCleanup?.run() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

/**
 * What the session loads: the suite's bundle, the folder VS Code treats as the extension under
 * development, and (in --vsix mode) the package the server installs before it starts.
 * `trusted`: the workspace is trusted (workspace trust off), for suites that debug; the
 * others run in Restricted Mode, which Lockstep supports.
 * @typedef {{ suiteDir: string, developmentPath: string, vsix?: string, trusted?: boolean }} Target
 */

/** A suite whose source has this line runs in a trusted workspace. */
const TRUSTED_MARKER = '// e2e: trusted workspace';

/**
 * Starts VS Code's server with the smoke-test driver on, in a process group of its own so
 * that stopping it also stops the extension hosts it forked.
 * @param {import('../../scripts/e2e-setup.mjs').E2eTools} tools
 * @param {Target} target
 * @param {string} scratch
 * @param {string} driverUrl
 * @param {string} logFile
 * @param {Cleanup} cleanup
 */
async function startVsCodeServer(tools, target, scratch, driverUrl, logFile, cleanup) {
  const serverLog = createWriteStream(logFile);
  cleanup.push(() => new Promise((done) => serverLog.end(done)));
  const child = spawn(
    tools.node,
    [
      tools.serverMain,
      '--host', '127.0.0.1',
      '--port', '0',
      '--enable-smoke-test-driver',
      '--without-connection-token',
      '--accept-server-license-terms',
      '--reconnection-grace-time', '5',
      '--telemetry-level', 'off',
      '--server-data-dir', join(scratch, 'server-data'),
      '--user-data-dir', join(scratch, 'user-data'),
      '--extensions-dir', join(scratch, 'extensions'),
      ...(target.trusted ? ['--disable-workspace-trust'] : []),
      ...(target.vsix ? ['--install-extension', target.vsix, '--start-server'] : []),
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOCKSTEP_E2E_DRIVER: driverUrl, LOCKSTEP_E2E_TARGET: target.vsix ? 'vsix' : 'folder' },
    },
  );
  const exited = new Promise((done) => child.once('exit', done));
  cleanup.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    const escalate = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(escalate);
  });
  child.stderr.pipe(serverLog);
  const port = await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (/** @type {Buffer} */ chunk) => {
      serverLog.write(chunk);
      seen += chunk.toString();
      const match = /listening on (\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code, signal) => reject(new Error(`VS Code server exited (${code ?? signal}) before listening; see ${logFile}`)));
  });
  return { port: /** @type {number} */ (port), exited };
}

/**
 * The HTTP endpoint the suite (inside the extension host) calls; see DriverApi in harness.ts.
 * @param {Record<string, (body: any) => Promise<object>>} handlers
 * @param {Cleanup} cleanup
 * @returns {Promise<string>} its URL
 */
async function startDriverEndpoint(handlers, cleanup) {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', async () => {
      const handler = handlers[(request.url ?? '').slice(1)];
      try {
        if (!handler) throw new Error(`no driver request ${request.url}`);
        const answer = await handler(JSON.parse(body || '{}'));
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      } catch (e) {
        response.writeHead(500).end(e instanceof Error ? e.message : String(e));
      }
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', () => done(undefined)));
  cleanup.push(() => new Promise((done) => server.close(done)));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('driver endpoint has no port');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * The tokens of the first rendered editor line containing `line`, once its words have more
 * than one colour (that is, once the grammar has tokenized it). Brackets do not count: the
 * editor colours bracket pairs on its own, before the grammar has run. Runs in the page.
 * @param {string} line
 */
function renderedTokens(line) {
  for (const view of document.querySelectorAll('.monaco-editor .view-line')) {
    const text = (view.textContent ?? '').replace(/\u00a0/g, ' ');
    if (!text.includes(line)) continue;
    const tokens = [...view.querySelectorAll(':scope > span > span')].map((span) => ({
      text: (span.textContent ?? '').replace(/\u00a0/g, ' '),
      color: getComputedStyle(span).color,
    }));
    if (new Set(tokens.filter((t) => /\w/.test(t.text)).map((t) => t.color)).size > 1) return tokens;
  }
  return null;
}

/**
 * Elements in the page of the visible webview: VS Code hosts it in an iframe whose own
 * iframe (#active-frame) holds the extension's HTML.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {string} contains
 */
function webviewLocator(page, selector, contains) {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator(selector).filter({ hasText: contains });
}

/**
 * Runs one suite in a fresh VS Code session and returns its stage results.
 * @param {string} suite
 * @param {Target} target
 * @param {import('../../scripts/e2e-setup.mjs').E2eTools} tools
 * @param {typeof import('playwright-core').chromium} chromium
 */
async function runSuite(suite, target, tools, chromium) {
  const cleanup = new Cleanup();
  activeCleanup = cleanup;
  const scratch = mkdtempSync(join(tmpdir(), `lockstep-e2e-${suite}-`));
  const shots = join(outputDir, suite);
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  cleanup.push(() => {
    // The server's own logs (extension host, remote agent) are kept beside the screenshots.
    const logs = join(scratch, 'user-data', 'logs');
    if (existsSync(logs)) cpSync(logs, join(shots, 'server-logs'), { recursive: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  /** @type {{ stage: string, ok: boolean, ms: number, error?: string }[]} */
  const results = [];
  /** @type {import('playwright-core').Page | undefined} */
  let page;
  const currentPage = () => {
    if (!page) throw new Error('the page is not open yet');
    return page;
  };
  const started = Date.now();
  try {
    // Edits made in the browser are written to disk: the session works on a copy.
    const workspace = join(scratch, 'workspace');
    cpSync(join(root, 'test', 'e2e', 'fixtures'), workspace, { recursive: true });
    if (existsSync(join(root, 'examples'))) cpSync(join(root, 'examples'), join(workspace, 'examples'), { recursive: true });

    const driverUrl = await startDriverEndpoint(
      {
        screenshot: async ({ name }) => {
          const file = join(shots, `${String(results.length + 1).padStart(2, '0')}-${name}.png`);
          await currentPage().screenshot({ path: file });
          return { file };
        },
        result: async (result) => {
          results.push(result);
          log(`  ${result.ok ? '✓' : '✗'} ${suite} › ${result.stage} (${result.ms} ms)`);
          if (!result.ok) log(String(result.error).replace(/^/gm, '      '));
          return {};
        },
        tokens: async ({ line }) => {
          const handle = await currentPage().waitForFunction(renderedTokens, line, { timeout: PAGE_WAIT_MS });
          return { tokens: await handle.jsonValue() };
        },
        text: async ({ selector, contains }) => {
          const matching = currentPage().locator(selector).filter({ hasText: contains });
          await matching.first().waitFor({ timeout: PAGE_WAIT_MS });
          return { texts: await matching.allInnerTexts() };
        },
        webviewText: async ({ selector, contains }) => {
          const matching = webviewLocator(currentPage(), selector, contains);
          await matching.first().waitFor({ timeout: PAGE_WAIT_MS });
          return { texts: await matching.allInnerTexts() };
        },
        webviewClick: async ({ selector, contains }) => {
          await webviewLocator(currentPage(), selector, contains).first().click({ timeout: PAGE_WAIT_MS });
          return {};
        },
        quickPick: async ({ contains, type }) => {
          const p = currentPage();
          await p.locator('.quick-input-widget .monaco-list-row').filter({ hasText: contains }).first().waitFor({ timeout: PAGE_WAIT_MS });
          await p.keyboard.type(type);
          await p.locator('.quick-input-widget .monaco-list-row.focused').filter({ hasText: type }).first().waitFor({ timeout: PAGE_WAIT_MS });
          await p.keyboard.press('Enter');
          return {};
        },
      },
      cleanup,
    );

    const server = await startVsCodeServer(tools, target, scratch, driverUrl, join(shots, 'server.log'), cleanup);
    const context = await chromium.launchPersistentContext(join(scratch, 'browser'), {
      executablePath: tools.chromium,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1400, height: 900 },
    });
    cleanup.push(() => context.close());

    /** @type {Promise<{ code: number, logs: { relativePath: string, contents: string }[] }>} */
    const verdict = new Promise((resolve, reject) => {
      void context.exposeFunction('codeAutomationExit', (/** @type {number} */ code, /** @type {any} */ logs) => resolve({ code, logs: logs ?? [] }));
      void server.exited.then(() => reject(new Error('the VS Code server exited during the suite')));
      const timer = setTimeout(() => reject(new Error(`no verdict after ${SUITE_TIMEOUT_MS / 1000} s`)), SUITE_TIMEOUT_MS);
      cleanup.push(() => clearTimeout(timer));
    });
    // The workbench's console goes to a file; errors that name Lockstep are echoed too (the
    // rest is mostly the gallery failing to reach the network).
    const workbenchLog = createWriteStream(join(shots, 'workbench.log'));
    cleanup.push(() => new Promise((done) => workbenchLog.end(done)));
    await context.exposeFunction('codeAutomationLog', (/** @type {string} */ type, /** @type {unknown[]} */ args) => {
      const line = `[${type}] ${args.map(String).join(' ')}\n`;
      workbenchLog.write(line);
      if (type === 'error' && /lockstep/i.test(line)) process.stderr.write(`[vscode] ${line}`);
    });

    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (/** @type {Error} */ error) => process.stderr.write(`[page error] ${error.message}\n`));
    const authority = `127.0.0.1:${server.port}`;
    const remote = (/** @type {string} */ path) => `vscode-remote://${authority}${pathToFileURL(path).pathname}`;
    const payload = [
      ['extensionDevelopmentPath', remote(target.developmentPath)],
      ['extensionTestsPath', remote(join(target.suiteDir, `${suite}.js`))],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    await page.goto(`http://${authority}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);

    const { code, logs } = await verdict;
    if (code !== 0 || results.length === 0) {
      for (const { relativePath, contents } of logs) {
        const file = join(shots, 'logs', relativePath);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, contents);
      }
      if (results.length === 0) results.push({ stage: '(suite did not start)', ok: false, ms: Date.now() - started, error: `extension tests exited with ${code}; logs in ${join(shots, 'logs')}` });
    }
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    results.push({ stage: '(harness)', ok: false, ms: Date.now() - started, error });
    log(`  ✗ ${suite}: ${error}`);
    await page?.screenshot({ path: join(shots, 'failure.png') }).catch(() => undefined);
  } finally {
    await cleanup.run();
    activeCleanup = undefined;
  }
  log(`  ${suite}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return results;
}

/**
 * In --vsix mode the suites live in a tiny extension of their own, so that the Lockstep
 * extension VS Code loads is exactly the installed package.
 * @param {string} folder
 */
function writeSuiteHostExtension(folder) {
  mkdirSync(folder, { recursive: true });
  const manifest = {
    name: 'lockstep-e2e-suites',
    publisher: 'lockstep',
    version: '0.0.0',
    private: true,
    engines: { vscode: '*' },
    extensionDependencies: ['lockstep.lockstep'],
  };
  writeFileSync(join(folder, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/** @param {string[]} argv */
function parseArguments(argv) {
  const args = [...argv];
  /** @type {string | undefined} */
  let vsix;
  const flag = args.indexOf('--vsix');
  if (flag >= 0) {
    const next = args[flag + 1];
    const explicit = next !== undefined && next.endsWith('.vsix');
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    vsix = resolve(explicit ? next : join(root, `lockstep-${version}.vsix`));
    args.splice(flag, explicit ? 2 : 1);
    if (!existsSync(vsix)) throw new Error(`${vsix} does not exist: run \`npm run package\` first`);
  }
  return { vsix, suites: args };
}

async function main() {
  const { vsix, suites: wanted } = parseArguments(process.argv.slice(2));
  const setupStarted = Date.now();
  const tools = ensureE2eTools();
  log(`[e2e] VS Code ${tools.vscodeVersion} ready in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);

  const suites = readdirSync(suitesDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => basename(f, '.ts'))
    .filter((s) => wanted.length === 0 || wanted.includes(s));
  if (suites.length === 0) throw new Error(`no suites match ${wanted.join(' ')}`);

  /** @type {Target} */
  let target;
  if (vsix) {
    const host = join(root, 'out', 'e2e-host');
    rmSync(host, { recursive: true, force: true });
    writeSuiteHostExtension(host);
    target = { suiteDir: join(host, 'suites'), developmentPath: host, vsix };
    log(`[e2e] testing ${vsix}`);
  } else {
    await bundleExtension();
    // Inside the extension's folder, so VS Code attributes the suite's `vscode` API to it.
    target = { suiteDir: join(root, 'out', 'e2e'), developmentPath: root };
    log(`[e2e] testing the extension folder ${root}`);
  }
  rmSync(target.suiteDir, { recursive: true, force: true });
  await build({
    entryPoints: suites.map((s) => join(suitesDir, `${s}.ts`)),
    outdir: target.suiteDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });

  const { chromium } = await import(pathToFileURL(join(tools.playwrightCore, 'index.mjs')).href);
  const results = [];
  for (const suite of suites) {
    log(`[e2e] suite ${suite}`);
    const trusted = readFileSync(join(suitesDir, `${suite}.ts`), 'utf8').includes(TRUSTED_MARKER);
    results.push(...(await runSuite(suite, { ...target, trusted }, tools, chromium)));
  }
  const failed = results.filter((r) => !r.ok).length;
  log(`[e2e] screenshots in ${outputDir}`);
  log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
