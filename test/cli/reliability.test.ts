// The command line never lets an input or an internal failure look like a verdict: deep
// expressions are `file:line:col: error:` (exit 2), a bug in Lockstep is one line and exit
// 70 (the stack only with --debug or LOCKSTEP_DEBUG=1), and an exploding search stops at a
// bound (exit 3, named in --json) whatever the heap limit.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { lockstep, tempDir, writeScenario } from './cli-helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'lockstep.js');
const dir = tempDir();

function node(nodeArgs: readonly string[], args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, LOCKSTEP_DEBUG: '', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const STACK = /\n\s+at /;

const pointerChain = (n: number): string => `struct node { struct node *next; };
struct node *p;
thread t on cpu0 { p = p${'->next'.repeat(n)}; }
thread u on cpu1 { p = p${'->next'.repeat(n)}; }
`;

// The inputs that overflowed the binder, symmetry.ts, footprint.ts and compile.ts.
const DEEP: readonly { name: string; text: string; line: number }[] = [
  { name: 'sum of 2,600 terms', text: `int x;\nthread t on cpu0 { x = ${Array(2600).fill('1').join(' + ')}; }\n`, line: 2 },
  { name: 'g.f.f… of 3,900 links', text: `struct s { int f; };\nstruct s g;\nthread t on cpu0 { int y = g${'.f'.repeat(3900)}; }\n`, line: 3 },
  { name: 'p->next… of 1,500', text: pointerChain(1500), line: 3 },
  { name: 'p->next… of 2,000', text: pointerChain(2000), line: 3 },
  { name: 'p->next… of 3,500', text: pointerChain(3500), line: 3 },
];

describe('deep expressions', () => {
  for (const c of DEEP) {
    for (const extra of [[], ['--no-symmetry']]) {
      test(`${c.name}${extra.length ? ' with --no-symmetry' : ''}: an error at the expression, exit 2`, () => {
        const file = writeScenario(dir, `${c.name.replace(/\W+/g, '-')}.lockstep`, c.text);
        const r = lockstep(['check', '-q', ...extra, file]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${c.line}:\\d+: error: expression nested too deeply \\(\\d+ levels; the limit is 256\\)`, 'm'));
        assert.doesNotMatch(r.stderr, STACK);
        assert.doesNotMatch(r.stderr, /RangeError/);
      });
    }
  }

  test('an expression just inside the limit is checked', () => {
    const file = writeScenario(dir, 'near-limit.lockstep', `int x;\nthread t on cpu0 { x = ${Array(250).fill('1').join(' + ')}; assert(x == 250); }\n`);
    const r = lockstep(['check', '-q', file]);
    assert.equal(r.status, 0, r.stderr);
  });
});

test('an endless local loop before any shared access is a livelock (exit 1), not an internal error', () => {
  // Found by the fuzzer: the actor's opening local steps failed outside any step.
  const file = writeScenario(dir, 'local-loop.lockstep', 'int x;\nthread a on cpu0 { int k = 0; while (1) { k = k + 1; } }\n');
  const r = lockstep(['check', '-q', file]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /livelock: a runs 100000 steps without touching shared state/);
});

describe('internal errors', () => {
  // A fault injected from outside (node -r), as a bug deep in the checker would surface: the
  // clock the search reads throws (the command runs from its bundle, whose modules cannot be
  // reached one by one from outside).
  const fault = writeScenario(dir, 'fault.js', "performance.now = () => { throw new TypeError('injected fault'); };\n");
  const scenario = writeScenario(dir, 'ok.lockstep', 'int x;\nthread t on cpu0 { x = 1; }\n');

  test('exit 70 and one line saying it is a bug and how to report it, no stack', () => {
    const r = node(['-r', fault], ['check', scenario]);
    assert.equal(r.status, 70);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^lockstep: internal error \(TypeError: injected fault\): a bug in Lockstep.*please report it.*--debug/);
  });

  test('--debug and LOCKSTEP_DEBUG=1 add the stack', () => {
    for (const r of [node(['-r', fault], ['check', '--debug', scenario]), node(['-r', fault], ['check', scenario], { LOCKSTEP_DEBUG: '1' })]) {
      assert.equal(r.status, 70);
      assert.match(r.stderr, /^lockstep: internal error/);
      assert.match(r.stderr, STACK);
    }
  });

  test('the usage text documents the exit statuses', () => {
    const r = lockstep(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /70 internal error/);
  });
});

describe('bounds', () => {
  // Eight threads writing each other's counters: far too many interleavings to finish.
  const threads = Array.from({ length: 8 }, (_, i) => `thread t${i} on cpu${i} { int k = 0; while (k < 20) { c[${i}] = c[${(i + 1) % 8}] + k; k = k + 1; } }`);
  const explode = writeScenario(dir, 'explode.lockstep', `int c[8];\n${threads.join('\n')}\n`);

  test('a small heap and a small memory bound: the search stops cleanly, exit 3, the bound named in --json', () => {
    const r = node(['--max-old-space-size=48'], ['check', '-q', '--json', '--max-memory', '70', explode]);
    assert.equal(r.status, 3, r.stderr.slice(0, 2000));
    const json = JSON.parse(r.stdout) as { verdict: string; bound?: { kind: string; limit: number; message: string } };
    assert.equal(json.verdict, 'inconclusive');
    assert.equal(json.bound?.kind, 'memory');
    assert.match(json.bound.message, /--max-memory 70 MB|heap limit/);
  });

  test('a small state bound: exit 3, the bound in --json and in the summary', () => {
    const r = lockstep(['check', '-q', '--json', '--max-states', '2000', explode]);
    assert.equal(r.status, 3);
    const json = JSON.parse(r.stdout) as { bound?: { kind: string; limit: number } };
    assert.deepEqual({ kind: json.bound?.kind, limit: json.bound?.limit }, { kind: 'states', limit: 2000 });
    const text = lockstep(['check', '-q', '--max-seconds', '0.2', explode]);
    assert.equal(text.status, 3);
    assert.match(text.stdout, /inconclusive — stopped after --max-seconds 0\.2/);
  });
});
