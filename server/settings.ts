// The server's settings (`lockstep.*` in the client's configuration), read defensively: any
// missing or ill-typed value falls back to its default.

export interface Settings {
  /** Quiet time after the last change before diagnostics are computed. */
  readonly diagnosticsDelayMs: number;
  readonly check: {
    /** Run the checker in the background when a scenario is saved. */
    readonly onSave: boolean;
    readonly maxStates: number;
    readonly maxSeconds: number;
    /** Heap limit of the checker's worker. */
    readonly maxMemoryMB: number;
    /** 0: no depth bound. */
    readonly maxDepth: number;
    /** Shorten counterexamples to the steps the violation depends on. */
    readonly shortenTraces: boolean;
  };
  readonly inlayHints: { readonly heldLocks: boolean };
}

export const DEFAULT_SETTINGS: Settings = {
  diagnosticsDelayMs: 150,
  check: { onSave: true, maxStates: 1_000_000, maxSeconds: 30, maxMemoryMB: 2048, maxDepth: 0, shortenTraces: true },
  inlayHints: { heldLocks: true },
};

function num(v: unknown, fallback: number, min: number, max: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(min, Math.min(max, v)) : fallback;
}

function bool(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

/** Settings from `{ lockstep: {...} }` or the `lockstep` section itself. */
export function readSettings(raw: unknown, base: Settings = DEFAULT_SETTINGS): Settings {
  const r = obj(raw);
  const s = 'lockstep' in r ? obj(r.lockstep) : r;
  const check = obj(s.check);
  const hints = obj(s.inlayHints);
  return {
    diagnosticsDelayMs: num(s.diagnosticsDelayMs, base.diagnosticsDelayMs, 0, 10_000),
    check: {
      onSave: bool(check.onSave, base.check.onSave),
      maxStates: num(check.maxStates, base.check.maxStates, 1, 1e9),
      maxSeconds: num(check.maxSeconds, base.check.maxSeconds, 0.1, 3600),
      maxMemoryMB: num(check.maxMemoryMB, base.check.maxMemoryMB, 64, 65_536),
      maxDepth: Math.trunc(num(check.maxDepth, base.check.maxDepth, 0, 1e9)),
      shortenTraces: bool(check.shortenTraces, base.check.shortenTraces),
    },
    inlayHints: { heldLocks: bool(hints.heldLocks, base.inlayHints.heldLocks) },
  };
}
