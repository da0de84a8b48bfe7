// One document's analysis for the IDE features: the parse and the binding of one text, with
// the lookups every feature needs (the name or token at an offset, the body around it).
// Plain data in and out: offsets and spans, never protocol positions. An overlay is the
// analysis of an older text seen through a newer one (its tokens, the old binding): what
// completion uses on a large document between a keystroke and the next full analysis.
// The analysis of an edited text takes the syntax trees of the previous one over (their
// anchors move: see core/syntax/reparse.ts), so the previous one is retired: using it, or
// an overlay of it, afterwards is a bug, and throws rather than answer with moved spans.
// Likewise an overlay takes the tokens of what it is made from (the analysis, or the overlay
// of the keystroke before) and moves them in place: that one's tokens are its no more.

import type * as A from '../syntax/ast';
import { LineMap, type Diagnostic } from '../syntax/diagnostics';
import type { Comment, Token } from '../syntax/lexer';
import type { ParseResult } from '../syntax/parser';
import { anchoredParse, relex, reparse } from '../syntax/reparse';
import { bind, type Binding, type Occurrence } from '../semantics/binder';
import type { ActorSymbol, FnSymbol, Sym } from '../semantics/symbols';
import { heldLocks, type HeldLocks } from './heldLocks';
import { lockLints, type LockLint } from './lints';

export class Analysis {
  readonly lines: LineMap;
  private readonly parsed: ParseResult;
  private readonly bound: Binding;
  /** Set once a newer analysis took this one's syntax trees over. */
  private retired = false;
  /** Set once an overlay took this one's tokens over (its program and binding still serve). */
  private tokensMoved = false;
  /** Occurrences in source order (sorted on first use: diagnostics do not need them). */
  private sortedOccurrences: readonly Occurrence[] | undefined;
  /** The analysis the program and binding belong to: this one, or for an overlay the older text's. */
  readonly base: Analysis;
  private held: HeldLocks | undefined;
  /** The fn and actor bodies in source order, for ownerAt (built on first use). */
  private bodies: readonly { readonly span: A.Span; readonly owner: FnSymbol | ActorSymbol }[] | undefined;
  private lints: readonly LockLint[] | undefined;
  /** For an overlay: the text between `prefix` and `newEnd` changed; offsets after it shift by `delta`. */
  private readonly change?: { readonly prefix: number; readonly newEnd: number; readonly delta: number };

  /**
   * `previous`: an analysis of an earlier text of the document, whose syntax trees the parse
   * reuses where the edit left them be; or an overlay of this very text, whose tokens (relexed
   * while typing) the parse takes as they are.
   */
  constructor(readonly file: string, readonly text: string, base?: Analysis, previous?: Analysis) {
    this.lines = new LineMap(text);
    if (!base) {
      const relexed = previous && previous.base !== previous && previous.text === text ? previous.parse : undefined;
      if (previous) {
        const old = previous.base;
        old.live();
        // Without the new text's tokens the reparse reads the old ones: they must be intact.
        if (!relexed && old.tokensMoved) throw new Error(`the analysis of ${file} gave its tokens to an overlay: analyse the new text from the latest overlay`);
        this.parsed = reparse(old.parsed, old.text, text, relexed);
        old.retired = true;
        previous.retired = true;
      } else {
        this.parsed = anchoredParse(text);
      }
      this.bound = bindSafely(this.parsed.program, text);
      this.base = this;
      return;
    }
    // The tokens relexed are those of the latest text: the base's, or the overlay's `previous`.
    const source = previous ?? base;
    const lexed = relex(source.parse, source.text, text, true);
    source.tokensMoved = true;
    this.parsed = { program: base.program, diagnostics: [], tokens: lexed.tokens, comments: lexed.comments };
    this.bound = base.binding;
    this.base = base;
    const old = base.text;
    let prefix = 0;
    const max = Math.min(old.length, text.length);
    while (prefix < max && old.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
    let suffix = 0;
    while (suffix < max - prefix && old.charCodeAt(old.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)) suffix++;
    this.change = { prefix, newEnd: text.length - suffix, delta: text.length - old.length };
  }

  get parse(): ParseResult {
    this.live();
    if (this.tokensMoved) throw new Error(`the tokens of ${this.file}'s analysis were used after an overlay took them over`);
    return this.parsed;
  }

  get binding(): Binding {
    this.live();
    return this.bound;
  }

  private live(): void {
    if (this.retired || this.base.retired) throw new Error(`the analysis of ${this.file} was used after a newer one took its syntax trees over`);
  }

  /** The resolved names in source order, for lookups by offset. */
  get occurrences(): readonly Occurrence[] {
    if (this.base !== this) return this.base.occurrences;
    this.sortedOccurrences ??= [...this.binding.occurrences].sort((a, b) => a.span.start - b.span.start);
    return this.sortedOccurrences;
  }

  /**
   * An overlay for a newer text of the same document: of this analysis, or, for an overlay,
   * of its base with the tokens relexed from this overlay's (which it takes over).
   */
  overlay(text: string): Analysis {
    return new Analysis(this.file, text, this.base, this.base === this ? undefined : this);
  }

  /** How much of an overlay's text differs from its base's (0 for a full analysis). */
  get changedChars(): number {
    return this.change ? Math.max(this.change.newEnd - this.change.prefix, this.change.newEnd - this.change.prefix - this.change.delta) : 0;
  }

  /** An offset in the base's text as an offset in this text (inside the changed region: where it starts). */
  fromBase(offset: number): number {
    const c = this.change;
    if (!c || offset <= c.prefix) return offset;
    return offset >= c.newEnd - c.delta ? offset + c.delta : c.prefix;
  }

  /** An offset in this text as an offset in the base's text (the program's and binding's spans). */
  toBase(offset: number): number {
    const c = this.change;
    if (!c || offset <= c.prefix) return offset;
    // Inside the changed region the best answer is where it starts.
    return offset >= c.newEnd ? offset - c.delta : c.prefix;
  }

  get program(): A.Program {
    this.live();
    return this.parsed.program;
  }

  /** Parser and binder diagnostics, then the IDE's own lock lints, in source order. */
  diagnostics(): Diagnostic[] {
    if (this.base !== this) return this.base.diagnostics();
    // Lints reason about a scenario that means something: only once there are no errors.
    const errors = [...this.parsed.diagnostics, ...this.binding.diagnostics].some((d) => d.severity === 'error');
    let lints: Diagnostic[] = [];
    try {
      if (!errors) lints = this.lockLints().map((l) => l.diagnostic);
    } catch (e) {
      // The lints are extras: their failure costs them alone, said where the file starts.
      lints = [internalError({ start: 0, end: 0 }, 'the lock lints', e)];
    }
    return [...this.parsed.diagnostics, ...this.binding.diagnostics, ...lints]
      .sort((a, b) => a.span.start - b.span.start);
  }

  /** Locks held at each statement of each actor, computed once per text. */
  heldLocks(): HeldLocks {
    if (this.base !== this) return this.base.heldLocks();
    this.held ??= heldLocks(this);
    return this.held;
  }

  lockLints(): readonly LockLint[] {
    if (this.base !== this) return this.base.lockLints();
    this.lints ??= lockLints(this);
    return this.lints;
  }

  hasSyntaxErrors(): boolean {
    this.live();
    return this.parsed.diagnostics.some((d) => d.severity === 'error');
  }

  /** The resolved name whose span contains `offset` (touching at either end counts). */
  occurrenceAt(at: number): Occurrence | undefined {
    const offset = this.toBase(at);
    const occ = this.occurrences;
    // A builtin call is recorded once for the callee; several occurrences never overlap,
    // so the last one starting at or before the offset is the only candidate.
    const o = occ[lastStartingBefore(occ, occ.length, offset + 1)];
    return o && offset <= o.span.end ? o : undefined;
  }

  /** Index of the last token starting before `offset` (excluding EOF), or -1. */
  tokenIndexBefore(offset: number): number {
    const toks = this.parse.tokens;
    return lastStartingBefore(toks, toks.length - 1, offset); // the last token is EOF
  }

  token(i: number): Token | undefined {
    return i >= 0 && i < this.parse.tokens.length - 1 ? this.parse.tokens[i] : undefined;
  }

  /** The comment containing `offset` (strictly inside, or at the end of a line comment). */
  commentAt(offset: number): Comment | undefined {
    for (const c of this.parse.comments) {
      if (c.span.start < offset && (offset < c.span.end || (!c.block && offset === c.span.end))) return c;
      if (c.span.start >= offset) break;
    }
    return undefined;
  }

  /** The fn or actor whose body contains `offset`. */
  ownerAt(at: number): FnSymbol | ActorSymbol | undefined {
    if (this.base !== this) return this.base.ownerAt(this.toBase(at));
    const bodies = (this.bodies ??= ownerBodies(this.binding));
    // Bodies are top-level declarations' and never overlap: the last one starting before
    // the offset is the only candidate.
    const b = bodies[lastStartingBefore(bodies, bodies.length, at)];
    return b && inside(b.span, at) ? b.owner : undefined;
  }

  /** The top-level declaration containing `offset`. */
  declAt(at: number): A.Decl | undefined {
    const offset = this.toBase(at);
    return this.program.decls.find((d) => d.span.start <= offset && offset <= d.span.end);
  }

  /** Every occurrence of the same symbol as `sym`. */
  occurrencesOf(sym: Sym): Occurrence[] {
    const key = symbolKey(sym);
    return this.occurrences.filter((o) => symbolKey(o.sym) === key);
  }
}

/**
 * The bodies of the fns, then of the actors, sorted by where they start. An actor made for a
 * callback (a work fn, a timer) has its fn's body: the fn, listed first, is its owner.
 */
function ownerBodies(b: Binding): { readonly span: A.Span; readonly owner: FnSymbol | ActorSymbol }[] {
  const seen = new Set<number>();
  const out: { span: A.Span; owner: FnSymbol | ActorSymbol }[] = [];
  for (const owner of [...b.fns, ...b.actors]) {
    const span = owner.decl.body.span;
    if (seen.has(span.start)) continue;
    seen.add(span.start);
    out.push({ span, owner });
  }
  return out.sort((x, y) => x.span.start - y.span.start);
}

/** The index of the last of the first `count` items (sorted by start) that starts before `offset`, or -1. */
function lastStartingBefore(items: readonly { readonly span: A.Span }[], count: number, offset: number): number {
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.span.start < offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Strictly after an opening brace and not after the closing one. */
function inside(body: A.Span, offset: number): boolean {
  return body.start < offset && offset < body.end;
}

function internalError(span: A.Span, what: string, e: unknown): Diagnostic {
  const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { severity: 'error', span, code: 'internal-error', message: `internal error in ${what} (${why.split('\n')[0]!.slice(0, 200)}); this is a bug in Lockstep: please report it with this file` };
}

/**
 * The binding, even when binding the whole program fails (a bug): the first declaration
 * whose binding fails is found by bisection and left out, with an error on it, and the
 * rest is bound, so the outline, navigation and the other diagnostics stay.
 */
function bindSafely(program: A.Program, text: string): Binding {
  const failures: Diagnostic[] = [];
  let decls = program.decls;
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      const b = bind({ ...program, decls }, text);
      return failures.length === 0 ? b : { ...b, diagnostics: [...b.diagnostics, ...failures] };
    } catch (e) {
      // The shortest prefix of declarations that still fails ends with the culprit.
      let lo = 1;
      let hi = decls.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (bindFails({ ...program, decls: decls.slice(0, mid) }, text)) hi = mid;
        else lo = mid + 1;
      }
      const culprit = decls[lo - 1];
      if (!culprit) break;
      failures.push(internalError(culprit.span, 'the analysis of this declaration', e));
      decls = decls.filter((d) => d !== culprit);
    }
  }
  return { ...bind({ ...program, decls: [] }, text), diagnostics: failures };
}

function bindFails(program: A.Program, text: string): boolean {
  try {
    bind(program, text);
    return false;
  } catch {
    return true;
  }
}

/**
 * The analysis of `text`; given the analysis of an earlier text of the same document (or an
 * overlay of it for this text), it reparses only what changed.
 */
export function analyze(file: string, text: string, previous?: Analysis): Analysis {
  return new Analysis(file, text, undefined, previous);
}

/** A stable identity for a symbol: the same declaration gives the same key. */
export function symbolKey(sym: Sym): unknown {
  switch (sym.kind) {
    case 'global':
    case 'fn':
    case 'actor':
    case 'struct':
    case 'field':
      return sym.decl;
    case 'local':
      return sym.span.start;
    case 'const':
      return `const:${sym.name}`;
    case 'builtin':
      return `builtin:${sym.name}`;
  }
}

/** Where a symbol is declared (its name), or undefined for builtins and constants. */
export function declarationSpan(sym: Sym): A.Span | undefined {
  switch (sym.kind) {
    case 'global':
    case 'fn':
    case 'actor':
    case 'struct':
    case 'field':
      return sym.decl.name.span;
    case 'local':
      return sym.span;
    case 'const':
      return sym.decl?.span;
    default:
      return undefined;
  }
}
