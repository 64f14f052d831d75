"""`make run` (manage.py runstudio) leaves nothing running when it is stopped: Ctrl-C in its terminal (SIGINT to the
foreground process group), SIGTERM or SIGHUP to runstudio alone (issue 14: four worker processes outlived it in 3 of
4 trials). The wait is a hang detector, not a timing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.deploy.processes import ROOT, clean_env, kill_group, tree, wait_until_gone

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    "how",
    ["ctrl-c", "sigterm", "sighup"],
)
def test_stopping_runstudio_stops_every_process_it_started(tmp_path, how):
    env = clean_env(tmp_path, Q_WORKERS="1")
    log = tmp_path / "runstudio.log"
    port = _free_port()
    # Its own session, as in a terminal: the group it leads is the terminal's foreground group.
    studio = subprocess.Popen(
        [sys.executable, "manage.py", "runstudio", "--no-seed", "--addr", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        # runstudio, runserver, and runworker's main, sentinel, worker, pusher and monitor
        while "Atelier is running at" not in log.read_text() or len(tree(studio.pid)) < 7:
            assert studio.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        pids = tree(studio.pid)
        if how == "ctrl-c":
            os.killpg(studio.pid, signal.SIGINT)
        else:
            studio.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGHUP)
        left = wait_until_gone(studio, pids, limit=60)
        assert not left, f"still running after {how}: {sorted(left)}\n{log.read_text()[-3000:]}"
    finally:
        for pid in tree(studio.pid) | {studio.pid}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        kill_group(studio)
