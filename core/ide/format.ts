// The formatter: one canonical style, and it only ever changes the whitespace between tokens
// and comments, so it cannot change what a scenario means (the tests compare token streams).
// Structure comes from the AST: a line per statement, declaration and struct field, four
// spaces per brace level, unbraced bodies on their own indented line, blank lines kept (at
// most one) and always around structs, fns, actors and the title, trailing `//` comments of
// consecutive lines aligned. A text with syntax errors is left alone.

import type * as A from '../syntax/ast';
import type { Comment, Token } from '../syntax/lexer';
import { lex } from '../syntax/lexer';
import type { Analysis } from './analysis';
import type { TextEdit } from './edits';
import { visit } from './walk';

const INDENT = '    ';
const CONTROL = new Set(['if', 'while', 'for', 'return', 'switch']);
const OPERATORS = new Set([
  '+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', '&&', '||', '&', '|', '^', '<<', '>>',
  '=', '+=', '-=', '|=', '&=', '^=', '*=', '/=', '%=', '<<=', '>>=', '?', ':',
]);

interface Atom {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Index into the token list, for tokens. */
  readonly tok?: number;
  readonly comment?: Comment;
}

interface Segment {
  readonly atom: number;
  /** Whitespace between the previous segment on the line and this one. */
  lead: string;
}

interface Line {
  readonly indent: string;
  readonly blankBefore: boolean;
  readonly segments: Segment[];
  /** Index in `segments` of a trailing `//` comment, aligned with its neighbours'. */
  trailing?: number;
}

/** The edits that format the document, or undefined when it has syntax errors. */
export function formatEdits(a: Analysis): TextEdit[] | undefined {
  if (a.hasSyntaxErrors()) return undefined;
  return new Formatter(a).edits();
}

/** The formatted text, or undefined when it has syntax errors. */
export function formatText(a: Analysis): string | undefined {
  if (a.hasSyntaxErrors()) return undefined;
  return new Formatter(a).text();
}

class Formatter {
  private readonly tokens: readonly Token[];
  private readonly atoms: Atom[];
  /** Brace depth of each token (a `}` counts at its outer level). */
  private readonly level: number[];
  /** Extra indentation of tokens inside unbraced bodies. */
  private readonly extra: number[];
  /** Tokens that start a line: declarations, statements, fields, closing braces. */
  private readonly breakAt = new Set<number>();
  private readonly unaryAt = new Set<number>();
  private readonly typeStarAt = new Set<number>();
  /** The `:` of a label or a case: no space before it. */
  private readonly tightColonAt = new Set<number>();
  /** The `(` of a function-pointer declarator, `void (*release)(…)`: a space before it. */
  private readonly declaratorParenAt = new Set<number>();
  /** Last token of each top-level declaration, with whether it is a block-like one. */
  private readonly declEnds = new Map<number, boolean>();
  private readonly declStarts: { start: number; blocky: boolean }[] = [];
  private readonly lines: Line[] = [];
  /** The document's own line break, kept. */
  private readonly eol: string;

  constructor(private readonly a: Analysis) {
    this.tokens = a.parse.tokens.slice(0, -1);
    this.eol = a.text.includes('\r\n') ? '\r\n' : '\n';
    this.atoms = [
      ...this.tokens.map((t, i) => ({ start: t.span.start, end: t.span.end, text: t.text, tok: i })),
      // A line comment's `\r` (CRLF files) belongs to the line break, not to the comment.
      ...a.parse.comments.map((c) => {
        const text = c.block ? c.text : c.text.replace(/\r$/, '');
        return { start: c.span.start, end: c.span.start + text.length, text, comment: c };
      }),
    ].sort((x, y) => x.start - y.start);
    this.level = [];
    let depth = 0;
    for (const t of this.tokens) {
      if (t.kind === 'Punct' && t.text === '}') depth = Math.max(0, depth - 1);
      this.level.push(depth);
      if (t.kind === 'Punct' && t.text === '{') depth++;
    }
    this.extra = this.tokens.map(() => 0);
    this.markStructure();
    this.layout();
  }

  // ---------- structure from the AST ----------

  private tokenAt(offset: number): number {
    let lo = 0;
    let hi = this.tokens.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.tokens[mid]!.span.start;
      if (s === offset) return mid;
      if (s < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The first `word` token at or after `offset` (a statement's span may end before its `;`). */
  private keywordAfter(offset: number, word: string): number {
    let i = this.tokenAt(offset);
    while (i < this.tokens.length && this.tokens[i]!.text !== word) i++;
    return i;
  }

  private braced(s: A.Stmt): boolean {
    return s.kind === 'Block' && this.a.text[s.span.start] === '{';
  }

  /** An unbraced body: its own line, one level deeper. */
  private body(s: A.Stmt): void {
    if (this.braced(s)) return;
    const first = this.tokenAt(s.span.start);
    this.breakAt.add(first);
    for (let i = first; i < this.tokens.length && this.tokens[i]!.span.start < s.span.end; i++) this.extra[i]!++;
  }

  /** Kernel style: labels and `case`s sit one level left of the code around them. */
  private outdent(s: A.Stmt): void {
    const first = this.tokenAt(s.span.start);
    for (let i = first; i < this.tokens.length && this.tokens[i]!.span.start < s.span.end; i++) this.extra[i]!--;
  }

  /** After a function pointer's return type: `(` gets a space before it, `*` none after. */
  private markDeclarator(typeEnd: number): void {
    const open = this.tokenAt(typeEnd);
    const t = this.tokens[open];
    if (t?.text !== '(') return;
    this.declaratorParenAt.add(t.span.start);
    const star = this.tokens[open + 1];
    if (star?.text === '*') this.unaryAt.add(star.span.start);
  }

  private markStructure(): void {
    const program = this.a.program;
    const joined: number[] = [];
    program.decls.forEach((d) => {
      const first = this.tokenAt(d.span.start);
      const blocky = d.kind === 'Fn' || d.kind === 'Actor' || d.kind === 'Struct' || d.kind === 'Enum' || d.kind === 'Scenario';
      this.breakAt.add(first);
      this.declStarts.push({ start: d.span.start, blocky });
      const last = this.tokenAt(d.span.end) - 1;
      if (last >= first) this.declEnds.set(last, blocky);
    });
    visit(program, (n) => {
      switch (n.kind) {
        case 'Struct':
          for (const f of n.fields) this.breakAt.add(this.tokenAt(f.span.start));
          break;
        case 'Enum':
          for (const m of n.members) this.breakAt.add(this.tokenAt(m.span.start));
          break;
        case 'Block':
          if (this.braced(n)) for (const s of n.body) this.breakAt.add(this.tokenAt(s.span.start));
          break;
        case 'If':
          this.body(n.then);
          if (n.else) {
            // `else` follows a `}` on its line, or starts its own after an unbraced body.
            if (!this.braced(n.then)) this.breakAt.add(this.keywordAfter(n.then.span.end, 'else'));
            if (n.else.kind !== 'If') this.body(n.else);
          }
          break;
        case 'While':
        case 'For':
        case 'ListForEach':
        case 'VcpuForEach':
          this.body(n.body);
          break;
        case 'DoWhile':
          // `} while (c);` after a braced body; after an unbraced one `while` starts its own line.
          this.body(n.body);
          if (!this.braced(n.body)) this.breakAt.add(this.keywordAfter(n.body.span.end, 'while'));
          break;
        case 'Unary':
        case 'AddressOf':
        case 'Deref':
          this.unaryAt.add(n.span.start);
          break;
        case 'Cast': {
          // `(struct foo *)p`: no space after the cast's `)`.
          const close = this.tokenAt(n.type.span.end);
          const t = this.tokens[close];
          if (t && t.text === ')') this.unaryAt.add(t.span.start);
          break;
        }
        case 'Switch':
          n.body.body.forEach((c, i) => {
            if (c.kind !== 'Case') return;
            this.outdent(c);
            // `case X: {` keeps its brace on the case's line, the block at the case's level.
            const next = n.body.body[i + 1];
            if (next && this.braced(next)) {
              this.outdent(next);
              joined.push(this.tokenAt(next.span.start));
            }
          });
          break;
        case 'Fn':
          // A C function definition has its opening brace on a line of its own.
          if (n.returns) this.breakAt.add(this.tokenAt(n.body.span.start));
          break;
        case 'Label':
        case 'Case':
          this.tightColonAt.add(n.span.end - 1);
          if (n.kind === 'Label') this.outdent(n);
          break;
        case 'InitList':
          for (const item of n.items) this.breakAt.add(this.tokenAt(item.span.start));
          break;
        case 'Field':
        case 'Param':
        case 'VarDecl':
        case 'Global':
          if (n.type?.kind === 'FnPtrType') this.markDeclarator(n.type.returns.span.end);
          break;
        case 'Assign':
          if ((n.op === '++' || n.op === '--') && n.target.span.start > n.span.start) this.unaryAt.add(n.span.start);
          break;
        case 'PointerType':
          this.typeStarAt.add(n.span.end - 1);
          break;
        default:
          break;
      }
    });
    for (const i of joined) this.breakAt.delete(i);
    // Every closing brace starts a line, except in an empty `{}`.
    this.tokens.forEach((t, i) => {
      if (t.kind === 'Punct' && t.text === '}') this.breakAt.add(i);
    });
  }

  // ---------- lines ----------

  private layout(): void {
    const text = this.a.text;
    let forceBreak = false;
    let pendingDecl: boolean | undefined;
    let prevTok: number | undefined;
    for (let k = 0; k < this.atoms.length; k++) {
      const atom = this.atoms[k]!;
      const prev = this.atoms[k - 1];
      const gap = prev ? text.slice(prev.end, atom.start) : '';
      const newlines = countNewlines(gap);
      const blankInSource = newlines >= 2 && !(prev?.tok !== undefined && this.tokens[prev.tok]!.text === '{');
      const boundaryBlank = (): boolean => {
        if (pendingDecl === undefined) return false;
        const next = this.declStarts.find((d) => d.start >= atom.start);
        const blank = pendingDecl || !!next?.blocky;
        pendingDecl = undefined;
        return blank;
      };
      if (atom.comment) {
        if (prev && newlines === 0) {
          // A trailing comment stays on its line.
          const line = this.lines[this.lines.length - 1]!;
          if (!atom.comment.block) {
            line.trailing = line.segments.length;
            line.segments.push({ atom: k, lead: ' ' });
            forceBreak = true;
          } else {
            line.segments.push({ atom: k, lead: gap.length > 0 ? ' ' : '' });
            forceBreak = countNewlines(text.slice(atom.end, this.atoms[k + 1]?.start ?? atom.end)) > 0;
          }
          continue;
        }
        const blank = boundaryBlank() || (k > 0 && blankInSource);
        this.newLine(this.commentLevel(k), blank && k > 0, k);
        forceBreak = !atom.comment.block || countNewlines(text.slice(atom.end, this.atoms[k + 1]?.start ?? atom.end)) > 0;
        continue;
      }
      const i = atom.tok!;
      const t = this.tokens[i]!;
      const natural = this.breakAt.has(i) && !(t.text === '}' && prev?.tok !== undefined && this.isOpenBraceOf(prev.tok, i));
      if (k === 0) {
        this.newLine(this.level[i]! + this.extra[i]!, false, k);
      } else if (natural || forceBreak) {
        const continuation = !natural && t.text !== 'else' && t.text !== 'or' ? 1 : 0;
        const blank = (natural && boundaryBlank()) || (blankInSource && t.text !== '}');
        this.newLine(this.level[i]! + this.extra[i]! + continuation, blank, k);
      } else {
        const line = this.lines[this.lines.length - 1]!;
        const afterComment = prev?.comment !== undefined;
        line.segments.push({ atom: k, lead: afterComment ? (gap.length > 0 ? ' ' : '') : this.space(prevTok!, i) });
      }
      forceBreak = false;
      prevTok = i;
      if (this.declEnds.has(i)) pendingDecl = this.declEnds.get(i);
    }
  }

  private isOpenBraceOf(open: number, close: number): boolean {
    return this.tokens[open]!.text === '{' && close === open + 1;
  }

  /** An own-line comment is indented like the code that follows it (inside a block before its `}`). */
  private commentLevel(k: number): number {
    for (let j = k + 1; j < this.atoms.length; j++) {
      const tok = this.atoms[j]!.tok;
      if (tok === undefined) continue;
      const base = this.level[tok]! + this.extra[tok]!;
      return this.tokens[tok]!.text === '}' ? base + 1 : base;
    }
    return 0;
  }

  private newLine(level: number, blankBefore: boolean, atom: number): void {
    this.lines.push({ indent: INDENT.repeat(level), blankBefore, segments: [{ atom, lead: '' }] });
  }

  /** The space between two tokens on one line. */
  private space(p: number, n: number): string {
    const s = this.spaceRule(this.tokens[p]!, this.tokens[n]!);
    if (s === '') {
      // Never glue two tokens into one (`& &x` must not become `&&x`).
      const a = this.tokens[p]!;
      const b = this.tokens[n]!;
      const relexed = lex(a.text + b.text).tokens;
      if (relexed.length !== 3 || relexed[0]!.text !== a.text || relexed[1]!.text !== b.text) return ' ';
    }
    return s;
  }

  private spaceRule(p: Token, n: Token): string {
    const P = p.text;
    const N = n.text;
    const pPunct = p.kind === 'Punct';
    const nPunct = n.kind === 'Punct';
    if (nPunct && (N === ';' || N === ',')) return '';
    if (pPunct && (P === ',' || P === ';')) return ' ';
    if (nPunct && (N === ')' || N === ']')) return '';
    if (pPunct && (P === '(' || P === '[')) return '';
    if ((pPunct && (P === '->' || P === '.')) || (nPunct && (N === '->' || N === '.'))) return '';
    if (nPunct && N === '[') return '';
    if (nPunct && N === ':' && this.tightColonAt.has(n.span.start)) return '';
    if (nPunct && N === '(' && this.declaratorParenAt.has(n.span.start)) return ' ';
    if (nPunct && N === '(') {
      if (p.kind === 'Identifier') return CONTROL.has(P) ? ' ' : '';
      if (pPunct && P === ')') return '';
    }
    if (pPunct && (this.unaryAt.has(p.span.start) || this.typeStarAt.has(p.span.start))) return '';
    if (nPunct && this.typeStarAt.has(n.span.start)) return ' ';
    if (nPunct && (N === '++' || N === '--') && !this.unaryAt.has(n.span.start)) return '';
    if (pPunct && P === '{' && nPunct && N === '}') return '';
    if (nPunct && N === '{') return ' ';
    if (pPunct && P === '}') return ' ';
    if ((nPunct && OPERATORS.has(N)) || (pPunct && OPERATORS.has(P))) return ' ';
    if (pPunct && (P === '!' || P === '~')) return '';
    return ' ';
  }

  // ---------- output ----------

  /** Pads trailing `//` comments of consecutive lines to one column. */
  private align(): void {
    let run: Line[] = [];
    const flush = (): void => {
      const width = (l: Line): number => l.indent.length + l.segments.slice(0, l.trailing).reduce((n, s) => n + s.lead.length + this.atoms[s.atom]!.text.length, 0);
      const column = Math.max(...run.map(width)) + 1;
      for (const l of run) l.segments[l.trailing!]!.lead = ' '.repeat(column - width(l));
      run = [];
    };
    for (const l of this.lines) {
      if (l.trailing !== undefined && l.trailing > 0 && !l.blankBefore) run.push(l);
      else {
        if (run.length > 0) flush();
        if (l.trailing !== undefined && l.trailing > 0) run.push(l);
      }
    }
    if (run.length > 0) flush();
  }

  /** The new whitespace before each atom, and after the last one. */
  private gaps(): { before: string[]; after: string } {
    this.align();
    const before: string[] = new Array(this.atoms.length).fill('');
    this.lines.forEach((l, li) => {
      l.segments.forEach((s, si) => {
        before[s.atom] = si === 0 ? `${li === 0 ? '' : l.blankBefore ? this.eol + this.eol : this.eol}${l.indent}` : s.lead;
      });
    });
    return { before, after: this.atoms.length > 0 ? this.eol : '' };
  }

  text(): string {
    const { before, after } = this.gaps();
    return this.atoms.map((x, k) => before[k] + x.text).join('') + after;
  }

  edits(): TextEdit[] {
    const { before, after } = this.gaps();
    const edits: TextEdit[] = [];
    let prevEnd = 0;
    this.atoms.forEach((x, k) => {
      if (this.a.text.slice(prevEnd, x.start) !== before[k]) edits.push({ span: { start: prevEnd, end: x.start }, newText: before[k]! });
      prevEnd = x.end;
    });
    if (this.a.text.slice(prevEnd) !== after) edits.push({ span: { start: prevEnd, end: this.a.text.length }, newText: after });
    return edits;
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}
