# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reconcile engine: what every module does with its items, and the contract of an :class:`Entity`.

A module declares an :class:`Entity` (its fields and how to read and write one object) and hands the engine a list
of :class:`Item` (one for the single form, N for a bulk form; both take the same path). The engine calls the
entity's hooks in this order; each hook has one job and says so in its name:

==================  ======================================================================  ==================
hook                job                                                                     may touch the server
==================  ======================================================================  ==================
``normalize``       the canonical form of what is asked (punycode, case) - returns a copy    no
``check``           problems of one item on its own                                         no
``key``             what identifies an item among the items of the run (duplicates refused)  no
``reads_ahead``     the first reads of prefetch and read, sent at once just before them      no (names them)
``prefetch``        read once what the items share (the tenant, one listing of users)        reads
``read``            the object as it is (None when absent); may note facts in item.context   reads
``plan``            the decision: a :class:`Plan` (action, changes) - pure                  no
``check_current``   problems of what is asked against the object as read, for every item,   no
                    with an action or none (a login that cannot change): bad *input*
``check_plan``      problems of the plan that are bad *input*: the whole task is refused      may read
``check_all``       problems between planned items (a plan's user limit, two equal logins)   may read
``obstacle``        a problem of the *server's state* (its user failed): that item alone     no
                    fails, or waits for the object it needs, and the others go on
``write`` / ``write_batch``  send the change (one object, or several in one request)        writes
``reread``          the object again after a write whose outcome is unknown                  reads
``ref``             the object as the poll scheduler knows it (kind, tenant, login...)       no
``present``         the object as the module returns it                                      no
==================  ======================================================================  ==================

Every problem of every item is reported at once, and nothing is written unless there is none. Writes go
``concurrency`` at a time, several objects in one request where the entity allows it (``batch_size``). A write
whose answer is lost is never sent again blindly: the object is read again and the plan made again. Then, with
``wait``, the provisioning requests are waited for by the one scheduler of :mod:`cortex_poll`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import (
    CortexError, CortexOutcomeUnknown, CortexUnreachable)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import BUSY_STATUSES, with_color
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_schema as schema
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenancy import PARTNER_REFUSAL, is_partner

# How many times a write whose outcome is unknown is re-read and decided again.
MAX_REREADS = 3
WRITE_ACTIONS = ("create", "update", "reprovision", "delete")


class Plan(object):
    """What to do about one item: ``action`` (create, update, reprovision, delete, or None) and the changes."""

    def __init__(self, action=None, changes=None, note=None):
        self.action = action
        self.changes = changes or {}
        self.note = note


class Obstacle(object):
    """Why an item cannot be written now although its input is sound. With ``waits_for`` (a ref), the item is
    queued for when that object is provisioned; without, the item fails alone."""

    def __init__(self, message, waits_for=None):
        self.message = message
        self.waits_for = waits_for


class Item(object):
    """One object of a module run: what was asked (``label``, ``index``, ``desired``, ``state``, set by the module),
    what exists (``current``, ``context``, set by reading), the decision (``plan``), and what came of it
    (``request_ids``, ``jobs``, ``status``, ``error``, ``note``, set by the engine)."""

    def __init__(self, label, desired, state="present", index=None):
        self.label = label
        self.desired = desired
        self.state = state
        self.index = index
        self.current = None
        self.context = {}
        self.plan = Plan()
        self.request_ids = []
        self.jobs = []
        self.status = None
        self.error = None
        self.note = None

    @property
    def action(self):
        return self.plan.action

    @property
    def wrote(self):
        """Whether something was written for it (or queued to be, once another object is provisioned): a write that
        Cortex refused changed nothing."""
        return bool(self.request_ids or self.jobs or self.context.get("written"))

    @property
    def changes(self):
        return self.plan.changes


def items_from(params, bulk_key, key, single_label, desired_of):
    """The items of a module run: one from the top-level options (the single form), or one per entry of
    ``params[bulk_key]`` (the bulk form), labelled by the option ``key`` (``users[3] 'x@y.fr'``, ``user 'x@y.fr'``)."""
    bulk = params.get(bulk_key) is not None
    entries = params[bulk_key] if bulk else [params]
    return [Item("%s[%d] '%s'" % (bulk_key, index, entry.get(key)) if bulk else single_label % entry.get(key),
                 desired_of(entry), entry.get("state") or "present", index)
            for index, entry in enumerate(entries)]


class Entity(object):
    """What a module manages. Subclasses set ``fields`` (:class:`cortex_schema.Field`) and implement the hooks."""

    fields = ()
    kind = "object"
    brief = ()  # the fields that identify an object in a bulk form's per-item results

    def __init__(self, module):
        self.module = module
        self.api = module.api

    # -- hooks, in the order the engine calls them ------------------------------------------------------
    def normalize(self, desired):
        return dict(desired)

    def check(self, desired):
        return []

    def key(self, desired):
        return None

    def reads_ahead(self, items):
        """The first reads :meth:`prefetch` and :meth:`read` make for these items whatever Cortex answers, as callables
        independent of one another: the engine sends them at once before :meth:`prefetch`, and each read then takes
        its answer (module_utils/cortex_client.py, ``read_ahead``). A read listed here that is not made costs a
        request; one made but not listed only a round trip. Not in check mode (a missing tenant is no error there)."""
        return []

    def prefetch(self, items):
        pass

    def read(self, item):
        raise NotImplementedError

    def reads_locally(self, item):
        """Whether :meth:`read` answers this item from what :meth:`prefetch` read, sending no request: such reads
        are made in turn, not handed to threads (10,000 of them cost half a second in a thread pool)."""
        return False

    def plan(self, item):
        if item.state == "absent":
            return Plan("delete" if item.current is not None else None)
        if item.current is None:
            # also when only check mode's missing parent hides it
            return Plan("create", dict((k, v) for k, v in item.desired.items() if v is not None))
        changes = schema.changes(item.current, item.desired, self.fields)
        if changes:
            return Plan("update", changes)
        if item.current.get("status") == "Failed":
            return Plan("reprovision")
        return Plan()

    def check_current(self, item):
        """Problems of what is asked against what exists that no plan shows (a login that cannot change): run for
        every item read, whether it has an action or none, so that an unchanged run refuses them too."""
        return []

    def check_plan(self, item):
        return []

    def check_all(self, items):
        return []

    def obstacle(self, item):
        return None

    def batchable(self, action):
        """Whether several items with this action can go in one request (:meth:`write_batch`)."""
        return False

    def write(self, item):
        return getattr(self, item.action)(item)

    def write_batch(self, action, items):
        raise NotImplementedError

    def create(self, item):
        raise NotImplementedError

    def update(self, item):
        raise NotImplementedError

    def delete(self, item):
        raise NotImplementedError

    def reprovision(self, item):
        """Queue provisioning again for an object whose provisioning failed."""
        return self.api.provision(self.ref(item))

    def reread(self, item):
        return self.read(item)

    def reread_all(self, items):
        """Read several objects again (a listing is cheaper than one read each where the entity has one)."""
        return [self.reread(item) for item in items]

    def ref(self, item):
        raise NotImplementedError

    def target_tenant(self, item):
        """The code of the tenant a write of this item lands on (the partner's own customer is never one)."""
        return getattr(self, "code", None)

    def request_key(self, item):
        """How a provisioning request names this item's object (``object/name``, folded), when it does: lets the
        engine give request ids to their objects after a batch answer with fewer ids than objects."""
        return None

    def present(self, item):
        """The object as the module returns it: what was read, with the changes made, never a secret."""
        if item.action == "delete" and item.status == "Deleted":
            return {}
        shown = dict(item.current or {})
        if item.action in ("create", "update"):
            for field in self.fields:
                if not field.secret and item.changes.get(field.name) is not None:
                    shown[field.name] = item.changes[field.name]
        for field in self.fields:
            if field.secret:
                shown.pop(field.name, None)
        if item.status:
            shown["status"] = item.status
        return with_color(shown)

    def diff(self, item):
        before = schema.diff_view(item.current, self.fields)
        if item.action == "delete":
            return before, {}
        if item.action == "create":
            return {}, schema.diff_view(item.changes, self.fields)
        after = dict(before)
        after.update(schema.diff_view(item.changes, self.fields))
        return before, after


class Engine(object):
    """Runs an entity's items through the hooks; ``module`` is the CortexModule (parameters, failing, parallel)."""

    def __init__(self, module, entity):
        self.module = module
        self.entity = entity

    def reconcile(self, items):
        """Validate, read, plan, check again, write, wait. Fails the module before any write when an item is
        invalid. Per-item write and provisioning errors are left in ``item.error``."""
        entity, module = self.entity, self.module
        problems = []
        seen = {}
        for item in items:
            item.desired = entity.normalize(item.desired)
            issues = entity.check(item.desired)
            key = entity.key(item.desired) if not issues else None
            if key is not None and key in seen:
                issues = issues + ["same %s as %s" % (entity.kind, seen[key])]
            elif key is not None:
                seen[key] = "item %d" % item.index if item.index is not None else item.label
            if issues:
                problems.append((item.label, issues))
        refused = set(label for label, dummy in problems)
        sound = [item for item in items if item.label not in refused]

        try:
            if sound and not module.check_mode:
                # not in check mode: a tenant an earlier task would create does not exist yet, and what is read below
                # it would be read for nothing
                entity.api.read_ahead(entity.reads_ahead(sound), module.parallel)
            entity.prefetch(sound)
        except CortexError as exc:
            module.fail_cortex(exc)
        local = [entity.reads_locally(item) for item in sound]
        remote = iter(module.read_all(entity.read, [item for item, here in zip(sound, local) if not here],
                                      lambda item: item.label))
        found = module.read_all(entity.read, [item for item, here in zip(sound, local) if here],
                                lambda item: item.label, threads=False)
        found = iter(found)
        for item, here in zip(sound, local):
            item.current = next(found) if here else next(remote)
            item.plan = entity.plan(item)
            if item.plan.note:
                item.note = item.plan.note

        for item in sound:
            issues = entity.check_current(item) + (entity.check_plan(item) if item.action else [])
            if issues:
                problems.append((item.label, issues))
        problems += entity.check_all(sound)
        problems += self.partner_problems(sound)
        entity.api.drop_kept()  # nothing read ahead outlives the reading: what is read from here on is read again
        if problems:
            module.fail_items(problems, entity.kind)

        writes = []
        for item in items:
            if not item.action:
                continue
            obstacle = entity.obstacle(item)
            if obstacle is None:
                writes.append(item)
            elif obstacle.waits_for is not None:
                item.note = obstacle.message
                item.status = "Requested"
                item.jobs = [dict(ref=entity.ref(item), id=None, item=item.index, status="Requested",
                                  waits_for=obstacle.waits_for)]
            else:
                item.error = obstacle.message
        if module.check_mode:
            return items
        self.write_all(writes)
        for item in writes:
            if not item.error:
                item.status = "Requested"
                ids = item.request_ids or [None]
                now = time.time()
                item.jobs = [dict(ref=entity.ref(item), id=rid, item=item.index, status="Requested", created=now)
                             for rid in ids]
        return items

    def partner_problems(self, items):
        """Refuse, before any write, every item whose write would land on the partner's own (reseller) customer."""
        targets = [(item, self.entity.target_tenant(item)) for item in items if item.action]
        if not targets:
            return []
        try:
            return [(item.label, [PARTNER_REFUSAL % code]) for item, code in targets
                    if is_partner(self.entity.api, code)]
        except CortexError as exc:
            self.module.fail_cortex(exc, "the partner's own customer")

    # -- writing ---------------------------------------------------------------------------------------
    def write_all(self, items):
        chunks, size = [], self.module.batch_size
        for action in WRITE_ACTIONS:
            same = [item for item in items if item.action == action]
            step = size if self.entity.batchable(action) and size > 1 else 1
            chunks += [same[start:start + step] for start in range(0, len(same), step)]
        self.module.parallel(self._write_chunk, chunks)

    def _write_chunk(self, chunk, depth=0):
        try:
            if len(chunk) == 1:
                self._write_one(chunk[0])
                return
            try:
                ids, errors = self.entity.write_batch(chunk[0].action, chunk)
            except CortexOutcomeUnknown:
                # the answer was lost: read them again and send what still needs writing, together, once more
                self._settle_unclear(chunk, depth + 1)
                return
            except CortexUnreachable:
                raise
            except CortexError as exc:  # every object refused (400), or another answer without ids
                ids, errors = [], exc.errors or [("", exc.message)]
            if ids is not None and not errors and len(ids) == len(chunk):
                for item, request_id in zip(chunk, ids):
                    item.request_ids = [request_id]
                return
            if ids and not errors:
                chunk = self._match_requests(chunk, ids)
            # Some objects were refused, or the answer was lost or holds no ids: which object got what is not
            # certain. Read them again and decide each on its own; only what still needs writing is sent, alone.
            self._settle_unclear(chunk)
        except Exception as exc:  # pylint: disable=broad-except
            for item in chunk:
                if not item.request_ids and not item.error:
                    item.error = exc.message if isinstance(exc, CortexError) else repr(exc)

    def _match_requests(self, chunk, ids):
        """Fewer request ids than objects, no error: some objects needed no change - most likely another run made
        them a moment ago. Where a request names its object (``Entity.request_key``), the ids are given to their
        objects by reading the requests; the objects left are decided on a fresh read (and an object found as asked
        is counted unchanged, not created by this run). Returns the objects left."""
        keyed = dict((self.entity.request_key(item), item) for item in chunk if self.entity.request_key(item))
        if not keyed:
            return chunk
        for request_id, request in zip(ids, self.entity.api.get_requests(ids)):
            item = keyed.get(((request.get("object_name") if isinstance(request, dict) else None) or "").casefold())
            if item is not None:
                item.request_ids = [request_id]
        left = [item for item in chunk if not item.request_ids]
        for item in left:
            item.context["another_run"] = True
        return left

    def _settle_unclear(self, chunk, depth=0):
        """Read the objects of an unclear batch again and decide each on its own. After a lost answer (``depth``: how
        many in a row), what still needs the same action goes again in one request - decided on the fresh read, never
        a blind repeat; after a partial refusal (depth 0), each object alone, so that each gets its own outcome."""
        again = []
        for item, current in zip(chunk, self.entity.reread_all(chunk)):
            try:
                if self._decide_again(item, current, item.action) is not None:
                    again.append(item)
            except CortexUnreachable:
                raise
            except CortexError as exc:
                item.error = exc.message
        if depth and depth <= MAX_REREADS:
            for action in WRITE_ACTIONS:
                same = [item for item in again if item.action == action]
                if len(same) > 1 and self.entity.batchable(action):
                    self._write_chunk(same, depth)
                    again = [item for item in again if item not in same]
        for item in again:
            try:
                self._write_one(item)
            except CortexUnreachable:
                raise
            except CortexError as exc:
                item.error = exc.message

    def _decide_again(self, item, current, action):
        """After a write whose effect is unknown: plan again on what exists now. Returns the action still needed
        (None when the object is as asked, in which case it is watched through its own status)."""
        item.current = current
        plan = self.entity.plan(item)
        being_removed = action == "delete" and current is not None and current.get("status") in BUSY_STATUSES
        if plan.action is None and item.context.get("another_run"):
            item.plan = Plan(None)  # as asked already, and not by this run's write (it made no request for it)
            item.note = "found as asked after this run's write, which made no request for it: done by another run"
            return None
        if plan.action is None or being_removed or (action == "create" and plan.action == "reprovision"):
            # Written by the lost write: its request id is unknown, so the object itself is watched.
            item.context["written"] = True
            item.note = "the answer to the write was lost or unclear; the object was re-read and found written"
            item.plan = Plan(action, item.plan.changes)
            return None
        if action == "create" and plan.action == "update":
            item.plan = plan  # created, but not completely: finish with an update
        else:
            item.plan = Plan(action, plan.changes or item.plan.changes)
        return item.action

    def _write_one(self, item):
        """One write; when its outcome is unknown, read again, plan again and write only if still needed."""
        for attempt in range(MAX_REREADS + 1):
            try:
                ids = self.entity.write(item) or []
            except CortexOutcomeUnknown:
                if attempt == MAX_REREADS:
                    raise
            else:
                if ids:
                    item.request_ids = ids
                    return
                # Accepted without a request id (as recorded CPSM answered a user create): never assumed done.
                item.context["written"] = True
                item.note = "Cortex answered the write without a request id; the object is watched until final"
                return
            time.sleep(0.5 * (attempt + 1))
            if self._decide_again(item, self.entity.reread(item), item.action) is None:
                return
