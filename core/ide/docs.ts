// Markdown documentation shared by completion, hover and signature help, all of it drawn
// from the builtin registry and the binding, so every feature says the same thing.

import { signatureOf, type Builtin } from '../model/builtins';
import { typeName, type ActorSymbol, type FnSymbol, type LocalSymbol, type StructSymbol } from '../semantics/symbols';

export function codeBlock(code: string): string {
  return `\`\`\`lockstep\n${code}\n\`\`\``;
}

/** What the kernel function does, then exactly what the model does. */
export function builtinDoc(b: Builtin): string {
  const notes = [
    b.sleeps ? 'May sleep: calling it with a spinlock held or interrupts off is `sleep_in_atomic`.' : '',
    b.vcpuOnly ? 'Only in a `vcpu` actor.' : '',
  ].filter(Boolean);
  return [b.kernel, `**Model:** ${b.model}`, ...notes].join('\n\n');
}

export function builtinHover(b: Builtin): string {
  return `${codeBlock(signatureOf(b))}\n\n${builtinDoc(b)}`;
}

export function fnSignature(f: FnSymbol): string {
  const params = f.decl.params.map((p) => {
    const local = f.params.find((l) => l.span.start === p.name.span.start);
    return local && p.type ? `${typeName(local.type)}${typeName(local.type).endsWith('*') ? '' : ' '}${p.name.name}` : p.name.name;
  });
  // A C definition reads as C (`static long foo(struct kvm *kvm)`), a `fn` as a `fn`.
  return f.returns ? `${typeName(f.returns)}${typeName(f.returns).endsWith('*') ? '' : ' '}${f.name}(${params.join(', ') || 'void'})` : `fn ${f.name}(${params.join(', ')})`;
}

export function actorHeader(a: ActorSymbol): string {
  if (a.actorKind === 'init') return 'init';
  const cpu = a.actorKind === 'work' ? '' : ` on cpu${a.cpu}`;
  const desc = a.description ? ` "${a.description}"` : '';
  return `${a.actorKind} ${a.name}${cpu}${desc}`;
}

export function localDecl(l: LocalSymbol): string {
  const t = typeName(l.type);
  return `${t}${t.endsWith('*') ? '' : ' '}${l.name}`;
}

export function structText(s: StructSymbol): string {
  const fields = s.fields.map((f) => {
    const t = f.type.k === 'array' ? typeName(f.type.of) : typeName(f.type);
    const len = f.type.k === 'array' ? `[${f.type.n}]` : '';
    return `    ${t}${t.endsWith('*') ? '' : ' '}${f.name}${len};`;
  });
  return `struct ${s.name} {\n${fields.join('\n')}\n}`;
}
