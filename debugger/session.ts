// The Lockstep debug adapter: maps the Debug Adapter Protocol onto core/debug's runtime.
// Each handler converts its arguments, calls the runtime and converts the answer; the
// runtime's typed events become protocol events. Hosted inline by the extension, or over
// stdio / a socket by main.ts (`lockstep-dap`).

import {
  Breakpoint, DebugSession, Handles, InitializedEvent, InvalidatedEvent, OutputEvent, Scope, Source, StackFrame, StoppedEvent,
  TerminatedEvent, Thread, ThreadEvent, Variable,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { basename } from 'node:path';
import { LineMap } from '../core';
import type { Span } from '../core/syntax/ast';
import { EXCEPTION_FILTERS, type LineBreakpointSpec, type LockBreakpointSpec } from '../core/debug/breakpoints';
import type { RuntimeEvent, StopEvent } from '../core/debug/events';
import type { EvalScope } from '../core/debug/evaluate';
import { DebugError, DebugRuntime, type StepKind } from '../core/debug/runtime';
import type { ViewNode, ViewRef } from '../core/debug/views';
import { prepareLaunch, sourceUnchanged, type Launch, type LaunchArguments } from './launch';

/** Freezes or thaws a thread (see customRequest). */
export const FREEZE_REQUEST = 'lockstep.freeze';

/** A container the client can expand: a view, seen from one frame (for locals). */
interface Container {
  readonly ref: ViewRef;
  readonly scope?: EvalScope;
}

const STOP_REASON: Record<StopEvent['reason'], string> = {
  step: 'step',
  blocked: 'step',
  breakpoint: 'breakpoint',
  'lock-breakpoint': 'function breakpoint',
  exception: 'exception',
  'data-breakpoint': 'data breakpoint',
  pause: 'pause',
  entry: 'entry',
  goto: 'goto',
  end: 'pause',
};

const STOP_LABEL: Record<StopEvent['reason'], string> = {
  step: 'Paused on step',
  blocked: 'Blocked',
  breakpoint: 'Paused on breakpoint',
  'lock-breakpoint': 'Paused on lock breakpoint',
  exception: 'Paused on exception',
  'data-breakpoint': 'Paused on data breakpoint',
  pause: 'Paused',
  entry: 'Paused on entry',
  goto: 'Paused on goto',
  end: 'Run ended',
};

/** The stop's short label: the violation class for an exception (`Lock order (lockdep)`). */
function stopLabel(e: StopEvent): string {
  const filter = e.violation && EXCEPTION_FILTERS.find((f) => f.kind === e.violation!.kind);
  return filter ? `Paused on ${filter.label}` : STOP_LABEL[e.reason];
}

function lockSpec(b: DebugProtocol.FunctionBreakpoint): LockBreakpointSpec {
  return { name: String(b.name), ...(b.condition ? { condition: b.condition } : {}), ...(b.hitCondition ? { hitCondition: b.hitCondition } : {}) };
}

/** Frame ids pack the actor and the frame index, so they stay meaningful without a table. */
const FRAMES_PER_ACTOR = 10_000;

export class LockstepDebugSession extends DebugSession {
  private launch: Launch | undefined;
  private launchArgs: LaunchArguments | undefined;
  private runtime: DebugRuntime | undefined;
  private lines: LineMap | undefined;
  private containers = new Handles<Container>();
  private configurationDone!: Promise<void>;
  private markConfigurationDone!: () => void;
  /** Runtime events wait here while a request is answered, so the response goes first. */
  private held: RuntimeEvent[] | undefined;
  /** Breakpoint requests that arrive before launch are kept and applied when it loads. */
  private pendingLines = new Map<string, DebugProtocol.SourceBreakpoint[]>();
  private pendingLocks: DebugProtocol.FunctionBreakpoint[] = [];
  private pendingFilters: string[] | undefined;

  constructor(...args: ConstructorParameters<typeof DebugSession>) {
    super(...args);
    this.setDebuggerLinesStartAt1(false);
    this.setDebuggerColumnsStartAt1(false);
    this.resetConfigurationDone();
    // The frame reader drops malformed messages before they get here; what is left are
    // stream errors, which end the connection (main.ts): never answer them on the stream
    // that failed. Without a listener Node's EventEmitter would throw and end the adapter.
    this.on('error', () => undefined);
  }

  private resetConfigurationDone(): void {
    this.configurationDone = new Promise((resolve) => {
      this.markConfigurationDone = resolve;
    });
  }

  // ---------- plumbing ----------

  /** Runs a request: errors become error responses; events raised meanwhile follow the response. */
  private handle<R extends DebugProtocol.Response>(response: R, action: () => void): void {
    const outer = this.held === undefined;
    if (outer) this.held = [];
    try {
      action();
      this.sendResponse(response);
    } catch (e) {
      // One line for the user; a stack is for a bug report (lockstep-dap with LOCKSTEP_DEBUG=1 logs it).
      const message = e instanceof DebugError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
      if (!(e instanceof DebugError) && process.env.LOCKSTEP_DEBUG && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
      // A leading underscore marks the variable as free of personal data, so the message is shown whole.
      this.sendErrorResponse(response, { id: 1000, format: '{_message}', variables: { _message: message }, showUser: true });
    } finally {
      if (outer) {
        const events = this.held ?? [];
        this.held = undefined;
        for (const e of events) this.forward(e);
      }
    }
  }

  private rt(): DebugRuntime {
    if (!this.runtime) throw new DebugError('no scenario is running: launch one first');
    return this.runtime;
  }

  /** Execution requests refuse to run a file that changed on disk: positions would lie. */
  private rtUnchanged(): DebugRuntime {
    const rt = this.rt();
    if (this.launch && !sourceUnchanged(this.launch.fingerprint)) {
      throw new DebugError(`${this.launch.program} changed on disk since the session started: restart the session to debug the new version`);
    }
    return rt;
  }

  private actorOf(args: { threadId?: unknown } | undefined): number {
    const id = args?.threadId;
    if (typeof id !== 'number' || !Number.isInteger(id)) throw new DebugError('the request names no thread (threadId)');
    const n = this.rt().scenario.actors.length;
    if (id < 1 || id > n) throw new DebugError(`unknown thread id ${id} (this scenario's threads are 1 to ${n})`);
    return id - 1;
  }

  private scopeOfFrame(frameId: unknown): EvalScope | undefined {
    if (typeof frameId !== 'number') return undefined;
    const actor = Math.floor(frameId / FRAMES_PER_ACTOR) - 1;
    const frame = (frameId % FRAMES_PER_ACTOR) - 1;
    if (actor < 0 || actor >= this.rt().scenario.actors.length) throw new DebugError(`unknown frame id ${frameId}`);
    return frame >= 0 ? { actor, frame } : undefined;
  }

  /** Without a frame, expressions are evaluated where the last stop happened. */
  private defaultScope(): EvalScope | undefined {
    const rt = this.rt();
    const actor = rt.stop?.actor ?? 0;
    const frames = rt.state.actors[actor]?.frames.length ?? 0;
    return frames > 0 ? { actor, frame: frames - 1 } : undefined;
  }

  private source(): Source {
    const program = this.launch!.program;
    return new Source(basename(program), program);
  }

  private position(span: Span): { line: number; column: number } {
    const p = this.lines!.position(span.start);
    return { line: this.convertDebuggerLineToClient(p.line), column: this.convertDebuggerColumnToClient(p.character) };
  }

  private forward(e: RuntimeEvent): void {
    if (this.held) {
      this.held.push(e);
      return;
    }
    switch (e.kind) {
      case 'stopped': {
        this.containers.reset();
        // VS Code shows `description` as the thread's badge in the Call Stack and `text` on
        // hover: a short label there keeps the thread's name readable; the sentence goes in text.
        const ev = new StoppedEvent(STOP_REASON[e.reason], e.actor + 1, e.description) as DebugProtocol.StoppedEvent;
        ev.body.description = stopLabel(e);
        ev.body.allThreadsStopped = true;
        if (e.breakpoints) ev.body.hitBreakpointIds = [...e.breakpoints];
        this.sendEvent(ev);
        return;
      }
      case 'output': {
        const ev = new OutputEvent(e.text, e.category) as DebugProtocol.OutputEvent;
        if (e.span && this.launch) {
          ev.body.source = this.source();
          ev.body.line = this.position(e.span).line;
        }
        this.sendEvent(ev);
        return;
      }
      case 'actor-started':
      case 'actor-exited':
        this.sendEvent(new ThreadEvent(e.kind === 'actor-started' ? 'started' : 'exited', e.actor + 1));
        return;
    }
  }

  private variable(node: ViewNode, container: Container): DebugProtocol.Variable {
    const ref = node.expand ? this.containers.create({ ref: node.expand, ...(container.scope ? { scope: container.scope } : {}) }) : 0;
    const v = new Variable(node.name, node.value, ref) as DebugProtocol.Variable;
    if (node.type) v.type = node.type;
    v.presentationHint = {
      ...(node.expand?.kind === 'object' || node.expand?.kind === 'memory' ? { kind: 'data' } : {}),
      attributes: [...(node.freed ? ['failed'] : []), ...(node.editable ? [] : ['readOnly'])],
    };
    return v;
  }

  // ---------- lifecycle ----------

  /** `pathFormat` is optional in `initialize` and means paths when absent, as the protocol says. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    if (request?.command === 'initialize') {
      const args = (typeof request.arguments === 'object' && request.arguments !== null ? request.arguments : {}) as DebugProtocol.InitializeRequestArguments;
      request.arguments = args.pathFormat === undefined ? { ...args, pathFormat: 'path' } : args;
    }
    super.dispatchRequest(request);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsSingleThreadExecutionRequests: true,
      supportsStepBack: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsDataBreakpoints: true,
      supportsSetVariable: true,
      supportsEvaluateForHovers: true,
      supportsRestartRequest: true,
      supportsGotoTargetsRequest: true,
      supportsStepInTargetsRequest: true,
      supportsExceptionInfoRequest: true,
      supportsTerminateRequest: true,
      supportsDelayedStackTraceLoading: true,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({ filter: f.kind, label: f.label, description: f.description, default: true })),
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.markConfigurationDone();
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): void {
    let launch: Launch;
    try {
      launch = prepareLaunch((args ?? {}) as LaunchArguments);
    } catch (e) {
      this.handle(response, () => {
        throw e;
      });
      return;
    }
    this.install(launch, args as LaunchArguments);
    // Breakpoints are set against the loaded scenario, between `initialized` and configurationDone.
    this.sendEvent(new InitializedEvent());
    void this.configurationDone.then(() => {
      this.sendEvent(new OutputEvent(`${launch.summary}\n`, 'console'));
      this.sendResponse(response);
      this.runtimeStart(launch.stopOnEntry);
    });
  }

  /** Starts the runtime outside any request: its first stop (or run) follows the launch response. */
  private runtimeStart(stopOnEntry: boolean): void {
    try {
      this.rt().start(stopOnEntry);
    } catch (e) {
      this.sendEvent(new OutputEvent(`lockstep-dap: ${e instanceof Error ? e.message : String(e)}\n`, 'stderr'));
    }
  }

  /** Installs a runtime for a launch, with the breakpoints the client has set. */
  private install(launch: Launch, args: LaunchArguments): void {
    this.launch = launch;
    this.launchArgs = args;
    this.lines = new LineMap(launch.scenario.text);
    this.containers.reset();
    const rt = new DebugRuntime(launch.scenario, { schedule: launch.schedule });
    // A runtime replaced by a restart may still finish a chunk; its events are dropped.
    rt.on((e) => {
      if (this.runtime === rt) this.forward(e);
    });
    this.runtime = rt;
    const lines = this.pendingLines.get(launch.program);
    if (lines) rt.setLineBreakpoints(lines.map((b) => this.lineSpec(b)));
    if (this.pendingLocks.length) rt.setLockBreakpoints(this.pendingLocks.map(lockSpec));
    if (this.pendingFilters) rt.setExceptionFilters(this.pendingFilters);
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): void {
    this.handle(response, () => {
      const previous = this.launchArgs;
      if (!previous) throw new DebugError('nothing to restart: launch a scenario first');
      this.rt().pause();
      // The file is read again: a restart is how an edited scenario is picked up.
      const launch = prepareLaunch({ ...previous, ...((args?.arguments ?? {}) as LaunchArguments) });
      this.install(launch, { ...previous, ...((args?.arguments ?? {}) as LaunchArguments) });
      this.rt().start(launch.stopOnEntry);
    });
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.runtime?.pause();
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.runtime?.pause();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  // ---------- breakpoints ----------

  private lineSpec(b: DebugProtocol.SourceBreakpoint): LineBreakpointSpec {
    return { line: this.convertClientLineToDebugger(b.line) + 1, ...(b.condition ? { condition: b.condition } : {}), ...(b.hitCondition ? { hitCondition: b.hitCondition } : {}) };
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.handle(response, () => {
      const path = args?.source?.path;
      const specs: DebugProtocol.SourceBreakpoint[] = args?.breakpoints ?? (args?.lines ?? []).map((line) => ({ line }));
      if (typeof path !== 'string') throw new DebugError('setBreakpoints needs a source path');
      if (!Array.isArray(specs) || specs.some((b) => typeof b?.line !== 'number')) throw new DebugError('setBreakpoints needs a list of breakpoints, each with a line');
      this.pendingLines.set(path, specs);
      if (!this.runtime || path !== this.launch?.program) {
        response.body = { breakpoints: specs.map((b) => ({ verified: false, line: b.line, message: this.runtime ? `not the launched scenario (${basename(this.launch!.program)})` : 'not launched yet' })) };
        return;
      }
      const bps = this.runtime.setLineBreakpoints(specs.map((b) => this.lineSpec(b)));
      response.body = {
        breakpoints: bps.map((b) => {
          const bp = new Breakpoint(b.verified, this.convertDebuggerLineToClient(b.line - 1), undefined, this.source()) as DebugProtocol.Breakpoint;
          bp.id = b.id;
          if (b.message) bp.message = b.message;
          return bp;
        }),
      };
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.handle(response, () => {
      const specs = args?.breakpoints ?? [];
      if (!Array.isArray(specs)) throw new DebugError('setFunctionBreakpoints needs a list of breakpoints');
      this.pendingLocks = specs;
      if (!this.runtime) {
        response.body = { breakpoints: specs.map(() => ({ verified: false, message: 'not launched yet' })) };
        return;
      }
      const bps = this.runtime.setLockBreakpoints(specs.map(lockSpec));
      response.body = { breakpoints: bps.map((b) => ({ id: b.id, verified: b.verified, ...(b.message ? { message: b.message } : {}) })) };
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.handle(response, () => {
      const filters = [...(args?.filters ?? []), ...(args?.filterOptions ?? []).map((f) => f.filterId)];
      const unknown = filters.filter((f) => !EXCEPTION_FILTERS.some((x) => x.kind === f));
      if (unknown.length > 0) throw new DebugError(`unknown exception filter ${unknown.join(', ')} (known: ${EXCEPTION_FILTERS.map((x) => x.kind).join(', ')})`);
      this.pendingFilters = filters;
      this.runtime?.setExceptionFilters(filters);
      response.body = { breakpoints: filters.map(() => ({ verified: true })) };
    });
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.handle(response, () => {
      const rt = this.rt();
      const name = String(args?.name ?? '');
      let node: ViewNode | undefined;
      if (args?.variablesReference) {
        const c = this.containers.get(args.variablesReference);
        if (!c) throw new DebugError(`unknown variables reference ${args.variablesReference}`);
        node = rt.children(c.ref).find((n) => n.name === name);
      } else {
        node = rt.evaluateNode(name, this.scopeOfFrame(args?.frameId) ?? this.defaultScope());
      }
      try {
        const t = rt.dataTarget(node, name);
        response.body = { dataId: `mem:${t.addr}:${t.size}:${name}`, description: `write to ${name}`, accessTypes: ['write'], canPersist: false };
      } catch (e) {
        if (!(e instanceof DebugError)) throw e;
        response.body = { dataId: null, description: e.message };
      }
    });
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.handle(response, () => {
      const specs = (args?.breakpoints ?? []).map((b) => {
        const m = /^mem:(\d+):(\d+):(.*)$/s.exec(String(b.dataId));
        if (!m) throw new DebugError(`unknown data breakpoint id '${String(b.dataId)}'`);
        if (b.accessType && b.accessType !== 'write') throw new DebugError(`${m[3]}: only writes can be watched (the model has no read watchpoints)`);
        return { addr: Number(m[1]), size: Number(m[2]), label: m[3]!, ...(b.hitCondition ? { hitCondition: b.hitCondition } : {}) };
      });
      const bps = this.rt().setDataBreakpoints(specs);
      response.body = { breakpoints: bps.map((b) => ({ id: b.id, verified: true, message: `stops after a write to ${b.label}` })) };
    });
  }

  // ---------- execution ----------

  protected override continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    this.handle(response, () => {
      const rt = this.rtUnchanged();
      const actor = this.actorOf(args);
      response.body = { allThreadsContinued: !args.singleThread };
      if (args.singleThread) rt.continueActor(actor);
      else rt.continueAll();
    });
  }

  private stepRequest(response: DebugProtocol.Response, args: { threadId?: unknown; targetId?: unknown } | undefined, kind: StepKind): void {
    this.handle(response, () => {
      const rt = this.rtUnchanged();
      const actor = this.actorOf(args);
      const choice = typeof args?.targetId === 'number' ? args.targetId - 1 : undefined;
      rt.stepActor(actor, kind, choice);
    });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.stepRequest(response, args, 'next');
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.stepRequest(response, args, 'stepIn');
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.stepRequest(response, args, 'stepOut');
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.handle(response, () => {
      const rt = this.rtUnchanged();
      this.actorOf(args);
      rt.stepBack();
    });
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse, args: DebugProtocol.ReverseContinueArguments): void {
    this.handle(response, () => {
      const rt = this.rtUnchanged();
      this.actorOf(args);
      rt.reverseContinue();
    });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.handle(response, () => this.rt().pause());
  }

  protected override gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    this.handle(response, () => {
      const rt = this.rt();
      if (args?.source?.path !== this.launch?.program) throw new DebugError('goto targets exist only in the launched scenario');
      const line = this.convertClientLineToDebugger(Number(args.line)) + 1;
      response.body = { targets: rt.gotoTargets(line).map((t) => ({ id: t.position + 1, label: t.label, line: this.convertDebuggerLineToClient(t.line - 1) })) };
    });
  }

  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    this.handle(response, () => {
      const rt = this.rtUnchanged();
      const actor = this.actorOf(args);
      if (typeof args.targetId !== 'number') throw new DebugError('goto needs a targetId from gotoTargets');
      // Target ids are history positions + 1, so a client that knows a step (the swimlane) can go there directly.
      rt.goto(args.targetId - 1, actor);
    });
  }

  protected override stepInTargetsRequest(response: DebugProtocol.StepInTargetsResponse, args: DebugProtocol.StepInTargetsArguments): void {
    this.handle(response, () => {
      const scope = this.frameActor(args?.frameId);
      response.body = { targets: this.rt().stepInTargets(scope).map((t) => ({ id: t.choice + 1, label: t.label })) };
    });
  }

  private frameActor(frameId: unknown): number {
    if (typeof frameId !== 'number') throw new DebugError('the request names no frame (frameId)');
    const actor = Math.floor(frameId / FRAMES_PER_ACTOR) - 1;
    if (actor < 0 || actor >= this.rt().scenario.actors.length) throw new DebugError(`unknown frame id ${frameId}`);
    return actor;
  }

  // ---------- state ----------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    this.handle(response, () => {
      response.body = { threads: this.runtime ? this.runtime.threads().map((t) => new Thread(t.actor + 1, t.title)) : [] };
    });
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.handle(response, () => {
      const actor = this.actorOf(args);
      const frames = this.rt().stack(actor);
      const start = typeof args.startFrame === 'number' ? args.startFrame : 0;
      const levels = typeof args.levels === 'number' && args.levels > 0 ? args.levels : frames.length;
      response.body = {
        stackFrames: frames.slice(start, start + levels).map((f) => {
          const { line, column } = this.position(f.span);
          return new StackFrame((actor + 1) * FRAMES_PER_ACTOR + f.frame + 1, f.name, this.source(), line, column);
        }),
        totalFrames: frames.length,
      };
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.handle(response, () => {
      const actor = this.frameActor(args?.frameId);
      const scope = this.scopeOfFrame(args.frameId);
      const rt = this.rt();
      const make = (name: string, ref: ViewRef, expensive = false): Scope => new Scope(name, this.containers.create({ ref, ...(scope ? { scope } : {}) }), expensive);
      const scopes = [
        ...(scope ? [make('Locals', { kind: 'locals', actor, frame: scope.frame })] : []),
        make('Locks', { kind: 'locks' }),
        make('Shared', { kind: 'shared' }),
        make('Heap', { kind: 'heap' }),
        ...(rt.scenario.actors.some((a) => a.actorKind === 'vcpu') ? [make('vCPUs', { kind: 'vcpus' })] : []),
      ];
      response.body = { scopes };
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.handle(response, () => {
      const c = this.containers.get(Number(args?.variablesReference));
      if (!c) throw new DebugError(`unknown variables reference ${String(args?.variablesReference)}`);
      response.body = { variables: this.rt().children(c.ref).map((n) => this.variable(n, c)) };
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.handle(response, () => {
      const rt = this.rtUnchanged();
      const c = this.containers.get(Number(args?.variablesReference));
      if (!c) throw new DebugError(`unknown variables reference ${String(args?.variablesReference)}`);
      const node = rt.children(c.ref).find((n) => n.name === args.name);
      if (!node) throw new DebugError(`no variable named '${String(args.name)}' here`);
      if (!node.editable || !node.location) throw new DebugError(`${node.name} cannot be set: only integers, truth values and pointers can be (locks, lists and objects change through the primitives)`);
      rt.setValue(node.location, c.scope, String(args.value), node.name);
      const now = rt.children(c.ref).find((n) => n.name === args.name) ?? node;
      response.body = { value: now.value, ...(now.type ? { type: now.type } : {}) };
      this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.handle(response, () => {
      const rt = this.rt();
      if (typeof args?.expression !== 'string') throw new DebugError('evaluate needs an expression');
      const scope = args.frameId !== undefined ? this.scopeOfFrame(args.frameId) : this.defaultScope();
      const node = rt.evaluateNode(args.expression, scope);
      const ref = node.expand ? this.containers.create({ ref: node.expand, ...(scope ? { scope } : {}) }) : 0;
      response.body = { result: node.value, variablesReference: ref, ...(node.type ? { type: node.type } : {}) };
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    this.handle(response, () => {
      const actor = this.actorOf(args);
      const stop = this.rt().stop;
      const v = stop?.violation;
      if (!v || stop.actor !== actor) throw new DebugError(`thread ${actor + 1} is not stopped at a violation`);
      const related = v.related.map((r) => `  ${r.message} (line ${this.position(r.span).line})`).join('\n');
      response.body = {
        exceptionId: v.kind,
        description: v.message,
        breakMode: 'always',
        details: { message: v.report, typeName: v.kind, ...(related ? { stackTrace: related } : {}) },
      };
    });
  }

  /**
   * Lockstep's own requests: `lockstep.freeze` ({ threadId, frozen? }: freezes or thaws a
   * thread, toggling without `frozen`). Unknown commands get an error response naming them.
   */
  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    this.handle(response, () => {
      if (command !== FREEZE_REQUEST) throw new DebugError(`unknown request '${command}'`);
      const a = (args ?? {}) as { threadId?: unknown; frozen?: unknown };
      const actor = this.actorOf(a);
      const rt = this.rt();
      if (a.frozen !== undefined && typeof a.frozen !== 'boolean') throw new DebugError(`${FREEZE_REQUEST}: "frozen" must be true or false`);
      const frozen = typeof a.frozen === 'boolean' ? a.frozen : !rt.isFrozen(actor);
      rt.setFrozen(actor, frozen);
      const name = rt.scenario.actors[actor]!.name;
      response.body = { threadId: actor + 1, frozen, frozenThreads: rt.frozenActors().map((x) => x + 1) };
      this.sendEvent(new OutputEvent(`${name} ${frozen ? 'is frozen: continue leaves it where it is' : 'is thawed'}\n`, 'console'));
      this.sendEvent(new InvalidatedEvent(['threads']));
    });
  }
}
