"""How background tasks are claimed, kept and resumed (django-q2 with its ORM broker).

django-q2's ORM broker hides a claimed task for `retry` seconds, which must exceed the task
timeout (900 s here), so a task whose worker died came back only after twenty minutes, and with
it every task the dead cluster had claimed ahead. Here a claim is a short lease instead
(ATELIER_TASK_LEASE_SECONDS): the worker running a task renews it every third of the lease
while the task runs, so a live task is never taken twice, and a dead worker's task is free
again within one lease. The cluster claims one task ahead (queue_limit), not fifty.

A task claimed ahead waits in the cluster's own queue until a worker is free, perhaps behind a task
that runs for minutes: the pusher keeps the lease of every task it claimed until a worker starts it
(the worker's first renewal takes it over). Before, such a lease ran out while the task waited, so the
task was claimed a second time (by another cluster, or by this one once the queue moved) and ran twice.

Tasks of a job (a first parameter `job_id`) also tell the job: a task that starts again after
its worker died shows the job as "Resuming", and one stopped at the time limit ends its job
(studio.services.job_task_started / job_task_ended).
"""

from __future__ import annotations

import inspect
import logging
import pydoc
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ

logger = logging.getLogger(__name__)

# django-q2's own words for a task stopped at the time limit (django_q.timeout.TimeoutHandler).
TIMEOUT_RESULT = "Task exceeded maximum timeout value"


class LeasedORM(ORM):
    """The ORM broker with short, renewed leases instead of one long `retry` wait."""

    def timeout(self, task) -> object:
        return timezone.now() + timedelta(seconds=settings.ATELIER_TASK_LEASE_SECONDS)

    def dequeue(self):
        """django-q2's claim (ORM.dequeue as of django-q2 1.11.1), remembering each lease
        taken so it is kept while the task waits; compare with the library's when upgrading."""
        tasks = self.get_connection().filter(key=self.list_key, lock__lt=timezone.now())[: Conf.BULK]
        if not tasks:
            time.sleep(Conf.POLL)  # empty queue, spare the cpu
            return None
        claimed = []
        for task in tasks:
            until = self.timeout(task)
            if self.get_connection().filter(id=task.id, lock=task.lock).update(lock=until):
                waiting_hold(ack_id=task.pk, until=until)
                claimed.append((task.pk, task.payload))
        return claimed


# Tasks this process (the pusher) claimed and no worker has started yet: ack id -> the lease it set last.
_waiting: dict[int, object] = {}
_waiting_lock = threading.Lock()
_waiting_keeper: threading.Thread | None = None


def waiting_hold(*, ack_id: int, until) -> None:
    global _waiting_keeper
    with _waiting_lock:
        _waiting[ack_id] = until
        if _waiting_keeper is None or not _waiting_keeper.is_alive():
            _waiting_keeper = threading.Thread(target=_keep_waiting_leases, name="waiting-leases", daemon=True)
            _waiting_keeper.start()


def waiting_renew() -> int:
    """Renew the lease of each claimed task that has not started; how many are still waiting.

    Conditional on the lease this process set last: once a worker starts the task and renews the lease
    itself (or it ended and is gone), the update finds nothing and the task is no longer held here."""
    with _waiting_lock:
        held = dict(_waiting)
    for ack_id, until in held.items():
        renewed = timezone.now() + timedelta(seconds=settings.ATELIER_TASK_LEASE_SECONDS)
        kept = OrmQ.objects.using(Conf.ORM).filter(pk=ack_id, lock=until).update(lock=renewed)
        with _waiting_lock:
            if kept:
                _waiting[ack_id] = renewed
            else:
                _waiting.pop(ack_id, None)
    with _waiting_lock:
        return len(_waiting)


def _keep_waiting_leases() -> None:
    every = max(1.0, settings.ATELIER_TASK_LEASE_SECONDS / 3)
    while True:
        time.sleep(every)
        try:
            waiting_renew()
        except Exception:  # a locked database now and then: the lease outlasts two more tries
            logger.warning("Could not renew the leases of waiting tasks", exc_info=True)
        finally:
            connections.close_all()  # no connection held between rounds


def lease_renew(*, ack_id: int) -> bool:
    """Push the lease of a claimed task one lease ahead; False when the task is no longer queued."""
    until = timezone.now() + timedelta(seconds=settings.ATELIER_TASK_LEASE_SECONDS)
    return bool(OrmQ.objects.using(Conf.ORM).filter(pk=ack_id).update(lock=until))


class _LeaseKeeper(threading.Thread):
    """Renews the lease of the task its worker runs until the task ends (or the worker dies with it)."""

    def __init__(self, ack_id: int) -> None:
        super().__init__(name=f"lease-{ack_id}", daemon=True)
        self.ack_id = ack_id
        self.ended = threading.Event()

    def run(self) -> None:
        every = max(1.0, settings.ATELIER_TASK_LEASE_SECONDS / 3)
        try:
            while not self.ended.wait(every):
                try:
                    if not lease_renew(ack_id=self.ack_id):
                        return
                except Exception:  # a locked database now and then: the lease outlasts two more tries
                    logger.warning("Could not renew the lease of task %s", self.ack_id, exc_info=True)
        finally:
            connections.close_all()


_keeper: _LeaseKeeper | None = None


def job_id_of(task: dict) -> int | None:
    """The job a task works for: the value of its function's `job_id` parameter, if it has one."""
    func = task.get("func")
    if isinstance(func, str):
        func = pydoc.locate(func)
    if not callable(func):
        return None
    try:
        bound = inspect.signature(func).bind_partial(*task.get("args") or (), **task.get("kwargs") or {})
    except (TypeError, ValueError):
        return None
    job_id = bound.arguments.get("job_id")
    return job_id if isinstance(job_id, int) else None


def on_task_start(sender, func=None, task=None, **kwargs) -> None:
    """In the worker, before the task runs: keep its lease, and tell its job if it runs again."""
    global _keeper
    if not task or task.get("sync") or not task.get("ack_id"):
        return  # run in-process (Q_SYNC): nothing claimed, nothing to resume
    try:  # the lease runs from now, and is this worker's: the pusher stops keeping it
        lease_renew(ack_id=task["ack_id"])
    except Exception:
        logger.warning("Could not renew the lease of task %s", task["ack_id"], exc_info=True)
    _keeper = _LeaseKeeper(task["ack_id"])
    _keeper.start()
    job_id = job_id_of(task)
    if job_id is not None:
        from studio.services import job_task_started

        try:
            if job_task_started(job_id=job_id, task_id=task["id"]):
                logger.warning("Task %s of job %s runs again: its worker stopped", task.get("name"), job_id)
        except Exception:  # the task matters more than its bookkeeping
            logger.exception("Could not record the start of task %s", task.get("name"))


def on_task_end_in_worker(sender, task=None, **kwargs) -> None:
    """In the worker, once the task returned, failed or timed out: stop renewing its lease."""
    global _keeper
    if _keeper is not None:
        _keeper.ended.set()
        _keeper.join(5)
        _keeper = None


def on_task_end(sender, task=None, **kwargs) -> None:
    """In the monitor, once the result is saved: the job's task ended (and a timed-out one ends the job)."""
    if not task or task.get("sync"):
        return
    job_id = job_id_of(task)
    if job_id is None:
        return
    from studio.services import job_task_ended

    timed_out = not task.get("success") and str(task.get("result", "")).startswith(TIMEOUT_RESULT)
    try:
        job_task_ended(
            job_id=job_id,
            task_id=task["id"],
            timed_out_after=(task.get("timeout") or Conf.TIMEOUT) if timed_out else None,
        )
    except Exception:
        logger.exception("Could not record the end of task %s", task.get("name"))


def connect() -> None:
    from django_q.signals import post_execute, post_execute_in_worker, pre_execute

    pre_execute.connect(on_task_start, dispatch_uid="studio.taskqueue.start")
    post_execute_in_worker.connect(on_task_end_in_worker, dispatch_uid="studio.taskqueue.end_in_worker")
    post_execute.connect(on_task_end, dispatch_uid="studio.taskqueue.end")
