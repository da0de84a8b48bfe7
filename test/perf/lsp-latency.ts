// Measures the language server's speed (issue 4's targets) over a real stdio connection on a
// generated 5,000-line scenario: completion and hover latency on a settled document and right
// after an edit, diagnostics after the last keystroke (debounce included and excluded), and
// completion while a background check runs. Also the in-process cost of one analysis.
// Not a test: run `npm run build && node out/test/perf/lsp-latency.js`.

import { performance } from 'node:perf_hooks';
import type { CompletionItem, Position } from 'vscode-languageserver-protocol';
import { analyze, complete, hover } from '../../core/ide';
import { positionAt, TestClient } from '../server/client';

const DEBOUNCE_MS = 150;

/** A KVM-flavoured scenario of about `lines` lines: structs with locks, fns taking them, actors calling them. */
export function generateScenario(lines: number): string {
  const out: string[] = [
    'scenario "generated: many fns over per-VM and per-vCPU locks"',
    '',
    'struct kvm_arch {',
    '    spinlock mmu_lock;',
    '    list_head tables;',
    '    int mmu_ready;',
    '};',
    '',
    'struct kvm {',
    '    mutex lock;',
    '    mutex slots_lock;',
    '    struct kvm_arch arch;',
    '    int nr;',
    '};',
    '',
    'struct kvm_vcpu {',
    '    mutex mutex;',
    '    struct kvm *kvm;',
    '    int mode;',
    '};',
    '',
    'struct kvm kvm;',
    'struct kvm_vcpu vcpus[4];',
    'rwsem mmap_sem;',
    'int counter;',
    '',
  ];
  let i = 0;
  while (out.length < lines - 40) {
    out.push(
      `// fn ${i}: takes the VM lock, maybe the slots lock, then the MMU spinlock.`,
      `fn op_${i}(struct kvm *k, struct kvm_vcpu *v, int flag) {`,
      '    int ret = 0;',
      '    mutex_lock(&v->mutex);',
      '    mutex_lock(&k->lock);',
      '    if (flag) {',
      '        mutex_lock(&k->slots_lock);',
      '        k->nr = k->nr + 1;',
      '        mutex_unlock(&k->slots_lock);',
      '    }',
      '    spin_lock(&k->arch.mmu_lock);',
      `    if (k->arch.mmu_ready == ${i % 7})`,
      '        ret = -EBUSY;',
      '    spin_unlock(&k->arch.mmu_lock);',
      '    mutex_unlock(&k->lock);',
      '    mutex_unlock(&v->mutex);',
      '    return ret;',
      '}',
      '',
    );
    i++;
  }
  const fns = i;
  out.push('thread ioctl on cpu0 "KVM ioctls" {');
  for (let j = 0; j < Math.min(fns, 25); j++) out.push(`    op_${j}(&kvm, &vcpus[0], ${j % 2});`);
  out.push('}', '', 'vcpu vcpu0 on cpu1 "KVM_RUN" {', '    down_read(&mmap_sem);');
  for (let j = 0; j < Math.min(fns, 5); j++) out.push(`    op_${fns - 1 - j}(&kvm, &vcpus[1], 1);`);
  out.push('    up_read(&mmap_sem);', '}', '', 'expect no violation;', '');
  return out.join('\n');
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

function row(name: string, xs: readonly number[]): string {
  return `| ${name} | ${xs.length} | ${quantile(xs, 0.5).toFixed(1)} | ${quantile(xs, 0.95).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`;
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [performance.now() - t0, r];
}

/** Positions inside lock arguments, after `->`, and at statement starts, spread over the file. */
function probePositions(text: string, n: number): Position[] {
  const out: Position[] = [];
  const needles = ['mutex_lock(&', 'spin_lock(&k->', '    int ret = 0;'];
  let at = 0;
  for (let k = 0; out.length < n; k++) {
    const needle = needles[k % needles.length]!;
    let i = text.indexOf(needle, at);
    if (i < 0) {
      at = 0;
      i = text.indexOf(needle, 0);
    }
    at = i + 997;
    out.push(positionAt(text, i + (needle.startsWith('    int') ? 4 : needle.length)));
  }
  return out;
}

async function main(): Promise<void> {
  const text = generateScenario(5000);
  const lineCount = text.split('\n').length;
  const uri = 'file:///generated-5000.lockstep';
  const slowUri = 'file:///slow.lockstep';

  // In-process: what one analysis and one completion cost, without the protocol.
  const analyses: number[] = [];
  for (let k = 0; k < 15; k++) {
    const t0 = performance.now();
    const a = analyze(uri, text);
    a.diagnostics();
    analyses.push(performance.now() - t0);
  }
  const a = analyze(uri, text);
  const inproc: number[] = [];
  const inprocHover: number[] = [];
  for (const p of probePositions(text, 200)) {
    const off = a.lines.offset(p);
    let t0 = performance.now();
    complete(a, off);
    inproc.push(performance.now() - t0);
    t0 = performance.now();
    hover(a, off + 2);
    inprocHover.push(performance.now() - t0);
  }

  const client = await TestClient.start({ settings: { lockstep: { diagnosticsDelayMs: DEBOUNCE_MS, check: { onSave: true, maxSeconds: 120 } } } });
  await client.open(uri, text);
  const probes = probePositions(text, 300);
  // Warm up: the first requests pay for JIT compilation.
  for (const p of probes.slice(0, 30)) await client.request('textDocument/completion', { textDocument: { uri }, position: p });

  const completion: number[] = [];
  const hoverTimes: number[] = [];
  for (const p of probes) {
    completion.push((await timed(() => client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: p })))[0]);
    hoverTimes.push((await timed(() => client.request('textDocument/hover', { textDocument: { uri }, position: { line: p.line, character: p.character + 2 } })))[0]);
  }

  // Typing: each keystroke is a change, then a completion request (the server analyses the new text first).
  const afterEdit: number[] = [];
  const diagnosticsTotal: number[] = [];
  let current = text;
  for (let k = 0; k < 40; k++) {
    const p = probes[k * 7]!;
    const lines = current.split('\n');
    lines[p.line] = `${lines[p.line]!} `;
    current = lines.join('\n');
    const published = client.nextDiagnostics(uri);
    const sent = performance.now();
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: k + 2 },
      contentChanges: [{ range: { start: { line: p.line, character: lines[p.line]!.length - 1 }, end: { line: p.line, character: lines[p.line]!.length - 1 } }, text: ' ' }],
    });
    afterEdit.push((await timed(() => client.request('textDocument/completion', { textDocument: { uri }, position: p })))[0]);
    await published;
    diagnosticsTotal.push(performance.now() - sent);
  }
  const afterDebounce = diagnosticsTotal.map((x) => Math.max(0, x - DEBOUNCE_MS));

  // Responsiveness while the checker runs in the background.
  // Six different threads (no symmetry to reduce), twelve conflicting steps each: a long search.
  const slowText = ['scenario "slow"', 'int x;', ...[0, 1, 2, 3, 4, 5].map((t) => `thread t${t} on cpu${t} {\n${`    x = x + ${t + 1};\n`.repeat(12)}}`), 'expect no violation;', ''].join('\n');
  await client.open(slowUri, slowText);
  await client.connection.sendNotification('textDocument/didSave', { textDocument: { uri: slowUri } });
  const duringCheck: number[] = [];
  for (const p of probes.slice(0, 200)) {
    duringCheck.push((await timed(() => client.request('textDocument/completion', { textDocument: { uri }, position: p })))[0]);
  }
  const lens = await client.request<{ command?: { title: string } }[]>('textDocument/codeLens', { textDocument: { uri: slowUri } });
  const stillChecking = lens.some((l) => l.command?.title.includes('checking'));
  await client.close(slowUri);
  await client.stop();

  const lines = [
    `LSP latency on a generated ${lineCount}-line scenario (${new Date().toISOString().slice(0, 10)}, ${process.platform}, Node ${process.version}), times in ms`,
    '',
    '| measure | n | median | p95 | max |',
    '|---|---|---|---|---|',
    row('analysis in-process (parse, bind, lints)', analyses),
    row('completion in-process (analysis cached)', inproc),
    row('hover in-process (analysis cached)', inprocHover),
    row('completion over stdio, settled document', completion),
    row('hover over stdio, settled document', hoverTimes),
    row('completion over stdio, right after a keystroke', afterEdit),
    row(`diagnostics after the last keystroke, total (debounce ${DEBOUNCE_MS} ms)`, diagnosticsTotal),
    row('diagnostics after the last keystroke, after the debounce', afterDebounce),
    row(`completion over stdio while a check runs${stillChecking ? '' : ' (the check had ended)'}`, duringCheck),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

// The test runner runs every .js file under out/test (as the main module); this one only
// runs when asked for.
if (process.env.NODE_TEST_CONTEXT) {
  console.log('lsp-latency: a measurement, not a test; run it with node directly');
} else if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
