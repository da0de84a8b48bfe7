// The checker's findings as editor diagnostics: each violation at its failing step, with one
// related location per step of the trace (and the model's own related places), and a
// lock-order cycle marked on both acquisitions. Also the verdict summary the lens shows.

import type { Span } from '../syntax/ast';
import type { Diagnostic, RelatedInfo } from '../syntax/diagnostics';
import type { ViolationKind } from '../model/types';
import type { VerdictSummary } from './codeLens';

/** What the checker reports per violation (the fields of core/explore's Finding this needs). */
export interface CheckFinding {
  readonly kind: ViolationKind;
  readonly message: string;
  readonly violation: { readonly span: Span; readonly related: readonly { readonly span: Span; readonly message: string }[] };
  readonly trace: readonly { readonly actorName: string; readonly text: string; readonly span: Span }[];
}

export interface CheckOutcome {
  readonly verdict: 'violation' | 'verified' | 'inconclusive';
  readonly bound?: { readonly message: string };
  readonly violations: readonly CheckFinding[];
  readonly stats: { readonly states: number };
}

export function findingDiagnostics(f: CheckFinding, expected: readonly string[]): Diagnostic[] {
  const severity = expected.includes(f.kind) ? 'warning' : 'error';
  const steps: RelatedInfo[] = f.trace.map((t, i) => ({ span: t.span, message: `step ${i + 1}: ${t.actorName}: ${t.text}` }));
  const related = [...f.violation.related, ...steps];
  const main: Diagnostic = { severity, message: `${f.kind}: ${f.message}`, span: f.violation.span, code: f.kind, related };
  if (f.kind !== 'lock_order') return [main];
  // The other half of the cycle: where the opposite dependency's inner lock was taken.
  const closing = f.violation.related.filter((r) => r.message.startsWith('…then'));
  const others = (closing.length > 0 ? closing : f.violation.related).filter((r) => r.span.start !== f.violation.span.start);
  return [main, ...others.map((r) => ({
    severity, code: f.kind, span: r.span,
    message: `${f.kind}: the other side of the cycle: ${r.message.replace(/^…then /, '')}`,
    related: [{ span: f.violation.span, message: 'the acquisition that closes the cycle' }, ...steps],
  } satisfies Diagnostic))];
}

export function checkDiagnostics(o: CheckOutcome, expected: readonly string[]): Diagnostic[] {
  return o.violations.flatMap((f) => findingDiagnostics(f, expected));
}

export function verdictSummary(o: CheckOutcome, expect: { readonly none: boolean; readonly kinds: readonly string[] } | undefined): VerdictSummary {
  const kinds = [...new Set(o.violations.map((v) => v.kind))];
  let asExpected: boolean | undefined;
  if (expect && o.verdict !== 'inconclusive') {
    asExpected = expect.none
      ? o.verdict === 'verified'
      : kinds.length === expect.kinds.length && kinds.every((k) => expect.kinds.includes(k));
  }
  return {
    verdict: o.verdict,
    details: o.verdict === 'violation' ? kinds : o.bound ? [o.bound.message] : [],
    ...(asExpected !== undefined ? { asExpected } : {}),
    states: o.stats.states,
  };
}
