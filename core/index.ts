// The public face of core/: load a scenario (parse, bind, compile) and re-export what the
// checker, CLI, language server and debugger use. No editor or protocol types here.

import { parse, type ParseResult } from './syntax/parser';
import { LineMap, type Diagnostic } from './syntax/diagnostics';
import { bind, type Binding } from './semantics/binder';
import { compile } from './model/compile';
import type { CompiledScenario } from './model/compiled';

export interface LoadedScenario {
  readonly file: string;
  readonly text: string;
  readonly lines: LineMap;
  readonly parse: ParseResult;
  readonly binding: Binding;
  /** Parser and binder diagnostics, in source order. */
  readonly diagnostics: readonly Diagnostic[];
  /** Present when there are no errors: what the machine runs. */
  readonly compiled?: CompiledScenario;
}

export function loadScenario(file: string, text: string): LoadedScenario {
  const parsed = parse(text);
  const binding = bind(parsed.program, text);
  const diagnostics = [...parsed.diagnostics, ...binding.diagnostics].sort((a, b) => a.span.start - b.span.start);
  const hasErrors = diagnostics.some((d) => d.severity === 'error');
  const compiled = hasErrors ? undefined : compile(file, text, parsed.program, binding);
  return { file, text, lines: new LineMap(text), parse: parsed, binding, diagnostics, ...(compiled ? { compiled } : {}) };
}

export { parse } from './syntax/parser';
export { formatDiagnostic, LineMap } from './syntax/diagnostics';
export type { Diagnostic, Position, Severity } from './syntax/diagnostics';
export type { CompiledScenario } from './model/compiled';
export * from './model/types';
