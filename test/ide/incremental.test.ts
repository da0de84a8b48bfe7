// The analysis after an edit, reusing the previous one, against a fresh analysis of the same
// text (property): the same syntax trees, tokens and comments, the same diagnostics, outline
// and resolved names, after any sequence of random edits to real scenarios, whether the
// analysis starts from the previous one or from an overlay of it (the tokens relexed for
// completion while typing). Likewise the relexed tokens themselves. The analysis reached
// takes the previous one's syntax trees over: the declarations outside the edit are the same
// objects, and the previous analysis can no longer be used.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyze, outline, type Analysis } from '../../core/ide';
import { declarationSpan } from '../../core/ide/analysis';
import { parse } from '../../core/syntax/parser';
import { lex } from '../../core/syntax/lexer';
import { anchoredParse, relex, reparse } from '../../core/syntax/reparse';
import { generateScenario } from '../perf/lsp-latency';

const ROOT = join(__dirname, '..', '..', '..');
const TEXTS = [
  readFileSync(join(ROOT, 'examples/irqfd-flush-under-lock.buggy.lockstep'), 'utf8'),
  readFileSync(join(ROOT, 'examples/kvm-debugfs-get-kvm.fixed.lockstep'), 'utf8'),
  readFileSync(join(ROOT, 'examples/kvm/vfio-virqfd-release-race.buggy.lockstep'), 'utf8'),
  generateScenario(160),
];

/** What is typed: whole statements and declarations, fragments of them, brackets, comment and string openers. */
const INSERTS = [
  '', ' ', '\n', 'x', 'k', '_1', '0x1f', '7', ';', '{', '}', '(', ')', '&', '->', '-', '>', '.', '*', ',', '"', '/*', '*/', '//', '\\',
  'int y;', 'mutex_lock(&kvm.lock);', 'mutex_unlock(&k->lock);', 'return 0;', 'fn q(int a) { a = 1; }\n', 'struct s { int f; };\n',
  'thread t9 on cpu1 { counter = 1; }\n', 'mutex m2;\n', 'expect deadlock;\n', 'if (flag) {', 'goto out;', 'out:',
];

interface Edit {
  readonly at: number;
  readonly remove: number;
  readonly insert: string;
}

const edits = fc.array(
  fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), remove: fc.nat({ max: 12 }), insert: fc.constantFrom(...INSERTS) }),
  { minLength: 1, maxLength: 6 },
);

function apply(text: string, e: { at: number; remove: number; insert: string }): string {
  const at = Math.min(text.length, Math.floor(e.at * (text.length + 1)));
  return text.slice(0, at) + e.insert + text.slice(Math.min(text.length, at + e.remove));
}

/** What an editor shows: the diagnostics, the outline and every resolved name with its declaration, as plain data. */
function shown(a: Analysis): string {
  const symbols = a.occurrences.map((o) => ({ span: o.span, def: o.def, kind: o.sym.kind, name: o.sym.name, declared: declarationSpan(o.sym) }));
  return JSON.stringify({ diagnostics: a.diagnostics(), outline: outline(a), symbols });
}

test('after random edits, the incremental analysis equals a fresh one (property)', () => {
  fc.assert(
    fc.property(fc.nat({ max: TEXTS.length - 1 }), edits, (which, list: Edit[]) => {
      let text = TEXTS[which]!;
      // Two chains of analyses of the same texts: each edit reaches one from its previous
      // analysis and the other from an overlay of its previous one, alternately.
      let chains = [analyze('t.lockstep', text), analyze('t.lockstep', text)] as const;
      for (const [k, e] of list.entries()) {
        // A keystroke not analysed on its own: an overlay of it, and the next overlay made from that one.
        const typed = apply(text, { ...e, remove: 0, insert: 'x' });
        text = apply(text, e);
        const [first, second] = chains;
        const incremental = analyze('t.lockstep', text, k % 2 === 0 ? first : first.overlay(typed).overlay(text));
        const throughOverlay = analyze('t.lockstep', text, k % 2 === 0 ? second.overlay(text) : second);
        const fresh = analyze('t.lockstep', text);
        assert.deepEqual(incremental.parse, fresh.parse);
        assert.deepEqual(throughOverlay.parse, fresh.parse);
        const expected = shown(fresh);
        assert.equal(shown(incremental), expected);
        assert.equal(shown(throughOverlay), expected);
        assert.throws(() => first.binding, /used after a newer one/);
        assert.throws(() => first.overlay(text), /used after/);
        chains = [incremental, throughOverlay];
      }
    }),
    { numRuns: 150 },
  );
});

for (const handOver of [false, true]) {
  test(`after random edits, the tokens relexed ${handOver ? 'in place (handed over)' : 'as copies'} equal a fresh lexing (property)`, () => {
    fc.assert(
      fc.property(fc.nat({ max: TEXTS.length - 1 }), edits, (which, list: Edit[]) => {
        let text = TEXTS[which]!;
        let lexed = lex(text);
        for (const e of list) {
          const next = apply(text, e);
          lexed = relex(lexed, text, next, handOver);
          assert.deepEqual(lexed, lex(next));
          text = next;
        }
      }),
      { numRuns: 300 },
    );
  });
}

test('an edit inside one fn of a large scenario reuses the declarations before it and moves those after it', () => {
  const text = generateScenario(400);
  const old = parse(text);
  const at = text.indexOf('mutex_lock(&k->lock);', text.length >> 1);
  const edited = `${text.slice(0, at)}mutex_lock(&k->slots_lock);\n    ${text.slice(at)}`;
  const r = reparse(old, text, edited);
  assert.deepEqual(r, parse(edited));
  const firstChanged = old.program.decls.findIndex((d) => d.span.end >= at);
  assert.ok(firstChanged > 0);
  // The same objects before the edit: nothing there was parsed again.
  for (let i = 0; i < firstChanged; i++) assert.equal(r.program.decls[i], old.program.decls[i]);
  assert.notEqual(r.program.decls[firstChanged], old.program.decls[firstChanged]);
});

test('the analysis after an overlay of the same text takes the overlay\'s tokens and reparses only the edited declaration', () => {
  const text = generateScenario(400);
  const before = analyze('t.lockstep', text);
  const decls = before.program.decls;
  const at = text.indexOf('mutex_lock(&k->lock);', text.length >> 1);
  const edited = `${text.slice(0, at)}mutex_lock(&k->slots_lock);\n    ${text.slice(at)}`;
  const typing = before.overlay(edited);
  const tokens = typing.parse.tokens;
  const comments = typing.parse.comments;
  const after = analyze('t.lockstep', edited, typing);
  assert.equal(after.parse.tokens, tokens);
  assert.equal(after.parse.comments, comments);
  assert.equal(after.program.decls[0], decls[0]);
  assert.deepEqual(JSON.parse(JSON.stringify(after.parse)), JSON.parse(JSON.stringify(parse(edited))));
  assert.throws(() => typing.parse, /used after a newer one/);
});

test('an anchored tree keeps the declarations after an edit as they are, their spans moved', () => {
  const text = generateScenario(400);
  const old = anchoredParse(text);
  const decls = old.program.decls;
  const at = text.indexOf('mutex_lock(&k->lock);', text.length >> 1);
  const inserted = 'mutex_lock(&k->slots_lock);\n    ';
  const edited = `${text.slice(0, at)}${inserted}${text.slice(at)}`;
  const starts = decls.map((d) => d.span.start);
  const r = reparse(old, text, edited);
  assert.deepEqual(r, anchoredParse(edited));
  // The plain data it stands for is a fresh parse's.
  assert.deepEqual(JSON.parse(JSON.stringify(r)), JSON.parse(JSON.stringify(parse(edited))));
  const changed = decls.findIndex((d) => d.span.end >= at);
  const after = r.program.decls.length - (decls.length - changed - 1);
  for (let i = changed + 1; i < decls.length; i++) {
    const d = r.program.decls[after + i - changed - 1]!;
    assert.equal(d, decls[i], 'the same object');
    assert.equal(d.span.start, starts[i]! + inserted.length);
  }
});
