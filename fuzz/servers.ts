// The over-the-wire campaigns: `lockstep-lsp` and `lockstep-dap` driven as outside clients
// would, with random requests at random positions and ranges, malformed frames, and clients
// that vanish. Many sessions share one server process (an LSP session: documents opened, used
// and closed; a DAP session: one connection to `lockstep-dap --server`), and every batch
// also runs fresh processes over stdio that end by shutdown, by end of input or by EPIPE.
// A crash is a process that dies or a handler that fails (a stack in its log); a hang is a
// request without an answer, or a process that outlives its client.

import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { count, save, type Tally } from './findings';
import { Corpus, generate, Rng, ROOT, inputSeed } from './inputs';
import { frame, hasStack, junk, RawClient, Timeout, type Message } from './wire';

export interface WireOptions {
  readonly seed: number;
  readonly deadline: number;
  readonly findings: string;
  /** How long a request may go unanswered before it is a hang. */
  readonly answerMs: number;
  readonly sessionsPerProcess: number;
}

const LSP_BIN = join(ROOT, 'bin', 'lockstep-lsp.js');
const DAP_MAIN = join(ROOT, 'out', 'debugger', 'main.js');
/** A process whose client vanished must be gone within this long. */
const EXIT_MS = 15_000;

function exited(child: ChildProcessWithoutNullStreams, ms: number): Promise<number | null | 'running'> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('running'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** A position: mostly inside the text, sometimes past its end, sometimes not a position at all. */
function position(r: Rng, text: string): unknown {
  const lines = text.split('\n');
  const roll = r.int(20);
  if (roll === 0) return { line: -r.int(5), character: r.int(3) - 1 };
  if (roll === 1) return { line: r.int(1_000_000), character: r.int(1_000_000) };
  if (roll === 2) return r.pick([null, 'here', { line: 'x' }, {}, { line: 1.5, character: Number.MAX_SAFE_INTEGER }]);
  const line = r.int(lines.length);
  return { line, character: r.int((lines[line]?.length ?? 0) + 2) };
}

function range(r: Rng, text: string): unknown {
  const a = position(r, text);
  return r.chance(0.05) ? r.pick([null, 'nonsense', { start: a }]) : { start: a, end: r.chance(0.5) ? a : position(r, text) };
}

class Tracker {
  constructor(readonly tally: Tally, readonly target: string, readonly findings: string) {}

  problem(kind: 'crash' | 'hang' | 'stack', what: string, reproducer: unknown): void {
    if (kind === 'crash') this.tally.crashes++;
    else if (kind === 'hang') this.tally.hangs++;
    else this.tally.stackTraces++;
    count(this.tally, `${kind}: ${what.split('\n')[0]!.slice(0, 80)}`);
    if (this.tally.saved.length < 50) this.tally.saved.push(save(this.findings, this.target, kind, JSON.stringify(reproducer, null, 2), { what: what.slice(0, 4000) }));
  }

  /** Scans what the server showed (stderr, log lines, error answers) for a stack, and for a handler that failed. */
  scan(text: string, reproducer: unknown): void {
    if (hasStack(text)) this.problem('stack', text.slice(0, 4000), reproducer);
    const failed = /^.*(internal error|uncaught|unhandled rejection|check failed).*$/im.exec(text);
    if (failed) this.problem('crash', failed[0], reproducer);
  }
}

// ---------------------------------------------------------------- LSP

const LSP_REQUESTS = [
  'textDocument/completion', 'textDocument/hover', 'textDocument/signatureHelp', 'textDocument/definition',
  'textDocument/references', 'textDocument/documentHighlight', 'textDocument/prepareRename', 'textDocument/rename',
  'textDocument/documentSymbol', 'textDocument/foldingRange', 'textDocument/semanticTokens/full', 'textDocument/formatting',
  'textDocument/inlayHint', 'textDocument/codeAction', 'textDocument/codeLens', 'workspace/symbol', 'lockstep/check',
  'lockstep/locks', 'no/such/method',
] as const;

function lspParams(r: Rng, method: string, uri: string, text: string): unknown {
  const td = { textDocument: { uri } };
  if (r.chance(0.03)) return r.pick([null, 42, 'x', [], { textDocument: 7 }]);
  switch (method) {
    case 'textDocument/references':
      return { ...td, position: position(r, text), context: { includeDeclaration: r.chance(0.5) } };
    case 'textDocument/rename':
      return { ...td, position: position(r, text), newName: r.pick(['x', 'new_name', '', '1bad', 'mutex', 'a'.repeat(300)]) };
    case 'textDocument/documentSymbol': case 'textDocument/foldingRange': case 'textDocument/semanticTokens/full': case 'textDocument/codeLens':
      return td;
    case 'textDocument/formatting':
      return { ...td, options: { tabSize: r.pick([0, 2, 4, 8, -1]), insertSpaces: r.chance(0.5) } };
    case 'textDocument/inlayHint':
      return { ...td, range: range(r, text) };
    case 'textDocument/codeAction':
      return { ...td, range: range(r, text), context: { diagnostics: [] } };
    case 'workspace/symbol':
      return { query: r.pick(['', 'mutex', 'kvm', 'a', '*', '.']) };
    case 'lockstep/check': case 'lockstep/locks':
      return { uri };
    default:
      return { ...td, position: position(r, text) };
  }
}

/** One server process: `sessions` sessions, then shutdown, or a client that vanishes. */
async function lspProcess(corpus: Corpus, o: WireOptions, t: Tracker, r: Rng, firstSession: number, workspace: string): Promise<number> {
  const child = spawn(process.execPath, [LSP_BIN, '--stdio'], { stdio: 'pipe' }) as ChildProcessWithoutNullStreams;
  t.tally.processes++;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 100_000) stderr += d.toString();
  });
  child.stdin.on('error', () => undefined);
  let id = 0;
  const client = new RawClient({ write: (b) => child.stdin.write(b), readable: child.stdout }, (m) => (typeof m.id === 'number' && ('result' in m || 'error' in m) ? m.id : undefined));
  const log: unknown[] = [];
  client.onMessage = (m) => {
    // The server asks the client things (configuration, progress tokens): answer as an editor does.
    if (typeof m.method === 'string' && m.id !== undefined) client.send(frame({ jsonrpc: '2.0', id: m.id, result: m.method === 'workspace/configuration' ? [null] : null }));
    if (m.method === 'window/logMessage' || m.method === 'window/showMessage') {
      const message = String((m.params as { message?: unknown } | undefined)?.message ?? '');
      // A handler that failed is a bug, even though the server carries on: scan counts it.
      t.scan(message, log.slice(-40));
    }
    if (m.error) t.scan(String((m.error as { message?: unknown }).message ?? ''), log.slice(-40));
  };
  const call = async (method: string, params: unknown): Promise<Message | undefined> => {
    const n = ++id;
    const msg = { jsonrpc: '2.0', id: n, method, params };
    log.push(msg);
    if (log.length > 200) log.splice(0, 100);
    try {
      return await client.call(n, msg, o.answerMs);
    } catch (e) {
      if (e instanceof Timeout && child.exitCode === null) t.problem('hang', e.message, log.slice(-40));
      throw e;
    }
  };
  const notify = (method: string, params: unknown): void => {
    const msg = { jsonrpc: '2.0', method, params };
    log.push(msg);
    client.send(frame(msg));
  };
  let sessions = 0;
  try {
    const rootUri = r.pick([null, pathToFileURL(workspace).toString(), 'file:///', 'http://example.com/', 'file:///no/such/dir']);
    await call('initialize', {
      processId: r.chance(0.5) ? process.pid : null, rootUri,
      ...(r.chance(0.5) ? { workspaceFolders: rootUri ? [{ uri: rootUri, name: 'w' }] : null } : {}),
      capabilities: r.chance(0.8) ? { workspace: { configuration: r.chance(0.5) }, textDocument: { completion: { completionItem: { snippetSupport: r.chance(0.5) } } } } : {},
      initializationOptions: { settings: { lockstep: { diagnosticsDelayMs: r.pick([0, 5, 50]), check: { maxStates: 2000, maxSeconds: 1, onSave: r.chance(0.5) } } } },
    });
    notify('initialized', {});
    // Every process serves at least one whole session, however late (or loaded) it starts.
    for (; sessions < o.sessionsPerProcess && (sessions === 0 || Date.now() < o.deadline); sessions++) {
      const s = firstSession + sessions;
      const docs = Array.from({ length: r.range(1, 2) }, (_, j) => {
        const input = generate(corpus, o.seed ^ 0x5eed, s * 4 + j, { hugeRate: 0 });
        return { uri: `file:///fuzz/s${s}-${j}.lockstep`, text: input.text.length > 300_000 ? input.text.slice(0, 300_000) : input.text, version: 1 };
      });
      for (const d of docs) notify('textDocument/didOpen', { textDocument: { uri: d.uri, languageId: 'lockstep', version: 1, text: d.text } });
      const ops = r.range(4, 14);
      for (let k = 0; k < ops; k++) {
        const d = r.pick(docs);
        const roll = r.int(100);
        if (roll < 60) {
          const method = r.pick(LSP_REQUESTS);
          const answer = await call(method, lspParams(r, method, d.uri, d.text));
          if (answer?.closed) break;
        } else if (roll < 80) {
          const text = r.chance(0.7) ? r.pick(['x', ';', '\n', '', 'mutex_lock(&', '}', '{', 'int q;\n', '->next']) : generate(corpus, o.seed, s * 31 + k, { hugeRate: 0 }).text.slice(0, 2000);
          d.version++;
          notify('textDocument/didChange', { textDocument: { uri: d.uri, version: d.version }, contentChanges: r.chance(0.1) ? [{ text }] : [{ range: range(r, d.text), text }] });
          if (r.chance(0.1)) notify('textDocument/didSave', { textDocument: { uri: d.uri } });
        } else if (roll < 88) {
          const bytes = junk((xs) => r.pick(xs), (n) => r.int(n));
          log.push({ junk: Buffer.isBuffer(bytes) ? bytes.toString('base64') : bytes });
          client.send(bytes);
        } else if (roll < 94) {
          // A request cancelled at once.
          const n = ++id;
          client.send(frame({ jsonrpc: '2.0', id: n, method: 'lockstep/check', params: { uri: d.uri } }));
          notify('$/cancelRequest', { id: n });
        } else {
          notify(r.pick(['workspace/didChangeConfiguration', 'no/such/notification', 'textDocument/didClose']), r.pick([{ settings: { lockstep: { check: { maxSeconds: 'x' } } } }, null, { textDocument: { uri: 'file:///never' } }]));
        }
      }
      for (const d of docs) notify('textDocument/didClose', { textDocument: { uri: d.uri } });
      // A request after the session: the server must still answer.
      const alive = await call('textDocument/hover', { textDocument: { uri: docs[0]!.uri }, position: { line: 0, character: 0 } });
      if (alive?.closed || child.exitCode !== null) break;
      t.tally.units++;
    }
    const end = r.int(3);
    if (end === 0) {
      await call('shutdown', null);
      notify('exit', null);
      const code = await exited(child, EXIT_MS);
      if (code === 'running') t.problem('hang', 'still running after shutdown and exit', log.slice(-40));
      else if (code !== 0) t.problem('crash', `exit ${code} after shutdown and exit`, log.slice(-40));
      count(t.tally, 'ended: shutdown');
    } else {
      // The client vanishes: end of input, or both pipes gone.
      if (end === 1) child.stdin.end();
      else {
        child.stdout.destroy();
        child.stdin.destroy();
      }
      if (await exited(child, EXIT_MS) === 'running') t.problem('hang', 'still running after its client vanished', log.slice(-40));
      count(t.tally, end === 1 ? 'ended: end of input' : 'ended: pipes closed');
    }
  } catch (e) {
    if (!(e instanceof Timeout)) {
      if (child.exitCode !== null) t.problem('crash', `the server exited (${child.exitCode}) mid-session`, log.slice(-40));
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child, EXIT_MS);
    }
    client.close();
    t.scan(stderr, log.slice(-40));
  }
  return sessions;
}

export async function lspCampaign(corpus: Corpus, o: WireOptions, tally: Tally): Promise<void> {
  const t = new Tracker(tally, 'lsp', o.findings);
  const workspace = mkdtempSync(join(tmpdir(), 'lockstep-fuzz-ws-'));
  for (let i = 0; i < 5; i++) writeFileSync(join(workspace, `w${i}.lockstep`), generate(corpus, o.seed, 90_000 + i, { hugeRate: 0 }).text);
  let session = 0;
  for (let batch = 0; Date.now() < o.deadline; batch++) {
    const r = new Rng(inputSeed(o.seed, batch));
    session += await lspProcess(corpus, o, t, r, session, workspace);
  }
}

// ---------------------------------------------------------------- DAP

const DAP_COMMANDS = [
  'threads', 'stackTrace', 'scopes', 'variables', 'next', 'stepIn', 'stepOut', 'continue', 'stepBack', 'reverseContinue',
  'pause', 'evaluate', 'setBreakpoints', 'setFunctionBreakpoints', 'setExceptionBreakpoints', 'dataBreakpointInfo',
  'setDataBreakpoints', 'gotoTargets', 'goto', 'stepInTargets', 'exceptionInfo', 'setVariable', 'restart', 'source',
  'loadedSources', 'terminate', 'frobnicate',
] as const;

function dapArguments(r: Rng, command: string, program: string, corpus: Corpus): unknown {
  const threadId = r.pick([1, 2, 3, 0, -1, 99, 1.5]);
  const small = () => r.range(-2, 12);
  if (r.chance(0.03)) return r.pick([null, 42, 'x', []]);
  switch (command) {
    case 'stackTrace': return { threadId, startFrame: r.pick([0, 1, -1, undefined]), levels: r.pick([0, 1, 20, undefined]) };
    case 'scopes': return { frameId: r.pick([0, 1, 10_000, 20_001, -5, 99_999]) };
    case 'variables': return { variablesReference: r.pick([1, 2, 3, 4, 5, 1000, 0, -1]) };
    case 'setVariable': return { variablesReference: r.range(0, 6), name: r.pick(corpus.tokens), value: r.pick(['0', '1', 'NULL', 'x', '1 +']) };
    case 'evaluate': return { expression: Array.from({ length: r.range(1, 6) }, () => r.pick(corpus.tokens)).join(r.pick(['', ' ', '->', '.'])), frameId: r.pick([undefined, 0, 10_000, -1]), context: r.pick(['hover', 'repl', 'watch']) };
    case 'setBreakpoints': return { source: { path: r.chance(0.8) ? program : '/no/such' }, breakpoints: Array.from({ length: r.range(0, 4) }, () => ({ line: small(), ...(r.chance(0.2) ? { condition: r.pick(corpus.tokens) } : {}), ...(r.chance(0.1) ? { hitCondition: r.pick(['2', '>1', 'x']) } : {}) })) };
    case 'setFunctionBreakpoints': return { breakpoints: Array.from({ length: r.range(0, 3) }, () => ({ name: r.pick(['m', 'mutex', 'kvm->lock', 'x', r.pick(corpus.tokens)]) })) };
    case 'setExceptionBreakpoints': return { filters: Array.from({ length: r.range(0, 3) }, () => r.pick(['deadlock', 'use_after_free', 'data_race', 'nope'])) };
    case 'dataBreakpointInfo': return { name: r.pick(['x', 'y', 'p', 'm', r.pick(corpus.tokens)]), variablesReference: r.pick([undefined, 1, 3]) };
    case 'setDataBreakpoints': return { breakpoints: [{ dataId: r.pick(['mem:4:1:x', 'bogus', 'mem:-1:9999999:x']) }] };
    case 'gotoTargets': return { source: { path: program }, line: small() };
    case 'goto': return { threadId, targetId: r.pick([0, 1, 5, 99, -1]) };
    case 'restart': return r.chance(0.5) ? { arguments: { program } } : {};
    case 'source': return { sourceReference: r.int(3), source: { path: program } };
    default: return { threadId, singleThread: r.chance(0.5) };
  }
}

interface DapFiles {
  readonly dir: string;
  readonly special: readonly string[];
}

function dapFiles(): DapFiles {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-fuzz-dap-'));
  const fifo = join(dir, 'no-writer.fifo');
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    /* no mkfifo: the other special files still count */
  }
  const huge = join(dir, 'huge.lockstep');
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, 17 * 1024 * 1024);
  closeSync(fd);
  const binary = join(dir, 'binary.lockstep');
  writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff]));
  mkdirSync(join(dir, 'a-directory.lockstep'));
  return { dir, special: ['/dev/zero', '/dev/null', fifo, huge, binary, join(dir, 'a-directory.lockstep'), join(dir, 'missing.lockstep'), ''] };
}

/** One DAP session over `client`; `stdio` sessions may also end by EPIPE. Returns false when the connection died. */
async function dapSession(corpus: Corpus, o: WireOptions, t: Tracker, r: Rng, files: DapFiles, session: number, client: RawClient, isAlive: () => boolean): Promise<boolean> {
  let seq = 0;
  const log: unknown[] = [];
  let configured = false;
  client.onMessage = (m) => {
    // As an editor does: configurationDone once the adapter says it is initialized (the
    // launch answer itself may wait for it).
    if (m.type === 'event' && m.event === 'initialized' && !configured) {
      configured = true;
      void call('configurationDone', {}).catch(() => undefined);
    }
    if (m.type === 'response' && m.success === false) t.scan(String(m.message ?? ''), log.slice(-40));
    if (m.type === 'event' && m.event === 'output') t.scan(String((m.body as { output?: unknown } | undefined)?.output ?? ''), log.slice(-40));
  };
  const call = async (command: string, args: unknown): Promise<Message> => {
    const n = ++seq;
    const msg = { seq: n, type: 'request', command, arguments: args };
    log.push(msg);
    try {
      return await client.call(n, msg, o.answerMs);
    } catch (e) {
      if (e instanceof Timeout && isAlive()) t.problem('hang', e.message, log.slice(-40));
      throw e;
    }
  };
  let program: string;
  if (r.chance(0.1)) program = r.pick(files.special);
  else {
    program = join(files.dir, `s${session % 200}.lockstep`);
    writeFileSync(program, generate(corpus, o.seed ^ 0xdab, session, { hugeRate: 0 }).text.slice(0, 200_000));
  }
  try {
    await call('initialize', { adapterID: 'lockstep', linesStartAt1: r.chance(0.8), columnsStartAt1: true, ...(r.chance(0.5) ? { pathFormat: 'path' } : {}) });
    await call('launch', { program, schedule: r.pick(['manual', 'manual', 'round-robin', 'random', 'replay', 'nope']), seed: r.pick([1, 7, 'x']), stopOnEntry: r.chance(0.8), ...(r.chance(0.1) ? { trace: program } : {}) });
    const ops = r.range(3, 16);
    for (let k = 0; k < ops && !client.isClosed; k++) {
      if (r.chance(0.08)) {
        const bytes = junk((xs) => r.pick(xs), (n) => r.int(n));
        log.push({ junk: Buffer.isBuffer(bytes) ? bytes.toString('base64') : bytes });
        client.send(bytes);
        continue;
      }
      const command = r.pick(DAP_COMMANDS);
      const answer = await call(command, dapArguments(r, command, program, corpus));
      if (answer.closed) break;
    }
    if (r.chance(0.7)) await call('disconnect', { terminateDebuggee: true });
    return !client.isClosed;
  } catch (e) {
    if (!(e instanceof Timeout) && !isAlive()) t.problem('crash', `the adapter died mid-session: ${String(e)}`, log.slice(-40));
    return false;
  }
}

/** A server-mode adapter: many sessions, each its own connection, some of which vanish. */
async function dapServerBatch(corpus: Corpus, o: WireOptions, t: Tracker, r: Rng, files: DapFiles, first: number): Promise<number> {
  const child = spawn(process.execPath, [DAP_MAIN, '--server=0'], { stdio: 'pipe' }) as ChildProcessWithoutNullStreams;
  t.tally.processes++;
  let stderr = '';
  const port = await new Promise<number | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), o.answerMs);
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 100_000) stderr += d.toString();
      const m = /port (\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', () => resolve(undefined));
  });
  let n = 0;
  try {
    if (port === undefined) {
      t.problem('crash', `lockstep-dap --server did not start: ${stderr.slice(0, 500)}`, {});
      return 0;
    }
    for (; n < o.sessionsPerProcess && (n === 0 || Date.now() < o.deadline); n++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      const client = new RawClient({ write: (b) => socket.write(b), readable: socket }, (m) => (m.type === 'response' && typeof m.request_seq === 'number' ? m.request_seq : undefined));
      await dapSession(corpus, o, t, r, files, first + n, client, () => child.exitCode === null);
      socket.destroy();
      client.close();
      if (child.exitCode !== null) {
        t.problem('crash', `lockstep-dap --server exited (${child.exitCode}) after session ${first + n}`, {});
        break;
      }
      t.tally.units++;
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited(child, EXIT_MS);
    t.scan(stderr, { batch: first });
  }
  return n;
}

/** A fresh stdio adapter for one session, ending by disconnect, end of input or EPIPE; it must exit. */
async function dapStdioSession(corpus: Corpus, o: WireOptions, t: Tracker, r: Rng, files: DapFiles, session: number): Promise<void> {
  const child = spawn(process.execPath, [DAP_MAIN], { stdio: 'pipe' }) as ChildProcessWithoutNullStreams;
  t.tally.processes++;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 100_000) stderr += d.toString();
  });
  child.stdin.on('error', () => undefined);
  const client = new RawClient({ write: (b) => child.stdin.write(b), readable: child.stdout }, (m) => (m.type === 'response' && typeof m.request_seq === 'number' ? m.request_seq : undefined));
  await dapSession(corpus, o, t, r, files, session, client, () => child.exitCode === null);
  const how = r.int(2);
  if (how === 0) {
    // EPIPE: the client stops reading, then asks something.
    child.stdout.destroy();
    child.stdin.write(frame({ seq: 10_000, type: 'request', command: 'threads' }));
  } else {
    child.stdin.end();
  }
  const code = await exited(child, EXIT_MS);
  if (code === 'running') {
    t.problem('hang', `lockstep-dap still running after its client vanished (${how === 0 ? 'EPIPE' : 'end of input'})`, { session });
    child.kill('SIGKILL');
  }
  count(t.tally, how === 0 ? 'stdio: EPIPE' : 'stdio: end of input');
  client.close();
  t.scan(stderr, { session });
  t.tally.units++;
}

export async function dapCampaign(corpus: Corpus, o: WireOptions, tally: Tally): Promise<void> {
  const t = new Tracker(tally, 'dap', o.findings);
  const files = dapFiles();
  let session = 0;
  for (let batch = 0; Date.now() < o.deadline; batch++) {
    const r = new Rng(inputSeed(o.seed, batch));
    session += await dapServerBatch(corpus, o, t, r, files, session);
    if (Date.now() < o.deadline) await dapStdioSession(corpus, o, t, r, files, session++);
  }
}
