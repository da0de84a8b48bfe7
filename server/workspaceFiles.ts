// The `.lockstep` files of the workspace folders, for workspace symbols: indexed in the
// background, one directory or file per turn of the event loop, so no request ever waits for
// the disk. The walk stays inside the folders (symbolic links are not followed) and is
// bounded in directories, files, file size and time; a request answers from what is indexed.

import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { analyze, type Analysis } from '../core/ide';

const MAX_FILES = 2000;
const MAX_DIRECTORIES = 20_000;
const MAX_DEPTH = 12;
/** Larger files are not scenarios anyone keeps in a workspace; skipping them bounds the work. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** One indexing pass stops after this long, keeping what it found. */
const PASS_BUDGET_MS = 5_000;
/** A request starts a new pass when the last one is older than this. */
const STALE_MS = 10_000;
const SKIP = new Set(['node_modules', '.git', 'out', 'dist', '.cache', 'proc', 'sys', 'dev']);

interface Indexed {
  readonly mtimeMs: number;
  readonly size: number;
  readonly analysis: Analysis;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class WorkspaceFiles {
  private folders: string[] = [];
  private readonly index = new Map<string, Indexed>();
  private pass: Promise<void> | undefined;
  private lastPass = -Infinity;
  private stopped = false;

  /** The folders to index: the workspace folders, or the root when the client names none. */
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

  /** Analyses indexed so far, except documents open in the editor; starts a pass when stale. */
  analyses(open: ReadonlySet<string>): Analysis[] {
    if (!this.pass && performance.now() - this.lastPass > STALE_MS) this.refresh();
    return [...this.index].filter(([uri]) => !open.has(uri)).map(([, e]) => e.analysis);
  }

  /** Runs one indexing pass in the background (resolves when it ends; tests await it). */
  refresh(): Promise<void> {
    this.pass ??= this.walk().catch(() => undefined).finally(() => {
      this.pass = undefined;
      this.lastPass = performance.now();
    });
    return this.pass;
  }

  /** Resolves when the running pass (if any) ends, or after `ms`, whichever is first. */
  async settled(ms: number): Promise<void> {
    if (!this.pass) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.pass, new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    })]);
    clearTimeout(timer);
  }

  dispose(): void {
    this.stopped = true;
  }

  private async walk(): Promise<void> {
    const deadline = performance.now() + PASS_BUDGET_MS;
    const seen = new Set<string>();
    const queue: { dir: string; depth: number }[] = this.folders.map((dir) => ({ dir, depth: 0 }));
    let directories = 0;
    const more = (): boolean => !this.stopped && performance.now() < deadline && seen.size < MAX_FILES;
    while (queue.length > 0 && directories++ < MAX_DIRECTORIES && more()) {
      const { dir, depth } = queue.shift()!;
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (!more()) break;
        const path = join(dir, e.name);
        // Dirent says what the entry itself is: a symbolic link is neither, so it is not followed.
        if (e.isDirectory()) {
          if (depth < MAX_DEPTH && !SKIP.has(e.name) && !e.name.startsWith('.')) queue.push({ dir: path, depth: depth + 1 });
        } else if (e.isFile() && e.name.endsWith('.lockstep')) {
          seen.add(pathToFileURL(path).toString());
          await this.indexFile(path);
        }
      }
      await nextTurn();
    }
    // A finished pass forgets files that are gone; a pass cut short keeps what it did not reach.
    if (queue.length === 0 && more()) for (const uri of this.index.keys()) if (!seen.has(uri)) this.index.delete(uri);
  }

  private async indexFile(path: string): Promise<void> {
    const uri = pathToFileURL(path).toString();
    try {
      const st = await fs.stat(path);
      const old = this.index.get(uri);
      if (old && old.mtimeMs === st.mtimeMs && old.size === st.size) return;
      if (st.size > MAX_FILE_BYTES) {
        this.index.delete(uri);
        return;
      }
      const text = await fs.readFile(path, 'utf8');
      this.index.set(uri, { mtimeMs: st.mtimeMs, size: st.size, analysis: analyze(uri, text) });
      await nextTurn();
    } catch {
      this.index.delete(uri);
    }
  }
}
