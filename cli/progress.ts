// Progress on a terminal while a search runs longer than a second (states, states/s, depth),
// and Ctrl-C handling: the first interrupt stops the search and prints what was found so far,
// a second one quits at once.

import type { Progress } from '../core/explore';
import type { Io } from './common';
import { thousands } from '../core/format';

export class ProgressLine {
  private shown = false;

  constructor(private readonly io: Io, private readonly label: string, private readonly enabled: boolean) {}

  update(p: Progress): void {
    const tty = this.io.tty;
    if (!this.enabled || !tty || p.seconds < 1) return;
    const rate = Math.round(p.states / Math.max(p.seconds, 1e-3));
    const found = p.violations > 0 ? `, ${p.violations} violation${p.violations === 1 ? '' : 's'}` : '';
    tty.write(`\r${this.label}: ${thousands(p.states)} states (${thousands(rate)}/s), depth ${p.depth}, frontier ${thousands(p.frontier)}${found}, ${p.seconds.toFixed(0)} s\x1b[K`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.io.tty?.write('\r\x1b[K');
    this.shown = false;
  }
}

export interface Interrupt {
  /** True once Ctrl-C was pressed. */
  readonly cancelled: () => boolean;
  dispose(): void;
}

export function onInterrupt(io: Io): Interrupt {
  let count = 0;
  const handler = (): void => {
    count++;
    if (count === 1) io.err('\nlockstep: interrupted: stopping the search and printing what was found so far (Ctrl-C again to quit)');
    else process.exit(130);
  };
  process.on('SIGINT', handler);
  return {
    cancelled: () => count > 0,
    dispose: () => {
      process.off('SIGINT', handler);
    },
  };
}
