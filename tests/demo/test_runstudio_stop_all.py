"""runstudio's clean-up kills a child's whole process group when it doesn't stop in time (issue 14: a worker
busy with a long task outlived `make run` and kept working for an hour beside the next run's worker)."""

from __future__ import annotations

import subprocess
import sys
import time

from demo.management.commands.runstudio import _stop_all
from tests.deploy.processes import running, tree

# A process that ignores SIGTERM and starts another that does too, as a busy worker cluster may.
STUBBORN = (
    "import signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])\n"
    "time.sleep(600)\n"
)


def test_what_ignores_sigterm_is_killed_with_its_whole_group_after_the_grace_period():
    child = subprocess.Popen([sys.executable, "-c", STUBBORN], process_group=0)
    deadline = time.monotonic() + 30
    while len(pids := tree(child.pid)) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    _stop_all([child], grace=0.5)
    deadline = time.monotonic() + 30
    while running(pids):  # the grandchild is reaped by init, a moment later
        assert time.monotonic() < deadline, f"left running: {running(pids)}"
        time.sleep(0.05)
    assert child.returncode is not None
