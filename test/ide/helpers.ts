// Helpers for the IDE feature tests: analyses of example files and of inline texts, and
// offsets found by searching the text (the examples are data other people write).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, type Analysis } from '../../core/ide';

// Compiled to out/test/ide/; the repository root is three levels up.
export const ROOT = join(__dirname, '..', '..', '..');

export function example(relative: string): Analysis {
  return analyze(relative, readFileSync(join(ROOT, relative), 'utf8'));
}

/** The offset of the `nth` occurrence of `needle`, plus `delta`. */
export function offsetOf(text: string, needle: string, delta = 0, nth = 1): number {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' (occurrence ${nth}) is not in the text`);
  }
  return at + delta;
}

/** `text` with `|` marking the cursor: the text without it, and the cursor's offset. */
export function cursor(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf('|');
  if (offset < 0) throw new Error('no | cursor in the text');
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
}

/** 1-based line of an offset and the hint label there, for readable expectations. */
export function lineOf(a: Analysis, offset: number): number {
  return a.lines.position(offset).line + 1;
}

/** 1-based line of the `nth` occurrence of `needle` in `text`. */
export function lineAt(text: string, needle: string, nth = 1): number {
  return text.slice(0, offsetOf(text, needle, 0, nth)).split('\n').length;
}
