// Whether a check result matches a scenario's `expect` clause: `expect no violation;` wants
// a verified search; `expect K1, K2;` wants every listed kind found and no other kind. A
// search stopped by a bound cannot confirm either, so it does not match.

import type { Expectation } from '../model/compiled';
import type { ViolationKind } from '../model/types';
import type { CheckResult } from './types';

export interface ExpectationVerdict {
  readonly pass: boolean;
  /** What was expected and what was found, in a few words. */
  readonly detail: string;
}

export function judgeExpectation(expect: Expectation | undefined, r: CheckResult): ExpectationVerdict {
  const found = [...new Set(r.violations.map((v) => v.kind))];
  const foundText = found.length ? found.join(', ') : 'no violation';
  if (!expect) return { pass: false, detail: `no expect clause (found ${foundText}); add \`expect no violation;\` or the kinds` };
  const wanted: readonly ViolationKind[] = expect.none ? [] : expect.kinds;
  const wantedText = wanted.length ? wanted.join(', ') : 'no violation';
  const missing = wanted.filter((k) => !found.includes(k));
  const unexpected = found.filter((k) => !wanted.includes(k));
  if (missing.length === 0 && unexpected.length === 0) {
    if (r.bound) return { pass: false, detail: `inconclusive: ${r.bound.message} (found ${foundText} so far, expected ${wantedText})` };
    return { pass: true, detail: wanted.length ? `found ${foundText}` : 'verified' };
  }
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.join(', ')}`);
  if (unexpected.length) parts.push(`unexpected ${unexpected.join(', ')}`);
  const incomplete = r.bound ? `; the search was incomplete: ${r.bound.message}` : '';
  return { pass: false, detail: `expected ${wantedText}, found ${foundText} (${parts.join('; ')})${incomplete}` };
}
