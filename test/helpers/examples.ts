// Every example scenario: the `.lockstep` files under examples/ (the seeds included), for the
// tests that run something on each of them.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');

/** The `.lockstep` files under `dir` (default: examples/), sorted. */
export function exampleFiles(dir = EXAMPLES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return exampleFiles(p);
    return e.name.endsWith('.lockstep') ? [p] : [];
  }).sort();
}
