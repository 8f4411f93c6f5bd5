# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for provisioning: one scheduler for every module that waits, gentle on the server at any scale.

Cortex provisions each object through a queue, roughly first in, first out, in seconds to minutes. Reading every
pending request on every round would cost work x time requests. The scheduler instead:

* reads request ids oldest first and ends the round at the first one still running (what is behind it is most
  likely still running too); a round where everything read was final reads further, several at a time;
* waits between rounds in proportion to the work: it measures how fast requests complete and sleeps until about
  one tenth of what is left should be done (0.05 s at first, growing while nothing moves, at most 15 s);
* watches an object whose write got no request id (Cortex may answer a write with an empty response) through one
  listing per tenant per round, never assuming it done;
* queues a ``Failed`` provisioning again, at most ``retries`` times, after reading the object again (it may have
  been fixed meanwhile); work that waits for another object (a mailbox whose user failed) is sent once that object
  is provisioned.

So the requests sent grow with the number of provisioning requests (about one read each, plus one per round), not
with the time they take. Jobs are plain data (:meth:`Job.to_dict`), so the action plugins can carry them from one
short module run to the next and print progress in between.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import (
    CortexError, CortexOutcomeUnknown, CortexUnreachable)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_kinds import (
    KINDS, describe, parent_ref, ref_key, ref_problems, removes, request_matches)

FINAL = frozenset(("Provisioned", "Failed", "NotProvisioned", "Deleted"))
STATUSES = FINAL | frozenset(("Requested", "InProgress", "Pending"))
MIN_INTERVAL = 0.05
# Requests read in one GET (several <request> targets) while polling.
READ_BATCH = 50
MAX_INTERVAL = 15.0
# Between rounds, the time it should take for this share of what is left to be done (10: a tenth).
PACE_SHARE = 10.0
# Writes queuing a job again whose answer was lost (not counted as retries), at most this many per job.
MAX_UNKNOWN = 3
# Without an answer from Cortex about a job for this long (across module runs), the wait fails (circuit breaker).
DEFAULT_UNREACHABLE_AFTER = 60.0


class Job(object):
    """One piece of provisioning work: the request to watch (``id``; None means watch the object itself), the object
    (``ref``: kind, tenant, login, upn, plan, action), which item of the module it belongs to, and its state."""

    def __init__(self, ref, id=None, item=None, status="Requested", message=None, retries=0, waits_for=None,
                 history=None, sent=False, created=None, finished=None, unknown=0, unread_since=None):
        self.ref = ref
        self.id = id
        self.item = item
        self.status = status
        self.message = message
        self.retries = retries
        self.waits_for = waits_for
        self.history = list(history or ([] if id is None else [id]))
        self.sent = sent  # whether this scheduler wrote for it (queued it again, or sent it once its parent was ready)
        # wall-clock times (epoch seconds) it was made and seen final: the pace of the queue, across module runs
        self.created = created
        self.finished = finished
        self.unknown = unknown  # writes for it whose answer was lost
        # since when (epoch seconds) Cortex has given no answer about it: the circuit breaker of the wait, carried from
        # one short module run to the next
        self.unread_since = unread_since

    @property
    def final(self):
        return self.status in FINAL and self.waits_for is None

    @property
    def succeeded(self):
        return self.status in ("Provisioned", "Deleted") or (self.status == "NotProvisioned" and self.removes)

    @property
    def removes(self):
        return removes(self.ref)

    def to_dict(self):
        return dict(ref=self.ref, id=self.id, item=self.item, status=self.status, message=self.message,
                    retries=self.retries, waits_for=self.waits_for, history=self.history, sent=self.sent,
                    created=self.created, finished=self.finished, unknown=self.unknown, unread_since=self.unread_since)

    @classmethod
    def from_dict(cls, data):
        return cls(data["ref"], data.get("id"), data.get("item"), data.get("status") or "Requested", data.get("message"),
                   data.get("retries") or 0, data.get("waits_for"), data.get("history"), data.get("sent") or False,
                   data.get("created"), data.get("finished"), data.get("unknown") or 0, data.get("unread_since"))


def job_problems(data):
    """What is wrong with a job given as data (cortex_wait's option): a list of problems, never a crash."""
    if not isinstance(data, dict):
        return ["must be a mapping as the writing modules return it in jobs"]
    problems = ref_problems(data.get("ref"))
    if data.get("id") is not None and (isinstance(data["id"], bool) or not isinstance(data["id"], int)):
        problems.append("id must be a request id (a whole number) or null")
    if data.get("status") is not None and data["status"] not in STATUSES:
        problems.append("status must be one of %s" % ", ".join(sorted(STATUSES)))
    if data.get("waits_for") is not None:
        problems += ["waits_for: %s" % issue for issue in ref_problems(data["waits_for"])]
    for key in ("retries", "unknown", "item"):
        if data.get(key) is not None and (isinstance(data[key], bool) or not isinstance(data[key], int)):
            problems.append("%s must be a whole number" % key)
    return problems


class Scheduler(object):
    """Drives a set of jobs to their end: polls, queues failures again, sends waiting work.

    The jobs may come from outside (cortex_wait takes them as a task option), so nothing is written because a job
    says so: a failure is queued again only when the provisioning request Cortex recorded for it is about that very
    object and action (:func:`cortex_kinds.request_matches`), a removal only then, and work waiting for another
    object only for that object's own child. Without any answer from Cortex about the pending jobs for
    ``unreachable_after`` seconds (counted across module runs, in the jobs), :class:`CortexUnreachable` is raised.
    """

    def __init__(self, api, retries=2, concurrency=8, parallel=None, clock=None, sleep=None,
                 unreachable_after=DEFAULT_UNREACHABLE_AFTER):
        self.api = api
        self.retries = retries
        self.concurrency = max(1, concurrency)
        self.parallel = parallel or serial
        self.clock = clock or time.time  # wall clock: jobs carry their times from one module run to the next
        self.sleep = sleep or time.sleep
        self.unreachable_after = unreachable_after
        self.jobs = []
        self.interval = MIN_INTERVAL
        self.idle_rounds = 0
        self.window = 1
        self.answers = {}  # request id -> the last answer read
        self._names = {}  # tenant code (folded) -> full name, read to check a service's requests
        self._partner = None

    # -- state -----------------------------------------------------------------------------------------
    def add(self, jobs):
        now = self.clock()
        for job in jobs:
            if job.created is None:
                job.created = now
        self.jobs.extend(jobs)

    def pending(self):
        return [job for job in self.jobs if not job.final]

    def rate(self):
        """Jobs completed per second since the first of them was made (None until one has)."""
        finished = [job.finished for job in self.jobs if job.finished is not None]
        created = [job.created for job in self.jobs if job.created is not None]
        if not finished or not created:
            return None
        elapsed = max(max(finished) - min(created), 1e-3)
        return len(finished) / elapsed

    # -- the loop --------------------------------------------------------------------------------------
    def run(self, until):
        """Poll until every job is final or the clock reaches ``until``. Returns True when every job is final."""
        while True:
            self.round()
            if not self.pending():
                return True
            now = self.clock()
            if now >= until:
                return False
            self.sleep(min(self.next_interval(), max(until - now, 0)))

    def round(self):
        self._poll_requests()
        self._watch_objects()
        self._queue_again()
        self._send_waiting()
        now = self.clock()
        ended = 0
        for job in self.jobs:
            if job.final and job.finished is None:
                job.finished = now
                ended += 1
        self.idle_rounds = 0 if ended else self.idle_rounds + 1
        self._check_answered(now)

    def next_interval(self):
        """Until about a tenth of what is left should be done, at the pace measured so far; twice as long after
        each round in which nothing ended (nothing measured yet, or the last jobs are slow)."""
        rate = self.rate()
        left = len(self.pending())
        paced = max(1.0, left / PACE_SHARE) / rate if rate else MIN_INTERVAL
        backoff = MIN_INTERVAL * (2 ** min(self.idle_rounds, 16))
        self.interval = min(max(paced, backoff, MIN_INTERVAL), MAX_INTERVAL)
        return self.interval

    # -- the circuit breaker ---------------------------------------------------------------------------
    def _unanswered(self, job):
        if job.unread_since is None:
            job.unread_since = self.clock()

    def _check_answered(self, now):
        """Fail the wait when no pending job has had an answer for ``unreachable_after`` seconds."""
        pending = self.pending()
        if not pending or any(job.unread_since is None for job in pending):
            return
        since = max(job.unread_since for job in pending)
        if self.unreachable_after is not None and now - since >= self.unreachable_after:
            raise CortexUnreachable("Cortex has given no answer about the provisioning for %d s: %d object(s) not "
                                    "confirmed" % (now - min(job.unread_since for job in pending), len(pending)))

    # -- reading requests, oldest first ----------------------------------------------------------------
    def _poll_requests(self):
        """Read pending requests oldest first, ``READ_BATCH`` to a request (one GET holding several request targets
        where the server answers so), up to ``window`` requests at once; the round ends at the first batch holding
        one still running. A round where everything read was final doubles the window for the next one."""
        queue = sorted((job for job in self.jobs if job.id is not None and not job.final and job.waits_for is None),
                       key=lambda job: job.id)
        batch_size = READ_BATCH if getattr(self.api, "get_requests", None) else 1
        start = 0
        while start < len(queue):
            batches = []
            for dummy in range(self.window):
                if start >= len(queue):
                    break
                batches.append(queue[start:start + batch_size])
                start += batch_size
            busy = False
            for batch, answers in zip(batches, self.parallel(self._read_batch, batches)):
                if isinstance(answers, Exception):
                    answers = [answers] * len(batch)
                for job, answer in zip(batch, answers):
                    busy = self._record(job, answer) or busy
            if busy:
                self.window = 1
                return
            self.window = min(self.window * 2, self.concurrency)

    def _read_batch(self, batch):
        if len(batch) == 1 or not getattr(self.api, "get_requests", None):
            return [guarded(self.api.get_request, job.id) for job in batch]
        return self.api.get_requests([job.id for job in batch])

    def _record(self, job, answer):
        """Take one answer into its job; True when the job is still running (or could not be read)."""
        if isinstance(answer, CortexUnreachable):
            raise answer
        if isinstance(answer, CortexError):
            if answer.status is not None and answer.status < 500:
                job.status, job.message = "Failed", "cannot read provisioning request %s: %s" % (job.id, answer.message)
                job.retries = self.retries  # not a provisioning failure: queuing again would not help
                job.unread_since = None
            else:
                self._unanswered(job)
            return True
        if isinstance(answer, Exception):
            raise answer
        job.unread_since = None
        self.answers[job.id] = answer
        job.status = answer["status"]
        if job.status == "Failed":
            job.message = answer.get("message") or answer.get("description") or "no reason given"
            return False
        return job.status not in FINAL

    # -- objects without a request id ------------------------------------------------------------------
    def _statuses(self, refs):
        """The current status of each object (None when it does not exist), one listing per tenant and kind family;
        ``Unknown`` when its listing could not be read."""
        wanted = {}
        for ref in refs:
            wanted.setdefault((ref["tenant"], KINDS[ref["kind"]].family), None)
        found, read = {}, set()
        keys = list(wanted)
        for key, listing in zip(keys, self.parallel(lambda key: self.api.object_statuses(key[0], key[1]), keys)):
            if isinstance(listing, CortexUnreachable):
                raise listing
            if isinstance(listing, Exception):
                continue  # read again next round
            read.add(key)
            found.update(listing)
        statuses = {}
        for ref in refs:
            listed = (ref["tenant"], KINDS[ref["kind"]].family) in read
            statuses[ref_key(ref)] = found.get(ref_key(ref)) if listed else "Unknown"
        return statuses

    def _watch_objects(self):
        watched = [job for job in self.jobs if job.id is None and job.waits_for is None and not job.final]
        if not watched:
            return
        statuses = self._statuses([job.ref for job in watched])
        for job in watched:
            status = statuses[ref_key(job.ref)]
            if status == "Unknown":
                self._unanswered(job)
                continue
            job.unread_since = None
            if status is None:  # gone
                if job.removes:
                    job.status = "Deleted"
                else:
                    job.status, job.message = "Failed", "%s no longer exists" % describe(job.ref)
                    job.retries = self.retries
            elif status == "NotProvisioned" and not job.removes:
                # A write sets its object Requested at once: NotProvisioned means the write was not applied (its
                # answer was lost before the server did anything). Queued again like a failure, a retry spent.
                job.status = "Failed"
                job.message = "%s was not queued (its status is NotProvisioned)" % describe(job.ref)
            elif status in FINAL:
                job.status = status
                if status == "Failed":
                    job.message = "provisioning failed (status Failed; Cortex gave no request id to read the reason)"

    # -- failures queued again -------------------------------------------------------------------------
    def _queue_again(self):
        failed = [job for job in self.jobs if job.status == "Failed" and job.retries < self.retries
                  and job.unknown <= MAX_UNKNOWN and job.waits_for is None]
        if not failed:
            return
        failed.sort(key=lambda job: KINDS[job.ref["kind"]].order)
        statuses = self._statuses([job.ref for job in failed])
        sendable = []
        for job in failed:
            status = statuses[ref_key(job.ref)]
            if status is None and job.removes:
                job.status = "Deleted"
                continue
            if status == "Unknown" or status in ("Requested", "InProgress", "Pending"):
                job.id, job.status = None, "Requested"  # being provisioned again by someone else: watch it
                continue
            if status == "Provisioned" and not job.removes:
                job.status = "Provisioned"
                continue
            if status is None and not job.removes:
                # never "provision" an object that is not there: a SET on a missing login would create a user
                job.message = "%s no longer exists (%s)" % (describe(job.ref), job.message)
                job.retries = self.retries
                continue
            refused = self._unrecorded(job)
            if refused:
                job.message = "%s is not queued again: %s" % (describe(job.ref), refused)
                job.retries = self.retries
                continue
            sendable.append(job)
        # the users or mailboxes of one tenant go in one request where the API takes several (one failed batch of 25
        # is queued again in one write, not 25)
        groups = {}
        for job in sendable:
            many = getattr(self.api, "provision_many", None) and job.ref["kind"] in ("user", "mailbox") \
                and not job.removes
            groups.setdefault((job.ref["kind"], (job.ref.get("tenant") or "").casefold()) if many else id(job),
                              []).append(job)
        for group in groups.values():
            if len(group) > 1:
                self._send_many(group)
            else:
                self._send(group[0], again=True)

    def _send_many(self, jobs):
        """Queue several failed objects of one kind and tenant again in one write. Which request is whose is known
        only when the answer has one id per object and no error; otherwise each object is watched through its own
        status (queued again alone if it still shows Failed) - never written again blindly."""
        try:
            ids, errors = self.api.provision_many([job.ref for job in jobs])
        except CortexUnreachable:
            raise
        except CortexOutcomeUnknown:
            ids, errors = None, None
        except CortexError:
            for job in jobs:  # refused as a whole: each alone, with its own answer
                self._send(job, again=True)
            return
        for index, job in enumerate(jobs):
            job.retries += 1
            job.sent = True
            job.waits_for = None
            job.status = "Requested"
            if ids is not None and not errors and len(ids) == len(jobs):
                job.id = ids[index]
                job.history.append(job.id)
            else:
                job.id = None
                if ids is None:
                    job.unknown += 1

    def _unrecorded(self, job):
        """Why ``job`` may not be queued again (None when it may): the request Cortex recorded for it must be about
        that object and that action; a job without one may only provision again, never remove."""
        if job.id is None:
            return "a removal is queued again only after a request of Cortex for it" if job.removes else None
        answer = self.answers.get(job.id)
        if answer is None:
            try:
                answer = self.answers[job.id] = self.api.get_request(job.id)
            except CortexUnreachable:
                raise
            except CortexError as exc:
                return "its provisioning request %s cannot be read (%s)" % (job.id, exc.message)
        if request_matches(job.ref, answer, self._owners(job.ref)):
            return None
        return "provisioning request %s is %s of %s '%s', not of this object" % (
            job.id, answer.get("type") or "a request", answer.get("object_type") or "an object",
            answer.get("object_name") or "")

    def _owners(self, ref):
        """How the descriptions of a service's requests may name its owner: a mailbox's login, a tenant's name."""
        if ref["kind"] == "mailbox":
            return [ref.get("login")]
        if ref["kind"] == "exchange":
            key = (ref.get("tenant") or "").casefold()
            if key not in self._names:
                found = self.api.find_tenants(code=ref["tenant"])
                self._names[key] = found[0].get("name") if found else None
            return [self._names[key]]
        return []

    def _send(self, job, again=False):
        try:
            ids = self.api.provision(job.ref)
        except CortexUnreachable:
            raise
        except CortexOutcomeUnknown:
            # It may or may not have been queued: never sent again blindly - the object is watched, and queued again
            # only if it shows Failed still. Not a provisioning attempt for sure: counted apart, and bounded too.
            job.unknown += 1
            job.sent, job.waits_for, job.id, job.status = True, None, None, "Requested"
            return
        except CortexError as exc:
            parent = parent_ref(job.ref)
            if parent is not None and "ParentNotProvisioned" in exc.error_ids and not job.removes:
                job.waits_for, job.status = parent, "Requested"  # sent again once the parent is provisioned
                return
            job.status, job.message = "Failed", "%s could not be queued again: %s" % (describe(job.ref), exc.message)
            job.retries = self.retries
            return
        if again:
            job.retries += 1
        job.sent = True
        job.waits_for = None
        job.id = ids[0] if ids else None
        if ids:
            job.history.append(ids[0])
        job.status = "Requested"
        if not again:
            job.message = None  # (queued again: the message stays as the reason of the last failure)

    # -- work waiting for another object ---------------------------------------------------------------
    def _send_waiting(self):
        waiting = [job for job in self.jobs if job.waits_for is not None]
        if not waiting:
            return
        known = dict((ref_key(job.ref), job) for job in self.jobs if job.waits_for is None)
        unknown = [job.waits_for for job in waiting if ref_key(job.waits_for) not in known]
        statuses = self._statuses(unknown) if unknown else {}
        for job in waiting:
            refused = self._not_waiting_work(job)
            if refused:
                job.waits_for = None
                job.status, job.message = "Failed", "%s is not sent: %s" % (describe(job.ref), refused)
                job.retries = self.retries
                continue
            key = ref_key(job.waits_for)
            blocker = known.get(key)
            if blocker is not None:
                if not blocker.final:
                    continue
                if not blocker.succeeded:
                    job.waits_for = None
                    job.status, job.message = "Failed", "%s did not provision: %s" % (
                        describe(blocker.ref), blocker.message or blocker.status)
                    job.retries = self.retries
                    continue
            else:
                status = statuses.get(key)
                if status in ("Requested", "InProgress", "Pending", "Unknown"):
                    continue
                if status != "Provisioned":
                    job.status, job.message = "Failed", "%s is %s" % (describe(job.waits_for), status or "missing")
                    job.waits_for = None
                    job.retries = self.retries
                    continue
            self._send(job)

    def _not_waiting_work(self, job):
        """Work waiting for another object is sent only as that object's own provisioning (a mailbox after its
        user, a user or service after its tenant), never a removal, and never on the partner's own customer."""
        if job.removes:
            return "a removal is never sent as waiting work"
        if parent_ref(job.ref) is None or ref_key(parent_ref(job.ref)) != ref_key(job.waits_for):
            return "it waits for %s, which is not the object it belongs to" % describe(job.waits_for)
        if self._partner is None:
            listed = self.api.find_tenants() if getattr(self.api, "find_tenants", None) else []
            self._partner = (listed[0]["code"] if listed else "").casefold()
        if (job.ref.get("tenant") or "").casefold() == self._partner:
            return "tenant '%s' is the partner's own customer" % job.ref.get("tenant")
        return None


def serial(function, items):
    """``function(item)`` for every item, in turn; an exception is returned in place of its result."""
    return [guarded(function, item) for item in items]


def guarded(function, item):
    try:
        return function(item)
    except Exception as exc:  # pylint: disable=broad-except
        return exc


def human_duration(seconds):
    if seconds < 90:
        return "%d s" % max(1, round(seconds))
    if seconds < 5400:
        return "%d min" % round(seconds / 60.0)
    return "%.1f h" % (seconds / 3600.0)
