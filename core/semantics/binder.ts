// The binder: resolves every name in a parsed scenario to its symbol, types every
// expression, checks what a kernel developer would get wrong (unknown names, the wrong
// primitive for a lock kind, arity, duplicates, fields that do not exist), assigns lock
// classes and lays out shared memory. It never throws; problems become diagnostics.

import type * as A from '../syntax/ast';
import type { Diagnostic, RelatedInfo } from '../syntax/diagnostics';
import { KERNEL_STRUCTS } from '../syntax/parser';
import { binop } from '../model/machine';
import { builtin, BUILTINS, CONSTANTS, type Builtin, type ParamKind } from '../model/builtins';
import { ANON_INODE_GETFD_SHORT } from '../model/builtins/files';
import { VIOLATION_KINDS, type ViolationKind } from '../model/types';
import { LOCK_KEY_SLOTS, RCU_CALLBACK_SLOTS, RCU_CALLBACK_WORDS, TASK_WORK_WORDS } from '../model/compiled';
import {
  ACTOR, ACTOR_WORDS, ANY, BOOL, FILE_FIELDS, FILE_OPERATIONS_FIELDS, FNREF, INT, KVM_VCPU_FIELDS, RCU_HEAD, VOID,
  byteSize, fnValue, isScalar, isStateCheck, listHeadLink, sizeOf, typeName, type VcpuLayout,
  type ActorSymbol, type ConstSymbol, type FieldSymbol, type FnSymbol, type GlobalSymbol, type LocalSymbol,
  type CallbackKind, type LockClass, type LockKind, type StaticString, type StructSymbol, type Sym, type Ty, XARRAY_SLOTS, XARRAY_WORD,
} from './symbols';

export const MAX_ACTORS = 30;
/** Kworkers the machine keeps for each work fn: how many of its work items may run at once. */
export const KWORKERS_PER_FN = 2;

/** Primitives whose second argument registers a fn as a callback the machine runs as an actor. */
const CALLBACK_REGISTRATIONS: Readonly<Record<string, CallbackKind>> = {
  INIT_WORK: 'work', INIT_DELAYED_WORK: 'work', timer_setup: 'timer', hrtimer_setup: 'hrtimer',
};
/** The names a callback registration is spelled with (the registrations, and hrtimer's `.function = f`). */
const CALLBACK_WORDS = new RegExp(`\\b(${[...Object.keys(CALLBACK_REGISTRATIONS), 'function'].join('|')})\\b`);

/** Calls `f` on every node of a syntax tree (plain data: objects with a `kind`). */
function forEachNode(node: unknown, f: (n: A.Expr | A.Stmt) => void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) forEachNode(x, f);
    return;
  }
  if ('kind' in node) f(node as A.Expr | A.Stmt);
  for (const v of Object.values(node)) if (v && typeof v === 'object') forEachNode(v, f);
}
/**
 * A redeclared built-in field keeps its type: any integer type will do for an integer (`u32
 * vcpu_id;`, `unsigned long requests;`), a function pointer may spell its integer parameters
 * as the kernel does (`unsigned int ioctl`), and the untyped `fn` is any function pointer.
 */
function sameFieldType(a: Ty, b: Ty): boolean {
  if (a.k === 'int' && b.k === 'int') return true;
  // `fn release;`: the model's untyped function pointer stands for any.
  if (a.k === 'fnref' && !a.sig && b.k === 'fnref') return true;
  if (a.k === 'fnref' && b.k === 'fnref' && a.sig && b.sig) {
    return a.sig.params.length === b.sig.params.length && a.sig.params.every((p, i) => sameFieldType(p, b.sig!.params[i]!))
      && sameFieldType(a.sig.returns, b.sig.returns);
  }
  return typeName(a) === typeName(b);
}

/** Built-in names have no place in the text: they are marked missing so no occurrence is recorded. */
const BUILTIN_SPAN: A.Span = { start: 0, end: 0 };
function builtinId(name: string): A.Identifier {
  return { kind: 'Identifier', name, span: BUILTIN_SPAN, missing: true };
}
function builtinScalar(name: A.ScalarTypeName): A.TypeNode & { kind: 'ScalarType' } {
  return { kind: 'ScalarType', name, span: BUILTIN_SPAN };
}
function builtinStruct(name: string): A.TypeNode {
  return { kind: 'StructType', name: builtinId(name), span: BUILTIN_SPAN };
}
function builtinPointer(to: A.TypeNode): A.TypeNode {
  return { kind: 'PointerType', to, span: BUILTIN_SPAN };
}

export const KNOWN_CONFIGS = ['KCSAN', 'KASAN', 'PROVE_LOCKING', 'DEBUG_LIST', 'DEBUG_ATOMIC_SLEEP', 'FAULT_INJECTION'];

/** One occurrence of a name in the source, resolved. */
export interface Occurrence {
  readonly span: A.Span;
  readonly sym: Sym;
  /** The declaration itself rather than a use. */
  readonly def: boolean;
}

export interface CallInfo {
  readonly builtin?: Builtin;
  readonly fn?: FnSymbol;
  /**
   * A call through a fn value (a field, a local, a parameter): the fns it may reach, those
   * whose address is taken somewhere and that fit its type (its arity, and its parameter
   * types when declared).
   */
  readonly indirect?: { readonly candidates: readonly FnSymbol[] };
  /** Per argument: lock class, struct index, kref offset or request bit (see Builtin.run). */
  readonly statics: readonly number[];
}

/** A local's visibility: from its declaration to the end of its block. */
export interface LocalScope {
  readonly local: LocalSymbol;
  readonly visible: A.Span;
}

export interface Binding {
  readonly title: string;
  readonly structs: readonly StructSymbol[];
  readonly globals: readonly GlobalSymbol[];
  readonly fns: readonly FnSymbol[];
  readonly actors: readonly ActorSymbol[];
  readonly consts: ReadonlyMap<string, ConstSymbol>;
  readonly lockClasses: readonly LockClass[];
  readonly requestNames: readonly string[];
  readonly occurrences: readonly Occurrence[];
  readonly exprTypes: ReadonlyMap<A.Expr, Ty>;
  /** The value of every `sizeof`, in bytes. */
  readonly sizes: ReadonlyMap<A.Expr, number>;
  readonly nameSyms: ReadonlyMap<A.Identifier, Sym>;
  readonly calls: ReadonlyMap<A.CallExpr, CallInfo>;
  readonly localDecls: ReadonlyMap<LocalOwnerNode, LocalSymbol>;
  readonly localScopes: readonly LocalScope[];
  readonly configs: ReadonlySet<string>;
  readonly expect?: { readonly none: boolean; readonly kinds: readonly ViolationKind[]; readonly span: A.Span };
  readonly diagnostics: readonly Diagnostic[];
  /** Static memory: globals, then per-actor words, the rcu word, the fd table. */
  readonly layout: {
    readonly globalsEnd: number;
    readonly actorWords: number;
    readonly rcuWord: number;
    readonly fdTable: number;
    readonly rcuCallbacks: number;
    readonly irqLines: readonly number[];
    readonly lineWords: number;
    readonly lockKeys: number;
    readonly lockKeySlots: number;
    readonly taskWorks: number;
    readonly taskWorkWords: number;
    readonly heapStart: number;
  };
  /** Initial values of static words (globals with initialisers, empty static list heads). */
  readonly staticInit: readonly (readonly [number, number])[];
  readonly staticPointerWords: readonly number[];
  /** The read-only words of string literals in static initialisers, with their text. */
  readonly staticStrings: readonly StaticString[];
  readonly structPointerOffsets: readonly (readonly number[])[];
  /** The built-in `struct kvm_vcpu`, when the scenario has vCPUs or names the struct. */
  readonly vcpuLayout?: VcpuLayout;
}

/** Nodes that own a local: declarations, parameters and implicit list cursors. */
export type LocalOwnerNode = A.VarDeclStmt | A.Param | A.ListForEachStmt | A.VcpuForEachStmt;

const LOCK_PRIMITIVES: Record<LockKind, { lock: string; unlock: string }> = {
  mutex: { lock: 'mutex_lock', unlock: 'mutex_unlock' },
  spinlock: { lock: 'spin_lock', unlock: 'spin_unlock' },
  rwsem: { lock: 'down_write', unlock: 'up_write' },
  rwlock: { lock: 'write_lock', unlock: 'write_unlock' },
  srcu: { lock: 'srcu_read_lock', unlock: 'srcu_read_unlock' },
};

export function lockPrimitiveFor(kind: LockKind): { lock: string; unlock: string } {
  return LOCK_PRIMITIVES[kind];
}

export function bind(program: A.Program, text: string): Binding {
  return new Binder(program, text).run();
}

interface Scope {
  readonly parent?: Scope;
  readonly names: Map<string, LocalSymbol>;
}

class Binder {
  private readonly diagnostics: Diagnostic[] = [];
  /** suggestFn's answer per number of functions declared and unknown name. */
  private readonly fnHints = new Map<string, string>();
  private readonly occurrences: Occurrence[] = [];
  private readonly exprTypes = new Map<A.Expr, Ty>();
  private readonly sizes = new Map<A.Expr, number>();
  /** lock_class_key classes whose lock kind a lockdep_set_class has fixed. */
  private readonly keyKinds = new Set<number>();
  /** The local whose initialiser is being bound (sizeof(*p) in `T *p = kzalloc(sizeof(*p))`). */
  private declaring: { readonly name: string; readonly type: Ty } | undefined;
  /** Case labels directly inside a switch's braces (the only place one may be). */
  private readonly directCases = new Set<A.CaseStmt>();
  private readonly nameSyms = new Map<A.Identifier, Sym>();
  private readonly calls = new Map<A.CallExpr, CallInfo>();
  private readonly localDecls = new Map<LocalOwnerNode, LocalSymbol>();
  private readonly localScopes: LocalScope[] = [];
  private readonly structs: StructSymbol[] = [];
  private readonly structByName = new Map<string, StructSymbol>();
  private readonly globals: GlobalSymbol[] = [];
  private readonly fns: FnSymbol[] = [];
  private readonly actors: ActorSymbol[] = [];
  private readonly values = new Map<string, GlobalSymbol | FnSymbol | ActorSymbol>();
  private readonly consts = new Map<string, ConstSymbol>();
  private readonly lockClasses: LockClass[] = [];
  /** Lock class per field symbol or global symbol. */
  private readonly classOfDecl = new Map<FieldSymbol | GlobalSymbol, number>();
  private readonly classNamed = new Set<number>();
  private readonly requestNames: string[] = [];
  private readonly configs = new Set<string>();
  private readonly staticInit: (readonly [number, number])[] = [];
  private readonly staticPointerWords: number[] = [];
  /** String literals of static initialisers: a read-only word each (`.name = "kvm-xics"`). */
  private readonly staticStrings: StaticString[] = [];
  /** Strings met in the static initialiser being bound, laid out once its struct's words are. */
  private readonly pendingStrings: { readonly at: number; readonly text: string }[] = [];
  /** Callback fns by `kind:fn index`: the item as its INIT_WORK / timer_setup site names it (`&irqfd->shutdown`). */
  private readonly callbackInits = new Map<string, string>();
  /** Interrupt lines whose handler request_irq installs: disabled at first. */
  private readonly requestedLines = new Set<number>();
  private title = '';
  private expect: Binding['expect'];
  /** The built-in struct kvm_vcpu (declared by the scenario or made here), if any. */
  private vcpuStruct: StructSymbol | undefined;
  private vcpuLayout: VcpuLayout | undefined;
  /** struct file and struct file_operations are built in (declareFileStructs). */
  private fileStructs = false;
  /** Calls of anon_inode_getfd(priv, release), and of the primitives that need a struct file. */
  private readonly shortFdSpans: A.Span[] = [];
  private readonly fileFdSpans: { readonly span: A.Span; readonly name: string }[] = [];
  /** Names in static initialisers, bound once every fn is declared (see staticScalar). */
  private readonly staticNames: { readonly value: A.NameExpr; readonly t: Ty; readonly slot: number; readonly what: string }[] = [];
  /** Fns stored in fn pointers, checked against their signatures once every fn's parameters are known. */
  private readonly fnValueChecks: { readonly e: A.Expr; readonly target: Ty; readonly what: string }[] = [];
  /** Fns whose address is taken (used as a value): what a call through a fn value may reach. */
  private readonly addressTaken = new Set<FnSymbol>();
  /** Indirect calls, resolved to their candidates once every body is bound. */
  private readonly indirectCalls: { call: A.CallExpr; type: Ty; argc: number }[] = [];
  /** Function prototypes (`int foo(struct kvm *kvm);`), by name: the first of each. */
  private readonly prototypes = new Map<string, A.ForwardDecl>();

  // Per body being bound.
  private owner: FnSymbol | ActorSymbol | undefined;
  private ownerLocals: LocalSymbol[] = [];
  private scope: Scope | undefined;
  private loopDepth = 0;

  constructor(private readonly program: A.Program, private readonly text: string) {
    for (const c of CONSTANTS) this.consts.set(c.name, { kind: 'const', name: c.name, value: c.value, type: c.name === 'any' ? INT : INT, doc: c.doc });
  }

  run(): Binding {
    const decls = this.program.decls;
    // Pass 1: struct names, so fields and globals can refer to any struct. A struct that is
    // only forward-declared (`struct kvm_device;`) is an opaque struct with no fields.
    for (const d of decls) if (d.kind === 'Struct') this.declareStruct(d);
    for (const d of decls) {
      if (d.kind !== 'Forward' || d.what !== 'struct' || !d.name.name) continue;
      const known = this.structByName.get(d.name.name);
      if (known) this.occur(d.name, known, false);
      else this.declareStruct({ kind: 'Struct', name: d.name, fields: [], span: d.span });
    }
    this.declareVcpuStruct();
    this.declareFileStructs();
    // Constants (enumerators, #defines) before the layouts: array lengths may name them.
    for (const d of decls) {
      if (d.kind === 'Enum') this.declareEnum(d);
      else if (d.kind === 'Define' && d.value) this.declareConstant(d.name, d.value, 0, 'A constant (#define).');
    }
    for (const s of this.structs) this.layoutStruct(s, new Set());
    // Pass 2: globals, fns, actors, and the rest.
    let address = 1;
    for (const d of decls) {
      switch (d.kind) {
        case 'Scenario':
          if (this.title) this.warn(d.span, 'a second scenario title; only the first is used', 'duplicate-scenario');
          else this.title = d.title.value;
          break;
        case 'Config':
          if (d.name.name) {
            if (!KNOWN_CONFIGS.includes(d.name.name.replace(/^CONFIG_/, ''))) {
              this.warn(d.name.span, `unknown config '${d.name.name}' (known: ${KNOWN_CONFIGS.join(', ')})`, 'unknown-config');
            }
            this.configs.add(d.name.name.replace(/^CONFIG_/, ''));
          }
          break;
        case 'Global':
          address = this.declareGlobal(d, address);
          break;
        case 'Fn':
          this.declareFn(d);
          break;
        case 'Forward':
          if (d.what === 'fn' && d.name.name && !this.prototypes.has(d.name.name)) this.prototypes.set(d.name.name, d);
          break;
        case 'Actor':
          this.declareActor(d);
          break;
        case 'Expect':
          this.declareExpect(d);
          break;
        default:
          break;
      }
    }
    this.checkPrototypes();
    this.bindStaticNames();
    // vCPUs get their struct kvm_vcpu: the instance they are bound to, or one of their own.
    // (By actor index: the symbols are replaced as CPUs and classes are assigned.)
    const vcpuOf = new Map<number, number>();
    for (const a of this.actors) {
      if (a.actorKind !== 'vcpu') {
        if (a.decl.binding) this.error(a.decl.binding.span, `only a vcpu is bound to a struct kvm_vcpu; ${a.name} is a ${a.actorKind}`, 'bad-binding');
        continue;
      }
      const bound = a.decl.binding ? this.vcpuBinding(a.decl.binding) : undefined;
      if (bound !== undefined) vcpuOf.set(a.index, bound);
      else if (this.vcpuStruct) {
        vcpuOf.set(a.index, address);
        address += this.vcpuStruct.size;
      }
    }
    const globalsEnd = address;
    this.assignCpus();
    this.addCallbackActors();
    const actorWords = globalsEnd;
    // Actors get their per-actor words now that their number is known.
    const actors = this.actors.map((a, i) => {
      const vcpu = vcpuOf.get(a.index);
      return { ...a, words: actorWords + i * ACTOR_WORDS, ...(vcpu !== undefined ? { vcpu } : {}) };
    });
    this.actors.splice(0, this.actors.length, ...actors);
    const rcuWord = actorWords + this.actors.length * ACTOR_WORDS;
    const fdTable = rcuWord + 1;
    const rcuCallbacks = fdTable + 8 * 3;
    const irqLines = [...new Set(this.actors.flatMap((a) => (a.line === undefined ? [] : [a.line])))];
    const lineWords = rcuCallbacks + RCU_CALLBACK_SLOTS * RCU_CALLBACK_WORDS;
    const lockKeys = lineWords + irqLines.length;
    // lockdep_set_class's table only where the text calls it: every other layout stays as it was.
    const lockKeySlots = /\blockdep_set_class\s*\(/.test(this.text) ? LOCK_KEY_SLOTS : 0;
    // Each task's task_works (head, and the file being released), only where files are built in.
    const taskWorks = lockKeys + 2 * lockKeySlots;
    const taskWorkWords = this.fileStructs ? TASK_WORK_WORDS * this.actors.length : 0;
    const heapStart = taskWorks + taskWorkWords;
    this.addWorkClasses();
    this.layOutVcpus();

    // Pass 3: bodies.
    for (const f of this.fns) this.bindBody(f, f.decl.body, f.decl.params);
    for (const a of this.actors) if (!a.callback) this.bindBody(a, a.decl.body, []);
    this.resolveIndirectCalls();
    for (const c of this.fnValueChecks) this.checkFnSignature(c.e, c.target);
    this.checkFileForms();

    for (const line of this.requestedLines) this.staticInit.push([lineWords + irqLines.indexOf(line), 1]);
    for (const cls of this.lockClasses) {
      if (!this.classNamed.has(cls.id)) cls.name = cls.global ? cls.global.name : `${cls.field!.owner.name}->${cls.field!.name}`;
    }
    if (this.actors.length === 0 && !this.diagnostics.some((d) => d.severity === 'error')) {
      this.warn({ start: 0, end: 0 }, 'the scenario has no actors (thread, vcpu, irq, work): nothing runs', 'no-actors');
    }
    return {
      title: this.title,
      structs: this.structs,
      globals: this.globals,
      fns: this.fns,
      actors: this.actors,
      consts: this.consts,
      lockClasses: this.lockClasses,
      requestNames: this.requestNames,
      occurrences: this.occurrences,
      exprTypes: this.exprTypes,
      sizes: this.sizes,
      nameSyms: this.nameSyms,
      calls: this.calls,
      localDecls: this.localDecls,
      localScopes: this.localScopes,
      configs: this.configs,
      ...(this.expect ? { expect: this.expect } : {}),
      diagnostics: this.diagnostics,
      layout: { globalsEnd, actorWords, rcuWord, fdTable, rcuCallbacks, irqLines, lineWords, lockKeys, lockKeySlots, taskWorks, taskWorkWords, heapStart },
      staticInit: this.staticInit,
      staticPointerWords: this.staticPointerWords,
      staticStrings: this.staticStrings,
      structPointerOffsets: this.structs.map((s) => pointerOffsets({ k: 'struct', s })),
      ...(this.vcpuLayout ? { vcpuLayout: this.vcpuLayout } : {}),
    };
  }

  // ---------- struct kvm_vcpu ----------

  /**
   * `struct kvm_vcpu` is built in when the scenario runs vCPUs or names the struct: its own
   * fields (mode, requests, mutex, vcpu_id, and kvm when there is a struct kvm) come first,
   * then the scenario's. A scenario's declaration adds fields; one the built-in struct has may
   * be redeclared with the same type, and is then that field.
   */
  private declareVcpuStruct(): void {
    const declared = this.structByName.get('kvm_vcpu');
    const needed = declared !== undefined
      || this.program.decls.some((d) => d.kind === 'Actor' && d.actorKind === 'vcpu')
      || /\bstruct\s+kvm_vcpu\b/.test(this.text);
    if (!needed) return;
    const builtinTypes: Record<(typeof KVM_VCPU_FIELDS)[number], A.TypeNode | undefined> = {
      mutex: builtinScalar('mutex'),
      mode: builtinScalar('int'),
      requests: builtinScalar('int'),
      vcpu_id: builtinScalar('int'),
      wait: builtinScalar('int'),
      kvm: this.structByName.has('kvm') ? builtinPointer(builtinStruct('kvm')) : undefined,
    };
    this.vcpuStruct = this.declareBuiltinStruct('kvm_vcpu', KVM_VCPU_FIELDS.map((name) => [name, builtinTypes[name]] as const));
  }

  /**
   * `struct file`, `struct file_operations` and `struct inode` are built in when the scenario
   * names them or uses the file primitives (fget, fput, anon_inode_getfile, fd_install): the
   * file's f_op, f_inode, private_data, f_count and f_task_work (the link the last fput queues
   * it by, see files.ts), and the ops table's release and unlocked_ioctl. A scenario's own
   * declarations add fields, as for struct kvm_vcpu.
   */
  private declareFileStructs(): void {
    const needed = /\bstruct\s+(file|file_operations|inode)\b/.test(this.text)
      || /\b(fget|fput|get_file|anon_inode_getfile|fd_install)\s*\(/.test(this.text);
    if (!needed) return;
    this.fileStructs = true;
    if (!this.structByName.has('inode')) this.declareBuiltinStruct('inode', []);
    // Declared first without its fields: the ops table's function pointers name it.
    if (!this.structByName.has('file')) this.declareBuiltinStruct('file', []);
    const fileP = builtinPointer(builtinStruct('file'));
    const fnPtr = (returns: A.TypeNode, ...params: A.TypeNode[]): A.TypeNode => ({
      kind: 'FnPtrType', returns, span: BUILTIN_SPAN,
      params: params.map((type, i) => ({ kind: 'Param', type, name: builtinId(`a${i}`), span: BUILTIN_SPAN }) as A.Param),
    });
    this.declareBuiltinStruct('file_operations', FILE_OPERATIONS_FIELDS.map((name) => [name, name === 'release'
      ? fnPtr(builtinScalar('int'), builtinPointer(builtinStruct('inode')), fileP)
      : fnPtr({ ...builtinScalar('int'), bytes: 8, spelling: 'long' }, fileP, builtinScalar('int'), { ...builtinScalar('int'), bytes: 8, spelling: 'unsigned long' })] as const));
    const types: Record<(typeof FILE_FIELDS)[number], A.TypeNode> = {
      f_op: builtinPointer(builtinStruct('file_operations')),
      f_inode: builtinPointer(builtinStruct('inode')),
      private_data: builtinPointer(builtinScalar('void')),
      f_count: builtinScalar('atomic_t'),
      f_task_work: builtinPointer(builtinStruct('file')),
    };
    this.declareBuiltinStruct('file', FILE_FIELDS.map((name) => [name, types[name]] as const));
  }

  /**
   * A struct the model builds in: its own fields (those with a type) come first, then the
   * scenario's. A scenario's declaration adds fields; one the built-in struct has may be
   * redeclared with the same type, and is then that field.
   */
  private declareBuiltinStruct(name: string, builtinFields: readonly (readonly [string, A.TypeNode | undefined])[]): StructSymbol {
    const declared = this.structByName.get(name);
    const own = declared?.decl.fields ?? [];
    const fields: A.FieldDecl[] = [];
    for (const [fname, type] of builtinFields) {
      if (!type) continue;
      const mine = own.find((f) => f.name.name === fname);
      const mineT = mine ? this.resolveType(mine.type, true) : undefined;
      const builtinT = this.resolveType(type, true);
      if (mine && mine.length === undefined && mineT && sameFieldType(mineT, builtinT)) {
        fields.push(mine);
      } else {
        if (mine) {
          this.error(mine.span, `struct ${name} has a built-in field '${fname}' of type ${typeName(builtinT)}; redeclare it with that type or leave it out`, 'builtin-field');
        }
        fields.push({ kind: 'Field', type, name: builtinId(fname), span: BUILTIN_SPAN });
      }
    }
    for (const f of own) if (!builtinFields.some(([n]) => n === f.name.name)) fields.push(f);
    const decl: A.StructDecl = { kind: 'Struct', name: declared?.decl.name ?? builtinId(name), fields, span: declared?.decl.span ?? BUILTIN_SPAN };
    if (declared) {
      (declared as { decl: A.StructDecl }).decl = decl;
      return declared;
    }
    const s: StructSymbol = { kind: 'struct', name, decl, index: this.structs.length, fields: [], size: 0 };
    this.structs.push(s);
    this.structByName.set(s.name, s);
    return s;
  }

  /** The static address of the struct kvm_vcpu a vCPU is bound to (`&kvm.vcpus[0]`). */
  private vcpuBinding(e: A.Expr): number | undefined {
    const t = this.bindExpr(e);
    const inner = e.kind === 'AddressOf' ? e.operand : e;
    const addr = this.staticAddress(inner);
    const isVcpu = (t.k === 'struct' && t.s === this.vcpuStruct) || (t.k === 'ptr' && t.to.k === 'struct' && t.to.s === this.vcpuStruct);
    if (!isVcpu) {
      if (t.k !== 'any') this.error(e.span, `a vcpu is bound to a struct kvm_vcpu, but this is ${article(typeName(t))} ${typeName(t)}`, 'bad-binding');
      return undefined;
    }
    if (addr === undefined) {
      this.error(e.span, 'a vcpu is bound to a static struct kvm_vcpu (a global, or a field or constant index of one: &kvm.vcpus[0])', 'bad-binding');
      return undefined;
    }
    return addr;
  }

  /** The address of a static place (a global, its fields, constant indices), or undefined. */
  private staticAddress(e: A.Expr): number | undefined {
    switch (e.kind) {
      case 'Name': {
        const g = this.nameSyms.get(e.id);
        return g?.kind === 'global' ? g.address : undefined;
      }
      case 'Member': {
        const ot = this.exprTypes.get(e.object);
        const f = this.nameSyms.get(e.field);
        if (ot?.k !== 'struct' || f?.kind !== 'field') return undefined;
        const base = this.staticAddress(e.object);
        return base === undefined ? undefined : base + f.offset;
      }
      case 'Index': {
        const ot = this.exprTypes.get(e.object);
        const i = this.constValue(e.index);
        const base = this.staticAddress(e.object);
        if (ot?.k !== 'array' || i === undefined || base === undefined || i < 0 || i >= ot.n) return undefined;
        return base + i * sizeOf(ot.of);
      }
      case 'AddressOf':
        return this.staticAddress(e.operand);
      default:
        return undefined;
    }
  }

  /**
   * The vCPU slots (kvm_get_vcpu's order) and the static values of each instance's built-in
   * fields: `kvm` is the struct kvm global the instance sits in, or, for a vCPU's own
   * instance, the scenario's one global struct kvm (NULL when it has none or several);
   * `vcpu_id` is its position among the vCPUs of that kvm.
   */
  private layOutVcpus(): void {
    const s = this.vcpuStruct;
    if (!s) return;
    const off = (name: string): number => s.fields.find((f) => f.name === name)?.offset ?? -1;
    const kvmStruct = this.structByName.get('kvm');
    const kvmGlobals = this.globals.filter((g) => g.type.k === 'struct' && g.type.s === kvmStruct);
    const onlyKvm = kvmGlobals.length === 1 ? kvmGlobals[0]!.address : 0;
    const bound = new Set<number>();
    const instances: number[] = [];
    for (const a of this.actors) {
      if (a.vcpu !== undefined && !bound.has(a.vcpu)) {
        bound.add(a.vcpu);
        instances.push(a.vcpu);
      }
    }
    const containerOf = new Map<number, number>();
    for (const g of this.globals) {
      for (const o of structOffsets(g.type, s)) {
        const addr = g.address + o;
        if (g.type.k === 'struct' && g.type.s === kvmStruct) containerOf.set(addr, g.address);
        if (!bound.has(addr)) instances.push(addr);
      }
    }
    const end = this.globalsEnd();
    for (const a of this.actors) {
      if (a.vcpu === undefined || a.vcpu < end) continue;
      // A vCPU's own instance: a static object like a global's.
      containerOf.set(a.vcpu, onlyKvm);
      for (const o of listHeadOffsets({ k: 'struct', s })) this.staticInit.push([a.vcpu + o, a.vcpu + o], [a.vcpu + o + 1, a.vcpu + o]);
      for (const o of pointerOffsets({ k: 'struct', s })) this.staticPointerWords.push(a.vcpu + o);
    }
    const kvmOff = off('kvm');
    const perKvm = new Map<number, number>();
    for (const addr of instances) {
      const kvm = containerOf.get(addr) ?? 0;
      const n = perKvm.get(kvm) ?? 0;
      perKvm.set(kvm, n + 1);
      if (kvmOff >= 0 && kvm !== 0) this.staticInit.push([addr + kvmOff, kvm]);
      if (n !== 0) this.staticInit.push([addr + off('vcpu_id'), n]);
    }
    this.vcpuLayout = { struct: s.index, mode: off('mode'), requests: off('requests'), vcpuId: off('vcpu_id'), wait: off('wait'), kvm: kvmOff, instances };
  }

  /** End of the globals proper (a vCPU's own instance sits after it). */
  private globalsEnd(): number {
    let end = 1;
    for (const g of this.globals) end = Math.max(end, g.address + sizeOf(g.type));
    return end;
  }

  // ---------- diagnostics ----------

  private error(span: A.Span, message: string, code: string, related?: RelatedInfo[]): void {
    this.diagnostics.push({ severity: 'error', message, span, code, ...(related ? { related } : {}) });
  }
  private warn(span: A.Span, message: string, code: string): void {
    this.diagnostics.push({ severity: 'warning', message, span, code });
  }
  private occur(id: A.Identifier, sym: Sym, def: boolean): void {
    if (id.missing || !id.name) return;
    this.nameSyms.set(id, sym);
    this.occurrences.push({ span: id.span, sym, def });
  }

  // ---------- declarations ----------

  private declareStruct(d: A.StructDecl): void {
    if (!d.name.name) return;
    const model = KERNEL_STRUCTS.get(d.name.name);
    if (model) {
      this.error(d.name.span, `struct ${d.name.name} is the model's ${model}: use it without declaring it (struct ${d.name.name} lock;)`, 'redeclared-builtin');
      return;
    }
    const prev = this.structByName.get(d.name.name);
    if (prev) {
      this.error(d.name.span, `struct ${d.name.name} is already declared`, 'duplicate-declaration', [{ span: prev.decl.name.span, message: 'first declared here' }]);
      return;
    }
    const s: StructSymbol = { kind: 'struct', name: d.name.name, decl: d, index: this.structs.length, fields: [], size: 0 };
    this.structs.push(s);
    this.structByName.set(s.name, s);
    this.occur(d.name, s, true);
  }

  /** Lays out a struct's fields (embedded structs first); `visiting` catches recursion. */
  private layoutStruct(s: StructSymbol, visiting: Set<StructSymbol>): void {
    if (s.fields.length > 0 || s.size > 0 || s.decl.fields.length === 0) return;
    if (visiting.has(s)) return;
    visiting.add(s);
    let offset = 0;
    const seen = new Map<string, A.FieldDecl>();
    for (const f of s.decl.fields) {
      let type = this.resolveType(f.type, true);
      if (type.k === 'void') {
        this.error(f.type.span, `a field cannot be void (a pointer can: void *${f.name.name})`, 'void-variable');
        type = INT;
      }
      if (type.k === 'struct') {
        if (visiting.has(type.s)) {
          this.error(f.type.span, `struct ${s.name} cannot contain itself (use a pointer: struct ${type.s.name} *)`, 'recursive-struct');
          type = INT;
        } else {
          this.layoutStruct(type.s, visiting);
        }
      }
      const n = this.arrayLength(f);
      if (n !== undefined) type = { k: 'array', of: type, n };
      if (!f.name.name) continue;
      const dup = seen.get(f.name.name);
      if (dup) {
        this.error(f.name.span, `field '${f.name.name}' is already declared in struct ${s.name}`, 'duplicate-declaration', [{ span: dup.name.span, message: 'first declared here' }]);
        continue;
      }
      seen.set(f.name.name, f);
      const field: FieldSymbol = { kind: 'field', name: f.name.name, type, offset, decl: f, owner: s };
      // Field locks get their class now (the type carries it).
      const withClass = this.withLockClass(type, { field });
      const final: FieldSymbol = withClass === type ? field : { ...field, type: withClass };
      if (withClass !== type) this.reassignClassOwner(withClass, final);
      s.fields.push(final);
      this.occur(f.name, final, true);
      offset += sizeOf(final.type);
    }
    s.size = Math.max(offset, 1);
    visiting.delete(s);
  }

  private reassignClassOwner(t: Ty, field: FieldSymbol): void {
    const base = t.k === 'array' ? t.of : t;
    if (base.k === 'lock') {
      const cls = this.lockClasses[base.cls]!;
      (cls as { field?: FieldSymbol }).field = field;
      this.classOfDecl.set(field, base.cls);
    }
  }

  /** Gives a lock type (or an array of locks) a fresh lock class. */
  private withLockClass(t: Ty, owner: { field?: FieldSymbol; global?: GlobalSymbol }): Ty {
    if (t.k === 'array') {
      const of = this.withLockClass(t.of, owner);
      return of === t.of ? t : { k: 'array', of, n: t.n };
    }
    if (t.k === 'xarray' && !t.idr && t.cls < 0) {
      // lockdep names every XArray's lock after xa_init_flags' spin_lock_init: &xa->xa_lock, #n after the first.
      const id = this.lockClasses.length;
      const n = this.lockClasses.filter((c) => c.name.startsWith('&xa->xa_lock')).length;
      this.lockClasses.push({ id, lock: 'spinlock', name: n === 0 ? '&xa->xa_lock' : `&xa->xa_lock#${n + 1}`, declSpan: owner.field ? owner.field.decl.span : owner.global!.decl.span });
      this.classNamed.add(id);
      return { ...t, cls: id };
    }
    if (t.k === 'lockkey' && t.cls < 0) {
      // A static lock_class_key is a class of its own, named after the key (lockdep_set_class).
      const id = this.lockClasses.length;
      this.lockClasses.push({ id, lock: 'mutex', name: owner.global ? owner.global.name : `${owner.field!.owner.name}->${owner.field!.name}`, declSpan: owner.field ? owner.field.decl.span : owner.global!.decl.span });
      this.classNamed.add(id);
      return { ...t, cls: id };
    }
    if (t.k !== 'lock') return t;
    const id = this.lockClasses.length;
    const declSpan = owner.field ? owner.field.decl.span : owner.global!.decl.span;
    this.lockClasses.push({
      id, lock: t.lock, name: owner.global ? owner.global.name : `${owner.field!.owner.name}->${owner.field!.name}`, declSpan,
      ...(owner.field ? { field: owner.field } : {}), ...(owner.global ? { global: owner.global } : {}),
    });
    return { k: 'lock', lock: t.lock, cls: id };
  }

  private resolveType(t: A.TypeNode, inStruct: boolean): Ty {
    switch (t.kind) {
      case 'ScalarType':
        switch (t.name) {
          case 'int':
            return t.spelling !== undefined || t.bytes !== undefined
              ? { k: 'int', ...(t.bytes !== undefined ? { bytes: t.bytes } : {}), ...(t.spelling !== undefined ? { spelling: t.spelling } : {}) }
              : INT;
          case 'void':
            return VOID;
          case 'bool':
            return BOOL;
          case 'list_head':
            return { k: 'list_head' };
          case 'atomic_t':
            return { k: 'atomic' };
          case 'kref':
          case 'refcount_t':
            // A kref is a refcount_t: one counter word, the same primitives' checks.
            return { k: 'kref' };
          case 'rcu_head':
            // struct rcu_head: call_rcu's link; the model never reads it.
            return RCU_HEAD;
          case 'wait_queue_head':
            return { k: 'waitq' };
          case 'rwlock_t':
            return { k: 'lock', lock: 'rwlock', cls: -1 };
          case 'work_struct':
          case 'delayed_work':
            return { k: 'work', delayed: t.name === 'delayed_work' };
          case 'timer_list':
          case 'hrtimer':
            return { k: 'timer', hr: t.name === 'hrtimer' };
          case 'completion':
            return { k: 'completion' };
          case 'workqueue_struct':
            return { k: 'workqueue' };
          case 'xarray':
          case 'idr':
            return { k: 'xarray', idr: t.name === 'idr', cls: -1 };
          case 'hlist_head':
          case 'hlist_node':
            return { k: 'hlist', node: t.name === 'hlist_node' };
          case 'lock_class_key':
            return { k: 'lockkey', cls: -1 };
          default:
            return { k: 'lock', lock: t.name, cls: -1 };
        }
      case 'StructType': {
        const s = this.structByName.get(t.name.name);
        if (!s) {
          if (t.name.name) this.error(t.name.span, `unknown struct '${t.name.name}'`, 'unknown-struct');
          return ANY;
        }
        this.occur(t.name, s, false);
        return { k: 'struct', s };
      }
      case 'PointerType': {
        const to = this.resolveType(t.to, inStruct);
        return { k: 'ptr', to };
      }
      case 'FnPtrType':
        if (t.untyped) return FNREF;
        return { k: 'fnref', sig: { params: t.params.map((p) => (p.type ? this.resolveType(p.type, inStruct) : INT)), returns: this.resolveType(t.returns, inStruct) } };
    }
  }

  /** A prototype and its definition must agree on the number of parameters. */
  private checkPrototypes(): void {
    for (const [name, proto] of this.prototypes) {
      const v = this.values.get(name);
      if (v?.kind !== 'fn') continue;
      this.occur(proto.name, v, false);
      const want = proto.params?.length ?? 0;
      if (v.decl.params.length !== want) {
        this.error(v.decl.name.span, `${name} is defined with ${v.decl.params.length} parameter${v.decl.params.length === 1 ? '' : 's'}, but its prototype has ${want}`, 'prototype-mismatch',
          [{ span: proto.name.span, message: 'the prototype' }]);
      }
    }
  }

  private declareName(id: A.Identifier, sym: GlobalSymbol | FnSymbol | ActorSymbol): boolean {
    if (!id.name) return false;
    const prev = this.values.get(id.name);
    if (prev) {
      this.error(id.span, `'${id.name}' is already declared`, 'duplicate-declaration', [{ span: prev.decl.name.span, message: 'first declared here' }]);
      return false;
    }
    const b = builtin(id.name);
    if (b && !(b.shorthand && sym.kind === 'fn')) {
      this.error(id.span, `'${id.name}' is a builtin primitive and cannot be redeclared`, 'redeclared-builtin');
      return false;
    }
    const c = this.consts.get(id.name);
    if (c?.decl) {
      this.error(id.span, `'${id.name}' is already declared`, 'duplicate-declaration', [{ span: c.decl.span, message: 'first declared here, as a constant' }]);
      return false;
    }
    if (c) {
      this.error(id.span, `'${id.name}' is a predefined constant and cannot be redeclared`, 'redeclared-builtin');
      return false;
    }
    this.values.set(id.name, sym);
    this.occur(id, sym, true);
    return true;
  }

  private declareGlobal(d: A.GlobalDecl, address: number): number {
    let type = this.resolveType(d.type, false);
    if (type.k === 'void') {
      this.error(d.type.span, `a variable cannot be void (a pointer can: void *${d.name.name})`, 'void-variable');
      type = INT;
    }
    const n = this.arrayLength(d);
    if (n !== undefined) type = { k: 'array', of: type, n };
    const placeholder: GlobalSymbol = { kind: 'global', name: d.name.name, type, address, decl: d };
    const typed = this.withLockClass(type, { global: placeholder });
    const sym: GlobalSymbol = typed === type ? placeholder : { ...placeholder, type: typed };
    if (typed !== type) {
      const base = typed.k === 'array' ? typed.of : typed;
      if (base.k === 'lock') {
        (this.lockClasses[base.cls] as { global?: GlobalSymbol }).global = sym;
        this.classOfDecl.set(sym, base.cls);
      }
    }
    if (!this.declareName(d.name, sym)) return address;
    this.globals.push(sym);
    const size = sizeOf(sym.type);
    let end = address + size;
    if (d.init?.kind === 'InitList') {
      this.staticInitList(d.init, sym.type, address);
    } else if (d.init) {
      if (!isScalar(sym.type)) this.error(d.init.span, `a ${typeName(sym.type)} cannot have an initialiser (a struct takes { .field = value, … })`, 'bad-initialiser');
      else this.staticScalar(d.init, sym.type, address, `'${d.name.name}'`);
    }
    // The string literals of the initialiser get their words after the variable's.
    for (const str of this.pendingStrings.splice(0)) {
      this.staticInit.push([str.at, end], [end, str.text.charCodeAt(0) || 0]);
      this.staticStrings.push({ address: end, text: str.text });
      end++;
    }
    // Static list heads start empty (LIST_HEAD_INIT); pointer words are leak roots.
    for (const off of listHeadOffsets(sym.type)) {
      this.staticInit.push([address + off, address + off], [address + off + 1, address + off]);
    }
    for (const off of pointerOffsets(sym.type)) this.staticPointerWords.push(address + off);
    return end;
  }

  /** `{ .a = 1, .b.c = f }` of a static struct: the initial words it sets. */
  private staticInitList(init: A.InitListExpr, type: Ty, address: number): void {
    this.exprTypes.set(init, type);
    if (type.k === 'any') return; // an unknown type, already reported
    if (type.k !== 'struct' && type.k !== 'array') {
      this.error(init.span, `a ${typeName(type)} is initialised with a value, not { … }`, 'bad-initialiser');
      return;
    }
    let position = 0;
    for (const item of init.items) {
      let t: Ty = type;
      let offset = 0;
      if (item.path.length === 0) {
        // A positional element: the next field (or array element).
        if (t.k === 'struct') {
          const f = t.s.fields[position++];
          if (!f) {
            this.error(item.span, `struct ${t.s.name} has no more fields to initialise`, 'bad-initialiser');
            continue;
          }
          t = f.type;
          offset = f.offset;
        } else if (t.k === 'array') {
          if (position >= t.n) {
            this.error(item.span, `the array has ${t.n} elements`, 'bad-initialiser');
            continue;
          }
          offset = position++ * sizeOf(t.of);
          t = t.of;
        }
      }
      let ok = true;
      for (const id of item.path) {
        const st = t.k === 'struct' ? t.s : undefined;
        const f = st?.fields.find((x) => x.name === id.name);
        if (!st || !f) {
          if (id.name) {
            this.error(id.span, st ? `struct ${st.name} has no field '${id.name}'${suggestFrom(id.name, st.fields.map((x) => x.name))}` : `a ${typeName(t)} has no fields`, 'unknown-field');
          }
          ok = false;
          break;
        }
        this.occur(id, f, false);
        t = f.type;
        offset += f.offset;
        if (st === (type.k === 'struct' ? type.s : undefined)) position = st.fields.indexOf(f) + 1;
      }
      if (!ok) continue;
      if (item.value.kind === 'InitList') {
        this.staticInitList(item.value, t, address + offset);
        continue;
      }
      if (!isScalar(t)) {
        this.error(item.value.span, `a ${typeName(t)} cannot be initialised with a value${t.k === 'lock' || t.k === 'list_head' ? ' (it starts unlocked / empty)' : ''}`, 'bad-initialiser');
        continue;
      }
      const field = item.path.length > 0 ? `.${item.path.map((id) => id.name).join('.')}` : 'this element';
      this.staticScalar(item.value, t, address + offset, field);
    }
  }

  /**
   * One static word's initialiser: a constant, a function's name (a fn field only; its
   * signature must fit), or a string literal (a char * field). `what` names the place.
   */
  private staticScalar(value: A.Expr, t: Ty, at: number, what: string): void {
    if (value.kind === 'String') {
      this.staticString(value, t, at);
      return;
    }
    if (value.kind === 'Name' && !this.consts.has(value.id.name)) {
      // A name other than a constant: a function, known once every fn is declared (an ops
      // table may come before the functions it names, after their prototypes). Its slot keeps
      // the order of the initialisers (a later designator wins, as in C).
      this.staticNames.push({ value, t, slot: this.staticInit.length, what });
      this.staticInit.push([at, 0]);
      return;
    }
    this.staticConstant(value, t, at, what);
  }

  /** The names in static initialisers, once every fn is declared: functions, or errors. */
  private bindStaticNames(): void {
    for (const { value, t, slot, what } of this.staticNames) {
      const at = this.staticInit[slot]![0];
      const named = this.values.get(value.id.name);
      if (named?.kind !== 'fn') {
        this.staticConstant(value, t, at, what);
        continue;
      }
      this.staticInit[slot] = [at, this.fnWord(value.id, value)];
      if (t.k === 'fnref') this.fnValueChecks.push({ e: value, target: t, what });
      else this.error(value.span, `${what} is ${article(typeName(t))} ${typeName(t)}, not a function pointer: ${named.name} can only initialise a fn field (void (*name)(…) or fn)`, 'wrong-type');
    }
  }

  private staticConstant(value: A.Expr, t: Ty, at: number, what: string): void {
    const named = value.kind === 'Name' ? this.values.get(value.id.name) : undefined;
    if (value.kind === 'Name' && !named && !this.consts.has(value.id.name)) {
      this.error(value.span, `unknown name '${value.id.name}'${this.suggestFn(value.id.name)}`, 'unknown-name');
      return;
    }
    const v = this.constValue(value);
    if (v === undefined) {
      const variable = named?.kind === 'global' ? `, but '${named.name}' is a variable` : '';
      this.error(value.span, `a static initialiser must be a constant or a function name${variable}${t.k === 'fnref' ? this.fnSuggestion(t) : ''}`, 'bad-initialiser');
    } else if (t.k === 'fnref' && v !== 0) {
      this.error(value.span, `${what} is a function pointer (${typeName(t)}): initialise it with a function's name or NULL, not a number${this.fnSuggestion(t)}`, 'wrong-type');
    } else if (v !== 0) this.staticInit.push([at, v]);
  }

  /** ` (e.g. kvm_device_release)`: a scenario fn that fits a fn type, for a suggestion. */
  private fnSuggestion(t: Ty): string {
    const params = t.k === 'fnref' ? t.sig?.params.length : undefined;
    const f = this.fns.find((x) => (params === undefined || x.decl.params.length === params) && this.fits(x, t, x.decl.params.length));
    return f ? ` (e.g. ${f.name})` : '';
  }

  /**
   * `.name = "kvm-xics"`: a string literal initialises a `char *` field with a static word of
   * its own (read-only, holding the first character), laid out after the struct's.
   */
  private staticString(e: A.StringLiteral, t: Ty, at: number): void {
    this.exprTypes.set(e, { k: 'ptr', to: { k: 'int', bytes: 1, spelling: 'char' } });
    if (t.k !== 'ptr' || (t.to.k !== 'int' && t.to.k !== 'any')) {
      this.error(e.span, `a string initialises a char * field, but this one is ${article(typeName(t))} ${typeName(t)}`, 'wrong-type');
      return;
    }
    this.pendingStrings.push({ at, text: e.value });
  }

  /** A function named in a static initialiser (an ops table): its word. */
  private fnWord(id: A.Identifier, e: A.Expr): number {
    const v = this.values.get(id.name) as FnSymbol;
    this.occur(id, v, false);
    this.exprTypes.set(e, FNREF);
    // A call through the table may reach it, as through any fn value.
    this.addressTaken.add(v);
    return fnValue(v.index);
  }

  private constValue(e: A.Expr): number | undefined {
    switch (e.kind) {
      case 'Number':
        return e.value;
      case 'Bool':
        return e.value ? 1 : 0;
      case 'Null':
        return 0;
      case 'Name': {
        const c = this.consts.get(e.id.name);
        if (c) {
          this.occur(e.id, c, false);
          return c.value;
        }
        return undefined;
      }
      case 'Unary': {
        const v = this.constValue(e.operand);
        if (v === undefined) return undefined;
        return e.op === '-' ? -v : e.op === '!' ? (v ? 0 : 1) : ~v;
      }
      case 'Cast':
        return this.constValue(e.operand);
      case 'Binary': {
        const l = this.constValue(e.left);
        const r = this.constValue(e.right);
        if (l === undefined || r === undefined || ((e.op === '/' || e.op === '%') && r === 0)) return undefined;
        return binop(e.op, l, r);
      }
      case 'Sizeof':
        return e.type ? byteSize(this.resolveType(e.type, false)) : undefined;
      default:
        return undefined;
    }
  }

  /** An array declarator's length: its number, or the value of the constant it names. */
  private arrayLength(d: { readonly length?: number; readonly lengthName?: A.Identifier }): number | undefined {
    if (d.length !== undefined) return d.length;
    const id = d.lengthName;
    if (!id) return undefined;
    const c = this.consts.get(id.name);
    if (!c) {
      this.error(id.span, `unknown constant '${id.name}' as an array length (declare it first: #define ${id.name} 4, or an enumerator)`, 'array-length');
      return 1;
    }
    this.occur(id, c, false);
    if (c.value < 1 || c.value > 4096) {
      this.error(id.span, `array length must be between 1 and 4096 (${id.name} is ${c.value})`, 'array-length');
      return Math.max(1, Math.min(c.value, 4096));
    }
    return c.value;
  }

  /** An enum's enumerators become constants, numbered as C numbers them. */
  private declareEnum(d: A.EnumDecl): void {
    const of = d.name ? `enum ${d.name.name}` : 'an anonymous enum';
    let next = 0;
    for (const m of d.members) next = (this.declareConstant(m.name, m.value, next, `An enumerator of ${of}.`) + 1) | 0;
  }

  /**
   * A named constant of the scenario (an enumerator, a #define): its value is `value`'s, or
   * `implicit` without one. Returns the value, for the next enumerator.
   */
  private declareConstant(id: A.Identifier, value: A.Expr | undefined, implicit: number, doc: string): number {
    let v = implicit;
    if (value) {
      const c = this.constValue(value);
      if (c === undefined && value.kind !== 'ErrorExpr') {
        this.error(value.span, `${id.name ? `'${id.name}': ` : ''}the value must be a constant (numbers, earlier enumerators and #defines, predefined constants, sizeof)`, 'not-constant');
      } else if (c !== undefined) v = c | 0;
    }
    const name = id.name;
    if (!name) return v;
    const prev = this.consts.get(name);
    if (prev?.decl) {
      this.error(id.span, `'${name}' is already declared`, 'duplicate-declaration', [{ span: prev.decl.span, message: 'first declared here' }]);
      return v;
    }
    if (prev) {
      this.error(id.span, `'${name}' is a predefined constant and cannot be redeclared`, 'redeclared-builtin');
      return v;
    }
    if (builtin(name)) {
      this.error(id.span, `'${name}' is a builtin primitive and cannot be redeclared`, 'redeclared-builtin');
      return v;
    }
    const sym: ConstSymbol = { kind: 'const', name, value: v, type: INT, doc, decl: id };
    this.consts.set(name, sym);
    this.occur(id, sym, true);
    return v;
  }

  private declareFn(d: A.FnDecl): void {
    const sym: FnSymbol = {
      kind: 'fn', name: d.name.name, decl: d, index: this.fns.length, params: [], locals: [],
      ...(d.returns ? { returns: this.resolveType(d.returns, false) } : {}),
    };
    if (!this.declareName(d.name, sym)) {
      if (d.name.name) return;
    }
    this.fns.push(sym);
  }

  private declareActor(d: A.ActorDecl): void {
    const sym: ActorSymbol = {
      kind: 'actor', name: d.name.name, actorKind: d.actorKind, cpu: d.cpu?.index ?? -1,
      description: d.description?.value ?? '', decl: d, index: this.actors.length, locals: [], words: 0,
      ...(d.line ? { line: d.line.index } : {}),
    };
    if (d.line && d.actorKind !== 'irq') this.error(d.line.span, `only an irq handler has an interrupt line; ${d.name.name} is a ${d.actorKind}`, 'line-not-irq');
    if (!d.name.name) return;
    if ((d.actorKind === 'init' || d.actorKind === 'final') && this.actors.some((a) => a.actorKind === d.actorKind)) {
      this.error(d.name.span, `a scenario has one ${d.actorKind} block`, 'duplicate-declaration');
      return;
    }
    // A check is not a name a scenario refers to; there may be many invariants.
    if (!isStateCheck(d.actorKind) && !this.declareName(d.name, sym)) return;
    if (d.actorKind === 'irq' && !d.cpu) this.error(d.name.span, `irq ${d.name.name} needs a CPU: irq ${d.name.name} on cpuN`, 'irq-needs-cpu');
    if (d.actorKind === 'work' && d.cpu) this.warn(d.cpu.span, 'a work item runs on a kworker of its own; the CPU is ignored', 'work-cpu');
    if (this.actors.length >= MAX_ACTORS) {
      this.error(d.name.span, `at most ${MAX_ACTORS} actors are supported`, 'too-many-actors');
      return;
    }
    this.actors.push(sym);
  }

  private assignCpus(): void {
    const used = new Set(this.actors.filter((a) => a.cpu >= 0 && a.actorKind !== 'work').map((a) => a.cpu));
    let next = 0;
    const fixed = this.actors.map((a) => {
      if ((a.cpu >= 0 && a.actorKind !== 'work') || a.actorKind === 'init' || isStateCheck(a.actorKind)) return a;
      while (used.has(next)) next++;
      used.add(next);
      return { ...a, cpu: next };
    });
    this.actors.splice(0, this.actors.length, ...fixed);
    for (const a of this.actors) if (!isStateCheck(a.actorKind)) this.values.set(a.name, a);
    // Occurrences recorded before now refer to the placeholder symbols; re-point them.
    const byDecl = new Map(this.actors.map((a) => [a.decl, a]));
    for (let i = 0; i < this.occurrences.length; i++) {
      const o = this.occurrences[i]!;
      if (o.sym.kind === 'actor') {
        const a = byDecl.get(o.sym.decl);
        if (a) {
          this.occurrences[i] = { ...o, sym: a };
          this.nameSyms.set(a.decl.name, a);
        }
      }
    }
  }

  private addWorkClasses(): void {
    // One (work_completion) class per work item: a declared work actor, or a work fn whose
    // kworkers share it (lockdep keys it by the INIT_WORK site).
    // A timer_list's callback likewise runs holding the timer's map (call_timer_fn), which
    // del_timer_sync takes.
    const byCallback = new Map<string, number>();
    const withClasses = this.actors.map((a) => {
      if (a.actorKind !== 'work' && a.callback?.kind !== 'timer') return finalActor(a, undefined);
      const key = a.callback ? `${a.callback.kind}:${a.callback.fn}` : undefined;
      let id = key === undefined ? undefined : byCallback.get(key);
      if (id === undefined) {
        id = this.lockClasses.length;
        const text = (key !== undefined ? this.callbackInits.get(key) : undefined) ?? a.name;
        this.lockClasses.push({ id, lock: 'mutex', name: a.callback?.kind === 'timer' ? `(${text})` : `(work_completion)(${text})`, declSpan: a.decl.name.span });
        this.classNamed.add(id);
        if (key !== undefined) byCallback.set(key, id);
      }
      return finalActor(a, id);
    });
    this.actors.splice(0, this.actors.length, ...withClasses);
    for (const a of this.actors) if (!a.callback) this.values.set(a.name, a);
    for (let i = 0; i < this.occurrences.length; i++) {
      const o = this.occurrences[i]!;
      if (o.sym.kind === 'actor') this.occurrences[i] = { ...o, sym: this.actors[o.sym.index]! };
    }
    for (const a of this.actors) if (!a.callback && this.nameSyms.get(a.decl.name)?.kind === 'actor') this.nameSyms.set(a.decl.name, a);
  }

  /**
   * The actors the machine starts at run time (Exec.spawn): for every fn a scenario registers
   * as a callback, a few kworkers (INIT_WORK: KWORKERS_PER_FN of them, so as many work items
   * of one fn can run at once) or one timer context per CPU that tasks run on (timer_setup,
   * hrtimer_setup, `timer.function = fn`). Each is idle until its item is queued or armed.
   */
  private addCallbackActors(): void {
    const found = new Map<string, { fn: FnSymbol; kind: CallbackKind; text: string }>();
    // The walk below visits every node; a text that names no registration has nothing to find.
    if (CALLBACK_WORDS.test(this.text)) forEachNode(this.program.decls, (n) => {
      let fnName: string | undefined;
      let kind: CallbackKind | undefined;
      let target: A.Expr | undefined;
      if (n.kind === 'Call') {
        kind = CALLBACK_REGISTRATIONS[n.callee.name];
        const a = n.args[1];
        if (kind && a?.kind === 'Name') fnName = a.id.name;
        target = n.args[0];
      } else if (n.kind === 'Assign' && n.target.kind === 'Member' && n.target.field.name === 'function' && n.value?.kind === 'Name') {
        kind = 'hrtimer';
        fnName = n.value.id.name;
        target = n.target.object;
      }
      const v = fnName ? this.values.get(fnName) : undefined;
      if (!kind || v?.kind !== 'fn' || found.has(`${kind}:${v.index}`)) return;
      const text = target ? this.text.slice(target.span.start, target.span.end).trim() : v.name;
      found.set(`${kind}:${v.index}`, { fn: v, kind, text: text.startsWith('&') ? text : `&${text}` });
    });
    const taskCpus = [...new Set(this.actors.filter((a) => a.actorKind === 'thread' || a.actorKind === 'vcpu').map((a) => a.cpu))].sort((x, y) => x - y);
    let nextCpu = Math.max(-1, ...this.actors.map((a) => a.cpu)) + 1;
    for (const { fn, kind, text } of found.values()) {
      this.callbackInits.set(`${kind}:${fn.index}`, text);
      const cpus = kind === 'work' ? Array.from({ length: KWORKERS_PER_FN }, () => nextCpu++) : taskCpus.length > 0 ? taskCpus : [nextCpu++];
      cpus.forEach((cpu, i) => {
        if (this.actors.length >= MAX_ACTORS) {
          this.error(fn.decl.name.span, `at most ${MAX_ACTORS} actors are supported, counting ${fn.name}'s ${kind === 'work' ? 'kworkers' : 'timer contexts'}`, 'too-many-actors');
          return;
        }
        const name = kind === 'work' ? (i === 0 ? fn.name : `${fn.name}#${i + 1}`) : cpus.length > 1 ? `${fn.name}/cpu${cpu}` : fn.name;
        const decl: A.ActorDecl = {
          kind: 'Actor', actorKind: kind === 'work' ? 'work' : 'irq', name: { ...fn.decl.name }, body: fn.decl.body, span: fn.decl.span,
        };
        this.actors.push({
          kind: 'actor', name, actorKind: decl.actorKind, cpu, decl, index: this.actors.length, locals: [], words: 0,
          description: kind === 'work' ? `kworker running ${fn.name}(${text})` : `${kind === 'timer' ? 'timer softirq' : 'hrtimer interrupt'} running ${fn.name}(${text})`,
          callback: { fn: fn.index, kind },
        });
      });
    }
  }

  private declareExpect(d: A.ExpectDecl): void {
    const kinds: ViolationKind[] = [];
    for (const k of d.kinds) {
      if ((VIOLATION_KINDS as readonly string[]).includes(k.name)) kinds.push(k.name as ViolationKind);
      else this.error(k.span, `unknown violation kind '${k.name}' (one of: ${VIOLATION_KINDS.join(', ')})`, 'unknown-kind');
    }
    if (this.expect) {
      this.expect = { none: this.expect.none && d.none, kinds: [...this.expect.kinds, ...kinds], span: this.expect.span };
    } else {
      this.expect = { none: d.none, kinds, span: d.span };
    }
    if (this.expect.none && this.expect.kinds.length > 0) {
      this.error(d.span, "'expect no violation' contradicts the expected kinds", 'contradictory-expect');
    }
  }

  // ---------- bodies ----------

  private bindBody(owner: FnSymbol | ActorSymbol, body: A.BlockStmt, params: readonly A.Param[]): void {
    this.owner = owner;
    this.ownerLocals = [];
    this.scope = { names: new Map() };
    this.loopDepth = 0;
    this.switchDepth = 0;
    this.collectLabels(body);
    for (const p of params) {
      const type = p.type ? this.resolveType(p.type, false) : INT;
      const local = this.declareLocal(p.name, type, true, { start: p.span.start, end: body.span.end });
      if (local) {
        this.localDecls.set(p, local);
        if (owner.kind === 'fn') owner.params.push(local);
      }
    }
    this.bindBlock(body, true);
    for (const [name, l] of this.labels) {
      if (!this.usedLabels.has(name)) this.warn(l.span, `label '${name}' is never used (no goto ${name};)`, 'unused-label');
    }
    owner.locals = this.ownerLocals;
    this.owner = undefined;
    this.scope = undefined;
  }

  private declareLocal(id: A.Identifier, type: Ty, param: boolean, visible: A.Span, implicit = false): LocalSymbol | undefined {
    if (!id.name || !this.owner || !this.scope) return undefined;
    const prev = this.scope.names.get(id.name);
    if (prev) {
      this.error(id.span, `'${id.name}' is already declared in this block`, 'duplicate-declaration', [{ span: prev.span, message: 'first declared here' }]);
      return undefined;
    }
    if (isSharedObject(type)) {
      this.error(id.span, `a local cannot be a ${typeName(type)}: shared objects are declared at the top level or inside a struct (locals may point to them)`, 'shared-type-local');
    }
    const local: LocalSymbol = {
      kind: 'local', name: id.name, type, slot: this.ownerLocals.length, span: id.span, param, owner: this.owner,
      ...(implicit ? { implicit } : {}),
    };
    this.ownerLocals.push(local);
    this.scope.names.set(id.name, local);
    this.localScopes.push({ local, visible });
    this.occur(id, local, true);
    return local;
  }

  private withScope<T>(f: () => T): T {
    this.scope = { parent: this.scope, names: new Map() };
    try {
      return f();
    } finally {
      this.scope = this.scope.parent;
    }
  }

  private blockEnd = 0;
  /** The labels of the body being bound (a label's scope is its whole function). */
  private labels = new Map<string, A.Identifier>();
  private usedLabels = new Set<string>();
  private switchDepth = 0;

  private collectLabels(body: A.BlockStmt): void {
    this.labels = new Map();
    this.usedLabels = new Set();
    const walk = (st: A.Stmt): void => {
      switch (st.kind) {
        case 'Label': {
          const prev = this.labels.get(st.label.name);
          if (prev) this.error(st.label.span, `label '${st.label.name}' is already defined in this function`, 'duplicate-declaration', [{ span: prev.span, message: 'first defined here' }]);
          else this.labels.set(st.label.name, st.label);
          return;
        }
        case 'Block':
          st.body.forEach(walk);
          return;
        case 'If':
          walk(st.then);
          if (st.else) walk(st.else);
          return;
        case 'While':
        case 'DoWhile':
        case 'For':
        case 'ListForEach':
        case 'Switch':
          walk(st.body);
          return;
        case 'Choose':
          st.branches.forEach(walk);
          return;
        default:
          return;
      }
    };
    walk(body);
  }
  /** container_of's struct and pointer, from its first two arguments, for its member. */
  private containerOf: StructSymbol | undefined;
  private containerPtr: Ty | undefined;

  private bindBlock(b: A.BlockStmt, sameScope = false): void {
    const run = (): void => {
      const saved = this.blockEnd;
      this.blockEnd = b.span.end;
      for (const s of b.body) this.bindStmt(s);
      this.blockEnd = saved;
    };
    if (sameScope) run();
    else this.withScope(run);
  }

  private bindStmt(s: A.Stmt): void {
    switch (s.kind) {
      case 'Block':
        this.bindBlock(s);
        return;
      case 'VarDecl': {
        let type = this.resolveType(s.type, false);
        if (type.k === 'void') {
          this.error(s.type.span, `a variable cannot be void (a pointer can: void *${s.name.name})`, 'void-variable');
          type = INT;
        }
        if (s.init) {
          // In C the declarator is in scope in its own initialiser: p = kzalloc(sizeof(*p), …).
          this.declaring = { name: s.name.name, type };
          const it = s.init.kind === 'InitList' ? this.localInitList(s.init) : this.bindValue(s.init, type);
          this.declaring = undefined;
          this.checkPointerArg(s.init, it, type, `'${s.name.name}'`);
        }
        const local = this.declareLocal(s.name, type, false, { start: s.span.start, end: this.blockEnd || s.span.end });
        if (local) this.localDecls.set(s, local);
        return;
      }
      case 'DeclGroup':
        for (const d of s.decls) this.bindStmt(d);
        return;
      case 'Assign': {
        const t = this.bindExpr(s.target);
        this.checkAssignable(s.target, t);
        if (s.value) {
          const vt = s.value.kind === 'InitList' ? this.localInitList(s.value) : this.bindValue(s.value, t);
          if (s.op === '=') this.checkPointerArg(s.value, vt, t, exprText(this.text, s.target));
        }
        return;
      }
      case 'Goto':
        if (!s.label.name) return;
        if (this.labels.has(s.label.name)) {
          this.usedLabels.add(s.label.name);
        } else {
          this.error(s.label.span, `no label '${s.label.name}' in this function${suggestFrom(s.label.name, [...this.labels.keys()])}`, 'unknown-label');
        }
        return;
      case 'Label':
        return;
      case 'Switch':
        this.bindValue(s.disc, INT);
        this.switchDepth++;
        this.loopDepth++;
        this.bindSwitchCases(s);
        this.withScope(() => this.bindStmt(s.body));
        this.loopDepth--;
        this.switchDepth--;
        return;
      case 'Case':
        if (this.switchDepth === 0) this.error(s.span, `'${s.value ? 'case' : 'default'}' outside a switch`, 'outside-switch');
        else if (!this.directCases.has(s)) this.error(s.span, `'${s.value ? 'case' : 'default'}' must be directly inside the switch's braces, not in a nested block`, 'outside-switch');
        return;
      case 'ExprStmt': {
        const e = s.expr;
        if (e.kind === 'Call') {
          this.bindCall(e, true);
        } else if (e.kind === 'Cast' && e.operand.kind === 'Call') {
          this.bindExpr(e); // `(void)kvm_put_kvm(kvm);`
        } else {
          this.bindExpr(e);
          this.warn(e.span, 'this expression has no effect', 'no-effect');
        }
        return;
      }
      case 'If':
        this.bindCond(s.cond);
        this.withScope(() => this.bindStmt(s.then));
        if (s.else) this.withScope(() => this.bindStmt(s.else!));
        return;
      case 'While':
        this.bindCond(s.cond);
        this.loopDepth++;
        this.withScope(() => this.bindStmt(s.body));
        this.loopDepth--;
        return;
      case 'DoWhile':
        this.loopDepth++;
        this.withScope(() => this.bindStmt(s.body));
        this.loopDepth--;
        this.bindCond(s.cond);
        return;
      case 'For':
        this.withScope(() => {
          if (s.init) this.bindStmt(s.init);
          if (s.cond) this.bindCond(s.cond);
          if (s.step) this.bindStmt(s.step);
          this.loopDepth++;
          this.bindStmt(s.body);
          this.loopDepth--;
        });
        return;
      case 'Return':
        if (s.value) this.bindValue(s.value, ANY);
        if (this.owner?.kind === 'fn' && this.owner.returns?.k === 'void' && s.value) {
          this.error(s.value.span, `${this.owner.name} returns void: return without a value`, 'void-return');
        }
        if (s.value && this.owner?.kind === 'actor') this.warn(s.value.span, 'an actor\'s return value is ignored', 'actor-return-value');
        return;
      case 'Break':
        if (this.loopDepth === 0) this.error(s.span, "'break' outside a loop or switch", 'outside-loop');
        return;
      case 'Continue':
        // loopDepth counts switches too (a break leaves them); a continue needs a real loop.
        if (this.loopDepth - this.switchDepth <= 0) this.error(s.span, "'continue' outside a loop", 'outside-loop');
        return;
      case 'Choose':
        for (const b of s.branches) this.bindBlock(b);
        return;
      case 'ListForEach':
        this.bindListForEach(s);
        return;
      case 'VcpuForEach':
        this.bindVcpuForEach(s);
        return;
      case 'ErrorStmt':
        return;
    }
  }

  /** A switch's case values are constants, each at most once, with at most one default. */
  private bindSwitchCases(s: A.SwitchStmt): void {
    const seen = new Map<number, A.Span>();
    let dflt: A.Span | undefined;
    for (const c of s.body.body) {
      if (c.kind !== 'Case') continue;
      this.directCases.add(c);
      if (!c.value) {
        if (dflt) this.error(c.span, "a second 'default' in this switch", 'duplicate-case', [{ span: dflt, message: 'the first default' }]);
        dflt = c.span;
        continue;
      }
      this.bindValue(c.value, INT);
      const v = this.constValue(c.value);
      if (v === undefined) {
        this.error(c.value.span, 'a case value must be a constant (a number or a predefined constant)', 'case-not-constant');
        continue;
      }
      const prev = seen.get(v);
      if (prev) this.error(c.value.span, `duplicate case value ${v}`, 'duplicate-case', [{ span: prev, message: 'the first case with this value' }]);
      else seen.set(v, c.value.span);
    }
  }

  /**
   * The type `sizeof` measures (its size is recorded). `sizeof(*p)` in p's own initialiser
   * measures what p is declared to point to, as in C.
   */
  private sizeofType(e: A.SizeofExpr): Ty {
    let of: Ty = ANY;
    const op = e.operand;
    const pending = this.declaring;
    if (e.type) of = this.resolveType(e.type, false);
    else if (op?.kind === 'Deref' && op.operand.kind === 'Name' && pending && op.operand.id.name === pending.name && !this.lookupLocal(pending.name)) {
      of = pending.type.k === 'ptr' ? pending.type.to : ANY;
      this.exprTypes.set(op, of);
    } else if (op) of = this.bindExpr(op);
    this.sizes.set(e, byteSize(of));
    return of;
  }

  /** `{ … }` as a local's initialiser or an assigned value: only for static structs. */
  private localInitList(e: A.InitListExpr): Ty {
    this.error(e.span, 'a { … } initialiser is for a shared struct declared at the top level (a local is a scalar or a pointer)', 'bad-initialiser');
    return ANY;
  }

  private bindListForEach(s: A.ListForEachStmt): void {
    const headT = this.bindExpr(s.head);
    // list_for_each_entry walks list_head members from a list_head; hlist_for_each_entry hlist_node members from an hlist_head.
    const isMember = (t: Ty): boolean => (s.hlist ? t.k === 'hlist' && t.node : t.k === 'list_head');
    const memberType = s.hlist ? 'hlist_node' : 'list_head';
    const headOk = s.hlist ? headT.k === 'hlist' && !headT.node : headT.k === 'list_head';
    if (!headOk && headT.k !== 'any') {
      const fix = s.hlist && headT.k === 'list_head' ? ' (use list_for_each_entry)' : !s.hlist && headT.k === 'hlist' ? ' (use hlist_for_each_entry)' : '';
      this.error(s.head.span, `${s.hlist ? 'hlist_for_each_entry needs a struct hlist_head' : 'list_for_each_entry needs a list_head'}, but this is a ${typeName(headT)}${fix}`, 'wrong-type');
    }
    this.loopDepth++;
    this.withScope(() => {
      let pos = s.pos.name ? this.lookupLocal(s.pos.name) : undefined;
      if (pos) {
        this.occur(s.pos, pos, false);
      } else if (s.pos.name) {
        // Declare the cursor from the member name when exactly one struct has that list_head.
        const owners = this.structs.filter((st) => st.fields.some((f) => f.name === s.member.name && isMember(f.type)));
        if (owners.length === 1) {
          pos = this.declareLocal(s.pos, { k: 'ptr', to: { k: 'struct', s: owners[0]! } }, false, s.span, true);
          if (pos) this.localDecls.set(s, pos);
        } else {
          this.error(s.pos.span, owners.length === 0
            ? `no struct has ${article(memberType)} ${memberType} named '${s.member.name}'`
            : `declare '${s.pos.name}' first (struct T *${s.pos.name};): several structs have ${article(memberType)} ${memberType} '${s.member.name}'`, 'unknown-name');
        }
      }
      if (pos) {
        const st = pos.type.k === 'ptr' && pos.type.to.k === 'struct' ? pos.type.to.s : undefined;
        const field = st?.fields.find((f) => f.name === s.member.name);
        if (!st) this.error(s.pos.span, `'${pos.name}' must be a struct pointer to walk a list`, 'wrong-type');
        else if (!field || !isMember(field.type)) this.error(s.member.span, `struct ${st.name} has no ${memberType} '${s.member.name}'`, 'unknown-field');
        else this.occur(s.member, field, false);
        if (s.next) this.bindSafeCursor(s, s.next, pos);
      }
      if (s.cond) this.bindValue(s.cond, BOOL);
      this.bindStmt(s.body);
    });
    this.loopDepth--;
  }

  /** list_for_each_entry_safe's second cursor: declared like the first, of its type. */
  private bindSafeCursor(s: A.ListForEachStmt, next: A.Identifier, pos: LocalSymbol): void {
    // The compiler finds it through nameSyms, as it finds the first cursor.
    const known = next.name ? this.lookupLocal(next.name) : undefined;
    if (known) {
      this.occur(next, known, false);
      if (known.type.k !== pos.type.k || (known.type.k === 'ptr' && pos.type.k === 'ptr' && known.type.to !== pos.type.to && known.type.to.k === 'struct' && pos.type.to.k === 'struct' && known.type.to.s !== pos.type.to.s)) {
        this.error(next.span, `'${next.name}' must have the cursor's type (${typeName(pos.type)})`, 'wrong-type');
      }
    } else if (next.name) {
      this.declareLocal(next, pos.type, false, s.span, true);
    }
  }

  /** `kvm_for_each_vcpu(i, vcpu, kvm)`: the cursors are declared for you when they are not. */
  private bindVcpuForEach(s: A.VcpuForEachStmt): void {
    const kt = this.bindValue(s.kvm, ANY);
    const kvmStruct = this.structByName.get('kvm');
    if (!(kt.k === 'any' || (kt.k === 'ptr' && (kt.to.k === 'any' || (kt.to.k === 'struct' && kt.to.s === kvmStruct))))) {
      this.error(s.kvm.span, `kvm_for_each_vcpu walks the vCPUs of a struct kvm *, but this is ${article(typeName(kt))} ${typeName(kt)}`, 'wrong-type');
    }
    const vcpuType: Ty = this.vcpuStruct ? { k: 'ptr', to: { k: 'struct', s: this.vcpuStruct } } : ANY;
    this.loopDepth++;
    this.withScope(() => {
      for (const [id, type] of [[s.index, INT], [s.vcpu, vcpuType]] as const) {
        const known = id.name ? this.lookupLocal(id.name) : undefined;
        if (known) {
          this.occur(id, known, false);
          if (type !== INT && known.type.k !== 'any' && typeName(known.type) !== typeName(type)) {
            this.error(id.span, `'${id.name}' must be a struct kvm_vcpu * to walk the vCPUs, but it is ${article(typeName(known.type))} ${typeName(known.type)}`, 'wrong-type');
          }
        } else {
          const local = this.declareLocal(id, type, false, s.span, true);
          if (local && id === s.vcpu) this.localDecls.set(s, local);
        }
      }
      this.bindStmt(s.body);
    });
    this.loopDepth--;
  }

  private lookupLocal(name: string): LocalSymbol | undefined {
    for (let sc = this.scope; sc; sc = sc.parent) {
      const l = sc.names.get(name);
      if (l) return l;
    }
    return undefined;
  }

  private checkAssignable(target: A.Expr, t: Ty): void {
    const inner = target.kind === 'AddressOf' ? target.operand : target;
    if (inner.kind === 'Name') {
      const sym = this.nameSyms.get(inner.id);
      if (sym && sym.kind !== 'local' && sym.kind !== 'global') {
        this.error(target.span, `cannot assign to ${describeSym(sym)}`, 'not-assignable');
        return;
      }
    } else if (inner.kind !== 'Member' && inner.kind !== 'Index' && inner.kind !== 'Deref') {
      if (inner.kind !== 'ErrorExpr') this.error(target.span, 'cannot assign to this expression', 'not-assignable');
      return;
    }
    if (isSharedObject(t) || t.k === 'array') {
      const hint = t.k === 'atomic' ? ' (use atomic_set)' : t.k === 'kref' ? ' (use kref_init)' : t.k === 'list_head' ? ' (use INIT_LIST_HEAD or list_add)'
        : t.k === 'work' ? ' (use INIT_WORK)' : t.k === 'timer' ? (t.hr ? ' (use hrtimer_setup)' : ' (use timer_setup)') : t.k === 'completion' ? ' (use init_completion)' : '';
      this.error(target.span, `cannot assign to a ${typeName(t)}${hint}`, 'not-assignable');
    }
  }

  private bindCond(e: A.Expr): void {
    this.bindValue(e, BOOL);
  }

  /** Binds an expression used as a value: it must be a scalar. */
  private bindValue(e: A.Expr, _expected: Ty): Ty {
    const t = e.kind === 'Call' ? this.bindCall(e, false) : this.bindExpr(e);
    // A void builtin in a value position was already reported by bindBuiltinCall.
    if (t.k === 'void') return t;
    if (!isScalar(t) && t.k !== 'typeref' && e.kind !== 'ErrorExpr') {
      if (t.k === 'struct' || t.k === 'array') {
        // A struct or array value decays to its address, as in C (&kvm).
        return t.k === 'struct' ? { k: 'ptr', to: t } : t;
      }
      // `&dev->node` compared with a list link (`head->next == &dev->node`) is its address.
      if (t.k === 'list_head' && e.kind === 'AddressOf') return { k: 'ptr', to: t };
      this.error(e.span, `a ${typeName(t)} is not a value (pass it to a primitive, e.g. ${t.k === 'lock' ? lockPrimitiveFor(t.lock).lock : 'list_add'})`, 'not-a-value');
    }
    return t;
  }

  private bindExpr(e: A.Expr): Ty {
    const t = this.typeExpr(e);
    this.exprTypes.set(e, t);
    return t;
  }

  private typeExpr(e: A.Expr): Ty {
    switch (e.kind) {
      case 'Number':
        return INT;
      case 'Bool':
        return BOOL;
      case 'Null':
        return { k: 'ptr', to: ANY };
      case 'String':
        this.error(e.span, 'strings are only used for titles and descriptions', 'string-value');
        return ANY;
      case 'ErrorExpr':
        return ANY;
      case 'TypeArg':
        return { k: 'typeref', of: this.resolveType(e.type, false) };
      case 'Name':
        return this.typeName(e.id);
      case 'AddressOf': {
        const t = this.bindExpr(e.operand);
        // `&nb` of a scalar local is a pointer to it (an out-parameter, `pin(kvm, gpa, &nb)`);
        // before a lock, list or struct place `&` is the place itself, as before.
        if ((t.k === 'int' || t.k === 'bool') && e.operand.kind === 'Name' && this.nameSyms.get(e.operand.id)?.kind === 'local') return { k: 'ptr', to: t };
        if ((t.k === 'int' || t.k === 'bool') && (e.operand.kind === 'Member' || e.operand.kind === 'Index' || e.operand.kind === 'Name')) return { k: 'ptr', to: t };
        return t;
      }
      case 'Deref': {
        const t = this.bindValue(e.operand, ANY);
        if (t.k === 'ptr') {
          if (t.to.k === 'void') {
            this.error(e.span, `a void * cannot be dereferenced: cast it to the type it points to first (*(T *)${exprText(this.text, e.operand)})`, 'void-deref');
            return ANY;
          }
          return t.to;
        }
        if (t.k !== 'any') this.error(e.span, `'*' needs a pointer, but ${exprText(this.text, e.operand)} is ${article(typeName(t))} ${typeName(t)}`, 'not-a-pointer');
        return ANY;
      }
      case 'Cast': {
        const to = this.resolveType(e.type, false);
        const from = e.operand.kind === 'Call' ? this.bindCall(e.operand, to.k === 'void') : this.bindValue(e.operand, to);
        if (to.k === 'struct' || to.k === 'array' || to.k === 'lock' || to.k === 'list_head') {
          this.error(e.type.span, `cannot cast to ${typeName(to)}: a cast converts scalars and pointers (cast to ${typeName(to)} * instead)`, 'bad-cast');
          return ANY;
        }
        if (to.k === 'ptr' && (from.k === 'int' || from.k === 'bool') && e.operand.kind !== 'Number') {
          this.warn(e.span, `casting ${article(typeName(from))} ${typeName(from)} to a pointer: the model has no such object (NULL unless it held a pointer)`, 'int-to-pointer');
        }
        return to;
      }
      case 'Sizeof':
        this.sizeofType(e);
        return { k: 'int', bytes: 8, spelling: 'size_t' };
      case 'Conditional': {
        this.bindCond(e.cond);
        const a = this.bindValue(e.then, ANY);
        const b = this.bindValue(e.else, ANY);
        for (const branch of [e.then, e.else]) {
          const call = this.fnCallIn(branch);
          if (call) this.error(call.span, `a call of ${call.callee.name} inside '?:' would run whichever branch is taken; write it as an if`, 'call-in-conditional');
        }
        return a.k === 'ptr' && a.to.k === 'any' ? b : a;
      }
      case 'InitList':
        return this.localInitList(e);
      case 'Unary': {
        this.bindValue(e.operand, INT);
        return e.op === '!' ? BOOL : INT;
      }
      case 'Binary': {
        const l = this.bindValue(e.left, INT);
        const r = this.bindValue(e.right, INT);
        if ((e.op === '+' || e.op === '-') && l.k === 'ptr' && r.k !== 'ptr') return l;
        if (e.op === '+' && r.k === 'ptr' && l.k !== 'ptr') return r;
        return ['==', '!=', '<', '<=', '>', '>=', '&&', '||'].includes(e.op) ? BOOL : INT;
      }
      case 'Member': {
        const ot = this.bindExpr(e.object);
        // The kernel's own fields of the model's objects: a delayed_work's work, an hrtimer's function.
        const obj = ot.k === 'ptr' ? ot.to : ot;
        if (obj.k === 'work' && obj.delayed && e.field.name === 'work') return { k: 'work', delayed: false };
        if (obj.k === 'timer' && obj.hr && e.field.name === 'function') return FNREF;
        const st = ot.k === 'struct' ? ot.s : ot.k === 'ptr' && ot.to.k === 'struct' ? ot.to.s : undefined;
        // A list_head's links can be read (`head->next == head`, `entry->prev`).
        if (listHeadLink(ot, e.field.name) !== undefined) return { k: 'ptr', to: { k: 'list_head' } };
        if (!st) {
          if (ot.k !== 'any' && !(ot.k === 'ptr' && ot.to.k === 'any')) {
            this.error(e.field.span, `'${e.field.name}': ${article(typeName(ot))} ${typeName(ot)} has no fields`, 'no-fields');
          } else if (ot.k === 'any' && e.object.kind === 'Name' && this.nameSyms.get(e.object.id)?.kind === 'local') {
            this.error(e.field.span, `'${e.field.name}': the type of '${e.object.id.name}' is unknown; declare it (struct T *${e.object.id.name})`, 'untyped-access');
          }
          return ANY;
        }
        const f = st.fields.find((x) => x.name === e.field.name);
        if (!f) {
          if (e.field.name) {
            this.error(e.field.span, `struct ${st.name} has no field '${e.field.name}'`, 'unknown-field', [{ span: st.decl.name.span, message: `struct ${st.name} is declared here` }]);
          }
          return ANY;
        }
        this.occur(e.field, f, false);
        return f.type;
      }
      case 'Index': {
        const ot = this.bindExpr(e.object);
        this.bindValue(e.index, INT);
        if (ot.k !== 'array') {
          if (ot.k !== 'any') this.error(e.span, `a ${typeName(ot)} cannot be indexed`, 'not-indexable');
          return ANY;
        }
        if (e.index.kind === 'Number' && (e.index.value < 0 || e.index.value >= ot.n)) {
          this.error(e.index.span, `index ${e.index.value} is out of bounds (the array has ${ot.n} elements)`, 'out-of-bounds');
        }
        return ot.of;
      }
      case 'Call':
        return this.bindCall(e, false);
    }
  }

  /** A call of a user fn somewhere inside an expression (already bound). */
  private fnCallIn(e: A.Expr): A.CallExpr | undefined {
    switch (e.kind) {
      case 'Call':
        if (this.calls.get(e)?.fn) return e;
        for (const a of e.args) {
          const c = this.fnCallIn(a);
          if (c) return c;
        }
        return undefined;
      case 'Unary':
      case 'AddressOf':
      case 'Deref':
      case 'Cast':
        return this.fnCallIn(e.operand);
      case 'Binary':
        return this.fnCallIn(e.left) ?? this.fnCallIn(e.right);
      case 'Member':
        return this.fnCallIn(e.object);
      case 'Index':
        return this.fnCallIn(e.object) ?? this.fnCallIn(e.index);
      case 'Conditional':
        return this.fnCallIn(e.cond) ?? this.fnCallIn(e.then) ?? this.fnCallIn(e.else);
      default:
        return undefined;
    }
  }

  private typeName(id: A.Identifier): Ty {
    if (!id.name) return ANY;
    const local = this.lookupLocal(id.name);
    if (local) {
      this.occur(id, local, false);
      return local.type;
    }
    if (id.name === 'current') {
      if (this.owner?.kind !== 'actor') {
        // In a fn, `current` is whichever actor calls it.
      }
      return ACTOR;
    }
    const v = this.values.get(id.name);
    if (v) {
      this.occur(id, v, false);
      if (v.kind === 'global') return v.type;
      if (v.kind === 'fn') {
        this.addressTaken.add(v);
        return FNREF;
      }
      return this.actorValueType(v);
    }
    // Inside a vCPU, `vcpu` is its own struct kvm_vcpu (unless something else is named so).
    if (id.name === 'vcpu' && this.owner?.kind === 'actor' && this.owner.actorKind === 'vcpu') {
      this.occur(id, this.owner, false);
      return this.actorValueType(this.owner);
    }
    const c = this.consts.get(id.name);
    if (c) {
      this.occur(id, c, false);
      return c.type;
    }
    if (/^KVM_REQ_[A-Z0-9_]+$/.test(id.name)) {
      if (!this.requestNames.includes(id.name)) {
        if (this.requestNames.length >= 31) this.error(id.span, 'at most 31 distinct requests', 'too-many-requests');
        else this.requestNames.push(id.name);
      }
      return INT;
    }
    if (builtin(id.name)) {
      this.error(id.span, `'${id.name}' is a primitive; call it: ${id.name}(…)`, 'builtin-value');
      return ANY;
    }
    this.error(id.span, `unknown name '${id.name}'${this.suggest(id.name)}`, 'unknown-name');
    return ANY;
  }

  /** A vCPU actor's name is a `struct kvm_vcpu *`; other actors' names are actors. */
  private actorValueType(a: ActorSymbol): Ty {
    return a.actorKind === 'vcpu' && this.vcpuStruct ? { k: 'ptr', to: { k: 'struct', s: this.vcpuStruct } } : ACTOR;
  }

  private suggest(name: string): string {
    return suggestFrom(name, [...this.values.keys(), ...this.consts.keys(), ...(this.scope ? this.allLocalNames() : [])]);
  }

  private allLocalNames(): string[] {
    const out: string[] = [];
    for (let sc = this.scope; sc; sc = sc.parent) out.push(...sc.names.keys());
    return out;
  }

  private bindCall(e: A.CallExpr, statement: boolean): Ty {
    const name = e.callee.name;
    if (e.target) return this.bindIndirectCall(e, e.target, this.bindExpr(e.target));
    const local = this.lookupLocal(name);
    const global = this.values.get(name);
    if (local || global?.kind === 'global') {
      const t = local ? local.type : (global as GlobalSymbol).type;
      this.occur(e.callee, local ?? global!, false);
      return this.bindIndirectCall(e, e.callee, t);
    }
    const own = this.values.get(name);
    const b = own?.kind === 'fn' ? undefined : builtin(name);
    if (b && !local) {
      const t = this.bindBuiltinCall(e, b, statement);
      this.exprTypes.set(e, t);
      return t;
    }
    const v = this.values.get(name);
    if (v?.kind === 'fn') {
      this.occur(e.callee, v, false);
      const want = v.decl.params.length;
      if (e.args.length !== want) {
        this.error(e.argsSpan, `${name} takes ${want} argument${want === 1 ? '' : 's'}, but ${e.args.length} ${e.args.length === 1 ? 'was' : 'were'} given`, 'wrong-arity',
          [{ span: v.decl.name.span, message: `${name} is declared here` }]);
      }
      e.args.forEach((a, i) => {
        const pt = v.params[i]?.type ?? ANY;
        const at = this.bindValue(a, pt);
        this.checkPointerArg(a, at, pt, `argument ${i + 1} of ${name}`);
      });
      this.calls.set(e, { fn: v, statics: [] });
      const returns = v.returns ?? ANY;
      if (returns.k === 'void' && !statement) {
        this.error(e.span, `${name} returns void; call it as a statement of its own`, 'void-value');
      }
      this.exprTypes.set(e, returns);
      return returns;
    }
    for (const a of e.args) this.bindExpr(a);
    const proto = this.prototypes.get(name);
    if (proto && !v) {
      this.error(e.callee.span, `'${name}' is declared but has no body: the model runs only what it can read; define it (a stub will do: ${protoStub(this.text, proto)})`, 'no-definition',
        [{ span: proto.span, message: 'declared here' }]);
    } else if (v) this.error(e.callee.span, `'${name}' is ${describeSym(v)}, not a function`, 'not-callable');
    else if (name) this.error(e.callee.span, `unknown function '${name}'${this.suggestFn(name)}`, 'unknown-function');
    this.exprTypes.set(e, ANY);
    return ANY;
  }

  /** A call through a fn value: `dev->ops->release(dev)`, `release(kref)` with `release` a parameter. */
  private bindIndirectCall(e: A.CallExpr, callee: A.Expr | A.Identifier, t: Ty): Ty {
    const text = this.text.slice(callee.span.start, callee.span.end);
    if (t.k !== 'fnref') {
      for (const a of e.args) this.bindExpr(a);
      if (t.k !== 'any') {
        const st = t.k === 'ptr' && t.to.k === 'struct' ? t.to.s : t.k === 'struct' ? t.s : undefined;
        const fnFields = st?.fields.filter((f) => f.type.k === 'fnref').map((f) => f.name) ?? [];
        const hint = fnFields.length > 0
          ? ` (did you mean ${text}${t.k === 'ptr' ? '->' : '.'}${fnFields[0]}(…)?)`
          : ' (only a function pointer can be called: declare it as fn, or void (*name)(…))';
        this.error(callee.span, `'${text}' is ${article(typeName(t))} ${typeName(t)}, not a function pointer${hint}`, 'not-callable');
      }
      this.exprTypes.set(e, ANY);
      return ANY;
    }
    const params = t.sig?.params;
    if (params && params.length !== e.args.length) {
      this.error(e.argsSpan, `${text} takes ${params.length} argument${params.length === 1 ? '' : 's'}, but ${e.args.length} ${e.args.length === 1 ? 'was' : 'were'} given`, 'wrong-arity');
    }
    e.args.forEach((a, i) => {
      const pt = params?.[i] ?? ANY;
      const at = this.bindValue(a, pt);
      this.checkPointerArg(a, at, pt, `argument ${i + 1} of ${text}`);
    });
    this.calls.set(e, { indirect: { candidates: [] }, statics: [] });
    this.indirectCalls.push({ call: e, type: t, argc: e.args.length });
    this.exprTypes.set(e, ANY);
    return ANY;
  }

  /** Whether fn f fits a fn type: its arity, and its parameters' struct types when declared. */
  private fits(f: FnSymbol, t: Ty, argc: number): boolean {
    if (f.decl.params.length !== argc) return false;
    if (t.k !== 'fnref' || !t.sig) return true;
    return t.sig.params.every((pt, i) => {
      const ft = f.params[i]?.type ?? INT;
      return !(pt.k === 'ptr' && pt.to.k === 'struct' && ft.k === 'ptr' && ft.to.k === 'struct' && pt.to.s !== ft.to.s);
    });
  }

  /** Each call through a fn value may reach the address-taken fns that fit its type. */
  private resolveIndirectCalls(): void {
    for (const { call, type, argc } of this.indirectCalls) {
      const candidates = this.fns.filter((f) => this.addressTaken.has(f) && this.fits(f, type, argc));
      this.calls.set(call, { indirect: { candidates }, statics: [] });
    }
  }

  /**
   * A value `vt` stored where `target` is expected (`what`): a fn pointer takes a fn that fits
   * its signature, another fn pointer or NULL; a fn goes only where a fn pointer is expected.
   */
  private checkFnValue(e: A.Expr, vt: Ty, target: Ty, what: string): void {
    const inner = e.kind === 'AddressOf' ? e.operand : e;
    const f = inner.kind === 'Name' ? this.nameSyms.get(inner.id) : undefined;
    if (target.k === 'fnref') {
      if (f?.kind === 'fn') {
        // Its parameters' types are known once its body is bound: checked at the end.
        if (target.sig) this.fnValueChecks.push({ e, target, what });
        return;
      }
      if (vt.k === 'fnref' || vt.k === 'any' || (vt.k === 'ptr' && vt.to.k === 'any')) return;
      this.error(e.span, `${what} is a function pointer (${typeName(target)}), but this is ${article(typeName(vt))} ${typeName(vt)}: store a function's name or NULL${this.fnSuggestion(target)}`, 'wrong-type');
      return;
    }
    if (vt.k === 'fnref' && target.k !== 'any' && !(target.k === 'ptr' && target.to.k === 'any')) {
      const name = f?.kind === 'fn' ? f.name : exprText(this.text, e);
      this.error(e.span, `${what} is ${article(typeName(target))} ${typeName(target)}, not a function pointer: ${name} can only be stored in a fn field, local or parameter (void (*name)(…) or fn)`, 'wrong-type');
    }
  }

  /** A fn stored in a fn pointer with a signature: the fn must fit it. */
  private checkFnSignature(e: A.Expr, target: Ty): void {
    const inner = e.kind === 'AddressOf' ? e.operand : e;
    const f = inner.kind === 'Name' ? this.nameSyms.get(inner.id) : undefined;
    if (f?.kind !== 'fn' || target.k !== 'fnref' || !target.sig || this.fits(f, target, target.sig.params.length)) return;
    this.error(e.span, `${f.name} takes (${f.params.map((p) => typeName(p.type)).join(', ')}), but this fn pointer is ${typeName(target)}${this.fnSuggestion(target)}`, 'wrong-type',
      [{ span: f.decl.name.span, message: `${f.name} is declared here` }]);
  }

  private checkPointerArg(_a: A.Expr, at: Ty, pt: Ty, what: string): void {
    this.checkFnValue(_a, at, pt, what);
    if (pt.k === 'ptr' && pt.to.k === 'struct' && at.k === 'ptr' && at.to.k === 'struct' && at.to.s !== pt.to.s) {
      this.error(_a.span, `${what} expects ${typeName(pt)}, but this is ${typeName(at)}`, 'wrong-type');
    }
    // A pointer to a scalar (an out-parameter) needs a pointer, not the scalar itself.
    if (pt.k === 'ptr' && (pt.to.k === 'int' || pt.to.k === 'bool') && (at.k === 'int' || at.k === 'bool') && _a.kind === 'Name') {
      this.error(_a.span, `${what} expects ${typeName(pt)}, but this is ${article(typeName(at))} ${typeName(at)} (pass its address: &${exprText(this.text, _a)})`, 'wrong-type');
    }
  }

  /**
   * lockdep_set_class(&lock, &key): the key's class is of the lock's kind (a re-keyed spinlock
   * still spins), so one key serves one kind of lock.
   */
  private keyForLock(e: A.CallExpr): void {
    const [lockArg, keyArg] = e.args;
    const lt = lockArg ? this.exprTypes.get(lockArg) : undefined;
    const kt = keyArg ? this.exprTypes.get(keyArg) : undefined;
    const key = kt?.k === 'lockkey' ? kt : kt?.k === 'ptr' && kt.to.k === 'lockkey' ? kt.to : undefined;
    if (!key || lt?.k !== 'lock' || key.cls < 0) return;
    const cls = this.lockClasses[key.cls] as { lock: LockKind };
    if (this.keyKinds.has(key.cls) && cls.lock !== lt.lock) {
      this.error(keyArg!.span, `this lock_class_key already keys ${article(cls.lock)} ${cls.lock}; ${exprText(this.text, lockArg!.kind === 'AddressOf' ? lockArg!.operand : lockArg!)} is ${article(lt.lock)} ${lt.lock} (declare a key per kind of lock)`, 'wrong-type');
      return;
    }
    this.keyKinds.add(key.cls);
    cls.lock = lt.lock;
  }

  /** kvm_vcpu_srcu_read_lock takes vcpu->kvm->srcu: the scenario's struct kvm must have one. */
  private checkKvmSrcu(e: A.CallExpr, b: Builtin): void {
    const kvm = this.structByName.get('kvm');
    const f = kvm?.fields.find((x) => x.name === 'srcu');
    const ok = f?.type.k === 'lock' && f.type.lock === 'srcu';
    if (!ok) {
      this.error(e.callee.span, `${b.name} takes vcpu->kvm->srcu, but ${kvm ? `struct kvm has no struct srcu_struct srcu field (add 'struct srcu_struct srcu;' to it)` : `the scenario declares no struct kvm (declare struct kvm { struct srcu_struct srcu; } and set vcpu->kvm)`}`, 'kvm-srcu');
    } else if (this.vcpuStruct && !this.vcpuStruct.fields.some((x) => x.name === 'kvm')) {
      this.error(e.callee.span, `${b.name} takes vcpu->kvm->srcu, but struct kvm_vcpu has no kvm field`, 'kvm-srcu');
    }
  }

  private suggestFn(name: string): string {
    // One answer per name while the functions declared stay the same (all of them, once
    // bodies are bound): a file full of calls to one unknown function asks once.
    const key = `${this.fns.length}:${name}`;
    let hint = this.fnHints.get(key);
    if (hint === undefined) {
      hint = suggestFrom(name, [...this.fns.map((f) => f.name), ...BUILTIN_NAMES]);
      this.fnHints.set(key, hint);
    }
    return hint;
  }

  private bindBuiltinCall(e: A.CallExpr, named: Builtin, statement: boolean): Ty {
    // anon_inode_getfd(priv, release): the model's two-argument form, kept beside the kernel's.
    const b = named.name === 'anon_inode_getfd' && e.args.length === 2 ? ANON_INODE_GETFD_SHORT : named;
    if (named.name === 'anon_inode_getfd' && e.args.length !== 2 && e.args.length !== 4) {
      this.error(e.argsSpan, `anon_inode_getfd takes 4 arguments (name, &fops, priv, flags), or the model's 2 (priv, release), but ${e.args.length} ${e.args.length === 1 ? 'was' : 'were'} given`, 'wrong-arity');
      for (const a of e.args) if (a.kind !== 'String') this.bindExpr(a);
      this.calls.set(e, { builtin: named, statics: e.args.map(() => 0) });
      return INT;
    }
    if (b === ANON_INODE_GETFD_SHORT) this.shortFdSpans.push(e.span);
    if (b.family === 'files' && b.name !== 'close' && b !== ANON_INODE_GETFD_SHORT) this.fileFdSpans.push({ span: e.span, name: b.name });
    this.occurrences.push({ span: e.callee.span, sym: { kind: 'builtin', name: b.name }, def: false });
    this.nameSyms.set(e.callee, { kind: 'builtin', name: b.name });
    // queue_work(NAME) and friends: the one-argument shorthand on a `work` actor, no workqueue.
    const shorthand = isWorkShorthand(b, e.args.length);
    const params = shorthand ? b.params.slice(1) : b.params;
    const min = params.filter((p) => !p.optional).length;
    const max = params.length;
    if (e.args.length < min || e.args.length > max) {
      const want = min === max ? `${min}` : `${min} to ${max}`;
      this.error(e.argsSpan, `${b.name} takes ${want} argument${max === 1 ? '' : 's'}, but ${e.args.length} ${e.args.length === 1 ? 'was' : 'were'} given`, 'wrong-arity');
    }
    if (b.returns === 'void' && !statement) {
      this.error(e.span, `${b.name} returns nothing; call it as a statement of its own`, 'void-value');
    }
    if (b.special === 'await' && !statement) {
      this.error(e.span, `${b.name} must be a statement of its own`, 'must-be-statement');
    }
    if (b.name === 'kvm_vcpu_srcu_read_lock' || b.name === 'kvm_vcpu_srcu_read_unlock') this.checkKvmSrcu(e, b);
    // The one-argument forms (kvm_check_request(KVM_REQ_X)) act on the running vCPU.
    const implicitVcpu = !b.params.some((p) => p.kind === 'vcpu') || e.args.length < b.params.length;
    if (b.vcpuOnly && implicitVcpu && this.owner?.kind === 'actor' && this.owner.actorKind !== 'vcpu') {
      this.error(e.callee.span, `${b.name} only makes sense in a vcpu actor`, 'vcpu-only');
    }
    const statics: number[] = shorthand ? [0] : [];
    let result: Ty = b.returns === 'int' ? INT : b.returns === 'bool' ? BOOL : b.returns === 'void' ? VOID : ANY;
    if (b.returns === 'vcpu') result = this.vcpuStruct ? { k: 'ptr', to: { k: 'struct', s: this.vcpuStruct } } : { k: 'ptr', to: ANY };
    if (b.returns === 'file') result = this.fileType('file');
    e.args.forEach((arg, i) => {
      const p = params[i];
      if (!p) {
        this.bindExpr(arg);
        statics.push(0);
        return;
      }
      statics.push(this.checkArg(b, p.kind, p.name, arg, (t) => {
        if (b.returns === 'ptr') result = { k: 'ptr', to: t };
      }));
    });
    if (b.returns === 'ptr' && result.k === 'any') result = { k: 'ptr', to: ANY };
    this.memberOffset(b, e, result, statics);
    this.calls.set(e, { builtin: b, statics });
    if (b.name === 'lockdep_set_class') this.keyForLock(e);
    return result;
  }

  /**
   * A `member` argument naming a list_head of the struct its `type` argument names
   * (list_first_entry(head, struct T, member)): its static fact is that field's offset.
   */
  private memberOffset(b: Builtin, e: A.CallExpr, result: Ty, statics: number[]): void {
    const i = b.params.findIndex((p) => p.kind === 'list_member');
    const arg = e.args[i];
    if (i < 0 || !arg || arg.kind !== 'Name' || !b.params.some((p) => p.kind === 'type')) return;
    const st = result.k === 'ptr' && result.to.k === 'struct' ? result.to.s : undefined;
    if (!st) return;
    const f = st.fields.find((x) => x.name === arg.id.name);
    if (!f || f.type.k !== 'list_head') {
      this.error(arg.span, `struct ${st.name} has no list_head '${arg.id.name}'`, 'unknown-field', [{ span: st.decl.name.span, message: `struct ${st.name} is declared here` }]);
      return;
    }
    this.occur(arg.id, f, false);
    statics[i] = f.offset;
  }

  /** Checks one builtin argument; returns its static fact (class, struct, offset or bit). */
  private checkArg(b: Builtin, kind: ParamKind, pname: string, arg: A.Expr, onType: (t: Ty) => void): number {
    const inner = arg.kind === 'AddressOf' ? arg.operand : arg;
    switch (kind) {
      case 'lock':
      case 'mutex':
      case 'spinlock':
      case 'rwsem':
      case 'rwlock':
      case 'srcu': {
        const t = this.bindExpr(arg);
        if (t.k !== 'lock') {
          if (t.k !== 'any') this.error(arg.span, `${b.name} expects a ${kind === 'lock' ? 'lock' : kind}, but this is a ${typeName(t)}`, 'wrong-type');
          return -1;
        }
        if (kind !== 'lock' && t.lock !== kind) {
          const fix = equivalentPrimitive(b.name, t.lock);
          const want = kind === 'rwlock' ? 'rwlock_t' : kind;
          const have = t.lock === 'rwlock' ? 'rwlock_t' : t.lock;
          this.error(arg.span, `${b.name} expects ${article(want)} ${want}, but ${exprText(this.text, inner)} is ${article(have)} ${have}${fix ? ` (use ${fix})` : ''}`, 'wrong-lock-kind');
        }
        this.nameClass(t.cls, inner);
        return t.cls;
      }
      case 'list_head':
      case 'atomic':
      case 'kref':
      case 'waitq': {
        const t = this.bindExpr(arg);
        const want = kind;
        if (t.k !== want && t.k !== 'any') {
          this.error(arg.span, `${b.name} expects ${article(displayKind(want))} ${displayKind(want)}, but this is ${article(typeName(t))} ${typeName(t)}`, 'wrong-type');
        }
        if (kind === 'kref' && inner.kind === 'Member') {
          const f = this.nameSyms.get(inner.field);
          if (f?.kind === 'field') return f.offset;
        }
        return 0;
      }
      case 'place': {
        const t = this.bindExpr(arg);
        if (inner.kind === 'Name' && this.nameSyms.get(inner.id)?.kind === 'local') {
          this.error(arg.span, `${b.name} is for shared memory; '${inner.id.name}' is a local`, 'local-marked-access');
        } else if (inner.kind !== 'Name' && inner.kind !== 'Member' && inner.kind !== 'Index') {
          this.error(arg.span, `${b.name} needs a shared variable or field`, 'wrong-type');
        } else if (!isScalar(t) && t.k !== 'any') {
          this.error(arg.span, `${b.name} needs a scalar, but this is a ${typeName(t)}`, 'wrong-type');
        }
        return 0;
      }
      case 'rcu_ptr': {
        const t = this.bindExpr(arg);
        if (inner.kind !== 'Name' && inner.kind !== 'Member' && inner.kind !== 'Index') {
          this.error(arg.span, `${b.name} needs an __rcu pointer: a shared pointer variable or field (${b.name}(kvm->buses[idx]))`, 'wrong-type');
        } else if (inner.kind === 'Name' && this.nameSyms.get(inner.id)?.kind === 'local') {
          this.error(arg.span, `${b.name} is for a shared __rcu pointer; '${inner.id.name}' is a local`, 'local-marked-access');
        } else if (t.k === 'ptr') {
          onType(t.to);
        } else if (t.k !== 'any') {
          this.error(arg.span, `${b.name} of a non-pointer: ${exprText(this.text, inner)} is ${article(typeName(t))} ${typeName(t)}, not a pointer`, 'wrong-type');
        }
        return 0;
      }
      case 'rcu_head': {
        this.bindExpr(arg);
        if (inner.kind !== 'Member') this.error(arg.span, `${b.name} needs the rcu_head field of an object (&obj->rcu)`, 'wrong-type');
        return 0;
      }
      case 'rcu_member': {
        if (inner.kind !== 'Name') this.error(arg.span, `${b.name}'s ${pname} names a field of the object (its struct rcu_head), e.g. ${b.name}(p, rcu)`, 'wrong-type');
        return 0;
      }
      case 'list_member':
        // Resolved against the type argument once every argument is bound (memberOffset).
        if (inner.kind !== 'Name') this.error(arg.span, `${b.name}'s ${pname} names a list_head field of the struct, e.g. ${b.name}(&head, struct T, node)`, 'wrong-type');
        return 0;
      case 'ptr': {
        const t = this.bindValue(arg, ANY);
        if (t.k !== 'ptr' && t.k !== 'any') this.error(arg.span, `${b.name} expects a pointer, but this is ${article(typeName(t))} ${typeName(t)}`, 'wrong-type');
        this.containerPtr = t;
        return 0;
      }
      case 'int':
      case 'bool':
      case 'cond':
        this.bindValue(arg, kind === 'int' ? INT : BOOL);
        return 0;
      case 'value':
        this.bindValue(arg, ANY);
        return 0;
      case 'fd': {
        this.bindValue(arg, INT);
        return 0;
      }
      case 'file':
      case 'fops':
        this.expectFilePointer(b, kind, pname, arg);
        return 0;
      case 'fn': {
        if (inner.kind === 'Name') {
          const v = this.lookupLocal(inner.id.name) ? undefined : this.values.get(inner.id.name);
          if (v?.kind === 'fn') {
            this.occur(inner.id, v, false);
            this.addressTaken.add(v);
            this.exprTypes.set(arg, FNREF);
            if (v.decl.params.length !== 1) {
              this.error(arg.span, `${v.name} is called by ${b.name} with one argument (the object), but takes ${v.decl.params.length}`, 'wrong-arity');
            }
            return v.index;
          }
        }
        // A fn value: a parameter (`kref_put(&obj->ref, release)`), a local, a field.
        const t = this.bindExpr(arg);
        if (t.k === 'fnref') {
          if (t.sig && t.sig.params.length !== 1) this.error(arg.span, `${b.name} calls its ${pname} with one argument (the object), but this fn pointer takes ${t.sig.params.length}`, 'wrong-arity');
          return -1;
        }
        if (t.k !== 'any') this.error(arg.span, `${b.name}'s ${pname} must be a fn (a release callback)`, 'wrong-type');
        return -1;
      }
      case 'vcpu': {
        const t = this.bindValue(arg, ANY);
        const ok = t.k === 'any' || (t.k === 'ptr' && (t.to.k === 'any' || (t.to.k === 'struct' && t.to.s === this.vcpuStruct)));
        if (!ok) {
          const sym = inner.kind === 'Name' ? this.nameSyms.get(inner.id) : undefined;
          const what = sym?.kind === 'actor' ? `${sym.name} is a ${sym.actorKind}` : `this is ${article(typeName(t))} ${typeName(t)}`;
          this.error(arg.span, `${b.name} expects a struct kvm_vcpu * (a vcpu's name, vcpu, or kvm_get_vcpu(kvm, i)), but ${what}`, 'wrong-type');
        }
        return -1;
      }
      case 'work': {
        // The one-argument shorthand names a `work` actor; otherwise a work_struct place.
        const v = inner.kind === 'Name' && !this.lookupLocal(inner.id.name) ? this.values.get(inner.id.name) : undefined;
        if (v?.kind === 'actor') {
          this.bindExpr(arg);
          if (v.actorKind !== 'work') this.error(arg.span, `${b.name} expects a work item, but ${v.name} is a ${v.actorKind}`, 'wrong-type');
          return v.index;
        }
        this.expectObject(b, arg, 'work_struct', (t) => t.k === 'work');
        return -1;
      }
      case 'timer': {
        const hr = b.name.startsWith('hrtimer');
        const t = this.expectObject(b, arg, hr ? 'hrtimer' : 'timer_list', (x) => x.k === 'timer' && x.hr === hr);
        if (t?.k === 'timer' && t.hr !== hr) {
          const fix = TIMER_EQUIVALENTS[b.name];
          this.error(arg.span, `${b.name} is for a struct ${hr ? 'hrtimer' : 'timer_list'}, but ${exprText(this.text, inner)} is a ${typeName(t).replace(/^struct /, 'struct ')}${fix ? ` (use ${fix})` : ''}`, 'wrong-type');
        }
        return 0;
      }
      case 'completion':
        this.expectObject(b, arg, 'completion', (t) => t.k === 'completion');
        return 0;
      case 'xarray':
      case 'idr': {
        const t = this.expectKernelObject(b, arg, kind === 'idr' ? 'idr' : 'xarray', (x) => x.k === 'xarray' && x.idr === (kind === 'idr'));
        return t?.k === 'xarray' ? t.cls : -1;
      }
      case 'hlist_head':
      case 'hlist_node':
        this.expectKernelObject(b, arg, kind, (x) => x.k === 'hlist' && x.node === (kind === 'hlist_node'));
        return 0;
      case 'lockkey': {
        const t = this.expectKernelObject(b, arg, 'lock_class_key', (x) => x.k === 'lockkey');
        return t?.k === 'lockkey' ? t.cls : -1;
      }
      case 'workqueue': {
        const t = this.bindValue(arg, ANY);
        const ok = t.k === 'any' || t.k === 'int' || (t.k === 'ptr' && (t.to.k === 'workqueue' || t.to.k === 'any'));
        if (!ok) this.error(arg.span, `${b.name} expects a workqueue (system_wq, or what alloc_workqueue returned), but this is ${article(typeName(t))} ${typeName(t)}`, 'wrong-type');
        return 0;
      }
      case 'wqname': {
        const name = arg.kind === 'String' ? arg.value : exprText(this.text, arg);
        if (arg.kind !== 'String') this.bindExpr(arg);
        const id = this.lockClasses.length;
        this.lockClasses.push({ id, lock: 'mutex', name: `(wq_completion)${name}`, declSpan: arg.span });
        this.classNamed.add(id);
        return id;
      }
      case 'member':
        return this.containerMember(b, arg);
      case 'irq':
        this.bindValue(arg, INT);
        return 0;
      case 'irqhandler': {
        const v = inner.kind === 'Name' ? this.values.get(inner.id.name) : undefined;
        if (v?.kind === 'actor' && v.actorKind === 'irq') {
          this.occur((inner as A.NameExpr).id, v, false);
          this.exprTypes.set(arg, ACTOR);
          // A line whose handler is installed by request_irq is disabled until then.
          if (v.line !== undefined) this.requestedLines.add(v.line);
          return v.index;
        }
        this.bindExpr(arg);
        this.error(arg.span, `${b.name}'s handler must name an irq actor (irq NAME on cpuN line N { … })`, 'wrong-type');
        return -1;
      }
      case 'string':
        if (arg.kind !== 'String') this.bindExpr(arg);
        return 0;
      case 'type': {
        if (arg.kind === 'Sizeof') {
          // kzalloc(sizeof(*p), GFP_KERNEL), kcalloc(n, sizeof(struct T), …): the struct measured.
          const of = this.sizeofType(arg);
          this.exprTypes.set(arg, { k: 'int', bytes: 8, spelling: 'size_t' });
          if (of.k === 'struct') {
            onType(of);
            return of.s.index;
          }
          if (of.k !== 'any') this.error(arg.span, `${b.name} allocates a struct here, but ${exprText(this.text, arg)} is the size of ${article(typeName(of))} ${typeName(of)} (use sizeof(struct T), or sizeof(*p) with p a struct pointer)`, 'wrong-type');
          return 0;
        }
        const t = this.bindExpr(arg);
        if (t.k === 'typeref' && t.of.k === 'struct') {
          onType(t.of);
          this.containerOf = t.of.s;
          return t.of.s.index;
        }
        if (arg.kind === 'Name' && this.structByName.has(arg.id.name)) {
          const s = this.structByName.get(arg.id.name)!;
          this.diagnostics.pop(); // the unknown-name error from typing it as a value
          this.occur(arg.id, s, false);
          onType({ k: 'struct', s });
          this.containerOf = s;
          return s.index;
        }
        this.error(arg.span, `${b.name} expects a struct type (${b.name}(${b.params[0]?.kind === 'type' ? '' : 'n, '}sizeof(*p), GFP_KERNEL) or ${b.name}(${b.params[0]?.kind === 'type' ? '' : 'n, '}struct T))`, 'wrong-type');
        return 0;
      }
      case 'request': {
        this.bindExpr(arg);
        if (inner.kind === 'Name' && /^KVM_REQ_/.test(inner.id.name)) return Math.max(0, this.requestNames.indexOf(inner.id.name));
        this.error(arg.span, `${b.name} expects a request name (KVM_REQ_…)`, 'wrong-type');
        return 0;
      }
    }
  }

  /**
   * Binds an argument that must be a shared object of one kind (a work_struct, a timer, a
   * completion), given as a place (`&obj->work`) or a pointer to one (`work`). Returns its type.
   */
  /**
   * An fd made by anon_inode_getfd(priv, release) has no struct file: in a scenario that also
   * takes files from fds (fget) or installs them, every fd must be made the kernel's way.
   */
  private checkFileForms(): void {
    const short = this.shortFdSpans[0];
    const needsFile = this.fileFdSpans.find((x) => x.name === 'fget');
    if (!short || !needsFile) return;
    this.error(short, `this fd has no struct file for fget to return: with fget in the scenario, make it as the kernel does: anon_inode_getfd("name", &fops, priv, O_RDWR) with a static const struct file_operations whose .release takes (struct inode *, struct file *)`, 'file-form',
      [{ span: needsFile.span, message: 'fget is called here' }]);
  }

  /** `struct file *` or `struct file_operations *` of the built-in file structs. */
  private fileType(name: 'file' | 'file_operations'): Ty {
    const s = this.structByName.get(name);
    return s ? { k: 'ptr', to: { k: 'struct', s } } : { k: 'ptr', to: ANY };
  }

  /**
   * A `struct file *` argument (fput, fd_install, get_file) or a `const struct file_operations *`
   * (anon_inode_getfd's fops): misuse names what the argument should be.
   */
  private expectFilePointer(b: Builtin, kind: 'file' | 'fops', pname: string, arg: A.Expr): void {
    const want = kind === 'file' ? 'file' : 'file_operations';
    const t = this.bindValue(arg, this.fileType(want));
    if (t.k === 'any' || (t.k === 'ptr' && (t.to.k === 'any' || (t.to.k === 'struct' && t.to.s.name === want)))) return;
    const inner = arg.kind === 'AddressOf' ? arg.operand : arg;
    if (kind === 'fops') {
      const tables = this.globals.filter((g) => g.type.k === 'struct' && g.type.s.name === 'file_operations').map((g) => `&${g.name}`);
      const hint = tables.length > 0 ? ` (e.g. ${tables[0]})` : ' (a static ops table: static const struct file_operations kvm_device_fops = { .release = … }; then &kvm_device_fops)';
      this.error(arg.span, `${b.name}'s ${pname} is a const struct file_operations *, but ${exprText(this.text, inner)} is ${article(typeName(t))} ${typeName(t)}${hint}`, 'wrong-type');
      return;
    }
    const priv = t.k === 'ptr' && t.to.k === 'struct' ? ' (a file\'s object is its ->private_data; the file is what fget(fd) or anon_inode_getfile returned)' : t.k === 'int' ? ' (an fd is a number: fget(fd) gives its struct file *)' : '';
    this.error(arg.span, `${b.name} expects a struct file *, but ${exprText(this.text, inner)} is ${article(typeName(t))} ${typeName(t)}${priv}`, 'wrong-type');
  }

  private expectObject(b: Builtin, arg: A.Expr, want: string, ok: (t: Ty) => boolean): Ty | undefined {
    const t = this.bindExpr(arg);
    const obj = t.k === 'ptr' ? t.to : t;
    if (obj.k === 'any') return undefined;
    const inner = arg.kind === 'AddressOf' ? arg.operand : arg;
    if (obj.k === 'work' || obj.k === 'timer' || obj.k === 'completion') {
      if (!ok(obj) && (obj.k !== 'timer' || want === 'work' || want === 'completion')) {
        this.error(arg.span, `${b.name} expects a struct ${want}, but ${exprText(this.text, inner)} is ${article(typeName(obj))} ${typeName(obj)}`, 'wrong-type');
      }
      return obj;
    }
    const fields = obj.k === 'struct' ? obj.s.fields.filter((f) => ok(f.type)).map((f) => f.name) : [];
    const hint = fields.length > 0 ? ` (did you mean &${exprText(this.text, inner)}->${fields[0]}?)` : '';
    this.error(arg.span, `${b.name} expects a struct ${want}, but ${exprText(this.text, inner)} is ${article(typeName(t))} ${typeName(t)}${hint}`, 'wrong-type');
    return undefined;
  }

  /**
   * An argument that must be one of the model's kernel objects (an XArray, an IDR, an hlist
   * head or node, a lock_class_key), as a place (`&kvm->vcpu_array`) or a pointer to one.
   * Misuse names the struct's fields of the right type, or the primitive for what it is.
   */
  private expectKernelObject(b: Builtin, arg: A.Expr, want: string, ok: (t: Ty) => boolean): Ty | undefined {
    const t = this.bindExpr(arg);
    const obj = t.k === 'ptr' ? t.to : t;
    if (obj.k === 'any' || ok(obj)) return obj.k === 'any' ? undefined : obj;
    const inner = arg.kind === 'AddressOf' ? arg.operand : arg;
    const text = exprText(this.text, inner);
    const fields = obj.k === 'struct' ? obj.s.fields.filter((f) => ok(f.type)).map((f) => f.name) : [];
    const fix = fields.length > 0 ? ` (did you mean &${text}->${fields[0]}?)`
      : obj.k === 'xarray' ? ` (${obj.idr ? 'an IDR takes idr_alloc, idr_find, idr_remove' : 'an XArray takes xa_store, xa_load, xa_erase'})`
      : obj.k === 'list_head' && want.startsWith('hlist') ? ' (a list_head takes list_add, list_del)'
      : obj.k === 'hlist' ? ` (${obj.node ? 'the node' : 'the head'} goes ${obj.node ? 'first' : 'second'}: hlist_add_head(&obj->node, &head))`
      : '';
    this.error(arg.span, `${b.name} expects a struct ${want}, but ${text} is ${article(typeName(t))} ${typeName(t)}${fix}`, 'wrong-type');
    return undefined;
  }

  /**
   * container_of's member: a field path (`shutdown`, `dwork.work`, `ref`, `rcu`) of the
   * struct named by the argument before it, of the type the pointer argument points to (a
   * struct work_struct * gives a work_struct member, a struct kref * a kref, …). Returns the
   * member's offset in words.
   */
  private containerMember(b: Builtin, arg: A.Expr): number {
    const st = this.containerOf;
    this.containerOf = undefined;
    const path = memberPath(arg);
    const ptr = this.containerPtr;
    this.containerPtr = undefined;
    if (!st) return 0;
    if (!path) {
      this.error(arg.span, `${b.name}'s member must be a field name of struct ${st.name}`, 'wrong-type');
      return 0;
    }
    const pointee = ptr?.k === 'ptr' && ptr.to.k !== 'any' && ptr.to.k !== 'void' ? ptr.to : undefined;
    // The members the pointer could point to: every field of its type (one level of nesting,
    // as dwork.work), or every field when the pointer's type says nothing.
    const candidates = (s: StructSymbol): string[] => {
      const out: string[] = [];
      for (const f of s.fields) {
        if (!pointee || typeName(f.type) === typeName(pointee)) out.push(f.name);
        else if (f.type.k === 'work' && f.type.delayed && pointee.k === 'work' && !pointee.delayed) out.push(`${f.name}.work`);
        else if (f.type.k === 'struct') for (const g of f.type.s.fields) if (typeName(g.type) === typeName(pointee)) out.push(`${f.name}.${g.name}`);
      }
      return out;
    };
    let t: Ty = { k: 'struct', s: st };
    let offset = 0;
    for (const id of path) {
      if (t.k === 'work' && t.delayed && id.name === 'work') {
        t = { k: 'work', delayed: false };
        continue;
      }
      const owner: StructSymbol | undefined = t.k === 'struct' ? t.s : undefined;
      const f: FieldSymbol | undefined = owner?.fields.find((x) => x.name === id.name);
      if (!owner || !f) {
        const c = owner ? candidates(owner) : [];
        this.error(id.span, `${owner ? `struct ${owner.name}` : `a ${typeName(t)}`} has no field '${id.name}'${c.length ? ` (its fields of the pointer's type: ${c.join(', ')})` : ''}`, 'unknown-field');
        return 0;
      }
      this.occur(id, f, false);
      offset += f.offset;
      t = f.type;
    }
    const text = exprText(this.text, arg);
    if (pointee && typeName(pointee) !== typeName(t)) {
      const c = candidates(st);
      const fix = t.k === 'work' && t.delayed && pointee.k === 'work' ? ` (use ${text}.work: the pointer is the delayed_work's work_struct)` : c.length ? ` (did you mean ${c.join(' or ')}?)` : '';
      this.error(arg.span, `the pointer is ${article(typeName(pointee))} ${typeName(pointee)} *, but ${st.name}.${text} is ${article(typeName(t))} ${typeName(t)}${fix}`, 'container-of-member');
    }
    return offset;
  }

  /** Names a lock class after the first expression that takes it, as lockdep does. */
  private nameClass(cls: number, e: A.Expr): void {
    if (cls < 0 || this.classNamed.has(cls)) return;
    const c = this.lockClasses[cls];
    if (!c) return;
    this.classNamed.add(cls);
    c.name = normaliseLockText(exprText(this.text, e));
  }
}

const BUILTIN_NAMES: readonly string[] = BUILTINS.map((b) => b.name);

/** `queue_work(NAME)`: a workqueue primitive called without its workqueue, on a `work` actor. */
export function isWorkShorthand(b: Builtin, nargs: number): boolean {
  return b.params[0]?.kind === 'workqueue' && b.params[1]?.kind === 'work' && nargs === b.params.length - 1;
}

/** `a.b.c` as identifiers, or undefined for anything but a field path. */
function memberPath(e: A.Expr): A.Identifier[] | undefined {
  if (e.kind === 'Name') return [e.id];
  if (e.kind === 'Member') {
    const p = memberPath(e.object);
    return p ? [...p, e.field] : undefined;
  }
  return undefined;
}

/** The primitive for the other kind of timer. */
const TIMER_EQUIVALENTS: Readonly<Record<string, string>> = {
  mod_timer: 'hrtimer_start', add_timer: 'hrtimer_start', del_timer_sync: 'hrtimer_cancel', del_timer: 'hrtimer_try_to_cancel',
  timer_pending: 'hrtimer_active', timer_setup: 'hrtimer_setup',
  hrtimer_start: 'mod_timer', hrtimer_cancel: 'del_timer_sync', hrtimer_try_to_cancel: 'del_timer', hrtimer_active: 'timer_pending',
  hrtimer_setup: 'timer_setup',
};

/** Types that are shared objects in their own right: they live in shared memory, never in a local. */
function isSharedObject(t: Ty): boolean {
  switch (t.k) {
    case 'lock':
    case 'list_head':
    case 'struct':
    case 'atomic':
    case 'kref':
    case 'waitq':
    case 'work':
    case 'timer':
    case 'completion':
    case 'workqueue':
    case 'xarray':
    case 'hlist':
    case 'lockkey':
      return true;
    default:
      return false;
  }
}

function article(word: string): string {
  return /^([aeiou]|rw)/i.test(word) ? 'an' : 'a';
}

function displayKind(k: string): string {
  return k === 'atomic' ? 'atomic_t' : k === 'waitq' ? 'wait_queue_head' : k;
}

function describeSym(s: Sym): string {
  switch (s.kind) {
    case 'fn':
      return `the fn ${s.name}`;
    case 'actor':
      return `the ${s.actorKind} ${s.name}`;
    case 'const':
      return `the constant ${s.name}`;
    case 'global':
      return `the shared ${typeName(s.type)} ${s.name}`;
    case 'struct':
      return `struct ${s.name}`;
    case 'builtin':
      return `the primitive ${s.name}`;
    default:
      return `'${s.name}'`;
  }
}

/** The acquire/release primitive of another lock kind that does what `name` does. */
function equivalentPrimitive(name: string, kind: LockKind): string | undefined {
  const releasing = /unlock|up_/.test(name);
  const reading = /read/.test(name);
  if (kind === 'rwsem') return releasing ? (reading ? 'up_read' : 'up_write') : reading ? 'down_read' : 'down_write';
  if (kind === 'rwlock') return releasing ? (reading ? 'read_unlock' : 'write_unlock') : reading ? 'read_lock' : 'write_lock';
  const p = LOCK_PRIMITIVES[kind];
  return releasing ? p.unlock : p.lock;
}

export function exprText(text: string, e: A.Expr): string {
  return text.slice(e.span.start, e.span.end);
}

/** `&vcpu[i]->arch.mutex` → `vcpu->arch.mutex`: the lockdep class name of a lock expression. */
export function normaliseLockText(s: string): string {
  let out = s.replace(/\s+/g, '').replace(/^&+/, '').replace(/^\((.*)\)$/, '$1');
  let prev = '';
  while (prev !== out) {
    prev = out;
    out = out.replace(/\[[^[\]]*\]/g, '');
  }
  return out;
}

/**
 * ` (did you mean 'x'?)` for the closest of `candidates` (fewer than three edits away), or
 * nothing. Cheap per candidate, since a file full of mistakes asks once per mistake: a
 * length that differs by three or more is skipped unread, and the distance stops counting
 * once it cannot beat the best so far.
 */
function suggestFrom(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) >= bestD) continue;
    const d = editDistance(name, c, bestD);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

/** A stub definition for a prototype: its own text with `{ return 0; }` for the `;`. */
function protoStub(text: string, p: A.ForwardDecl): string {
  const head = text.slice(p.span.start, p.span.end).replace(/;\s*$/, '').replace(/\s+/g, ' ').trim();
  const isVoid = p.returns?.kind === 'ScalarType' && p.returns.name === 'void';
  return `${head} { ${isVoid ? '' : 'return 0; '}}`;
}

/** Levenshtein distance of a and b, or `bound` as soon as it is certain to be at least that. */
function editDistance(a: string, b: string, bound: number): number {
  if (Math.abs(a.length - b.length) >= bound) return bound;
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (dp[j]! < rowMin) rowMin = dp[j]!;
      prev = tmp;
    }
    if (rowMin >= bound) return bound;
  }
  return Math.min(dp[b.length]!, bound);
}

/** Word offsets, inside a value of type t, of the words `leaf` picks in each scalar or list. */
function offsetsWhere(t: Ty, leaf: (t: Ty) => readonly number[]): number[] {
  switch (t.k) {
    case 'struct': {
      const out: number[] = [];
      for (const f of t.s.fields) for (const o of offsetsWhere(f.type, leaf)) out.push(f.offset + o);
      return out;
    }
    case 'array': {
      const inner = offsetsWhere(t.of, leaf);
      const size = sizeOf(t.of);
      const out: number[] = [];
      for (let i = 0; i < t.n; i++) for (const o of inner) out.push(i * size + o);
      return out;
    }
    default:
      return [...leaf(t)];
  }
}

/** Word offsets of the instances of struct s inside a value of type t (itself included). */
function structOffsets(t: Ty, s: StructSymbol): number[] {
  if (t.k === 'struct' && t.s === s) return [0];
  if (t.k === 'struct') return t.s.fields.flatMap((f) => structOffsets(f.type, s).map((o) => f.offset + o));
  if (t.k === 'array') {
    const inner = structOffsets(t.of, s);
    const size = sizeOf(t.of);
    return Array.from({ length: t.n }, (_, i) => inner.map((o) => i * size + o)).flat();
  }
  return [];
}

/** Word offsets of pointer and list-link words inside a value of type t (leak roots). */
export function pointerOffsets(t: Ty): number[] {
  return offsetsWhere(t, (x) => (x.k === 'ptr' ? [0] : x.k === 'list_head' ? [0, 1] : x.k === 'hlist' ? (x.node ? [0, 1] : [0]) : x.k === 'xarray' ? XARRAY_ENTRY_OFFSETS : []));
}

/** Word offsets of list heads inside a value of type t (static ones start empty). */
export function listHeadOffsets(t: Ty): number[] {
  return offsetsWhere(t, (x) => (x.k === 'list_head' ? [0] : []));
}

/** Word offsets of an XArray's or IDR's entries (leak roots: what is stored there is reachable). */
const XARRAY_ENTRY_OFFSETS: readonly number[] = Array.from({ length: XARRAY_SLOTS }, (_, i) => XARRAY_WORD.slots + 2 * i + 1);

/**
 * An actor's symbol in its final form, made once every field is known: every property there,
 * in one order, so that all the actors of a scenario share one hidden class, and every compile
 * of a scenario makes that same one. The machine reads these at every step; built by spreads
 * with properties present or not (earlier in the binder), they had one class per kind of
 * actor, and V8's classes for spread results change after a few compiles, so that a second
 * and third check in one process (the language server's, `lockstep test`'s) threw their
 * optimised code away and compiled it again.
 */
function finalActor(a: ActorSymbol, workClass: number | undefined): ActorSymbol {
  // Every key of ActorSymbol, optional ones too: one added there and forgotten here fails to compile.
  const every: { [K in keyof Required<ActorSymbol>]: ActorSymbol[K] } = {
    kind: 'actor',
    name: a.name,
    actorKind: a.actorKind,
    cpu: a.cpu,
    description: a.description,
    decl: a.decl,
    index: a.index,
    locals: a.locals,
    words: a.words,
    workClass,
    vcpu: a.vcpu,
    callback: a.callback,
    line: a.line,
  };
  return every;
}
