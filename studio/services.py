"""Studio-wide writes: roles, the studio profile, background-job progress."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from studio import events
from studio.models import Job, JobTask, JobUnit, StudioProfile
from studio.permissions import ARTISANS, MANAGERS
from studio.redaction import redact

# What each role may do through Django's model permissions (the admin and the
# API check these). Row-level limits come on top, from studio.permissions.
ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    MANAGERS: {
        "studio": ["studioprofile:view,change", "job:view", "makerprofile:*", "apitoken:view,change"],
        "catalog": [
            "category:*",
            "product:*",
            "variant:*",
            "photo:*",
            "look:*",
            "lookversion:view",
            "stagedimage:view",
        ],
        "forecasting": ["sale:*", "salesimport:view,add", "forecast:view", "productionplan:view"],
        "channels": [
            "channellisting:view",
            "unmatchedsku:view,delete",
            "channelsync:view",
            "channelaccount:view",
            "channelstock:view,change",  # change: "push stock now"
            "etsyfacts:*",
            "review:view",
        ],
        "approvals": ["reviewitem:view,decide", "reviewevent:view"],
        "automation": ["endpoint:*", "delivery:view", "attempt:view"],
    },
    ARTISANS: {
        "studio": ["studioprofile:view", "job:view", "makerprofile:view"],
        "catalog": [
            "category:view",
            "product:view,change",
            "variant:view,change",
            "photo:view,add,change,delete",
            "look:view",
            "lookversion:view",
            "stagedimage:view",
        ],
        "forecasting": ["sale:view", "forecast:view", "productionplan:view"],
        "channels": ["channellisting:view", "channelstock:view", "review:view"],
        "approvals": ["reviewitem:view,decide", "reviewevent:view"],
    },
}


def _codenames(spec: str) -> list[str]:
    model, actions = spec.split(":")
    verbs = ["add", "change", "delete", "view"] if actions == "*" else actions.split(",")
    return [f"{verb}_{model}" for verb in verbs]


def roles_sync(*, using: str = "default") -> None:
    """Create the role groups and give them exactly their permissions (idempotent)."""
    for group_name, apps in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=group_name)
        wanted = []
        for app_label, specs in apps.items():
            codenames = [code for spec in specs for code in _codenames(spec)]
            found = list(
                Permission.objects.using(using).filter(content_type__app_label=app_label, codename__in=codenames)
            )
            wanted.extend(found)
        group.permissions.set(wanted)


STUDIO_PROFILE_CACHE_KEY = "studio:profile"
STUDIO_PROFILE_CACHE_SECONDS = 300  # bounds how long a save racing a read can leave the old profile cached


def studio_profile_get() -> StudioProfile:
    """The studio's profile. Every page shows it (the name, the currency), so with a cache that
    every process shares (REDIS_URL) it is read from there; a save or delete drops it
    (studio_profile_forget). A per-process cache couldn't be told of another process's save,
    so then the row is read each time."""
    shared = cache_is_shared()
    if shared and (profile := cache.get(STUDIO_PROFILE_CACHE_KEY)) is not None:
        return profile
    profile = StudioProfile.objects.order_by("pk").first()
    if profile is None:
        profile = StudioProfile.objects.create()
    if shared:
        cache.set(STUDIO_PROFILE_CACHE_KEY, profile, STUDIO_PROFILE_CACHE_SECONDS)
    return profile


def studio_profile_forget(**kwargs) -> None:
    """Drop the cached profile now and again when the saving transaction commits (a read in
    between would otherwise cache the old row again). Connected to StudioProfile's saves and deletes."""
    cache.delete(STUDIO_PROFILE_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(STUDIO_PROFILE_CACHE_KEY))


def cache_is_shared() -> bool:
    """Whether the default cache is one every web process sees (Redis, memcached, files, the database)."""
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


UNFINISHED = [Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.RESUMING]


def job_create(*, kind: str, label: str, total: int = 0, created_by=None) -> Job:
    return Job.objects.create(kind=kind, label=label, total=total, created_by=created_by)


def job_start(*, job_id: int, total: int | None = None) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if total is not None:
            job.total = total
        _mark_running(job)
        job.save()


def job_advance(*, job_id: int, done: int = 0, failed: int = 0, error: str = "", unit: str = "") -> Job:
    """Count finished units of work; several workers may report at once.

    The row is locked while the counters move, and the job finishes itself
    when done + failed reaches total. With `unit` (one unit of work, e.g.
    "product:12") a unit already counted is not counted again: tasks may run
    twice. A unit that failed and then succeeds on the re-run moves from
    failed to done.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        rejudge = False  # a re-run that turned a failure into a success changes the verdict
        if unit:
            counted = JobUnit.objects.filter(job=job, key=unit).first()
            if counted is not None:
                if counted.ok or failed:
                    return job
                counted.ok = True  # a retry fixed it
                counted.save(update_fields=["ok"])
                job.failed = max(0, job.failed - max(done, 1))  # a unit counts as many items as it did
                rejudge = True
            else:
                JobUnit.objects.create(job=job, key=unit, ok=not failed)
        job.done += done
        job.failed += failed
        if error:
            job.errors = (job.errors + [redact(error)[:500]])[-50:]
        _mark_running(job)
        if job.total and job.done + job.failed >= job.total and (not job.is_finished or rejudge):
            _finish(job)
            _emit_finished(job)
        job.save()
    return job


def job_report(*, job_id: int, done: int | None = None, message: str | None = None) -> None:
    """Set the progress of a job that measures itself (e.g. how much of a file was read), not counted units.

    One UPDATE, no lock held: a finished job is left alone.
    """
    updates: dict = {}
    if done is not None:
        updates["done"] = done
    if message is not None:
        updates["message"] = redact(message)
    if updates:
        updates["updated_at"] = timezone.now()
        Job.objects.filter(pk=job_id, status__in=UNFINISHED).update(**updates)


def jobs_fail_stalled(*, stall_seconds: int) -> list[int]:
    """Fail every unfinished job with no sign of life for `stall_seconds`, saying why; the ids.

    Its tasks timed out (django-q2 doesn't retry a task that ran past its timeout) or the
    worker died and every retry ran out: without this the job would show "running" forever.
    A task of it that still turns up later counts its unit as usual; the job stays failed.
    """
    cutoff = timezone.now() - timedelta(seconds=stall_seconds)
    unfinished = Job.objects.filter(status__in=UNFINISHED)
    stale = Q(updated_at__lt=cutoff) | Q(updated_at__isnull=True, created_at__lt=cutoff)
    minutes = max(1, round(stall_seconds / 60))
    failed = []
    for job_id in unfinished.filter(stale).values_list("pk", flat=True):
        with transaction.atomic():
            job = unfinished.filter(stale).select_for_update().filter(pk=job_id).first()
            if job is None:  # it moved on meanwhile
                continue
            done = f" after {job.done} of {job.total}" if job.total else ""
            job.status = Job.Status.FAILED
            job.message = (
                f"Stopped{done}: no progress for {minutes} minutes, so its tasks timed out or the worker "
                "running them stopped. Start the work again; what was done is kept."
            )
            job.finished_at = timezone.now()
            job.save()
            _emit_finished(job)
        failed.append(job_id)
    JobTask.objects.filter(started_at__lt=cutoff).delete()  # tasks that never came back (no task runs this long)
    return failed


def job_finish(*, job_id: int, message: str = "", failed: bool = False) -> Job:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if message:
            job.message = redact(message)
        was_finished = job.is_finished
        if failed:
            job.status = Job.Status.FAILED
            job.finished_at = timezone.now()
            job.started_at = job.started_at or job.finished_at
        elif not job.is_finished:
            _finish(job)
        if not was_finished and job.is_finished:
            _emit_finished(job)
        job.save()
    return job


def job_task_started(*, job_id: int, task_id: str) -> bool:
    """A worker starts a task of the job; True when the task had started before (its worker died).

    Then the job shows "Resuming" until every task of it that runs again has ended (job_task_ended).
    """
    now = timezone.now()
    with transaction.atomic():
        run, created = JobTask.objects.select_for_update().get_or_create(
            task_id=task_id, defaults={"job_id": job_id, "started_at": now}
        )
        if created:
            return False
        run.attempts += 1
        run.started_at = now
        run.save(update_fields=["attempts", "started_at"])
        Job.objects.filter(pk=job_id, status__in=UNFINISHED).update(
            status=Job.Status.RESUMING,
            message=f"Resuming: the worker running part of this job stopped; it runs again (attempt {run.attempts}).",
            updated_at=now,
        )
    return True


def job_task_ended(*, job_id: int, task_id: str, timed_out_after: int | None = None) -> None:
    """A task of the job ended (its result is saved). One that ran past its time limit ends the job.

    django-q2 stops such a task and never retries it, so the units it had not counted yet never
    would be: the job fails now, saying why, instead of showing "running" until the stalled-jobs check.
    """
    JobTask.objects.filter(task_id=task_id).delete()
    if timed_out_after is not None:
        job = Job.objects.filter(pk=job_id).first()
        if job is not None and not job.is_finished:
            job_finish(
                job_id=job_id,
                failed=True,
                message=(
                    f"Stopped after {job.done} of {job.total or '?'}: a part of this job ran past the "
                    f"{timed_out_after}-second time limit for a task and was stopped. Start the work again; "
                    "what was done is kept."
                ),
            )
            return
    if not JobTask.objects.filter(job_id=job_id, attempts__gt=1).exists():  # no other task of it runs again
        Job.objects.filter(pk=job_id, status=Job.Status.RESUMING).update(
            status=Job.Status.RUNNING, message="", updated_at=timezone.now()
        )


def _mark_running(job: Job) -> None:
    if job.started_at is None:
        job.started_at = timezone.now()
    if job.status == Job.Status.QUEUED:
        job.status = Job.Status.RUNNING


def _finish(job: Job) -> None:
    if job.failed and not job.done:
        job.status = Job.Status.FAILED
    elif job.failed:
        job.status = Job.Status.PARTIAL
    else:
        job.status = Job.Status.SUCCEEDED
    job.finished_at = timezone.now()
    job.started_at = job.started_at or job.finished_at  # refused or empty work starts and ends at once


def _emit_finished(job: Job) -> None:
    events.emit(
        events.JobFinished(
            job=job,
            job_id=job.pk,
            kind=job.kind,
            status=job.status,
            done=job.done,
            failed=job.failed,
        )
    )
