# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The poll scheduler against a simulated provisioning queue (first in, first out, W workers, D seconds each) on a
simulated clock: the requests it sends grow with the work, not with the work x the time it takes."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError, CortexUnreachable
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import (
    MAX_INTERVAL, Job, Scheduler, job_problems)


class Queue(object):
    """Provisioning requests done first in, first out by ``workers`` workers, ``delay`` seconds each."""

    def __init__(self, n, delay, workers, fail=()):
        self.now = 0.0
        self.delay, self.workers = delay, workers
        self.ids = list(range(1, n + 1))
        self.fail = dict((i, 1) for i in fail)  # request id -> failures still to play
        self.finish = {}
        self.statuses = {}
        self.gets = self.lists = self.writes = 0
        self.next_id = n + 1
        self.refs = {}
        for rid in self.ids:
            self._queue(rid)

    def _queue(self, rid):
        ahead = len(self.finish)
        slot = ahead // self.workers
        base = max(self.finish.values()) if self.finish and ahead % self.workers == 0 else 0
        self.finish[rid] = max(self.now, 0) + (slot + 1) * self.delay if not base else base + self.delay

    def status(self, rid):
        if self.now < self.finish[rid]:
            return "InProgress"
        if self.fail.get(rid):
            return "Failed"
        return "Provisioned"

    def record(self, rid):
        """A request as Cortex records it: its type and the object it is about."""
        return dict(id=rid, status=self.status(rid), type="Object Provision", object_type="User",
                    object_name=self.refs.get(rid, "u%d" % rid),
                    message="AD unavailable" if self.status(rid) == "Failed" else None)

    def get_request(self, rid):
        self.gets += 1
        return self.record(rid)

    def get_requests(self, ids):
        self.gets += 1
        return [self.record(rid) for rid in ids]

    def object_statuses(self, code, family):
        self.lists += 1
        return dict((("user", "bms", "u%d" % rid), self.status(rid)) for rid in self.ids)

    def provision(self, ref):
        self.writes += 1
        rid = self.next_id
        self.next_id += 1
        self.refs[rid] = ref["login"]
        self.finish[rid] = self.now + self.delay
        return [rid]

    def sleep(self, seconds):
        self.now += seconds

    def clock(self):
        return self.now


def run(n, delay, workers=4, fail=(), retries=2):
    queue = Queue(n, delay, workers, fail)
    scheduler = Scheduler(queue, retries=retries, concurrency=8, clock=queue.clock, sleep=queue.sleep)
    scheduler.add([Job(dict(kind="user", tenant="BMS", login="u%d" % rid), rid) for rid in queue.ids])
    done = scheduler.run(until=10 ** 6)
    return queue, scheduler, done


@pytest.mark.parametrize("n", [300, 2000])
@pytest.mark.parametrize("delay", [0.5, 5.0])
def test_reads_grow_with_the_work_not_with_the_time(n, delay):
    queue, scheduler, done = run(n, delay)
    assert done and sum(1 for job in scheduler.jobs if job.status == "Provisioned") == n
    # about one read per READ_BATCH requests plus one per round; rounds are spaced by the rate of completion
    assert queue.gets <= 0.3 * n + 10, queue.gets
    # and waiting ends soon after the last request is done
    assert queue.now <= max(queue.finish.values()) * 1.1 + 1


def test_ten_times_slower_costs_about_the_same_number_of_reads():
    fast, dummy, dummy2 = run(1000, 0.5)
    slow, dummy, dummy2 = run(1000, 5.0)
    # the same reads, but for the rounds that MAX_INTERVAL adds (a round at least every MAX_INTERVAL seconds, so
    # that progress shows): a poller reading every pending request each round would cost hundreds of times more
    assert slow.gets <= fast.gets * 1.5 + slow.now / MAX_INTERVAL, (fast.gets, slow.gets, slow.now)


def test_a_failed_provisioning_is_queued_again_after_a_fresh_read():
    queue, scheduler, done = run(20, 0.5, fail=[3, 7])
    assert done and queue.writes == 2 and queue.lists >= 1
    jobs = dict((job.ref["login"], job) for job in scheduler.jobs)
    assert jobs["u3"].status == "Provisioned" and jobs["u3"].retries == 1 and len(jobs["u3"].history) == 2


def test_failing_every_time_gives_up_after_the_retries():
    queue = Queue(1, 0.5, 1)
    queue.status = lambda rid: "Failed" if queue.now >= queue.finish[rid] else "InProgress"
    scheduler = Scheduler(queue, retries=2, clock=queue.clock, sleep=queue.sleep)
    scheduler.add([Job(dict(kind="user", tenant="BMS", login="u1"), 1)])
    assert scheduler.run(until=1000)
    job = scheduler.jobs[0]
    assert job.status == "Failed" and job.retries == 2 and queue.writes == 2 and job.message == "AD unavailable"


def test_an_object_written_without_a_request_id_is_watched_through_its_status():
    queue = Queue(5, 1.0, 1)
    scheduler = Scheduler(queue, clock=queue.clock, sleep=queue.sleep)
    scheduler.add([Job(dict(kind="user", tenant="BMS", login="u5"))])  # no request id
    assert scheduler.run(until=1000)
    assert scheduler.jobs[0].status == "Provisioned" and queue.gets == 0
    assert queue.now >= queue.finish[5]  # never assumed done before the object said so


def test_a_mailbox_waiting_for_its_user_is_sent_once_the_user_is_provisioned():
    queue = Queue(1, 1.0, 1)
    scheduler = Scheduler(queue, clock=queue.clock, sleep=queue.sleep)
    user = dict(kind="user", tenant="BMS", login="u1")
    scheduler.add([Job(user, 1), Job(dict(kind="mailbox", tenant="BMS", login="u1", plan="P"), waits_for=user)])
    assert scheduler.run(until=1000)
    mailbox = scheduler.jobs[1]
    assert mailbox.status == "Provisioned" and mailbox.sent and queue.writes == 1


def test_a_server_that_reads_one_request_at_a_time_is_read_one_at_a_time():
    queue = Queue(30, 0.0, 4)
    queue.get_requests = None  # no batched reads
    scheduler = Scheduler(queue, clock=queue.clock, sleep=queue.sleep)
    scheduler.add([Job(dict(kind="user", tenant="BMS", login="u%d" % i), i) for i in queue.ids])
    assert scheduler.run(until=1000) and queue.gets == 30


def test_an_unreadable_request_fails_its_job_without_being_queued_again():
    queue = Queue(2, 0.0, 1)
    queue.get_requests = lambda ids: [CortexError("NotFound: no such request", 400, [("NotFound", "x")])] * len(ids)
    scheduler = Scheduler(queue, clock=queue.clock, sleep=queue.sleep)
    scheduler.add([Job(dict(kind="user", tenant="BMS", login="u1"), 1), Job(dict(kind="user", tenant="BMS",
                                                                                 login="u2"), 2)])
    assert scheduler.run(until=1000)
    assert [job.status for job in scheduler.jobs] == ["Failed", "Failed"] and queue.writes == 0


# -- nothing is written because a job says so (cortex_wait takes jobs from outside) ----------------------------------

def test_a_failed_request_of_another_object_never_queues_the_object_of_the_job():
    """A Failed request id with a crafted ref (another user, delete): the request Cortex recorded is about u1's
    provisioning, so neither a DELETE nor any other write is sent for 'victim'."""
    queue = Queue(1, 0.5, 1, fail=[1])
    queue.object_statuses = lambda code, family: {("user", "bms", "victim"): "Provisioned",
                                                  ("user", "bms", "u1"): queue.status(1)}
    scheduler = Scheduler(queue, retries=2, clock=queue.clock, sleep=queue.sleep)
    scheduler.add([Job(dict(kind="user", tenant="BMS", login="victim", action="delete"), 1)])
    assert scheduler.run(until=1000)
    job = scheduler.jobs[0]
    assert queue.writes == 0 and job.status == "Failed"
    assert "not queued again" in job.message and "not of this object" in job.message


def test_a_removal_without_a_request_is_never_sent():
    queue = Queue(1, 0.0, 1)
    scheduler = Scheduler(queue, retries=2, clock=queue.clock, sleep=queue.sleep)
    scheduler.add([Job(dict(kind="user", tenant="BMS", login="u1", action="delete"), status="Failed")])
    scheduler.run(until=10)
    assert queue.writes == 0
    assert "removal is queued again only after a request" in scheduler.jobs[0].message


def test_waiting_work_is_sent_only_for_its_own_parent_and_never_removes():
    queue = Queue(1, 0.0, 1)
    scheduler = Scheduler(queue, clock=queue.clock, sleep=queue.sleep)
    user = dict(kind="user", tenant="BMS", login="u1")
    scheduler.add([Job(user, 1),
                   Job(dict(kind="mailbox", tenant="BMS", login="other", plan="P"), waits_for=user),
                   Job(dict(kind="user", tenant="BMS", login="u1", action="delete"),
                       waits_for=dict(kind="tenant", tenant="BMS"))])
    assert scheduler.run(until=1000)
    assert queue.writes == 0
    assert "not the object it belongs to" in scheduler.jobs[1].message
    assert "never sent as waiting work" in scheduler.jobs[2].message


def test_a_cortex_that_stops_answering_fails_the_wait_instead_of_waiting_for_ever():
    queue = Queue(3, 5.0, 1)
    queue.get_requests = lambda ids: [CortexError("cannot reach the server", None)] * len(ids)
    scheduler = Scheduler(queue, clock=queue.clock, sleep=queue.sleep, unreachable_after=60)
    scheduler.add([Job(dict(kind="user", tenant="BMS", login="u%d" % i), i) for i in queue.ids])
    with pytest.raises(CortexUnreachable) as caught:
        scheduler.run(until=10 ** 6)
    assert "3 object(s) not confirmed" in caught.value.message
    assert 60 <= queue.now < 200  # it gave up once the breaker's time had passed, not at wait_timeout


def test_the_breaker_counts_across_module_runs_through_the_jobs():
    """Each short module run of the action plugin's loop makes a new scheduler: the time without answers is carried
    in the jobs."""
    queue = Queue(1, 5.0, 1)
    queue.get_requests = lambda ids: [CortexError("cannot reach the server", None)] * len(ids)
    queue.get_request = lambda rid: CortexError("cannot reach the server", None)
    jobs = [Job(dict(kind="user", tenant="BMS", login="u1"), 1).to_dict()]
    for dummy in range(20):
        scheduler = Scheduler(queue, clock=queue.clock, sleep=queue.sleep, unreachable_after=60)
        scheduler.add([Job.from_dict(job) for job in jobs])
        try:
            scheduler.run(until=queue.now + 10)
        except CortexUnreachable:
            break
        jobs = [job.to_dict() for job in scheduler.jobs]
    else:
        pytest.fail("the wait never gave up")
    assert queue.now < 100


@pytest.mark.parametrize("data, says", [
    ({}, "ref must be a mapping"),
    ("x", "must be a mapping"),
    ({"ref": {"kind": "printer"}}, "ref.kind must be one of"),
    ({"ref": {"kind": "user", "tenant": "BMS"}}, "ref.login must be"),
    ({"ref": {"kind": "user", "tenant": "BMS", "login": "a", "action": "deprovision"}}, "must be provision or delete"),
    ({"ref": {"kind": "tenant", "tenant": "BMS"}, "id": "12"}, "id must be a request id"),
])
def test_a_malformed_job_is_named_not_a_crash(data, says):
    assert any(says in problem for problem in job_problems(data)), job_problems(data)


def test_a_job_as_a_module_returns_it_is_sound():
    job = Job(dict(kind="mailbox", tenant="BMS", login="u1", upn="u1@x.fr", plan="P", action="provision"), 4)
    assert job_problems(job.to_dict()) == []


def test_failed_objects_of_one_tenant_are_queued_again_in_one_write():
    """A batch whose provisioning failed as a whole (a fault of the whole call) goes back in one request."""
    queue = Queue(5, 0.5, 5, fail=[1, 2, 3, 4, 5])  # five workers: the five fail at once
    calls = []

    def provision_many(refs):
        calls.append(len(refs))
        return [i for ref in refs for i in queue.provision(ref)], []

    queue.provision_many = provision_many
    scheduler = Scheduler(queue, retries=2, clock=queue.clock, sleep=queue.sleep)
    scheduler.add([Job(dict(kind="user", tenant="BMS", login="u%d" % rid), rid) for rid in queue.ids])
    assert scheduler.run(until=1000)
    assert calls == [5] and all(job.status == "Provisioned" and job.retries == 1 for job in scheduler.jobs)


def test_a_wait_may_return_only_the_jobs_not_confirmed():
    """return_jobs: unconfirmed keeps the failed and the pending jobs; the counts and failures are those of all."""
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_results import wait_result

    def job(login, status, **more):
        return dict(dict(ref=dict(kind="user", tenant="BMS", login=login), id=hash(login) % 1000, status=status), **more)

    jobs = [job("a_BMS", "Provisioned"), job("b_BMS", "Failed", message="disk full"), job("c_BMS", "InProgress"),
            job("d_BMS", "Deleted")]
    every = wait_result(jobs, timeout=60)
    brief = wait_result(jobs, timeout=60, returned="unconfirmed")
    assert [j["ref"]["login"] for j in brief["jobs"]] == ["b_BMS", "c_BMS"] and every["jobs"] == jobs
    assert dict(brief, jobs=None) == dict(every, jobs=None)
    assert brief["summary"] == dict(total=4, provisioned=2, failed=1, pending=1, retried=0) and brief["failed"]
    assert [f["object"] for f in brief["failures"]] == ["user 'b_BMS'", "user 'c_BMS'"]
    assert wait_result(jobs[:1] + jobs[3:], returned="unconfirmed")["jobs"] == []
