// Lowers a bound scenario to instructions: per fn and per actor a flat list with jumps,
// names resolved to addresses and local slots, user-fn calls inside expressions hoisted
// into temporaries. Each instruction is marked visible when it touches shared state
// (or can fail), so that local computation folds into the next step.

import type * as A from '../syntax/ast';
import { isWorkShorthand, type Binding, type CallInfo } from '../semantics/binder';
import { fnValue, isScalar, listHeadLink, sizeOf, WORK_WORD, type ActorSymbol, type FnSymbol, type Ty } from '../semantics/symbols';
import { builtin, type Builtin, type ParamKind } from './builtins';
import type { BExpr, Code, CompiledScenario, Instr, Place, Target } from './compiled';

export function compile(file: string, text: string, program: A.Program, b: Binding): CompiledScenario {
  const instrs: Instr[] = [];
  const instrCode: number[] = [];
  const codes: Code[] = [];
  const owners: (FnSymbol | ActorSymbol)[] = [...b.fns, ...b.actors];
  owners.forEach((owner, index) => {
    const body = owner.decl.body;
    const c = new CodeBuilder(b, text, owner);
    const taskWork = b.layout.taskWorkWords > 0 ? builtin('task_work_run') : undefined;
    if (owner.kind === 'actor' && owner.callback) {
      c.callbackBody(owner.callback.fn, owner.decl.name.span);
      if (taskWork) c.taskWorkRun(taskWork, { start: owner.decl.name.span.end, end: owner.decl.name.span.end });
    } else if (owner.kind === 'actor' && taskWork && (owner.actorKind === 'thread' || owner.actorKind === 'vcpu' || owner.actorKind === 'init')) {
      // Each top-level statement of a task stands for a system call: on its way back to user
      // space the task runs what the last fput queued (files.ts).
      for (const st of body.body) {
        c.stmt(st);
        if (callsSomething(st)) c.taskWorkRun(taskWork, { start: st.span.end, end: st.span.end });
      }
    } else {
      c.block(body);
      if (owner.kind === 'actor' && taskWork && (owner.actorKind === 'work' || owner.actorKind === 'irq')) {
        c.taskWorkRun(taskWork, { start: body.span.end - 1, end: body.span.end - 1 });
      }
    }
    if (owner.kind === 'fn') c.emit({ op: 'ret', span: { start: body.span.end - 1, end: body.span.end } });
    c.resolveGotos();
    for (const ins of c.instrs) {
      ins.id = instrs.length;
      instrs.push(ins);
      instrCode.push(index);
    }
    codes.push({
      // A run-time actor's own frame is the kernel's, below the callback: process_one_work, call_timer_fn.
      name: owner.kind === 'actor' && owner.callback ? CALLBACK_FRAMES[owner.callback.kind] : owner.name,
      kind: owner.kind,
      index: owner.index,
      instrs: c.instrs,
      nlocals: c.nlocals,
      localNames: c.localNames,
      nparams: owner.kind === 'fn' ? owner.params.length : owner.callback ? 1 : 0,
      span: owner.decl.span,
    });
  });
  const detectRaces = b.configs.has('KCSAN') || (b.expect?.kinds.includes('data_race') ?? false);
  return {
    file,
    text,
    program,
    title: b.title,
    structs: b.structs,
    globals: b.globals,
    fns: b.fns,
    actors: b.actors,
    lockClasses: b.lockClasses,
    codes,
    instrs,
    instrCode,
    layout: {
      staticSize: b.layout.heapStart,
      actorWords: b.layout.actorWords,
      rcuWord: b.layout.rcuWord,
      fdTable: b.layout.fdTable,
      rcuCallbacks: b.layout.rcuCallbacks,
      irqLines: b.layout.irqLines,
      lineWords: b.layout.lineWords,
      lockKeys: b.layout.lockKeys,
      lockKeySlots: b.layout.lockKeySlots,
      taskWorks: b.layout.taskWorks,
      taskWorkWords: b.layout.taskWorkWords,
      heapStart: b.layout.heapStart,
    },
    staticInit: b.staticInit,
    staticPointerWords: b.staticPointerWords,
    staticStrings: b.staticStrings,
    structPointerOffsets: b.structPointerOffsets,
    ...(b.expect ? { expect: b.expect } : {}),
    configs: b.configs,
    initActor: b.actors.findIndex((a) => a.actorKind === 'init'),
    finalActor: b.actors.findIndex((a) => a.actorKind === 'final'),
    invariantActors: b.actors.flatMap((a, i) => (a.actorKind === 'invariant' ? [i] : [])),
    requestNames: b.requestNames,
    detectRaces,
    ...(b.vcpuLayout ? { vcpuLayout: b.vcpuLayout } : {}),
  };
}

/** Whether a statement calls a function or a primitive (and so might drop a file's last reference). */
function callsSomething(st: A.Stmt): boolean {
  let found = false;
  const visit = (n: unknown): void => {
    if (found || !n || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    if ((n as { kind?: string }).kind === 'Call') {
      found = true;
      return;
    }
    for (const v of Object.values(n)) if (v && typeof v === 'object') visit(v);
  };
  visit(st);
  return found;
}

const CALLBACK_FRAMES = { work: 'process_one_work', timer: 'call_timer_fn', hrtimer: '__hrtimer_run_queues' } as const;

type Emit = Instr extends infer I ? (I extends Instr ? Omit<I, 'id' | 'visible'> : never) : never;

class CodeBuilder {
  readonly instrs: Instr[] = [];
  nlocals: number;
  readonly localNames: string[];
  private readonly loops: { breaks: Instr[]; continues: Instr[] }[] = [];
  /** Label positions and the gotos to patch once the whole body is emitted. */
  private readonly labels = new Map<string, number>();
  private readonly gotos: { jump: Instr; label: string }[] = [];

  constructor(private readonly b: Binding, private readonly text: string, private readonly owner: FnSymbol | ActorSymbol) {
    this.nlocals = owner.locals.length;
    this.localNames = owner.locals.map((l) => l.name);
  }

  emit(i: Emit): Instr {
    const ins = { ...i, id: -1, visible: true } as Instr;
    ins.visible = instrVisible(ins);
    this.instrs.push(ins);
    return ins;
  }

  private temp(name: string): number {
    this.localNames.push(name);
    return this.nlocals++;
  }

  resolveGotos(): void {
    // The binder reported unknown labels; such a goto ends the body.
    for (const g of this.gotos) setTarget(g.jump, this.labels.get(g.label) ?? this.instrs.length);
  }

  private type(e: A.Expr): Ty {
    return this.b.exprTypes.get(e) ?? { k: 'any' };
  }

  /** A run-time actor's body: `fn(arg)`, the argument (the work_struct or timer) in local 0. */
  callbackBody(fn: number, span: A.Span): void {
    const arg = this.temp('arg');
    this.emit({ op: 'call', span, fn, args: [{ k: 'local', slot: arg }], result: -1 });
  }

  /**
   * The return to user space of a task (or the end of a handler): task_work_run (files.ts),
   * at a zero-width span, which traces show as the return to user space.
   */
  taskWorkRun(b: Builtin, span: A.Span): void {
    this.emit({ op: 'eval', span, e: { k: 'builtin', b, args: [], statics: [], span } });
  }

  // ---------- statements ----------

  block(s: A.BlockStmt): void {
    for (const st of s.body) this.stmt(st);
  }

  stmt(s: A.Stmt): void {
    switch (s.kind) {
      case 'Block':
        this.block(s);
        return;
      case 'VarDecl': {
        const local = this.b.localDecls.get(s);
        if (!local) return;
        if (s.init && s.init.kind === 'Call' && isUserCall(this.b.calls.get(s.init))) {
          this.callStmt(s.init, local.slot, s.span);
        } else {
          const pre: Instr[] = [];
          const e = s.init ? this.value(s.init, pre) : { k: 'const' as const, v: 0 };
          this.flush(pre);
          this.emit({ op: 'assign', span: s.span, target: { k: 'local', slot: local.slot }, e, assignOp: '=' });
        }
        return;
      }
      case 'Assign': {
        const pre: Instr[] = [];
        const target = this.target(s.target, pre);
        if (s.op === '=' && s.value?.kind === 'Call' && isUserCall(this.b.calls.get(s.value)) && target.k === 'local') {
          this.flush(pre);
          this.callStmt(s.value, target.slot, s.span);
          return;
        }
        // `timer->function = fn` stores the function value (fnValue) in the timer's func word.
        const e: BExpr = s.value ? this.value(s.value, pre) : { k: 'const', v: 1 };
        const op = s.op === '++' ? '+=' : s.op === '--' ? '-=' : s.op;
        this.flush(pre);
        this.emit({ op: 'assign', span: s.span, target, e, assignOp: op });
        return;
      }
      case 'ExprStmt': {
        const e = s.expr;
        if (e.kind === 'Call') {
          const info = this.b.calls.get(e);
          if (isUserCall(info)) {
            this.callStmt(e, -1, s.span);
            return;
          }
          if (info?.builtin?.special === 'guest') {
            this.guestLoop(e, s.span);
            return;
          }
          if (info?.builtin?.special === 'await') {
            const cond = e.args[e.args.length - 1];
            const pre: Instr[] = [];
            const c = cond ? this.value(cond, pre) : { k: 'const' as const, v: 1 };
            this.flush(pre);
            this.emit({ op: 'await', span: s.span, cond: c, text: cond ? this.text.slice(cond.span.start, cond.span.end) : 'true' });
            return;
          }
        }
        const pre: Instr[] = [];
        const v = this.value(e, pre);
        this.flush(pre);
        this.emit({ op: 'eval', span: s.span, e: v });
        return;
      }
      case 'If': {
        const pre: Instr[] = [];
        const cond = this.value(s.cond, pre);
        this.flush(pre);
        const br = this.emit({ op: 'branch', span: s.cond.span, cond, target: -1 });
        this.stmt(s.then);
        if (s.else) {
          const j = this.emit({ op: 'jump', span: s.span, target: -1 });
          setTarget(br, this.instrs.length);
          this.stmt(s.else);
          setTarget(j, this.instrs.length);
        } else {
          setTarget(br, this.instrs.length);
        }
        return;
      }
      case 'While': {
        const top = this.instrs.length;
        const pre: Instr[] = [];
        const cond = this.value(s.cond, pre);
        this.flush(pre);
        const br = this.emit({ op: 'branch', span: s.cond.span, cond, target: -1 });
        this.loop(() => this.stmt(s.body), top, () => {
          this.emit({ op: 'jump', span: s.span, target: top });
          setTarget(br, this.instrs.length);
        });
        return;
      }
      case 'DoWhile': {
        const top = this.instrs.length;
        const loop = { breaks: [] as Instr[], continues: [] as Instr[] };
        this.loops.push(loop);
        this.stmt(s.body);
        this.loops.pop();
        const cont = this.instrs.length;
        const pre: Instr[] = [];
        const cond = this.value(s.cond, pre);
        this.flush(pre);
        const br = this.emit({ op: 'branch', span: s.cond.span, cond, target: -1 });
        this.emit({ op: 'jump', span: s.span, target: top });
        const end = this.instrs.length;
        setTarget(br, end);
        for (const i of loop.breaks) setTarget(i, end);
        for (const i of loop.continues) setTarget(i, cont);
        return;
      }
      case 'For': {
        if (s.init) this.stmt(s.init);
        const top = this.instrs.length;
        let br: Instr | undefined;
        if (s.cond) {
          const pre: Instr[] = [];
          const cond = this.value(s.cond, pre);
          this.flush(pre);
          br = this.emit({ op: 'branch', span: s.cond.span, cond, target: -1 });
        }
        const loop = { breaks: [] as Instr[], continues: [] as Instr[] };
        this.loops.push(loop);
        this.stmt(s.body);
        this.loops.pop();
        const cont = this.instrs.length;
        if (s.step) this.stmt(s.step);
        this.emit({ op: 'jump', span: s.span, target: top });
        const end = this.instrs.length;
        if (br) setTarget(br, end);
        for (const i of loop.breaks) setTarget(i, end);
        for (const i of loop.continues) setTarget(i, cont);
        return;
      }
      case 'Return': {
        const pre: Instr[] = [];
        const e = s.value ? this.value(s.value, pre) : undefined;
        this.flush(pre);
        this.emit({ op: 'ret', span: s.span, ...(e ? { e } : {}) });
        return;
      }
      case 'Break': {
        const j = this.emit({ op: 'jump', span: s.span, target: -1 });
        this.loops[this.loops.length - 1]?.breaks.push(j);
        return;
      }
      case 'Continue': {
        const j = this.emit({ op: 'jump', span: s.span, target: -1 });
        this.loops[this.loops.length - 1]?.continues.push(j);
        return;
      }
      case 'Choose': {
        const ch = this.emit({ op: 'choose', span: { start: s.span.start, end: s.span.start + 6 }, targets: [] });
        const ends: Instr[] = [];
        for (const br of s.branches) {
          (ch as { targets: number[] }).targets.push(this.instrs.length);
          this.block(br);
          ends.push(this.emit({ op: 'jump', span: br.span, target: -1 }));
        }
        for (const j of ends) setTarget(j, this.instrs.length);
        return;
      }
      case 'ListForEach':
        this.listForEach(s);
        return;
      case 'VcpuForEach':
        this.vcpuForEach(s);
        return;
      case 'DeclGroup':
        for (const d of s.decls) this.stmt(d);
        return;
      case 'Goto':
        this.gotos.push({ jump: this.emit({ op: 'jump', span: s.span, target: -1 }), label: s.label.name });
        return;
      case 'Label':
        this.labels.set(s.label.name, this.instrs.length);
        return;
      case 'Switch':
        this.switchStmt(s);
        return;
      case 'Case':
      case 'ErrorStmt':
        return;
    }
  }

  /**
   * `switch`: the value into a temporary, a compare-and-jump per case (local, so no step of
   * their own), then the body with its case labels; `break` leaves, cases fall through.
   */
  private switchStmt(s: A.SwitchStmt): void {
    const pre: Instr[] = [];
    const disc = this.value(s.disc, pre);
    this.flush(pre);
    const slot = this.temp('switch$value');
    this.emit({ op: 'assign', span: s.disc.span, target: { k: 'local', slot }, e: disc, assignOp: '=' });
    const cases = s.body.body.filter((c): c is A.CaseStmt => c.kind === 'Case');
    const entries: { jump: Instr; c: A.CaseStmt }[] = [];
    for (const c of cases) {
      if (!c.value) continue;
      const casePre: Instr[] = [];
      const v = this.value(c.value, casePre);
      this.flush(casePre);
      const br = this.emit({ op: 'branch', span: c.span, cond: { k: 'binary', op: '==', l: { k: 'local', slot }, r: v }, target: -1 });
      entries.push({ jump: this.emit({ op: 'jump', span: c.span, target: -1 }), c });
      setTarget(br, this.instrs.length);
    }
    const otherwise = this.emit({ op: 'jump', span: s.disc.span, target: -1 });
    const enclosing = this.loops[this.loops.length - 1];
    // A `continue` inside the switch belongs to the enclosing loop.
    const loop = { breaks: [] as Instr[], continues: enclosing ? enclosing.continues : [] as Instr[] };
    this.loops.push(loop);
    const at = new Map<A.CaseStmt, number>();
    for (const st of s.body.body) {
      if (st.kind === 'Case') at.set(st, this.instrs.length);
      else this.stmt(st);
    }
    this.loops.pop();
    const end = this.instrs.length;
    for (const e of entries) setTarget(e.jump, at.get(e.c) ?? end);
    const dflt = cases.find((c) => !c.value);
    setTarget(otherwise, dflt ? at.get(dflt) ?? end : end);
    for (const i of loop.breaks) setTarget(i, end);
  }

  private loop(body: () => void, continueTarget: number, close: () => void): void {
    const loop = { breaks: [] as Instr[], continues: [] as Instr[] };
    this.loops.push(loop);
    body();
    this.loops.pop();
    close();
    const end = this.instrs.length;
    for (const i of loop.breaks) setTarget(i, end);
    for (const i of loop.continues) setTarget(i, continueTarget);
  }

  private listForEach(s: A.ListForEachStmt): void {
    if (s.hlist) {
      this.hlistForEach(s);
      return;
    }
    const pos = this.b.localDecls.get(s) ?? this.findLocal(s.pos);
    const member = this.b.nameSyms.get(s.member);
    if (!pos || !member || member.kind !== 'field') return;
    const off = member.offset;
    const head = this.temp(`${pos.name}$head`);
    // The walk's own steps show the macro's header, not the whole loop with its body, nor
    // the bare head expression (reading the pointer it goes through is a step of the walk).
    const header = { start: s.span.start, end: Math.max(s.member.span.end + 1, s.span.start) };
    const pre: Instr[] = [];
    const headAddr = this.addr(s.head, pre);
    this.flush(pre);
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: head }, e: headAddr, assignOp: '=' });
    const first: BExpr = { k: 'binary', op: '-', l: { k: 'load', addr: { k: 'local', slot: head }, what: 'head->next' }, r: { k: 'const', v: off } };
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: pos.slot }, e: first, assignOp: '=' });
    const top = this.instrs.length;
    const cond: BExpr = {
      k: 'binary', op: '!=',
      l: { k: 'binary', op: '+', l: { k: 'local', slot: pos.slot }, r: { k: 'const', v: off } },
      r: { k: 'local', slot: head },
    };
    const br = this.emit({ op: 'branch', span: header, cond, target: -1 });
    const successor: BExpr = {
      k: 'binary', op: '-',
      l: { k: 'load', addr: { k: 'binary', op: '+', l: { k: 'local', slot: pos.slot }, r: { k: 'const', v: off } }, what: `${pos.name}->${s.member.name}.next` },
      r: { k: 'const', v: off },
    };
    // list_for_each_entry_safe reads the successor before the body, which may delete pos.
    const safe = s.next ? this.findLocal(s.next) : undefined;
    if (safe) this.emit({ op: 'assign', span: header, target: { k: 'local', slot: safe.slot }, e: successor, assignOp: '=' });
    const loop = { breaks: [] as Instr[], continues: [] as Instr[] };
    this.loops.push(loop);
    this.stmt(s.body);
    this.loops.pop();
    const cont = this.instrs.length;
    const next: BExpr = safe ? { k: 'local', slot: safe.slot } : successor;
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: pos.slot }, e: next, assignOp: '=' });
    this.emit({ op: 'jump', span: header, target: top });
    const end = this.instrs.length;
    setTarget(br, end);
    for (const i of loop.breaks) setTarget(i, end);
    for (const i of loop.continues) setTarget(i, cont);
  }

  /**
   * hlist_for_each_entry(pos, head, member): a cursor on the nodes, from head->first until
   * NULL, pos the entry containing each (hlist_entry_safe); pos is NULL after a full walk.
   */
  private hlistForEach(s: A.ListForEachStmt): void {
    const pos = this.b.localDecls.get(s) ?? this.findLocal(s.pos);
    const member = this.b.nameSyms.get(s.member);
    if (!pos || !member || member.kind !== 'field') return;
    const off = member.offset;
    const node = this.temp(`${pos.name}$node`);
    const header = { start: s.span.start, end: Math.max(s.member.span.end + 1, s.span.start) };
    const pre: Instr[] = [];
    const headAddr = this.addr(s.head, pre);
    this.flush(pre);
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: node }, e: { k: 'load', addr: headAddr, what: 'head->first' }, assignOp: '=' });
    const top = this.instrs.length;
    const br = this.emit({ op: 'branch', span: header, cond: { k: 'binary', op: '!=', l: { k: 'local', slot: node }, r: { k: 'const', v: 0 } }, target: -1 });
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: pos.slot }, e: { k: 'binary', op: '-', l: { k: 'local', slot: node }, r: { k: 'const', v: off } }, assignOp: '=' });
    const loop = { breaks: [] as Instr[], continues: [] as Instr[] };
    this.loops.push(loop);
    this.stmt(s.body);
    this.loops.pop();
    const cont = this.instrs.length;
    const next: BExpr = { k: 'load', addr: { k: 'binary', op: '+', l: { k: 'local', slot: pos.slot }, r: { k: 'const', v: off } }, what: `${pos.name}->${s.member.name}.next` };
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: node }, e: next, assignOp: '=' });
    this.emit({ op: 'jump', span: header, target: top });
    setTarget(br, this.instrs.length);
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: pos.slot }, e: { k: 'const', v: 0 }, assignOp: '=' });
    const end = this.instrs.length;
    for (const i of loop.breaks) setTarget(i, end);
    for (const i of loop.continues) setTarget(i, cont);
  }

  /**
   * `kvm_for_each_vcpu(i, vcpu, kvm) body` as the kernel's macro walks: i from 0, vcpu =
   * kvm_get_vcpu(kvm, i), until there is none.
   */
  private vcpuForEach(s: A.VcpuForEachStmt): void {
    const index = this.findLocal(s.index);
    const cursor = this.findLocal(s.vcpu);
    const get = builtin('kvm_get_vcpu');
    if (!index || !cursor || !get) return;
    const pre: Instr[] = [];
    const kvm = this.value(s.kvm, pre);
    this.flush(pre);
    const kvmSlot = this.temp(`${cursor.name}$kvm`);
    const header = { start: s.span.start, end: Math.max(s.kvm.span.end + 1, s.span.start) };
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: kvmSlot }, e: kvm, assignOp: '=' });
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: index.slot }, e: { k: 'const', v: 0 }, assignOp: '=' });
    const top = this.instrs.length;
    const at: BExpr = { k: 'builtin', b: get, args: [{ k: 'local', slot: kvmSlot }, { k: 'local', slot: index.slot }], statics: [0, 0], span: header };
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: cursor.slot }, e: at, assignOp: '=' });
    const br = this.emit({ op: 'branch', span: header, cond: { k: 'local', slot: cursor.slot }, target: -1 });
    const loop = { breaks: [] as Instr[], continues: [] as Instr[] };
    this.loops.push(loop);
    this.stmt(s.body);
    this.loops.pop();
    const cont = this.instrs.length;
    this.emit({ op: 'assign', span: header, target: { k: 'local', slot: index.slot }, e: { k: 'const', v: 1 }, assignOp: '+=' });
    this.emit({ op: 'jump', span: header, target: top });
    const end = this.instrs.length;
    setTarget(br, end);
    for (const i of loop.breaks) setTarget(i, end);
    for (const i of loop.continues) setTarget(i, cont);
  }

  /**
   * `guest_run(vcpu)`: the guest as the host sees it, `while (READ_ONCE(vcpu->mode) ==
   * IN_GUEST_MODE) cpu_relax();` — one step per look at the mode, so a guest nobody kicks
   * spins forever (a livelock), as a vCPU whose kick was lost does.
   */
  private guestLoop(e: A.CallExpr, span: A.Span): void {
    const info = this.b.calls.get(e)!;
    const pre: Instr[] = [];
    const args = e.args.map((a) => this.value(a, pre));
    this.flush(pre);
    const top = this.instrs.length;
    const inGuest: BExpr = { k: 'builtin', b: info.builtin!, args, statics: info.statics, span: e.span };
    const br = this.emit({ op: 'branch', span, cond: inGuest, target: -1 });
    this.emit({ op: 'jump', span, target: top });
    setTarget(br, this.instrs.length);
  }

  private findLocal(id: A.Identifier) {
    const sym = this.b.nameSyms.get(id);
    return sym?.kind === 'local' ? sym : undefined;
  }

  private callStmt(e: A.CallExpr, result: number, span: A.Span): void {
    const pre: Instr[] = [];
    const call = this.callInstr(e, result, span, pre);
    if (!call) return;
    this.flush(pre);
    this.emit(call);
  }

  /** A call of a user fn, directly or through a fn value; undefined for a builtin. */
  private callInstr(e: A.CallExpr, result: number, span: A.Span, pre: Instr[]): Emit | undefined {
    const info = this.b.calls.get(e);
    if (info?.fn) {
      const args = e.args.map((a) => this.value(a, pre));
      return { op: 'call', span, fn: info.fn.index, args, result };
    }
    if (info?.indirect) {
      const target = this.value(e.target ?? { kind: 'Name', id: e.callee, span: e.callee.span }, pre);
      const args = e.args.map((a) => this.value(a, pre));
      return { op: 'call', span, fn: -1, args, result, target, fns: info.indirect.candidates.map((f) => f.index) };
    }
    return undefined;
  }

  private flush(pre: Instr[]): void {
    for (const i of pre) this.instrs.push(i);
    pre.length = 0;
  }

  // ---------- expressions ----------

  private target(e: A.Expr, pre: Instr[]): Target {
    const inner = e.kind === 'AddressOf' ? e.operand : e;
    if (inner.kind === 'Name') {
      const sym = this.b.nameSyms.get(inner.id);
      if (sym?.kind === 'local') return { k: 'local', slot: sym.slot };
    }
    return { k: 'mem', place: this.place(inner, pre) };
  }

  /** The place an lvalue expression denotes in shared memory. */
  private place(e: A.Expr, pre: Instr[]): Place {
    switch (e.kind) {
      case 'AddressOf':
        return this.place(e.operand, pre);
      case 'Name': {
        const sym = this.b.nameSyms.get(e.id);
        if (sym?.kind === 'global') return { k: 'static', addr: sym.address };
        // A local pointer used where an object is meant (`*p`, `&p` of a struct pointer).
        return { k: 'deref', ptr: this.value(e, pre) };
      }
      case 'Member': {
        const ot = this.type(e.object);
        const f = this.b.nameSyms.get(e.field);
        const offset = f?.kind === 'field' ? f.offset
          : isTimerFunction(this.type(e.object), e.field.name) ? WORK_WORD.func : listHeadLink(ot, e.field.name) ?? 0;
        const of: Place = ot.k === 'ptr' ? { k: 'deref', ptr: this.value(e.object, pre) } : this.place(e.object, pre);
        return { k: 'field', of, offset };
      }
      case 'Index': {
        const ot = this.type(e.object);
        const of = this.place(e.object, pre);
        const stride = ot.k === 'array' ? sizeOf(ot.of) : 1;
        const length = ot.k === 'array' ? ot.n : 1;
        return { k: 'index', of, index: this.value(e.index, pre), stride, length };
      }
      case 'Deref':
        return { k: 'deref', ptr: this.value(e.operand, pre) };
      default:
        return { k: 'deref', ptr: this.value(e, pre) };
    }
  }

  /** The address of a place, as a value (locks, lists and structs are passed this way). */
  private addr(e: A.Expr, pre: Instr[]): BExpr {
    return { k: 'addr', place: this.place(e, pre) };
  }

  value(e: A.Expr, pre: Instr[]): BExpr {
    switch (e.kind) {
      case 'Number':
        return { k: 'const', v: e.value | 0 };
      case 'Bool':
        return { k: 'const', v: e.value ? 1 : 0 };
      case 'Null':
      case 'String':
      case 'ErrorExpr':
      case 'TypeArg':
        return { k: 'const', v: 0 };
      case 'Name': {
        const sym = this.b.nameSyms.get(e.id);
        if (!sym) {
          if (e.id.name === 'current') return { k: 'current' };
          const req = this.b.requestNames.indexOf(e.id.name);
          return { k: 'const', v: Math.max(0, req) };
        }
        switch (sym.kind) {
          case 'local':
            return { k: 'local', slot: sym.slot };
          case 'global':
            return isScalar(sym.type) ? { k: 'read', place: { k: 'static', addr: sym.address } } : { k: 'addr', place: { k: 'static', addr: sym.address } };
          case 'actor':
            // A vCPU's name (and `vcpu` inside it) is its struct kvm_vcpu.
            return { k: 'const', v: sym.vcpu ?? sym.index };
          case 'fn':
            return { k: 'const', v: fnValue(sym.index) };
          case 'const':
            return { k: 'const', v: sym.value };
          default:
            return { k: 'const', v: 0 };
        }
      }
      case 'AddressOf': {
        const t = this.type(e.operand);
        if (e.operand.kind === 'Name' && this.b.nameSyms.get(e.operand.id)?.kind === 'local') {
          const local = this.b.nameSyms.get(e.operand.id);
          // `&nb` of a scalar local: a pointer to it (an out-parameter).
          if (local?.kind === 'local' && (t.k === 'int' || t.k === 'bool')) return { k: 'localAddr', slot: local.slot };
          return this.value(e.operand, pre);
        }
        if (isScalar(t) && t.k === 'ptr') return this.value(e.operand, pre);
        return this.addr(e.operand, pre);
      }
      case 'Member':
      case 'Index': {
        const t = this.type(e);
        const place = this.place(e, pre);
        return isScalar(t) ? { k: 'read', place } : { k: 'addr', place };
      }
      case 'Unary':
        return { k: 'unary', op: e.op, e: this.value(e.operand, pre) };
      case 'Binary': {
        const l = this.value(e.left, pre);
        const r = this.value(e.right, pre);
        const lt = this.type(e.left);
        // `va + n` on a void *: the model has no byte layout, so it stays a pointer into the
        // same object (its start); NULL + n is n, as in C.
        if ((e.op === '+' || e.op === '-') && lt.k === 'ptr' && lt.to.k === 'void') return { k: 'binary', op: 'ptr+', l, r };
        return { k: 'binary', op: e.op, l, r };
      }
      case 'Deref': {
        const t = this.type(e);
        const place: Place = { k: 'deref', ptr: this.value(e.operand, pre) };
        return isScalar(t) ? { k: 'read', place } : { k: 'addr', place };
      }
      case 'Cast':
        return this.value(e.operand, pre);
      case 'Sizeof':
        return { k: 'const', v: this.b.sizes.get(e) ?? 8 };
      case 'Conditional': {
        // `c ? a : b` evaluates only the branch taken (the machine's '?' operator).
        const c = this.value(e.cond, pre);
        return { k: 'binary', op: '?', l: c, r: { k: 'binary', op: ':', l: this.value(e.then, pre), r: this.value(e.else, pre) } };
      }
      case 'InitList':
        return { k: 'const', v: 0 };
      case 'Call': {
        const info = this.b.calls.get(e);
        if (!info) return { k: 'const', v: 0 };
        if (info.fn || info.indirect) {
          // A user fn inside an expression: call it first, into a temporary.
          const slot = this.temp(`${info.fn?.name ?? e.callee.name}$result`);
          const call = { ...this.callInstr(e, slot, e.span, pre)!, id: -1, visible: true } as Instr;
          call.visible = instrVisible(call);
          pre.push(call);
          return { k: 'local', slot };
        }
        return this.builtinCall(e, info, pre);
      }
    }
  }

  private builtinCall(e: A.CallExpr, info: CallInfo, pre: Instr[]): BExpr {
    const b = info.builtin!;
    // The shorthand queue_work(NAME) has no workqueue: it is passed as 0 (the binder's statics agree).
    const shift = isWorkShorthand(b, e.args.length) ? 1 : 0;
    const args: BExpr[] = shift ? [{ k: 'const', v: 0 }] : [];
    e.args.forEach((a, i) => args.push(this.arg(b.params[i + shift]?.kind, a, pre, info.statics[i + shift] ?? 0)));
    return { k: 'builtin', b, args, statics: info.statics, span: e.span };
  }

  private arg(kind: ParamKind | undefined, a: A.Expr, pre: Instr[], fact: number): BExpr {
    switch (kind) {
      case 'work':
        // A `work` actor (its index) or a work_struct's address.
        return fact >= 0 ? this.value(a, pre) : this.addr(a, pre);
      case 'timer':
      case 'completion':
        return this.addr(a, pre);
      case 'member':
      case 'wqname':
      case 'string':
        return { k: 'const', v: 0 };
      case 'lock':
      case 'mutex':
      case 'spinlock':
      case 'rwsem':
      case 'rwlock':
      case 'srcu':
      case 'list_head':
      case 'atomic':
      case 'kref':
      case 'waitq':
      case 'xarray':
      case 'idr':
      case 'hlist_head':
      case 'hlist_node':
      case 'lockkey':
      case 'place':
      case 'rcu_ptr':
      case 'rcu_head':
        return this.addr(a, pre);
      case 'type':
      case 'rcu_member':
      case 'list_member':
        return { k: 'const', v: 0 };
      default:
        return this.value(a, pre);
    }
  }
}

function isUserCall(info: CallInfo | undefined): boolean {
  return info?.fn !== undefined || info?.indirect !== undefined;
}

function isTimerFunction(t: Ty, field: string): boolean {
  const obj = t.k === 'ptr' ? t.to : t;
  return obj.k === 'timer' && obj.hr && field === 'function';
}

function setTarget(i: Instr, target: number): void {
  if (i.op === 'branch' || i.op === 'jump') i.target = target;
}

/** Touches shared state, or can fail (a dereference, an index): a scheduling point. */
export function exprVisible(e: BExpr): boolean {
  switch (e.k) {
    case 'const':
    case 'local':
    case 'current':
    case 'localAddr':
      return false;
    case 'read':
    case 'load':
      return true;
    case 'addr':
      return placeVisible(e.place);
    case 'unary':
      return exprVisible(e.e);
    case 'binary':
      return e.op === '/' || e.op === '%' || exprVisible(e.l) || exprVisible(e.r);
    case 'builtin':
      return !e.b.pure || e.args.some(exprVisible);
  }
}

function placeVisible(p: Place): boolean {
  switch (p.k) {
    case 'static':
      return false;
    case 'deref':
      return true;
    case 'field':
      return placeVisible(p.of);
    case 'index':
      return true;
  }
}

export function instrVisible(i: Instr): boolean {
  switch (i.op) {
    case 'eval':
      return exprVisible(i.e);
    case 'assign':
      return i.target.k === 'mem' || exprVisible(i.e);
    case 'branch':
      return exprVisible(i.cond);
    case 'jump':
      return false;
    case 'call':
      // A call through a fn value can fail (a NULL fn pointer).
      return i.target !== undefined || i.args.some(exprVisible);
    case 'ret':
      return i.e ? exprVisible(i.e) : false;
    case 'choose':
    case 'await':
      return true;
  }
}
