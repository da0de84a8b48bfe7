// Background checking: on save (or on request) the checker runs off the main thread; a
// change to the document cancels it; its findings become diagnostics of that document
// version and its verdict the code lens's. Results of an older version are never shown.

import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { LineMap } from '../core/syntax/diagnostics';
import type { Analysis, VerdictSummary } from '../core/ide';
import { checkDiagnostics, verdictSummary, type CheckOutcome } from '../core/ide/checkDiagnostics';
import * as to from './convert';
import type { CheckResult, Progress } from '../core/explore';
import type { CheckBounds, CheckEngine, RunningCheck } from './checkEngine';

interface Hooks {
  publish(uri: string): void;
  refreshLenses(): void;
  log(message: string): void;
}

interface Result {
  readonly version: number;
  readonly outcome?: CheckOutcome;
  readonly summary: VerdictSummary;
  readonly expected: readonly string[];
}

export class BackgroundChecks {
  private readonly running = new Map<string, { version: number; check: RunningCheck }>();
  private readonly results = new Map<string, Result>();

  constructor(private readonly hooks: Hooks, private readonly engine: CheckEngine) {}

  /** Starts a check of this version (replacing a running one); the result arrives later. */
  start(uri: string, version: number, a: Analysis, bounds: CheckBounds): void {
    void this.run(uri, version, a, bounds).catch((e: unknown) => this.hooks.log(`lockstep: check failed: ${String(e)}`));
  }

  /** Checks this version; resolves with the verdict and the checker's result (undefined when cancelled). */
  async run(uri: string, version: number, a: Analysis, bounds: CheckBounds, onProgress?: (p: Progress) => void): Promise<{ summary: VerdictSummary; result?: CheckResult } | undefined> {
    this.cancel(uri);
    const errors = a.diagnostics().filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      return { summary: this.store(uri, { version, summary: { verdict: 'error', details: ['fix the errors first'] }, expected: [] }) };
    }
    // What the verdict is compared with, read now: the document may be edited while the check
    // runs, and a newer analysis then takes this one's syntax trees over.
    const expect = a.binding.expect;
    const check = this.engine.start(a.file, a.text, bounds, onProgress);
    this.running.set(uri, { version, check });
    this.results.set(uri, { version, summary: { verdict: 'inconclusive', details: [], running: true }, expected: [] });
    this.hooks.refreshLenses();
    const outcome = await check.outcome;
    // Cancelled (the text changed, the document closed) or replaced by a newer check.
    if (this.running.get(uri)?.check !== check) return undefined;
    this.running.delete(uri);
    if (!outcome) {
      this.results.delete(uri);
      this.hooks.refreshLenses();
      return undefined;
    }
    if ('error' in outcome) {
      return { summary: this.store(uri, { version, summary: { verdict: 'error', details: [outcome.error] }, expected: [] }) };
    }
    const summary = this.store(uri, { version, outcome: outcome.result, summary: verdictSummary(outcome.result, expect), expected: expect?.kinds ?? [] });
    return { summary, result: outcome.result };
  }

  private store(uri: string, r: Result): VerdictSummary {
    this.results.set(uri, r);
    this.hooks.publish(uri);
    this.hooks.refreshLenses();
    return r.summary;
  }

  /** The document changed: stop the check of the old text. */
  cancel(uri: string): void {
    const r = this.running.get(uri);
    if (!r) return;
    this.running.delete(uri);
    r.check.cancel();
    const stored = this.results.get(uri);
    if (stored?.summary.running) this.results.delete(uri);
  }

  forget(uri: string): void {
    this.cancel(uri);
    this.results.delete(uri);
  }

  isRunning(uri: string): boolean {
    return this.running.has(uri);
  }

  verdict(uri: string, version: number | undefined): VerdictSummary | undefined {
    const r = this.results.get(uri);
    return r && r.version === version ? r.summary : undefined;
  }

  diagnostics(uri: string, version: number | undefined, lines: LineMap): LspDiagnostic[] {
    const r = this.results.get(uri);
    if (!r || r.version !== version || !r.outcome) return [];
    return checkDiagnostics(r.outcome, r.expected).map((d) => to.diagnostic(uri, lines, d, 'lockstep check'));
  }

  dispose(): void {
    for (const uri of [...this.running.keys()]) this.cancel(uri);
  }
}
