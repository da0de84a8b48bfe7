// Builtins: Files and file descriptors: struct file with its reference count, the fd table
// (anon_inode_getfd, get_unused_fd_flags, fd_install, put_unused_fd, close), fget / fput /
// get_file, and the release deferred to the last fput.
//
// In the kernel the last fput() does not release the file: it queues __fput() on the task's
// task_works (task_work_add(TWA_RESUME)), which runs when the system call returns to user
// space; from a kernel thread or an interrupt it goes to delayed_fput's work item instead.
// The model keeps that deferral: a file whose count reaches 0 is linked into its actor's
// task_works, and `task_work_run` runs the queue (the file's ->release, then its free) when
// the actor is back in user space, which the compiler marks after every top-level statement
// of a thread, vcpu or init body (each stands for a system call) and at the end of a handler
// or work item's body. The two-argument anon_inode_getfd(priv, release) of earlier scenarios
// stays: its fd has no struct file and close() runs its release at once.

import { FD_BASE, FD_ENTRY_WORDS, FdState, MAX_FDS, TASK_WORK_WORDS } from '../compiled';
import type { Exec } from '../exec';
import type { Builtin } from './types';
import { fdEntry, openFds } from './common';
import { EBADF, EMFILE } from './constants';
import type { CompiledScenario } from '../compiled';

/** Offsets of the built-in struct file's fields and of file_operations' release. */
interface FileLayout {
  readonly struct: number;
  readonly fOp: number;
  readonly fInode: number;
  readonly privateData: number;
  readonly fCount: number;
  readonly fTaskWork: number;
  readonly release: number;
}

const layouts = new WeakMap<CompiledScenario, FileLayout>();

function fileLayout(x: Exec): FileLayout {
  let l = layouts.get(x.scenario);
  if (!l) {
    const file = x.scenario.structs.find((s) => s.name === 'file')!;
    const fops = x.scenario.structs.find((s) => s.name === 'file_operations')!;
    const off = (s: typeof file, name: string): number => s.fields.find((f) => f.name === name)!.offset;
    l = {
      struct: file.index, fOp: off(file, 'f_op'), fInode: off(file, 'f_inode'), privateData: off(file, 'private_data'),
      fCount: off(file, 'f_count'), fTaskWork: off(file, 'f_task_work'), release: off(fops, 'release'),
    };
    layouts.set(x.scenario, l);
  }
  return l;
}

/** The running actor's task_works word (the file last queued) and the file being released. */
function taskWorks(x: Exec): number {
  return x.scenario.layout.taskWorks + x.actor * TASK_WORK_WORDS;
}

/** A free fd slot, or -1: the lowest, from FD_BASE, as the kernel's fd table allocates. */
function freeSlot(x: Exec): number {
  for (let i = 0; i < MAX_FDS; i++) {
    if (x.read(x.scenario.layout.fdTable + i * FD_ENTRY_WORDS + 2, true) === FdState.Free) return i;
  }
  return -1;
}

function install(x: Exec, slot: number, file: number): number {
  const e = x.scenario.layout.fdTable + slot * FD_ENTRY_WORDS;
  x.write(e, file, true);
  x.write(e + 1, 0, true);
  x.write(e + 2, FdState.File, true);
  x.emit({ kind: 'fd', actor: x.actor, fd: FD_BASE + slot, open: true });
  return FD_BASE + slot;
}

/** alloc_file_pseudo for an anonymous inode: one reference, f_op and private_data set. */
function newFile(x: Exec, fops: number, priv: number): number {
  const l = fileLayout(x);
  const file = x.alloc(x.scenario.structs[l.struct]!);
  x.write(file + l.fOp, fops, true);
  x.write(file + l.privateData, priv, true);
  x.write(file + l.fCount, 1, true);
  return file;
}

/** Takes a reference: f_count + 1 (a freed file is KASAN's use-after-free). */
function getFile(x: Exec, file: number, what: string): number {
  const l = fileLayout(x);
  x.checkAccess(file + l.fCount, true, `${what}: file->f_count`);
  x.write(file + l.fCount, x.read(file + l.fCount, true) + 1, true);
  return file;
}

/**
 * fput: drops a reference; the last one queues the file on this actor's task_works. A file
 * already freed is KASAN's use-after-free on the count; one whose release is already queued
 * is a put too many, reported as use_after_free (the file is freed when the queue runs).
 */
function fput(x: Exec, file: number): void {
  const l = fileLayout(x);
  x.checkAccess(file + l.fCount, true, 'fput: file->f_count');
  const count = x.read(file + l.fCount, true);
  if (count <= 0) {
    x.report('use_after_free', `fput of ${x.describe(file)} by ${x.actorSym.name}: its last reference is already gone and its release queued`, [
      `WARNING: fput of a file with f_count ${count}: a reference put twice`,
      `  ${x.describe(file)}: the release (__fput) is already queued and frees the file`,
      `  fput at ${x.describe(file + l.fCount)} by task ${x.actorSym.name}/${x.actor + 1}`,
    ].join('\n'));
    return;
  }
  x.write(file + l.fCount, count - 1, true);
  if (count !== 1) return;
  // task_work_add(current, &file->f_task_work, TWA_RESUME): pushed on the task's list.
  const head = taskWorks(x);
  x.write(file + l.fTaskWork, x.read(head, true), true);
  x.write(head, file, true);
}

function closeFile(x: Exec, fd: number): number {
  if (fd < FD_BASE || fd >= FD_BASE + MAX_FDS) return -EBADF;
  const e = fdEntry(x, fd);
  const state = x.read(e + 2, true);
  if (state === FdState.Free || state === FdState.Reserved) return -EBADF;
  const obj = x.read(e, true);
  const release = x.read(e + 1, true) - 1;
  x.write(e, 0, true);
  x.write(e + 1, 0, true);
  x.write(e + 2, FdState.Free, true);
  x.emit({ kind: 'fd', actor: x.actor, fd, open: false });
  if (state === FdState.File) {
    // filp_close(): the fd table's reference goes, through fput.
    fput(x, obj);
    return 0;
  }
  // anon_inode_getfd(priv, release): the table held the only reference; release runs now.
  if (release >= 0) x.callAfter(release, [obj]);
  return 0;
}

/**
 * Whether a task could be back in user space now: no lock held, no RCU section, nothing
 * disabled. Other actors (handlers, work items) run the queue at the end of their body.
 */
function inUserContext(x: Exec): boolean {
  const k = x.actorSym.actorKind;
  if (x.actorSym.callback || (k !== 'thread' && k !== 'vcpu' && k !== 'init')) return true;
  return x.held().length === 0 && x.rcuDepth() === 0 && !x.irqsOff() && !x.bhOff() && x.preemptOff() === 0;
}

/**
 * The model's two-argument anon_inode_getfd(priv, release), kept for earlier scenarios: the
 * binder uses it for a two-argument call (it is not in the registry under a name of its own).
 */
export const ANON_INODE_GETFD_SHORT: Builtin = {
  name: 'anon_inode_getfd', family: 'files', params: [{ name: 'priv', kind: 'ptr' }, { name: 'release', kind: 'fn' }], returns: 'int',
  kernel: 'Creates an anonymous-inode file for priv and installs it in the fd table: from this moment any thread of the process can use the fd, even guess it and close() it.',
  model: 'The model\'s two-argument form: one step. Installs the lowest free fd (from 3) referring to priv with release as its release callback, and returns it. The fd has no struct file: close() runs release(priv) at once on the closing actor.',
  run(x, [obj, release]) {
    const slot = freeSlot(x);
    if (slot < 0) return -EMFILE;
    const e = x.scenario.layout.fdTable + slot * FD_ENTRY_WORDS;
    x.write(e, obj!, true);
    x.write(e + 1, release!, true); // a function value: fn index + 1, so 0 is none
    x.write(e + 2, FdState.Legacy, true);
    x.emit({ kind: 'fd', actor: x.actor, fd: FD_BASE + slot, open: true });
    return FD_BASE + slot;
  },
};

export const FILES: readonly Builtin[] = [
  {
    name: 'anon_inode_getfd', family: 'files',
    params: [{ name: 'name', kind: 'string' }, { name: 'fops', kind: 'fops' }, { name: 'priv', kind: 'value' }, { name: 'flags', kind: 'int' }],
    returns: 'int',
    kernel: 'Creates an anonymous-inode file (one reference, ->f_op = fops, ->private_data = priv) and installs it in the fd table: from this moment any thread of the process can use the fd, fget() it, even guess it and close() it.',
    model: 'One step. Allocates a struct file (f_count 1), installs it at the lowest free fd (from 3) and returns the fd, or -EMFILE when all 8 are taken. The model\'s two-argument form anon_inode_getfd(priv, release) also stays: its fd has no struct file, and close() runs release(priv) at once.',
    run(x, [, fops, priv]) {
      const slot = freeSlot(x);
      if (slot < 0) return -EMFILE;
      return install(x, slot, newFile(x, fops!, priv!));
    },
  },
  {
    name: 'anon_inode_getfile', family: 'files',
    params: [{ name: 'name', kind: 'string' }, { name: 'fops', kind: 'fops' }, { name: 'priv', kind: 'value' }, { name: 'flags', kind: 'int' }],
    returns: 'file',
    kernel: 'Creates an anonymous-inode file (one reference, ->f_op = fops, ->private_data = priv) without an fd: the caller fd_install()s it or fput()s it on an error path.',
    model: 'One step. Allocates a struct file with f_count 1, f_op and private_data set, f_inode NULL (anonymous inodes share one inode the model does not represent). It never fails.',
    run(x, [, fops, priv]) {
      return newFile(x, fops!, priv!);
    },
  },
  {
    name: 'get_unused_fd_flags', family: 'files', params: [{ name: 'flags', kind: 'int' }], returns: 'int',
    kernel: 'Reserves the lowest free fd. It is not visible to other threads (close() and fget() do not see it) until fd_install().',
    model: 'One step. Reserves the lowest free fd (from 3) and returns it, or -EMFILE.',
    run(x) {
      const slot = freeSlot(x);
      if (slot < 0) return -EMFILE;
      x.write(x.scenario.layout.fdTable + slot * FD_ENTRY_WORDS + 2, FdState.Reserved, true);
      return FD_BASE + slot;
    },
  },
  {
    name: 'fd_install', family: 'files', params: [{ name: 'fd', kind: 'int' }, { name: 'file', kind: 'file' }], returns: 'void',
    kernel: 'Publishes file at a reserved fd. The fd table takes over the caller\'s reference: after this the caller must not touch the file, since another thread may close() it at once.',
    model: 'One step. Installs file at fd, which get_unused_fd_flags must have reserved (otherwise the kernel\'s BUG_ON, kind assertion). The file\'s reference passes to the fd table.',
    run(x, [fd, file]) {
      const e = fd! >= FD_BASE && fd! < FD_BASE + MAX_FDS ? fdEntry(x, fd!) : -1;
      if (e < 0 || x.read(e + 2, true) !== FdState.Reserved) {
        x.fail('assertion', `fd_install(${fd}) of an fd that get_unused_fd_flags did not reserve`, `kernel BUG at fs/file.c: fd_install: BUG_ON(fdt->fd[${fd}] != NULL)\n  by task ${x.actorSym.name}/${x.actor + 1}`);
      }
      x.checkAccess(file!, false, 'fd_install: file');
      install(x, fd! - FD_BASE, file!);
      return 0;
    },
  },
  {
    name: 'put_unused_fd', family: 'files', params: [{ name: 'fd', kind: 'int' }], returns: 'void',
    kernel: 'Gives back an fd that get_unused_fd_flags reserved and that was never installed (an error path).',
    model: 'One step. Frees the reserved fd; an fd that is not reserved is left alone.',
    run(x, [fd]) {
      if (fd! < FD_BASE || fd! >= FD_BASE + MAX_FDS) return 0;
      const e = fdEntry(x, fd!);
      if (x.read(e + 2, true) === FdState.Reserved) x.write(e + 2, FdState.Free, true);
      return 0;
    },
  },
  {
    name: 'fget', family: 'files', params: [{ name: 'fd', kind: 'int' }], returns: 'file',
    kernel: 'Looks fd up in the current task\'s fd table and takes a reference to its file (f_count + 1); NULL when the fd is not open. The file stays valid until the matching fput(), even if another thread closes the fd meanwhile.',
    model: 'One step. Returns the struct file installed at fd with f_count incremented, or NULL when the fd is free, only reserved, or an fd of the two-argument anon_inode_getfd (which has no struct file).',
    run(x, [fd]) {
      if (fd! < FD_BASE || fd! >= FD_BASE + MAX_FDS) return 0;
      const e = fdEntry(x, fd!);
      if (x.read(e + 2, true) !== FdState.File) return 0;
      // get_file_rcu(): the table's reference keeps the count above 0.
      return getFile(x, x.read(e, true), 'fget');
    },
  },
  {
    name: 'get_file', family: 'files', params: [{ name: 'file', kind: 'file' }], returns: 'file',
    kernel: 'Takes another reference to a file the caller already holds one to, and returns it.',
    model: 'One step. Increments file->f_count (a freed file is KASAN\'s use-after-free) and returns file.',
    run(x, [file]) {
      return getFile(x, file!, 'get_file');
    },
  },
  {
    name: 'fput', family: 'files', params: [{ name: 'file', kind: 'file' }], returns: 'void',
    kernel: 'Drops a reference to a file. The last one does not release the file at once: __fput() is queued with task_work_add() and runs when the task returns to user space (from a kernel thread or an interrupt, on delayed_fput\'s work item); it calls file->f_op->release(inode, file) and frees the file.',
    model: 'One step. Decrements file->f_count; at 0 the file is queued on this actor\'s task_works, and task_work_run releases it when the actor is back in user space: after the top-level statement of its thread, vcpu or init body that called fput (each stands for a system call), with no lock held; or at the end of an irq handler, timer callback or work item. A put of a freed file is KASAN\'s use-after-free; a put after the last one is use_after_free too.',
    run(x, [file]) {
      fput(x, file!);
      return 0;
    },
  },
  {
    name: 'task_work_run', family: 'files', params: [], returns: 'void',
    kernel: 'Runs the work queued on the current task by task_work_add() (the last fput\'s __fput among it), on the way back to user space (exit_to_user_mode).',
    model: 'The model places it itself after each top-level statement of a thread, vcpu or init body and at the end of other actors\' bodies, in scenarios with the built-in struct file; a scenario need not call it. When this actor is in user context (no lock held, no RCU read section, interrupts, bottom halves and preemption on), it takes the last queued file, calls file->f_op->release(file->f_inode, file) when the table has one (its steps follow), and in its next step frees the file; then the next queued file. Otherwise it does nothing.',
    run(x) {
      const head = taskWorks(x);
      const l = fileLayout(x);
      const releasing = x.read(head + 1, true);
      if (releasing !== 0) {
        // __fput(): the release has returned; file_free().
        x.write(head + 1, 0, true);
        if (x.objectOf(releasing) === releasing) x.free(releasing);
      }
      const file = x.read(head, true);
      if (file === 0 || !inUserContext(x)) return 0;
      x.write(head, x.read(file + l.fTaskWork, true), true);
      x.write(file + l.fTaskWork, 0, true);
      x.write(head + 1, file, true);
      const fops = x.read(file + l.fOp, true);
      if (fops !== 0) {
        x.checkAccess(fops + l.release, false, '__fput: file->f_op->release');
        const release = x.read(fops + l.release, true);
        if (release !== 0) x.callAfter(release - 1, [x.read(file + l.fInode, true), file]);
      }
      // This statement runs again once the release returns: the file is freed then.
      x.stay();
      return 0;
    },
  },
  {
    name: 'close', family: 'files', params: [{ name: 'fd', kind: 'fd' }], returns: 'int',
    kernel: 'Closes an fd: the fd table\'s reference to the file is dropped with fput(). If that was the last reference, the file is released on the way back to user space.',
    model: 'One step. close(fd) of an open fd removes it and puts the fd table\'s reference (fput: the release follows when this actor is back in user space); of an fd that is not open it returns -EBADF. An fd of the two-argument anon_inode_getfd(priv, release) runs release(priv) right after the close, on this actor. close(any) guesses: the scheduler explores every fd open at that moment, and a wrong guess (-EBADF).',
    choices(x, [fd]) {
      return fd === -1 ? openFds(x).length + 1 : 1;
    },
    run(x, [fd]) {
      if (fd === -1) {
        const open = openFds(x);
        const guess = x.choice === 0 ? -1 : open[x.choice - 1];
        return guess === undefined ? -EBADF : closeFile(x, guess);
      }
      return closeFile(x, fd!);
    },
  },
];
