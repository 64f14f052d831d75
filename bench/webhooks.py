"""Outgoing webhooks: deliveries per second through the outbox and django-q2 workers, against plain signed POSTs.

    DEBUG=1 .venv/bin/python bench/webhooks.py [--events 400] [--workers 4] [--pace 0] [--kill] [--database-url URL]

What it does, all on this machine:

1. Makes a fresh SQLite database in a temporary folder (the embedded default; --database-url for
   PostgreSQL, whose name must contain "bench": it is dropped and made again), runs `migrate`, and
   starts a webhook receiver on 127.0.0.1 (tests/automation/receiver.py: http.server in a thread).
   Webhooks to loopback are allowed for this run only (ATELIER_WEBHOOK_ALLOW_LOOPBACK=1).
2. Baseline: a plain loop that signs (Standard Webhooks, the `standardwebhooks` package) and POSTs the
   same payloads to the receiver, one after the other, with the same HTTP client and SSRF checks as a
   delivery (automation.netguard.post), but no database and no queue.
3. The real path: a shop manager's endpoint for job.finished, and `manage.py qcluster` with --workers
   workers. The bench emits --events events, each in its own transaction (the outbox row is written in
   it; the task is queued after the commit), and waits until the receiver has every webhook-id.
   With --kill it SIGKILLs the whole cluster halfway, starts a new one, and the minute sweep sends what
   the dead one held (this takes a minute or two: leases run out after ATELIER_WEBHOOK_TIMEOUT + 30 s).
4. Prints deliveries/s (events / time from the first commit to the last delivery), the baseline's POSTs/s,
   the ratio, the latency from each event's commit to its arrival at the receiver (p50/p95), how many
   events were lost (no request with their webhook-id) or arrived more than once (the same webhook-id
   again: receivers drop those by id), and a one-line JSON summary last.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--workers", type=int, default=4, help="qcluster workers (4 recommended on 2 CPUs)")
    parser.add_argument("--kill", action="store_true", help="SIGKILL the cluster halfway and start another")
    parser.add_argument("--database-url", default="", help="PostgreSQL instead of a temporary SQLite file")
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="seconds between events (0: as fast as they commit; latency then includes the backlog)",
    )
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for every delivery")
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Cluster:
    """`manage.py qcluster` in its own process group, so a kill takes its workers with it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.process = env, log, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def database_prepare(url: str) -> None:
    """Drop and make the bench's PostgreSQL database again (its name must say it is a bench's)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"--database-url must name a bench database (with 'bench' in it), not {name!r}.")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    args = parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="atelier-webhooks-bench-"))
    database_url = args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}"
    if args.database_url:
        database_prepare(database_url)
    os.environ.update(
        DATABASE_URL=database_url,
        DEBUG="1",
        ATELIER_WEBHOOK_ALLOW_LOOPBACK="1",
        ATELIER_VAR_DIR=str(scratch),
        Q_WORKERS=str(args.workers),
        Q_SYNC="0",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    # Heavy imports after the environment is set: settings read it once.
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from automation import netguard, payloads
    from automation.models import Delivery, Endpoint
    from automation.signing import secret_generate, signed_headers, webhook_id_new
    from studio import events
    from tests.automation.receiver import Receiver

    call_command("migrate", verbosity=0)
    cluster = Cluster(dict(os.environ), scratch / "qcluster.log")
    try:
        with Receiver() as receiver:
            secret = secret_generate()

            def event(number: int) -> events.JobFinished:
                return events.JobFinished(job=None, job_id=number, kind="bench", status="succeeded", done=1)

            # 2. Baseline: sign and POST, one after the other.
            started = time.perf_counter()
            for number in range(args.events):
                body = payloads.body(event(number)).encode()
                headers = signed_headers(webhook_id=webhook_id_new(), body=body, secrets=[secret], at=timezone.now())
                answer = netguard.post(
                    receiver.url,
                    body=body,
                    headers={"content-type": "application/json", **headers},
                    allow_lan=False,
                    timeout=15,
                )
                assert 200 <= answer.status < 300, answer.status
            baseline_seconds = time.perf_counter() - started
            baseline_per_s = args.events / baseline_seconds
            print(f"baseline: {args.events} signed POSTs in {baseline_seconds:.2f} s = {baseline_per_s:.1f}/s")
            receiver.requests.clear()

            # 3. Through the outbox and the workers.
            Endpoint.objects.create(url=receiver.url, event_types=["job.finished"], secret=secret)
            cluster.start()
            time.sleep(3)  # let the cluster's workers start before the clock runs
            committed: dict[int, float] = {}
            first_commit = time.time()
            for number in range(args.events):
                with transaction.atomic():
                    events.emit(event(number))
                committed[number] = time.time()
                if args.pace:
                    time.sleep(args.pace)
                if args.kill and number == args.events // 2:
                    time.sleep(0.5)  # some deliveries are in flight
                    cluster.kill()
                    print(f"killed the cluster after {number + 1} events; starting another")
                    cluster.start()
            emit_seconds = time.time() - first_commit
            print(f"emitted {args.events} events (one transaction each) in {emit_seconds:.2f} s")
            deadline = time.time() + args.timeout
            while time.time() < deadline:
                if len({r.headers["webhook-id"] for r in list(receiver.requests)}) >= args.events:
                    break
                time.sleep(0.05)
            received = list(receiver.requests)
    finally:
        cluster.stop()

    first_arrival: dict[str, tuple[int, float]] = {}
    for request in received:
        job_id = json.loads(request.body)["data"]["job_id"]
        first_arrival.setdefault(request.headers["webhook-id"], (job_id, request.at))
    latencies = [(at - committed[job_id]) * 1000 for job_id, at in first_arrival.values()]
    delivered = len(first_arrival)
    last = max((at for _, at in first_arrival.values()), default=first_commit)
    deliveries_per_s = delivered / max(last - first_commit, 1e-9)
    succeeded = Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).count()
    summary = {
        "bench": "webhooks",
        "events": args.events,
        "workers": args.workers,
        "database": "postgresql" if args.database_url else "sqlite",
        "killed_worker": args.kill,
        "pace_s": args.pace,
        "deliveries_per_s": round(deliveries_per_s, 1),
        "baseline_per_s": round(baseline_per_s, 1),
        "ratio": round(deliveries_per_s / baseline_per_s, 3),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
        "emit_per_s": round(args.events / max(emit_seconds, 1e-9), 1),
        "lost": args.events - delivered,
        "duplicated": len(received) - delivered,
        "succeeded_rows": succeeded,
    }
    print(
        f"outbox + {args.workers} workers: {delivered}/{args.events} delivered, {deliveries_per_s:.1f}/s "
        f"(ratio {summary['ratio']} of the baseline), commit→delivery p50 {summary['p50_ms']} ms, "
        f"p95 {summary['p95_ms']} ms, lost {summary['lost']}, duplicated {summary['duplicated']}"
    )
    shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(summary))
    if summary["lost"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
