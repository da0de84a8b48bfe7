// struct file with its reference count: anon_inode_getfd / anon_inode_getfile with the
// kernel's signatures, fget / get_file / fput, get_unused_fd_flags / fd_install /
// put_unused_fd, close, and the release deferred to the return to user space after the last
// fput. Each construct works, the detector fires on a minimal buggy scenario and is silent
// on its fixed twin, reduced and unreduced searches agree (every step checked against its
// static footprint), and misuse is a file:line:col error with a suggestion.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { footprintCheckedKinds as agreedKinds } from '../helpers/scenario';
import { lockstep, tempFiles } from '../helpers/cli';

// A device file as KVM makes one: the ops table's release frees the device.
const DEVICE = `struct kvm_device { int x; };
int released;

static int kvm_device_release(struct inode *inode, struct file *filp)
{
    struct kvm_device *dev = filp->private_data;

    released = released + 1;
    kfree(dev);
    return 0;
}

static const struct file_operations kvm_device_fops = {
    .release = kvm_device_release,
};

int fd;
init {
    struct kvm_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);
    fd = anon_inode_getfd("kvm-dev", &kvm_device_fops, dev, O_RDWR | O_CLOEXEC);
}
`;

test('fget takes a reference to the installed file; close and fput drop theirs; release runs once', () => {
  assert.deepEqual(agreedKinds(`${DEVICE}
thread t {
    struct file *f = fget(fd);
    assert(f != NULL && f->f_op == &kvm_device_fops && atomic_read(&f->f_count) == 2);
    struct kvm_device *dev = f->private_data;
    dev->x = 1;
    assert(close(fd) == 0 && fget(fd) == NULL && close(fd) == -EBADF);
    assert(released == 0);               // the fget reference keeps the file
    fput(f);
    assert(released == 1);               // back in user space after that fput
}
`), []);
});

test('the last fput queues the release: it runs when the syscall returns, not inside it', () => {
  const syscall = (checkInside: string): string => `${DEVICE}
static long kvm_device_ioctl(int ufd)
{
    struct file *f = fget(ufd);

    if (!f)
        return -EBADF;
    close(ufd);
    fput(f);                             // the last reference
    ${checkInside}
    return 0;
}
mutex m;
thread t {
    kvm_device_ioctl(fd);
    assert(released == 1);
    mutex_lock(&m);
    struct file *g = anon_inode_getfile("x", &kvm_device_fops, kzalloc(sizeof(struct kvm_device), GFP_KERNEL), O_RDWR);
    fput(g);
    assert(released == 1);               // a lock held: not back in user space yet
    mutex_unlock(&m);
    assert(released == 2);
}
`;
  assert.deepEqual(agreedKinds(syscall('assert(released == 0);')), []);
  assert.deepEqual(agreedKinds(syscall('assert(released == 1);')), ['assertion']);
});

test('a reserved fd is invisible until fd_install; put_unused_fd gives it back on an error path', () => {
  assert.deepEqual(agreedKinds(`${DEVICE}
config FAULT_INJECTION;
int newfd;
static int create(void)
{
    struct kvm_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);
    struct file *file;
    int ret;

    ret = get_unused_fd_flags(O_CLOEXEC);
    if (ret < 0)
        goto out_free;
    file = anon_inode_getfile("kvm-dev", &kvm_device_fops, dev, O_RDWR);
    if (copy_from_user(0, 0, 8)) {
        ret = -EFAULT;
        goto out_put_file;
    }
    newfd = ret;
    fd_install(ret, file);
    return ret;

out_put_file:
    put_unused_fd(ret);
    fput(file);                          // releases (and frees) dev
    return ret;
out_free:
    kfree(dev);
    return ret;
}
thread creator { create(); }
thread guesser { close(any); }
final {
    assert(newfd != 0 || released >= 1);   // the error path released its file
}
`), []);
});

// An ioctl that looks the device up through its fd and drops the reference too early.
const IOCTL = (early: boolean): string => `${DEVICE}
static long kvm_device_ioctl(int ufd)
{
    struct file *f = fget(ufd);
    struct kvm_device *dev;

    if (!f)
        return -EBADF;
    dev = f->private_data;
    ${early ? 'fput(f);\n    dev->x = 1;' : 'dev->x = 1;\n    fput(f);'}
    return 0;
}
thread ioctl { kvm_device_ioctl(fd); }
thread closer { close(fd); }
`;

test('a use of the object after the last fput is KASAN use-after-free; holding the reference is silent', () => {
  assert.deepEqual(agreedKinds(IOCTL(true)), ['use_after_free']);
  assert.deepEqual(agreedKinds(IOCTL(false)), []);
});

test('a use of the file itself after its last fput, and an fput too many, are use-after-free', () => {
  assert.deepEqual(agreedKinds(`${DEVICE}
static void put_twice(int ufd) { struct file *f = fget(ufd); fput(f); fput(f); }
thread t { put_twice(fd); close(fd); }
`), ['use_after_free']);
  assert.deepEqual(agreedKinds(`${DEVICE}
struct file *stale;
thread t { stale = fget(fd); fput(stale); close(fd); }
thread u { struct file *f = stale; if (f) { struct kvm_device *d = f->private_data; } }
`), ['use_after_free']);
  assert.deepEqual(agreedKinds(`${DEVICE}
thread t { struct file *f = fget(fd); fput(f); close(fd); }
`), []);
});

test('the two-argument anon_inode_getfd stays: close() runs its release at once', () => {
  assert.deepEqual(agreedKinds(`struct stt { int x; };
int released;
static void release(struct stt *p) { released = 1; kfree(p); }
static void closer(int fd) { close(fd); assert(released == 1); }
thread t { closer(anon_inode_getfd(kzalloc(sizeof(struct stt), GFP_KERNEL), release)); }
`), []);
});

test('misuse of the file primitives is a file:line:col error with a suggestion, from the CLI', () => {
  const dir = tempFiles({ 'bad.lockstep': `struct kvm_device { int x; };
struct file { int f_count; };
static int rel(struct inode *inode, struct file *filp) { return 0; }
static void old_release(struct kvm_device *dev) { }
static const struct file_operations fops = { .release = rel };
struct kvm_device *dev;
thread t {
    int fd = anon_inode_getfd("kvm", dev, dev, O_RDWR);
    anon_inode_getfd("kvm", &fops, dev);
    fput(dev);
    fput(fd);
    anon_inode_getfd(dev, old_release);
    struct file *f = fget(fd);
}
` });
  const r = lockstep(['check', 'bad.lockstep'], { cwd: dir });
  assert.equal(r.code, 2);
  const lines = (r.stderr + r.stdout).trim().split('\n').filter((l) => l.includes('error:'));
  assert.deepEqual(lines, [
    "bad.lockstep:2:15: error: struct file has a built-in field 'f_count' of type atomic_t; redeclare it with that type or leave it out",
    "bad.lockstep:8:38: error: anon_inode_getfd's fops is a const struct file_operations *, but dev is a struct kvm_device * (e.g. &fops)",
    'bad.lockstep:9:21: error: anon_inode_getfd takes 4 arguments (name, &fops, priv, flags), or the model\'s 2 (priv, release), but 3 were given',
    "bad.lockstep:10:10: error: fput expects a struct file *, but dev is a struct kvm_device * (a file's object is its ->private_data; the file is what fget(fd) or anon_inode_getfile returned)",
    'bad.lockstep:11:10: error: fput expects a struct file *, but fd is an int (an fd is a number: fget(fd) gives its struct file *)',
    'bad.lockstep:12:5: error: this fd has no struct file for fget to return: with fget in the scenario, make it as the kernel does: anon_inode_getfd("name", &fops, priv, O_RDWR) with a static const struct file_operations whose .release takes (struct inode *, struct file *)',
  ]);
});
