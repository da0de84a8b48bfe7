// What the debug runtime tells its host: a typed union of events (a stop and why, console
// output, actors starting and finishing). The DAP session maps these to protocol events;
// nothing here knows of DAP.

import type { Span } from '../syntax/ast';
import type { Violation, WaitInfo } from '../model/types';

export type StopReason =
  /** A single-actor step (next, stepIn, stepOut, stepBack) finished. */
  | 'step'
  /** The actor asked to move cannot: it waits for a lock, a condition, a CPU. */
  | 'blocked'
  /** A line breakpoint: the actor is about to execute the statement. */
  | 'breakpoint'
  /** A lock breakpoint: the actor is about to acquire the lock (or finds it held). */
  | 'lock-breakpoint'
  /** A violation: the kernel-style report is in `violation`. */
  | 'exception'
  /** A data breakpoint: the step just wrote the watched word. */
  | 'data-breakpoint'
  | 'pause'
  | 'entry'
  /** A jump in the history (goto, restart). */
  | 'goto'
  /** Nothing more to do: every actor finished, or the replayed trace ended. */
  | 'end';

export interface StopEvent {
  readonly kind: 'stopped';
  readonly reason: StopReason;
  /** The actor the stop is about (the client selects its thread). */
  readonly actor: number;
  /** One line: why it stopped, in scenario words. */
  readonly description: string;
  readonly violation?: Violation;
  readonly wait?: WaitInfo;
  /** Ids of the breakpoints that caused a breakpoint stop. */
  readonly breakpoints?: readonly number[];
}

export type RuntimeEvent =
  | StopEvent
  | { readonly kind: 'output'; readonly category: 'console' | 'stdout' | 'stderr'; readonly text: string; readonly span?: Span }
  | { readonly kind: 'actor-started'; readonly actor: number }
  | { readonly kind: 'actor-exited'; readonly actor: number };

export type RuntimeListener = (event: RuntimeEvent) => void;
