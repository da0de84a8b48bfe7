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
