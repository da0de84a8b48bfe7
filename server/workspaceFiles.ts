// The `.lockstep` files of the workspace folders, for workspace symbols: found by a bounded
// walk of the folders and analysed once per modification time. Open documents are the
// server's own; unreadable files and folders are skipped.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { analyze, type Analysis } from '../core/ide';

const MAX_FILES = 2000;
const SKIP = new Set(['node_modules', '.git', 'out', 'dist', '.cache']);

export class WorkspaceFiles {
  private folders: string[] = [];
  private readonly cache = new Map<string, { mtimeMs: number; analysis: Analysis }>();

  setFolders(uris: readonly string[]): void {
    const paths = uris.flatMap((u) => {
      try {
        return u.startsWith('file:') ? [fileURLToPath(u)] : [];
      } catch {
        return [];
      }
    });
    this.folders = [...new Set(paths)];
  }

  /** Analyses of the workspace's scenario files, except those open in the editor. */
  analyses(open: ReadonlySet<string>): Analysis[] {
    const out: Analysis[] = [];
    for (const path of this.files()) {
      const uri = pathToFileURL(path).toString();
      if (open.has(uri)) continue;
      try {
        const mtimeMs = statSync(path).mtimeMs;
        let entry = this.cache.get(uri);
        if (!entry || entry.mtimeMs !== mtimeMs) {
          entry = { mtimeMs, analysis: analyze(uri, readFileSync(path, 'utf8')) };
          this.cache.set(uri, entry);
        }
        out.push(entry.analysis);
      } catch {
        this.cache.delete(uri);
      }
    }
    return out;
  }

  private files(): string[] {
    const out: string[] = [];
    const walk = (dir: string, depth: number): void => {
      if (out.length >= MAX_FILES || depth > 12) return;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (out.length >= MAX_FILES) return;
        if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) walk(join(dir, e.name), depth + 1);
        else if (e.isFile() && e.name.endsWith('.lockstep')) out.push(join(dir, e.name));
      }
    };
    for (const f of this.folders) walk(f, 0);
    return out;
  }
}
