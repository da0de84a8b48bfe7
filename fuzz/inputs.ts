// What the fuzzer feeds Lockstep: scenario texts made from the examples (mutated, spliced),
// token soups, deep nesting of every kind, huge files and invalid UTF-8 — each a pure
// function of (seed, index), so any input can be regenerated from its number alone.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lex } from '../core/syntax/lexer';

export const ROOT = join(__dirname, '..', '..');

/** A small, fast, seedable generator (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The seed of input `index` of a campaign seeded `seed`. */
export function inputSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

function scenarioFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) scenarioFiles(p, out);
    else if (e.name.endsWith('.lockstep')) out.push(p);
  }
  return out;
}

/** The corpus: every scenario in examples/ and the test fixtures, and their tokens. */
export class Corpus {
  readonly texts: readonly string[];
  readonly tokens: readonly string[];

  constructor() {
    const files = [...scenarioFiles(join(ROOT, 'examples')), ...scenarioFiles(join(ROOT, 'test'))];
    this.texts = files.map((f) => readFileSync(f, 'utf8')).filter((t) => t.length < 200_000);
    const tokens = new Set<string>();
    for (const t of this.texts) for (const tok of lex(t).tokens) if (tok.kind !== 'EOF') tokens.add(tok.text);
    this.tokens = [...tokens];
  }
}

export type InputKind = 'example' | 'mutated' | 'fragment' | 'spliced' | 'soup' | 'deep' | 'huge' | 'bytes' | 'small';

export interface FuzzInput {
  readonly kind: InputKind;
  readonly text: string;
}

const PUNCT = ['{', '}', '(', ')', '[', ']', ';', ',', '->', '.', '&', '*', '!', '-', '+', '=', '==', '!=', '<', '>', '&&', '||', '/*', '*/', '//', '"', "'", '\n', ' '];
const NEST_OPEN = ['(', '{', '[', '!', '-', '*', '&', 'if (x) ', 'while (x) ', 'f(', 'choose { '];
const SMALL_ACTORS = [
  'mutex_lock(&m); x = x + 1; mutex_unlock(&m);',
  'spin_lock(&s); y = x; spin_unlock(&s);',
  'p = kzalloc(struct obj, GFP_KERNEL); if (p != NULL) { p->v = 1; kfree(p); }',
  'x = 1; y = 2;',
  'if (READ_ONCE(x) == 1) { WRITE_ONCE(y, 1); }',
  'mutex_lock(&m); mutex_lock(&n); mutex_unlock(&n); mutex_unlock(&m);',
  'mutex_lock(&n); mutex_lock(&m); mutex_unlock(&m); mutex_unlock(&n);',
  'atomic_inc(&a); if (atomic_read(&a) == 2) { x = 3; }',
  'choose { x = 1; } or { y = 1; }',
  'int k = 0; while (k < 3) { k = k + 1; }',
  'kfree(q); q = NULL;',
  'assert(x != 5);',
];

/** A small scenario of two or three actors: cheap to check, and valid more often than not. */
function small(r: Rng): string {
  const actors = r.range(1, 3);
  const lines = ['mutex m; mutex n; spinlock s; int x; int y; atomic_t a;', 'struct obj { int v; };', 'struct obj *p; struct obj *q;'];
  for (let i = 0; i < actors; i++) {
    const body = Array.from({ length: r.range(1, 3) }, () => r.pick(SMALL_ACTORS)).join(' ');
    lines.push(`${r.pick(['thread', 'vcpu', 'thread'])} a${i} on cpu${r.int(2)} { ${body} }`);
  }
  return lines.join('\n');
}

function mutate(r: Rng, text: string, corpus: Corpus): string {
  let s = text;
  for (let n = r.range(1, 8); n > 0 && s.length > 0; n--) {
    const at = r.int(s.length + 1);
    switch (r.int(7)) {
      case 0: // delete a span
        s = s.slice(0, at) + s.slice(Math.min(s.length, at + r.range(1, 40)));
        break;
      case 1: // insert a token
        s = `${s.slice(0, at)}${r.pick(corpus.tokens)}${s.slice(at)}`;
        break;
      case 2: // insert punctuation
        s = `${s.slice(0, at)}${r.pick(PUNCT)}${s.slice(at)}`;
        break;
      case 3: { // duplicate a span
        const len = r.range(1, 200);
        s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
        break;
      }
      case 4: // swap a number
        s = s.replace(/\d+/, () => String(r.pick([0, 1, -1, 2, 255, 4096, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 1e308])));
        break;
      case 5: // a random character, any plane
        s = `${s.slice(0, at)}${String.fromCodePoint(r.pick([0, 0x7f, 0xa0, 0x2028, 0xfeff, 0xfffd, 0xd800, 0x1f600, r.int(0x10ffff)]) || 1)}${s.slice(at)}`;
        break;
      default: { // move a line
        const lines = s.split('\n');
        const i = r.int(lines.length);
        const [line] = lines.splice(i, 1);
        lines.splice(r.int(lines.length + 1), 0, line ?? '');
        s = lines.join('\n');
      }
    }
  }
  return s;
}

function soup(r: Rng, corpus: Corpus): string {
  const n = r.chance(0.9) ? r.range(1, 60) : r.range(60, 400);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.chance(0.75) ? r.pick(corpus.tokens) : r.pick(PUNCT));
  return out.join(r.chance(0.5) ? ' ' : '');
}

function deep(r: Rng): string {
  const depth = r.chance(0.85) ? r.pick([50, 100, 250, 255, 256, 257, 300]) : r.pick([1000, 3000, 10_000]);
  const head = 'struct node { struct node *next; int f; };\nstruct node *p; struct node g; int x;\n';
  switch (r.int(8)) {
    case 0:
      return `${head}thread t on cpu0 { x = ${Array(depth).fill('1').join(r.pick([' + ', ' * ', ' && ', ' == ', ' | ']))}; }\n`;
    case 1:
      return `${head}thread t on cpu0 { p = p${'->next'.repeat(depth)}; }\nthread u on cpu1 { p = p${'->next'.repeat(depth)}; }\n`;
    case 2:
      return `${head}thread t on cpu0 { x = g${'.f'.repeat(depth)}; }\n`;
    case 3:
      return `${head}thread t on cpu0 { x = ${'('.repeat(depth)}1${')'.repeat(depth)}; }\n`;
    case 4:
      return `${head}thread t on cpu0 ${'{'.repeat(depth)}${'}'.repeat(depth)}\n`;
    case 5:
      return `${head}thread t on cpu0 { ${'if (x) '.repeat(depth)}x = 1; }\n`;
    case 6: {
      const open = Array.from({ length: depth }, () => r.pick(NEST_OPEN));
      return `${head}thread t on cpu0 { x = ${open.join('')}1; }\n`;
    }
    default:
      return `${head}${Array.from({ length: Math.min(depth, 2000) }, (_, i) => `fn f${i}() { ${i > 0 ? `f${i - 1}();` : 'x = 1;'} }`).join('\n')}\nthread t on cpu0 { f${Math.min(depth, 2000) - 1}(); }\n`;
  }
}

function huge(r: Rng, corpus: Corpus): string {
  const unit = r.pick(corpus.texts);
  const target = r.pick([200_000, 1_000_000, 3_000_000]);
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < target; i++) {
    const part = unit.replace(/\b(thread|vcpu|fn|struct) (\w+)/g, `$1 $2_${i}`);
    parts.push(part);
    length += part.length;
  }
  return parts.join('\n');
}

/** Random bytes, or a real text with bytes broken, read as UTF-8 (lone surrogates, overlongs, NULs). */
function bytes(r: Rng, corpus: Corpus): string {
  const base = Buffer.from(r.chance(0.5) ? fragment(r, corpus) : '', 'utf8');
  const buf = base.length > 0 ? Buffer.from(base) : Buffer.alloc(r.range(1, 600));
  const flips = base.length > 0 ? r.range(1, 20) : buf.length;
  for (let i = 0; i < flips; i++) buf[r.int(buf.length)] = r.pick([0x00, 0xc0, 0xc1, 0xed, 0xf5, 0xff, 0x80, 0xbf, r.int(256)]);
  return buf.toString(r.chance(0.8) ? 'utf8' : 'latin1');
}

/** A window of a few lines of a corpus text: most inputs are small, so each costs little. */
function fragment(r: Rng, corpus: Corpus): string {
  const lines = r.pick(corpus.texts).split('\n');
  const start = r.int(lines.length);
  return lines.slice(start, start + r.range(3, 40)).join('\n');
}

/** Input `index` of a campaign seeded `seed`. */
export function generate(corpus: Corpus, seed: number, index: number, opts: { hugeRate?: number } = {}): FuzzInput {
  const r = new Rng(inputSeed(seed, index));
  // A huge file costs as much as thousands of small inputs: it gets its own (small) rate.
  if (r.next() < (opts.hugeRate ?? 0.005)) return { kind: 'huge', text: huge(r, corpus) };
  const roll = r.int(1000);
  if (roll < 40) return { kind: 'example', text: r.pick(corpus.texts) };
  if (roll < 90) return { kind: 'mutated', text: mutate(r, r.pick(corpus.texts), corpus) };
  if (roll < 400) return { kind: 'fragment', text: r.chance(0.8) ? mutate(r, fragment(r, corpus), corpus) : fragment(r, corpus) };
  if (roll < 450) return { kind: 'spliced', text: fragment(r, corpus) + fragment(r, corpus) };
  if (roll < 650) return { kind: 'small', text: r.chance(0.5) ? small(r) : mutate(r, small(r), corpus) };
  if (roll < 800) return { kind: 'soup', text: soup(r, corpus) };
  if (roll < 880) return { kind: 'deep', text: deep(r) };
  return { kind: 'bytes', text: bytes(r, corpus) };
}
