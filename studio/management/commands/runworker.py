"""`manage.py runworker`: django-q2's cluster (what `qcluster` starts) that stops cleanly whichever way it is told.

Why not `qcluster` itself: its sentinel process leaves SIGTERM at the default, so when SIGTERM
reaches the whole process group (systemd's default KillMode=control-group, `kill -- -PGID`,
a container stop) the sentinel and the workers die at once, mid-task, and the main process then
hangs for ever on an event the dead sentinel held. Here only the main process acts on SIGTERM and
SIGINT: the sentinel and every process it starts (workers, pusher, monitor) ignore both, the main
process asks the sentinel to stop, and the sentinel stops taking tasks, lets each worker finish the
task in hand and exits. A task cut short by a harder stop (SIGKILL) runs again once its lease lapses.
"""

from __future__ import annotations

import os
import signal

from django.conf import settings
from django.core.management.base import BaseCommand
from django_q.cluster import Cluster, Sentinel, get_mp_context


class _Sentinel(Sentinel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, start=False, **kwargs)
        # Set before any child is forked, so the workers, pusher and monitor inherit it.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.start()

    def reincarnate(self, process):
        # A worker stuck past its timeout is stopped with SIGTERM by django-q2, which the
        # workers here ignore: stop it for certain.
        if process in self.pool and process.timer.value == 0 and process.is_alive():
            os.kill(process.pid, signal.SIGKILL)
            process.join(5)
        super().reincarnate(process)


class StoppableCluster(Cluster):
    def start(self) -> int:
        self.stop_event = get_mp_context().Event()
        self.start_event = get_mp_context().Event()
        self.sentinel = get_mp_context().Process(
            target=_Sentinel,
            name=f"Process-{self.cluster_id.hex}",
            args=(self.stop_event, self.start_event, self.cluster_id, self.broker, self.timeout),
        )
        self.sentinel.start()
        while self.start_event is not None and not self.start_event.is_set() and self.sentinel.is_alive():
            self.sentinel.join(0.1)
        return self.pid

    def sig_handler(self, signum, frame):
        if self.stop_event is not None and self.stop_event.is_set():
            return  # already stopping: a second signal (the group's, then a parent's) changes nothing
        self.stop()


class Command(BaseCommand):
    help = "Run the background workers (django-q2); SIGTERM or Ctrl-C to the process or its group stops them cleanly."

    def handle(self, *args, **options):
        settings.SECRET_KEY  # noqa: B018 - the tasks are signed with it: fail now, not in the first task
        cluster = StoppableCluster()
        cluster.start()
        while cluster.sentinel.is_alive():
            cluster.sentinel.join(1)
        if cluster.sentinel.exitcode not in (0, None):
            raise SystemExit(f"The worker cluster stopped with exit code {cluster.sentinel.exitcode}.")
