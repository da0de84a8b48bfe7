// Builtins: Doubly linked lists, as CONFIG_DEBUG_LIST checks them.

import { LIST_POISON1, LIST_POISON2 } from '../compiled';
import type { Builtin } from './types';
import { listAdd, listDel, alias } from './common';

const LISTS_BASE: readonly Builtin[] = [
  {
    name: 'INIT_LIST_HEAD', family: 'lists', params: [{ name: 'list', kind: 'list_head' }], returns: 'void',
    kernel: 'Initialises a list head (or entry) to point to itself: an empty list.',
    model: 'Sets next and prev to the list_head itself.',
    run(x, [h]) {
      x.checkAccess(h!, true, 'INIT_LIST_HEAD');
      x.write(h!, h!);
      x.write(h! + 1, h!);
      return 0;
    },
  },
  {
    name: 'list_add', family: 'lists', params: [{ name: 'new', kind: 'list_head' }, { name: 'head', kind: 'list_head' }], returns: 'void',
    kernel: 'Inserts new right after head (a stack). With CONFIG_DEBUG_LIST it checks the neighbours first.',
    model: 'One step. Checks as CONFIG_DEBUG_LIST does (next->prev == prev, prev->next == next, no double add) and reports list_corruption otherwise; touching a freed neighbour is use_after_free.',
    run(x, [e, h]) {
      x.checkAccess(h!, false, 'list_add: head->next');
      listAdd(x, e!, h!, x.read(h!));
      return 0;
    },
  },
  {
    name: 'list_add_tail', family: 'lists', params: [{ name: 'new', kind: 'list_head' }, { name: 'head', kind: 'list_head' }], returns: 'void',
    kernel: 'Inserts new right before head (a queue). Checked like list_add.',
    model: 'One step, checked as list_add.',
    run(x, [e, h]) {
      x.checkAccess(h! + 1, false, 'list_add_tail: head->prev');
      listAdd(x, e!, x.read(h! + 1), h!);
      return 0;
    },
  },
  {
    name: 'list_del', family: 'lists', params: [{ name: 'entry', kind: 'list_head' }], returns: 'void',
    kernel: 'Unlinks entry from its list and poisons its pointers (LIST_POISON1/2). With CONFIG_DEBUG_LIST it checks the entry is really linked.',
    model: 'One step. Reports list_corruption as CONFIG_DEBUG_LIST does: next or prev NULL (never added), LIST_POISON (deleted twice), or neighbours that do not point back.',
    run(x, [e]) {
      listDel(x, e!);
      x.write(e!, LIST_POISON1);
      x.write(e! + 1, LIST_POISON2);
      return 0;
    },
  },
  {
    name: 'list_del_rcu', family: 'lists', params: [{ name: 'entry', kind: 'list_head' }], returns: 'void',
    kernel: 'Unlinks entry for RCU readers (prev is poisoned, next is kept for readers still walking).',
    model: 'As list_del, but next is left intact.',
    run(x, [e]) {
      listDel(x, e!);
      x.write(e! + 1, LIST_POISON2);
      return 0;
    },
  },
  {
    name: 'list_del_init', family: 'lists', params: [{ name: 'entry', kind: 'list_head' }], returns: 'void',
    kernel: 'Unlinks entry and reinitialises it as an empty list.',
    model: 'As list_del, then INIT_LIST_HEAD(entry).',
    run(x, [e]) {
      listDel(x, e!);
      x.write(e!, e!);
      x.write(e! + 1, e!);
      return 0;
    },
  },
  {
    name: 'list_empty', family: 'lists', params: [{ name: 'head', kind: 'list_head' }], returns: 'bool',
    kernel: 'Tests whether a list is empty.',
    model: 'True when head->next is head.',
    run(x, [h]) {
      x.checkAccess(h!, false, 'list_empty');
      return x.read(h!) === h ? 1 : 0;
    },
  },
];

export const LISTS: readonly Builtin[] = [
  ...LISTS_BASE,
  alias(LISTS_BASE, 'list_add_rcu', 'list_add', 'Inserts new after head so that concurrent RCU readers see it whole (with a write barrier).'),
  alias(LISTS_BASE, 'list_add_tail_rcu', 'list_add_tail', 'Inserts new before head, RCU-safe.'),
];
