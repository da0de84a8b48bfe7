// Builtins: File descriptors: anon_inode_getfd, close.

import { FD_BASE, FD_ENTRY_WORDS, MAX_FDS } from '../compiled';
import type { Builtin } from './types';
import { openFds, closeFd } from './common';
import { EBADF, EMFILE } from './constants';

export const FILES: readonly Builtin[] = [
  {
    name: 'anon_inode_getfd', family: 'files', params: [{ name: 'priv', kind: 'ptr' }, { name: 'release', kind: 'fn' }], returns: 'int',
    kernel: 'Creates an anonymous-inode file for priv and installs it in the fd table: from this moment any thread of the process can use the fd, even guess it and close() it.',
    model: 'One step. Installs the lowest free fd (from 3) referring to priv with release as its release callback, and returns it. Another actor may close it right away with close(any).',
    run(x, [obj, release]) {
      for (let i = 0; i < MAX_FDS; i++) {
        const e = x.scenario.layout.fdTable + i * FD_ENTRY_WORDS;
        if (x.read(e + 2, true) === 0) {
          x.write(e, obj!, true);
          x.write(e + 1, release!, true); // a function value: fn index + 1, so 0 is none
          x.write(e + 2, 1, true);
          x.emit({ kind: 'fd', actor: x.actor, fd: FD_BASE + i, open: true });
          return FD_BASE + i;
        }
      }
      return -EMFILE;
    },
  },
  {
    name: 'close', family: 'files', params: [{ name: 'fd', kind: 'fd' }], returns: 'int',
    kernel: 'Closes an fd. When the last reference to the file goes, its release callback runs (in this task).',
    model: 'One step. close(fd) of an open fd removes it and then runs the release callback on this actor (its steps follow); of an fd that is not open it returns -EBADF. close(any) guesses: the scheduler explores every fd open at that moment, and a wrong guess (-EBADF).',
    choices(x, [fd]) {
      return fd === -1 ? openFds(x).length + 1 : 1;
    },
    run(x, [fd]) {
      if (fd === -1) {
        const open = openFds(x);
        const guess = x.choice === 0 ? -1 : open[x.choice - 1];
        return guess === undefined ? -EBADF : closeFd(x, guess);
      }
      return closeFd(x, fd!);
    },
  },
];
