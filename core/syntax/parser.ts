// The parser: recursive descent over the lexer's tokens. Parsing never fails: a missing
// token becomes a zero-width Missing identifier or an ErrorExpr/ErrorStmt node, lists
// recover by skipping to a token that can start or end them, every loop is guarded
// against not advancing, and nesting deeper than MAX_DEPTH is reported, not recursed.

import type * as A from './ast';
import type { Diagnostic } from './diagnostics';
import { lex, type Comment, type Token } from './lexer';

export interface ParseResult {
  readonly program: A.Program;
  readonly diagnostics: Diagnostic[];
  readonly comments: readonly Comment[];
  readonly tokens: readonly Token[];
}

export const SCALAR_TYPES: readonly A.ScalarTypeName[] = [
  'int', 'bool', 'mutex', 'spinlock', 'rwsem', 'rwlock_t', 'srcu', 'list_head', 'atomic_t', 'kref', 'wait_queue_head',
];
const SCALAR_SET = new Set<string>(SCALAR_TYPES);
/** `struct NAME` spellings that are the model's own types rather than scenario structs. */
export const KERNEL_STRUCT_TYPES: readonly A.KernelStructTypeName[] = [
  'work_struct', 'delayed_work', 'timer_list', 'hrtimer', 'completion', 'workqueue_struct',
];
const KERNEL_STRUCT_SET = new Set<string>(KERNEL_STRUCT_TYPES);
export const ACTOR_KEYWORDS: readonly A.ActorKind[] = ['thread', 'vcpu', 'irq', 'work'];
const ACTOR_SET = new Set<string>(ACTOR_KEYWORDS);
export const KEYWORDS = new Set<string>([
  'scenario', 'config', 'struct', 'fn', 'thread', 'vcpu', 'irq', 'work', 'on', 'if', 'else', 'while',
  'for', 'do', 'return', 'break', 'continue', 'choose', 'or', 'expect', 'true', 'false', 'NULL', 'init', ...SCALAR_TYPES,
]);
/**
 * Words that can never be names. The actor words (thread, vcpu, …) and the shared type
 * words (mutex, spinlock, …) are contextual: `vcpu->mutex` is ordinary KVM code.
 */
export const RESERVED = new Set<string>([
  'scenario', 'config', 'struct', 'fn', 'if', 'else', 'while', 'for', 'do', 'return', 'break', 'continue',
  'choose', 'or', 'expect', 'true', 'false', 'NULL', 'int', 'bool',
]);
const DECL_STARTS = new Set<string>(['scenario', 'config', 'struct', 'fn', 'expect', 'init', ...ACTOR_KEYWORDS, ...SCALAR_TYPES]);
const STMT_STARTS = new Set<string>(['if', 'while', 'do', 'for', 'return', 'break', 'continue', 'choose', 'struct', ...SCALAR_TYPES]);

/** Deeper nesting than this is reported and skipped, so no input can overflow the stack. */
const MAX_DEPTH = 256;

const BINARY_PRECEDENCE: ReadonlyMap<string, number> = new Map([
  ['||', 1], ['&&', 2], ['|', 3], ['^', 4], ['&', 5],
  ['==', 6], ['!=', 6], ['<', 7], ['<=', 7], ['>', 7], ['>=', 7],
  ['+', 8], ['-', 8], ['*', 9], ['/', 9], ['%', 9],
]);
const ASSIGN_OPS = new Set(['=', '+=', '-=', '|=', '&=']);

export function parse(text: string): ParseResult {
  const { tokens, comments } = lex(text);
  const parser = new Parser(tokens);
  const program = parser.parseProgram(text.length);
  return { program, diagnostics: parser.diagnostics, comments, tokens };
}

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  private pos = 0;
  private depth = 0;
  /** Offset of the last error, so one bad spot yields one diagnostic. */
  private lastErrorAt = -1;

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

  /** Skips one balanced `{…}`, `(…)` or `[…]` group iteratively (used past MAX_DEPTH). */
  private skipBalanced(): void {
    let level = 0;
    do {
      const t = this.next();
      if (t.kind === 'Punct' && (t.text === '{' || t.text === '(' || t.text === '[')) level++;
      if (t.kind === 'Punct' && (t.text === '}' || t.text === ')' || t.text === ']')) level--;
    } while (level > 0 && !this.atEOF());
  }

  // ---------- program ----------

  parseProgram(length: number): A.Program {
    const decls: A.Decl[] = [];
    while (!this.atEOF()) {
      const before = this.pos;
      decls.push(this.parseDecl());
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
        case 'expect':
          return this.parseExpect();
        case 'struct':
          if (this.peek(2).text === '{') return this.parseStruct();
          return this.parseGlobal();
        default:
          if (ACTOR_SET.has(t.text)) return this.parseActor();
          if (SCALAR_SET.has(t.text) && (this.peek().kind === 'Identifier' || this.peek().text === '*')) return this.parseGlobal();
      }
    }
    this.errorHere('expected a declaration (struct, a shared variable, fn, thread, vcpu, irq, work, expect)', 'expected-declaration');
    this.recover(DECL_STARTS, true);
    return { kind: 'ErrorDecl', span: this.span(start) };
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

  private parseType(): A.TypeNode {
    const t = this.tok;
    const start = t.span.start;
    let base: A.TypeNode;
    if (t.kind === 'Identifier' && SCALAR_SET.has(t.text)) {
      this.next();
      base = { kind: 'ScalarType', name: t.text as A.ScalarTypeName, span: t.span };
    } else if (this.eat('struct')) {
      const name = this.ident('a struct name');
      base = KERNEL_STRUCT_SET.has(name.name)
        ? { kind: 'ScalarType', name: name.name as A.KernelStructTypeName, span: this.span(start) }
        : { kind: 'StructType', name, span: this.span(start) };
    } else {
      this.errorHere('expected a type', 'expected-type');
      base = { kind: 'ScalarType', name: 'int', span: { start, end: start } };
    }
    while (this.at('*')) {
      this.next();
      base = { kind: 'PointerType', to: base, span: this.span(start) };
    }
    return base;
  }

  private arrayLength(): number | undefined {
    if (!this.eat('[')) return undefined;
    const t = this.tok;
    let length = 1;
    if (t.kind === 'Number') {
      this.next();
      length = Number(t.value);
      if (length < 1 || length > 4096) {
        this.error(t.span, 'array length must be between 1 and 4096', 'array-length');
        length = Math.max(1, Math.min(length, 4096));
      }
    } else {
      this.errorHere('expected an array length (a number)');
    }
    this.expect(']');
    return length;
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
      if (this.tok.kind === 'Identifier' && (SCALAR_SET.has(this.tok.text) || this.tok.text === 'struct')) {
        const type = this.parseType();
        const fname = this.ident('a field name');
        const length = this.arrayLength();
        this.expect(';');
        fields.push({ kind: 'Field', type, name: fname, span: this.span(fstart), ...(length !== undefined ? { length } : {}) });
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

  private parseGlobal(): A.GlobalDecl {
    const start = this.tok.span.start;
    const type = this.parseType();
    const name = this.ident('a variable name');
    const length = this.arrayLength();
    let init: A.Expr | undefined;
    if (this.eat('=')) init = this.parseExpr();
    if (!this.expect(';')) this.recover(DECL_STARTS, true);
    return {
      kind: 'Global', type, name, span: this.span(start),
      ...(length !== undefined ? { length } : {}), ...(init ? { init } : {}),
    };
  }

  private parseFn(): A.FnDecl {
    const start = this.tok.span.start;
    this.next(); // fn
    const name = this.ident('a function name');
    const params: A.Param[] = [];
    if (this.expect('(')) {
      let guard = 0;
      while (!this.atEOF() && !this.at(')') && !this.at('{') && guard++ < 10_000) {
        const before = this.pos;
        const pstart = this.tok.span.start;
        let type: A.TypeNode | undefined;
        if (this.tok.kind === 'Identifier' && (SCALAR_SET.has(this.tok.text) || this.tok.text === 'struct')) {
          type = this.parseType();
        }
        const pname = this.ident('a parameter name');
        params.push({ kind: 'Param', name: pname, span: this.span(pstart), ...(type ? { type } : {}) });
        if (!this.eat(',')) break;
        if (this.pos === before) this.next();
      }
      this.expect(')');
    }
    const body = this.parseBlock();
    return { kind: 'Fn', name, params, body, span: this.span(start) };
  }

  private parseActor(): A.ActorDecl {
    const start = this.tok.span.start;
    const actorKind = this.next().text as A.ActorKind;
    const name = this.ident(`a name for the ${actorKind}`);
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
      ...(cpu ? { cpu } : {}), ...(line ? { line } : {}), ...(description ? { description } : {}),
    };
  }

  /** `init { … }`: the initial state, set up before any actor runs. */
  private parseInit(): A.ActorDecl {
    const t = this.next();
    const name: A.Identifier = { kind: 'Identifier', name: 'init', span: t.span };
    const body = this.parseBlock();
    return { kind: 'Actor', actorKind: 'init', name, body, span: this.span(t.span.start) };
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
        if (this.peek().kind === 'Identifier' || this.tok.text === 'scenario') break;
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
            if (this.peek().text === '(') return this.parseListForEach();
            break;
          default:
            if (t.text === 'struct' || (SCALAR_SET.has(t.text) && (this.peek().kind === 'Identifier' || this.peek().text === '*'))) {
              const decl = this.parseLocalDecl();
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
    const name = this.ident('a variable name');
    const init = this.eat('=') ? this.parseExpr() : undefined;
    return { kind: 'VarDecl', type, name, span: this.span(start), ...(init ? { init } : {}) };
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
      init = this.tok.kind === 'Identifier' && (this.tok.text === 'struct' || (SCALAR_SET.has(this.tok.text) && this.peek().kind === 'Identifier'))
        ? this.parseLocalDecl()
        : this.parseSimpleStmt();
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
    const rcu = this.next().text === 'list_for_each_entry_rcu';
    this.expect('(');
    const pos = this.ident('the cursor variable');
    this.expect(',');
    const head = this.parseExpr();
    this.expect(',');
    const member = this.ident('the list_head member name');
    this.expect(')');
    const body = this.parseStmt();
    return { kind: 'ListForEach', pos, head, member, body, span: this.span(start), ...(rcu ? { rcu } : {}) };
  }

  private parenExpr(): A.Expr {
    this.expect('(');
    const e = this.parseExpr();
    this.expect(')');
    return e;
  }

  // ---------- expressions ----------

  parseExpr(): A.Expr {
    return this.parseBinary(1);
  }

  private parseBinary(minPrec: number): A.Expr {
    let left = this.parseUnary();
    let guard = 0;
    while (guard++ < 1_000_000) {
      const t = this.tok;
      const prec = t.kind === 'Punct' ? BINARY_PRECEDENCE.get(t.text) : undefined;
      if (prec === undefined || prec < minPrec) break;
      this.next();
      const right = this.parseBinary(prec + 1);
      left = { kind: 'Binary', op: t.text as A.BinaryOp, left, right, span: { start: left.span.start, end: right.span.end } };
    }
    return left;
  }

  private parseUnary(): A.Expr {
    const t = this.tok;
    const start = t.span.start;
    if (t.kind === 'Punct' && (t.text === '!' || t.text === '-' || t.text === '~' || t.text === '&' || t.text === '*')) {
      if (this.depth >= MAX_DEPTH) {
        this.errorHere(`expression nested deeper than ${MAX_DEPTH} levels`, 'too-deep');
        return { kind: 'ErrorExpr', span: t.span };
      }
      this.next();
      this.depth++;
      const operand = this.parseUnary();
      this.depth--;
      if (t.text === '&') return { kind: 'AddressOf', operand, span: this.span(start) };
      // `*p` on a struct pointer is the object itself, as `&` is a no-op.
      if (t.text === '*') return { kind: 'AddressOf', operand, span: this.span(start) };
      return { kind: 'Unary', op: t.text as A.UnaryOp, operand, span: this.span(start) };
    }
    return this.parsePostfix();
  }

  private parsePostfix(): A.Expr {
    let e = this.parsePrimary();
    let guard = 0;
    while (guard++ < 1_000_000) {
      if (this.at('->') || this.at('.')) {
        const arrow = this.next().text === '->';
        const field = this.ident('a field name');
        e = { kind: 'Member', object: e, field, arrow, span: { start: e.span.start, end: this.prevEnd() } };
      } else if (this.at('[')) {
        this.next();
        const index = this.parseExpr();
        this.expect(']');
        e = { kind: 'Index', object: e, index, span: { start: e.span.start, end: this.prevEnd() } };
      } else {
        break;
      }
    }
    return e;
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
      if (this.depth >= MAX_DEPTH) {
        this.errorHere(`expression nested deeper than ${MAX_DEPTH} levels`, 'too-deep');
        this.skipBalanced();
        return { kind: 'ErrorExpr', span: this.span(start) };
      }
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
      if (t.text === 'struct' || ((t.text === 'int' || t.text === 'bool') && this.peek().text !== '(')) {
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
      this.errorHere(`call nested deeper than ${MAX_DEPTH} levels`, 'too-deep');
      this.pos--;
      this.skipBalanced();
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
    return { kind: 'Call', callee, args, argsSpan: this.span(argsStart), span: { start: callee.span.start, end: this.prevEnd() } };
  }
}

function printable(s: string): string {
  const shown = s.length > 12 ? `${s.slice(0, 12)}…` : s;
  return shown.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
