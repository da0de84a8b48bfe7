// Builtins: Doubly linked lists, as CONFIG_DEBUG_LIST checks them.

import { LIST_POISON1, LIST_POISON2 } from '../compiled';
import { ACTOR_WORD } from '../../semantics/symbols';
import type { Builtin, BuiltinParam } from './types';
import { listAddStep, listDelStep, alias, hlistAddHeadStep, hlistDelStep } from './common';

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

const node: BuiltinParam = { name: 'n', kind: 'hlist_node' };
const hhead: BuiltinParam = { name: 'h', kind: 'hlist_head' };

/** Hash lists (struct hlist_head: `first`; struct hlist_node: `next`, `pprev`), as include/linux/list.h and rculist.h store. */
const HLISTS: readonly Builtin[] = [
  {
    name: 'INIT_HLIST_HEAD', family: 'lists', params: [hhead], returns: 'void',
    kernel: 'Initialises an empty hash list: h->first = NULL.',
    model: 'One step. A zeroed or static hlist_head (HLIST_HEAD(x)) is already empty.',
    run(x, [h]) {
      x.checkAccess(h!, true, 'INIT_HLIST_HEAD');
      x.write(h!, 0, true);
      return 0;
    },
  },
  {
    name: 'INIT_HLIST_NODE', family: 'lists', params: [node], returns: 'void',
    kernel: 'Initialises a node that is on no list: next = pprev = NULL (hlist_unhashed is then true).',
    model: 'One step.',
    run(x, [n]) {
      x.checkAccess(n!, true, 'INIT_HLIST_NODE');
      x.write(n!, 0, true);
      x.write(n! + 1, 0, true);
      return 0;
    },
  },
  {
    name: 'hlist_empty', family: 'lists', params: [hhead], returns: 'bool',
    kernel: 'Whether the hash list is empty: !READ_ONCE(h->first).',
    model: 'One marked read of h->first.',
    run(x, [h]) {
      x.checkAccess(h!, false, 'hlist_empty');
      return x.read(h!, true) === 0 ? 1 : 0;
    },
  },
  {
    name: 'hlist_unhashed', family: 'lists', params: [node], returns: 'bool',
    kernel: 'Whether the node is on no list: !n->pprev.',
    model: 'One read of n->pprev.',
    run(x, [n]) {
      x.checkAccess(n! + 1, false, 'hlist_unhashed');
      return x.read(n! + 1, true) === 0 ? 1 : 0;
    },
  },
  {
    name: 'hlist_add_head', family: 'lists', params: [node, hhead], returns: 'void',
    kernel: 'Adds n at the front of the hash list h. No CONFIG_DEBUG_LIST check: the caller serialises writers.',
    model: 'Three steps, as the kernel stores: `first = h->first; n->next = first`, then `first->pprev = &n->next`, then `h->first = n; n->pprev = &h->first`. Unserialised writers interleave and lose a node or leave a pprev pointing at the wrong word; later deletes and walks trip over it (use-after-free, a lost node\'s leak).',
    run(x, [n, h]) {
      hlistAddHeadStep(x, n!, h!, false);
      return 0;
    },
  },
  {
    name: 'hlist_add_head_rcu', family: 'lists', params: [node, hhead], returns: 'void',
    kernel: 'Adds n at the front of h so that concurrent RCU readers see it whole: n is set up first, then published with rcu_assign_pointer(h->first, n).',
    model: 'Three steps: `n->next = first; n->pprev = &h->first`, then `rcu_assign_pointer(h->first, n)`, then `first->pprev = &n->next`.',
    run(x, [n, h]) {
      hlistAddHeadStep(x, n!, h!, true);
      return 0;
    },
  },
  {
    name: 'hlist_del', family: 'lists', params: [node], returns: 'void',
    kernel: 'Unlinks n (`*n->pprev = n->next; n->next->pprev = n->pprev`) and poisons it (LIST_POISON1/2). Deleting it again faults on the poison.',
    model: 'Two steps: `*pprev = next`, then `next->pprev = pprev` and the poisoning. A node never added (pprev NULL) is a NULL dereference; one already deleted faults on LIST_POISON2 (the kernel\'s general protection fault, reported as list_corruption).',
    run(x, [n]) {
      hlistDelStep(x, n!, (y, e) => {
        y.write(e, LIST_POISON1, true);
        y.write(e + 1, LIST_POISON2, true);
      });
      return 0;
    },
  },
  {
    name: 'hlist_del_rcu', family: 'lists', params: [node], returns: 'void',
    kernel: 'Unlinks n for RCU readers: n->next is kept for readers still on it, only pprev is poisoned. Free n after a grace period.',
    model: 'As hlist_del, but n->next is left intact.',
    run(x, [n]) {
      hlistDelStep(x, n!, (y, e) => y.write(e + 1, LIST_POISON2, true));
      return 0;
    },
  },
  {
    name: 'hlist_del_init', family: 'lists', params: [node], returns: 'void',
    kernel: 'Unlinks n if it is on a list (!hlist_unhashed) and reinitialises it; on no list it does nothing.',
    model: 'Nothing for an unhashed node; otherwise as hlist_del, with INIT_HLIST_NODE(n) in its last step.',
    run(x, [n]) {
      if (x.actorWord(x.actor, ACTOR_WORD.opStep) === 0) {
        x.checkAccess(n! + 1, false, 'hlist_del_init: n->pprev');
        if (x.read(n! + 1, true) === 0) return 0;
      }
      hlistDelStep(x, n!, (y, e) => {
        y.write(e, 0, true);
        y.write(e + 1, 0, true);
      });
      return 0;
    },
  },
];

export const LISTS: readonly Builtin[] = [
  ...LISTS_BASE,
  ...HLISTS,
  alias(LISTS_BASE, 'list_add_rcu', 'list_add', 'Inserts new after head so that concurrent RCU readers see it whole (with a write barrier).'),
  alias(LISTS_BASE, 'list_add_tail_rcu', 'list_add_tail', 'Inserts new before head, RCU-safe.'),
];
