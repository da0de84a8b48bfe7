// The progress line: shown on a terminal only, only after a second, cleared at the end.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Io } from '../../cli/common';
import { ProgressLine } from '../../cli/progress';

function fakeIo(tty: boolean): { io: Io; written: string[] } {
  const written: string[] = [];
  const io: Io = { out: () => undefined, err: () => undefined, ...(tty ? { tty: { write: (s: string) => written.push(s) } } : {}) };
  return { io, written };
}

const progress = (seconds: number) => ({ states: 123_456, transitions: 200_000, depth: 17, frontier: 900, seconds, violations: 1 });

describe('progress line', () => {
  test('on a terminal, after a second: states, rate, depth; cleared at the end', () => {
    const { io, written } = fakeIo(true);
    const line = new ProgressLine(io, 'f.lockstep', true);
    line.update(progress(0.5));
    assert.equal(written.length, 0, 'nothing in the first second');
    line.update(progress(2));
    assert.match(written[0]!, /f\.lockstep: 123,456 states \(61,728\/s\), depth 17, frontier 900, 1 violation/);
    line.clear();
    assert.equal(written[1], '\r\x1b[K');
  });

  test('nothing without a terminal or with --quiet', () => {
    for (const [tty, enabled] of [[false, true], [true, false]] as const) {
      const { io, written } = fakeIo(tty);
      const line = new ProgressLine(io, 'f', enabled);
      line.update(progress(5));
      line.clear();
      assert.deepEqual(written, []);
    }
  });
});
