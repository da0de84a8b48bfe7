// The benchmark's catalogue: every Promela model variant in ../shared/bench/promela/ paired
// with its `.lockstep` twin (a file in bench/models/, or text generated for a size) and
// the verdict SPIN gave in that directory's README.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { counterScenario, philosophersScenario } from './generate';
import type { PromelaModel } from './spin';

export type Verdict = 'violation' | 'verified';

export interface BenchModel {
  /** Stable name used by --only and in the tables: `seed001.fixed_setup_lock`, `philosophers.fixed.n12`. */
  readonly id: string;
  readonly promela: PromelaModel;
  /** The twin: its file name (for messages) and its text. */
  readonly lockstep: { readonly name: string; readonly text: string };
  /** SPIN's verdict in ../shared/bench/promela/README.md. */
  readonly expected: Verdict;
}

/** Where the repository keeps things, from the compiled file's location (out/bench/). */
export function repoRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

/** The Promela models sit beside the repository, in CI as on a developer's machine. */
export function promelaDir(): string {
  return path.resolve(repoRoot(), '..', 'shared', 'bench', 'promela');
}

export function modelsDir(): string {
  return path.join(repoRoot(), 'bench', 'models');
}

interface SeedVariant {
  readonly seed: string;
  readonly pml: string;
  readonly variant: string;
  readonly defines: readonly string[];
  readonly expected: Verdict;
}

/** The README's table of seed variants and what SPIN found. */
export const SEED_VARIANTS: readonly SeedVariant[] = [
  { seed: 'seed000', pml: 'seed000_spapr_tce', variant: 'buggy', defines: [], expected: 'violation' },
  { seed: 'seed000', pml: 'seed000_spapr_tce', variant: 'fixed', defines: ['FIXED'], expected: 'verified' },
  { seed: 'seed001', pml: 'seed001_xive_release', variant: 'buggy', defines: [], expected: 'violation' },
  { seed: 'seed001', pml: 'seed001_xive_release', variant: 'fixed', defines: ['FIXED'], expected: 'violation' },
  { seed: 'seed001', pml: 'seed001_xive_release', variant: 'fixed_setup_lock', defines: ['FIXED', 'SETUP_LOCK'], expected: 'verified' },
  { seed: 'seed001', pml: 'seed001_xive_release', variant: 'fixed_mutex_only', defines: ['FIXED', 'MUTEX_ONLY'], expected: 'verified' },
  { seed: 'seed002', pml: 'seed002_vpa', variant: 'buggy', defines: [], expected: 'violation' },
  { seed: 'seed002', pml: 'seed002_vpa', variant: 'fixed', defines: ['FIXED'], expected: 'verified' },
  { seed: 'seed003', pml: 'seed003_gpc', variant: 'buggy', defines: [], expected: 'violation' },
  { seed: 'seed003', pml: 'seed003_gpc', variant: 'fixed', defines: ['FIXED'], expected: 'verified' },
  { seed: 'seed004', pml: 'seed004_mm_iommu', variant: 'buggy', defines: [], expected: 'violation' },
  { seed: 'seed004', pml: 'seed004_mm_iommu', variant: 'fixed', defines: ['FIXED'], expected: 'verified' },
];

/** Sizes of the parametric models; the defaults are the targets. */
export interface Sizes {
  readonly philosophers: readonly number[];
  readonly counter: readonly number[];
  readonly counterK: number;
}

export const DEFAULT_SIZES: Sizes = { philosophers: [12], counter: [8], counterK: 3 };

export function seedTwinFile(v: SeedVariant): string {
  return `${v.pml}.${v.variant}.lockstep`;
}

export function benchModels(sizes: Sizes = DEFAULT_SIZES): BenchModel[] {
  const dir = promelaDir();
  const models: BenchModel[] = SEED_VARIANTS.map((v) => {
    const name = seedTwinFile(v);
    return {
      id: `${v.seed}.${v.variant}`,
      promela: { dir, file: `${v.pml}.pml`, defines: Object.fromEntries(v.defines.map((d) => [d, true] as const)) },
      lockstep: { name, text: fs.readFileSync(path.join(modelsDir(), name), 'utf8') },
      expected: v.expected,
    };
  });
  for (const n of sizes.philosophers) {
    for (const fixed of [false, true]) {
      const variant = fixed ? 'fixed' : 'buggy';
      models.push({
        id: `philosophers.${variant}.n${n}`,
        promela: { dir, file: 'philosophers.pml', defines: { N: n, ...(fixed ? { FIXED: true as const } : {}) } },
        lockstep: { name: `philosophers.${variant}.n${n}.lockstep`, text: philosophersScenario(n, fixed) },
        expected: fixed ? 'verified' : 'violation',
      });
    }
  }
  for (const n of sizes.counter) {
    const k = sizes.counterK;
    models.push({
      id: `counter.n${n}.k${k}`,
      promela: { dir, file: 'counter.pml', defines: { N: n, K: k } },
      lockstep: { name: `counter.n${n}.k${k}.lockstep`, text: counterScenario(n, k) },
      expected: 'verified',
    });
  }
  return models;
}

/** `--only` patterns: comma-separated, `*` matches anything, otherwise a substring of the id. */
export function selectModels(models: readonly BenchModel[], only: string | undefined): BenchModel[] {
  if (!only) return [...models];
  const patterns = only.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  return models.filter((m) =>
    patterns.some((p) => (p.includes('*') ? globToRegExp(p).test(m.id) : m.id.includes(p))),
  );
}

function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}
