"""Background tasks of the studio kernel: thin wrappers around services."""

from __future__ import annotations

import logging

from django.conf import settings

from studio.media import media_sweep
from studio.services import jobs_fail_stalled

logger = logging.getLogger(__name__)


def sweep_media() -> dict:
    """Nightly: remove media files no row refers to, older than ATELIER_MEDIA_SWEEP_GRACE_HOURS."""
    report = media_sweep(grace_seconds=settings.ATELIER_MEDIA_SWEEP_GRACE_HOURS * 3600)
    if report.removed:
        logger.info("Media sweep removed %s files (%s bytes).", len(report.removed), report.removed_bytes)
    return {"removed": len(report.removed), "bytes": report.removed_bytes, "too_recent": report.too_recent}


def fail_stalled_jobs() -> dict:
    """Every minute: jobs with no progress for ATELIER_JOB_STALL_SECONDS are failed with the reason."""
    return {"failed": jobs_fail_stalled(stall_seconds=settings.ATELIER_JOB_STALL_SECONDS)}
