// Every example under examples/ (the seeds and the others) against a full, unreduced
// search of its state space: the kinds found must be exactly the ones its `expect`
// clause names. This is what the README of the examples promises, and it also covers
// failures that random schedules almost never reach (a narrow window, like the column
// diagram of seed 003).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { loadScenario } from '../../core';
import { EXAMPLES, exampleFiles } from '../helpers/examples';
import { exploreAll } from '../helpers/scenario';

const root = EXAMPLES;
const files = exampleFiles();

test('the examples are there', () => {
  assert.ok(files.length >= 19, `only ${files.length} example files`);
});

for (const file of files) {
  const name = relative(root, file);
  test(`${name}: a full search finds exactly the kinds its expect clause names`, () => {
    const l = loadScenario(name, readFileSync(file, 'utf8'));
    assert.deepEqual(l.diagnostics.map((d) => d.message), [], `${name} has diagnostics`);
    const s = l.compiled!;
    assert.ok(s.expect, `${name} has no expect clause`);
    const found = exploreAll(s);
    assert.deepEqual([...found.kinds].sort(), [...s.expect.kinds].sort(), `${name}: ${found.states} states`);
  });
}
