// Reparsing after an edit: only the top-level declarations the edit touches are lexed and
// parsed again. Those before it are reused as they are (the same objects), and so are those
// after it when the tree is anchored (`anchoredParse`): each span of an anchored tree is
// relative to its top-level declaration's anchor, so moving a declaration is one addition to
// its anchor, and its nodes keep their identity (what a cache keyed on them needs). A tree
// that is not anchored has its later declarations copied, spans shifted. The result equals a
// fresh parse of the new text; where that is not evident (the old parse had errors, the
// reparsed region has some, a token or a comment runs out of the region) the answer is a
// fresh parse.
//
// Moving anchors changes the old tree in place: the parse given to `reparse` is handed over
// to the new one and describes the old text no more (see Analysis, which retires it).

import type * as A from './ast';
import { lex, lexRange, type Comment, type LexResult, type Token } from './lexer';
import { parse, parseDecls, type ParseResult } from './parser';

/** Where two texts differ: [prefix, oldEnd) of the old text became [prefix, newEnd) of the new. */
export interface TextChange {
  readonly prefix: number;
  readonly oldEnd: number;
  readonly newEnd: number;
}

/** A text's tokens (ending with EOF) and comments. */
type Lexed = { readonly tokens: readonly Token[]; readonly comments: readonly Comment[] };

/** The common prefix and suffix of two texts. */
export function textChange(oldText: string, newText: string): TextChange {
  const max = Math.min(oldText.length, newText.length);
  let prefix = 0;
  while (prefix < max && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)) suffix++;
  return { prefix, oldEnd: oldText.length - suffix, newEnd: newText.length - suffix };
}

/**
 * The parse of `newText`, reusing `old` (the parse of `oldText`) where the edit leaves it be.
 * `lexed`, the tokens and comments of `newText` when the caller has them already (relexed
 * for completion while typing), are used as they are rather than lexed and moved again.
 */
export function reparse(old: ParseResult, oldText: string, newText: string, lexed?: Lexed): ParseResult {
  const anchored = ANCHORED.has(old.program);
  if (!anchored) return reparseRegion(old, oldText, newText, lexed, false) ?? parse(newText);
  const r = reparseRegion(old, oldText, newText, lexed, true);
  if (!r) return anchoredParse(newText);
  ANCHORED.add(r.program);
  return r;
}

/** The programs whose spans are anchored (an empty one has no span to tell). */
const ANCHORED = new WeakSet<A.Program>();

/** A parse whose spans are anchored to their top-level declarations (see the file's head). */
export function anchoredParse(text: string): ParseResult {
  const parsed = parse(text);
  anchorDecls(parsed.program.decls);
  ANCHORED.add(parsed.program);
  // The parser's diagnostics may share the tokens' spans, which a hand-over moves (see relex).
  const diagnostics = parsed.diagnostics.map((d) => ({ ...d, span: { start: d.span.start, end: d.span.end } }));
  return { ...parsed, diagnostics };
}

/** Where a top-level declaration starts; every span of its nodes is an offset from it. */
class Anchor {
  constructor(public offset: number) {}
}

/**
 * A span relative to its declaration's anchor: reads as an ordinary span (`start`, `end`,
 * and in JSON), follows the declaration when the anchor moves.
 */
export class AnchoredSpan implements A.Span {
  constructor(readonly anchor: Anchor, private readonly from: number, private readonly to: number) {}

  get start(): number {
    return this.anchor.offset + this.from;
  }

  get end(): number {
    return this.anchor.offset + this.to;
  }

  toJSON(): A.Span {
    return { start: this.start, end: this.end };
  }
}

/**
 * Replaces every span of freshly parsed declarations by one anchored to its declaration.
 * Nodes shared within one declaration statement (`int a, b;` shares its type) are anchored
 * to the first declaration that reaches them, which always moves with the others.
 */
function anchorDecls(decls: readonly A.Decl[]): void {
  for (const d of decls) {
    if (d.span instanceof AnchoredSpan) continue;
    anchorNode(d, new Anchor(d.span.start));
  }
}

function anchorNode(node: object, anchor: Anchor): void {
  // The parser builds these objects and nobody has seen them yet: anchoring is part of building them.
  const n = node as Record<string, unknown>;
  for (const key in n) {
    const v = n[key];
    if (typeof v !== 'object' || v === null || v instanceof AnchoredSpan) continue;
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) anchorNode(x as object, anchor);
      continue;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.start === 'number' && typeof o.end === 'number' && !('kind' in o)) {
      n[key] = new AnchoredSpan(anchor, o.start - anchor.offset, o.end - anchor.offset);
    } else {
      anchorNode(o, anchor);
    }
  }
}

function reparseRegion(old: ParseResult, oldText: string, newText: string, lexed: Lexed | undefined, anchored: boolean): ParseResult | undefined {
  if (old.diagnostics.length > 0) return undefined;
  const change = textChange(oldText, newText);
  const delta = newText.length - oldText.length;
  const decls = old.program.decls;
  // With the new text's tokens given, the old ones may have been handed over to them (moved):
  // the statement ends are read in the new tokens, offsets after the edit moved by `delta`
  // (before it, both texts and their tokens agree).
  const tokens = old.tokens;
  const statementTokens = lexed ? lexed.tokens : tokens;
  const shiftAfter = lexed ? delta : 0;
  // endBefore[i]: the largest end of decls[0..i) (the declarations of one statement, `int a, b;`, may overlap).
  const endBefore = [0];
  for (const d of decls) endBefore.push(Math.max(endBefore[endBefore.length - 1]!, d.span.end));
  // The reparsed region, in the old text: from the end of a declaration that ends before the
  // edit to the start of one that starts after it (or the text's ends). Both are ends of a
  // statement (`;` or `}`), so no declaration straddles them.
  let first = 0; // decls[first..] are not kept as they are
  let regionStart = 0;
  for (let i = decls.length - 1; i > 0; i--) {
    const end = endBefore[i]!;
    if (end < change.prefix && endsStatement(statementTokens, end) && end <= decls[i]!.span.start) {
      first = i;
      regionStart = end;
      break;
    }
  }
  let after = decls.length; // decls[after..] are moved
  let regionEnd = oldText.length;
  for (let j = first; j < decls.length; j++) {
    const start = decls[j]!.span.start;
    if (start > change.oldEnd && endBefore[j]! <= start && endsStatement(statementTokens, lastTokenEndBefore(statementTokens, start + shiftAfter))) {
      after = j;
      regionEnd = start;
      break;
    }
  }
  const newRegionEnd = regionEnd + delta;
  const region = lexed ? regionOf(lexed, regionStart, newRegionEnd) : lexRange(newText, regionStart, newRegionEnd);
  if (region.end !== newRegionEnd) return undefined;
  const regionTokens = [...region.tokens, eof(newRegionEnd)];
  const parsed = parseDecls(regionTokens);
  if (parsed.diagnostics.length > 0) return undefined;

  const moved = new Shift(delta);
  if (anchored) {
    anchorDecls(parsed.decls);
    // Declarations of one statement (`int a, b;`) have an anchor each: each moves once.
    for (let j = after; j < decls.length; j++) (decls[j]!.span as AnchoredSpan).anchor.offset += delta;
  }
  const program: A.Program = {
    kind: 'Program',
    decls: [...decls.slice(0, first), ...parsed.decls, ...(anchored ? decls.slice(after) : decls.slice(after).map((d) => moved.node(d)))],
    span: { start: 0, end: newText.length },
  };
  if (lexed) return { program, diagnostics: [], tokens: lexed.tokens, comments: lexed.comments };
  const firstMoved = tokenIndexAt(tokens, regionEnd);
  const keptTokens = tokenIndexAt(tokens, regionStart);
  const newTokens: Token[] = tokens.slice(0, keptTokens);
  newTokens.push(...region.tokens);
  for (let k = firstMoved; k < tokens.length; k++) newTokens.push(moved.token(tokens[k]!));
  const comments: Comment[] = [];
  for (const c of old.comments) {
    if (c.span.end <= regionStart) comments.push(c);
  }
  comments.push(...region.comments);
  for (const c of old.comments) {
    if (c.span.start >= regionEnd) comments.push({ ...c, span: moved.span(c.span) });
  }
  return { program, diagnostics: [], tokens: newTokens, comments };
}

/**
 * The tokens of the whole new text that start in [from, until), as `lexRange` would give
 * them, and where lexing stopped: `until` when a token (or EOF) starts there, else past it
 * (a token or comment runs over the boundary). Its comments are left out: the whole text's
 * are in `lexed`.
 */
function regionOf(lexed: Lexed, from: number, until: number): { readonly tokens: Token[]; readonly comments: readonly Comment[]; readonly end: number } {
  const lo = tokenIndexAt(lexed.tokens, from);
  const hi = tokenIndexAt(lexed.tokens, until);
  const boundary = lexed.tokens[hi];
  return { tokens: lexed.tokens.slice(lo, hi), comments: [], end: boundary?.span.start === until ? until : until + 1 };
}

/** Whether the token ending at `offset` ends a statement (`;` or `}`), or `offset` is the start. */
function endsStatement(tokens: readonly Token[], offset: number): boolean {
  if (offset === 0) return true;
  const i = tokenIndexAt(tokens, offset) - 1;
  const t = tokens[i];
  return t !== undefined && t.span.end === offset && t.kind === 'Punct' && (t.text === ';' || t.text === '}');
}

function lastTokenEndBefore(tokens: readonly Token[], offset: number): number {
  const i = tokenIndexAt(tokens, offset) - 1;
  return i >= 0 ? tokens[i]!.span.end : 0;
}

/**
 * The tokens and comments of `newText`, from those of `oldText`: only the tokens the edit
 * touches are lexed again (from the end of the last token before it to a token after it
 * where lexing falls back into step), the others reused or moved. What completion reads
 * while typing, between two analyses. `handOver`: the old tokens are given up, and those
 * after the edit are moved where they are (their spans shifted in place) rather than copied;
 * the old list describes the old text no more.
 */
export function relex(old: Lexed, oldText: string, newText: string, handOver = false): LexResult {
  const change = textChange(oldText, newText);
  const delta = newText.length - oldText.length;
  const tokens = old.tokens;
  // Tokens end before the edit up to tokens[kept - 1]; the char after each of them is unchanged.
  // (The mark of an unterminated comment is no such end: the comment runs on past it.)
  let kept = tokenIndexAt(tokens, change.prefix);
  while (kept > 0 && (tokens[kept - 1]!.span.end >= change.prefix || tokens[kept - 1]!.unterminated)) kept--;
  const from = kept > 0 ? tokens[kept - 1]!.span.end : 0;
  // A few tokens after the edit to fall back into step at (a comment or string may run on);
  // lexing depends on the position only, so once in step it stays so. EOF starts at the end.
  let next = tokenIndexAt(tokens, change.oldEnd);
  for (let attempt = 0; attempt < 4 && next < tokens.length; attempt++, next++) {
    const until = tokens[next]!.span.start + delta;
    const lexed = lexRange(newText, from, until);
    if (lexed.end !== until) continue;
    const moved = new Shift(delta);
    const out = tokens.slice(0, kept);
    out.push(...lexed.tokens);
    if (handOver) {
      for (let k = next; k < tokens.length; k++) {
        const t = tokens[k]!;
        moveInPlace(t.span, delta);
        out.push(t);
      }
    } else {
      for (let k = next; k < tokens.length; k++) out.push(moved.token(tokens[k]!));
    }
    const comments = old.comments.filter((c) => c.span.end <= from);
    comments.push(...lexed.comments);
    for (const c of old.comments) if (c.span.start >= until - delta) comments.push({ ...c, span: moved.span(c.span) });
    return { tokens: out, comments };
  }
  return lex(newText);
}

/** The lexer gives each token a span of its own: moving it moves that token alone. */
function moveInPlace(span: A.Span, delta: number): void {
  const s = span as { start: number; end: number };
  s.start += delta;
  s.end += delta;
}

/** The index of the first token starting at or after `offset`. */
function tokenIndexAt(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.span.start < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function eof(at: number): Token {
  return { kind: 'EOF', text: '', span: { start: at, end: at } };
}

/**
 * Copies of syntax moved by `delta` characters: every span (any `{ start, end }` object)
 * shifted, everything else as it was. (The parser shares no node between two parents.)
 */
class Shift {
  constructor(private readonly delta: number) {}

  span(s: A.Span): A.Span {
    return { start: s.start + this.delta, end: s.end + this.delta };
  }

  token(t: Token): Token {
    // The common shape spelled out: a spread per token would cost ten times as much.
    const span = this.span(t.span);
    return t.value === undefined && t.unterminated === undefined ? { kind: t.kind, text: t.text, span } : { ...t, span };
  }

  node<T>(value: T): T {
    return this.copy(value) as T;
  }

  private copy(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) out[i] = this.copy(value[i]);
      return out;
    }
    const v = value as Record<string, unknown>;
    if (typeof v.start === 'number' && typeof v.end === 'number' && !('kind' in v)) return this.span(v as unknown as A.Span);
    const out: Record<string, unknown> = {};
    for (const key in v) {
      const x = v[key];
      out[key] = typeof x === 'object' && x !== null ? this.copy(x) : x;
    }
    return out;
  }
}
