// The lexer: turns scenario text into tokens with spans. It never throws: an unexpected
// character becomes an `Invalid` token that the parser reports once.

import type { Span } from './ast';

export type TokenKind =
  | 'Identifier'
  | 'Number'
  | 'String'
  | 'Punct'
  /** A preprocessor line (`#define NAME 3`, `#include <…>`), from `#` to the end of the line. */
  | 'Directive'
  | 'Invalid'
  | 'EOF';

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token (for strings, the decoded value is in `value`). */
  readonly text: string;
  readonly span: Span;
  /** Decoded value of a Number or String token. */
  readonly value?: number | string;
  /** True when a String or block comment before it was not terminated. */
  readonly unterminated?: boolean;
}

export interface Comment {
  readonly span: Span;
  readonly text: string;
  readonly block: boolean;
}

// Longest punctuators first so that `->` wins over `-`.
const PUNCTUATORS = [
  '<<=', '>>=', '...',
  '->', '&&', '||', '==', '!=', '<=', '>=', '++', '--', '+=', '-=', '|=', '&=', '^=', '*=', '/=', '%=', '<<', '>>',
  '{', '}', '(', ')', '[', ']', ';', ',', '.', '&', '|', '^', '!', '~', '<', '>',
  '=', '+', '-', '*', '/', '%', '?', ':',
];

/** Punctuators by their first character, longest first: one lookup per token, not a scan of all. */
const PUNCT_BY_FIRST = new Map<number, string[]>();
for (const p of PUNCTUATORS) {
  const list = PUNCT_BY_FIRST.get(p.charCodeAt(0)) ?? [];
  list.push(p);
  PUNCT_BY_FIRST.set(p.charCodeAt(0), list);
}

function punctuatorAt(text: string, i: number, c: number): string | undefined {
  const candidates = PUNCT_BY_FIRST.get(c);
  if (!candidates) return undefined;
  for (const p of candidates) if (p.length === 1 || text.startsWith(p, i)) return p;
  return undefined;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether only blanks come before offset `i` on its line. */
function startsLine(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j--;
  return j < 0 || text.charCodeAt(j) === 10 || text.charCodeAt(j) === 13;
}

export interface LexResult {
  readonly tokens: Token[];
  readonly comments: Comment[];
}

export function lex(text: string): LexResult {
  const { tokens, comments } = lexRange(text, 0, text.length);
  tokens.push({ kind: 'EOF', text: '', span: { start: text.length, end: text.length } });
  return { tokens, comments };
}

/**
 * The tokens and comments that start in [from, until) of `text`, without EOF, and `end`, the
 * offset where lexing stopped: `until` itself unless a token, comment or string begun before
 * `until` runs past it (the lexer then reads on as it would in the whole text). Lexing is a
 * function of the position only, so the result is the whole text's lexing between those
 * offsets: what an incremental reparse needs.
 */
export function lexRange(text: string, from: number, until: number): LexResult & { readonly end: number } {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const n = text.length;
  let i = from;
  while (i < until) {
    const c = text.charCodeAt(i);
    // Whitespace.
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    const start = i;
    // Comments.
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
      comments.push({ span: { start, end: i }, text: text.slice(start, i), block: false });
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      comments.push({ span: { start, end: i }, text: text.slice(start, i), block: true });
      if (close < 0) {
        tokens.push({ kind: 'Invalid', text: '/*', span: { start, end: start + 2 }, unterminated: true });
      }
      continue;
    }
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      tokens.push({ kind: 'Identifier', text: text.slice(start, i), span: { start, end: i } });
      continue;
    }
    if (isDigit(c)) {
      let value: number;
      if (c === 48 && (text.charCodeAt(i + 1) === 120 || text.charCodeAt(i + 1) === 88)) {
        i += 2;
        while (i < n && /[0-9a-fA-F]/.test(text[i] ?? '')) i++;
        value = parseInt(text.slice(start + 2, i) || '0', 16);
      } else {
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        value = parseInt(text.slice(start, i), 10);
      }
      // Integer suffixes as in C (1UL) are accepted and ignored.
      while (i < n && /[uUlL]/.test(text[i] ?? '')) i++;
      if (!Number.isFinite(value) || value > 0x7fffffff) value = 0x7fffffff;
      tokens.push({ kind: 'Number', text: text.slice(start, i), span: { start, end: i }, value });
      continue;
    }
    if (c === 34) {
      i++;
      let value = '';
      let terminated = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 34) {
          i++;
          terminated = true;
          break;
        }
        if (d === 10) break;
        if (d === 92 && i + 1 < n) {
          const e = text[i + 1];
          value += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
          i += 2;
          continue;
        }
        value += text[i];
        i++;
      }
      tokens.push({
        kind: 'String',
        text: text.slice(start, i),
        span: { start, end: i },
        value,
        ...(terminated ? {} : { unterminated: true }),
      });
      continue;
    }
    if (c === 35 && startsLine(text, i)) {
      // `#` first on its line: a preprocessor line, to its end (a `\` before the newline continues it).
      while (i < n && text.charCodeAt(i) !== 10) {
        if (text.charCodeAt(i) === 92 && (text.charCodeAt(i + 1) === 10 || (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10))) {
          i += text.charCodeAt(i + 1) === 13 ? 3 : 2;
          continue;
        }
        i++;
      }
      let end = i;
      while (end > start && (text.charCodeAt(end - 1) === 13 || text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
      tokens.push({ kind: 'Directive', text: text.slice(start, end), span: { start, end } });
      continue;
    }
    const punct = punctuatorAt(text, i, c);
    if (punct !== undefined) {
      i += punct.length;
      tokens.push({ kind: 'Punct', text: punct, span: { start, end: i } });
      continue;
    }
    // Anything else (including a lone surrogate or control byte) is one invalid character;
    // runs of them collapse into one token so that random bytes give few diagnostics.
    i++;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d <= 32 || isIdentPart(d) || d === 34 || PUNCT_BY_FIRST.has(d)) break;
      i++;
    }
    tokens.push({ kind: 'Invalid', text: text.slice(start, i), span: { start, end: i } });
  }
  return { tokens, comments, end: i };
}
