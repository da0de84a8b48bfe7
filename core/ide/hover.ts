// Hover: a builtin's documentation (the kernel's behaviour, then the model's); a lock's kind,
// lockdep class and where it is taken; a variable's type; an actor's CPU and
// description; a fn's signature and callers; a constant's value.

import type { Span } from '../syntax/ast';
import { builtin } from '../model/builtins';
import { isStateCheck, typeName, type ActorSymbol, type Sym, type Ty } from '../semantics/symbols';
import type { Analysis } from './analysis';
import { actorHeader, builtinHover, codeBlock, fnSignature, localDecl, structText } from './docs';
import { lockEffect } from './lockPrimitives';
import { isLockKind } from './scope';

export interface Hover {
  readonly span: Span;
  /** Markdown. */
  readonly markdown: string;
}

export function hover(a: Analysis, offset: number): Hover | undefined {
  const occ = a.occurrenceAt(offset);
  if (occ) return { span: occ.span, markdown: describe(a, occ.sym) };
  const decl = a.declAt(offset);
  if (decl?.kind === 'Actor' && decl.cpu && decl.cpu.span.start <= offset && offset <= decl.cpu.span.end) {
    return { span: decl.cpu.span, markdown: cpuDoc(a, decl.cpu.index) };
  }
  if (decl?.kind === 'Expect') {
    const k = decl.kinds.find((x) => x.span.start <= offset && offset <= x.span.end);
    if (k) return { span: k.span, markdown: `Expected violation \`${k.name}\`: the checker must report it (and nothing else).` };
  }
  const t = a.token(a.tokenIndexBefore(offset + 1));
  if (t && t.kind === 'Identifier' && t.span.start <= offset && offset <= t.span.end) {
    if (/^KVM_REQ_/.test(t.text)) return { span: t.span, markdown: `${codeBlock(t.text)}\n\nA vCPU request: \`kvm_make_request\` sets it, \`kvm_check_request\` tests and clears it.` };
    if (t.text === 'current') return { span: t.span, markdown: `${codeBlock('current')}\n\nThe actor running this code.` };
  }
  return undefined;
}

function describe(a: Analysis, sym: Sym): string {
  switch (sym.kind) {
    case 'builtin': {
      const b = builtin(sym.name);
      return b ? builtinHover(b) : sym.name;
    }
    case 'global':
      if (sym.type.k === 'lock') return `${codeBlock(`${sym.type.lock} ${sym.name}`)}\n\n${lockSummary(a, sym.type)}`;
      return `${codeBlock(`${typeName(sym.type)} ${sym.name}`)}\n\nShared ${sym.type.k === 'struct' ? 'instance (static, never freed)' : 'variable'}.`;
    case 'field': {
      const head = codeBlock(`${typeName(sym.type)} ${sym.owner.name}->${sym.name}`);
      if (sym.type.k === 'lock') return `${head}\n\n${lockSummary(a, sym.type)}`;
      return `${head}\n\nField of \`struct ${sym.owner.name}\`.`;
    }
    case 'local': {
      const where = sym.owner.kind === 'fn' ? `fn ${sym.owner.name}` : `${sym.owner.actorKind} ${sym.owner.name}`;
      const what = sym.param ? 'Parameter' : sym.implicit ? 'List cursor (declared by list_for_each_entry)' : 'Local';
      return `${codeBlock(localDecl(sym))}\n\n${what} of ${where}; private to the actor running it.`;
    }
    case 'fn': {
      const callers = callersOf(a, sym.name);
      const callbacks = callbackUses(a, sym.name);
      return [
        codeBlock(fnSignature(sym)),
        ...(callers.length > 0 ? [`Called from ${callers.join(', ')}.`] : []),
        ...(callbacks.length > 0 ? [`Release callback passed to ${callbacks.join(', ')}.`] : []),
      ].join('\n\n');
    }
    case 'actor':
      return actorDoc(a, sym);
    case 'struct':
      return codeBlock(structText(sym));
    case 'const':
      return `${codeBlock(`${sym.name} = ${sym.value}`)}\n\n${sym.doc}`;
  }
}

const ACTOR_KINDS: Record<ActorSymbol['actorKind'], string> = {
  thread: 'A host task: it runs its body once, concurrently with the other actors.',
  vcpu: 'A vCPU task: it enters and leaves the guest (`vcpu->mode`) and handles requests.',
  irq: 'An interrupt handler: it fires at most once, between two steps of the task on its CPU, unless that task has interrupts off.',
  work: 'A work item: it runs on a kworker of its own each time `queue_work` queued it.',
  init: 'The initial state: it runs to completion before any other actor starts.',
  final: 'The end-state check: it runs on every state where all actors have finished, reading shared state; a failed assertion is a violation.',
  invariant: 'An invariant: checked on every state after init, including between the stores of one list operation.',
};

function actorDoc(a: Analysis, x: ActorSymbol): string {
  const cpu = !onCpu(x) ? '' : `\n\nRuns on CPU ${x.cpu}${sharing(a, x)}.`;
  return `${codeBlock(actorHeader(x))}\n\n${ACTOR_KINDS[x.actorKind]}${cpu}`;
}

function sharing(a: Analysis, x: ActorSymbol): string {
  const others = a.binding.actors.filter((y) => y !== x && y.cpu === x.cpu && onCpu(y)).map((y) => y.name);
  return others.length > 0 ? ` with ${others.join(', ')}` : '';
}

function cpuDoc(a: Analysis, cpu: number): string {
  const on = a.binding.actors.filter((x) => x.cpu === cpu && onCpu(x)).map((x) => `${x.actorKind} ${x.name}`);
  return `**CPU ${cpu}**${on.length > 0 ? `: ${on.join(', ')}` : ''}`;
}

/** Actors that occupy a CPU (a work item has a kworker of its own; init runs before all). */
export function onCpu(x: ActorSymbol): boolean {
  return x.actorKind !== 'work' && x.actorKind !== 'init' && !isStateCheck(x.actorKind);
}

/** The fns and actors whose bodies call `name`. */
function callersOf(from: Analysis, name: string): string[] {
  // Binding spans are the base text's (an overlay's text may have moved on).
  const a = from.base;
  const out: string[] = [];
  for (const [call] of a.binding.calls) {
    if (call.callee.name !== name) continue;
    const owner = a.ownerAt(call.span.start);
    const label = owner ? (owner.kind === 'fn' ? `fn ${owner.name}` : `${owner.actorKind} ${owner.name}`) : undefined;
    if (label && !out.includes(label)) out.push(label);
  }
  return out;
}

/** Where a fn is handed to a builtin as a callback: `anon_inode_getfd (line 73)`. */
function callbackUses(from: Analysis, name: string): string[] {
  // Binding spans are the base text's (an overlay's text may have moved on).
  const a = from.base;
  const uses: { at: number; text: string }[] = [];
  for (const [call, info] of a.binding.calls) {
    const b = info.builtin;
    if (!b) continue;
    b.params.forEach((p, i) => {
      const arg = call.args[i];
      if (p.kind === 'fn' && arg?.kind === 'Name' && arg.id.name === name) {
        uses.push({ at: call.span.start, text: `${b.name} (line ${a.lines.position(call.span.start).line + 1})` });
      }
    });
  }
  return uses.sort((x, y) => x.at - y.at).map((x) => x.text);
}

/** How many places a lock's summary lists; the rest are counted. */
const LISTED_SITES = 12;

/** A lock's kind, lockdep class and the places it is taken (the first few, and how many more). */
export function lockSummary(from: Analysis, t: Ty): string {
  // Binding spans are the base text's (an overlay's text may have moved on).
  const a = from.base;
  if (t.k !== 'lock') return '';
  const cls = a.binding.lockClasses[t.cls];
  const head = `**${t.lock}**${cls ? ` · lockdep class \`${cls.name}\`` : ''}`;
  const all = acquisitionsOf(a, t.cls);
  const sites = all.slice(0, LISTED_SITES).map((s) => {
    const line = a.lines.position(s.span.start).line + 1;
    const owner = a.ownerAt(s.span.start);
    const where = owner ? ` in ${owner.kind === 'fn' ? 'fn' : owner.actorKind} ${owner.name}` : '';
    return `- line ${line}: \`${a.text.slice(s.span.start, s.span.end).replace(/\s+/g, ' ')}\`${where}`;
  });
  if (all.length > LISTED_SITES) sites.push(`- … and ${all.length - LISTED_SITES} more`);
  return sites.length > 0 ? `${head}\n\nTaken at:\n${sites.join('\n')}` : `${head}\n\nNever taken.`;
}

/** Per analysis, the calls that acquire each lock class (found in one pass over the calls, on first use). */
const acquisitionsByClass = new WeakMap<Analysis, ReadonlyMap<number, readonly Acquisition[]>>();

interface Acquisition {
  readonly span: Span;
  readonly primitive: string;
}

/** The calls that acquire a lock of class `cls`, in source order. */
export function acquisitionsOf(from: Analysis, cls: number): readonly Acquisition[] {
  // Binding spans are the base text's (an overlay's text may have moved on).
  const a = from.base;
  let byClass = acquisitionsByClass.get(a);
  if (!byClass) {
    const found = new Map<number, Acquisition[]>();
    for (const [call, info] of a.binding.calls) {
      const b = info.builtin;
      if (!b || lockEffect(b).kind !== 'acquire') continue;
      const classes = new Set(info.statics.filter((s, i) => b.params[i] !== undefined && isLockKind(b.params[i]!.kind)));
      for (const c of classes) {
        const list = found.get(c) ?? [];
        list.push({ span: call.span, primitive: b.name });
        found.set(c, list);
      }
    }
    for (const list of found.values()) list.sort((x, y) => x.span.start - y.span.start);
    byClass = found;
    acquisitionsByClass.set(a, byClass);
  }
  return byClass.get(cls) ?? [];
}
