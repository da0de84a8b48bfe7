// The launch configuration of a Lockstep debug session: validated, the scenario read and
// compiled, the replay trace loaded and checked. Every problem becomes a DebugError whose
// message a person can act on (file, line and column for a scenario with errors).

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { formatDiagnostic, loadScenario, type CompiledScenario } from '../core';
import { loadTrace } from '../core/debug/replay';
import { DebugError, type Schedule } from '../core/debug/runtime';

/** What a launch.json entry of type `lockstep` may say. */
export interface LaunchArguments {
  /** The .lockstep file. */
  readonly program?: unknown;
  /** Stop before the first step (default true). */
  readonly stopOnEntry?: unknown;
  /** `manual` (the default), `round-robin`, `random` (with `seed`) or `replay` (with `trace`). */
  readonly schedule?: unknown;
  readonly seed?: unknown;
  /** A JSON trace from `lockstep check --trace-out`. */
  readonly trace?: unknown;
  /** The scenario's title, when given: the file must hold that scenario. */
  readonly scenario?: unknown;
  /** Relative paths are resolved against it (default: the adapter's working directory). */
  readonly cwd?: unknown;
}

export interface Launch {
  readonly program: string;
  readonly scenario: CompiledScenario;
  readonly schedule: Schedule;
  readonly stopOnEntry: boolean;
  /** One line for the debug console: what was launched and how it will run. */
  readonly summary: string;
  /** The text the session runs, to notice when the file is edited under it. */
  readonly fingerprint: SourceFingerprint;
}

export interface SourceFingerprint {
  readonly path: string;
  readonly text: string;
  readonly mtimeMs: number;
  readonly size: number;
}

const SCHEDULES = ['manual', 'round-robin', 'random', 'replay'] as const;

function pathArg(value: unknown, what: string, cwd: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new DebugError(`the launch configuration needs "${what}": the path of ${what === 'program' ? 'a .lockstep file' : 'a JSON trace'}`);
  return isAbsolute(value) ? value : resolve(cwd, value);
}

/** Larger files are refused: no scenario or trace is anywhere near this. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/**
 * Reads a scenario or trace, refusing at once what is not a regular text file of sane size:
 * a device (/dev/zero reads forever), a FIFO (blocks until a writer comes), a directory.
 * The error names the file and never echoes its bytes.
 */
function readText(path: string, what: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new DebugError(`cannot read ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!st.isFile()) throw new DebugError(`cannot read ${what} ${path}: it is ${fileKind(st)}, not a regular file`);
  if (st.size > MAX_INPUT_BYTES) throw new DebugError(`cannot read ${what} ${path}: it is ${st.size} bytes (the limit is ${MAX_INPUT_BYTES})`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DebugError(`cannot read ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (bytes.length > MAX_INPUT_BYTES) throw new DebugError(`cannot read ${what} ${path}: it is more than ${MAX_INPUT_BYTES} bytes`);
  try {
    if (bytes.includes(0)) throw new Error('a NUL byte');
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DebugError(`${path} is not ${what}: it is not UTF-8 text`);
  }
}

function fileKind(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function fingerprint(path: string, text: string): SourceFingerprint {
  const st = statSync(path);
  return { path, text, mtimeMs: st.mtimeMs, size: st.size };
}

/** Whether the file on disk still holds the text the session runs (a touch alone is no edit). */
export function sourceUnchanged(f: SourceFingerprint): boolean {
  try {
    const st = statSync(f.path);
    if (st.mtimeMs === f.mtimeMs && st.size === f.size) return true;
    return readFileSync(f.path, 'utf8') === f.text;
  } catch {
    return false;
  }
}

export function prepareLaunch(args: LaunchArguments): Launch {
  const cwd = typeof args.cwd === 'string' && args.cwd !== '' ? args.cwd : process.cwd();
  const program = pathArg(args.program, 'program', cwd);
  const text = readText(program, 'the scenario');
  const loaded = loadScenario(program, text);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (!loaded.compiled || errors.length > 0) {
    const shown = errors.slice(0, 5).map((d) => formatDiagnostic(program, loaded.lines, d));
    const more = errors.length > shown.length ? `\n(and ${errors.length - shown.length} more)` : '';
    throw new DebugError(`${program} has errors and cannot be debugged:\n${shown.join('\n')}${more}`);
  }
  const scenario = loaded.compiled;
  if (args.scenario !== undefined) {
    if (typeof args.scenario !== 'string') throw new DebugError('"scenario" must be the title of a scenario in the file');
    if (args.scenario !== scenario.title) throw new DebugError(`${program} holds the scenario "${scenario.title}", not "${args.scenario}"`);
  }
  const kind = args.schedule ?? 'manual';
  if (typeof kind !== 'string' || !(SCHEDULES as readonly string[]).includes(kind)) {
    throw new DebugError(`unknown schedule ${JSON.stringify(kind)} (use ${SCHEDULES.join(', ')})`);
  }
  let schedule: Schedule;
  let how: string;
  switch (kind as (typeof SCHEDULES)[number]) {
    case 'manual':
      schedule = { kind: 'manual' };
      how = 'manual schedule (continue runs round-robin)';
      break;
    case 'round-robin':
      schedule = { kind: 'round-robin' };
      how = 'round-robin schedule';
      break;
    case 'random': {
      const seed = args.seed ?? 1;
      if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new DebugError(`"seed" must be an integer, not ${JSON.stringify(seed)}`);
      schedule = { kind: 'random', seed };
      how = `random schedule, seed ${seed}`;
      break;
    }
    case 'replay': {
      const tracePath = pathArg(args.trace, 'trace', cwd);
      let data: unknown;
      try {
        data = JSON.parse(readText(tracePath, 'the trace'));
      } catch (e) {
        if (e instanceof DebugError) throw e;
        throw new DebugError(`${tracePath} is not JSON: ${(e as Error).message}`);
      }
      const trace = loadTrace(scenario, data, tracePath);
      schedule = { kind: 'replay', moves: trace.moves };
      how = `replaying ${tracePath}: ${trace.moves.length} steps${trace.violation ? `, ending in ${trace.violation}` : ''}`;
      break;
    }
  }
  const stopOnEntry = args.stopOnEntry === undefined ? true : args.stopOnEntry === true;
  return {
    program, scenario, schedule, stopOnEntry,
    summary: `${scenario.title || program}: ${scenario.actors.length} actors, ${how}`,
    fingerprint: fingerprint(program, text),
  };
}
