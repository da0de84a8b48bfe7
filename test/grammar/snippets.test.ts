// Checks that every snippet, expanded with its default placeholders, is a scenario (or a
// piece of one) the core loads without an error, so snippets keep up with the language.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadScenario } from '../../core';

// Compiled to out/test/grammar/; the repository root is three levels up.
const root = join(__dirname, '..', '..', '..');

interface Snippet {
  readonly prefix: string;
  readonly body: readonly string[];
  readonly description: string;
}

/**
 * Where each snippet is inserted to be checked: `%s` is the expanded snippet. A snippet
 * added to snippets/lockstep.json needs a line here, which is the point.
 */
const CONTEXTS: Readonly<Record<string, string>> = {
  Scenario: '%s',
  Thread: '%s',
  vCPU: '%s',
  Procedure: '%s',
  Struct: '%s',
  'Interrupt handler': '%s',
  'Work item': '%s',
  'Mutex lock pair': 'mutex lock;\nthread t {\n%s\n}',
  'Spinlock pair': 'spinlock lock;\nthread t {\n%s\n}',
  'Spinlock irqsave pair': 'spinlock lock;\nthread t {\nint flags;\n%s\n}',
  'rwsem write pair': 'rwsem sem;\nthread t {\n%s\n}',
  'rwsem read pair': 'rwsem sem;\nthread t {\n%s\n}',
  Choose: 'thread t {\n%s\n}',
};

/** Expands `${1:default}`, `${1|first,second|}`, `$1` and `$0` as an editor would by default. */
function expand(body: readonly string[]): string {
  return body
    .join('\n')
    .replace(/\$\{\d+\|([^,|]*)[^|]*\|\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '');
}

const snippets = JSON.parse(readFileSync(join(root, 'snippets', 'lockstep.json'), 'utf8')) as Record<string, Snippet>;

test('every snippet has a checking context', () => {
  assert.deepEqual(Object.keys(snippets).sort(), Object.keys(CONTEXTS).sort());
});

for (const [name, snippet] of Object.entries(snippets)) {
  test(`snippet "${name}" expands to a scenario the core accepts`, () => {
    const context = CONTEXTS[name];
    assert.ok(context, `no context for snippet ${name}`);
    const text = context.replace('%s', expand(snippet.body));
    const loaded = loadScenario(`${snippet.prefix}.lockstep`, text);
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    assert.deepEqual(errors, [], `snippet ${name} expands to:\n${text}`);
  });
}
