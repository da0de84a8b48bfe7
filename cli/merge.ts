// `lockstep merge SHARD.json...`: joins the `--json` outputs of `check --shard i/n` (one file
// per shard, each holding one JSON object per scenario checked) into the result one search
// would give: the verdict, each violation once, the statistics summed, and the lock-order
// cycles whose dependencies different shards saw. It refuses shards that do not belong
// together: different files, different scenario versions, different search options, a
// shard missing or given twice. Output as `check`: text, --json, --sarif.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { LoadedScenario } from '../core';
import type { CheckResult } from '../core/explore';
import { findingFromRecord, mergeShards, scenarioVersion, type ShardOutput } from '../core/explore/shards';
import { lockdepName } from '../core/model/machine';
import { VIOLATION_KINDS, type ViolationKind } from '../core/model/types';
import { writeSarif } from './check';
import { EXIT, loadFile, UsageError, type Io } from './common';
import { formatFinding, resultJson, summaryLine, type ShardJson } from './report';
import type { SarifRun } from './sarif';

export const MERGE_USAGE = `  merge SHARD.json... [--json] [--sarif FILE]
        join the --json outputs of check --shard 1/n … n/n into one result (exit 2 if
        the shards are of different files or scenario versions, or one is missing)`;

/** A shard that cannot be merged: printed as `error: …`, exit 2. */
class MergeError extends Error {}

interface ShardInput {
  /** The SHARD.json it came from. */
  readonly source: string;
  readonly json: ShardJson;
}

export async function cmdMerge(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, sarif: { type: 'string' } },
  });
  if (positionals.length === 0) throw new UsageError('merge needs the JSON output of every shard');
  let groups: Map<string, ShardInput[]>;
  try {
    groups = groupByFile(positionals.map(readShardFile));
  } catch (e) {
    if (!(e instanceof MergeError)) throw e;
    io.err(`error: ${e.message}`);
    return EXIT.usage;
  }
  const results: CheckResult[] = [];
  const runs: SarifRun[] = [];
  let inputError = false;
  for (const [file, inputs] of groups) {
    const loaded = loadFile(file, io);
    if (!loaded?.compiled) {
      io.err(`error: ${file}: merge reloads the scenario the shards checked, and cannot`);
      inputError = true;
      continue;
    }
    let shards: ShardOutput[];
    try {
      shards = validate(file, loaded, inputs);
    } catch (e) {
      if (!(e instanceof MergeError)) throw e;
      io.err(`error: ${e.message}`);
      inputError = true;
      continue;
    }
    const s = loaded.compiled;
    const merged = mergeShards(s, shards);
    results.push(merged);
    runs.push({ file, loaded, result: merged });
    if (values.json) {
      io.out(JSON.stringify({ ...resultJson(file, loaded, merged), shards: shards.length }));
    } else {
      for (const f of merged.violations) io.out(`${formatFinding(file, loaded, f)}\n`);
      for (const f of merged.acrossShards) {
        const classes = (f.violation.lockClasses ?? []).map((c) => lockdepName(s.lockClasses[c]!)).join(', ');
        const what = f.kind === 'lock_order' ? `the lock-order cycle of ${classes}` : `the irq-unsafe use of ${classes}`;
        io.out(`${file}: note: ${what} was seen only by joining what the shards' lockdep saw`);
      }
      io.out(`${summaryLine(file, merged)} (${shards.length} shards merged)`);
    }
  }
  if (values.sarif && !writeSarif(values.sarif, runs, io)) inputError = true;
  if (inputError) return EXIT.usage;
  if (results.some((r) => r.verdict === 'violation')) return EXIT.violation;
  if (results.some((r) => r.verdict === 'inconclusive')) return EXIT.inconclusive;
  return EXIT.ok;
}

/** The shard objects of one SHARD.json (one per line, one per scenario checked). */
function readShardFile(source: string): ShardInput[] {
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (e) {
    throw new MergeError(`${source}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const out: ShardInput[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new MergeError(`${source}:${i + 1}: not JSON (merge reads the output of lockstep check --shard i/n --json)`);
    }
    if (!isShardJson(json)) {
      throw new MergeError(`${source}:${i + 1}: not the output of a shard (run lockstep check --shard i/n --json; without --shard the JSON has no lock-order graph to merge)`);
    }
    out.push({ source, json });
  });
  if (out.length === 0) throw new MergeError(`${source}: empty (merge reads the output of lockstep check --shard i/n --json)`);
  return out;
}

function isShardJson(x: unknown): x is ShardJson {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Partial<Record<keyof ShardJson, unknown>>;
  const shard = o.shard as { index?: unknown; count?: unknown } | undefined;
  return typeof o.file === 'string' && typeof o.scenarioVersion === 'string' && Array.isArray(o.violations) && Array.isArray(o.lockDependencies) && Array.isArray(o.lockUsages)
    && typeof o.stats === 'object' && typeof o.search === 'object' && typeof shard === 'object' && shard !== null
    && Number.isInteger(shard.index) && Number.isInteger(shard.count);
}

/** Every SHARD.json must hold the same scenario files: the shards of one `check` invocation. */
function groupByFile(perSource: readonly ShardInput[][]): Map<string, ShardInput[]> {
  const filesOf = (xs: readonly ShardInput[]): string => [...new Set(xs.map((x) => x.json.file))].sort().join(', ');
  const first = perSource[0]!;
  for (const xs of perSource.slice(1)) {
    if (filesOf(xs) !== filesOf(first)) {
      throw new MergeError(`shards of different files: ${first[0]!.source} checked ${filesOf(first)}, ${xs[0]!.source} checked ${filesOf(xs)}`);
    }
  }
  const groups = new Map<string, ShardInput[]>();
  for (const x of perSource.flat()) {
    const list = groups.get(x.json.file) ?? [];
    list.push(x);
    groups.set(x.json.file, list);
  }
  return groups;
}

/** Shards 1..n of one scenario, the same version and search, each once: as the merge reads them. */
function validate(file: string, loaded: LoadedScenario, inputs: readonly ShardInput[]): ShardOutput[] {
  const s = loaded.compiled!;
  const label = (x: ShardInput): string => `${x.json.shard.index}/${x.json.shard.count} (${x.source})`;
  const [first] = inputs as [ShardInput, ...ShardInput[]];
  const count = first.json.shard.count;
  for (const x of inputs) {
    if (x.json.shard.count !== count) throw new MergeError(`${file}: shards of different splits: ${label(first)} and ${label(x)}`);
    if (x.json.scenarioVersion !== first.json.scenarioVersion) {
      throw new MergeError(`${file}: shards of different scenario versions: ${label(first)} checked ${first.json.scenarioVersion}, ${label(x)} checked ${x.json.scenarioVersion}`);
    }
    const a = JSON.stringify(first.json.search);
    const b = JSON.stringify(x.json.search);
    if (a !== b) throw new MergeError(`${file}: shards searched with different options: ${label(first)} ${a}, ${label(x)} ${b}`);
  }
  const byIndex = new Map<number, ShardInput>();
  for (const x of inputs) {
    const had = byIndex.get(x.json.shard.index);
    if (had) throw new MergeError(`${file}: shard ${x.json.shard.index}/${count} given twice (${had.source} and ${x.source})`);
    byIndex.set(x.json.shard.index, x);
  }
  const missing: string[] = [];
  for (let i = 1; i <= count; i++) if (!byIndex.has(i)) missing.push(`${i}/${count}`);
  if (missing.length > 0) throw new MergeError(`${file}: missing shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (merge needs every shard 1/${count} … ${count}/${count})`);
  const here = scenarioVersion(s);
  if (here !== first.json.scenarioVersion) {
    throw new MergeError(`${file}: the scenario changed since the shards checked it (it is now ${here}, the shards checked ${first.json.scenarioVersion})`);
  }
  return [...byIndex.values()].map((x) => shardOutput(s, x.json));
}

function shardOutput(s: NonNullable<LoadedScenario['compiled']>, j: ShardJson): ShardOutput {
  return {
    shard: { index: j.shard.index - 1, count: j.shard.count },
    ...(j.bound ? { bound: j.bound } : {}),
    findings: j.violations.map((v) => {
      if (!(VIOLATION_KINDS as readonly string[]).includes(v.kind)) throw new MergeError(`${j.file}: unknown violation kind '${v.kind}' in shard ${j.shard.index}/${j.shard.count}`);
      return findingFromRecord(s, v.kind as ViolationKind, v.message, v.detail);
    }),
    stats: {
      states: j.stats.states,
      transitions: j.stats.transitions,
      seconds: j.stats.seconds,
      peakMemoryMB: j.stats.peakMemoryMB,
      maxDepth: j.stats.maxDepth,
      bytesPerState: j.stats.bytesPerState,
      reducedStates: j.stats.reducedStates,
    },
    dependencies: j.lockDependencies,
    usages: j.lockUsages,
  };
}
