// The interface a builtin's semantics runs against: the machine step in progress. Builtins
// read and write shared words, take and release locks, block, or fail with a violation;
// the step (machine.ts) implements it with copy-on-write so a blocked step changes nothing.

import type { Span } from '../syntax/ast';
import type { ActorSymbol, CallbackKind, LockClass, StructSymbol } from '../semantics/symbols';
import type { CompiledScenario } from './compiled';
import type { HeldLock, LockMode, ModelEvent, Related, ViolationKind, WaitInfo } from './types';

export interface Exec {
  readonly scenario: CompiledScenario;
  /** The actor taking the step. */
  readonly actor: number;
  readonly actorSym: ActorSymbol;
  /** The statement being executed. */
  readonly site: Span;
  /** The id of the instruction being executed (recorded as allocation and free sites). */
  readonly instr: number;
  /** Which branch of a nondeterministic step was chosen. */
  readonly choice: number;

  /** Reads a shared word; `marked` for READ_ONCE/atomics (not a data race). */
  read(addr: number, marked?: boolean): number;
  write(addr: number, value: number, marked?: boolean): void;
  /** Checks that `addr` may be accessed (not NULL, not in a freed object); fails otherwise. */
  checkAccess(addr: number, write: boolean, what?: string): void;

  /** The actor cannot proceed: nothing it did in this step takes effect. */
  block(wait: WaitInfo): never;
  /**
   * This step takes effect, but the actor stays at its statement, which runs again on its
   * next step: a primitive made of several visible steps (list_add's stores, a grace period
   * that starts, then is waited for) keeps its progress in the actor's op words.
   */
  stay(): void;
  /**
   * Says what this step of a primitive made of several did (kvm_vcpu_block's
   * prepare_to_rcuwait, then its check), so that a trace tells its steps apart: they share
   * one statement. Changes nothing in the state.
   */
  label(text: string): void;
  /** A violation that ends the run here, as an oops or BUG does: the step does not happen. */
  fail(kind: ViolationKind, message: string, report: string, related?: readonly Related[]): never;
  /**
   * A violation the kernel reports and goes on from (KASAN, list-debug, lockdep warnings,
   * WARN_ON): it is recorded and the step continues; the caller does what the kernel then does.
   */
  report(kind: ViolationKind, message: string, report: string, related?: readonly Related[]): void;
  emit(event: ModelEvent): void;

  held(): readonly HeldLock[];
  /**
   * Records a lock as held and emits the acquire event (lockdep sees it). `subclass` is
   * lockdep's nesting annotation; `recursiveRead` marks an SRCU read section.
   */
  acquire(addr: number, cls: number, mode: LockMode, trylock: boolean, irq: boolean, subclass?: number, recursiveRead?: boolean): void;
  /**
   * Lockdep sees an acquisition that is released at once and never held (synchronize_srcu's
   * lock_sync): the dependencies from the locks held are recorded, nothing more.
   */
  lockSync(addr: number, cls: number): void;
  /** Removes a held lock; returns it, or undefined when this actor does not hold it. */
  release(addr: number, mode: LockMode | undefined): HeldLock | undefined;
  lockClass(cls: number): LockClass;
  /** Whether interrupts are off on this actor (local_irq_disable or an irq-safe lock). */
  irqsOff(): boolean;
  setIrqOff(delta: number): void;
  preemptOff(): number;
  setPreemptOff(delta: number): void;
  rcuDepth(): number;
  setRcuDepth(delta: number): void;
  /** The actor is an interrupt handler (a hardirq, or a timer's softirq). */
  inIrq(): boolean;
  /** The actor runs a timer callback in softirq context. */
  inSoftirq(): boolean;
  /** Whether bottom halves are off on this actor (local_bh_disable, spin_lock_bh). */
  bhOff(): boolean;
  setBhOff(delta: number): void;
  /** Fails with sleep_in_atomic when a sleeping primitive is called from atomic context. */
  mightSleep(what: string): void;

  alloc(struct: StructSymbol): number;
  free(ptr: number): void;
  /** Field-start address of the heap object containing `addr`, or 0 for static memory. */
  objectOf(addr: number): number;
  /** Calls a user fn after this statement, on this actor (release callbacks). */
  callAfter(fn: number, args: readonly number[]): void;
  /**
   * Calls a user fn after this statement, on this actor, and puts what it returns in the
   * actor's first op scratch word, for the statement's next step to read (the statement
   * stays): kvm_vcpu_block asking the scenario's kvm_arch_vcpu_runnable.
   */
  callForResult(fn: number, args: readonly number[]): void;
  /**
   * Starts an actor at run time that runs the user fn `fn(arg)`: a kworker for a queued work
   * item (`work`), or a timer's callback in softirq (`timer`) or hardirq (`hrtimer`) context,
   * preferably on `cpu`. It becomes runnable at once and is gone again when `fn` returns.
   * Returns its actor index, or -1 when the scenario has no room for another one.
   */
  spawn(kind: CallbackKind, fn: number, arg: number, cpu: number): number;

  /** Shared words of another actor (vCPU mode, requests, work state, irq flag). */
  actorWord(actor: number, word: number): number;
  setActorWord(actor: number, word: number, value: number): void;
  actorStatus(actor: number): number;
  actorIrqsOff(actor: number): boolean;
  actorCount(): number;
  /** Describes a word address in scenario terms (`kvm->lock`, `stt->list.next`). */
  describe(addr: number): string;
}
