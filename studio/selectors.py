"""Kernel reads: background jobs and their progress."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from studio.models import Job, JobUnit
from studio.permissions import VIEW


def jobs_for(user) -> QuerySet[Job]:
    return Job.objects.restrict(user, VIEW).select_related("created_by")


def job_progress(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "label": job.label,
        "status": job.status,
        "status_display": job.get_status_display(),
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "percent": job.percent,
        "finished": job.is_finished,
        "message": job.message,
        "errors": job.errors[-5:],
    }


def job_unit_ids(job: Job, *, prefix: str) -> dict[int, bool]:
    """The ids a job worked on, from its counted units ("product:12" with prefix "product"): id → succeeded."""
    found: dict[int, bool] = {}
    for key, ok in JobUnit.objects.filter(job=job, key__startswith=f"{prefix}:").values_list("key", "ok"):
        tail = key.split(":", 1)[1]
        if tail.isascii() and tail.isdigit():
            found[int(tail)] = ok
    return found
