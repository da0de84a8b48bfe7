// Checks the TextMate grammar: the committed file is what scripts/grammar.ts generates from
// the core's registries, every builtin is highlighted with its family's scope, the
// fixtures under test/grammar/fixtures/ cover every scope the grammar can produce, and
// vscode-tmgrammar-test passes on them.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUILTINS, CONSTANTS } from '../../core/model/builtins';
import { FAMILY_SCOPES, GRAMMAR_FILE, grammarText, lockstepGrammar, type TmRule } from '../../scripts/grammar';

// Compiled to out/test/grammar/; the repository root is three levels up.
const root = join(__dirname, '..', '..', '..');
const fixturesDir = join(root, 'test', 'grammar', 'fixtures');

function ruleFor(scope: string): RegExp {
  const rule = Object.values(lockstepGrammar().repository).find((r) => r.name === scope && r.match);
  assert.ok(rule?.match, `no match rule with scope ${scope}`);
  return new RegExp(rule.match);
}

function scopesOf(rule: TmRule, into: Set<string>): Set<string> {
  if (rule.name) into.add(rule.name);
  for (const group of [rule.captures, rule.beginCaptures, rule.endCaptures]) {
    for (const r of Object.values(group ?? {})) scopesOf(r, into);
  }
  for (const r of rule.patterns ?? []) scopesOf(r, into);
  return into;
}

test('the committed grammar is generated from the registry', () => {
  const path = join(root, GRAMMAR_FILE);
  if (process.env.UPDATE_GRAMMAR) writeFileSync(path, grammarText());
  assert.equal(
    readFileSync(path, 'utf8'),
    grammarText(),
    `${GRAMMAR_FILE} is stale: run \`npx tsc -p tsconfig.json && node out/scripts/grammar.js\` (or this test with UPDATE_GRAMMAR=1)`,
  );
});

test('every builtin is highlighted as a call with its family scope', () => {
  for (const b of BUILTINS) {
    const re = ruleFor(FAMILY_SCOPES[b.family]);
    assert.match(`${b.name}(x)`, re, `${b.name} (${b.family})`);
    assert.doesNotMatch(`${b.name}_suffix(x)`, re, `${b.name} must match as a whole word`);
  }
});

test('every predefined constant is highlighted', () => {
  const constantRules = Object.values(lockstepGrammar().repository).filter((r) => r.name?.startsWith('constant.language.') && r.match);
  for (const c of CONSTANTS) {
    assert.ok(constantRules.some((r) => new RegExp(r.match ?? '$^').test(c.name)), `constant ${c.name} has no rule`);
  }
});

test('the fixtures assert every scope the grammar produces', () => {
  const grammar = lockstepGrammar();
  const scopes = new Set<string>();
  for (const rule of Object.values(grammar.repository)) scopesOf(rule, scopes);
  const asserted = readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.lockstep'))
    .map((f) => readFileSync(join(fixturesDir, f), 'utf8'))
    .join('\n')
    .split('\n')
    .filter((line) => /^\s*\/\/\s*(\^|<-)/.test(line))
    .join('\n');
  const missing = [...scopes].filter((s) => !new RegExp(`(^|\\s)${s.replace(/\./g, '\\.')}(\\s|$)`, 'm').test(asserted));
  assert.deepEqual(missing, [], 'scopes no fixture asserts');
});

test('vscode-tmgrammar-test passes on the fixtures', () => {
  const cli = join(root, 'node_modules', 'vscode-tmgrammar-test', 'dist', 'unit.js');
  const result = spawnSync(process.execPath, [cli, '--compact', '-g', join(root, GRAMMAR_FILE), join(fixturesDir, '*.lockstep')], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `vscode-tmgrammar-test failed:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /✓|passed/i, 'the runner reported no passing fixture');
});
