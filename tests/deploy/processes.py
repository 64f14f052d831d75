"""Start a command the way systemd (or a terminal) does and tell when every process it started is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without its settings, with var/ and a SQLite database in tmp_path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "DJANGO_SETTINGS_MODULE" and not key.startswith(("Q_", "ATELIER_", "SECURE_", "DATABASE_"))
    }
    env.update(
        DEBUG="1",
        SECRET_KEY="tests-only-secret-key-not-for-any-deployment-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        ATELIER_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def tree(pid: int) -> set[int]:
    """The process and everything it started that still runs."""
    try:
        leader = psutil.Process(pid)
        return {pid, *(child.pid for child in leader.children(recursive=True))}
    except psutil.NoSuchProcess:
        return set()


def running(pids: set[int]) -> set[int]:
    """Those of `pids` that still run (a zombie waiting for its parent has stopped)."""
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def in_group(pgid: int) -> set[int]:
    found = set()
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                found.add(process.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            pass
    return found


def wait_until_gone(process: subprocess.Popen, pids: set[int], *, limit: float) -> set[int]:
    """Wait (up to `limit` seconds, a hang detector) until none of `pids` runs; what still runs then."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        process.poll()  # reap the leader, our own child
        if not running(pids) and not in_group(process.pid):
            return set()
        time.sleep(0.2)
    return running(pids) | in_group(process.pid)


def kill_group(process: subprocess.Popen) -> None:
    """After a failed check: leave nothing behind."""
    try:
        os.killpg(process.pid, 9)
    except ProcessLookupError:
        pass
    process.wait(10)
