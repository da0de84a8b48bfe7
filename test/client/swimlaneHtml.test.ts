// The swimlane page, from the checker's real findings on seed 004: lanes per CPU, every step
// a button that says which counterexample and step it is, the failing step and the deadlock
// marked, text escaped, and a strict CSP the markup keeps to (no style or script inline).

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadScenario, LineMap } from '../../core';
import { check } from '../../core/explore';
import { verdictSummary } from '../../core/ide/checkDiagnostics';
import { counterexample } from '../../core/ide/counterexample';
import * as to from '../../server/convert';
import type { CheckResultJson } from '../../server/protocol';
import { escapeHtml, swimlaneHtml, type PageResources } from '../../client/swimlaneHtml';

const ROOT = join(__dirname, '..', '..', '..');
const SEED_004 = 'examples/seeds/004-mm-iommu-deadlock.buggy.lockstep';
const RESOURCES: PageResources = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'TESTNONCE',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/swimlane.css',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/swimlane.js',
};

function seed004Result(): CheckResultJson {
  const text = readFileSync(join(ROOT, SEED_004), 'utf8');
  const loaded = loadScenario(SEED_004, text);
  const s = loaded.compiled!;
  const r = check(s);
  const lines = new LineMap(text);
  return {
    summary: verdictSummary(r, loaded.binding.expect),
    version: 1,
    stats: { states: r.stats.states, seconds: 0.25 },
    counterexamples: r.violations.map((f) => to.counterexample(lines, counterexample(s, f))),
  };
}

/** The sections of the page, by counterexample index. */
function sections(html: string): string[] {
  return html.split('<section ').slice(1);
}

test('one section per counterexample, lanes headed like the seed diagrams, every step a button', () => {
  const result = seed004Result();
  const html = swimlaneHtml({ title: '004-mm-iommu-deadlock.buggy.lockstep', result }, RESOURCES);
  const parts = sections(html);
  assert.equal(parts.length, result.counterexamples.length);
  const deadlock = result.counterexamples.findIndex((c) => c.kind === 'deadlock');
  const part = parts[deadlock]!;
  assert.match(part, /<span class="lane-title">CPU0 \(ioctl\)<\/span>/);
  assert.match(part, /<span class="lane-title">CPU1 \(mmap\)<\/span>/);
  const buttons = part.match(/<button type="button" class="step[^"]*"[^>]*>/g) ?? [];
  assert.equal(buttons.length, result.counterexamples[deadlock]!.steps.length);
  buttons.forEach((b, i) => assert.match(b, new RegExp(`data-counterexample="${deadlock}" data-step="${i + 1}"`)));
  assert.match(part, /<div class="footer all-columns row-\d+">\*\*\* DEADLOCK \*\*\*<\/div>/);
  assert.equal((part.match(/&larr; blocks/g) ?? []).length, 2, 'both blocked acquisitions');
  assert.match(html, /✗ lock_order, deadlock \(as the scenario expects\)/);
});

test('the lock-order finding marks the acquisition that closes the cycle', () => {
  const result = seed004Result();
  const index = result.counterexamples.findIndex((c) => c.kind === 'lock_order');
  const part = sections(swimlaneHtml({ title: 't', result }, RESOURCES))[index]!;
  const failing = part.match(/<button type="button" class="step failing[^>]*>.*?<\/button>/s)?.[0] ?? '';
  assert.match(failing, /class="step failing acquires col-3 /, 'in the second lane (mmap)');
  assert.match(failing, /<span class="text">mutex_lock\(&amp;mem_list_mutex\)<\/span>/);
  assert.match(failing, /<span class="mark acquire" title="takes mem_list_mutex">lock mem_list_mutex<\/span>/);
  assert.match(failing, /&larr; possible circular locking dependency detected/);
  assert.match(part, /<details><summary>Report<\/summary><pre>[^<]*WARNING: possible circular locking dependency detected/);
});

test('a strict CSP, and nothing inline that it would block; no remote content', () => {
  const html = swimlaneHtml({ title: 't', result: seed004Result() }, RESOURCES);
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
  assert.equal(csp, `default-src 'none'; style-src ${RESOURCES.cspSource} 'nonce-TESTNONCE'; script-src 'nonce-TESTNONCE'; img-src ${RESOURCES.cspSource}; font-src ${RESOURCES.cspSource}`);
  assert.doesNotMatch(html, /\sstyle="/, 'style attributes are blocked by the CSP');
  assert.doesNotMatch(html, /\son[a-z]+="/, 'no inline event handlers');
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.deepEqual(scripts, [`<script nonce="TESTNONCE" src="${RESOURCES.scriptUri}">`]);
  const urls = html.match(/https?:\/\/[^\s"')]+/g) ?? [];
  assert.ok(urls.every((u) => u.startsWith(RESOURCES.cspSource)), `only the extension's own files: ${urls.join(', ')}`);
});

test('text from the scenario is escaped', () => {
  assert.equal(escapeHtml(`<script>alert("x" & 'y')</script>`), '&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
  const result = seed004Result();
  const hostile: CheckResultJson = { ...result, counterexamples: [{ ...result.counterexamples[0]!, message: '<img src=x onerror=alert(1)>' }] };
  const html = swimlaneHtml({ title: '<b>t</b>', result: hostile }, RESOURCES);
  assert.doesNotMatch(html, /<img/);
  assert.doesNotMatch(html, /<b>t<\/b>/);
});

test('a verified scenario draws no lanes and says so', () => {
  const result: CheckResultJson = { summary: { verdict: 'verified', details: [], asExpected: true, states: 12 }, version: 3, stats: { states: 12, seconds: 0.01 }, counterexamples: [] };
  const html = swimlaneHtml({ title: 't', result }, RESOURCES);
  assert.equal(sections(html).length, 0);
  assert.match(html, /✓ verified: no violation in any interleaving \(as the scenario expects\) · 12 states/);
  assert.match(html, /No counterexample: nothing to draw\./);
});
