// Small helpers for the checker's tests: compile a scenario text or fail the test with its
// diagnostics, and summarise a result by the kinds it found.

import assert from 'node:assert/strict';
import { loadScenario } from '../../core';
import type { CheckResult } from '../../core/explore';
import type { CompiledScenario } from '../../core/model/compiled';

export function compileText(text: string, file = 'test.lockstep'): CompiledScenario {
  const loaded = loadScenario(file, text);
  assert.ok(loaded.compiled, `does not compile:\n${loaded.diagnostics.map((d) => d.message).join('\n')}\n${text}`);
  return loaded.compiled;
}

export function kindsOf(r: CheckResult): string[] {
  return [...new Set(r.violations.map((v) => v.kind))].sort();
}
