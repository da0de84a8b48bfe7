// Background checking: on save (or on request) the checker runs off the main thread; a
// change to the document cancels it; its findings become diagnostics of that document
// version and its verdict the code lens's. Results of an older version are never shown.

import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { LineMap } from '../core/syntax/diagnostics';
import type { Analysis, VerdictSummary } from '../core/ide';
import { checkDiagnostics, verdictSummary, type CheckOutcome } from '../core/ide/checkDiagnostics';
import * as to from './convert';
import type { Counterexample } from '../core/ide/counterexample';
import { workerEngine, type CheckBounds, type CheckEngine, type CheckProgress, type RunningCheck } from './checkEngine';

interface Hooks {
  publish(uri: string): void;
  refreshLenses(): void;
  log(message: string): void;
}

export interface CheckRecord {
  readonly version: number;
  readonly outcome?: CheckOutcome;
  readonly summary: VerdictSummary;
  readonly expected: readonly string[];
  readonly counterexamples: readonly Counterexample[];
  readonly seconds?: number;
}

export class BackgroundChecks {
  private readonly running = new Map<string, { version: number; check: RunningCheck }>();
  private readonly results = new Map<string, CheckRecord>();

  constructor(private readonly hooks: Hooks, private readonly engine: CheckEngine = workerEngine) {}

  /** Starts a check of this version (replacing a running one); the result arrives later. */
  start(uri: string, version: number, a: Analysis, bounds: CheckBounds): void {
    void this.run(uri, version, a, bounds).catch((e: unknown) => this.hooks.log(`lockstep: check failed: ${String(e)}`));
  }

  /** Checks this version and resolves with its record (undefined when cancelled or superseded). */
  async run(uri: string, version: number, a: Analysis, bounds: CheckBounds, onProgress?: (p: CheckProgress) => void): Promise<CheckRecord | undefined> {
    this.cancel(uri);
    if (a.diagnostics().some((d) => d.severity === 'error')) {
      return this.store(uri, { version, summary: { verdict: 'error', details: ['fix the errors first'] }, expected: [], counterexamples: [] });
    }
    const check = this.engine.start(a.file, a.text, bounds, onProgress);
    this.running.set(uri, { version, check });
    this.results.set(uri, { version, summary: { verdict: 'inconclusive', details: [], running: true }, expected: [], counterexamples: [] });
    this.hooks.refreshLenses();
    let result: Awaited<RunningCheck['result']>;
    try {
      result = await check.result;
    } finally {
      if (this.running.get(uri)?.check === check) this.running.delete(uri);
    }
    // Cancelled, or replaced by a newer check (of this version or another): that one reports.
    if (this.running.has(uri) || this.results.get(uri)?.version !== version || !this.results.get(uri)?.summary.running) return undefined;
    if (!result) {
      this.results.delete(uri);
      this.hooks.refreshLenses();
      return undefined;
    }
    if ('failed' in result) {
      this.hooks.log(`lockstep: ${result.failed}`);
      return this.store(uri, { version, summary: { verdict: 'error', details: [result.failed] }, expected: [], counterexamples: [] });
    }
    const expect = a.binding.expect;
    const { outcome, counterexamples, seconds } = result;
    return this.store(uri, { version, outcome, summary: verdictSummary(outcome, expect), expected: expect?.kinds ?? [], counterexamples, seconds });
  }

  private store(uri: string, r: CheckRecord): CheckRecord {
    this.results.set(uri, r);
    this.hooks.publish(uri);
    this.hooks.refreshLenses();
    return r;
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
