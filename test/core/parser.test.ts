// Parser tests: a clean parse of every construct, recovery from common mistakes with
// positions, and robustness (random bytes, truncation, huge and deeply nested input).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from '../../core/syntax/parser';
import { LineMap } from '../../core/syntax/diagnostics';

const SAMPLE = `scenario "sample"
config KCSAN;
struct kvm { mutex lock; list_head tables; bool mmu_ready; int n[2]; }
struct stt { list_head list; int liobn; kref ref; }
struct kvm kvm;
mutex m;
int x = -1;
fn release(struct stt *p) {
    mutex_lock(&kvm.lock);
    list_del(&p->list);
    mutex_unlock(&kvm->lock);
    kfree(p);
    return;
}
thread a on cpu0 "ioctl" {
    struct stt *p = kzalloc(struct stt);
    int fd = anon_inode_getfd(p, release);
    for (int i = 0; i < 2; i++) { x += i; }
    while (!READ_ONCE(kvm.mmu_ready)) { cpu_relax(); }
    if (fd < 0 && x != 3 || !p) { return; } else { x++; }
    choose { x = 1; } or { x = 2; }
    list_for_each_entry(pos, &kvm.tables, list) { pos->liobn = kvm.n[1] * 2 + x % 3; }
    wait_event(wq, x == 1);
}
vcpu v0 { if (vcpu_enter_guest()) { vcpu_exit_guest(); } }
irq timer on cpu0 "tick" { spin_lock(&l); }
work w { }
expect lock_order, deadlock;
expect no violation;
`;

test('every construct parses without diagnostics', () => {
  const r = parse(SAMPLE);
  assert.deepEqual(r.diagnostics, []);
  const kinds = r.program.decls.map((d) => d.kind);
  assert.deepEqual(kinds, ['Scenario', 'Config', 'Struct', 'Struct', 'Global', 'Global', 'Global', 'Fn', 'Actor', 'Actor', 'Actor', 'Actor', 'Expect', 'Expect']);
  const actor = r.program.decls[8];
  assert.ok(actor?.kind === 'Actor');
  assert.equal(actor.actorKind, 'thread');
  assert.equal(actor.cpu?.index, 0);
  assert.equal(actor.description?.value, 'ioctl');
  const stmts = actor.body.body.map((s) => s.kind);
  assert.deepEqual(stmts, ['VarDecl', 'VarDecl', 'For', 'While', 'If', 'Choose', 'ListForEach', 'ExprStmt']);
});

test('every node span lies inside its parent and inside the text', () => {
  const r = parse(SAMPLE);
  const visit = (node: unknown, parent: { start: number; end: number }): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n, parent);
      return;
    }
    const span = (node as { span?: { start: number; end: number } }).span;
    const inner = span ?? parent;
    if (span) {
      assert.ok(span.start >= parent.start && span.end <= parent.end && span.start <= span.end, `span ${JSON.stringify(span)} outside ${JSON.stringify(parent)}`);
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'span' && k !== 'argsSpan') visit(v, inner);
  };
  visit(r.program.decls, { start: 0, end: SAMPLE.length });
});

function errorsAt(text: string): string[] {
  const r = parse(text);
  const lines = new LineMap(text);
  return r.diagnostics.map((d) => {
    const p = lines.position(d.span.start);
    return `${p.line + 1}:${p.character + 1} ${d.message}`;
  });
}

test('a missing semicolon is reported where it is missing and parsing goes on', () => {
  const text = 'thread a {\n  x = 1\n  y = 2;\n}\nthread b { z = 3; }\n';
  const errs = errorsAt(text);
  assert.deepEqual(errs, ["3:3 expected ';', found 'y'"]);
  const r = parse(text);
  const a = r.program.decls[0];
  assert.ok(a?.kind === 'Actor');
  assert.equal(a.body.body.length, 2, 'both assignments are kept');
  assert.equal(r.program.decls[1]?.kind, 'Actor', 'the next actor still parses');
});

test('a missing closing brace before the next actor keeps both actors', () => {
  const text = 'thread a {\n  mutex_lock(&m);\n\nthread b { mutex_unlock(&m); }\n';
  const r = parse(text);
  assert.deepEqual(r.program.decls.map((d) => d.kind), ['Actor', 'Actor']);
  assert.equal(r.diagnostics.length, 1);
  assert.match(r.diagnostics[0]!.message, /expected '}'/);
});

test('garbage between declarations is reported once and skipped', () => {
  const text = 'mutex m;\n@@@ ### ;\nthread a { mutex_lock(&m); mutex_unlock(&m); }\n';
  const errs = errorsAt(text);
  assert.deepEqual(errs, ["2:1 unexpected character '@@@'", "2:5 unexpected character '###'"]);
  const r = parse(text);
  assert.ok(r.program.decls.some((d) => d.kind === 'Actor'));
});

test('an unterminated string and comment are reported', () => {
  assert.deepEqual(errorsAt('scenario "abc\n').slice(0, 1), ['1:10 unterminated string']);
  assert.match(errorsAt('mutex m; /* never closed')[0]!, /unterminated comment/);
});

test('missing pieces become Missing identifiers and error nodes, with zero width', () => {
  const r = parse('thread { mutex_lock(); x = ; }');
  assert.ok(r.diagnostics.length >= 2);
  const a = r.program.decls[0];
  assert.ok(a?.kind === 'Actor');
  assert.equal(a.name.missing, true);
  assert.equal(a.name.span.start, a.name.span.end);
});

test('deeply nested blocks and expressions are reported, not recursed into', () => {
  const depth = 20_000;
  const blocks = `thread a ${'{'.repeat(depth)}${'}'.repeat(depth)}`;
  const r1 = parse(blocks);
  assert.ok(r1.diagnostics.some((d) => d.code === 'too-deep'));
  const parens = `thread a { x = ${'('.repeat(depth)}1${')'.repeat(depth)}; }`;
  const r2 = parse(parens);
  assert.ok(r2.diagnostics.some((d) => d.code === 'too-deep'));
  const nots = `thread a { x = ${'!'.repeat(depth)}1; }`;
  assert.ok(parse(nots).diagnostics.some((d) => d.code === 'too-deep'));
});

test('a 5 MB scenario parses', () => {
  const unit = 'thread t%d on cpu0 { mutex_lock(&m); x = x + 1; mutex_unlock(&m); }\n';
  let text = 'mutex m;\nint x;\n';
  for (let i = 0; text.length < 5_000_000; i++) text += unit.replace('%d', String(i));
  const r = parse(text);
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.program.decls.length > 60_000);
});

test('random input never throws and always yields a program (property)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
      const r = parse(s);
      assert.equal(r.program.kind, 'Program');
      for (const d of r.diagnostics) assert.ok(d.span.start >= 0 && d.span.end <= s.length);
    }),
    { numRuns: 500 },
  );
});

test('every truncation and token soup of a valid scenario parses without throwing (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: SAMPLE.length }), (n) => {
      parse(SAMPLE.slice(0, n));
    }),
    { numRuns: 300 },
  );
  const words = [
    'thread', 'fn', '{', '}', '(', ')', ';', 'mutex_lock', '&', 'x', '->', '.', 'if', 'else', 'choose', 'or', 'struct', '*', '=', '1', 'expect', 'on', 'cpu0', '"s"', '[', ']', ',',
    // C as the kernel writes it.
    'static', 'inline', 'const', '__rcu', 'void', 'unsigned', 'long', 'u32', 'spinlock_t', 'goto', 'out:', ':', 'switch', 'case', 'default',
    'sizeof', '?', '>>', '<<=', 'DEFINE_MUTEX', 'LIST_HEAD', 'config', '(*release)', '.release', 'return',
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...words), { maxLength: 80 }), (ws) => {
      parse(ws.join(' '));
    }),
    { numRuns: 500 },
  );
});
