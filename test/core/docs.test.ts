// The documentation cannot drift: docs/builtins.md is exactly what the registry renders,
// docs/language.md names every keyword, statement form and violation kind, and docs/checker.md
// says for each kind whether the run ends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderBuiltinReference } from '../../core/model/reference';
import { BUILTINS } from '../../core/model/builtins';
import { KEYWORDS } from '../../core/syntax/parser';
import { VIOLATION_KINDS } from '../../core/model/types';

const root = join(__dirname, '..', '..', '..');

test('docs/builtins.md is generated from the registry (regenerate: npm run docs)', () => {
  const path = join(root, 'docs', 'builtins.md');
  const want = renderBuiltinReference();
  if (process.env.UPDATE_DOCS) writeFileSync(path, `${want}\n`);
  assert.equal(readFileSync(path, 'utf8').trimEnd(), want.trimEnd());
  for (const b of BUILTINS) assert.ok(want.includes(`### \`${b.name}\``), b.name);
});

test('docs/language.md covers every keyword and violation kind, with examples', () => {
  const doc = readFileSync(join(root, 'docs', 'language.md'), 'utf8');
  for (const k of KEYWORDS) assert.ok(doc.includes(k), `keyword ${k} is not documented`);
  for (const k of VIOLATION_KINDS) assert.ok(doc.includes(`\`${k}\``), `kind ${k} is not documented`);
  for (const form of ['list_for_each_entry(', 'choose {', 'wait_event(', 'await(', 'for (', 'while (', 'if (', 'return', 'kzalloc(struct', 'anon_inode_getfd', 'close(any)']) {
    assert.ok(doc.includes(form), `no example of ${form}`);
  }
});

test('every code example in docs/language.md loads without errors', async () => {
  const { loadScenario } = await import('../../core');
  const doc = readFileSync(join(root, 'docs', 'language.md'), 'utf8');
  const blocks = [...doc.matchAll(/```c\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 5);
  blocks.forEach((code, i) => {
    const l = loadScenario(`example${i}.lockstep`, code);
    const errors = l.diagnostics.filter((d) => d.severity === 'error').map((d) => `${l.lines.position(d.span.start).line + 1}: ${d.message}`);
    assert.deepEqual(errors, [], `example ${i + 1}:\n${code}`);
  });
});

test('docs/checker.md says, for every violation kind, whether the run ends or goes on', () => {
  const doc = readFileSync(join(root, 'docs', 'checker.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Which reports end the run'));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  for (const k of VIOLATION_KINDS) {
    const row = rows.find((l) => l.split('|')[1]!.includes(`\`${k}\``));
    assert.ok(row, `kind ${k} has no row in checker.md's table of which reports end the run`);
    assert.match(row.split('|')[2]!, /goes on|ends|at the end/, `kind ${k}: the row says neither`);
  }
});
