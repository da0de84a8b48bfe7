// Builtins: Doubly linked lists, as CONFIG_DEBUG_LIST checks them.

import { LIST_POISON1, LIST_POISON2 } from '../compiled';
import type { Builtin } from './types';
import { listAddStep, listDelStep, alias } from './common';

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
    model: 'Four steps, as __list_add stores: read head->next and check as CONFIG_DEBUG_LIST does (next->prev == prev, prev->next == next, no double add; list_corruption otherwise, and the add is skipped), then next->prev = new, then new->next and new->prev, then prev->next = new. Unserialised writers interleave between them and tear the list. Touching a freed neighbour is use_after_free.',
    run(x, [e, h]) {
      listAddStep(x, e!, () => {
        x.checkAccess(h!, false, 'list_add: head->next');
        return [h!, x.read(h!)];
      });
      return 0;
    },
  },
  {
    name: 'list_add_tail', family: 'lists', params: [{ name: 'new', kind: 'list_head' }, { name: 'head', kind: 'list_head' }], returns: 'void',
    kernel: 'Inserts new right before head (a queue). Checked like list_add.',
    model: 'Four steps, as list_add, with prev = head->prev and next = head.',
    run(x, [e, h]) {
      listAddStep(x, e!, () => {
        x.checkAccess(h! + 1, false, 'list_add_tail: head->prev');
        return [x.read(h! + 1), h!];
      });
      return 0;
    },
  },
  {
    name: 'list_del', family: 'lists', params: [{ name: 'entry', kind: 'list_head' }], returns: 'void',
    kernel: 'Unlinks entry from its list and poisons its pointers (LIST_POISON1/2). With CONFIG_DEBUG_LIST it checks the entry is really linked.',
    model: 'Three steps, as __list_del stores: read and check the entry\'s links as CONFIG_DEBUG_LIST does (next or prev NULL: never added; LIST_POISON: deleted twice; neighbours that do not point back; list_corruption, and the delete is skipped), then next->prev = prev, then prev->next = next and the entry poisoned.',
    run(x, [e]) {
      listDelStep(x, e!, (y, entry) => {
        y.write(entry, LIST_POISON1);
        y.write(entry + 1, LIST_POISON2);
      });
      return 0;
    },
  },
  {
    name: 'list_del_rcu', family: 'lists', params: [{ name: 'entry', kind: 'list_head' }], returns: 'void',
    kernel: 'Unlinks entry for RCU readers (prev is poisoned, next is kept for readers still walking).',
    model: 'As list_del, but next is left intact.',
    run(x, [e]) {
      listDelStep(x, e!, (y, entry) => y.write(entry + 1, LIST_POISON2));
      return 0;
    },
  },
  {
    name: 'list_del_init', family: 'lists', params: [{ name: 'entry', kind: 'list_head' }], returns: 'void',
    kernel: 'Unlinks entry and reinitialises it as an empty list.',
    model: 'As list_del, then INIT_LIST_HEAD(entry) in its last step.',
    run(x, [e]) {
      listDelStep(x, e!, (y, entry) => {
        y.write(entry, entry);
        y.write(entry + 1, entry);
      });
      return 0;
    },
  },
  {
    name: 'list_empty_careful', family: 'lists', params: [{ name: 'head', kind: 'list_head' }], returns: 'bool',
    kernel: 'Tests whether a list is empty and not being modified (next and prev both point back at head).',
    model: 'True when head->next and head->prev are both head.',
    run(x, [h]) {
      x.checkAccess(h!, false, 'list_empty_careful');
      return x.read(h!) === h && x.read(h! + 1) === h ? 1 : 0;
    },
  },
  {
    name: 'list_first_entry', family: 'lists', params: [{ name: 'head', kind: 'list_head' }, { name: 'type', kind: 'type' }, { name: 'member', kind: 'list_member' }], returns: 'ptr',
    kernel: 'The entry (of the given type) containing head->next; the list must not be empty.',
    model: 'container_of(head->next, type, member). On an empty list it is the head itself seen as an entry, as in the kernel.',
    run(x, [h], [, , off]) {
      x.checkAccess(h!, false, 'list_first_entry');
      return x.read(h!) - (off ?? 0);
    },
  },
  {
    name: 'list_first_entry_or_null', family: 'lists', params: [{ name: 'head', kind: 'list_head' }, { name: 'type', kind: 'type' }, { name: 'member', kind: 'list_member' }], returns: 'ptr',
    kernel: 'The first entry, or NULL when the list is empty.',
    model: 'NULL when head->next is head, else container_of(head->next, type, member).',
    run(x, [h], [, , off]) {
      x.checkAccess(h!, false, 'list_first_entry_or_null');
      const next = x.read(h!);
      return next === h ? 0 : next - (off ?? 0);
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
