// Completion that knows where the cursor is. The context comes from the tokens before the
// cursor (so it works while the line is half typed and the parse is broken); the candidates
// come from the binding and the builtin registry: statement starts, the locks of the right
// kind inside `mutex_lock(` or `down_read(`, a struct's fields after `->`, CPU names after
// `on`, declared fns with their parameters, and skeletons for actors, fns and scenarios.

import type { Span, Stmt } from '../syntax/ast';
import type { Token } from '../syntax/lexer';
import { ACTOR_KEYWORDS, SCALAR_TYPES } from '../syntax/parser';
import { BUILTINS, builtin, signatureOf, type Builtin, type ParamKind } from '../model/builtins';
import { VIOLATION_KINDS } from '../model/types';
import { KNOWN_CONFIGS } from '../semantics/binder';
import { typeName, type ActorSymbol, type FnSymbol, type Ty } from '../semantics/symbols';
import type { Analysis } from './analysis';
import { builtinDoc, codeBlock, fnSignature, localDecl, structText } from './docs';
import { chainType, isPlaceKind, matchesParamKind, pathsFrom, reaches, structOf, visibleLocals } from './scope';
import { lockSummary, onCpu } from './hover';
import { callAt } from './signature';
import { bodyStatements } from './walk';

export type CompletionKind =
  | 'keyword' | 'snippet' | 'builtin' | 'function' | 'variable' | 'parameter' | 'field' | 'lock'
  | 'constant' | 'struct' | 'actor' | 'cpu' | 'violation' | 'config' | 'type';

export interface CompletionItem {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly detail?: string;
  /** Markdown. */
  readonly documentation?: string;
  /** Text to insert instead of the label; a snippet (`$1`, `${1:name}`) when `snippet`. */
  readonly insertText?: string;
  readonly snippet?: boolean;
  readonly filterText?: string;
  readonly sortText: string;
}

export interface CompletionResult {
  /** The span the chosen item replaces: the partial word before the cursor. */
  readonly replace: Span;
  readonly items: readonly CompletionItem[];
}

/** Sort groups: what the context most likely wants first. */
const RANK = { path: '0', local: '1', global: '2', fn: '3', keyword: '4', builtin: '5', constant: '6', snippet: '7' } as const;

const INDENT = '    ';

export function complete(a: Analysis, offset: number): CompletionResult {
  const text = a.text;
  offset = Math.max(0, Math.min(offset, text.length));
  let wordStart = offset;
  while (wordStart > 0 && /[A-Za-z0-9_]/.test(text[wordStart - 1]!)) wordStart--;
  const replace = { start: wordStart, end: offset };
  const none = { replace, items: [] };
  if (a.commentAt(offset)) return none;
  const tokens = a.parse.tokens;
  const prevIndex = a.tokenIndexBefore(wordStart);
  const inside = a.token(a.tokenIndexBefore(offset));
  if (inside && inside.kind === 'String' && inside.span.start < offset && (offset < inside.span.end || inside.unterminated)) return none;
  if (inside && inside.kind === 'Number' && inside.span.start < offset && offset <= inside.span.end) return none;
  const ctx = new Context(a, offset, tokens, prevIndex, wordStart);
  return { replace, items: sortItems(ctx.items()) };
}

function sortItems(items: CompletionItem[]): CompletionItem[] {
  const seen = new Set<string>();
  const out = items.filter((i) => (seen.has(i.label) ? false : (seen.add(i.label), true)));
  return out.sort((x, y) => (x.sortText < y.sortText ? -1 : x.sortText > y.sortText ? 1 : x.label < y.label ? -1 : x.label > y.label ? 1 : 0));
}

class Context {
  private readonly prev: Token | undefined;

  constructor(
    private readonly a: Analysis,
    private readonly offset: number,
    private readonly tokens: readonly Token[],
    private readonly prevIndex: number,
    private readonly wordStart: number,
  ) {
    this.prev = a.token(prevIndex);
  }

  items(): CompletionItem[] {
    const p = this.prev;
    if (p && p.kind === 'Punct' && (p.text === '->' || p.text === '.')) return this.members();
    if (p && p.kind === 'Identifier' && p.text === 'on' && this.inActorHeader()) return this.cpus();
    if (p && p.kind === 'Identifier' && p.text === 'config') return KNOWN_CONFIGS.map((c) => item(c, 'config', RANK.keyword, { detail: `config ${c}` }));
    if (p && p.kind === 'Identifier' && p.text === 'struct') return this.structs(false);
    if (this.inExpect()) return this.violationKinds();
    const owner = this.a.ownerAt(this.offset);
    const call = this.enclosingCall();
    if (call) return this.callArgument(call.callee, call.form, call.arg, owner);
    if (!owner) return this.topLevel();
    if (this.atStatementStart()) return this.statementStart(owner);
    return this.expression(owner);
  }

  // ---------- where are we ----------

  /** `thread NAME on |`: the tokens before `on` are an actor keyword and a name. */
  private inActorHeader(): boolean {
    const kw = this.a.token(this.prevIndex - 2);
    return !!kw && kw.kind === 'Identifier' && (ACTOR_KEYWORDS as readonly string[]).includes(kw.text);
  }

  /** Inside `expect a, b|` up to its `;`. */
  private inExpect(): boolean {
    for (let i = this.prevIndex; i >= 0 && i > this.prevIndex - 64; i--) {
      const t = this.tokens[i]!;
      if (t.kind === 'Identifier' && t.text === 'expect') return true;
      if (t.kind === 'Identifier' || (t.kind === 'Punct' && t.text === ',')) continue;
      return false;
    }
    return false;
  }

  private enclosingCall(): { callee: string; arg: number; form: Builtin | undefined } | undefined {
    return callAt(this.a, this.wordStart);
  }

  private atStatementStart(): boolean {
    const p = this.prev;
    if (!p) return true;
    if (p.kind === 'Punct') {
      if (p.text === '{' || p.text === '}' || p.text === ';') return true;
      if (p.text === ')') return this.closesControlHeader(this.prevIndex);
      return false;
    }
    return p.kind === 'Identifier' && (p.text === 'else' || p.text === 'do');
  }

  /** Whether the `)` at index i closes `if (…)`, `while (…)`, `for (…)` or `list_for_each_entry(…)`. */
  private closesControlHeader(i: number): boolean {
    let depth = 0;
    for (let j = i; j >= 0; j--) {
      const t = this.tokens[j]!;
      if (t.kind !== 'Punct') continue;
      if (t.text === ')') depth++;
      else if (t.text === '(') {
        depth--;
        if (depth === 0) {
          const kw = this.a.token(j - 1);
          return !!kw && ['if', 'while', 'for', 'list_for_each_entry', 'list_for_each_entry_rcu', 'list_for_each_entry_srcu', 'list_for_each_entry_safe', 'hlist_for_each_entry', 'hlist_for_each_entry_rcu', 'hlist_for_each_entry_srcu', 'kvm_for_each_vcpu'].includes(kw.text);
        }
      }
    }
    return false;
  }

  // ---------- contexts ----------

  /** After `x->` or `x.`: the fields of x's struct (only those leading to a wanted kind inside a lock argument). */
  private members(): CompletionItem[] {
    const type = chainType(this.a, this.tokens, this.prevIndex - 1, this.offset);
    const st = type ? structOf(type) : undefined;
    if (!st) return [];
    const call = this.enclosingCall();
    const want = call ? this.wantedPlace(call.callee, call.arg) : undefined;
    return st.fields
      .filter((f) => !want || want(f.type) || reaches(f.type, want))
      .map((f) => {
        const isLock = f.type.k === 'lock';
        return item(f.name, isLock ? 'lock' : 'field', RANK.path, {
          detail: `${typeName(f.type)} (struct ${st.name})`,
          documentation: isLock ? lockSummary(this.a, f.type) : codeBlock(structText(st)),
        });
      });
  }

  /** The type test for a builtin's place argument (`mutex_lock(` wants a mutex). */
  private wantedPlace(callee: string, arg: number): ((t: Ty) => boolean) | undefined {
    const b = builtin(callee);
    const p = b?.params[arg];
    if (!b || !p || !isPlaceKind(p.kind)) return undefined;
    return (t) => matchesParamKind(t, p.kind);
  }

  private cpus(): CompletionItem[] {
    // The actor being written is placed by this very choice: leave it out.
    const at = this.a.toBase(this.offset);
    const actors = this.a.binding.actors.filter((x) => onCpu(x) && !(x.decl.span.start <= at && at <= x.decl.span.end));
    const explicit = this.a.program.decls.flatMap((d) =>
      (d.kind === 'Actor' && d.cpu && !(d.span.start <= at && at <= d.span.end) ? [d.cpu.index] : []));
    const max = Math.max(-1, ...actors.map((x) => x.cpu), ...explicit);
    const out: CompletionItem[] = [];
    for (let cpu = 0; cpu <= max + 1; cpu++) {
      const on = actors.filter((x) => x.cpu === cpu).map((x) => x.name);
      out.push(item(`cpu${cpu}`, 'cpu', `${RANK.path}${String(cpu).padStart(4, '0')}`, {
        detail: on.length > 0 ? `runs ${on.join(', ')}` : 'free',
      }));
    }
    return out;
  }

  /** After `expect`: every kind and `no violation`; after a comma: the kinds not listed yet. */
  private violationKinds(): CompletionItem[] {
    const p = this.prev;
    if (p?.text === 'expect') {
      return [
        ...VIOLATION_KINDS.map((k) => item(k, 'violation', RANK.keyword)),
        item('no violation', 'violation', RANK.keyword, { detail: 'the scenario must verify' }),
      ];
    }
    const listed = new Set<string>();
    for (let i = this.prevIndex; i >= 0 && this.tokens[i]!.text !== 'expect'; i--) listed.add(this.tokens[i]!.text);
    return VIOLATION_KINDS.filter((k) => !listed.has(k)).map((k) => item(k, 'violation', RANK.keyword));
  }

  private structs(withKeyword: boolean): CompletionItem[] {
    return this.a.binding.structs.map((s) =>
      item(withKeyword ? `struct ${s.name}` : s.name, 'struct', RANK.global, { documentation: codeBlock(structText(s)) }));
  }

  /** Inside `callee(…, |`: what that parameter takes. */
  private callArgument(callee: string, b: Builtin | undefined, arg: number, owner: ActorSymbol | FnSymbol | undefined): CompletionItem[] {
    if (/^list_for_each_entry(_rcu|_srcu)?$/.test(callee)) {
      if (arg === 1) return this.places((t) => t.k === 'list_head', false);
      if (arg === 2) return this.listMembers();
      return [];
    }
    const p = b?.params[arg];
    if (!b || !p) return owner ? this.expression(owner) : [];
    const kind: ParamKind = p.kind;
    if (isPlaceKind(kind)) return this.places((t) => matchesParamKind(t, kind), this.prev?.text === '&');
    switch (kind) {
      case 'fn':
        return this.a.binding.fns.filter((f) => f.decl.params.length === 1).map((f) => this.fnItem(f, false));
      case 'vcpu':
        return this.a.binding.actors.filter((x) => x.actorKind === kind).map((x) => this.actorItem(x));
      case 'work':
        // A work_struct place (&obj->work), or a declared work actor (queue_work(NAME)).
        return [
          ...this.places((t) => matchesParamKind(t, kind), this.prev?.text === '&'),
          ...this.a.binding.actors.filter((x) => x.actorKind === 'work' && !x.callback).map((x) => this.actorItem(x)),
        ];
      case 'type':
        return this.structs(true);
      case 'request':
        return this.a.binding.requestNames.map((r) => item(r, 'constant', RANK.constant, { detail: 'request' }));
      case 'fops':
        return this.a.binding.globals.filter((g) => g.type.k === 'struct' && g.type.s.name === 'file_operations')
          .map((g) => item(`&${g.name}`, 'variable', RANK.global, { detail: 'const struct file_operations *' }));
      case 'fd':
        return [
          ...(owner ? this.values(owner).filter((i) => i.kind === 'variable' || i.kind === 'parameter').filter((i) => /^(int|any) /.test(i.detail ?? '')) : []),
          item('any', 'constant', RANK.constant, { documentation: this.a.binding.consts.get('any')?.doc ?? '' }),
        ];
      default:
        return owner ? this.expression(owner) : [];
    }
  }

  /** Every place of a wanted type reachable from a visible local or a global, as `&path`. */
  private places(want: (t: Ty) => boolean, ampersandTyped: boolean): CompletionItem[] {
    const roots: { name: string; type: Ty; rank: string }[] = [
      ...visibleLocals(this.a, this.offset).map((l) => ({ name: l.name, type: l.type, rank: RANK.local })),
      ...this.a.binding.globals.map((g) => ({ name: g.name, type: g.type, rank: RANK.global })),
    ];
    const out: CompletionItem[] = [];
    for (const r of roots) {
      for (const p of pathsFrom(r.name, r.type, want, true)) {
        out.push(item(p.path, p.type.k === 'lock' ? 'lock' : 'variable', `${RANK.path}${r.rank}`, {
          detail: typeName(p.type),
          ...(p.type.k === 'lock' ? { documentation: lockSummary(this.a, p.type) } : {}),
          ...(ampersandTyped ? {} : { insertText: `&${p.path}` }),
          filterText: p.path,
        }));
      }
    }
    return out;
  }

  private listMembers(): CompletionItem[] {
    const out: CompletionItem[] = [];
    for (const s of this.a.binding.structs) {
      for (const f of s.fields) if (f.type.k === 'list_head') out.push(item(f.name, 'field', RANK.path, { detail: `list_head (struct ${s.name})` }));
    }
    return out;
  }

  private topLevel(): CompletionItem[] {
    const p = this.prev;
    const atDeclStart = !p || (p.kind === 'Punct' && (p.text === ';' || p.text === '}')) || (p.kind === 'String' && this.afterScenarioTitle());
    const inStruct = this.inStructBody();
    if (!atDeclStart && !(inStruct && p?.kind === 'Punct' && p.text === '{')) return [];
    const types = [...SCALAR_TYPES, 'struct'].map((t) => item(t, 'type', RANK.keyword));
    if (inStruct) return types;
    const nextCpu = this.nextFreeCpu();
    const sn = (label: string, detail: string, body: string[]): CompletionItem =>
      item(label, 'snippet', RANK.snippet, { detail, insertText: body.join('\n'), snippet: true, documentation: codeBlock(body.join('\n').replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\d/g, '')) });
    return [
      ...types,
      item('expect', 'keyword', RANK.keyword, { detail: 'expect KIND, …; or expect no violation;' }),
      item('config', 'keyword', RANK.keyword, { detail: 'config KCSAN;' }),
      sn('scenario', 'a scenario skeleton: title, a lock, two threads, an expectation', [
        'scenario "${1:subsystem: what races with what}"', '', 'mutex ${2:lock};', '',
        'thread ${3:a} on cpu0 "${4:first path}" {', `${INDENT}mutex_lock(&\${2:lock});`, `${INDENT}$0`, `${INDENT}mutex_unlock(&\${2:lock});`, '}', '',
        'thread ${5:b} on cpu1 "${6:second path}" {', `${INDENT}mutex_lock(&\${2:lock});`, `${INDENT}mutex_unlock(&\${2:lock});`, '}', '',
        'expect ${7:no violation};',
      ]),
      sn('thread', 'a host task on a CPU', [`thread \${1:name} on cpu\${2:${nextCpu}} "\${3:description}" {`, `${INDENT}$0`, '}']),
      sn('vcpu', 'a vCPU task that enters the guest', [
        `vcpu \${1:vcpu0} on cpu\${2:${nextCpu}} "\${3:KVM_RUN}" {`, `${INDENT}if (vcpu_enter_guest()) {`, `${INDENT}${INDENT}$0`, `${INDENT}${INDENT}vcpu_exit_guest();`, `${INDENT}}`, '}',
      ]),
      sn('irq', 'an interrupt handler on a CPU', [`irq \${1:handler} on cpu\${2:0} "\${3:description}" {`, `${INDENT}$0`, '}']),
      sn('work', 'a work item, run by queue_work()', ['work ${1:name} "${2:description}" {', `${INDENT}$0`, '}']),
      ...(this.a.binding.actors.some((x) => x.actorKind === 'init') ? [] : [sn('init', 'the initial state, set up before any actor runs', ['init {', `${INDENT}$0`, '}'])]),
      sn('fn', 'a procedure', ['fn ${1:name}(${2}) {', `${INDENT}$0`, '}']),
      sn('struct', 'a struct type', ['struct ${1:name} {', `${INDENT}\${2:mutex lock};`, '}']),
    ];
  }

  private afterScenarioTitle(): boolean {
    const kw = this.a.token(this.prevIndex - 1);
    return !!kw && kw.text === 'scenario';
  }

  private inStructBody(): boolean {
    const d = this.a.declAt(this.offset);
    if (!d || d.kind !== 'Struct') return false;
    // The struct's `{`, found in this text's tokens (an overlay's base gave its own over).
    let open: Token | undefined;
    for (let i = this.a.tokenIndexBefore(this.a.fromBase(d.span.start)) + 1; !open; i++) {
      const t = this.a.token(i);
      if (!t) break;
      if (t.text === '{') open = t;
    }
    return !!open && open.span.end <= this.offset && this.a.toBase(this.offset) < d.span.end;
  }

  private nextFreeCpu(): number {
    const used = new Set(this.a.program.decls.flatMap((d) => (d.kind === 'Actor' && d.cpu ? [d.cpu.index] : [])));
    let n = 0;
    while (used.has(n)) n++;
    return n;
  }

  private statementStart(owner: ActorSymbol | FnSymbol): CompletionItem[] {
    const kw = (label: string, detail: string, body?: string): CompletionItem =>
      item(label, body ? 'snippet' : 'keyword', RANK.keyword, { detail, ...(body ? { insertText: body, snippet: true } : {}) });
    return [
      kw('if', 'if (condition) { … }', `if (\${1:condition}) {\n${INDENT}$0\n}`),
      kw('while', 'while (condition) { … }', `while (\${1:condition}) {\n${INDENT}$0\n}`),
      kw('do', 'do { … } while (condition);', `do {\n${INDENT}$0\n} while (\${1:condition});`),
      kw('for', 'for (init; condition; step) { … }', `for (\${1:int i = 0}; \${2:i < 2}; \${3:i++}) {\n${INDENT}$0\n}`),
      kw('choose', 'nondeterministic choice: the checker explores every branch', `choose {\n${INDENT}$1\n} or {\n${INDENT}$0\n}`),
      kw('list_for_each_entry', 'list_for_each_entry(pos, head, member) { … }', `list_for_each_entry(\${1:pos}, &\${2:head}, \${3:member}) {\n${INDENT}$0\n}`),
      kw('kvm_for_each_vcpu', 'kvm_for_each_vcpu(i, vcpu, kvm) { … }', `kvm_for_each_vcpu(\${1:i}, \${2:vcpu}, \${3:kvm}) {\n${INDENT}$0\n}`),
      kw('return', 'return [value];'),
      ...(this.inLoop() ? [kw('break', 'leave the loop'), kw('continue', 'next iteration')] : []),
      ...['int', 'bool', 'struct'].map((t) => item(t, 'type', RANK.keyword, { detail: 'a local declaration' })),
      ...this.builtins(owner, true),
      ...this.a.binding.fns.map((f) => this.fnItem(f, true)),
      ...this.values(owner),
    ];
  }

  private inLoop(): boolean {
    const owner = this.a.ownerAt(this.offset);
    const at = this.a.toBase(this.offset);
    const walk = (s: Stmt): boolean => {
      if (!(s.span.start <= at && at <= s.span.end)) return false;
      if ((s.kind === 'While' || s.kind === 'DoWhile' || s.kind === 'For' || s.kind === 'ListForEach' || s.kind === 'VcpuForEach') && s.body.span.start <= at && at <= s.body.span.end) return true;
      return bodyStatements(s).some(walk);
    };
    return !!owner && walk(owner.decl.body);
  }

  private expression(owner: ActorSymbol | FnSymbol): CompletionItem[] {
    return [
      ...this.values(owner),
      ...this.a.binding.fns.map((f) => this.fnItem(f, true)),
      ...this.builtins(owner, false),
      ...[...this.a.binding.consts.values()].filter((c) => c.name !== 'any').map((c) => item(c.name, 'constant', RANK.constant, { detail: `= ${c.value}`, documentation: c.doc })),
      ...['true', 'false', 'NULL'].map((k) => item(k, 'keyword', RANK.keyword)),
      ...this.a.binding.requestNames.map((r) => item(r, 'constant', RANK.constant, { detail: 'request' })),
    ];
  }

  /** Visible locals, globals and `current`. */
  private values(owner: ActorSymbol | FnSymbol): CompletionItem[] {
    return [
      ...visibleLocals(this.a, this.offset).map((l) =>
        item(l.name, l.param ? 'parameter' : 'variable', RANK.local, { detail: localDecl(l) })),
      ...this.a.binding.globals.map((g) =>
        item(g.name, g.type.k === 'lock' ? 'lock' : 'variable', RANK.global, {
          detail: `${typeName(g.type)} (shared)`,
          ...(g.type.k === 'lock' ? { documentation: lockSummary(this.a, g.type) } : {}),
        })),
      ...(owner.kind === 'actor' || this.a.binding.actors.length > 0 ? [item('current', 'variable', RANK.global, { detail: 'the running actor' })] : []),
    ];
  }

  private builtins(owner: ActorSymbol | FnSymbol, statement: boolean): CompletionItem[] {
    const inNonVcpu = owner.kind === 'actor' && owner.actorKind !== 'vcpu';
    return BUILTINS
      .filter((b) => !(b.vcpuOnly && inNonVcpu))
      .filter((b) => statement || b.returns !== 'void')
      .map((b) => builtinItem(b, statement));
  }

  private fnItem(f: FnSymbol, call: boolean): CompletionItem {
    const params = f.decl.params.map((p, i) => `\${${i + 1}:${p.name.name || `arg${i + 1}`}}`).join(', ');
    return item(f.name, 'function', RANK.fn, {
      detail: fnSignature(f),
      ...(call ? { insertText: `${f.name}(${params})`, snippet: true } : {}),
    });
  }

  private actorItem(x: ActorSymbol): CompletionItem {
    return item(x.name, 'actor', RANK.global, { detail: `${x.actorKind}${x.actorKind === 'work' ? '' : ` on cpu${x.cpu}`}` });
  }
}

function builtinItem(b: Builtin, statement: boolean): CompletionItem {
  const params = b.params.filter((p) => !p.optional).map((p, i) => `\${${i + 1}:${isPlaceKind(p.kind) ? '&' : ''}${p.name}}`).join(', ');
  return item(b.name, 'builtin', RANK.builtin, {
    detail: signatureOf(b),
    documentation: builtinDoc(b),
    insertText: `${b.name}(${params})${statement && b.returns === 'void' ? ';' : ''}`,
    snippet: true,
  });
}

function item(label: string, kind: CompletionKind, sortText: string, rest: Partial<Omit<CompletionItem, 'label' | 'kind' | 'sortText'>> = {}): CompletionItem {
  return { label, kind, sortText, ...rest };
}
