// Generic traversal of the AST for the IDE features: the children of any node, and the
// chain of nodes that contain an offset (outermost first), so a feature can ask "where am I".

import type * as A from '../syntax/ast';

export type Node = A.AnyNode | A.Stmt | A.Expr;

/** The direct children of a node, in source order. */
export function children(n: Node): Node[] {
  switch (n.kind) {
    case 'Program':
      return [...n.decls];
    case 'Struct':
      return [n.name, ...n.fields];
    case 'Field':
      return fnPtrFirst(n.type, n.name);
    case 'Global':
      return [...(n.macro ? [] : [n.type]), n.name, ...(n.init ? [n.init] : [])];
    case 'Fn':
      return [...(n.returns ? [n.returns] : []), n.name, ...n.params, n.body];
    case 'Forward':
      return [...(n.returns ? [n.returns] : []), n.name, ...(n.params ?? [])];
    case 'Param':
      return n.type ? fnPtrFirst(n.type, n.name) : [n.name];
    case 'Actor':
      return [n.name, ...(n.binding ? [n.binding] : []), n.body];
    case 'Config':
      return [n.name];
    case 'Enum':
      return [...(n.name ? [n.name] : []), ...n.members];
    case 'EnumMember':
    case 'Define':
      return [n.name, ...(n.value ? [n.value] : [])];
    case 'Expect':
      return [...n.kinds];
    case 'Scenario':
      return [n.title];
    case 'Block':
      return [...n.body];
    case 'VarDecl':
      return [...fnPtrFirst(n.type, n.name), ...(n.init ? [n.init] : [])];
    case 'DeclGroup':
      return [...n.decls];
    case 'Goto':
    case 'Label':
      return [n.label];
    case 'Switch':
      return [n.disc, n.body];
    case 'Case':
      return n.value ? [n.value] : [];
    case 'Assign':
      return [n.target, ...(n.value ? [n.value] : [])];
    case 'ExprStmt':
      return [n.expr];
    case 'If':
      return [n.cond, n.then, ...(n.else ? [n.else] : [])];
    case 'While':
      return [n.cond, n.body];
    case 'DoWhile':
      return [n.body, n.cond];
    case 'For':
      return [...(n.init ? [n.init] : []), ...(n.cond ? [n.cond] : []), ...(n.step ? [n.step] : []), n.body];
    case 'Return':
      return n.value ? [n.value] : [];
    case 'Choose':
      return [...n.branches];
    case 'ListForEach':
      return [n.pos, n.head, n.member, n.body];
    case 'VcpuForEach':
      return [n.index, n.vcpu, n.kvm, n.body];
    case 'Member':
      return [n.object, n.field];
    case 'Index':
      return [n.object, n.index];
    case 'Call':
      return n.target ? [n.target, ...n.args] : [n.callee, ...n.args];
    case 'Unary':
    case 'AddressOf':
    case 'Deref':
      return [n.operand];
    case 'Cast':
      return [n.type, n.operand];
    case 'Sizeof':
      return n.type ? [n.type] : n.operand ? [n.operand] : [];
    case 'Conditional':
      return [n.cond, n.then, n.else];
    case 'InitList':
      return [...n.items];
    case 'Designation':
      return [...n.path, n.value];
    case 'FnPtrType':
      return [n.returns, ...n.params];
    case 'Binary':
      return [n.left, n.right];
    case 'TypeArg':
      return [n.type];
    case 'PointerType':
      return [n.to];
    case 'FnPtrType':
      return [n.returns, ...n.params];
    case 'StructType':
      return [n.name];
    case 'Name':
      return [n.id];
    default:
      return [];
  }
}

/** Visits every node below `root` (pre-order); returning false skips a node's children. */
export function visit(root: Node, f: (n: Node, parent: Node | undefined) => boolean | void): void {
  const stack: { n: Node; parent: Node | undefined }[] = [{ n: root, parent: undefined }];
  while (stack.length > 0) {
    const { n, parent } = stack.pop()!;
    if (f(n, parent) === false) continue;
    const cs = children(n);
    for (let i = cs.length - 1; i >= 0; i--) stack.push({ n: cs[i]!, parent: n });
  }
}

/**
 * The nodes whose span contains `offset`, outermost first. A span contains the offsets from
 * its start to its end inclusive, so a cursor just after a name still finds it.
 */
export function nodePathAt(root: Node, offset: number): Node[] {
  const path: Node[] = [];
  let current: Node | undefined = root;
  while (current) {
    path.push(current);
    let next: Node | undefined;
    for (const c of children(current)) {
      if (c.span.start <= offset && offset <= c.span.end && !(c.span.start === c.span.end && c.kind !== 'Identifier')) {
        // The last child wins, so at a boundary (`a|b`) the node that starts there is chosen.
        next = c;
      }
    }
    current = next;
  }
  return path;
}

/** The statements that are the direct body of a block, an if, a loop or a choice. */
export function bodyStatements(s: A.Stmt): A.Stmt[] {
  switch (s.kind) {
    case 'Block':
      return [...s.body];
    case 'If':
      return [s.then, ...(s.else ? [s.else] : [])];
    case 'While':
    case 'DoWhile':
    case 'ListForEach':
    case 'VcpuForEach':
      return [s.body];
    case 'For':
    case 'Switch':
      return [s.body];
    case 'DeclGroup':
      return [...s.decls];
    case 'Choose':
      return [...s.branches];
    default:
      return [];
  }
}

/**
 * A declarator's type and name in source order: a function pointer's name sits inside its
 * type (`void (*release)(struct kvm_device *dev)`), so the type alone is the child there.
 */
function fnPtrFirst(type: A.TypeNode, name: A.Identifier): Node[] {
  if (type.kind !== 'FnPtrType') return [type, name];
  return [type.returns, name, ...type.params];
}

export function contains(span: A.Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}
