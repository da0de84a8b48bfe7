// The compiled form of a scenario that the machine executes: per fn and per actor, a flat
// list of instructions over bound expressions (names resolved to addresses, slots and
// builtins). Produced by compile.ts from the bound AST; read by machine.ts.

import type { Program, Span } from '../syntax/ast';
import type { ActorSymbol, FnSymbol, GlobalSymbol, LockClass, StaticString, StructSymbol, VcpuLayout } from '../semantics/symbols';
import type { Builtin } from './builtins';
import type { ViolationKind } from './types';

/** Where a shared word lives, computed at run time. */
export type Place =
  | { readonly k: 'static'; readonly addr: number }
  /** The object a pointer value points to (checked: not NULL). */
  | { readonly k: 'deref'; readonly ptr: BExpr }
  | { readonly k: 'field'; readonly of: Place; readonly offset: number }
  | { readonly k: 'index'; readonly of: Place; readonly index: BExpr; readonly stride: number; readonly length: number };

export type BExpr =
  | { readonly k: 'const'; readonly v: number }
  | { readonly k: 'local'; readonly slot: number }
  /** The actor running the code (`current`). */
  | { readonly k: 'current' }
  /** Reads a scalar word of shared memory (a plain access). */
  | { readonly k: 'read'; readonly place: Place }
  /** The address of a place: the value of a struct, lock or list expression. */
  | { readonly k: 'addr'; readonly place: Place }
  | { readonly k: 'unary'; readonly op: '!' | '-' | '~'; readonly e: BExpr }
  | { readonly k: 'binary'; readonly op: string; readonly l: BExpr; readonly r: BExpr }
  | { readonly k: 'builtin'; readonly b: Builtin; readonly args: readonly BExpr[]; readonly statics: readonly number[]; readonly span: Span }
  /** Reads the word at a computed address (list traversal). */
  | { readonly k: 'load'; readonly addr: BExpr; readonly what: string }
  /** `&nb` of a scalar local: a pointer to it in the running frame (see localPointer). */
  | { readonly k: 'localAddr'; readonly slot: number };

export type Target =
  | { readonly k: 'local'; readonly slot: number }
  | { readonly k: 'mem'; readonly place: Place };

interface InstrBase {
  /** Global instruction id: index into CompiledScenario.instrs. */
  id: number;
  /** The statement (or condition) this instruction executes. */
  readonly span: Span;
  /** Touches shared state: a scheduling point. Local-only instructions fold into the next step. */
  visible: boolean;
}

export type Instr =
  | (InstrBase & { readonly op: 'eval'; readonly e: BExpr })
  | (InstrBase & { readonly op: 'assign'; readonly target: Target; readonly e: BExpr; readonly assignOp: string })
  /** Jumps to `target` when `cond` is false. */
  | (InstrBase & { readonly op: 'branch'; readonly cond: BExpr; target: number })
  | (InstrBase & { readonly op: 'jump'; target: number })
  /**
   * Calls a fn: `fn` itself, or, through a fn value (`target` evaluates to a fn's index + 1),
   * one of `fns` (every fn the value may hold; `fn` is then -1).
   */
  | (InstrBase & { readonly op: 'call'; readonly fn: number; readonly args: readonly BExpr[]; readonly result: number; readonly target?: BExpr; readonly fns?: readonly number[] })
  | (InstrBase & { readonly op: 'ret'; readonly e?: BExpr })
  | (InstrBase & { readonly op: 'choose'; readonly targets: number[] })
  /** Blocks until `cond` holds (wait_event, await). */
  | (InstrBase & { readonly op: 'await'; readonly cond: BExpr; readonly text: string });

export interface Code {
  readonly name: string;
  readonly kind: 'fn' | 'actor';
  readonly index: number;
  readonly instrs: Instr[];
  readonly nlocals: number;
  readonly localNames: readonly string[];
  readonly nparams: number;
  readonly span: Span;
}

export interface Layout {
  /** Words of static memory (globals, static instances, actor words, rcu word, fd table). */
  readonly staticSize: number;
  readonly actorWords: number;
  readonly rcuWord: number;
  readonly fdTable: number;
  /** RCU callbacks waiting for their grace period (kfree_rcu, call_rcu): RCU_CALLBACK_SLOTS slots. */
  readonly rcuCallbacks: number;
  /** The interrupt lines irq actors name (`line 11`), and their disable depths' words, one each. */
  readonly irqLines: readonly number[];
  readonly lineWords: number;
  /**
   * lockdep_set_class's table: LOCK_KEY_SLOTS pairs (lock address, class + 1), when the
   * scenario calls it (0 slots otherwise, so other scenarios' layouts do not change).
   */
  readonly lockKeys: number;
  readonly lockKeySlots: number;
  /**
   * Per actor, TASK_WORK_WORDS words: its task_works (the last file fput queued for release
   * when it returns to user space) and the file whose release is running; present (and
   * taskWorkWords > 0) only when the scenario has the built-in struct file.
   */
  readonly taskWorks: number;
  readonly taskWorkWords: number;
  readonly heapStart: number;
}

export const TASK_WORK_WORDS = 2;

/** Pending RCU callbacks the model keeps at once. */
export const RCU_CALLBACK_SLOTS = 4;
/** A slot: the callback (0 when free; 1 kfree; a fn's index + 2), the object, the readers still to finish. */
export const RCU_CALLBACK_WORDS = 3;

/** Lock instances lockdep_set_class may re-key in one scenario. */
export const LOCK_KEY_SLOTS = 4;

export const MAX_FDS = 8;
export const FD_BASE = 3;
export const FD_ENTRY_WORDS = 3;
/**
 * An fd table entry's third word: free, an fd of anon_inode_getfd(priv, release) (the first
 * two words are the object and the release fn + 1), an fd installed with a struct file (the
 * first word), or one reserved by get_unused_fd_flags and not installed yet.
 */
export const FdState = { Free: 0, Legacy: 1, File: 2, Reserved: 3 } as const;
export const OBJECT_HEADER_WORDS = 6;
export const ObjectHeader = { struct: 0, status: 1, allocSite: 2, allocActor: 3, freeSite: 4, freeActor: 5 } as const;
export const ObjectStatus = { Alive: 1, Freed: 2 } as const;
export const LIST_POISON1 = -0x100;
export const LIST_POISON2 = -0x122;

/**
 * Pointers to locals (`&nb` passed as an out-parameter) are words below every address and
 * every poison value: the actor, the frame's depth on its stack and the local's slot. Only
 * that actor's code can reach them (locals are private), and only while the frame lives.
 */
const LOCAL_POINTER_BASE = -0x40000000;
const LOCAL_POINTER_SPAN = 0x4000000;

export function localPointer(actor: number, depth: number, slot: number): number {
  return LOCAL_POINTER_BASE + actor * 0x100000 + Math.min(depth, 0xff) * 0x1000 + Math.min(slot, 0xfff);
}

export function decodeLocalPointer(v: number): { actor: number; depth: number; slot: number } | undefined {
  if (v < LOCAL_POINTER_BASE || v >= LOCAL_POINTER_BASE + LOCAL_POINTER_SPAN) return undefined;
  const o = v - LOCAL_POINTER_BASE;
  return { actor: o >>> 20, depth: (o >>> 12) & 0xff, slot: o & 0xfff };
}

export interface Expectation {
  readonly none: boolean;
  readonly kinds: readonly ViolationKind[];
  readonly span: Span;
}

export interface CompiledScenario {
  readonly file: string;
  readonly text: string;
  readonly program: Program;
  readonly title: string;
  readonly structs: readonly StructSymbol[];
  readonly globals: readonly GlobalSymbol[];
  readonly fns: readonly FnSymbol[];
  readonly actors: readonly ActorSymbol[];
  readonly lockClasses: readonly LockClass[];
  /** fns first (code index = fn index), then actors (code index = fns.length + actor index). */
  readonly codes: readonly Code[];
  readonly instrs: readonly Instr[];
  /** Which code each instruction belongs to, by instruction id. */
  readonly instrCode: readonly number[];
  readonly layout: Layout;
  /** Initial values of static words (initialised globals, empty static list heads). */
  readonly staticInit: readonly (readonly [number, number])[];
  /** Static words holding pointers or list links: the roots for leak detection. */
  readonly staticPointerWords: readonly number[];
  /** String literals of static initialisers: read-only words, named by their text. */
  readonly staticStrings: readonly StaticString[];
  /** Per struct index: field offsets holding pointers or list links. */
  readonly structPointerOffsets: readonly (readonly number[])[];
  readonly expect?: Expectation;
  readonly configs: ReadonlySet<string>;
  /** The `init` block's actor index, or -1: it runs to completion before anyone else. */
  readonly initActor: number;
  /** The `final` block's actor, or -1: run on every state where all actors have finished. */
  readonly finalActor: number;
  /** The actors of the `invariant`s, checked on every state after init. */
  readonly invariantActors: readonly number[];
  readonly requestNames: readonly string[];
  /** Data-race detection is on (config KCSAN, or the scenario expects a data race). */
  readonly detectRaces: boolean;
  /** The built-in struct kvm_vcpu's layout and static instances, when the scenario has one. */
  readonly vcpuLayout?: VcpuLayout;
}

/** The fns a call instruction may enter. */
export function callees(ins: Instr & { op: 'call' }): readonly number[] {
  return ins.fns ?? [ins.fn];
}

/** The address of a vCPU actor's mode or requests word, or -1 for an actor that is not one. */
export function vcpuWord(s: CompiledScenario, actor: number, word: 'mode' | 'requests'): number {
  const a = s.actors[actor];
  if (!a || a.vcpu === undefined || !s.vcpuLayout) return -1;
  return a.vcpu + s.vcpuLayout[word];
}

export function actorCode(s: CompiledScenario, actor: number): number {
  return s.fns.length + actor;
}
