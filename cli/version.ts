// The package's version and home page (for SARIF and --version), read from package.json
// beside the sources.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';

interface PackageInfo {
  readonly version: string;
  readonly homepage: string;
}

let cached: PackageInfo | undefined;

function packageInfo(): PackageInfo {
  if (cached === undefined) {
    cached = { version: '0.0.0', homepage: '' };
    // Compiled, this is out/cli/version.js (package.json two folders up); as source, one up.
    for (const p of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', 'package.json')]) {
      try {
        const json = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string; homepage?: string };
        if (json.name !== 'lockstep') continue;
        cached = { version: String(json.version ?? '0.0.0'), homepage: String(json.homepage ?? '') };
        break;
      } catch {
        // Not there (a bundle lays files out differently): try the next place.
      }
    }
  }
  return cached;
}

export function version(): string {
  return packageInfo().version;
}

/** Where people learn about the tool (SARIF's `informationUri`). */
export function homepage(): string {
  return packageInfo().homepage;
}
