// container_of as the kernel writes it: from any member, and in the callbacks that get a
// member (a kref's release, an RCU callback): `void release(struct kref *kref)` receives the
// kref, `void release(struct T *obj)` (the short form) the object. Both free the right
// object; a wrong member type is an error with the fields that fit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileOk } from '../helpers/scenario';
import { loadScenario } from '../../core';
import { check } from '../../core/explore';

/** The violation kinds the checker finds, with partial-order reduction or without. */
function kinds(text: string, reduction = true): string[] {
  return [...new Set(check(compileOk(text), { reduction }).violations.map((v) => v.violation.kind))].sort();
}

function errors(text: string): string[] {
  return loadScenario('t.lockstep', text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
}

// The kref is not the object's first field, so a release that freed the kref's address
// instead of the object's would be an invalid free, and one that read the wrong word would
// miss the use-after-free.
const krefObj = `struct vfio_device { int id; int open_count; struct kref kref; };
struct vfio_device *dev;
init { dev = kzalloc(struct vfio_device); kref_init(&dev->kref); }
`;

const kernelRelease = `static void vfio_device_release(struct kref *kref)
{
	struct vfio_device *device = container_of(kref, struct vfio_device, kref);

	kfree(device);
}
`;

test('a release taking struct kref * gets the kref: container_of finds the object and kfree frees it', () => {
  for (const reduce of [true, false]) {
    // Two puts of the one reference: the second is refcount_t's underflow on freed memory.
    assert.deepEqual(kinds(`${krefObj}${kernelRelease}
thread a { kref_put(&dev->kref, vfio_device_release); }
thread b { kref_put(&dev->kref, vfio_device_release); }`, reduce), ['use_after_free'], `reduce=${reduce}`);
    // One reference, one put: freed once, no invalid free, no leak.
    assert.deepEqual(kinds(`${krefObj}${kernelRelease}
thread a { dev->open_count = 1; kref_put(&dev->kref, vfio_device_release); }`, reduce), [], `reduce=${reduce}`);
  }
});

test('a get racing the last put is a use-after-free with either form of release', () => {
  const race = (release: string): string => `${krefObj}${release}
thread user { kref_get(&dev->kref); dev->open_count = 1; }
thread last { kref_put(&dev->kref, vfio_device_release); }`;
  assert.deepEqual(kinds(race(kernelRelease)), ['use_after_free']);
  assert.deepEqual(kinds(race('fn vfio_device_release(struct vfio_device *device) { kfree(device); }')), ['use_after_free']);
});

test('kref_put_mutex calls a kernel-form release with the mutex held', () => {
  assert.deepEqual(kinds(`struct vfio_group { struct mutex device_lock; };
struct vfio_device { int id; struct kref kref; };
struct vfio_group group;
struct vfio_device *dev;
int released;
init { dev = kzalloc(struct vfio_device); kref_init(&dev->kref); }
static void vfio_device_release(struct kref *kref)
{
	struct vfio_device *device = container_of(kref, struct vfio_device, kref);

	lockdep_assert_held(&group.device_lock);
	released = 1;
	mutex_unlock(&group.device_lock);
	kfree(device);
}
thread a { kref_put_mutex(&dev->kref, vfio_device_release, &group.device_lock); }
final { assert(released == 1); }`), []);
});

test('an RCU callback taking struct rcu_head * gets the head: container_of finds the object after the grace period', () => {
  const text = (free: string): string => `struct obj { int v; struct rcu_head rcu; };
struct obj *gp;
static void obj_free_rcu(struct rcu_head *head)
{
	struct obj *o = container_of(head, struct obj, rcu);

	kfree(o);
}
thread reader { rcu_read_lock(); struct obj *o = rcu_dereference(gp); if (o != NULL) { int v = o->v; } rcu_read_unlock(); }
thread updater { struct obj *o = rcu_dereference_protected(gp, true); RCU_INIT_POINTER(gp, NULL); ${free} }
init { struct obj *o = kzalloc(struct obj); rcu_assign_pointer(gp, o); }`;
  for (const reduce of [true, false]) {
    assert.deepEqual(kinds(text('call_rcu(&o->rcu, obj_free_rcu);'), reduce), [], `reduce=${reduce}`);
    // Called at once instead of after a grace period: the reader may still be inside.
    assert.deepEqual(kinds(text('obj_free_rcu(&o->rcu);'), reduce), ['use_after_free'], `reduce=${reduce}`);
  }
});

test('container_of from a list_head member (list_entry) gives the entry', () => {
  assert.deepEqual(kinds(`struct item { int v; struct list_head node; };
LIST_HEAD(items);
thread t {
	struct item *it = kzalloc(struct item);
	it->v = 7;
	list_add(&it->node, &items);
	struct list_head *first = items.next;
	struct item *e = container_of(first, struct item, node);
	assert(e->v == 7);
	list_del(&e->node);
	kfree(e);
}`), []);
});

test('a member of another type than the pointer is an error naming the members that fit', () => {
  const [e] = errors(`struct obj { int id; struct kref ref; struct rcu_head rcu; };
static void release(struct kref *kref)
{
	struct obj *o = container_of(kref, struct obj, rcu);

	kfree(o);
}`);
  assert.match(e ?? '', /the pointer is a kref \*, but obj\.rcu is a struct rcu_head \(did you mean ref\?\)/);
});
