"""The systemd units in deploy/systemd/ stop cleanly: their ExecStart lines are run the way systemd runs
them (own session and process group, the unit's environment) and stopped the way systemd stops them
(KillMode=control-group: KillSignal to every process of the unit, here its process group). Every process
must be gone within the unit's TimeoutStopSec (only a hang detector), and the worker must lose no task.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.processes import ROOT, clean_env, kill_group, manage, tree, wait_until_gone

pytestmark = pytest.mark.slow
UNITS = ROOT / "deploy" / "systemd"
INSTALLED_AT = "/srv/atelier"  # where the units expect the code; the test runs this checkout instead


def unit(name: str) -> dict[str, str]:
    """The [Service] keys of a unit file (one value per key: these units use each once)."""
    service: dict[str, str] = {}
    section = ""
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service":
            key, _, value = line.partition("=")
            service[key] = value
    return service


def start(service: dict[str, str], env: dict[str, str], log: Path, **replace: str) -> subprocess.Popen:
    assert service.get("KillMode", "control-group") == "control-group"
    assert service["WorkingDirectory"] == INSTALLED_AT
    command = service["ExecStart"].replace(INSTALLED_AT, str(ROOT))
    for old, new in replace.items():
        command = command.replace(old, new)
    argv = shlex.split(command)
    assert Path(argv[0]).is_absolute(), "systemd needs an absolute path to the program"
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen, service: dict[str, str], log: Path) -> None:
    """SIGTERM to every process of the unit, then every one of them must end by itself."""
    pids = tree(process.pid)
    os.killpg(process.pid, getattr(signal, service.get("KillSignal", "SIGTERM")))
    left = wait_until_gone(process, pids, limit=float(service.get("TimeoutStopSec", "90")))
    if left:
        kill_group(process)
    assert not left, f"still running after SIGTERM to the group: {sorted(left)}\n{log.read_text()[-3000:]}"


def wait_for(condition, *, limit: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}\n{log.read_text()[-3000:]}"
        time.sleep(0.2)


def test_worker_unit_stops_cleanly_on_sigterm_to_its_group_and_loses_no_task(tmp_path):
    service = unit("atelier-worker.service")
    env = clean_env(tmp_path, Q_WORKERS="2", Q_SYNC="0")
    manage("migrate", "-v0", env=env)
    tasks = 8
    manage(
        "shell",
        "-c",
        "from django_q.tasks import async_task\n"
        f"for n in range({tasks}): async_task('tests.deploy.worker_tasks.mark', {str(tmp_path)!r}, n, 1.0)",
        env=env,
    )
    ran = tmp_path / "ran"
    log = tmp_path / "worker.log"

    def numbers() -> list[int]:
        return [int(line) for line in ran.read_text().split()] if ran.exists() else []

    process = start(service, env, log)
    try:
        # The workers are busy and more tasks wait: stop in the middle of the work.
        wait_for(lambda: len(numbers()) >= 1, limit=90, what="the first task", log=log)
        assert len(tree(process.pid)) >= 6  # main, sentinel, two workers, pusher, monitor
        stop(process, service, log)
        assert process.returncode == 0, log.read_text()[-3000:]
        assert len(numbers()) < tasks, "the worker had finished everything before the stop: nothing was tested"

        process = start(service, env, log)  # the next start does the rest
        wait_for(lambda: len(numbers()) >= tasks, limit=90, what="every task", log=log)
        stop(process, service, log)
    finally:
        kill_group(process)
    assert sorted(numbers()) == list(range(tasks))  # none lost, none run twice


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # an answer all the same
    except OSError:
        return False


def test_web_unit_stops_cleanly_on_sigterm_to_its_group(tmp_path):
    service = unit("atelier-web.service")
    env = clean_env(tmp_path)
    manage("migrate", "-v0", env=env)
    port = _free_port()
    log = tmp_path / "web.log"
    process = start(service, env, log, **{"127.0.0.1:8000": f"127.0.0.1:{port}"})
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), limit=60, what="gunicorn", log=log)
        assert len(tree(process.pid)) >= 4  # the master and its three workers
        stop(process, service, log)
    finally:
        kill_group(process)
