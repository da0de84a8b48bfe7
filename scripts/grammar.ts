// Builds the TextMate grammar of `.lockstep` files from the core's own word lists (the
// parser's keywords and types, the builtin registry, the constants, the violation kinds),
// so highlighting cannot drift from the language. Regenerate after a core change with
//   npx tsc -p tsconfig.json && node out/scripts/grammar.js
// test/grammar/grammar.test.ts checks that the committed grammar is what this produces.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTINS, CONSTANTS, type BuiltinFamily } from '../core/model/builtins';
import { VIOLATION_KINDS } from '../core/model/types';
import { vcpuModes } from '../core/semantics/symbols';
import {
  ACTOR_KEYWORDS, IGNORED_QUALIFIERS, INTEGER_WORDS, KERNEL_TYPEDEFS, KEYWORDS, SCALAR_TYPES, STATIC_DEFINERS,
} from '../core/syntax/parser';

/** The subset of the TextMate grammar format this grammar uses. */
export interface TmRule {
  readonly name?: string;
  readonly match?: string;
  readonly begin?: string;
  readonly end?: string;
  readonly captures?: Readonly<Record<string, TmRule>>;
  readonly beginCaptures?: Readonly<Record<string, TmRule>>;
  readonly endCaptures?: Readonly<Record<string, TmRule>>;
  readonly patterns?: readonly TmRule[];
  readonly include?: string;
}

export interface TmGrammar {
  readonly information_for_contributors: readonly string[];
  readonly name: string;
  readonly scopeName: string;
  readonly fileTypes: readonly string[];
  readonly patterns: readonly TmRule[];
  readonly repository: Readonly<Record<string, TmRule>>;
}

export const GRAMMAR_FILE = join('syntaxes', 'lockstep.tmLanguage.json');

/** One scope per builtin family, so themes (and readers) can tell a lock from a list op. */
export const FAMILY_SCOPES: Readonly<Record<BuiltinFamily, string>> = {
  locks: 'support.function.locks.lockstep',
  rcu: 'support.function.rcu.lockstep',
  irq: 'support.function.irq.lockstep',
  memory: 'support.function.memory.lockstep',
  lists: 'support.function.lists.lockstep',
  files: 'support.function.files.lockstep',
  vcpu: 'support.function.vcpu.lockstep',
  refcount: 'support.function.refcount.lockstep',
  workqueue: 'support.function.workqueue.lockstep',
  timers: 'support.function.timers.lockstep',
  waiting: 'support.function.waiting.lockstep',
  atomics: 'support.function.atomics.lockstep',
  xarray: 'support.function.xarray.lockstep',
  checks: 'support.function.checks.lockstep',
};

/** How each keyword the parser reserves is highlighted; a new keyword must be placed here. */
const KEYWORD_ROLES: Readonly<Record<string, 'control' | 'declaration' | 'actor' | 'literal' | 'type' | 'modifier' | 'operator'>> = {
  if: 'control', else: 'control', while: 'control', do: 'control', for: 'control', return: 'control',
  break: 'control', continue: 'control', choose: 'control', or: 'control',
  goto: 'control', switch: 'control', case: 'control', default: 'control', sizeof: 'operator', void: 'type',
  ...Object.fromEntries(INTEGER_WORDS.map((w) => [w, 'type' as const])),
  ...Object.fromEntries([...KERNEL_TYPEDEFS.keys()].map((w) => [w, 'type' as const])),
  ...Object.fromEntries(IGNORED_QUALIFIERS.map((w) => [w, 'modifier' as const])),
  scenario: 'declaration', config: 'declaration', struct: 'declaration', enum: 'declaration', fn: 'declaration',
  on: 'declaration', expect: 'declaration', init: 'actor',
  true: 'literal', false: 'literal', NULL: 'literal',
  ...Object.fromEntries(ACTOR_KEYWORDS.map((k) => [k, 'actor' as const])),
  ...Object.fromEntries(SCALAR_TYPES.map((t) => [t, 'type' as const])),
};

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';

function words(names: readonly string[]): string {
  return `\\b(?:${[...names].sort().join('|')})\\b`;
}

/** The constants the registry predefines, split the way a kernel reader sees them. */
function constantGroups(): { errno: string[]; vcpuMode: string[]; gfp: string[]; other: string[] } {
  const modes = new Set<string>(Object.keys(vcpuModes));
  const groups = { errno: [] as string[], vcpuMode: [] as string[], gfp: [] as string[], other: [] as string[] };
  for (const { name } of CONSTANTS) {
    if (modes.has(name)) groups.vcpuMode.push(name);
    else if (/^E[A-Z]+$/.test(name)) groups.errno.push(name);
    else if (name.startsWith('GFP_')) groups.gfp.push(name);
    else groups.other.push(name);
  }
  return groups;
}

function keywordsWithRole(role: string): string[] {
  const out: string[] = [];
  for (const k of KEYWORDS) {
    const r = KEYWORD_ROLES[k];
    if (r === undefined) throw new Error(`keyword '${k}' has no highlighting role: add it to KEYWORD_ROLES in scripts/grammar.ts`);
    if (r === role) out.push(k);
  }
  return out;
}

function builtinRules(): Record<string, TmRule> {
  const byFamily = new Map<BuiltinFamily, string[]>();
  for (const b of BUILTINS) byFamily.set(b.family, [...(byFamily.get(b.family) ?? []), b.name]);
  const rules: Record<string, TmRule> = {};
  for (const family of Object.keys(FAMILY_SCOPES) as BuiltinFamily[]) {
    const names = byFamily.get(family);
    if (!names) continue;
    // A builtin is highlighted where it is called, so `close` or `await` as a field or
    // a variable name stays plain.
    rules[`builtin-${family}`] = { name: FAMILY_SCOPES[family], match: `${words(names)}(?=\\s*\\()` };
  }
  return rules;
}

export function lockstepGrammar(): TmGrammar {
  const constants = constantGroups();
  const builtins = builtinRules();
  const control = keywordsWithRole('control');
  const literals = keywordsWithRole('literal');
  const types = keywordsWithRole('type');
  const actors = keywordsWithRole('actor');
  const declarations = keywordsWithRole('declaration');
  const modifiers = keywordsWithRole('modifier');
  const operatorWords = keywordsWithRole('operator');

  const repository: Record<string, TmRule> = {
    comments: {
      patterns: [
        {
          name: 'comment.block.lockstep',
          begin: '/\\*',
          end: '\\*/',
          beginCaptures: { '0': { name: 'punctuation.definition.comment.begin.lockstep' } },
          endCaptures: { '0': { name: 'punctuation.definition.comment.end.lockstep' } },
        },
        {
          name: 'comment.line.double-slash.lockstep',
          begin: '//',
          end: '$',
          beginCaptures: { '0': { name: 'punctuation.definition.comment.lockstep' } },
        },
      ],
    },
    // `#define NAME value`, `#include <…>`: the directive word, the defined name, the rest
    // highlighted as code (a constant's value).
    preprocessor: {
      name: 'meta.preprocessor.lockstep',
      begin: '^\\s*(#)\\s*(define)\\s+([A-Za-z_][A-Za-z0-9_]*)|^\\s*(#)\\s*([A-Za-z_]+)',
      end: '(?<!\\\\)$',
      beginCaptures: {
        '1': { name: 'punctuation.definition.directive.lockstep' },
        '2': { name: 'keyword.control.directive.define.lockstep' },
        '3': { name: 'entity.name.function.preprocessor.lockstep' },
        '4': { name: 'punctuation.definition.directive.lockstep' },
        '5': { name: 'keyword.control.directive.lockstep' },
      },
      patterns: [{ include: '#comments' }, { include: '#string' }, { include: '#numbers' }, { include: '#constant-other' }, { include: '#operators' }],
    },
    string: {
      name: 'string.quoted.double.lockstep',
      begin: '"',
      end: '"|$',
      beginCaptures: { '0': { name: 'punctuation.definition.string.begin.lockstep' } },
      endCaptures: { '0': { name: 'punctuation.definition.string.end.lockstep' } },
      patterns: [{ name: 'constant.character.escape.lockstep', match: '\\\\.' }],
    },
    'actor-header': {
      // `thread NAME on cpuN "description"`: the header of a concurrent actor.
      name: 'meta.actor.header.lockstep',
      match: `^\\s*(${actors.join('|')})\\s+(${IDENT})(?:\\s+(on)\\s+(cpu[0-9]+))?(?:\\s*("(?:[^"\\\\]|\\\\.)*"))?`,
      captures: {
        '1': { name: 'keyword.declaration.actor.lockstep' },
        '2': { name: 'entity.name.function.actor.lockstep' },
        '3': { name: 'keyword.other.on.lockstep' },
        '4': { name: 'constant.other.cpu.lockstep' },
        '5': { name: 'string.quoted.double.description.lockstep', patterns: [{ include: '#string-escape' }] },
      },
    },
    'string-escape': { name: 'constant.character.escape.lockstep', match: '\\\\.' },
    'fn-declaration': {
      match: `\\b(fn)\\s+(${IDENT})`,
      captures: {
        '1': { name: 'storage.type.function.lockstep' },
        '2': { name: 'entity.name.function.lockstep' },
      },
    },
    'c-function-declaration': {
      // A C definition or prototype at the start of a line: `static long kvm_vm_ioctl(…)`.
      match: `^((?:${IDENT}[\\s*]+)+?)(?!(?:${[...STATIC_DEFINERS.keys()].join('|')})\\b)(${IDENT})(?=\\s*\\()`,
      captures: {
        '1': { patterns: [{ include: '#struct-type' }, { include: '#storage-modifier' }, { include: '#types' }] },
        '2': { name: 'entity.name.function.lockstep' },
      },
    },
    'static-definition': {
      // `DEFINE_MUTEX(kvm_lock)`: the kernel's static definitions of locks and lists.
      match: `\\b(${[...STATIC_DEFINERS.keys()].join('|')})\\s*\\(\\s*(${IDENT})`,
      captures: {
        '1': { name: 'storage.type.definition.lockstep' },
        '2': { name: 'variable.other.definition.lockstep' },
      },
    },
    goto: {
      match: `\\b(goto)\\s+(${IDENT})`,
      captures: {
        '1': { name: 'keyword.control.goto.lockstep' },
        '2': { name: 'entity.name.label.lockstep' },
      },
    },
    label: {
      // `out_unlock:` alone on its line (not `case X:`, not `a ? b : c`).
      match: `^\\s*(?!(?:case|default)\\b)(${IDENT})\\s*(:)(?!=)\\s*(?=$|//|/\\*)`,
      captures: {
        '1': { name: 'entity.name.label.lockstep' },
        '2': { name: 'punctuation.separator.label.lockstep' },
      },
    },
    'storage-modifier': { name: 'storage.modifier.lockstep', match: words(modifiers) },
    'keyword-operator-word': { name: 'keyword.operator.word.lockstep', match: words(operatorWords) },
    'struct-type': {
      match: `\\b(struct)\\s+(${IDENT})`,
      captures: {
        '1': { name: 'storage.type.struct.lockstep' },
        '2': { name: 'entity.name.type.struct.lockstep' },
      },
    },
    scenario: { name: 'keyword.declaration.scenario.lockstep', match: '\\bscenario\\b' },
    config: {
      match: `\\b(config)\\s+(${IDENT})`,
      captures: {
        '1': { name: 'keyword.declaration.config.lockstep' },
        '2': { name: 'constant.other.config.lockstep' },
      },
    },
    expectation: {
      // `expect lock_order, deadlock;` / `expect no violation;`
      name: 'meta.expectation.lockstep',
      begin: '\\b(expect)\\b',
      end: ';',
      beginCaptures: { '1': { name: 'keyword.declaration.expect.lockstep' } },
      endCaptures: { '0': { name: 'punctuation.terminator.statement.lockstep' } },
      patterns: [
        { include: '#comments' },
        { name: 'keyword.other.no.lockstep', match: '\\bno\\b' },
        { name: 'constant.other.violation.lockstep', match: words([...VIOLATION_KINDS, 'violation']) },
        { name: 'punctuation.separator.comma.lockstep', match: ',' },
      ],
    },
    'keyword-control': { name: 'keyword.control.lockstep', match: words(control) },
    // Declaration words have rules of their own above; this catches them half-typed (`fn` alone).
    'keyword-declaration': { name: 'keyword.declaration.lockstep', match: words(declarations) },
    'list-iteration': {
      // Statement forms of the parser (not registry builtins): the kernel's list and vCPU walks.
      name: 'keyword.control.list-iteration.lockstep',
      match: '\\b(?:h?list_for_each_entry(?:_rcu|_srcu|_safe)?|kvm_for_each_vcpu)\\b',
    },
    types: { name: 'storage.type.builtin.lockstep', match: words(types) },
    ...builtins,
    'constant-literal': { name: 'constant.language.lockstep', match: words(literals) },
    'constant-errno': { name: 'constant.language.errno.lockstep', match: words(constants.errno) },
    'constant-vcpu-mode': { name: 'constant.language.vcpu-mode.lockstep', match: words(constants.vcpuMode) },
    'constant-gfp': { name: 'constant.language.gfp.lockstep', match: words(constants.gfp) },
    'constant-other': { name: 'constant.language.other.lockstep', match: words(constants.other) },
    'constant-request': { name: 'constant.other.request.lockstep', match: '\\bKVM_REQ_[A-Z0-9_]+\\b' },
    current: { name: 'variable.language.current.lockstep', match: '\\bcurrent\\b' },
    numbers: {
      patterns: [
        { name: 'constant.numeric.hex.lockstep', match: '\\b0[xX][0-9A-Fa-f]+\\b' },
        { name: 'constant.numeric.decimal.lockstep', match: '\\b[0-9]+\\b' },
      ],
    },
    'function-call': { name: 'entity.name.function.call.lockstep', match: `\\b${IDENT}(?=\\s*\\()` },
    member: {
      match: `(->|\\.)\\s*(${IDENT})`,
      captures: {
        '1': { name: 'punctuation.accessor.lockstep' },
        '2': { name: 'variable.other.member.lockstep' },
      },
    },
    operators: {
      patterns: [
        { name: 'keyword.operator.increment.lockstep', match: '\\+\\+|--' },
        { name: 'keyword.operator.assignment.compound.lockstep', match: '<<=|>>=|\\+=|-=|\\|=|&=|\\^=|\\*=|/=|%=' },
        { name: 'keyword.operator.bitwise.shift.lockstep', match: '<<|>>' },
        { name: 'keyword.operator.comparison.lockstep', match: '==|!=|<=|>=|<|>' },
        { name: 'keyword.operator.logical.lockstep', match: '&&|\\|\\||!' },
        { name: 'keyword.operator.assignment.lockstep', match: '=' },
        { name: 'keyword.operator.lockstep', match: '[-+*/%&|^~?:]' },
      ],
    },
    punctuation: {
      patterns: [
        { name: 'punctuation.terminator.statement.lockstep', match: ';' },
        { name: 'punctuation.separator.comma.lockstep', match: ',' },
      ],
    },
  };

  // Order matters: a header or declaration is matched before its words are seen as
  // keywords, builtins before the generic call rule.
  const order = [
    'comments', 'preprocessor', 'string', 'actor-header', 'fn-declaration', 'c-function-declaration', 'static-definition', 'goto', 'label',
    'struct-type', 'scenario', 'config', 'expectation',
    'keyword-control', 'keyword-declaration', 'storage-modifier', 'keyword-operator-word', 'list-iteration', 'types', ...Object.keys(builtins), 'constant-literal', 'constant-errno',
    'constant-vcpu-mode', 'constant-gfp', 'constant-other', 'constant-request', 'current', 'numbers',
    'function-call', 'member', 'operators', 'punctuation',
  ];
  return {
    information_for_contributors: [
      'Generated by scripts/grammar.ts from the core word lists and the builtin registry.',
      'Do not edit by hand: change the generator and run `npx tsc -p tsconfig.json && node out/scripts/grammar.js`.',
    ],
    name: 'Lockstep',
    scopeName: 'source.lockstep',
    fileTypes: ['lockstep'],
    patterns: order.map((key) => ({ include: `#${key}` })),
    repository,
  };
}

export function grammarText(): string {
  return JSON.stringify(lockstepGrammar(), null, 2) + '\n';
}

if (require.main === module) {
  // Compiled to out/scripts/grammar.js; the repository root is two levels up.
  const root = join(__dirname, '..', '..');
  writeFileSync(join(root, GRAMMAR_FILE), grammarText());
  process.stdout.write(`wrote ${GRAMMAR_FILE}\n`);
}
