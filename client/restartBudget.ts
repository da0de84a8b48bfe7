// How often a crashed language server is restarted: at most `max` restarts within a sliding
// window, after which it stays down until the user restarts it. Plain logic, tested in Node.

export class RestartBudget {
  private readonly restarts: number[] = [];

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash; true when the server may be restarted once more. */
  allowRestart(): boolean {
    const t = this.now();
    while (this.restarts.length > 0 && t - this.restarts[0]! > this.windowMs) this.restarts.shift();
    if (this.restarts.length >= this.max) return false;
    this.restarts.push(t);
    return true;
  }

  /** A restart by hand starts with a full budget. */
  reset(): void {
    this.restarts.length = 0;
  }
}
