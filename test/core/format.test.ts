// thousands() prints counts exactly as toLocaleString('en-US') does, without loading ICU.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { thousands } from '../../core/format';

test('thousands writes integers as en-US does', () => {
  for (const n of [0, 1, 12, 999, 1000, 1001, 99_999, 100_000, 1_080_896, -1, -1000, -1_234_567, Number.MAX_SAFE_INTEGER]) {
    assert.equal(thousands(n), n.toLocaleString('en-US'), String(n));
  }
  fc.assert(fc.property(fc.maxSafeInteger(), (n) => thousands(n) === n.toLocaleString('en-US')), { numRuns: 2000, seed: 7 });
});

test('thousands leaves what is not a safe integer to toLocaleString', () => {
  for (const n of [1234.5, 2 ** 60, -0.25, -0]) assert.equal(thousands(n), n.toLocaleString('en-US'));
});
