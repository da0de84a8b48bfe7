// Bad input for the importer, as property tests on mutated real reports: truncated, stacks
// removed, line ends mixed, binary junk spliced in, a 10 MB dmesg. Each gives a clear error
// or a skeleton that parses and binds with no errors; never an exception or a hang.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadScenario } from '../../core';
import { importReport } from '../../core/import';
import { repoRoot } from '../helpers/cli';

const DIR = join(repoRoot, 'test', 'fixtures', 'reports');
const reports = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort().map((f) => readFileSync(join(DIR, f), 'utf8'));

/** The importer's answer is either a clear error or a skeleton with no errors. */
function sound(text: string, index?: number): void {
  const r = importReport(text, index !== undefined ? { index } : {});
  if (!r.ok) {
    assert.ok(r.error.length > 0 && !/undefined|NaN|\[object/.test(r.error), r.error);
    return;
  }
  const loaded = loadScenario('skeleton.lockstep', r.scenario);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  assert.deepEqual(errors, [], r.scenario);
}

const report = fc.integer({ min: 0, max: reports.length - 1 }).map((i) => reports[i]!);

describe('lockstep import: mutated real reports', () => {
  it('truncated anywhere', () => {
    fc.assert(fc.property(report, fc.double({ min: 0, max: 1, noNaN: true }), (text, at) => sound(text.slice(0, Math.floor(text.length * at)))), { numRuns: 150 });
  });

  it('with stack lines removed', () => {
    fc.assert(
      fc.property(report, fc.integer({ min: 1, max: 7 }), (text, every) => {
        const lines = text.split('\n');
        sound(lines.filter((l, i) => !(/\+0x|\[inline\]|\(\S+:\d+\)/.test(l) && i % every === 0)).join('\n'));
      }),
      { numRuns: 100 },
    );
  });

  it('with every stack removed', () => {
    for (const text of reports) sound(text.split('\n').filter((l) => !/\+0x|\[inline\]|\(\S+:[\d?]+\)/.test(l)).join('\n'));
  });

  it('with mixed line ends and CRs', () => {
    fc.assert(
      fc.property(report, fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 1, maxLength: 5 }), (text, ends) => {
        sound(text.split('\n').map((l, i) => l + ends[i % ends.length]).join(''));
      }),
      { numRuns: 60 },
    );
  });

  it('with binary junk spliced in', () => {
    fc.assert(
      fc.property(report, fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.double({ min: 0, max: 1, noNaN: true }), (text, junk, at) => {
        const cut = Math.floor(text.length * at);
        sound(text.slice(0, cut) + Buffer.from(junk).toString('latin1') + text.slice(cut));
      }),
      { numRuns: 100 },
    );
  });

  it('binary junk alone is a clear error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (junk) => {
        const r = importReport(Buffer.from(junk).toString('latin1'));
        assert.equal(r.ok, false);
      }),
      { numRuns: 100 },
    );
  });

  it('two reports quoted in one mail: each index gives its own skeleton', () => {
    fc.assert(
      fc.property(report, report, fc.constantFrom('', '> ', '>> '), (a, b, quote) => {
        const text = `${a}\n${b}`.split('\n').map((l) => quote + l).join('\n');
        const first = importReport(text);
        assert.ok(first.ok);
        for (let i = 1; i <= first.reports; i++) sound(text, i);
      }),
      { numRuns: 40 },
    );
  });

  it('a 10 MB dmesg with the report at its end, in well under a few seconds', () => {
    const noise = '[   12.345678] usb 1-1: new high-speed USB device number 2 using xhci_hcd\n';
    const big = noise.repeat(Math.ceil(10_000_000 / noise.length)) + reports[0]!.split('\n').map((l) => `[  36.746420] ${l}`).join('\n');
    assert.ok(big.length > 10_000_000);
    const r = importReport(big);
    assert.ok(r.ok);
    assert.equal(r.kind, 'lockdep-circular');
    const junk = 'x'.repeat(10_000_000);
    assert.equal(importReport(junk).ok, false);
    const oneLine = `${'a'.repeat(5_000_000)}\nBUG: KASAN: use-after-free in f+0x1/0x2\n${'b'.repeat(5_000_000)}`;
    sound(oneLine);
  });
});
