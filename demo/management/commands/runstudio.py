"""Run Atelier on one machine: migrate, seed the demo studio if empty, then the
web server and one django-q2 worker together. Ctrl-C (or SIGTERM) stops both,
with every process they started.

The system check runs first, in this process, and the banner with the demo
logins prints only once the web server answers, so it is the last thing on
the screen before the request log rather than lost above the check's output.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalog.models import Product
from demo.seed import DEFAULT_SIZE, SIZES

# How long the web server and the worker get to stop (the worker finishes its task in hand) before they are killed.
STOP_GRACE_SECONDS = 30


class Command(BaseCommand):
    help = "Migrate, seed the demo studio if the database is empty, and run the web server with one worker."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("ATELIER_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--no-seed", action="store_true", help="Don't seed the demo studio into an empty database.")
        parser.add_argument(
            "--demo-size",
            choices=sorted(SIZES),
            default=DEFAULT_SIZE,
            help="How big a demo to seed into an empty database (see seed_demo --size).",
        )
        parser.add_argument("--no-worker", action="store_true", help="Run the web server only.")

    def handle(self, *args, addr: str, no_seed: bool, demo_size: str, no_worker: bool, **options):
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        seeded_now = False
        if not no_seed and not Product.objects.exists():
            self.stdout.write(f"Empty database: seeding the {demo_size} demo studio (once)…")
            call_command("seed_demo", size=demo_size, stdout=self.stdout, stderr=self.stderr)  # progress shows
            seeded_now = True

        call_command("check", stdout=self.stdout, stderr=self.stderr)  # a failing check stops here, before any server

        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = [[*manage, "runserver", addr, "--noreload", "--skip-checks"]]
        if not no_worker:
            commands.append([*manage, "runworker"])
        # Ctrl-C, SIGTERM and SIGHUP only note the request, and the loops below see it: an exception
        # raised from a handler could land inside Popen's own bookkeeping and leave it locked. SIGINT
        # explicitly (a process started with SIGINT ignored would never hear Ctrl-C), and before the
        # children start, so that no Ctrl-C falls in between.
        stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        requested: list[int] = []
        previous = {signum: signal.signal(signum, lambda signum, frame: requested.append(signum)) for signum in stops}
        # Each child leads its own process group, so stopping it reaches everything it started;
        # Ctrl-C, SIGTERM and SIGHUP reach this process, which stops them all (_stop_all).
        children = [subprocess.Popen(command, process_group=0) for command in commands]

        try:
            if _wait_until_serving(addr, children, stopping=requested):
                self._banner(addr, seeded_now)
            while not requested and all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            requested.append(signal.SIGINT)
        finally:
            for signum in stops:
                signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
            _stop_all(children)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        interrupted = bool(requested)
        if not interrupted:
            codes = ", ".join(str(child.returncode) for child in children)
            self.stderr.write(f"A process stopped by itself (exit codes {codes}); stopped the others too.")
            sys.exit(1)

    def _banner(self, addr: str, seeded_now: bool) -> None:
        from django.contrib.auth import get_user_model

        from studio.permissions import ARTISANS, MANAGERS

        users = get_user_model().objects.filter(groups__name__in=[MANAGERS, ARTISANS]).order_by("username").distinct()
        lines = ["", f"Atelier is running at http://{addr}/  (Ctrl-C stops the web server and the worker)"]
        if seeded_now:
            lines.append("The demo studio was seeded into the new database.")
        demo = [u for u in users if u.check_password(settings.ATELIER_DEMO_PASSWORD)]
        if demo:
            lines.append(f"Demo logins (password: {settings.ATELIER_DEMO_PASSWORD}):")
            for user in demo:
                role = "shop manager" if user.groups.filter(name=MANAGERS).exists() else "artisan"
                lines.append(f"  {user.username:<10} {role}")
        lines.append("")
        self.stdout.write("\n".join(lines))


def _stop_all(children: list[subprocess.Popen], *, grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM to each child's whole process group; what still runs after `grace` seconds is killed, group and all.

    The worker finishes the task in hand within the grace period; a task cut short runs again
    once its lease lapses. Killing the group, not just the child, leaves no worker behind.
    """
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for child in children:
        _signal_group(child, signal.SIGKILL)  # the group may outlive its leader: kill what is left either way
        child.wait()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        pass


def _host_and_port(addr: str) -> tuple[str, int]:
    """Where to reach runserver's address: "8000", "0.0.0.0:8000", "[::1]:8000" → a host to connect to and the port."""
    host, _, port = addr.rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::", "0"):
        host = "127.0.0.1"
    return host, int(port)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_until_serving(addr: str, children: list, *, stopping: list | None = None, timeout: float = 60.0) -> bool:
    """True once the web server accepts connections (or after `timeout`, slow as it is); False if a process
    stopped or a stop was requested (`stopping` not empty)."""
    try:
        host, port = _host_and_port(addr)
    except ValueError:
        return True  # an address runserver understands but this doesn't: show the banner rather than nothing
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stopping or any(child.poll() is not None for child in children):
            return False
        if _answers(host, port):
            return True
        time.sleep(0.2)
    return True
