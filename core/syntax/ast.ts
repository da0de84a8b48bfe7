// The abstract syntax tree of a scenario: plain, immutable data. Every node has a `kind`
// and a source span; the interpreter, checker, language server and debugger all read it.
// (The language server's trees have their spans anchored to their top-level declaration, so
// that an edit moves the declarations after it without copying them: see syntax/reparse.ts.)

export interface Span {
  /** Offset of the first character (UTF-16 code units). */
  readonly start: number;
  /** Offset one past the last character. */
  readonly end: number;
}

interface NodeBase {
  readonly span: Span;
}

export interface Identifier extends NodeBase {
  readonly kind: 'Identifier';
  /** Empty for a Missing identifier (the parser expected a name and found none). */
  readonly name: string;
  readonly missing?: boolean;
}

// ---------- Types ----------

export type ScalarTypeName =
  | 'int'
  | 'bool'
  | 'mutex'
  | 'spinlock'
  | 'rwsem'
  | 'rwlock_t'
  | 'srcu'
  | 'list_head'
  | 'atomic_t'
  | 'kref'
  | 'refcount_t'
  | 'rcu_head'
  | 'wait_queue_head'
  | 'void'
  /** The kernel's deferred-work and waiting objects, written `struct work_struct` etc. */
  | KernelStructTypeName;

/** Kernel structs the model knows as its own types: `struct work_struct w;` is one of them. */
export type KernelStructTypeName =
  | 'work_struct' | 'delayed_work' | 'timer_list' | 'hrtimer' | 'completion' | 'workqueue_struct'
  | 'xarray' | 'idr' | 'hlist_head' | 'hlist_node' | 'lock_class_key';

/**
 * A type as written. The kernel's own spellings (`spinlock_t`, `struct mutex`, `unsigned
 * long`, `u32`, `DEFINE_MUTEX(…)`) become the model's scalar types, keeping what was written
 * in `spelling`; integers keep their width in bytes (KASAN reports access sizes by type).
 */
export type TypeNode =
  | {
    readonly kind: 'ScalarType'; readonly name: ScalarTypeName; readonly span: Span;
    /** The kernel's spelling when it differs from `name` (`spinlock_t`, `unsigned long`). */
    readonly spelling?: string;
    /** For integers: the width in bytes (`u8` 1, `long` 8); absent means `int` (4). */
    readonly bytes?: number;
  }
  | { readonly kind: 'StructType'; readonly name: Identifier; readonly span: Span }
  | { readonly kind: 'PointerType'; readonly to: TypeNode; readonly span: Span }
  /**
   * A function pointer's type: a C declarator `void (*release)(struct kvm_device *dev)`, or
   * the word `fn` (`untyped`: any fn, its arity checked only at the call).
   */
  | { readonly kind: 'FnPtrType'; readonly returns: TypeNode; readonly params: readonly Param[]; readonly span: Span; readonly untyped?: boolean };

// ---------- Expressions ----------

export type Expr =
  | NumberLiteral
  | BoolLiteral
  | NullLiteral
  | StringLiteral
  | NameExpr
  | MemberExpr
  | IndexExpr
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | AddressOfExpr
  | TypeExpr
  | DerefExpr
  | CastExpr
  | SizeofExpr
  | ConditionalExpr
  | InitListExpr
  | ErrorExpr;

export interface NumberLiteral extends NodeBase {
  readonly kind: 'Number';
  readonly value: number;
}
export interface BoolLiteral extends NodeBase {
  readonly kind: 'Bool';
  readonly value: boolean;
}
export interface NullLiteral extends NodeBase {
  readonly kind: 'Null';
}
export interface StringLiteral extends NodeBase {
  readonly kind: 'String';
  readonly value: string;
}
export interface NameExpr extends NodeBase {
  readonly kind: 'Name';
  readonly id: Identifier;
}
export interface MemberExpr extends NodeBase {
  readonly kind: 'Member';
  readonly object: Expr;
  readonly field: Identifier;
  /** `->` or `.`; both mean the same thing. */
  readonly arrow: boolean;
}
export interface IndexExpr extends NodeBase {
  readonly kind: 'Index';
  readonly object: Expr;
  readonly index: Expr;
}
export interface CallExpr extends NodeBase {
  readonly kind: 'Call';
  /** The name called; for a call through a fn value in a field, the field's name. */
  readonly callee: Identifier;
  /** A call through a fn value that is not a plain name: `dev->ops->release` in `dev->ops->release(dev)`. */
  readonly target?: Expr;
  readonly args: readonly Expr[];
  /** Span of the parenthesised argument list, for signature help. */
  readonly argsSpan: Span;
}
export type UnaryOp = '!' | '-' | '~';
export interface UnaryExpr extends NodeBase {
  readonly kind: 'Unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
}
export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '&&' | '||' | '&' | '|' | '^' | '<<' | '>>';
export interface BinaryExpr extends NodeBase {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}
/**
 * `&lvalue`: before a lock, list or struct place it is the place itself (as the kernel passes
 * them); before a scalar local it is a pointer to that local (an out-parameter).
 */
export interface AddressOfExpr extends NodeBase {
  readonly kind: 'AddressOf';
  readonly operand: Expr;
}
/** A type used as an argument: `kzalloc(struct stt)`. */
export interface TypeExpr extends NodeBase {
  readonly kind: 'TypeArg';
  readonly type: TypeNode;
}
/** `*p`: the scalar `p` points to, or (for a struct pointer) the object itself. */
export interface DerefExpr extends NodeBase {
  readonly kind: 'Deref';
  readonly operand: Expr;
}
/** `(struct foo *)p`, `(unsigned long)x`, `(void)f()`. */
export interface CastExpr extends NodeBase {
  readonly kind: 'Cast';
  readonly type: TypeNode;
  readonly operand: Expr;
}
/** `sizeof(struct T)`, `sizeof(*p)`, `sizeof x`. */
export interface SizeofExpr extends NodeBase {
  readonly kind: 'Sizeof';
  readonly type?: TypeNode;
  readonly operand?: Expr;
}
/** `c ? a : b`. */
export interface ConditionalExpr extends NodeBase {
  readonly kind: 'Conditional';
  readonly cond: Expr;
  readonly then: Expr;
  readonly else: Expr;
}
/** One `.a.b = value` (or positional `value`) of a designated initialiser. */
export interface Designation extends NodeBase {
  readonly kind: 'Designation';
  /** The field path; empty for a positional element. */
  readonly path: readonly Identifier[];
  readonly value: Expr;
}
/** `{ .release = kvm_device_release, .name = 1 }`: a static struct's initialiser. */
export interface InitListExpr extends NodeBase {
  readonly kind: 'InitList';
  readonly items: readonly Designation[];
}
/** What the parser produces where an expression is missing or malformed. */
export interface ErrorExpr extends NodeBase {
  readonly kind: 'ErrorExpr';
}

// ---------- Statements ----------

export type Stmt =
  | BlockStmt
  | VarDeclStmt
  | AssignStmt
  | ExprStmt
  | IfStmt
  | WhileStmt
  | DoWhileStmt
  | ForStmt
  | ReturnStmt
  | BreakStmt
  | ContinueStmt
  | ChooseStmt
  | ListForEachStmt
  | VcpuForEachStmt
  | DeclGroupStmt
  | GotoStmt
  | LabelStmt
  | SwitchStmt
  | CaseStmt
  | ErrorStmt;

export interface BlockStmt extends NodeBase {
  readonly kind: 'Block';
  readonly body: readonly Stmt[];
}
export interface VarDeclStmt extends NodeBase {
  readonly kind: 'VarDecl';
  readonly type: TypeNode;
  readonly name: Identifier;
  readonly init?: Expr;
}
export type AssignOp = '=' | '+=' | '-=' | '|=' | '&=' | '^=' | '*=' | '/=' | '%=' | '<<=' | '>>=' | '++' | '--';
export interface AssignStmt extends NodeBase {
  readonly kind: 'Assign';
  readonly op: AssignOp;
  readonly target: Expr;
  /** Absent for `++` and `--`. */
  readonly value?: Expr;
}
export interface ExprStmt extends NodeBase {
  readonly kind: 'ExprStmt';
  readonly expr: Expr;
}
export interface IfStmt extends NodeBase {
  readonly kind: 'If';
  readonly cond: Expr;
  readonly then: Stmt;
  readonly else?: Stmt;
}
export interface WhileStmt extends NodeBase {
  readonly kind: 'While';
  readonly cond: Expr;
  readonly body: Stmt;
}
export interface DoWhileStmt extends NodeBase {
  readonly kind: 'DoWhile';
  readonly body: Stmt;
  readonly cond: Expr;
}
export interface ForStmt extends NodeBase {
  readonly kind: 'For';
  readonly init?: Stmt;
  readonly cond?: Expr;
  readonly step?: Stmt;
  readonly body: Stmt;
}
export interface ReturnStmt extends NodeBase {
  readonly kind: 'Return';
  readonly value?: Expr;
}
export interface BreakStmt extends NodeBase {
  readonly kind: 'Break';
}
export interface ContinueStmt extends NodeBase {
  readonly kind: 'Continue';
}
export interface ChooseStmt extends NodeBase {
  readonly kind: 'Choose';
  readonly branches: readonly BlockStmt[];
}
export interface ListForEachStmt extends NodeBase {
  readonly kind: 'ListForEach';
  readonly pos: Identifier;
  readonly head: Expr;
  readonly member: Identifier;
  readonly body: Stmt;
  /** list_for_each_entry_rcu: the same walk, for RCU readers. */
  readonly rcu?: boolean;
  /** list_for_each_entry_srcu: the same walk, for SRCU readers. */
  readonly srcu?: boolean;
  /** list_for_each_entry_safe: the cursor's successor, read before the body runs. */
  readonly next?: Identifier;
  /** hlist_for_each_entry(_rcu, _srcu): the walk of a struct hlist_head through hlist_node members. */
  readonly hlist?: boolean;
  /** The lockdep condition of the _rcu / _srcu forms (checked by CONFIG_PROVE_RCU_LIST only; bound, not evaluated). */
  readonly cond?: Expr;
}
/** `kvm_for_each_vcpu(i, vcpu, kvm) { … }`: the vCPUs of a VM, in order. */
export interface VcpuForEachStmt extends NodeBase {
  readonly kind: 'VcpuForEach';
  readonly index: Identifier;
  readonly vcpu: Identifier;
  readonly kvm: Expr;
  readonly body: Stmt;
}
/** `unsigned long len, nb;`: several declarators of one type, in the enclosing scope. */
export interface DeclGroupStmt extends NodeBase {
  readonly kind: 'DeclGroup';
  readonly decls: readonly VarDeclStmt[];
}
/** `goto out_unlock;` (the kernel's error unwinding). */
export interface GotoStmt extends NodeBase {
  readonly kind: 'Goto';
  readonly label: Identifier;
}
/** `out_unlock:` — a label; the statement after it follows in the same block. */
export interface LabelStmt extends NodeBase {
  readonly kind: 'Label';
  readonly label: Identifier;
}
/** `switch (e) { case 1: … break; default: … }`. */
export interface SwitchStmt extends NodeBase {
  readonly kind: 'Switch';
  readonly disc: Expr;
  readonly body: BlockStmt;
}
/** `case EXPR:` or `default:` inside a switch body (absent value: default). */
export interface CaseStmt extends NodeBase {
  readonly kind: 'Case';
  readonly value?: Expr;
}
export interface ErrorStmt extends NodeBase {
  readonly kind: 'ErrorStmt';
}

// ---------- Top-level declarations ----------

export type Decl =
  | ScenarioDecl
  | ConfigDecl
  | StructDecl
  | GlobalDecl
  | FnDecl
  | ForwardDecl
  | ActorDecl
  | ExpectDecl
  | EnumDecl
  | DefineDecl
  | ErrorDecl;

/** `#define NAME CONST`: an object-like macro whose value is a constant, like an enumerator. */
export interface DefineDecl extends NodeBase {
  readonly kind: 'Define';
  readonly name: Identifier;
  /** Absent for `#define NAME` with nothing after it (an include guard): it names nothing. */
  readonly value?: Expr;
}

/**
 * `enum sev_migration_role { SEV_MIGRATION_SOURCE = 0, SEV_MIGRATION_TARGET, … };`: named
 * integer constants, as C numbers them (each one more than the previous unless it says `=`).
 */
export interface EnumDecl extends NodeBase {
  readonly kind: 'Enum';
  /** Absent for an anonymous `enum { … };`. */
  readonly name?: Identifier;
  readonly members: readonly EnumMember[];
}
export interface EnumMember extends NodeBase {
  readonly kind: 'EnumMember';
  readonly name: Identifier;
  readonly value?: Expr;
}

export interface ScenarioDecl extends NodeBase {
  readonly kind: 'Scenario';
  readonly title: StringLiteral;
}
export interface ConfigDecl extends NodeBase {
  readonly kind: 'Config';
  readonly name: Identifier;
}
export interface FieldDecl extends NodeBase {
  readonly kind: 'Field';
  readonly type: TypeNode;
  readonly name: Identifier;
  /** Present for array fields: `mutex locks[4];`. */
  readonly length?: number;
  /** An array length given by a constant's name (`vcpus[KVM_MAX_VCPUS]`), resolved when binding. */
  readonly lengthName?: Identifier;
}
export interface StructDecl extends NodeBase {
  readonly kind: 'Struct';
  readonly name: Identifier;
  readonly fields: readonly FieldDecl[];
}
export interface GlobalDecl extends NodeBase {
  readonly kind: 'Global';
  readonly type: TypeNode;
  readonly name: Identifier;
  readonly length?: number;
  /** As FieldDecl's. */
  readonly lengthName?: Identifier;
  readonly init?: Expr;
  /** A static definition macro (`DEFINE_MUTEX`, `LIST_HEAD`, …) that declared it. */
  readonly macro?: Identifier;
}
export interface Param extends NodeBase {
  readonly kind: 'Param';
  /** Absent when the parameter is untyped (an int or a truth value). */
  readonly type?: TypeNode;
  readonly name: Identifier;
}
export interface FnDecl extends NodeBase {
  readonly kind: 'Fn';
  readonly name: Identifier;
  readonly params: readonly Param[];
  readonly body: BlockStmt;
  /** A C function definition's return type (`static long foo(…)`); absent for `fn foo(…)`. */
  readonly returns?: TypeNode;
}
/** `struct kvm_device;` or a function prototype `int foo(struct kvm *kvm);`: no body. */
export interface ForwardDecl extends NodeBase {
  readonly kind: 'Forward';
  readonly what: 'struct' | 'fn';
  readonly name: Identifier;
  readonly params?: readonly Param[];
  readonly returns?: TypeNode;
}
/**
 * `init` is the initial-state block: it runs to completion before any other actor starts.
 * `final { … }` and `invariant EXPR;` are checks, never scheduled: `final` runs on every
 * state where all actors have finished, an invariant (a block `{ assert(EXPR); }`) on every
 * state after `init`.
 */
export type ActorKind = 'thread' | 'vcpu' | 'irq' | 'work' | 'init' | 'final' | 'invariant';
export interface ActorDecl extends NodeBase {
  readonly kind: 'Actor';
  readonly actorKind: ActorKind;
  readonly name: Identifier;
  /** `on cpuN`: the CPU number and the span of the `cpuN` word. */
  readonly cpu?: { readonly index: number; readonly span: Span };
  /** `line N` on an irq: the interrupt line it handles (it fires only while the line is enabled). */
  readonly line?: { readonly index: number; readonly span: Span };
  readonly description?: StringLiteral;
  /** `vcpu v0 = &kvm.vcpus[0] …`: the `struct kvm_vcpu` a vCPU actor runs as. */
  readonly binding?: Expr;
  readonly body: BlockStmt;
}
export interface ExpectDecl extends NodeBase {
  readonly kind: 'Expect';
  /** Empty with `none` true for `expect no violation;`. */
  readonly kinds: readonly Identifier[];
  readonly none: boolean;
}
export interface ErrorDecl extends NodeBase {
  readonly kind: 'ErrorDecl';
}

export interface Program extends NodeBase {
  readonly kind: 'Program';
  readonly decls: readonly Decl[];
}

export type AnyNode = Decl | Stmt | Expr | TypeNode | FieldDecl | Param | Designation | Identifier | Program | EnumMember | DefineDecl;
