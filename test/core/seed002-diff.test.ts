// Seed 002's own code loads as the diff has it: vpa_is_registered(), kvmppc_update_vpa()
// and kvmppc_update_vpas() are cut out of the commit's diff (the post-image of its hunks,
// test/fixtures/seed-002/book3s_hv.c.diff) and dropped into a harness that gives only the
// struct declarations they need and stubs for the functions outside the model. The check
// then finds what the commit as written does (examples/vpa-update-as-committed.lockstep):
// kvmppc_pin_guest_page() under vpa_update_lock sleeps in atomic context, and init_vpa()
// writes through the NULL pinned_addr of a deregistered VPA.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../../core';
import { analyze, formatText } from '../../core/ide';
import { lex } from '../../core/syntax/lexer';
import { check } from '../../core/explore';
import { kindsOf } from '../explore/helpers';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'seed-002');
const MARKER = "// @@ the commit's functions @@";

/** The file after the diff: context and added lines of every hunk, without their prefix. */
function postImage(diff: string): string {
  const out: string[] = [];
  for (const line of diff.split('\n')) {
    if (/^(diff |index |--- |\+\+\+ |@@)/.test(line) || line.startsWith('-')) continue;
    out.push(line.startsWith('+') || line.startsWith(' ') ? line.slice(1) : line);
  }
  return out.join('\n');
}

/** A top-level C function definition, from its `static` line to its closing brace. */
function definition(source: string, name: string): string {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^static \\w+ \\**${name}\\(`).test(l));
  assert.ok(start >= 0, `${name} is in the diff`);
  const end = lines.indexOf('}', start);
  return lines.slice(start, end + 1).join('\n');
}

const COMMIT_FUNCTIONS = ['vpa_is_registered', 'kvmppc_update_vpa', 'kvmppc_update_vpas'];

function scenario(): { text: string; functions: string } {
  const source = postImage(readFileSync(join(FIXTURES, 'book3s_hv.c.diff'), 'utf8'));
  const functions = COMMIT_FUNCTIONS.map((n) => definition(source, n)).join('\n\n');
  const harness = readFileSync(join(FIXTURES, 'harness.lockstep'), 'utf8');
  assert.ok(harness.includes(MARKER));
  return { text: harness.replace(MARKER, functions), functions };
}

test("seed 002's functions load exactly as the diff has them, with stubs only for what is outside the model", () => {
  const { text, functions } = scenario();
  // Verbatim: the kernel's tabs, comments, `void *`, `unsigned long nb`, `&nb`, `va + vpap->len`.
  assert.match(functions, /\tvoid \*va;\n\tunsigned long nb;/);
  assert.match(functions, /va = kvmppc_pin_guest_page\(kvm, vpap->next_gpa, &nb\);/);
  assert.match(functions, /vpap->pinned_end = va \+ vpap->len;/);
  const l = loadScenario('seed-002.lockstep', text);
  assert.deepEqual(l.diagnostics.map((d) => `${l.lines.position(d.span.start).line + 1}: ${d.message}`), []);
  // The harness defines nothing the commit defines, and stubs only the three outside functions.
  const harnessFns = l.binding!.fns.map((f) => f.name).filter((n) => !COMMIT_FUNCTIONS.includes(n));
  assert.deepEqual(harnessFns.sort(), ['do_h_register_vpa', 'init_vpa', 'kvmppc_pin_guest_page', 'kvmppc_run_core', 'kvmppc_unpin_guest_page']);
});

test("checked, the commit's code has the verdict of the commit as written: sleep in atomic and a NULL dereference", () => {
  const l = loadScenario('seed-002.lockstep', scenario().text);
  const r = check(l.compiled!);
  assert.deepEqual(kindsOf(r), ['null_deref', 'sleep_in_atomic']);
  assert.deepEqual([...(l.compiled!.expect?.kinds ?? [])].sort(), ['null_deref', 'sleep_in_atomic']);
  const asCommitted = loadScenario('as-committed.lockstep', readFileSync(join(__dirname, '..', '..', '..', 'examples', 'vpa-update-as-committed.lockstep'), 'utf8'));
  assert.deepEqual([...(asCommitted.compiled!.expect?.kinds ?? [])].sort(), kindsOf(r));
  // The NULL dereference is init_vpa() on the pinned_addr the deregistration cleared.
  const text = l.compiled!.text;
  const nd = r.violations.find((v) => v.kind === 'null_deref')!;
  assert.equal(text.slice(nd.violation.span.start, nd.violation.span.end), 'vpa->shared_proc = 1');
  assert.match(nd.violation.report, /Call Trace:\n init_vpa\+[^\n]*\n kvmppc_update_vpas\+/);
  // The sleep is kvmppc_update_vpa()'s pin, with the target's vpa_update_lock held.
  const sleep = r.violations.find((v) => v.kind === 'sleep_in_atomic')!;
  assert.match(sleep.violation.report, /kvmppc_update_vpa/);
});

test('the formatter keeps the commit\'s code meaning the same and is idempotent on it', () => {
  const { text } = scenario();
  const once = formatText(analyze('seed-002.lockstep', text));
  assert.ok(once !== undefined);
  const words = (t: string): string[] => [...lex(t).tokens.map((x) => x.text), ...lex(t).comments.map((c) => c.text.trim())];
  assert.deepEqual(words(once).sort(), words(text).sort());
  assert.equal(formatText(analyze('seed-002.lockstep', once)), once);
});
