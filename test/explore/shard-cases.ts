// Scenarios for the sharded search's tests (core and CLI).

/** Two sides of an AB-BA order in two branches of a choice that the 2-way split separates. */
export const ACROSS_SHARDS = `scenario "lock order across shards"
mutex a; mutex b; int x; int y;
thread t {
  choose { x = 1; } or { x = 2; }
  choose { y = 1; } or { y = 2; }
  choose { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
  or { mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }
}
`;

/**
 * A spinlock taken in an irq handler when `pick` chooses mode 1, and with interrupts on by
 * `t` when it chooses mode 2: the 2-way split separates the modes.
 */
export const IRQ_ACROSS_SHARDS = `scenario "irq-unsafe lock across shards"
spinlock l; int x; int y; int mode;
thread pick on cpu1 {
  choose { x = 1; } or { x = 2; }
  choose { y = 1; } or { y = 2; }
  choose { mode = 1; } or { mode = 2; }
}
thread t on cpu0 { await(mode != 0); if (mode == 2) { spin_lock(&l); spin_unlock(&l); } }
irq timer on cpu0 { if (mode == 1) { spin_lock(&l); spin_unlock(&l); } }
`;
