"""A real worker cluster (manage.py runworker) on a SQLite file: a killed cluster's tasks run again within a
lease, none lost and none counted twice, the job shows "Resuming" meanwhile; a task past the time limit ends
its job. The waits are hang detectors, not timings.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.deploy.processes import ROOT, clean_env, kill_group, manage, tree

pytestmark = pytest.mark.slow


def _cluster(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "runworker"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _queue_job(env: dict[str, str], folder: Path, *, units: int, seconds: float) -> int:
    out = manage(
        "shell",
        "-c",
        "from django_q.tasks import async_task\n"
        "from studio.services import job_create\n"
        f"job = job_create(kind='test', label='Recovery', total={units})\n"
        f"for n in range({units}): async_task('tests.deploy.worker_tasks.job_unit', job.pk, {str(folder)!r}, n, {seconds})\n"
        "print(job.pk)",
        env=env,
    )
    return int(out.split()[-1])


def _job(database: Path, job_id: int) -> tuple[str, int, int, str]:
    with sqlite3.connect(database, timeout=10) as connection:
        return connection.execute(
            "SELECT status, done, failed, message FROM studio_job WHERE id = ?", (job_id,)
        ).fetchone()


def _lines(folder: Path) -> list[str]:
    path = folder / "log"
    return path.read_text().splitlines() if path.exists() else []


def _wait_for_ends(folder: Path, units: int) -> None:
    """The job's last unit is counted (job_advance commits) just before its task writes "end n": wait for that
    line before stopping the cluster, or a unit that did run looks lost. A hang detector, not a timing."""
    deadline = time.monotonic() + 30
    while sum(line.startswith("end ") for line in _lines(folder)) < units and time.monotonic() < deadline:
        time.sleep(0.05)


def test_killed_cluster_resumes_within_a_lease_and_loses_or_repeats_nothing(tmp_path):
    env = clean_env(tmp_path, Q_WORKERS="1", Q_SYNC="0", ATELIER_TASK_LEASE_SECONDS="5")
    database = tmp_path / "db.sqlite3"
    manage("migrate", "-v0", env=env)
    units = 4
    job_id = _queue_job(env, tmp_path, units=units, seconds=3.0)
    log = tmp_path / "worker.log"
    cluster = _cluster(env, log)
    try:
        deadline = time.monotonic() + 90
        while not any(line.startswith("start 0 ") for line in _lines(tmp_path)):
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        assert len(tree(cluster.pid)) >= 5
        os.killpg(cluster.pid, signal.SIGKILL)  # the whole cluster, mid-task, with tasks claimed ahead
        cluster.wait(10)
        assert "end 0" not in _lines(tmp_path)

        cluster = _cluster(env, log)
        seen = set()
        deadline = time.monotonic() + 120  # django-q2's own retry would hide the tasks for 1,200 s
        while True:
            status, done, failed, message = _job(database, job_id)
            seen.add(status)
            if status == "resuming":
                assert "Resuming" in message
            if status in ("succeeded", "partial", "failed"):
                break
            assert time.monotonic() < deadline, f"job {status} {done}/{units}\n{log.read_text()[-3000:]}"
            time.sleep(0.1)
        _wait_for_ends(tmp_path, units)
    finally:
        kill_group(cluster)
    assert (status, done, failed) == ("succeeded", units, 0)
    assert "resuming" in seen
    ends = [line for line in _lines(tmp_path) if line.startswith("end ")]
    assert sorted(ends) == [f"end {n}" for n in range(units)]  # each unit finished once: none lost, none twice


def test_a_killed_worker_process_s_task_runs_again_in_the_same_cluster(tmp_path):
    """Only the worker running a task dies (the OOM killer's pick): the cluster starts a new worker, and the
    task, leased to the dead one, runs again once the lease lapses."""
    env = clean_env(tmp_path, Q_WORKERS="1", Q_SYNC="0", ATELIER_TASK_LEASE_SECONDS="5")
    database = tmp_path / "db.sqlite3"
    manage("migrate", "-v0", env=env)
    units = 3
    job_id = _queue_job(env, tmp_path, units=units, seconds=3.0)
    log = tmp_path / "worker.log"
    cluster = _cluster(env, log)
    try:
        deadline = time.monotonic() + 90
        while not (started := [line for line in _lines(tmp_path) if line.startswith("start ")]):
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        number, pid = started[0].split()[1:]
        os.kill(int(pid), signal.SIGKILL)  # the worker process alone, mid-task
        seen = set()
        deadline = time.monotonic() + 120
        while (row := _job(database, job_id))[0] not in ("succeeded", "partial", "failed"):
            seen.add(row[0])
            assert time.monotonic() < deadline, f"job {row[0]} {row[1]}/{units}\n{log.read_text()[-3000:]}"
            time.sleep(0.1)
        assert cluster.poll() is None  # the same cluster did it
        _wait_for_ends(tmp_path, units)
    finally:
        kill_group(cluster)
    assert row[:3] == ("succeeded", units, 0)
    assert "resuming" in seen
    ends = [line for line in _lines(tmp_path) if line.startswith("end ")]
    assert sorted(ends) == [f"end {n}" for n in range(units)]
    assert sum(line.startswith(f"start {number} ") for line in _lines(tmp_path)) == 2  # the killed one, run again


def test_a_task_past_the_time_limit_ends_its_job_with_the_reason(tmp_path):
    env = clean_env(tmp_path, Q_WORKERS="1", Q_SYNC="0", Q_TIMEOUT="10", ATELIER_WEBHOOK_TIMEOUT="5")
    database = tmp_path / "db.sqlite3"
    manage("migrate", "-v0", env=env)
    job_id = _queue_job(env, tmp_path, units=1, seconds=120.0)
    log = tmp_path / "worker.log"
    cluster = _cluster(env, log)
    try:
        deadline = time.monotonic() + 120
        while (row := _job(database, job_id))[0] not in ("succeeded", "partial", "failed"):
            assert time.monotonic() < deadline, f"job still {row[0]}\n{log.read_text()[-3000:]}"
            time.sleep(0.2)
    finally:
        kill_group(cluster)
    status, done, failed, message = row
    assert status == "failed"
    assert "10-second time limit" in message
