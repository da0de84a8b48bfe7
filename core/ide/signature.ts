// Signature help for builtin and `fn` calls: the innermost call whose parentheses contain
// the cursor, found from tokens so it works on a half-typed line, and which argument the
// cursor is in.

import { builtin, builtinForm, paramTypeText, signatureOf, type Builtin } from '../model/builtins';
import type { Analysis } from './analysis';
import { builtinDoc, fnSignature } from './docs';

export interface SignatureParameter {
  /** Offsets of the parameter inside the signature label. */
  readonly label: readonly [number, number];
  readonly documentation?: string;
}

export interface SignatureHelp {
  readonly label: string;
  /** Markdown. */
  readonly documentation: string;
  readonly parameters: readonly SignatureParameter[];
  readonly activeParameter: number;
}

export function signatureHelp(a: Analysis, offset: number): SignatureHelp | undefined {
  if (a.commentAt(offset)) return undefined;
  const call = callAt(a, offset);
  if (!call) return undefined;
  const b = call.form;
  if (b) {
    const label = signatureOf(b);
    const open = label.indexOf('(') + 1;
    const parts = b.params.map((p) => `${p.optional ? '[' : ''}${paramTypeText(p.kind)} ${p.name}${p.optional ? ']' : ''}`);
    return { label, documentation: builtinDoc(b), parameters: ranges(open, parts), activeParameter: Math.min(call.arg, Math.max(0, parts.length - 1)) };
  }
  const fn = a.binding.fns.find((f) => f.name === call.callee);
  if (fn) {
    const label = fnSignature(fn);
    const open = label.indexOf('(') + 1;
    const parts = label.slice(open, label.lastIndexOf(')')).split(', ').filter((p) => p.length > 0);
    return { label, documentation: '', parameters: ranges(open, parts), activeParameter: Math.min(call.arg, Math.max(0, parts.length - 1)) };
  }
  return undefined;
}

function ranges(open: number, parts: readonly string[]): SignatureParameter[] {
  const out: SignatureParameter[] = [];
  let at = open;
  for (const p of parts) {
    out.push({ label: [at, at + p.length] });
    at += p.length + 2;
  }
  return out;
}

/** The innermost unclosed `name(` before `offset` on the way back to a statement boundary. */
export function callAt(a: Analysis, offset: number): { callee: string; arg: number; form: Builtin | undefined } | undefined {
  const tokens = a.parse.tokens;
  let depth = 0;
  let commas = 0;
  for (let i = a.tokenIndexBefore(offset); i >= 0; i--) {
    const t = tokens[i]!;
    if (t.kind !== 'Punct') continue;
    if (t.text === ';' || t.text === '{' || t.text === '}') return undefined;
    if (t.text === ')' || t.text === ']') depth++;
    else if (t.text === '(' || t.text === '[') {
      if (depth === 0) {
        const callee = a.token(i - 1);
        if (t.text === '[' || !callee || callee.kind !== 'Identifier' || ['if', 'while', 'for', 'return'].includes(callee.text)) return undefined;
        // The builtin in the form its first argument says (anon_inode_getfd's two forms).
        const b = builtin(callee.text);
        const first = a.token(i + 1);
        return { callee: callee.text, arg: commas, form: b && builtinForm(b, first?.kind === 'String' || (first?.kind === 'Punct' && first.text === ')')) };
      }
      depth--;
    } else if (t.text === ',' && depth === 0) commas++;
  }
  return undefined;
}
