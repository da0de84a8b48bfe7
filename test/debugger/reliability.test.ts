// The adapter as a hostile or careless client meets it: malformed frames and stray bytes are
// dropped and the session resynchronises; a client that vanishes (EPIPE) ends the adapter at
// once; files that are not scenarios (a device, a FIFO, a directory, a huge file, binary
// data) are refused at once, by name, in one line; `initialize` may omit `pathFormat`.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { errorOf, FIXTURES, launch, startAdapter, type Adapter } from './harness';

const MM_IOMMU = resolve(FIXTURES, 'mm-iommu-deadlock.lockstep');
const dir = mkdtempSync(join(tmpdir(), 'lockstep-dap-rel-'));

let adapter: Adapter;
beforeEach(() => {
  adapter = startAdapter();
});
afterEach(async () => {
  await adapter.stop();
});

function frame(body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe('framing', () => {
  it('drops null and invalid JSON bodies, stray bytes, short lengths and headers without CRLF, and answers what follows', async () => {
    const { dc, process: child } = adapter;
    await launch(dc, { program: MM_IOMMU });
    const threads = JSON.stringify({ seq: 900, type: 'request', command: 'threads' });
    child.stdin!.write(frame('null'));
    child.stdin!.write(frame('{"seq": 1, "type": "req'));
    child.stdin!.write('stray bytes \u0000\u00ff without any header');
    child.stdin!.write(`Content-Length: 5\r\n\r\n${threads}`);
    child.stdin!.write('Content-Length: 12');
    child.stdin!.write(`Content-Length: 99999999999999999999\r\n\r\n`);
    assert.equal((await dc.threadsRequest()).body.threads.length, 2);
    assert.equal(child.exitCode, null);
  });

  it('accepts initialize without pathFormat', async () => {
    const r = await adapter.dc.initializeRequest({ adapterID: 'lockstep', linesStartAt1: true, columnsStartAt1: true } as DebugProtocol.InitializeRequestArguments);
    assert.equal(r.success, true);
    assert.equal(r.body?.supportsConfigurationDoneRequest, true);
  });
});

describe('a vanished client', () => {
  it('exits at once when its output pipe is gone (EPIPE)', async () => {
    const { dc, process: child } = adapter;
    await launch(dc, { program: MM_IOMMU });
    // With its pipes gone the child no longer holds the event loop: a time limit does, and
    // turns an adapter that never exits into a failure.
    let limit: NodeJS.Timeout | undefined;
    const exited = new Promise<number | null | 'still running'>((done) => {
      child.on('exit', (code) => done(code));
      limit = setTimeout(() => done('still running'), 10_000);
    });
    // The client stops reading: the adapter's next answer meets a closed pipe.
    child.stdout!.destroy();
    child.stdin!.write(frame(JSON.stringify({ seq: 901, type: 'request', command: 'threads' })));
    assert.equal(await exited, 0);
    clearTimeout(limit);
  });
});

describe('files that are not scenarios', () => {
  const one = (message: string): void => {
    assert.equal(message.split('\n').length, 1, message);
    assert.doesNotMatch(message, /\n\s+at /);
  };

  it('refuses a device, a directory, a FIFO without a writer and a file over 16 MB, by name', async () => {
    const { dc } = adapter;
    await dc.initializeRequest();
    const fifo = join(dir, 'no-writer.fifo');
    execFileSync('mkfifo', [fifo]);
    const huge = join(dir, 'huge.lockstep');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 17 * 1024 * 1024);
    closeSync(fd);
    const cases: [string, RegExp][] = [
      ['/dev/zero', /cannot read the scenario \/dev\/zero: it is a character device, not a regular file/],
      [dir, /it is a directory, not a regular file/],
      [fifo, /no-writer\.fifo: it is a FIFO, not a regular file/],
      [huge, /huge\.lockstep: it is 17825792 bytes \(the limit is 16777216\)/],
    ];
    for (const [program, expected] of cases) {
      const message = await errorOf(dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments));
      assert.match(message, expected);
      one(message);
    }
    // The session is still there, and still launches a real scenario.
    await launch(dc, { program: MM_IOMMU });
  });

  it('names a binary file without echoing its bytes', async () => {
    const { dc } = adapter;
    await dc.initializeRequest();
    const binary = join(dir, 'binary.lockstep');
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0xff, 0xfe]));
    const message = await errorOf(dc.launchRequest({ program: binary } as DebugProtocol.LaunchRequestArguments));
    assert.equal(message, `${binary} is not the scenario: it is not UTF-8 text`);
  });

  it('reports a deep expression as a located error, one line per problem, no stack', async () => {
    const { dc } = adapter;
    await dc.initializeRequest();
    const deep = join(dir, 'deep.lockstep');
    writeFileSync(deep, `struct node { struct node *next; };\nstruct node *p;\nthread t on cpu0 { p = p${'->next'.repeat(3500)}; }\n`);
    const message = await errorOf(dc.launchRequest({ program: deep } as DebugProtocol.LaunchRequestArguments));
    assert.match(message, /deep\.lockstep:3:24: error: expression nested too deeply \(3503 levels; the limit is 256\)/);
    assert.doesNotMatch(message, /\n\s+at |RangeError/);
  });
});
