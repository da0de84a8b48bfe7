// Measures the debug adapter's speed (issue 5's targets): the round trip of a step
// request to its stopped event on each seed, and replaying a 10,000-step trace to its end,
// over the protocol (adapter in a child process) and in-process (the runtime alone).
// Not a test: run `npm run build && node out/test/perf/dap-latency.js`.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { loadScenario } from '../../core';
import { DebugRuntime } from '../../core/debug/runtime';
import { loadTrace } from '../../core/debug/replay';
import { runOnce } from '../../core/explore/run';
import { randomScheduler } from '../../core/explore/schedulers';
import { toTraceFile } from '../../core/explore/trace';
import { launch, SEEDS, startAdapter } from '../debugger/harness';

const STEPS_PER_SEED = 300;
const REPLAY_STEPS = 10_000;

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

/** Round trips of single-thread steps on one seed, restarting whenever the run is over. */
async function stepRoundTrips(program: string): Promise<number[]> {
  const adapter = startAdapter();
  const { dc } = adapter;
  const times: number[] = [];
  try {
    await launch(dc, { program });
    const threads = (await dc.threadsRequest()).body.threads.map((t) => t.id);
    let turn = 0;
    let failures = 0;
    while (times.length < STEPS_PER_SEED) {
      const thread = threads[turn++ % threads.length]!;
      const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
      const t0 = performance.now();
      try {
        await dc.stepInRequest({ threadId: thread });
      } catch {
        // A finished actor has no step: try the next one, and start over when none can move.
        if (++failures >= threads.length) {
          failures = 0;
          const again = dc.waitForEvent('stopped');
          await dc.restartRequest({ arguments: { program } } as DebugProtocol.RestartArguments);
          await again;
        }
        continue;
      }
      const stop = await stopped;
      times.push(performance.now() - t0);
      failures = 0;
      if (stop.body.reason === 'exception' || /finished after/.test(stop.body.description ?? '')) {
        const again = dc.waitForEvent('stopped');
        await dc.restartRequest({ arguments: { program } } as DebugProtocol.RestartArguments);
        await again;
      }
    }
  } finally {
    await adapter.stop();
  }
  return times;
}

/** A scenario whose round-robin run takes just over 10,000 steps, and a trace of it. */
function longTrace(dir: string): { program: string; trace: string; steps: number } {
  const iterations = Math.ceil(REPLAY_STEPS / 6);
  const body = `    int i;\n    for (i = 0; i < ${iterations}; i++) {\n        spin_lock(&lock);\n        counter++;\n        spin_unlock(&lock);\n    }\n`;
  const text = `scenario "10,000 steps"\n\nspinlock lock;\nint counter;\n\nthread a on cpu0 {\n${body}}\n\nthread b on cpu1 {\n${body}}\n\nexpect no violation;\n`;
  const program = join(dir, 'long.lockstep');
  writeFileSync(program, text);
  const s = loadScenario(program, text).compiled!;
  const run = runOnce(s, randomScheduler(7), { maxSteps: 1_000_000 });
  const trace = join(dir, 'long.trace.json');
  writeFileSync(trace, JSON.stringify(toTraceFile(s, run.steps)));
  return { program, trace, steps: run.steps.length };
}

/** Milliseconds from continue to the final stop, and from the launch request to it. */
async function replayOverProtocol(program: string, trace: string): Promise<{ run: number; total: number }> {
  const adapter = startAdapter();
  const { dc } = adapter;
  try {
    const t0 = performance.now();
    await launch(dc, { program, schedule: 'replay', trace });
    const end = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    const t1 = performance.now();
    await dc.continueRequest({ threadId: 1 });
    const stop = await end;
    const t2 = performance.now();
    // The stop's sentence is its `text` (the `description` is the short label, `Run ended`).
    if (!/trace ends here|every actor finished after/.test(stop.body.text ?? '')) throw new Error(`the replay stopped early: ${stop.body.description}: ${stop.body.text}`);
    return { run: t2 - t1, total: t2 - t0 };
  } finally {
    await adapter.stop();
  }
}

function replayInProcess(program: string, trace: string): { load: number; run: number } {
  const text = readFileSync(program, 'utf8');
  const s = loadScenario(program, text).compiled!;
  const t0 = performance.now();
  const moves = loadTrace(s, JSON.parse(readFileSync(trace, 'utf8')), trace).moves;
  const t1 = performance.now();
  const rt = new DebugRuntime(s, { schedule: { kind: 'replay', moves }, defer: (f) => f() });
  let ended = false;
  rt.on((e) => {
    if (e.kind === 'stopped') ended = true;
  });
  rt.continueAll();
  const t2 = performance.now();
  if (!ended || rt.position !== moves.length) throw new Error(`in-process replay ended at ${rt.position} of ${moves.length}`);
  return { load: t1 - t0, run: t2 - t1 };
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(`\nstep round trip (stepIn request -> stopped event), ${STEPS_PER_SEED} steps per seed, adapter over stdio:`);
  const all: number[] = [];
  for (const file of readdirSync(SEEDS).filter((f) => f.endsWith('.lockstep')).sort()) {
    const times = await stepRoundTrips(resolve(SEEDS, file));
    all.push(...times);
    console.log(`  ${file.padEnd(40)} median ${quantile(times, 0.5).toFixed(2)} ms   p95 ${quantile(times, 0.95).toFixed(2)} ms`);
  }
  console.log(`  ${'all seeds'.padEnd(40)} median ${quantile(all, 0.5).toFixed(2)} ms   p95 ${quantile(all, 0.95).toFixed(2)} ms`);

  const dir = mkdtempSync(join(tmpdir(), 'lockstep-perf-'));
  const { program, trace, steps } = longTrace(dir);
  console.log(`\nreplay of a ${steps}-step trace to its end (continue -> stopped):`);
  const overDap: { run: number; total: number }[] = [];
  for (let i = 0; i < 3; i++) overDap.push(await replayOverProtocol(program, trace));
  console.log(`  over the protocol, continue -> final stop: ${overDap.map((x) => x.run.toFixed(0)).join(', ')} ms`);
  console.log(`  over the protocol, launch request (trace checked) -> final stop: ${overDap.map((x) => x.total.toFixed(0)).join(', ')} ms`);
  const inProc = [0, 1, 2].map(() => replayInProcess(program, trace));
  console.log(`  in process: run ${inProc.map((x) => x.run.toFixed(0)).join(', ')} ms; checking the trace at launch ${inProc.map((x) => x.load.toFixed(0)).join(', ')} ms`);
}

// The test runner runs every .js file under out/test; this one only runs when asked for.
if (process.env.NODE_TEST_CONTEXT) {
  console.log('dap-latency: a measurement, not a test; run it with node directly');
} else {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
