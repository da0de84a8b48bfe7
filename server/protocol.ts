// Lockstep's own requests on top of LSP, shared by the server and the VS Code client: the
// method names and the shapes of their parameters and results (plain JSON, LSP positions).
// Types and constants only, so the client can import it without the server's runtime.

import type { CheckResult } from '../core/explore';
import type { VerdictSummary } from '../core/ide/codeLens';
import type { TraceFile } from '../core/explore/trace';
import type { ViolationKind } from '../core/model/types';
import { thousands } from '../core/format';

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/**
 * `lockstep/check`: check the open document now (the code lens's and the client's "Check
 * Scenario"). With a `workDoneToken`, the server reports `$/progress` as the search goes
 * (`states` and `states/s` in the message); cancelling the request stops the search. The
 * findings become the document's diagnostics, as a background check's do (once: the client
 * shows no diagnostics of its own).
 */
export const CHECK_REQUEST = 'lockstep/check';

export interface CheckParams {
  readonly uri: string;
  readonly workDoneToken?: string | number;
}

/** null when the document is unknown or an edit superseded the check; a cancelled request answers RequestCancelled. */
export type CheckReply = CheckResultJson | null;

export interface CheckResultJson {
  /** The verdict as the code lens shows it. */
  readonly summary: VerdictSummary;
  /** The document version checked. */
  readonly version: number;
  /** The checker's whole result (absent when the scenario has errors or the check failed). */
  readonly result?: CheckResult;
  readonly stats?: { readonly states: number; readonly seconds: number };
  /** Each violation of `result`, in its order, laid out in lanes with its replayable trace. */
  readonly counterexamples: readonly CounterexampleJson[];
}

/** core/ide/counterexample's Counterexample with ranges instead of spans. */
export interface CounterexampleJson {
  readonly kind: ViolationKind;
  readonly message: string;
  readonly report: string;
  readonly range: Range;
  readonly lanes: readonly { readonly actor: number; readonly title: string; readonly description: string }[];
  readonly steps: readonly {
    readonly step: number;
    readonly lane: number;
    readonly text: string;
    readonly range: Range;
    readonly acquires: readonly string[];
    readonly releases: readonly string[];
    readonly failing: boolean;
  }[];
  readonly after: readonly { readonly lane: number; readonly text: string; readonly note: string }[];
  readonly footer: string;
  readonly traceFile: TraceFile;
  /** As a kernel commit message draws it: <= 75 columns, plain ASCII ("Copy as Commit Message Diagram"). */
  readonly commitDiagram: string;
}

/** The progress message of a running check: what the notification shows. */
export function progressMessage(states: number, statesPerSecond: number): string {
  return `${thousands(states)} states · ${thousands(Math.round(statesPerSecond))} states/s`;
}

/** `lockstep/locks`: the scenario's lock classes, for "Break on Lock Acquisition…". */
export const LOCKS_REQUEST = 'lockstep/locks';

export interface LocksParams {
  readonly uri: string;
}

export interface LockJson {
  /** The name a lock breakpoint takes (`mem_list_mutex`, `mm->mmap_sem`). */
  readonly name: string;
  /** mutex, spinlock, rwsem, … */
  readonly kind: string;
  /** Where it is declared. */
  readonly range: Range;
  /** How many places take it. */
  readonly acquisitions: number;
}

/**
 * `lockstep/importReport`: a kernel report (lockdep, KASAN, KCSAN, hung task, list or
 * refcount debugging; a dmesg, a syzbot mail or the report alone) turned into a scenario
 * skeleton ("New Scenario from Kernel Report…", the "Generate scenario from this report"
 * code action). Any client can send it: the skeleton is plain text to open as a document.
 */
export const IMPORT_REPORT_REQUEST = 'lockstep/importReport';

export interface ImportReportParams {
  readonly text: string;
  /** Which report of several in the text (1-based); default the first. */
  readonly index?: number;
}

export type ImportReportReply =
  | { readonly ok: true; readonly scenario: string; readonly title: string; readonly kind: string; readonly reports: number; readonly index: number }
  | { readonly ok: false; readonly error: string };

/** The client command a "Generate scenario from this report" code action runs, with the report's text. */
export const NEW_SCENARIO_FROM_REPORT_COMMAND = 'lockstep.newScenarioFromReport';
