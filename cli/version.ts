// The package version, for SARIF and --version, read from package.json beside the sources.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

export function version(): string {
  if (cached === undefined) {
    try {
      // Compiled, this is out/cli/version.js (package.json two folders up); as source, one up.
      const candidates = [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', 'package.json')];
      const file = candidates.find((p) => {
        try {
          return (JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'lockstep';
        } catch {
          return false;
        }
      });
      cached = file ? String((JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0') : '0.0.0';
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
