"""Worker crash recovery: how long after a killed cluster every task of a job has run, before and after leases.

    DEBUG=1 .venv/bin/python bench/worker_recovery.py [--tasks 20] [--seconds 2] [--workers 2] [--wait-baseline]

What it does, all on this machine, on a temporary SQLite database (the embedded default):

1. Queues a job of --tasks tasks; each sleeps --seconds and counts its unit, the way the app's tasks do
   (tests/deploy/worker_tasks.py: job_unit, which also writes "start n" / "end n" lines).
2. Starts a cluster with --workers workers, waits until every worker is mid-task, SIGKILLs the whole
   cluster (a crash, an OOM kill, `kill -9` of the group), then starts a new cluster and times how long
   until every unit has finished once.
3. Does this twice in the same run:
   - baseline: django-q2 as configured before issue 14 (`qcluster`, the stock ORM broker, queue_limit 50,
     retry = Q_TIMEOUT + 300 = 1,200 s): the dead cluster's claimed tasks stay hidden until their locks
     lapse. Waiting 20 minutes is pointless, so unless --wait-baseline the baseline's recovery is read
     from the locks the dead cluster left (when the last claimed task becomes visible, plus its run).
   - now: `runworker` with the leased broker (ATELIER_TASK_LEASE_SECONDS, one task claimed ahead).
4. Prints, per run: tasks claimed by the dead cluster, seconds until the new cluster had finished them
   all, units lost (never finished) and finished twice, whether the job showed "Resuming", and the
   ratio of the baseline's recovery to now's; a one-line JSON summary last.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STOCK_Q_TIMEOUT = 900  # the default before issue 14, for the baseline's retry


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=2.0, help="how long each task works")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lease", type=int, default=30, help="ATELIER_TASK_LEASE_SECONDS for the run with leases")
    parser.add_argument("--wait-baseline", action="store_true", help="let the baseline recover for real (20 min)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for a run to finish")
    parser.add_argument("--baseline-cluster", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def baseline_cluster() -> None:
    """`qcluster` with django-q2 configured as it was before issue 14 (run as a child of the bench)."""
    import django
    from django.conf import settings

    settings.Q_CLUSTER = {
        **{key: value for key, value in settings.Q_CLUSTER.items() if key not in ("broker_class", "bulk")},
        "queue_limit": 50,
        "retry": STOCK_Q_TIMEOUT + 300,
        "timeout": STOCK_Q_TIMEOUT,
    }
    django.setup()
    from django.core.management import call_command
    from django_q.signals import post_execute, post_execute_in_worker, pre_execute

    for signal_, uid in (
        (pre_execute, "studio.taskqueue.start"),
        (post_execute_in_worker, "studio.taskqueue.end_in_worker"),
        (post_execute, "studio.taskqueue.end"),
    ):
        signal_.disconnect(dispatch_uid=uid)
    call_command("qcluster")


class Cluster:
    """A worker cluster in its own process group, so a kill takes every process of it."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


def lines(folder: Path) -> list[str]:
    path = folder / "log"
    return path.read_text().splitlines() if path.exists() else []


def run(name: str, command: list[str], args, scratch: Path, env: dict[str, str], wait: bool) -> dict:
    from django.db import connection
    from django.utils import timezone
    from django_q.models import OrmQ
    from django_q.tasks import async_task

    from studio.models import Job
    from studio.services import job_create

    folder = scratch / name
    folder.mkdir()
    log = scratch / f"{name}.log"
    OrmQ.objects.all().delete()
    job = job_create(kind="bench", label=f"Recovery ({name})", total=args.tasks)
    for number in range(args.tasks):
        async_task("tests.deploy.worker_tasks.job_unit", job.pk, str(folder), number, args.seconds)
    connection.close()

    cluster = Cluster(command, env, log)
    deadline = time.monotonic() + 120
    while sum(line.startswith("start ") for line in lines(folder)) < args.workers:
        if time.monotonic() > deadline:
            cluster.kill()
            raise SystemExit(f"{name}: the cluster never started its tasks; see {log}")
        time.sleep(0.05)
    cluster.kill()  # every worker is mid-task
    killed_at = timezone.now()
    locks = list(OrmQ.objects.filter(lock__gt=killed_at).values_list("lock", flat=True))
    hidden_for = max(((lock - killed_at).total_seconds() for lock in locks), default=0.0)
    connection.close()

    cluster = Cluster(command, env, log)
    restarted = time.monotonic()
    seen_resuming = False
    measured = None
    limit = args.timeout if wait else min(args.timeout, hidden_for + 60) if name == "baseline" else args.timeout
    try:
        while time.monotonic() - restarted < limit:
            ended = {line for line in lines(folder) if line.startswith("end ")}
            seen_resuming = seen_resuming or Job.objects.filter(pk=job.pk, status=Job.Status.RESUMING).exists()
            if len(ended) >= args.tasks:
                measured = time.monotonic() - restarted
                break
            if name == "baseline" and not wait and time.monotonic() - restarted > 15:
                break  # read the rest from the locks
            time.sleep(0.1)
    finally:
        cluster.kill()
        connection.close()
    ends = [line for line in lines(folder) if line.startswith("end ")]
    job.refresh_from_db()
    return {
        "run": name,
        "claimed_by_dead_cluster": len(locks),
        "hidden_for_s": round(hidden_for, 1),
        "recovery_s": round(measured, 1) if measured is not None else None,
        "recovery_from_locks_s": round(hidden_for + args.seconds, 1),
        "lost": args.tasks - len(set(ends)) if measured is not None else None,
        "finished_twice": len(ends) - len(set(ends)),
        "job_done": job.done,
        "showed_resuming": seen_resuming,
    }


def main() -> None:
    args = parse_args()
    if args.baseline_cluster:
        baseline_cluster()
        return
    scratch = Path(tempfile.mkdtemp(prefix="atelier-recovery-bench-"))
    os.environ.update(
        DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}",
        DEBUG="1",
        ATELIER_VAR_DIR=str(scratch),
        Q_WORKERS=str(args.workers),
        Q_SYNC="0",
        ATELIER_TASK_LEASE_SECONDS=str(args.lease),
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    env = dict(os.environ)
    baseline = run(
        "baseline",
        [sys.executable, str(Path(__file__).resolve()), "--baseline-cluster"],
        args,
        scratch,
        env,
        args.wait_baseline,
    )
    now = run("now", [sys.executable, "manage.py", "runworker"], args, scratch, env, True)

    print(f"{args.tasks} tasks of {args.seconds:g} s, {args.workers} workers; the whole cluster SIGKILLed mid-task")
    print(f"{'run':<10}{'claimed':>9}{'hidden s':>10}{'recovery s':>12}{'lost':>6}{'twice':>7}{'resuming':>10}")
    for result in (baseline, now):
        recovery = result["recovery_s"]
        shown = f"{recovery:.1f}" if recovery is not None else f"~{result['recovery_from_locks_s']:.0f}*"
        print(
            f"{result['run']:<10}{result['claimed_by_dead_cluster']:>9}{result['hidden_for_s']:>10.1f}{shown:>12}"
            f"{'-' if result['lost'] is None else result['lost']:>6}{result['finished_twice']:>7}"
            f"{'yes' if result['showed_resuming'] else 'no':>10}"
        )
    if baseline["recovery_s"] is None:
        print("* from the locks the dead cluster left (--wait-baseline waits for real)")
    base = baseline["recovery_s"] or baseline["recovery_from_locks_s"]
    ratio = base / now["recovery_s"] if now["recovery_s"] else None
    print(f"baseline / now: {ratio:.1f}x faster recovery" if ratio else "now: did not finish")
    print(json.dumps({"baseline": baseline, "now": now, "ratio": ratio and round(ratio, 1)}))
    if now["recovery_s"] is None or now["lost"] or now["finished_twice"] or now["job_done"] != args.tasks:
        sys.exit(1)


if __name__ == "__main__":
    main()
