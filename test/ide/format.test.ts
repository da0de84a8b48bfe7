// The formatter never changes meaning and is idempotent: on every example and fixture the
// formatted text has the same tokens and comments, and formatting it again changes nothing.
// Plus the canonical style itself on a deliberately ugly scenario.

import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze, applyEdits, formatEdits, formatText } from '../../core/ide';
import { lex } from '../../core/syntax/lexer';
import { ROOT } from './helpers';

function scenarioFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...scenarioFiles(join(dir, e.name)));
    else if (e.name.endsWith('.lockstep')) out.push(join(dir, e.name));
  }
  return out;
}

const FILES = ['examples', 'test/server/fixtures', 'test/grammar/fixtures'].flatMap(scenarioFiles);

/** The token texts and comment texts: what formatting must keep, in order. */
function stream(text: string): string[] {
  const { tokens, comments } = lex(text);
  return [...tokens.map((t) => ({ at: t.span.start, s: `${t.kind}:${t.text}` })), ...comments.map((c) => ({ at: c.span.start, s: `comment:${c.text.trimEnd()}` }))]
    .sort((a, b) => a.at - b.at)
    .map((x) => x.s);
}

test('there are examples to format', () => {
  assert.ok(FILES.filter((f) => f.startsWith('examples')).length >= 10, FILES.join('\n'));
});

for (const file of FILES) {
  test(`formatting ${file} keeps every token and comment, and is idempotent`, () => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const a = analyze(file, text);
    const once = formatText(a);
    if (once === undefined) {
      assert.ok(a.hasSyntaxErrors(), 'only a text with syntax errors is left alone');
      return;
    }
    assert.deepEqual(stream(once), stream(text));
    assert.equal(formatText(analyze(file, once)), once, 'formatting twice changes nothing');
    assert.equal(applyEdits(text, formatEdits(a)!), once, 'the edits produce the formatted text');
    assert.deepEqual(formatEdits(analyze(file, once)), [], 'a formatted text needs no edits');
  });
}

test('the canonical style', () => {
  const ugly = [
    'scenario   "ugly"',
    'config KCSAN;',
    'struct kvm{mutex lock;int n;list_head l;};',
    'struct kvm kvm; mutex m; // the mutex',
    'spinlock s;   // a spinlock',
    '/* block',
    '   comment */',
    'fn f(struct kvm*k,int x){mutex_lock(&k->lock);if(x>1)return -EBUSY;else if(!x){k->n=k->n+1;}else k->n--;',
    'for(int i=0;i<2;i++){x+=i;}',
    'while(1){if(x)break;}',
    '  // own line comment',
    '',
    '',
    '  choose{x=1;}or{x=2;}',
    'mutex_unlock( & k -> lock ) ;return x;}',
    'thread a on cpu0 "a"{f(&kvm,1);int y=-1;y=- -y;y=*&y;}',
    'expect no violation;',
  ].join('\n');
  assert.equal(formatText(analyze('ugly', ugly)), [
    'scenario "ugly"',
    '',
    'config KCSAN;',
    '',
    'struct kvm {',
    '    mutex lock;',
    '    int n;',
    '    list_head l;',
    '};',
    '',
    'struct kvm kvm;',
    'mutex m;    // the mutex',
    'spinlock s; // a spinlock',
    '',
    '/* block',
    '   comment */',
    'fn f(struct kvm *k, int x) {',
    '    mutex_lock(&k->lock);',
    '    if (x > 1)',
    '        return -EBUSY;',
    '    else if (!x) {',
    '        k->n = k->n + 1;',
    '    } else',
    '        k->n--;',
    '    for (int i = 0; i < 2; i++) {',
    '        x += i;',
    '    }',
    '    while (1) {',
    '        if (x)',
    '            break;',
    '    }',
    '    // own line comment',
    '',
    '    choose {',
    '        x = 1;',
    '    } or {',
    '        x = 2;',
    '    }',
    '    mutex_unlock(&k->lock);',
    '    return x;',
    '}',
    '',
    'thread a on cpu0 "a" {',
    '    f(&kvm, 1);',
    '    int y = -1;',
    '    y = - -y;',
    '    y = *&y;',
    '}',
    '',
    'expect no violation;',
    '',
  ].join('\n'));
});

test('a text with syntax errors is not formatted; CRLF line ends are kept', () => {
  assert.equal(formatText(analyze('bad', 'thread t { mutex_lock(; }')), undefined);
  assert.equal(formatText(analyze('crlf', 'mutex a;\r\nthread t on cpu0 {\r\n  mutex_lock(&a); // x\r\n}\r\n')),
    'mutex a;\r\n\r\nthread t on cpu0 {\r\n    mutex_lock(&a); // x\r\n}\r\n');
});
