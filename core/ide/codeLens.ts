// Code lenses above the scenario: "Check" and "Debug" (commands the client implements) and,
// once a check has run, its verdict. The verdict is plain data the caller keeps.

import type { Span } from '../syntax/ast';
import type { Analysis } from './analysis';
import { thousands } from '../format';

export type LensCommand = 'check' | 'debug' | 'showVerdict';

export interface CodeLens {
  readonly span: Span;
  readonly title: string;
  readonly command: LensCommand;
}

/** What the last check of this text found, as the lens shows it. */
export interface VerdictSummary {
  readonly verdict: 'violation' | 'verified' | 'inconclusive' | 'error';
  /** Violation kinds found (violation), or the bound that was hit (inconclusive). */
  readonly details: readonly string[];
  /** Whether the verdict is what the scenario's `expect` says. */
  readonly asExpected?: boolean;
  readonly states?: number;
  /** A check is running now. */
  readonly running?: boolean;
}

export function codeLenses(a: Analysis, verdict?: VerdictSummary): CodeLens[] {
  const decls = a.program.decls;
  const anchor = decls.find((d) => d.kind === 'Scenario') ?? decls[0];
  if (!anchor || a.binding.actors.length === 0) return [];
  const span = { start: anchor.span.start, end: anchor.span.start };
  const lenses: CodeLens[] = [
    { span, title: '▶ Check', command: 'check' },
    { span, title: '⏵ Debug', command: 'debug' },
  ];
  if (verdict) lenses.push({ span, title: verdictTitle(verdict), command: 'showVerdict' });
  return lenses;
}

export function verdictTitle(v: VerdictSummary): string {
  if (v.running) return '$(sync~spin) checking…';
  const expected = v.asExpected === undefined ? '' : v.asExpected ? ' (as expected)' : ' (NOT as expected)';
  const states = v.states !== undefined ? ` · ${thousands(v.states)} states` : '';
  switch (v.verdict) {
    case 'violation':
      return `✗ ${v.details.join(', ')}${expected}${states}`;
    case 'verified':
      return `✓ verified${expected}${states}`;
    case 'inconclusive':
      return `? inconclusive: ${v.details.join(', ')}${states}`;
    case 'error':
      return `⚠ ${v.details.join(', ') || 'the check failed'}`;
  }
}
