// The parser: recursive descent over the lexer's tokens. Parsing never fails: a missing
// token becomes a zero-width Missing identifier or an ErrorExpr/ErrorStmt node, lists
// recover by skipping to a token that can start or end them, every loop is guarded
// against not advancing, and nesting deeper than MAX_DEPTH is reported, not recursed. Every
// expression's height (operator runs and member chains included) counts toward that depth,
// so no later pass that recurses over the tree can overflow the stack.

import type * as A from './ast';
import type { Diagnostic } from './diagnostics';
import { lex, lexRange, type Comment, type Token } from './lexer';

export interface ParseResult {
  readonly program: A.Program;
  readonly diagnostics: Diagnostic[];
  readonly comments: readonly Comment[];
  readonly tokens: readonly Token[];
}

export const SCALAR_TYPES: readonly A.ScalarTypeName[] = [
  'int', 'bool', 'mutex', 'spinlock', 'rwsem', 'rwlock_t', 'srcu', 'list_head', 'atomic_t', 'kref', 'refcount_t', 'rcu_head',
  'wait_queue_head',
];
const SCALAR_SET = new Set<string>(SCALAR_TYPES);
/** `struct NAME` spellings that are the model's own types rather than scenario structs. */
export const KERNEL_STRUCT_TYPES: readonly A.KernelStructTypeName[] = [
  'work_struct', 'delayed_work', 'timer_list', 'hrtimer', 'completion', 'workqueue_struct',
  'xarray', 'idr', 'hlist_head', 'hlist_node', 'lock_class_key',
];
const KERNEL_STRUCT_SET = new Set<string>(KERNEL_STRUCT_TYPES);
export const ACTOR_KEYWORDS: readonly A.ActorKind[] = ['thread', 'vcpu', 'irq', 'work'];
const ACTOR_SET = new Set<string>(ACTOR_KEYWORDS);

/** C's integer words, combined as C combines them (`unsigned long`, `long long`). */
export const INTEGER_WORDS: readonly string[] = ['unsigned', 'signed', 'short', 'long', 'char'];
const INTEGER_SET = new Set<string>(INTEGER_WORDS);

/** The kernel's typedef names for the model's types, with an integer's width in bytes. */
export const KERNEL_TYPEDEFS: ReadonlyMap<string, { readonly name: A.ScalarTypeName; readonly bytes?: number }> = new Map([
  ['u8', { name: 'int', bytes: 1 }], ['u16', { name: 'int', bytes: 2 }], ['u32', { name: 'int', bytes: 4 }], ['u64', { name: 'int', bytes: 8 }],
  ['s8', { name: 'int', bytes: 1 }], ['s16', { name: 'int', bytes: 2 }], ['s32', { name: 'int', bytes: 4 }], ['s64', { name: 'int', bytes: 8 }],
  ['__u8', { name: 'int', bytes: 1 }], ['__u16', { name: 'int', bytes: 2 }], ['__u32', { name: 'int', bytes: 4 }], ['__u64', { name: 'int', bytes: 8 }],
  ['size_t', { name: 'int', bytes: 8 }], ['ssize_t', { name: 'int', bytes: 8 }], ['loff_t', { name: 'int', bytes: 8 }],
  ['gfn_t', { name: 'int', bytes: 8 }], ['gpa_t', { name: 'int', bytes: 8 }], ['gva_t', { name: 'int', bytes: 8 }],
  ['hva_t', { name: 'int', bytes: 8 }], ['hpa_t', { name: 'int', bytes: 8 }], ['kvm_pfn_t', { name: 'int', bytes: 8 }],
  ['spinlock_t', { name: 'spinlock' }], ['raw_spinlock_t', { name: 'spinlock' }],
  ['wait_queue_head_t', { name: 'wait_queue_head' }],
  ['atomic_long_t', { name: 'atomic_t' }],
]);

/** `struct NAME` of the kernel that is one of the model's own types. */
export const KERNEL_STRUCTS: ReadonlyMap<string, A.ScalarTypeName> = new Map<string, A.ScalarTypeName>([
  ['mutex', 'mutex'], ['rw_semaphore', 'rwsem'], ['srcu_struct', 'srcu'], ['list_head', 'list_head'],
  ['kref', 'kref'], ['rcu_head', 'rcu_head'], ['wait_queue_head', 'wait_queue_head'],
]);

/** Qualifiers, storage classes and sparse annotations: accepted and ignored. */
export const IGNORED_QUALIFIERS: readonly string[] = [
  'const', 'volatile', 'static', 'inline', 'extern', 'register',
  '__rcu', '__user', '__iomem', '__percpu', '__must_check', '__always_inline', 'noinline', '__init', '__exit',
  '__maybe_unused', '__read_mostly', '__force',
];
const QUALIFIER_SET = new Set<string>(IGNORED_QUALIFIERS);

/** The kernel's static definitions: `DEFINE_MUTEX(x);` declares a shared `mutex x`. */
export const STATIC_DEFINERS: ReadonlyMap<string, A.ScalarTypeName> = new Map<string, A.ScalarTypeName>([
  ['DEFINE_MUTEX', 'mutex'], ['DEFINE_SPINLOCK', 'spinlock'], ['DEFINE_RAW_SPINLOCK', 'spinlock'],
  ['DEFINE_RWLOCK', 'rwlock_t'], ['DECLARE_RWSEM', 'rwsem'], ['LIST_HEAD', 'list_head'],
  ['DEFINE_SRCU', 'srcu'], ['DEFINE_STATIC_SRCU', 'srcu'], ['DECLARE_WAIT_QUEUE_HEAD', 'wait_queue_head'],
  ['DEFINE_XARRAY', 'xarray'], ['DEFINE_XARRAY_ALLOC', 'xarray'], ['DEFINE_IDR', 'idr'], ['HLIST_HEAD', 'hlist_head'],
]);

export const KEYWORDS = new Set<string>([
  'scenario', 'config', 'struct', 'fn', 'thread', 'vcpu', 'irq', 'work', 'on', 'if', 'else', 'while',
  'for', 'do', 'return', 'break', 'continue', 'choose', 'or', 'expect', 'true', 'false', 'NULL', 'init', ...SCALAR_TYPES,
  'void', 'goto', 'switch', 'case', 'default', 'sizeof', 'enum', ...INTEGER_WORDS, ...IGNORED_QUALIFIERS, ...KERNEL_TYPEDEFS.keys(),
]);
/**
 * Words that can never be names. The actor words (thread, vcpu, …), the shared type words
 * (mutex, spinlock, …), the kernel's typedef names (u32, spinlock_t, …) and `config` (a
 * top-level word only: kernel structs have fields named so) are contextual: `vcpu->mutex`
 * is ordinary KVM code.
 */
export const RESERVED = new Set<string>([
  'scenario', 'struct', 'if', 'else', 'while', 'for', 'do', 'return', 'break', 'continue',
  'choose', 'or', 'expect', 'true', 'false', 'NULL', 'int', 'bool',
  'void', 'goto', 'switch', 'case', 'default', 'sizeof', 'enum', ...INTEGER_WORDS, ...IGNORED_QUALIFIERS,
]);
const DECL_STARTS = new Set<string>([
  'scenario', 'config', 'struct', 'enum', 'fn', 'expect', 'init', 'final', 'invariant', ...ACTOR_KEYWORDS, ...SCALAR_TYPES,
  'void', ...INTEGER_WORDS, ...IGNORED_QUALIFIERS, ...STATIC_DEFINERS.keys(),
]);
const STMT_STARTS = new Set<string>([
  'if', 'while', 'do', 'for', 'return', 'break', 'continue', 'choose', 'struct', 'enum', ...SCALAR_TYPES,
  'goto', 'switch', 'case', 'default', 'void', ...INTEGER_WORDS, ...IGNORED_QUALIFIERS,
]);

/** Deeper nesting than this is reported and skipped, so no input can overflow the stack. */
export const MAX_DEPTH = 256;

function tooDeepMessage(levels: number): string {
  return `expression nested too deeply (${levels} levels; the limit is ${MAX_DEPTH})`;
}

const BINARY_PRECEDENCE: ReadonlyMap<string, number> = new Map([
  ['||', 1], ['&&', 2], ['|', 3], ['^', 4], ['&', 5],
  ['==', 6], ['!=', 6], ['<', 7], ['<=', 7], ['>', 7], ['>=', 7],
  ['<<', 8], ['>>', 8], ['+', 9], ['-', 9], ['*', 10], ['/', 10], ['%', 10],
]);
const ASSIGN_OPS = new Set(['=', '+=', '-=', '|=', '&=', '^=', '*=', '/=', '%=', '<<=', '>>=']);

export function parse(text: string): ParseResult {
  const { tokens, comments } = lex(text);
  const parser = new Parser(tokens);
  const program = parser.parseProgram(text.length);
  return { program, diagnostics: parser.diagnostics, comments, tokens };
}

/** Top-level declarations from tokens ending with EOF (a region of a text: see reparse.ts). */
export function parseDecls(tokens: Token[]): { readonly decls: readonly A.Decl[]; readonly diagnostics: readonly Diagnostic[] } {
  const parser = new Parser(tokens);
  const { decls } = parser.parseProgram(0);
  return { decls, diagnostics: parser.diagnostics };
}

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  private pos = 0;
  private depth = 0;
  /** The height of each composite expression built (a leaf's is 1), to bound the tree's depth. */
  private readonly heights = new Map<A.Expr, number>();
  /** Offset of the last error, so one bad spot yields one diagnostic. */
  private lastErrorAt = -1;
  /** Further declarations of one top-level declaration (`int a, b;`). */
  private readonly moreDecls: A.Decl[] = [];

  constructor(private readonly tokens: Token[]) {
    for (const t of tokens) {
      if (t.kind === 'Invalid') {
        this.error(t.span, t.unterminated ? 'unterminated comment' : `unexpected character '${printable(t.text)}'`, 'invalid-character');
      } else if (t.kind === 'String' && t.unterminated) {
        this.error(t.span, 'unterminated string', 'unterminated-string');
      }
    }
    this.tokens = tokens.filter((t) => t.kind !== 'Invalid');
  }

  // ---------- token helpers ----------

  private get tok(): Token {
    return this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1]!;
  }
  private peek(k = 1): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)]!;
  }
  private at(text: string): boolean {
    const t = this.tok;
    return (t.kind === 'Punct' || t.kind === 'Identifier') && t.text === text;
  }
  private atEOF(): boolean {
    return this.tok.kind === 'EOF';
  }
  private next(): Token {
    const t = this.tok;
    if (t.kind !== 'EOF') this.pos++;
    return t;
  }
  private eat(text: string): boolean {
    if (this.at(text)) {
      this.pos++;
      return true;
    }
    return false;
  }
  private prevEnd(): number {
    return this.pos > 0 ? this.tokens[this.pos - 1]!.span.end : 0;
  }
  private expect(text: string, what = `'${text}'`): boolean {
    if (this.eat(text)) return true;
    this.errorHere(`expected ${what}`, 'expected-token');
    return false;
  }
  private error(span: A.Span, message: string, code: string): void {
    this.diagnostics.push({ severity: 'error', message, span, code });
  }
  private errorHere(message: string, code = 'syntax'): void {
    const t = this.tok;
    if (t.span.start === this.lastErrorAt) return;
    this.lastErrorAt = t.span.start;
    const found = t.kind === 'EOF' ? 'end of file' : `'${printable(t.text)}'`;
    // A missing token is reported where it should have been: right after the previous one.
    const start = this.pos > 0 && t.kind === 'EOF' ? this.prevEnd() : t.span.start;
    this.error({ start, end: Math.max(start, t.span.end) }, `${message}, found ${found}`, code);
  }
  private missingIdent(): A.Identifier {
    const at = this.prevEnd();
    return { kind: 'Identifier', name: '', missing: true, span: { start: at, end: at } };
  }
  private ident(what = 'a name'): A.Identifier {
    const t = this.tok;
    if (t.kind === 'Identifier' && !RESERVED.has(t.text)) {
      this.pos++;
      return { kind: 'Identifier', name: t.text, span: t.span };
    }
    this.errorHere(`expected ${what}`, 'expected-name');
    return this.missingIdent();
  }
  private span(start: number): A.Span {
    return { start, end: Math.max(start, this.prevEnd()) };
  }

  /** Skips tokens until one in `stops` (not consumed) or a balanced `}` at this level. */
  private recover(stops: ReadonlySet<string>, consumeSemicolon: boolean): void {
    let braces = 0;
    let guard = 0;
    while (!this.atEOF() && guard++ < 1_000_000) {
      const t = this.tok;
      if (braces === 0 && t.text === ';' && t.kind === 'Punct') {
        if (consumeSemicolon) this.pos++;
        return;
      }
      if (braces === 0 && t.kind === 'Identifier' && stops.has(t.text)) return;
      if (t.kind === 'Punct' && t.text === '{') braces++;
      if (t.kind === 'Punct' && t.text === '}') {
        if (braces === 0) return;
        braces--;
        if (braces === 0) {
          this.pos++;
          return;
        }
      }
      this.pos++;
    }
  }

  /** Skips one balanced `{…}`, `(…)` or `[…]` group iteratively (used past MAX_DEPTH); returns how deep it went. */
  private skipBalanced(): number {
    let level = 0;
    let deepest = 0;
    do {
      const t = this.next();
      if (t.kind === 'Punct' && (t.text === '{' || t.text === '(' || t.text === '[')) deepest = Math.max(deepest, ++level);
      if (t.kind === 'Punct' && (t.text === '}' || t.text === ')' || t.text === ']')) level--;
    } while (level > 0 && !this.atEOF());
    return deepest;
  }

  private height(e: A.Expr): number {
    return this.heights.get(e) ?? 1;
  }

  /** Records a composite expression's height; false when it (at the current depth) is too deep. */
  private fits(e: A.Expr, ...children: A.Expr[]): boolean {
    let h = 0;
    for (const c of children) h = Math.max(h, this.height(c));
    this.heights.set(e, h + 1);
    return this.depth + h + 1 <= MAX_DEPTH;
  }

  private tooDeep(start: number, levels: number): A.Expr {
    const span = this.span(start);
    this.error(span, tooDeepMessage(levels), 'too-deep');
    return { kind: 'ErrorExpr', span };
  }

  // ---------- program ----------

  parseProgram(length: number): A.Program {
    const decls: A.Decl[] = [];
    while (!this.atEOF()) {
      const before = this.pos;
      decls.push(this.parseDecl());
      // `int a, b;` at the top level declares several shared variables.
      decls.push(...this.moreDecls.splice(0));
      if (this.pos === before) {
        // No progress: report and drop the token.
        this.errorHere('expected a declaration (struct, a shared variable, fn, init, thread, vcpu, irq, work, expect)');
        this.next();
      }
    }
    return { kind: 'Program', decls, span: { start: 0, end: length } };
  }

  private parseDecl(): A.Decl {
    const t = this.tok;
    const start = t.span.start;
    // A stray ';' between declarations is harmless, as in C.
    if (t.kind === 'Punct' && t.text === ';') {
      this.next();
      return { kind: 'ErrorDecl', span: this.span(start) };
    }
    if (t.kind === 'Directive') return this.parseDirective();
    if (t.kind === 'Identifier') {
      switch (t.text) {
        case 'scenario': {
          this.next();
          const title = this.stringLiteral('the scenario title (a string)');
          this.eat(';');
          return { kind: 'Scenario', title, span: this.span(start) };
        }
        case 'config': {
          this.next();
          const name = this.ident('a configuration name (KCSAN)');
          this.expect(';');
          return { kind: 'Config', name, span: this.span(start) };
        }
        case 'fn':
          return this.parseFn();
        case 'init':
          if (this.peek().text === '{') return this.parseInit();
          break;
        case 'final':
          if (this.peek().text === '{') return this.parseInit('final');
          break;
        case 'invariant':
          if (this.peek().kind !== 'Identifier' || this.peek(2).text !== ';') return this.parseInvariant();
          break;
        case 'expect':
          return this.parseExpect();
        case 'struct':
          if (this.peek(2).text === '{') return this.parseStruct();
          if (this.peek(2).text === ';' && this.peek().kind === 'Identifier') {
            // A forward declaration: `struct kvm_device;`.
            this.next();
            const name = this.ident('a struct name');
            this.next();
            return { kind: 'Forward', what: 'struct', name, span: this.span(start) };
          }
          return this.parseCDecl();
        case 'enum':
          if (this.peek().text === '{' || this.peek(2).text === '{') return this.parseEnum();
          return this.parseCDecl();
        default:
          if (ACTOR_SET.has(t.text) && this.peek().kind === 'Identifier' && !this.isTypeStartAt(this.pos)) return this.parseActor();
          if (this.isTypeStartAt(this.pos) || this.isDefinerAt(this.pos)) return this.parseCDecl();
          if (ACTOR_SET.has(t.text)) return this.parseActor();
      }
    }
    this.errorHere('expected a declaration (struct, a shared variable, fn, thread, vcpu, irq, work, expect)', 'expected-declaration');
    this.recover(DECL_STARTS, true);
    return { kind: 'ErrorDecl', span: this.span(start) };
  }

  /**
   * A preprocessor line. `#define NAME CONST` declares a constant; `#include` and `#pragma`
   * are ignored; function-like macros and conditionals are errors that say what to write.
   */
  private parseDirective(): A.Decl {
    const t = this.next();
    const span = t.span;
    const m = /^#\s*([A-Za-z_]*)/.exec(t.text)!;
    const word = m[1]!;
    if (word === 'include' || word === 'pragma' || (word === '' && /^#\s*$/.test(t.text))) return { kind: 'ErrorDecl', span };
    if (word === '') {
      this.error(span, `unexpected character '#': a preprocessor line names its directive (#define NAME CONST)`, 'preprocessor');
      return { kind: 'ErrorDecl', span };
    }
    if (word !== 'define') {
      const conditional = /^(if|ifdef|ifndef|elif|else|endif|undef)$/.test(word);
      this.error(span, conditional
        ? `#${word}: preprocessor conditionals are not supported; keep the lines of the configuration you mean (a \`config NAME;\` turns on what the model checks)`
        : `#${word}: only #define NAME CONST (and #include, ignored) are supported`, 'preprocessor');
      return { kind: 'ErrorDecl', span };
    }
    const d = /^#\s*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)(\()?/.exec(t.text);
    if (!d) {
      this.error(span, '#define needs a name', 'preprocessor');
      return { kind: 'ErrorDecl', span };
    }
    const nameStart = span.start + t.text.indexOf(d[1]!, t.text.indexOf('define') + 6);
    const name: A.Identifier = { kind: 'Identifier', name: d[1]!, span: { start: nameStart, end: nameStart + d[1]!.length } };
    if (d[2]) {
      this.error(span, `#define ${d[1]}(…): function-like macros are not supported; write a static inline function`, 'preprocessor');
      return { kind: 'ErrorDecl', span };
    }
    const from = name.span.end - span.start;
    const rest = t.text.slice(from);
    if (/\\\r?\n/.test(rest)) {
      this.error(span, `#define ${d[1]}: a macro continued over several lines is not supported; a constant fits on one`, 'preprocessor');
      return { kind: 'ErrorDecl', span };
    }
    // The value's tokens, at their places in the file (comments after it are dropped).
    const sub = lexRange(t.text, from, t.text.length).tokens.map((x) => ({ ...x, span: { start: x.span.start + span.start, end: x.span.end + span.start } }));
    if (sub.length === 0) return { kind: 'Define', name, span };
    sub.push({ kind: 'EOF', text: '', span: { start: span.end, end: span.end } });
    const p = new Parser(sub);
    const value = p.parseExpr();
    if (!p.atEOF()) p.errorHere(`#define ${d[1]}: expected one constant expression after the name`, 'preprocessor');
    this.diagnostics.push(...p.diagnostics);
    return { kind: 'Define', name, value, span };
  }

  /** `enum NAME { A, B = 2, … };` (the name and the trailing comma are optional, as in C). */
  private parseEnum(): A.EnumDecl {
    const start = this.tok.span.start;
    this.next();
    const name = this.tok.kind === 'Identifier' && this.peek().text === '{' ? this.ident('an enum name') : undefined;
    this.expect('{');
    const members: A.EnumMember[] = [];
    let guard = 0;
    while (!this.at('}') && !this.atEOF() && guard++ < 100_000) {
      const mstart = this.tok.span.start;
      const before = this.pos;
      const id = this.ident('an enumerator name');
      const value = this.eat('=') ? this.parseBinary(1) : undefined;
      members.push({ kind: 'EnumMember', name: id, span: this.span(mstart), ...(value ? { value } : {}) });
      if (!this.eat(',')) break;
      if (this.pos === before) break;
    }
    if (!this.at('}')) {
      // Report once, then skip to the enum's closing brace: the declarations after it stay.
      this.expect('}');
      while (!this.at('}') && !this.atEOF() && !this.at(';')) this.next();
      this.eat('}');
    } else this.next();
    this.expect(';');
    return { kind: 'Enum', members, span: this.span(start), ...(name ? { name } : {}) };
  }

  private stringLiteral(what: string): A.StringLiteral {
    const t = this.tok;
    if (t.kind === 'String') {
      this.pos++;
      return { kind: 'String', value: String(t.value ?? ''), span: t.span };
    }
    this.errorHere(`expected ${what}`, 'expected-string');
    const at = this.prevEnd();
    return { kind: 'String', value: '', span: { start: at, end: at } };
  }

  /** Skips qualifiers, storage classes and sparse annotations (`const`, `static`, `__rcu`). */
  private skipQualifiers(): void {
    let guard = 0;
    while (this.tok.kind === 'Identifier' && QUALIFIER_SET.has(this.tok.text) && guard++ < 1000) this.next();
  }

  /**
   * True when the tokens at `i` start a type: a type keyword, a qualifier, `struct`, or a
   * contextual type word (`mutex`, `u32`, `spinlock_t`) followed by a name or `*`.
   */
  private isTypeStartAt(i: number): boolean {
    const t = this.tokens[i];
    if (!t || t.kind !== 'Identifier') return false;
    const w = t.text;
    // `fn release;` (a field, parameter or local holding a fn); `fn name(` declares a fn.
    if (w === 'fn') return this.tokens[i + 1]?.kind === 'Identifier' && this.tokens[i + 2]?.text !== '(';
    if (w === 'enum') return this.tokens[i + 1]?.kind === 'Identifier' && this.tokens[i + 2]?.text !== '{';
    if (w === 'struct' || w === 'void' || w === 'int' || w === 'bool' || INTEGER_SET.has(w) || QUALIFIER_SET.has(w)) return true;
    if (SCALAR_SET.has(w) || KERNEL_TYPEDEFS.has(w)) {
      const n = this.tokens[i + 1];
      return !!n && ((n.kind === 'Identifier' && !RESERVED.has(n.text)) || n.text === '*' || (n.kind === 'Identifier' && QUALIFIER_SET.has(n.text)) || (n.text === '(' && this.tokens[i + 2]?.text === '*'));
    }
    return false;
  }

  /** `DEFINE_MUTEX(` (possibly after `static`). */
  private isDefinerAt(i: number): boolean {
    let j = i;
    while (this.tokens[j]?.kind === 'Identifier' && QUALIFIER_SET.has(this.tokens[j]!.text)) j++;
    const t = this.tokens[j];
    return !!t && t.kind === 'Identifier' && STATIC_DEFINERS.has(t.text) && this.tokens[j + 1]?.text === '(';
  }

  private parseType(): A.TypeNode {
    this.skipQualifiers();
    const t = this.tok;
    const start = t.span.start;
    let base: A.TypeNode;
    if (t.kind === 'Identifier' && (INTEGER_SET.has(t.text) || (t.text === 'int' && INTEGER_SET.has(this.peek().text)))) {
      // `unsigned`, `unsigned long`, `long long`, `unsigned int`, `short`, `char`.
      const words: string[] = [];
      let guard = 0;
      while (this.tok.kind === 'Identifier' && (INTEGER_SET.has(this.tok.text) || this.tok.text === 'int' || QUALIFIER_SET.has(this.tok.text)) && guard++ < 16) {
        const w = this.next().text;
        if (!QUALIFIER_SET.has(w)) words.push(w);
      }
      const bytes = words.includes('char') ? 1 : words.includes('short') ? 2 : words.includes('long') ? 8 : 4;
      base = { kind: 'ScalarType', name: 'int', span: this.span(start), spelling: words.join(' '), bytes };
    } else if (t.kind === 'Identifier' && t.text === 'void') {
      this.next();
      base = { kind: 'ScalarType', name: 'void', span: t.span };
    } else if (t.kind === 'Identifier' && SCALAR_SET.has(t.text)) {
      this.next();
      base = { kind: 'ScalarType', name: t.text as A.ScalarTypeName, span: t.span };
    } else if (t.kind === 'Identifier' && KERNEL_TYPEDEFS.has(t.text)) {
      this.next();
      const k = KERNEL_TYPEDEFS.get(t.text)!;
      base = { kind: 'ScalarType', name: k.name, span: t.span, spelling: t.text, ...(k.bytes !== undefined ? { bytes: k.bytes } : {}) };
    } else if (this.eat('struct')) {
      const name = this.ident('a struct name');
      const model = KERNEL_STRUCTS.get(name.name);
      base = model
        ? { kind: 'ScalarType', name: model, span: this.span(start), spelling: `struct ${name.name}` }
        : KERNEL_STRUCT_SET.has(name.name)
          ? { kind: 'ScalarType', name: name.name as A.KernelStructTypeName, span: this.span(start) }
          : { kind: 'StructType', name, span: this.span(start) };
    } else if (this.eat('enum')) {
      // `enum sev_migration_role role`: an int, as C stores it.
      const name = this.ident('an enum name');
      base = { kind: 'ScalarType', name: 'int', span: this.span(start), spelling: `enum ${name.name}` };
    } else if (this.eat('fn')) {
      // `fn release;`: a function pointer of any signature.
      base = { kind: 'FnPtrType', returns: { kind: 'ScalarType', name: 'int', span: t.span }, params: [], span: t.span, untyped: true };
    } else {
      this.errorHere('expected a type', 'expected-type');
      base = { kind: 'ScalarType', name: 'int', span: { start, end: start } };
    }
    this.skipQualifiers();
    while (this.at('*')) {
      this.next();
      base = { kind: 'PointerType', to: base, span: this.span(start) };
      this.skipQualifiers();
    }
    return base;
  }

  /**
   * A declarator after its type: a name, or a C function pointer `(*name)(params)`. The
   * name may be absent only where `optionalName` (a prototype's or a pointer type's params).
   */
  private parseDeclarator(type: A.TypeNode, what: string, optionalName = false): { type: A.TypeNode; name: A.Identifier } {
    if (this.at('(') && this.peek().text === '*') {
      const start = type.span.start;
      this.next();
      this.next();
      this.skipQualifiers();
      const name = this.at(')') && optionalName ? this.missingIdent() : this.ident(what);
      this.expect(')');
      const params = this.parseParamList(true);
      return { type: { kind: 'FnPtrType', returns: type, params, span: this.span(start) }, name };
    }
    if (optionalName && (this.at(',') || this.at(')') || this.at('['))) return { type, name: this.missingIdent() };
    return { type, name: this.ident(what) };
  }

  /** `(PARAM, …)`: typed C parameters, untyped `fn` ones, or `(void)`. The '(' is next. */
  private parseParamList(optionalNames: boolean): A.Param[] {
    const params: A.Param[] = [];
    if (!this.expect('(')) return params;
    if (this.at('void') && this.peek().text === ')') this.next();
    let guard = 0;
    while (!this.atEOF() && !this.at(')') && !this.at('{') && !this.at(';') && guard++ < 10_000) {
      const before = this.pos;
      const pstart = this.tok.span.start;
      if (this.isTypeStartAt(this.pos) || (this.tok.kind === 'Identifier' && KERNEL_TYPEDEFS.has(this.tok.text))) {
        const d = this.parseDeclarator(this.parseType(), 'a parameter name', optionalNames);
        if (this.at('[')) this.arrayLength();
        params.push({ kind: 'Param', name: d.name, span: this.span(pstart), type: d.type });
      } else {
        const pname = this.ident('a parameter name');
        params.push({ kind: 'Param', name: pname, span: this.span(pstart) });
      }
      if (!this.eat(',')) break;
      if (this.pos === before) this.next();
    }
    this.expect(')');
    return params;
  }

  /** `[N]` or `[NAME]` (a constant the binder resolves); undefined when there is no `[`. */
  private arrayLength(): { length: number } | { lengthName: A.Identifier } | undefined {
    if (!this.eat('[')) return undefined;
    const t = this.tok;
    let length = 1;
    if (t.kind === 'Identifier' && !RESERVED.has(t.text) && this.peek().text === ']') {
      const lengthName = this.ident();
      this.next();
      return { lengthName };
    }
    if (t.kind === 'Number') {
      this.next();
      length = Number(t.value);
      if (length < 1 || length > 4096) {
        this.error(t.span, 'array length must be between 1 and 4096', 'array-length');
        length = Math.max(1, Math.min(length, 4096));
      }
    } else {
      this.errorHere('expected an array length (a number or a constant)');
    }
    this.expect(']');
    return { length };
  }

  private parseStruct(): A.StructDecl {
    const start = this.tok.span.start;
    this.next(); // struct
    const name = this.ident('a struct name');
    const fields: A.FieldDecl[] = [];
    this.expect('{');
    let guard = 0;
    while (!this.atEOF() && !this.at('}') && guard++ < 1_000_000) {
      const before = this.pos;
      const fstart = this.tok.span.start;
      if (this.isTypeStartAt(this.pos) || (this.tok.kind === 'Identifier' && KERNEL_TYPEDEFS.has(this.tok.text))) {
        const type = this.parseType();
        let guard2 = 0;
        let dstart = fstart;
        do {
          const d = this.parseDeclarator(guard2 === 0 ? type : this.pointerPrefix(type), 'a field name');
          const length = this.arrayLength();
          fields.push({ kind: 'Field', type: d.type, name: d.name, span: this.span(dstart), ...length });
          dstart = this.peek().span.start;
        } while (this.eat(',') && guard2++ < 1000);
        this.expect(';');
      } else {
        this.errorHere('expected a field (a type and a name)', 'expected-field');
        this.recover(new Set(), true);
      }
      if (this.pos === before) this.next();
    }
    this.expect('}', "'}' to close the struct");
    this.eat(';');
    return { kind: 'Struct', name, fields, span: this.span(start) };
  }

  /**
   * A C declaration at the top level: a shared variable (`static struct kvm kvm;`,
   * `int a, b;`), a static definition (`static DEFINE_MUTEX(lock);`), a C function
   * definition (`static long foo(struct kvm *kvm) { … }`) or a prototype (`int foo(void);`).
   */
  private parseCDecl(): A.Decl {
    const start = this.tok.span.start;
    if (this.isDefinerAt(this.pos)) {
      this.skipQualifiers();
      const macro = this.next();
      const macroId: A.Identifier = { kind: 'Identifier', name: macro.text, span: macro.span };
      const type: A.TypeNode = { kind: 'ScalarType', name: STATIC_DEFINERS.get(macro.text)!, span: macro.span, spelling: macro.text };
      this.expect('(');
      const name = this.ident('a variable name');
      this.expect(')');
      if (!this.expect(';')) this.recover(DECL_STARTS, true);
      return { kind: 'Global', type, name, macro: macroId, span: this.span(start) };
    }
    const type = this.parseType();
    const first = this.parseDeclarator(type, 'a name');
    if (first.type === type && this.at('(')) {
      const params = this.parseParamList(true);
      this.skipQualifiers();
      if (this.eat(';')) return { kind: 'Forward', what: 'fn', name: first.name, params, returns: type, span: this.span(start) };
      const body = this.parseBlock();
      return { kind: 'Fn', name: first.name, params, body, returns: type, span: this.span(start) };
    }
    const decl = this.globalRest(first, start);
    let guard = 0;
    while (this.eat(',') && guard++ < 1000) {
      const dstart = this.tok.span.start;
      const next = this.parseDeclarator(this.pointerPrefix(type), 'a variable name');
      this.moreDecls.push(this.globalRest(next, dstart));
    }
    if (!this.expect(';')) this.recover(DECL_STARTS, true);
    return this.moreDecls.length > 0 ? { ...decl, span: { start: decl.span.start, end: decl.span.end } } : { ...decl, span: this.span(start) };
  }

  /** In `int *a, *b;` each further declarator has its own `*`s on the base type. */
  private pointerPrefix(type: A.TypeNode): A.TypeNode {
    let base = type;
    while (base.kind === 'PointerType') base = base.to;
    let t: A.TypeNode = base;
    while (this.at('*')) {
      this.next();
      t = { kind: 'PointerType', to: t, span: { start: base.span.start, end: this.prevEnd() } };
    }
    return t;
  }

  private globalRest(d: { type: A.TypeNode; name: A.Identifier }, start: number): A.GlobalDecl {
    const length = this.arrayLength();
    let init: A.Expr | undefined;
    if (this.eat('=')) init = this.at('{') ? this.parseInitList() : this.parseExpr();
    return {
      kind: 'Global', type: d.type, name: d.name, span: this.span(start),
      ...length, ...(init ? { init } : {}),
    };
  }

  /** `{ .field = value, .a.b = value, value }`: a designated initialiser. */
  private parseInitList(): A.InitListExpr {
    const start = this.tok.span.start;
    this.next(); // {
    const items: A.Designation[] = [];
    let guard = 0;
    while (!this.atEOF() && !this.at('}') && guard++ < 10_000) {
      const before = this.pos;
      const istart = this.tok.span.start;
      const path: A.Identifier[] = [];
      while (this.eat('.')) path.push(this.ident('a field name'));
      if (path.length > 0) this.expect('=');
      const value = this.at('{') ? this.parseInitList() : this.parseExpr();
      items.push({ kind: 'Designation', path, value, span: this.span(istart) });
      if (!this.eat(',')) break;
      if (this.pos === before) this.next();
    }
    this.expect('}', "'}' to close the initialiser");
    return { kind: 'InitList', items, span: this.span(start) };
  }

  private parseFn(): A.FnDecl {
    const start = this.tok.span.start;
    this.next(); // fn
    const name = this.ident('a function name');
    const params = this.at('(') ? this.parseParamList(false) : (this.expect('('), []);
    const body = this.parseBlock();
    return { kind: 'Fn', name, params, body, span: this.span(start) };
  }

  private parseActor(): A.ActorDecl {
    const start = this.tok.span.start;
    const actorKind = this.next().text as A.ActorKind;
    const name = this.ident(`a name for the ${actorKind}`);
    // `vcpu v0 = &kvm.vcpus[0] on cpu1 …`: the struct kvm_vcpu it runs as.
    const binding = this.eat('=') ? this.parseBinary(1) : undefined;
    let cpu: A.ActorDecl['cpu'];
    if (this.eat('on')) {
      const t = this.tok;
      const m = t.kind === 'Identifier' ? /^cpu(\d+)$/.exec(t.text) : null;
      if (m) {
        this.next();
        cpu = { index: Math.min(Number(m[1]), 1023), span: t.span };
      } else {
        this.errorHere('expected a CPU name (cpu0, cpu1, …)', 'expected-cpu');
        if (t.kind === 'Identifier' && !this.at('{')) this.next();
      }
    }
    let line: A.ActorDecl['line'];
    if (this.tok.kind === 'Identifier' && this.tok.text === 'line') {
      this.next();
      const t = this.tok;
      if (t.kind === 'Number') {
        this.next();
        line = { index: Math.min(Number(t.value), 1023), span: t.span };
      } else {
        this.errorHere('expected an interrupt line number (line 11)', 'expected-line');
      }
    }
    let description: A.StringLiteral | undefined;
    if (this.tok.kind === 'String') description = this.stringLiteral('a description');
    const body = this.parseBlock();
    return {
      kind: 'Actor', actorKind, name, body, span: this.span(start),
      ...(cpu ? { cpu } : {}), ...(line ? { line } : {}), ...(description ? { description } : {}), ...(binding ? { binding } : {}),
    };
  }

  /** `init { … }`: the initial state, set up before any actor runs; `final { … }`: the check of every end state. */
  private parseInit(kind: 'init' | 'final' = 'init'): A.ActorDecl {
    const t = this.next();
    const name: A.Identifier = { kind: 'Identifier', name: kind, span: t.span };
    const body = this.parseBlock();
    return { kind: 'Actor', actorKind: kind, name, body, span: this.span(t.span.start) };
  }

  /** `invariant EXPR;`: checked in every state after init, as the block `{ assert(EXPR); }`. */
  private parseInvariant(): A.ActorDecl {
    const t = this.next();
    const cond = this.parseBinary(0);
    const span = this.span(t.span.start);
    this.expect(';');
    const callee: A.Identifier = { kind: 'Identifier', name: 'assert', span: t.span };
    const call: A.CallExpr = { kind: 'Call', callee, args: [cond], argsSpan: cond.span, span: cond.span };
    const stmt: A.ExprStmt = { kind: 'ExprStmt', expr: call, span };
    const name: A.Identifier = { kind: 'Identifier', name: 'invariant', span: t.span };
    return { kind: 'Actor', actorKind: 'invariant', name, body: { kind: 'Block', body: [stmt], span }, span: this.span(t.span.start) };
  }

  private parseExpect(): A.ExpectDecl {
    const start = this.tok.span.start;
    this.next(); // expect
    const kinds: A.Identifier[] = [];
    let none = false;
    if (this.at('no')) {
      this.next();
      none = true;
      if (this.tok.kind === 'Identifier' && (this.tok.text === 'violation' || this.tok.text === 'violations')) this.next();
      else this.errorHere("expected 'violation' after 'expect no'");
    } else {
      let guard = 0;
      do {
        const t = this.tok;
        if (t.kind === 'Identifier') {
          this.next();
          kinds.push({ kind: 'Identifier', name: t.text, span: t.span });
        } else {
          this.errorHere('expected a violation kind (deadlock, lock_order, use_after_free, …)', 'expected-kind');
          break;
        }
      } while (this.eat(',') && guard++ < 1000);
    }
    if (!this.expect(';')) this.recover(DECL_STARTS, true);
    return { kind: 'Expect', kinds, none, span: this.span(start) };
  }

  // ---------- statements ----------

  private parseBlock(): A.BlockStmt {
    const start = this.tok.span.start;
    if (!this.at('{')) {
      this.errorHere("expected '{'", 'expected-block');
      return { kind: 'Block', body: [], span: { start: this.prevEnd(), end: this.prevEnd() } };
    }
    if (this.depth >= MAX_DEPTH) {
      this.errorHere(`blocks nested deeper than ${MAX_DEPTH} levels`, 'too-deep');
      this.skipBalanced();
      return { kind: 'Block', body: [], span: this.span(start) };
    }
    this.depth++;
    this.next(); // {
    const body: A.Stmt[] = [];
    let guard = 0;
    while (!this.atEOF() && !this.at('}') && guard++ < 10_000_000) {
      // A top-level keyword inside a block usually means a missing '}'.
      if (this.tok.kind === 'Identifier' && (this.tok.text === 'fn' || ACTOR_SET.has(this.tok.text) || this.tok.text === 'expect' || this.tok.text === 'scenario')) {
        const fnLocal = this.tok.text === 'fn' && this.peek(2).text !== '(';
        if ((this.peek().kind === 'Identifier' && !fnLocal) || this.tok.text === 'scenario') break;
      }
      const before = this.pos;
      body.push(this.parseStmt());
      if (this.pos === before) this.next();
    }
    this.expect('}', "'}'");
    this.depth--;
    return { kind: 'Block', body, span: this.span(start) };
  }

  private parseStmt(): A.Stmt {
    const t = this.tok;
    const start = t.span.start;
    if (t.kind === 'Directive') {
      // Inside a body: a conditional says what to do instead; a #define belongs at the top.
      this.next();
      const word = /^#\s*([A-Za-z_]*)/.exec(t.text)![1]!;
      this.error(t.span, /^(if|ifdef|ifndef|elif|else|endif)$/.test(word)
        ? `#${word}: preprocessor conditionals are not supported; keep the lines of the configuration you mean`
        : `#${word || ''}: a preprocessor line inside a body is not supported; put #define NAME CONST at the top level`, 'preprocessor');
      return { kind: 'ErrorStmt', span: t.span };
    }
    if (this.at('{')) return this.parseBlock();
    if (this.at(';')) {
      this.next();
      return { kind: 'Block', body: [], span: this.span(start) };
    }
    if (this.depth >= MAX_DEPTH) {
      this.errorHere(`statements nested deeper than ${MAX_DEPTH} levels`, 'too-deep');
      this.recover(STMT_STARTS, true);
      return { kind: 'ErrorStmt', span: this.span(start) };
    }
    this.depth++;
    try {
      if (t.kind === 'Identifier') {
        switch (t.text) {
          case 'if': {
            this.next();
            const cond = this.parenExpr();
            const then = this.parseStmt();
            const els = this.eat('else') ? this.parseStmt() : undefined;
            return { kind: 'If', cond, then, span: this.span(start), ...(els ? { else: els } : {}) };
          }
          case 'while': {
            this.next();
            const cond = this.parenExpr();
            const body = this.parseStmt();
            return { kind: 'While', cond, body, span: this.span(start) };
          }
          case 'for':
            return this.parseFor();
          case 'do': {
            this.next();
            const body = this.parseStmt();
            this.expect('while', "'while' after the body of 'do'");
            const cond = this.parenExpr();
            this.endStatement();
            return { kind: 'DoWhile', body, cond, span: this.span(start) };
          }
          case 'return': {
            this.next();
            const value = this.at(';') ? undefined : this.parseExpr();
            this.endStatement();
            return { kind: 'Return', span: this.span(start), ...(value ? { value } : {}) };
          }
          case 'break':
          case 'continue':
            this.next();
            this.endStatement();
            return { kind: t.text === 'break' ? 'Break' : 'Continue', span: this.span(start) };
          case 'choose': {
            this.next();
            const branches = [this.parseBlock()];
            let guard = 0;
            while (this.eat('or') && guard++ < 10_000) branches.push(this.parseBlock());
            return { kind: 'Choose', branches, span: this.span(start) };
          }
          case 'list_for_each_entry':
          case 'list_for_each_entry_rcu':
          case 'list_for_each_entry_srcu':
          case 'list_for_each_entry_safe':
          case 'hlist_for_each_entry':
          case 'hlist_for_each_entry_rcu':
          case 'hlist_for_each_entry_srcu':
            if (this.peek().text === '(') return this.parseListForEach();
            break;
          case 'kvm_for_each_vcpu':
            if (this.peek().text === '(') return this.parseVcpuForEach();
            break;
          case 'fn':
            if (this.peek().kind === 'Identifier') {
              const decl = this.parseLocalDecl();
              this.endStatement();
              return decl;
            }
            break;
          case 'goto': {
            this.next();
            const label = this.ident('a label name');
            this.endStatement();
            return { kind: 'Goto', label, span: this.span(start) };
          }
          case 'switch': {
            this.next();
            const disc = this.parenExpr();
            const body = this.parseBlock();
            return { kind: 'Switch', disc, body, span: this.span(start) };
          }
          case 'case': {
            this.next();
            const value = this.parseExpr();
            this.expect(':', "':' after the case value");
            return { kind: 'Case', value, span: this.span(start) };
          }
          case 'default':
            this.next();
            this.expect(':', "':' after default");
            return { kind: 'Case', span: this.span(start) };
          default:
            if (!RESERVED.has(t.text) && this.peek().text === ':' && !ACTOR_SET.has(t.text)) {
              // A label: `out_unlock:`.
              this.next();
              this.next();
              return { kind: 'Label', label: { kind: 'Identifier', name: t.text, span: t.span }, span: this.span(start) };
            }
            if (this.isTypeStartAt(this.pos)) {
              const decl = this.parseLocalDecls();
              this.endStatement();
              return decl;
            }
        }
      }
      const simple = this.parseSimpleStmt();
      this.endStatement();
      return simple;
    } finally {
      this.depth--;
    }
  }

  private endStatement(): void {
    if (this.eat(';')) return;
    this.errorHere("expected ';'", 'expected-semicolon');
    // Recover on the same line only when the next token cannot start a statement.
    if (!this.at('}') && !(this.tok.kind === 'Identifier')) this.recover(STMT_STARTS, true);
  }

  private parseLocalDecl(): A.VarDeclStmt {
    const start = this.tok.span.start;
    const type = this.parseType();
    return this.localRest(this.parseDeclarator(type, 'a variable name'), start);
  }

  private localRest(d: { type: A.TypeNode; name: A.Identifier }, start: number): A.VarDeclStmt {
    const init = this.eat('=') ? this.parseExpr() : undefined;
    return { kind: 'VarDecl', type: d.type, name: d.name, span: this.span(start), ...(init ? { init } : {}) };
  }

  /** `unsigned long len, nb;`: one declaration, or a group of them in the enclosing scope. */
  private parseLocalDecls(): A.VarDeclStmt | A.DeclGroupStmt {
    const start = this.tok.span.start;
    const first = this.parseLocalDecl();
    if (!this.at(',')) return first;
    const decls = [first];
    const type = first.type;
    let guard = 0;
    while (this.eat(',') && guard++ < 1000) {
      const dstart = this.tok.span.start;
      decls.push(this.localRest(this.parseDeclarator(type.kind === 'FnPtrType' ? type.returns : this.pointerPrefix(type), 'a variable name'), dstart));
    }
    return { kind: 'DeclGroup', decls, span: this.span(start) };
  }

  /** An assignment, increment, or expression statement (no trailing ';'). */
  private parseSimpleStmt(): A.Stmt {
    const start = this.tok.span.start;
    if (this.at('++') || this.at('--')) {
      const op = this.next().text as '++' | '--';
      const target = this.parseUnary();
      return { kind: 'Assign', op, target, span: this.span(start) };
    }
    const expr = this.parseExpr();
    if (expr.kind === 'ErrorExpr') {
      this.recover(STMT_STARTS, false);
      return { kind: 'ErrorStmt', span: this.span(start) };
    }
    const t = this.tok;
    if (t.kind === 'Punct' && ASSIGN_OPS.has(t.text)) {
      this.next();
      const value = this.parseExpr();
      return { kind: 'Assign', op: t.text as A.AssignOp, target: expr, value, span: this.span(start) };
    }
    if (t.kind === 'Punct' && (t.text === '++' || t.text === '--')) {
      this.next();
      return { kind: 'Assign', op: t.text, target: expr, span: this.span(start) };
    }
    return { kind: 'ExprStmt', expr, span: this.span(start) };
  }

  private parseFor(): A.ForStmt {
    const start = this.tok.span.start;
    this.next(); // for
    this.expect('(');
    let init: A.Stmt | undefined;
    if (!this.at(';')) {
      init = this.isTypeStartAt(this.pos) ? this.parseLocalDecl() : this.parseSimpleStmt();
    }
    this.expect(';');
    const cond = this.at(';') ? undefined : this.parseExpr();
    this.expect(';');
    const step = this.at(')') ? undefined : this.parseSimpleStmt();
    this.expect(')');
    const body = this.parseStmt();
    return {
      kind: 'For', body, span: this.span(start),
      ...(init ? { init } : {}), ...(cond ? { cond } : {}), ...(step ? { step } : {}),
    };
  }

  private parseListForEach(): A.ListForEachStmt {
    const start = this.tok.span.start;
    const form = this.next().text;
    const hlist = form.startsWith('hlist_');
    const rcu = form === 'list_for_each_entry_rcu' || form === 'hlist_for_each_entry_rcu';
    const srcu = form === 'list_for_each_entry_srcu' || form === 'hlist_for_each_entry_srcu';
    this.expect('(');
    const pos = this.ident('the cursor variable');
    this.expect(',');
    let next: A.Identifier | undefined;
    if (form === 'list_for_each_entry_safe') {
      next = this.ident('the variable for the next entry');
      this.expect(',');
    }
    const head = this.parseExpr();
    this.expect(',');
    const member = this.ident('the list_head member name');
    // list_for_each_entry_rcu(pos, head, member, cond...) / _srcu(pos, head, member, cond).
    let cond: A.Expr | undefined;
    if ((rcu && this.tok.text === ',') || srcu) {
      this.expect(',');
      cond = this.parseExpr();
    }
    this.expect(')');
    const body = this.parseStmt();
    return {
      kind: 'ListForEach', pos, head, member, body, span: this.span(start),
      ...(rcu ? { rcu } : {}), ...(srcu ? { srcu } : {}), ...(next ? { next } : {}), ...(cond ? { cond } : {}), ...(hlist ? { hlist } : {}),
    };
  }

  private parseVcpuForEach(): A.VcpuForEachStmt {
    const start = this.tok.span.start;
    this.next(); // kvm_for_each_vcpu
    this.expect('(');
    const index = this.ident('the index variable');
    this.expect(',');
    const vcpu = this.ident('the vCPU cursor variable');
    this.expect(',');
    const kvm = this.parseExpr();
    this.expect(')');
    const body = this.parseStmt();
    return { kind: 'VcpuForEach', index, vcpu, kvm, body, span: this.span(start) };
  }

  private parenExpr(): A.Expr {
    this.expect('(');
    const e = this.parseExpr();
    this.expect(')');
    return e;
  }

  // ---------- expressions ----------

  parseExpr(): A.Expr {
    const cond = this.parseBinary(1);
    if (!this.at('?')) return cond;
    if (this.depth >= MAX_DEPTH) return this.tooDeep(cond.span.start, this.depth + 1);
    this.next();
    this.depth++;
    const then = this.parseExpr();
    this.expect(':', "':' of the conditional expression");
    const els = this.parseExpr();
    this.depth--;
    const node: A.Expr = { kind: 'Conditional', cond, then, else: els, span: { start: cond.span.start, end: Math.max(cond.span.end, this.prevEnd()) } };
    return this.fits(node, cond, then, els) ? node : this.tooDeep(cond.span.start, this.depth + this.height(node));
  }

  /**
   * A run of binary operators, left-associative. The tree is built whole (cheap) and its
   * height measured; one too deep for the later passes is reported and replaced.
   */
  private parseBinary(minPrec: number): A.Expr {
    let left = this.parseUnary();
    let tooDeep = false;
    let guard = 0;
    while (guard++ < 10_000_000) {
      const t = this.tok;
      const prec = t.kind === 'Punct' ? BINARY_PRECEDENCE.get(t.text) : undefined;
      if (prec === undefined || prec < minPrec) break;
      this.next();
      const right = this.parseBinary(prec + 1);
      const node: A.Expr = { kind: 'Binary', op: t.text as A.BinaryOp, left, right, span: { start: left.span.start, end: right.span.end } };
      if (!this.fits(node, left, right)) tooDeep = true;
      left = node;
    }
    return tooDeep ? this.tooDeep(left.span.start, this.depth + this.height(left)) : left;
  }

  /** `(` followed by a type and `)`: a cast (contextual type words only before `*` or `)`). */
  private isCastAt(): boolean {
    if (!this.at('(')) return false;
    const t = this.peek();
    if (t.kind !== 'Identifier') return false;
    const w = t.text;
    if (w === 'enum') return this.peek(2).kind === 'Identifier' && this.peek(3).text === ')';
    if (w === 'struct' || w === 'void' || w === 'int' || w === 'bool' || INTEGER_SET.has(w) || QUALIFIER_SET.has(w)) return true;
    if (SCALAR_SET.has(w) || KERNEL_TYPEDEFS.has(w)) {
      const n = this.peek(2).text;
      if (n === '*') return true;
      if (n !== ')') return false;
      const after = this.peek(3);
      return after.kind === 'Identifier' || after.kind === 'Number' || after.text === '(' || after.text === '&' || after.text === '*';
    }
    return false;
  }

  private parseUnary(): A.Expr {
    const t = this.tok;
    const start = t.span.start;
    const unary = isPrefixOperator(t);
    const cast = !unary && this.isCastAt();
    const sizeOf = !unary && t.kind === 'Identifier' && t.text === 'sizeof';
    if (unary || cast || sizeOf) {
      if (this.depth >= MAX_DEPTH) {
        // Count the rest of the run for the message, then take the operand without nesting.
        let run = 0;
        while (isPrefixOperator(this.tok) && run < 10_000_000) {
          this.next();
          run++;
        }
        this.parsePostfix();
        return this.tooDeep(start, this.depth + Math.max(run, 1));
      }
      this.depth++;
      let node: A.Expr;
      let operand: A.Expr | undefined;
      try {
        if (cast) {
          this.next(); // (
          const type = this.parseType();
          this.expect(')', "')' to close the cast");
          operand = this.parseUnary();
          node = { kind: 'Cast', type, operand, span: this.span(start) };
        } else if (sizeOf) {
          this.next();
          const w = this.peek();
          const parenType = this.at('(') && w.kind === 'Identifier'
            && (this.isCastAt() || ((SCALAR_SET.has(w.text) || KERNEL_TYPEDEFS.has(w.text)) && this.peek(2).text === ')'));
          if (parenType) {
            this.next();
            const type = this.parseType();
            this.expect(')', "')' to close sizeof");
            node = { kind: 'Sizeof', type, span: this.span(start) };
          } else {
            operand = this.parseUnary();
            node = { kind: 'Sizeof', operand, span: this.span(start) };
          }
        } else {
          this.next();
          operand = this.parseUnary();
          node = t.text === '&' ? { kind: 'AddressOf', operand, span: this.span(start) }
            : t.text === '*' ? { kind: 'Deref', operand, span: this.span(start) }
            : { kind: 'Unary', op: t.text as A.UnaryOp, operand, span: this.span(start) };
        }
      } finally {
        this.depth--;
      }
      return !operand || this.fits(node, operand) ? node : this.tooDeep(start, this.depth + this.height(node));
    }
    return this.parsePostfix();
  }

  /** A chain of `.f`, `->f` and `[i]`: measured as parseBinary measures an operator run. */
  private parsePostfix(): A.Expr {
    let e = this.parsePrimary();
    let tooDeep = false;
    let guard = 0;
    while (guard++ < 10_000_000) {
      let node: A.Expr;
      if (this.at('->') || this.at('.')) {
        const arrow = this.next().text === '->';
        const field = this.ident('a field name');
        node = { kind: 'Member', object: e, field, arrow, span: { start: e.span.start, end: this.prevEnd() } };
        if (!this.fits(node, e)) tooDeep = true;
      } else if (this.at('[')) {
        this.next();
        const index = this.parseExpr();
        this.expect(']');
        node = { kind: 'Index', object: e, index, span: { start: e.span.start, end: this.prevEnd() } };
        if (!this.fits(node, e, index)) tooDeep = true;
      } else if (this.at('(') && (e.kind === 'Member' || e.kind === 'Index')) {
        // A call through a fn value: `dev->ops->release(dev)`.
        const callee = e.kind === 'Member' ? e.field : { kind: 'Identifier' as const, name: '', span: e.span, missing: true };
        node = { ...this.parseCall(callee), target: e, span: { start: e.span.start, end: this.prevEnd() } };
        if (!this.fits(node, e)) tooDeep = true;
      } else {
        break;
      }
      e = node;
    }
    return tooDeep ? this.tooDeep(e.span.start, this.depth + this.height(e)) : e;
  }

  private parsePrimary(): A.Expr {
    const t = this.tok;
    const start = t.span.start;
    if (t.kind === 'Number') {
      this.next();
      return { kind: 'Number', value: Number(t.value), span: t.span };
    }
    if (t.kind === 'String') {
      this.next();
      return { kind: 'String', value: String(t.value ?? ''), span: t.span };
    }
    if (t.kind === 'Punct' && t.text === '(') {
      if (this.depth >= MAX_DEPTH) return this.tooDeep(start, this.depth + this.skipBalanced());
      this.depth++;
      this.next();
      const inner = this.parseExpr();
      this.expect(')');
      this.depth--;
      return inner;
    }
    if (t.kind === 'Identifier') {
      if (t.text === 'true' || t.text === 'false') {
        this.next();
        return { kind: 'Bool', value: t.text === 'true', span: t.span };
      }
      if (t.text === 'NULL') {
        this.next();
        return { kind: 'Null', span: t.span };
      }
      if (t.text === 'struct' || ((t.text === 'int' || t.text === 'bool' || t.text === 'void' || INTEGER_SET.has(t.text)) && this.peek().text !== '(')) {
        const type = this.parseType();
        return { kind: 'TypeArg', type, span: this.span(start) };
      }
      if (RESERVED.has(t.text)) {
        this.errorHere('expected an expression', 'expected-expression');
        return { kind: 'ErrorExpr', span: { start, end: start } };
      }
      this.next();
      const id: A.Identifier = { kind: 'Identifier', name: t.text, span: t.span };
      if (this.at('(')) return this.parseCall(id);
      return { kind: 'Name', id, span: t.span };
    }
    this.errorHere('expected an expression', 'expected-expression');
    return { kind: 'ErrorExpr', span: { start, end: start } };
  }

  private parseCall(callee: A.Identifier): A.CallExpr {
    const argsStart = this.tok.span.start;
    this.next(); // (
    const args: A.Expr[] = [];
    if (this.depth >= MAX_DEPTH) {
      this.pos--;
      const levels = this.depth + this.skipBalanced();
      this.error({ start: callee.span.start, end: this.prevEnd() }, tooDeepMessage(levels), 'too-deep');
      return { kind: 'Call', callee, args, argsSpan: this.span(argsStart), span: { start: callee.span.start, end: this.prevEnd() } };
    }
    this.depth++;
    let guard = 0;
    while (!this.at(')') && !this.atEOF() && !this.at(';') && !this.at('{') && !this.at('}') && guard++ < 100_000) {
      const before = this.pos;
      args.push(this.parseExpr());
      if (!this.eat(',')) break;
      if (this.pos === before) break;
    }
    this.depth--;
    this.expect(')', "')' to close the call");
    const call: A.CallExpr = { kind: 'Call', callee, args, argsSpan: this.span(argsStart), span: { start: callee.span.start, end: this.prevEnd() } };
    // Arguments were parsed one level deeper, so each already fits: record the height only.
    this.fits(call, ...args);
    return call;
  }
}

function isPrefixOperator(t: Token): boolean {
  return t.kind === 'Punct' && (t.text === '!' || t.text === '-' || t.text === '~' || t.text === '&' || t.text === '*');
}

function printable(s: string): string {
  const shown = s.length > 12 ? `${s.slice(0, 12)}…` : s;
  return shown.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
