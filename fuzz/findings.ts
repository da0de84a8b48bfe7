// What a campaign found: counted by kind, and each failing input saved, minimised, as a
// reproducer under fuzz-findings/ (gitignored) with a note of how it failed.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Tally {
  /** Inputs (in-process) or sessions (over the wire). */
  units: number;
  crashes: number;
  hangs: number;
  stackTraces: number;
  boundsBroken: number;
  /** Fresh server processes started (over the wire). */
  processes: number;
  readonly details: Record<string, number>;
  readonly saved: string[];
}

export function newTally(): Tally {
  return { units: 0, crashes: 0, hangs: 0, stackTraces: 0, boundsBroken: 0, processes: 0, details: {}, saved: [] };
}

export function count(t: Tally, key: string, n = 1): void {
  t.details[key] = (t.details[key] ?? 0) + n;
}

export function failures(t: Tally): number {
  return t.crashes + t.hangs + t.stackTraces + t.boundsBroken;
}

/**
 * Shrinks `text` while `fails` holds: chunks of lines, then of characters, halving the chunk
 * size (a simple ddmin), within `budgetMs`.
 */
export function minimize(text: string, fails: (t: string) => boolean, budgetMs = 20_000): string {
  const deadline = Date.now() + budgetMs;
  let best = text;
  for (const unit of ['\n', ''] as const) {
    let parts = unit === '\n' ? best.split('\n') : [...best];
    for (let size = Math.max(1, parts.length >> 1); size >= 1 && Date.now() < deadline; size = size === 1 ? 0 : size >> 1) {
      for (let at = 0; at < parts.length && Date.now() < deadline;) {
        const candidate = [...parts.slice(0, at), ...parts.slice(at + size)];
        const t = candidate.join(unit);
        if (candidate.length < parts.length && fails(t)) {
          parts = candidate;
          best = t;
        } else {
          at += size;
        }
      }
      if (parts.length > 20_000 && unit === '') break;
    }
  }
  return best;
}

/** Saves a reproducer and its note; returns the path. */
export function save(dir: string, target: string, kind: string, input: string | Buffer, note: Record<string, unknown>): string {
  const hash = createHash('sha1').update(input).digest('hex').slice(0, 12);
  const folder = join(dir, target);
  mkdirSync(folder, { recursive: true });
  const base = join(folder, `${kind}-${hash}`);
  writeFileSync(`${base}.input`, input);
  writeFileSync(`${base}.json`, `${JSON.stringify({ target, kind, ...note }, null, 2)}\n`);
  return `${base}.input`;
}
