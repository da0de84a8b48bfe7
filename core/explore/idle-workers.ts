// Worker threads kept, idle, between jobs: a fresh worker costs its start (an isolate, the
// checker's modules) and then runs several times slower while V8 compiles the checker again.
// The background check's workers (worker.ts) and a parallel search's team (parallel.ts) are
// kept this way. An idle worker holds no process open and is stopped after a while.

import type { Worker } from 'node:worker_threads';

/** The listeners a job put on a worker (not all: Node's own keep its port working). */
export function forgetListeners(worker: Worker): void {
  for (const event of ['message', 'error', 'exit'] as const) worker.removeAllListeners(event);
}

export class IdleWorkers {
  private readonly list: { readonly worker: Worker; readonly timer: NodeJS.Timeout }[] = [];

  /** `idleMs`: how long a worker waits for another job before it is stopped; `max`: how many are kept. */
  constructor(private readonly idleMs: number, private readonly max = Infinity) {}

  get size(): number {
    return this.list.length;
  }

  /** The worker kept last, ready for a job (it keeps the process alive again), if any. */
  take(): Worker | undefined {
    const entry = this.list.pop();
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    forgetListeners(entry.worker);
    entry.worker.ref();
    return entry.worker;
  }

  /** Keeps a worker whose job is over, without its job's listeners; stopped when there are enough. */
  keep(worker: Worker): void {
    forgetListeners(worker);
    worker.unref();
    if (this.list.length >= this.max) {
      void worker.terminate();
      return;
    }
    const list = this.list;
    const forget = (): void => {
      const i = list.findIndex((e) => e.worker === worker);
      if (i >= 0) list.splice(i, 1);
    };
    const timer = setTimeout(() => {
      forget();
      void worker.terminate();
    }, this.idleMs);
    timer.unref();
    // A worker that dies while idle (out of memory after its job, say) leaves the pool.
    worker.once('exit', forget);
    worker.on('error', forget);
    list.push({ worker, timer });
  }
}
