// Measures checks one after another, as the language server runs them (a check per edit,
// through startCheck's worker, kept between checks): the dining philosophers (fixed, the
// bench's model) of each size checked `--checks` times in a row on one worker and on two,
// series alternating, `--series` of each. The first check of a series pays the workers'
// start; the figure is the median of the others.
// Not a test: run `npm run build && node out/test/perf/check-repeat.js [--sizes 10,11]
// [--checks 6] [--series 3] [--build DIR]` (`--build`: another build's out/ directory, to
// compare with older code).

import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { philosophersScenario } from '../../bench/generate';
import type { startCheck as StartCheck } from '../../core/explore/worker';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,11' },
    checks: { type: 'string', default: '6' },
    series: { type: 'string', default: '3' },
    build: { type: 'string' },
  },
});

const root = values.build ? path.resolve(values.build) : path.resolve(__dirname, '..', '..');
const { startCheck } = require(path.join(root, 'core', 'explore', 'worker')) as { startCheck: typeof StartCheck };

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Milliseconds of each of `checks` checks in a row; the states of the last. */
async function series(n: number, workers: number, checks: number): Promise<{ ms: number[]; states: number }> {
  const file = `philosophers-${n}.lockstep`;
  const text = philosophersScenario(n, true);
  const ms: number[] = [];
  let states = 0;
  for (let i = 0; i < checks; i++) {
    const t = performance.now();
    const outcome = await startCheck(file, text, { workers, maxStates: 20_000_000 }).result;
    ms.push(performance.now() - t);
    if (outcome.status !== 'done') throw new Error(`${file} on ${workers} worker(s): ${outcome.status}`);
    states = outcome.result.stats.states;
  }
  return { ms, states };
}

async function main(): Promise<void> {
  const sizes = values.sizes.split(',').map(Number);
  const checks = Math.max(2, Number(values.checks));
  const count = Math.max(1, Number(values.series));
  console.log(`checks in a row through startCheck (${root}), ${checks} per series, ${count} series per size and worker count`);
  for (const n of sizes) {
    const later: Record<number, number[]> = { 1: [], 2: [] };
    const first: Record<number, number[]> = { 1: [], 2: [] };
    let states = 0;
    for (let k = 0; k < count; k++) {
      for (const workers of [1, 2]) {
        const r = await series(n, workers, checks);
        first[workers]!.push(r.ms[0]!);
        later[workers]!.push(...r.ms.slice(1));
        states = r.states;
        console.log(`  philosophers N=${n}, ${workers} worker(s): ${r.ms.map((x) => x.toFixed(0)).join(' ')} ms`);
      }
    }
    const m1 = median(later[1]!);
    const m2 = median(later[2]!);
    console.log(
      `philosophers N=${n} (${states.toLocaleString('en-US')} states): first check median ${median(first[1]!).toFixed(0)} ms on 1 worker, ${median(first[2]!).toFixed(0)} ms on 2; `
        + `later checks median ${m1.toFixed(0)} ms on 1 worker, ${m2.toFixed(0)} ms on 2 (${(m1 / m2).toFixed(2)}×)`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
