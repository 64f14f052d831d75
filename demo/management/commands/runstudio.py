"""Run Atelier on one machine: migrate, seed the demo studio if empty, then the
web server and one django-q2 worker together. Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalog.models import Product
from demo.seed import DEFAULT_SIZE, SIZES


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

        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        children = [subprocess.Popen([*manage, "runserver", addr, "--noreload"])]
        if not no_worker:
            children.append(subprocess.Popen([*manage, "qcluster"]))

        self._banner(addr, seeded_now)
        interrupted = False
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
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
