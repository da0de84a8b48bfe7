// The `lockstep` command, a dispatcher: `check` explores every interleaving (check.ts),
// `merge` joins the shards of a sharded check (merge.ts), `test` compares verdicts with
// `expect` clauses (test.ts), `run` runs one interleaving, `import` turns a kernel report
// into a scenario skeleton (import.ts).
// Exit codes: 0 clean, 1 violation, 2 usage or input error, 3 inconclusive, 70 internal
// error (a bug in Lockstep: one line, the stack only with --debug or LOCKSTEP_DEBUG=1).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cmdCheck, CHECK_USAGE } from './check';
import { cmdImport, IMPORT_USAGE } from './import';
import { debugRequested, EXIT, internalErrorText, loadFile, stdio, UsageError, type Io } from './common';
import { cmdMerge, MERGE_USAGE } from './merge';
import { SEARCH_USAGE } from './options';
import { cmdTest, TEST_USAGE } from './test';
import { runOnce } from '../core/explore/run';
import { pctScheduler, randomScheduler, replayScheduler, roundRobin, type Scheduler } from '../core/explore/schedulers';
import { columnDiagram, scheduleFromTrace } from '../core/explore/trace';
import { renderBuiltinReference } from '../core/model/reference';

export { EXIT, UsageError, loadFile, type Io } from './common';
// The checker itself, for what loads the command's bundle to check as the command does
// (bench/lockstep-child.ts: the bench times the command's start-up, not another one).
export { loadScenario } from '../core';
export { check, checkAsync } from '../core/explore';

const USAGE = `usage: lockstep <command> [options]

commands:
${CHECK_USAGE}
${MERGE_USAGE}
${TEST_USAGE}
${IMPORT_USAGE}
  run FILE [--schedule round-robin|random|pct] [--seed N] [--replay TRACE.json] [--max-steps N]
        run one interleaving and print it step by step
  reference
        print the builtin reference (docs/builtins.md) generated from the registry

${SEARCH_USAGE}

  --debug               on an internal error, print its stack (also LOCKSTEP_DEBUG=1)

exit status: 0 clean (verified), 1 violation found, 2 usage or input error (for merge:
             also shards that do not belong together), 3 inconclusive (a bound stopped
             the search), 70 internal error (a bug in Lockstep: please report it)`;

/** The program: `main` with anything that escapes it (a callback, a rejection) reported as internal. */
export async function run(argv: readonly string[]): Promise<number> {
  const debug = debugRequested(argv);
  const fail = (e: unknown): never => {
    process.stderr.write(`${internalErrorText(e, debug)}\n`);
    process.exit(EXIT.internal);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  return main(argv, stdio);
}

export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  const debug = debugRequested(argv);
  const [command, ...rest] = argv.filter((a) => a !== '--debug');
  try {
    switch (command) {
      case 'check':
        return await cmdCheck(rest, io);
      case 'merge':
        return await cmdMerge(rest, io);
      case 'test':
        return await cmdTest(rest, io);
      case 'run':
        return cmdRun(rest, io);
      case 'import':
        return cmdImport(rest, io);
      case 'reference':
        io.out(renderBuiltinReference());
        return EXIT.ok;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`lockstep: ${e.message}\n${USAGE}`);
      return EXIT.usage;
    }
    if (e instanceof Error && 'code' in e && typeof (e as { code?: unknown }).code === 'string' && String((e as { code: string }).code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`lockstep: ${e.message}\n${USAGE}`);
      return EXIT.usage;
    }
    io.err(internalErrorText(e, debug));
    return EXIT.internal;
  }
}

function cmdRun(args: readonly string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      schedule: { type: 'string', default: 'round-robin' },
      seed: { type: 'string', default: '1' },
      replay: { type: 'string' },
      'max-steps': { type: 'string', default: '100000' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('run takes exactly one scenario file');
  const file = positionals[0]!;
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, not '${values.seed}'`);
  const maxSteps = Number(values['max-steps']);
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new UsageError('--max-steps must be a positive integer');
  const loaded = loadFile(file, io);
  if (!loaded?.compiled) return EXIT.usage;
  const s = loaded.compiled;
  let scheduler: Scheduler;
  if (values.replay) {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(values.replay, 'utf8'));
      scheduler = replayScheduler(scheduleFromTrace(s, data));
    } catch (e) {
      io.err(`${values.replay}: error: ${(e as Error).message}`);
      return EXIT.usage;
    }
  } else if (values.schedule === 'round-robin') {
    scheduler = roundRobin();
  } else if (values.schedule === 'random') {
    scheduler = randomScheduler(seed);
  } else if (values.schedule === 'pct') {
    scheduler = pctScheduler(seed);
  } else {
    throw new UsageError(`unknown schedule '${values.schedule}' (round-robin, random or pct)`);
  }
  const r = runOnce(s, scheduler, { maxSteps });
  io.out(`${s.title || file}: ${scheduler.name}`);
  r.steps.forEach((t, i) => io.out(`${String(i + 1).padStart(4)}  ${t.actorName.padEnd(12)} ${file}:${t.line}  ${t.text}`));
  // Each report where the run printed it, as the kernel's log would show them one after another.
  r.violations.forEach((v, i) => {
    io.out('');
    io.out(v.report);
    io.out('');
    const deadlock = v.kind === 'deadlock' && r.blocked;
    io.out(columnDiagram(s, r.steps.slice(0, r.at[i]), deadlock
      ? { blocked: r.blocked!, footer: '*** DEADLOCK ***' }
      : { failure: `<- ${v.kind.replace(/_/g, '-')}` }));
    io.out('');
    const p = loaded.lines.position(v.span.start);
    io.out(`${file}:${p.line + 1}:${p.character + 1}: ${v.kind}: ${v.message}`);
  });
  if (r.violations.length > 0) return EXIT.violation;
  if (r.end === 'max-steps') {
    io.out(`stopped after ${maxSteps} steps (--max-steps) without finishing`);
    return EXIT.inconclusive;
  }
  if (r.end === 'replay-ended') {
    io.out(`the replayed trace ended (or its next move is not possible here) after ${r.steps.length} steps`);
    return EXIT.ok;
  }
  io.out(`finished after ${r.steps.length} steps: no violation`);
  return EXIT.ok;
}
