// The hypervisor model's data: machine state, the typed events one step emits, blocking
// reasons and violations. The state is immutable: `step` returns a new one.

import type { Span } from '../syntax/ast';
import type { LockKind } from '../semantics/symbols';

export const ActorStatus = {
  /** An irq handler that has not fired, or a work item that is not running. */
  Idle: 0,
  Running: 1,
  Done: 2,
} as const;
export type ActorStatus = (typeof ActorStatus)[keyof typeof ActorStatus];

export interface Frame {
  /** Index into CompiledScenario.codes. */
  readonly code: number;
  /** Index of the next instruction in that code. */
  readonly pc: number;
  readonly locals: Int32Array;
  /** The caller's local slot that receives the return value, or -1. */
  readonly resultSlot: number;
  /** Instruction in the caller that made this call (for stack traces), or -1. */
  readonly callSite: number;
}

export type LockMode = 'write' | 'read';

export interface HeldLock {
  readonly addr: number;
  readonly cls: number;
  readonly mode: LockMode;
  /** Source span of the acquisition. */
  readonly site: Span;
  /** The acquisition disabled interrupts (spin_lock_irq / irqsave). */
  readonly irq: boolean;
  /** lockdep's subclass (mutex_lock_nested & co.); 0 when absent. */
  readonly subclass?: number;
}

export interface ActorState {
  readonly status: ActorStatus;
  /** Call stack, innermost last. Empty when the actor is idle or done. */
  readonly frames: readonly Frame[];
  readonly held: readonly HeldLock[];
  readonly preemptOff: number;
  readonly rcuDepth: number;
}

export interface MachineState {
  /**
   * All shared memory, one 32-bit word per cell: word 0 is NULL, then globals and static
   * struct instances, per-actor words, the fd table, then heap objects (header + fields).
   * Each word is a 32-bit integer held in a plain array: a step that writes copies it, and
   * copying a small-integer array costs a tenth of copying an Int32Array of this size
   * (which V8 keeps outside its heap beyond 64 bytes).
   */
  readonly mem: readonly number[];
  /** Field-start addresses of heap objects, in allocation order (so ascending). */
  readonly objects: readonly number[];
  readonly actors: readonly ActorState[];
}

/** Why an actor cannot take its next step. */
export type WaitInfo =
  | { readonly kind: 'lock'; readonly lock: number; readonly cls: number; readonly mode: LockMode; readonly holders: readonly number[] }
  | { readonly kind: 'condition'; readonly text: string }
  | { readonly kind: 'work'; readonly work: number }
  /** synchronize_irq: a handler of the line is running. */
  | { readonly kind: 'irq'; readonly line: number; readonly handler: number }
  | { readonly kind: 'srcu'; readonly lock: number; readonly readers: readonly number[] }
  | { readonly kind: 'rcu'; readonly readers: readonly number[] }
  | { readonly kind: 'ipi'; readonly cpus: readonly number[] }
  | { readonly kind: 'cpu'; readonly by: number }
  | { readonly kind: 'idle' }
  | { readonly kind: 'done' };

export type ViolationKind =
  | 'deadlock'
  | 'lock_order'
  | 'irq_lock_inversion'
  | 'use_after_free'
  | 'double_free'
  | 'list_corruption'
  | 'sleep_in_atomic'
  | 'unlock_not_held'
  | 'data_race'
  | 'assertion'
  | 'livelock'
  | 'leak'
  | 'null_deref'
  | 'out_of_bounds'
  | 'recursive_locking'
  | 'suspicious_rcu';

export const VIOLATION_KINDS: readonly ViolationKind[] = [
  'deadlock', 'lock_order', 'irq_lock_inversion', 'use_after_free', 'double_free', 'list_corruption',
  'sleep_in_atomic', 'unlock_not_held', 'data_race', 'assertion', 'livelock', 'leak', 'null_deref', 'out_of_bounds',
  'recursive_locking', 'suspicious_rcu',
];

export interface Related {
  readonly span: Span;
  readonly message: string;
}

export interface Violation {
  readonly kind: ViolationKind;
  /** One line, for lists and diagnostics. */
  readonly message: string;
  /** The kernel-style report (lockdep, KASAN, list-debug, …), several lines. */
  readonly report: string;
  /** The actor whose step failed (-1 for whole-state findings such as a deadlock). */
  readonly actor: number;
  /** Where it failed. */
  readonly span: Span;
  /** Other places that explain it: where allocated and freed, where each lock was taken. */
  readonly related: readonly Related[];
  /**
   * For lockdep's findings, the lock classes involved, ascending: a cycle's, or the class
   * taken both in an irq handler and with interrupts on (lockdep reports each set once).
   */
  readonly lockClasses?: readonly number[];
}

/** What happened in one step, for the checker's observers and the debugger. */
export type ModelEvent =
  | {
      readonly kind: 'acquire';
      readonly actor: number;
      readonly lock: number;
      readonly cls: number;
      readonly lockKind: LockKind;
      readonly mode: LockMode;
      readonly trylock: boolean;
      readonly site: Span;
      /** Locks the actor held before this acquisition. */
      readonly held: readonly HeldLock[];
      /** Interrupts were enabled at the acquisition (process context). */
      readonly irqsEnabled: boolean;
      readonly inIrq: boolean;
      /** lockdep's subclass of the acquisition (0 unless annotated `_nested`). */
      readonly subclass?: number;
      /**
       * A recursive read acquisition (an SRCU read section): lockdep records no dependency
       * ending at it, since it never waits for another reader.
       */
      readonly recursiveRead?: boolean;
      /** Taken in softirq context (a timer callback); inIrq is then true too. */
      readonly softirq?: boolean;
      /** Bottom halves were enabled at the acquisition (a softirq could run here). */
      readonly bhEnabled?: boolean;
    }
  | { readonly kind: 'release'; readonly actor: number; readonly lock: number; readonly cls: number }
  | { readonly kind: 'alloc'; readonly actor: number; readonly ptr: number; readonly struct: string }
  | { readonly kind: 'free'; readonly actor: number; readonly ptr: number }
  | { readonly kind: 'write'; readonly actor: number; readonly addr: number; readonly value: number }
  | { readonly kind: 'fd'; readonly actor: number; readonly fd: number; readonly open: boolean }
  | { readonly kind: 'start'; readonly actor: number }
  | { readonly kind: 'finish'; readonly actor: number };

export interface StepOk {
  readonly status: 'ok';
  readonly state: MachineState;
  readonly events: readonly ModelEvent[];
  /** Shared words this step read and wrote: `addr * 2 + (write ? 1 : 0)`, for reduction and races. */
  readonly accesses: readonly number[];
  /** Plain (unmarked) accesses among them, same encoding, for data-race detection. */
  readonly plain: readonly number[];
  /** The instruction executed (its span is the statement). */
  readonly span: Span;
  /**
   * Reports the step printed while the kernel went on (KASAN, list-debug, lockdep's
   * warnings, sleeping in atomic context, WARN_ON): a kernel without panic_on_warn prints
   * them and continues, and so does the run. Empty for most steps.
   */
  readonly reports: readonly Violation[];
  /** What this step of a primitive made of several did, when the primitive says (Exec.label). */
  readonly label?: string;
}
export interface StepBlocked {
  readonly status: 'blocked';
  readonly wait: WaitInfo;
  readonly span: Span;
  /**
   * Shared words the attempt read (and wrote, discarded) before it blocked, same encoding as
   * `StepOk.accesses`, given only when they and the actor's own state (its irq word
   * included) decided it, as for a pure step (StepEffect.pure). The checker uses it to tell
   * when a blocked actor is still blocked without stepping it again.
   */
  readonly accesses?: readonly number[];
}
export interface StepViolation {
  readonly status: 'violation';
  readonly violation: Violation;
  /** The state just before the failing step (the step does not happen). */
  readonly state: MachineState;
  readonly events: readonly ModelEvent[];
  readonly span: Span;
}
export type StepResult = StepOk | StepBlocked | StepViolation;

/** Every violation a step hit: the one that ended it, or the reports of a step that went on. */
export function stepViolations(r: StepResult): readonly Violation[] {
  if (r.status === 'violation') return [r.violation];
  return r.status === 'ok' ? r.reports : [];
}

/** One scheduling decision: which actor moves, and which branch of a nondeterministic step. */
export interface Move {
  readonly actor: number;
  readonly choice: number;
}
