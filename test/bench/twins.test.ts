// Every `.lockstep` twin of the SPIN benchmark models (bench/models/ and the generated
// philosophers and counter at small sizes) parses and binds with no diagnostic, expects what
// SPIN found (`expect no violation` exactly where the Promela README says "ok"), and the
// checker agrees: SPIN's verdict, with exactly the kinds the twin's expect clause names.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchModels } from '../../bench/models';
import { loadScenario } from '../../core';
import { check } from '../../core/explore';
import { parse } from '../../core/syntax/parser';

const twins = benchModels({ philosophers: [2, 3, 5], counter: [1, 3], counterK: 2 });

describe('bench twins', () => {
  for (const model of twins) {
    const { name, text } = model.lockstep;
    describe(model.id, () => {
      it('parses with no diagnostics', () => {
        const { diagnostics } = parse(text);
        assert.deepEqual(diagnostics.map((d) => `${name}@${d.span.start}: ${d.message}`), []);
      });

      it(`expects what SPIN found (${model.expected})`, () => {
        const expects = parse(text).program.decls.filter((d) => d.kind === 'Expect');
        assert.equal(expects.length, 1, `${name} has one expect clause`);
        const none = expects[0]!.kind === 'Expect' && expects[0]!.none;
        assert.equal(none, model.expected === 'verified');
      });

      it('binds with no diagnostics', () => {
        const { diagnostics } = loadScenario(name, text);
        assert.deepEqual(diagnostics.map((d) => `${name}@${d.span.start}: ${d.severity}: ${d.message}`), []);
      });

      it(`the checker says ${model.expected}, with the kinds it expects`, () => {
        const { compiled } = loadScenario(name, text);
        assert.ok(compiled);
        const result = check(compiled);
        assert.equal(result.verdict, model.expected);
        const expected = (compiled.expect?.kinds ?? []).slice().sort();
        const found = [...new Set(result.violations.map((v) => v.kind))].sort();
        assert.deepEqual(found, expected);
      });
    });
  }
});
