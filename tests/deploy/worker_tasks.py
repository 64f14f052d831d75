"""A task for the tests that run a real worker: it takes a while, then writes down that it ran."""

from __future__ import annotations

import os
import time


def mark(folder: str, number: int, seconds: float) -> int:
    """Sleep `seconds`, then append `number` to folder/ran (one line per run, so a second run shows)."""
    time.sleep(seconds)
    with open(os.path.join(folder, "ran"), "a", encoding="ascii") as ran:
        ran.write(f"{number}\n")
    return number


def job_unit(job_id: int, folder: str, number: int, seconds: float) -> int:
    """One unit of a job, the way the app's tasks count theirs; writes "start n" and "end n" lines."""
    from studio.services import job_advance, job_start

    job_start(job_id=job_id)
    with open(os.path.join(folder, "log"), "a", encoding="ascii") as log:
        log.write(f"start {number} {os.getpid()}\n")
    time.sleep(seconds)
    job_advance(job_id=job_id, done=1, unit=f"unit:{number}")
    with open(os.path.join(folder, "log"), "a", encoding="ascii") as log:
        log.write(f"end {number}\n")
    return number
