"""How fast the review queue answers under load, against the Django admin's changelist of the same items.

    DEBUG=1 .venv/bin/python bench/review_queue.py [--products 100000] [--pending 10000]
        [--clients 20] [--seconds 15] [--workers 4] [--threads 1] [--reseed] [--explain]

What it does, all on this machine:

1. Creates the PostgreSQL database `atelier_bench` if it is missing (through the
   `postgres` database of --database-url's server), runs `migrate` on it and
   seeds it: a shop manager and 3 artisans, N products over 4 categories with
   one variant each, and listing-copy drafts with their review items and audit
   events (10,000 pending, and 38% as many decided ones: approved, rejected
   with a note, superseded). The copy is written by the offline
   TemplateCopywriter from each product's facts, checked by listing_checks and
   frozen with listing_snapshot/snapshot_hash, so the snapshots are the ones
   listing_write would store; rows go in with COPY, not through the services.
   A later run reuses the data when the counts match; other sizes, or
   --reseed, drop and rebuild it. No photos: alt texts name synthetic ids.
2. Starts gunicorn on 127.0.0.1:<free port> with DEBUG=0 (production
   settings; whitenoise's manifest storage after a collectstatic into
   var/bench/static), by default 4 sync workers for this 2-CPU machine.
3. Signs the users in by writing Django sessions straight into the database
   (SessionStore with the auth session keys, signed with the SECRET_KEY the
   server gets), then sends the session cookie by hand: with DEBUG=0 the cookie
   is Secure, which http.client doesn't enforce over plain http.
4. Puts the same load on each target: --clients threads, each with its own
   http.client connection (gunicorn's sync workers close it after every
   response; it reconnects), back to back without think time, for --seconds
   per target split into --rounds interleaved slices so that noise from other
   processes hits every target alike, after a warm-up.

Targets: the queue page /review/ as the manager (all pending) and as one
artisan (their third), the API list /api/reviews/?state=pending as the manager,
and the baseline, the admin changelist /admin/approvals/reviewitem/?state__exact=pending
as the manager. Page sizes are each page's own: queue 25, API 50 (with
snapshots and events), admin 100.

It prints, per target, requests, errors, requests/s, p50/p95/p99 and the CPU
time per request of the app (gunicorn's processes), the database (the
PostgreSQL backends serving them) and this client, read from /proc. CPU per
request stays put when other processes share the machine, latency doesn't;
from it the bench derives the best latency the CPUs allow at this
concurrency. Then the ratios against the admin changelist, whether issue 3's
goals hold (p95 < 150 ms and at least as fast as the admin changelist), and a
one-line JSON summary last. Before the load it prints the number of SQL
queries and their time for one request of each target made in-process;
--explain adds EXPLAIN ANALYZE of the slowest. Traffic goes only to
127.0.0.1; the server is stopped at the end, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atelier_bench"
STATIC_ROOT = BASE_DIR / "var" / "bench" / "static"
LOG_DIR = BASE_DIR / "bench" / "out"
P95_GOAL_MS = 150.0
MAX_REQUESTS_PER_CLIENT = 5000  # per target, a bound on top of the time limit

from products import KINDS  # noqa: E402

# The four categories of the demo studio.
CATEGORIES = {name: KINDS[name] for name in ("Ceramics", "Textiles", "Jewellery", "Candles")}
ADJECTIVES = ["Speckled", "Little", "Tall", "Harbour", "Everyday", "Quiet", "Morning", ""]
STORIES = [
    "",
    "I make these on quiet mornings, one at a time.",
    "My grandmother taught me this. Every piece is a little different, and I like it that way.",
]
CARE = ["", "Hand wash.", "Dishwasher safe.", "Wipe clean with a damp cloth."]
MANAGER = "bench-manager"
ARTISANS = ["bench-ines", "bench-tomas", "bench-priya"]
REJECT_NOTE = "Too long, and say which glaze it is."
RETRY_NOTE = "Make it shorter."


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--pending", type=int, default=10_000, help="Pending listing drafts (at most --products).")
    parser.add_argument("--clients", type=int, default=20, help="Concurrent clients.")
    parser.add_argument("--seconds", type=float, default=15.0, help="Measured seconds per target.")
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved slices the seconds are split into.")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes.")
    parser.add_argument("--threads", type=int, default=1, help="Threads per worker (>1 uses gthread workers).")
    parser.add_argument(
        "--changes-per-second",
        type=float,
        default=1.0,
        help="New queue generations during the measured load, as decisions and new drafts make (0: none).",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", ""),
        help="REDIS_URL for the server (Redis cache, cached_db sessions); default: $REDIS_URL, unset: none.",
    )
    parser.add_argument("--reseed", action="store_true", help="Drop the bench database and seed it again.")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest queries of each target.")
    args = parser.parse_args()
    if not 0 < args.pending <= args.products:
        parser.error("--pending must be between 1 and --products.")
    if args.clients < 1 or args.seconds <= 0 or args.rounds < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--clients, --seconds, --rounds, --workers and --threads must be positive.")
    if args.changes_per_second < 0:
        parser.error("--changes-per-second must be 0 or more.")
    return args


# --- The database -----------------------------------------------------------------


def database_prepare(url: str, *, reseed: bool) -> None:
    """Create the bench database if it is missing; with reseed, drop it first."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = conninfo_to_dict(url).get("dbname", "")
    if "bench" not in name:
        sys.exit(f"Refusing to use {name!r}: the bench database's name must contain 'bench' (it may be dropped).")
    try:
        server = psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        sys.exit(
            f"Can't reach PostgreSQL ({exc}).\nStart it, e.g. "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    with server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reseed:
            print(f"Dropping database {name} (--reseed or different sizes)")
            server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            server.execute(f'CREATE DATABASE "{name}"')


def seeded_matches(products: int, pending: int) -> tuple[bool, bool]:
    """(has data, has exactly this data) for the bench database."""
    from django.contrib.auth import get_user_model

    from approvals.models import ReviewItem, ReviewState
    from catalog.models import Product

    have = Product.objects.count()
    if not have:
        return False, False
    same = (
        have == products
        and ReviewItem.objects.filter(state=ReviewState.PENDING).count() == pending
        and get_user_model().objects.filter(username__in=[MANAGER, *ARTISANS]).count() == 1 + len(ARTISANS)
    )
    return True, same


def copy_rows(model, fields: list[str], rows) -> int:
    """COPY rows (tuples in `fields` order) into the model's table; JSON fields take Python values."""
    from django.db import connection, models

    meta_fields = [model._meta.get_field(name) for name in fields]
    json_at = [i for i, f in enumerate(meta_fields) if isinstance(f, models.JSONField)]
    columns = ", ".join(f'"{f.column}"' for f in meta_fields)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)
                count += 1
    return count


def product_facts_for(index: int, rng: random.Random) -> dict:
    category = list(CATEGORIES)[index % len(CATEGORIES)]
    nouns, materials, techniques, colours = CATEGORIES[category]
    noun = rng.choice(nouns)
    title = f"{rng.choice(ADJECTIVES)} {noun}".strip().capitalize()
    return {
        "category": category,
        "title": title,
        "handle": f"{title.lower().replace(' ', '-')}-{index}",
        "materials": rng.sample(materials, k=rng.randint(1, 2)),
        "techniques": rng.sample(techniques, k=rng.randint(0, 2)),
        "colours": rng.sample(colours, k=rng.randint(0, len(colours))),
        "dimensions": rng.choice(["", "9 cm tall, 8 cm across", "50 x 70 cm", "20 mm diameter", "180 cm long"]),
        "weight_grams": rng.choice([None, 4, 220, 350, 1200]),
        "care": rng.choice(CARE),
        "story": rng.choice(STORIES),
        "made_to_order": index % 5 == 0,
        "lead_time_days": rng.choice([0, 7, 14]),
        "price": f"{rng.randint(8, 240)}.00",
        "photos": rng.randint(0, 4),
    }


class ListingWriter:
    """Listing copy as listing_write stores it, without the database: the same
    copywriter, tidy-up, checks and snapshot, from facts held in memory."""

    def __init__(self, studio_name: str, categories: dict):
        from catalog.copywriting.template import TemplateCopywriter

        self.copywriter = TemplateCopywriter()
        self.writer = f"{TemplateCopywriter.__module__}.{TemplateCopywriter.__qualname__}"
        self.studio_name = studio_name
        self.categories = categories  # name -> Category

    def write(self, facts: dict, *, photo_base: int, instructions: str = "") -> tuple[dict, dict, str]:
        """(ListingDraft field values, snapshot, snapshot hash) for one version of the copy."""
        from approvals.services import canonical_json, snapshot_hash
        from catalog.copywriting.base import ListingBrief, PhotoFact
        from catalog.listings.checks import PASS, WARN, Check, listing_checks
        from catalog.listings.kind import listing_snapshot
        from catalog.listings.services import _tidy  # listing_write's own clean-up, so the copy matches
        from catalog.models import ListingDraft

        colours = tuple(facts["colours"])
        brief = ListingBrief(
            title=facts["title"],
            handle=facts["handle"],
            category=facts["category"],
            materials=tuple(facts["materials"]),
            techniques=tuple(facts["techniques"]),
            dimensions=facts["dimensions"],
            weight_grams=facts["weight_grams"],
            care=facts["care"],
            story=facts["story"],
            made_to_order=facts["made_to_order"],
            lead_time_days=facts["lead_time_days"],
            price=facts["price"],
            currency="GBP",
            options={"colourway": colours} if colours else {},
            photos=tuple(
                PhotoFact(photo_base + i, colours[i % len(colours)] if colours else "") for i in range(facts["photos"])
            ),
            studio_name=self.studio_name,
            categories=tuple(sorted(self.categories)),
            instructions=instructions,
        )
        copy = self.copywriter.write(brief=brief)
        content, fixes = _tidy(copy, brief)
        checks = listing_checks(content, brief.facts())
        for name, messages in fixes.items():
            checks.append(
                Check("auto_fix", name, PASS, "Fixed automatically: " + "; ".join(messages) + ".", tuple(messages))
            )
        notes = [str(note) for note in copy.notes if str(note).strip()]
        if notes:
            checks.append(
                Check("writer_notes", "notes", WARN, "The copywriter notes: " + " ".join(notes), tuple(notes))
            )
        values = {
            "title": content["title"],
            "description": content["description"],
            "tags": content["tags"],
            "seo_title": content["seo_title"],
            "seo_description": content["seo_description"],
            "alt_texts": content["alt_texts"],
            "materials": content["materials"],
            "colours": content["colours"],
            "checks": [check.as_dict() for check in checks],
            "writer": self.writer,
            "instructions": instructions,
        }
        category = self.categories.get(content["category"])
        snapshot = canonical_json(listing_snapshot(ListingDraft(suggested_category=category, **values)))
        values["suggested_category_id"] = category.pk if category else None
        return values, snapshot, snapshot_hash(snapshot)


def seed(products: int, pending: int) -> None:
    """The bench studio, inserted with COPY. Deterministic for the same sizes."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from approvals.models import ReviewEvent, ReviewItem, ReviewState
    from catalog.models import Category, ListingDraft, Product, Variant
    from studio.permissions import ARTISANS as ARTISANS_GROUP
    from studio.permissions import MANAGERS as MANAGERS_GROUP
    from studio.services import studio_profile_get

    started = time.monotonic()
    rng = random.Random(20250301)
    now = timezone.now()
    User = get_user_model()
    with transaction.atomic():
        profile = studio_profile_get()
        profile.name = "Bench Studio"
        profile.save()
        manager = User.objects.create(username=MANAGER, first_name="Morgan", is_staff=True)
        manager.groups.add(Group.objects.get(name=MANAGERS_GROUP))
        makers = []
        for username in ARTISANS:
            maker = User.objects.create(username=username, first_name=username.split("-")[1].title(), is_staff=True)
            maker.groups.add(Group.objects.get(name=ARTISANS_GROUP))
            makers.append(maker)
        for user in [manager, *makers]:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        categories = {name: Category.objects.create(name=name, slug=name.lower()) for name in CATEGORIES}

        facts = [product_facts_for(i, rng) for i in range(products)]
        created = now - timedelta(days=400)
        copy_rows(
            Product,
            [
                "handle",
                "title",
                "maker",
                "category",
                "materials",
                "techniques",
                "dimensions",
                "weight_grams",
                "care",
                "story",
                "price",
                "made_to_order",
                "lead_time_days",
                "minutes_per_unit",
                "batch_size",
                "is_active",
                "created_at",
                "updated_at",
            ],
            (
                (
                    f["handle"],
                    f["title"],
                    makers[i % len(makers)].pk,
                    categories[f["category"]].pk,
                    f["materials"],
                    f["techniques"],
                    f["dimensions"],
                    f["weight_grams"],
                    f["care"],
                    f["story"],
                    f["price"],
                    f["made_to_order"],
                    f["lead_time_days"],
                    20 + i % 40,
                    1 + i % 6,
                    True,
                    created,
                    created,
                )
                for i, f in enumerate(facts)
            ),
        )
        product_ids = dict(Product.objects.values_list("handle", "pk"))
        copy_rows(
            Variant,
            ["product", "sku", "title", "options", "price", "stock_on_hand", "work_in_progress", "position"],
            ((product_ids[f["handle"]], f"BENCH-{i:06d}", "", {}, None, i % 25, 0, 0) for i, f in enumerate(facts)),
        )
        print(f"  {products:,} products and variants in {time.monotonic() - started:.1f} s")

        # Drafts on every (products // pending)-th product, so they spread over makers and categories.
        step = products // pending
        writer = ListingWriter(profile.name, categories)
        drafts, items = [], []  # items: (draft index, version, state, values, snapshot, digest, submitted, decided)
        span = timedelta(days=29)
        for j in range(pending):
            index = j * step
            f = facts[index]
            submitted = now - span + span * (j / pending) + timedelta(seconds=rng.randint(0, 3600))
            if j % 4 == 0:
                first = ReviewState.APPROVED
            elif j % 4 == 1 and j % 3 == 0:
                first = ReviewState.REJECTED
            elif j % 4 == 3 and j % 5 == 0:
                first = ReviewState.SUPERSEDED
            else:
                first = None
            values, snapshot, digest = writer.write(f, photo_base=index * 10)
            if first is not None:
                earlier = submitted - timedelta(days=rng.randint(1, 5), minutes=rng.randint(0, 600))
                decided = earlier + (submitted - earlier) / 2 if first != ReviewState.SUPERSEDED else submitted
                items.append((j, 1, first, values, snapshot, digest, earlier, decided))
                note = REJECT_NOTE if first == ReviewState.REJECTED else RETRY_NOTE
                values, snapshot, digest = writer.write(f, photo_base=index * 10, instructions=note)
            items.append((j, 2 if first else 1, ReviewState.PENDING, values, snapshot, digest, submitted, None))
            drafts.append((index, values, submitted))
        print(f"  {len(items):,} versions of listing copy written in {time.monotonic() - started:.1f} s")

        draft_fields = [
            "product",
            "status",
            "title",
            "description",
            "tags",
            "seo_title",
            "seo_description",
            "alt_texts",
            "suggested_category",
            "materials",
            "colours",
            "checks",
            "writer",
            "instructions",
            "error",
            "updated_at",
        ]
        copy_rows(
            ListingDraft,
            draft_fields,
            (
                (
                    product_ids[facts[index]["handle"]],
                    ListingDraft.Status.READY,
                    v["title"],
                    v["description"],
                    v["tags"],
                    v["seo_title"],
                    v["seo_description"],
                    v["alt_texts"],
                    v["suggested_category_id"],
                    v["materials"],
                    v["colours"],
                    v["checks"],
                    v["writer"],
                    v["instructions"],
                    "",
                    at,
                )
                for index, v, at in drafts
            ),
        )
        draft_ids = dict(ListingDraft.objects.values_list("product_id", "pk"))
        draft_type = ContentType.objects.get_for_model(ListingDraft)

        def draft_of(j: int) -> int:
            return draft_ids[product_ids[facts[j * step]["handle"]]]

        def maker_of(j: int):
            return makers[(j * step) % len(makers)]

        def decider(j: int, state: str):
            if state == ReviewState.APPROVED:
                return maker_of(j).pk
            return manager.pk if state == ReviewState.REJECTED else None

        copy_rows(
            ReviewItem,
            [
                "kind",
                "draft_type",
                "draft_id",
                "version",
                "state",
                "owner",
                "subject",
                "subject_key",
                "snapshot",
                "snapshot_hash",
                "approved_snapshot",
                "approved_hash",
                "submitted_by",
                "submitted_at",
                "decided_by",
                "decided_at",
                "note",
            ],
            (
                (
                    "listing_copy",
                    draft_type.pk,
                    draft_of(j),
                    version,
                    state,
                    maker_of(j).pk,
                    facts[j * step]["title"][:200],
                    f"product:{product_ids[facts[j * step]['handle']]}",
                    snapshot,
                    digest,
                    snapshot if state == ReviewState.APPROVED else None,
                    digest if state == ReviewState.APPROVED else "",
                    manager.pk,
                    submitted,
                    decider(j, state),
                    decided,
                    REJECT_NOTE if state == ReviewState.REJECTED else "",
                )
                for j, version, state, _values, snapshot, digest, submitted, decided in items
            ),
        )
        # Read before the COPY starts: a connection can't query while it copies.
        item_rows = list(
            ReviewItem.objects.values_list(
                "pk", "version", "state", "snapshot_hash", "submitted_at", "decided_by_id", "decided_at"
            )
        )
        actions = {
            ReviewState.APPROVED: ReviewEvent.Action.APPROVED,
            ReviewState.REJECTED: ReviewEvent.Action.REJECTED,
            ReviewState.SUPERSEDED: ReviewEvent.Action.SUPERSEDED,
        }

        def events():
            for pk, version, state, digest, submitted, decided_by, decided_at in item_rows:
                yield (pk, ReviewEvent.Action.SUBMITTED, manager.pk, submitted, version, digest, "", "", {})
                if state in actions:
                    note = REJECT_NOTE if state == ReviewState.REJECTED else ""
                    yield (pk, actions[state], decided_by, decided_at, version, digest, "", note, {})

        event_count = copy_rows(
            ReviewEvent,
            ["item", "action", "actor", "at", "version", "snapshot_hash", "result_hash", "note", "changes"],
            events(),
        )
    # COPY sends no signals: a new queue generation, as the services' saves would have made
    # (a cache that outlived the last seed must not answer for this one; approvals/cache.py).
    from approvals.cache import queue_changed

    queue_changed()
    with connection.cursor() as cursor:
        # What autovacuum would have done to a live table: statistics and the visibility map.
        cursor.execute("VACUUM ANALYZE")
    decided_count = len(items) - pending
    print(
        f"Seeded {products:,} products, {pending:,} drafts with {pending:,} pending and {decided_count:,} decided "
        f"review items, {event_count:,} events in {time.monotonic() - started:.1f} s"
    )


def sessions_create() -> dict[str, str]:
    """A signed-in session per bench user, written straight into the session table."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.models import Session

    # The server's engine: with cached_db the sessions are in its cache (Redis) too.
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806

    Session.objects.all().delete()  # the previous runs' (only bench users sign in to this database)
    keys = {}
    for user in get_user_model().objects.filter(username__in=[MANAGER, ARTISANS[0]]):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]  # a session names a configured backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys[user.username] = session.session_key
    return keys


# --- The server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, secret_key: str, redis_url: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if key not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "REDIS_URL")
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(STATIC_ROOT),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="studio.settings",
        # Persistent connections for the whole run (production: 60 s), so each database
        # backend lives as long as the load and its CPU time can be counted.
        CONN_MAX_AGE="900",
    )
    return env


class Server:
    """gunicorn in its own session, stopped (TERM, then KILL) however the bench ends."""

    def __init__(self, env: dict[str, str], *, workers: int, threads: int):
        self.port = free_port()
        self.env = env
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen | None = None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = LOG_DIR / "review_queue-gunicorn.log"

    @property
    def description(self) -> str:
        if self.threads > 1:
            return f"gunicorn {self.workers} gthread workers x {self.threads} threads"
        return f"gunicorn {self.workers} sync workers"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "studio.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            "gthread" if self.threads > 1 else "sync",
            "--backlog",
            "512",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log),
        ]
        with open(self.log, "w"):
            pass
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _ = request_once(self.port, "/healthz", {})
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn didn't answer /healthz within 30 s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.process is None:
            return []
        master = self.process.pid
        return [master] + [pid for pid in _proc_pids() if _proc_stat(pid)[1:2] == [str(master)]]

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:]) if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def _proc_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()] if os.path.isdir("/proc") else []


def _proc_stat(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (state, ppid, …), or [] if it's gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in pids:
        fields = _proc_stat(pid)
        if len(fields) > 12:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def database_backends(url: str) -> list[int]:
    """PostgreSQL backends connected to the bench database (the server's workers keep theirs open)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = conninfo_to_dict(url).get("dbname", "")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]).fetchall()
    return [pid for (pid,) in rows]


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True
    )


# --- The load ---------------------------------------------------------------------


@dataclass
class Target:
    name: str
    label: str
    path: str
    session: str
    accept: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=lambda: {"server": 0.0, "database": 0.0, "client": 0.0})

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    def headers(self) -> dict[str, str]:
        from django.conf import settings

        return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session}", "Accept": self.accept}

    def stats(self) -> dict:
        ok = sorted(self.latencies)
        cuts = statistics.quantiles(ok, n=100, method="inclusive") if len(ok) > 1 else [ok[0] if ok else 0.0] * 99
        return {
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(len(ok) / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": round(cuts[49] * 1000, 1),
            "p95_ms": round(cuts[94] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1),
            **{
                f"{name}_cpu_ms": round(seconds * 1000 / max(self.requests, 1), 1) for name, seconds in self.cpu.items()
            },
        }


def request_once(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


STOP = threading.Event()


def load(
    port: int,
    target: Target,
    *,
    clients: int,
    seconds: float,
    max_requests: int,
    processes: dict[str, list[int]] | None = None,
    changes_per_second: float = 0.0,
) -> None:
    """`clients` threads, each sending requests back to back until the time or count runs out.

    With `processes` ({"server": pids, "database": pids}) the slice is recorded on
    the target, with the CPU time those processes and this one spent on it. With
    `changes_per_second`, a thread gives the queue a new generation that often while
    the clients run, as every decision and new draft does: each server process then
    renders each page afresh once (approvals/cache.py), so the figures include the
    cache's misses a busy review session causes, not only its hits.
    """
    headers = target.headers()
    results: list[tuple[list[float], int]] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies, errors = [], 0
        start.wait()
        deadline = time.perf_counter() + seconds
        try:
            for _ in range(max_requests):
                if STOP.is_set() or time.perf_counter() >= deadline:
                    break
                began = time.perf_counter()
                try:
                    conn.request("GET", target.path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()  # http.client reconnects on the next request
                    status = 0
                if status == 200:
                    latencies.append(time.perf_counter() - began)
                else:
                    errors += 1
        finally:
            conn.close()
            results.append((latencies, errors))

    def changer() -> None:
        from django.db import connection

        from approvals.cache import queue_changed

        start.wait()
        deadline = time.perf_counter() + seconds
        try:
            while not STOP.is_set() and time.perf_counter() < deadline:
                queue_changed()
                time.sleep(1 / changes_per_second)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    if changes_per_second > 0:
        threads.append(threading.Thread(target=changer, daemon=True))
    start = threading.Barrier(len(threads) + 1)
    for thread in threads:
        thread.start()
    cpu_before = {name: cpu_seconds(pids) for name, pids in (processes or {}).items()}
    client_before = time.process_time()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    if processes is not None:
        target.elapsed += time.perf_counter() - began
        target.cpu["client"] += time.process_time() - client_before
        for name, pids in processes.items():
            target.cpu[name] += cpu_seconds(pids) - cpu_before[name]
        for latencies, errors in results:
            target.latencies.extend(latencies)
            target.errors += errors


def check_targets(port: int, targets: list[Target], *, pending: int, artisan_pending: int) -> None:
    """One request each before the load: 200 (a lost session would be a redirect) and the items we seeded.

    The pages' wording may change, so a count missing from the HTML is a warning;
    the API's count is a contract, so a wrong one stops the bench.
    """
    expect = {
        "queue_manager": f"{pending:,} draft",
        "queue_artisan": f"{artisan_pending:,} draft",
        "admin_manager": 'id="changelist"',
    }
    for target in targets:
        status, body = request_once(port, target.path, target.headers())
        if status != 200:
            raise RuntimeError(f"{target.label} answered {status}, not 200; is the session valid?")
        if target.name == "api_manager":
            data = json.loads(body)
            if data.get("count") != pending:
                raise RuntimeError(f"{target.label} lists {data.get('count')} items, expected {pending}.")
        elif expect[target.name] not in body.decode():
            print(f"Warning: {target.label} doesn't show {expect[target.name]!r}; check it shows the seeded items.")


def profile_in_process(targets: list[Target], *, explain: bool) -> dict[str, dict]:
    """Queries and SQL time of one request of each target, through Django's test client in this process."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    found = {}
    for target in targets:
        client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT=target.accept)
        client.cookies[settings.SESSION_COOKIE_NAME] = target.session
        runs = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(target.path)
                total = time.perf_counter() - began
            if response.status_code != 200:
                raise RuntimeError(
                    f"{target.label} answered {response.status_code} in-process, not 200"
                    f" (to {response.headers.get('Location', '-')})."
                )
            runs.append((total, captured.captured_queries))
        # The first request fills the pages' cache (approvals/cache.py); the median is a reload.
        first_total, first_queries = runs[0]
        total, queries = sorted(runs[1:], key=lambda run: run[0])[len(runs[1:]) // 2]
        sql_ms = sum(float(query["time"]) for query in queries) * 1000
        first_sql_ms = sum(float(query["time"]) for query in first_queries) * 1000
        found[target.name] = {
            "queries": len(queries),
            "sql_ms": round(sql_ms, 1),
            "total_ms": round(total * 1000, 1),
            "first_queries": len(first_queries),
            "first_sql_ms": round(first_sql_ms, 1),
            "first_total_ms": round(first_total * 1000, 1),
        }
        print(
            f"  {target.label:<34} {len(queries):>3} queries, {sql_ms:6.1f} ms SQL of {total * 1000:6.1f} ms"
            f"   (first, filling the cache: {len(first_queries):>3} queries, {first_sql_ms:6.1f} ms SQL"
            f" of {first_total * 1000:6.1f} ms)"
        )
        if explain:
            for query in sorted(queries, key=lambda q: -float(q["time"]))[:3]:
                sql = query["sql"]
                print(f"\n    {float(query['time']) * 1000:.1f} ms: {sql[:600]}")
                if sql.lstrip().upper().startswith("SELECT"):
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        for (line,) in cursor.fetchall():
                            print(f"      {line}")
            print()
    return found


def interrupted(signum, frame) -> None:
    raise KeyboardInterrupt


# --- Main -------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    secret_key = secrets.token_urlsafe(50)
    # The bench process signs sessions with the key the server gets, and uses the bench database.
    os.environ.update(DATABASE_URL=args.database_url, SECRET_KEY=secret_key, ALLOWED_HOSTS="127.0.0.1")
    os.environ.pop("REDIS_URL", None)
    if args.redis_url:  # the same cache and session engine as the server's
        os.environ["REDIS_URL"] = args.redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    database_prepare(args.database_url, reseed=args.reseed)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from approvals.models import ReviewItem, ReviewState

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    has_data, same = seeded_matches(args.products, args.pending)
    if has_data and not same:
        connection.close()
        database_prepare(args.database_url, reseed=True)
        call_command("migrate", verbosity=0)
        has_data = False
    if has_data:
        print(
            f"Reusing the seeded bench database ({args.products:,} products, {args.pending:,} pending; "
            "--reseed to rebuild)"
        )
    else:
        print(f"Seeding {args.products:,} products and {args.pending:,} pending drafts…")
        seed(args.products, args.pending)
    sessions = sessions_create()
    engines = f"cache {settings.CACHES['default']['BACKEND']}, sessions {settings.SESSION_ENGINE}"
    print(f"Server settings: {engines}" + (f" (REDIS_URL={args.redis_url})" if args.redis_url else " (no REDIS_URL)"))
    artisan_pending = ReviewItem.objects.filter(owner__username=ARTISANS[0], state=ReviewState.PENDING).count()
    print(f"Database ready in {time.monotonic() - started:.1f} s")

    targets = [
        Target("queue_manager", "queue /review/ (manager)", "/review/", sessions[MANAGER], "text/html"),
        Target("queue_artisan", "queue /review/ (artisan)", "/review/", sessions[ARTISANS[0]], "text/html"),
        Target(
            "api_manager",
            "API /api/reviews/?state=pending",
            "/api/reviews/?state=pending",
            sessions[MANAGER],
            "application/json",
        ),
        Target(
            "admin_manager",
            "baseline: admin changelist",
            "/admin/approvals/reviewitem/?state__exact=pending",
            sessions[MANAGER],
            "text/html",
        ),
    ]
    print("One request each, in this process (DEBUG=1; the median of 4 after the first):")
    profile = profile_in_process(targets, explain=args.explain)
    connection.close()

    env = server_env(args.database_url, secret_key, args.redis_url)
    collectstatic(env)
    server = Server(env, workers=args.workers, threads=args.threads)
    previous_term = signal.signal(signal.SIGTERM, interrupted)
    try:
        server.start()
        check_targets(server.port, targets, pending=args.pending, artisan_pending=artisan_pending)
        print(
            f"Load: {args.clients} clients, {args.seconds:g} s per target in {args.rounds} interleaved rounds, "
            f"{server.description} on 127.0.0.1:{server.port}, {os.cpu_count()} CPUs shared with the clients; "
            + (
                f"{args.changes_per_second:g} new queue generation(s) a second (as decisions make)"
                if args.changes_per_second > 0
                else "the queue unchanged throughout (every page a cache hit after the warm-up)"
            )
        )
        for target in targets:  # warm-up: every worker renders every page a few times
            load(server.port, target, clients=args.clients, seconds=2, max_requests=3)
        processes = {"server": server.pids(), "database": database_backends(args.database_url)}
        load_before = os.getloadavg()[0]
        for round_ in range(args.rounds):
            shift = round_ % len(targets)
            for target in targets[shift:] + targets[:shift]:
                load(
                    server.port,
                    target,
                    clients=args.clients,
                    seconds=args.seconds / args.rounds,
                    max_requests=MAX_REQUESTS_PER_CLIENT,
                    processes=processes,
                    changes_per_second=args.changes_per_second,
                )
    except KeyboardInterrupt:
        STOP.set()
        print("Interrupted; stopping the server.")
        raise SystemExit(130) from None
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous_term)

    report(args, f"{server.description}; {engines}", targets, profile, loadavg=(load_before, os.getloadavg()[0]))


def report(
    args: argparse.Namespace, server: str, targets: list[Target], profile: dict, *, loadavg: tuple[float, float]
) -> None:
    results = {target.name: target.stats() for target in targets}
    cpus = os.cpu_count() or 1
    print(
        f"\n{'target':<34} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        f" {'CPU ms/request: app':>20} {'db':>5} {'client':>6}"
    )
    for target in targets:
        s = results[target.name]
        print(
            f"{target.label:<34} {s['requests']:>8} {s['errors']:>6} {s['rps']:>7.1f} {s['p50_ms']:>8.1f} "
            f"{s['p95_ms']:>8.1f} {s['p99_ms']:>8.1f} {s['server_cpu_ms']:>20.1f} {s['database_cpu_ms']:>5.1f} "
            f"{s['client_cpu_ms']:>6.1f}"
        )
    print(
        f"Load average (1 min) {loadavg[0]:.1f} before the measured load and {loadavg[1]:.1f} after: other "
        f"processes share these {cpus} CPUs, so compare targets by their ratios and CPU per request."
    )

    # Little's law for a closed loop: mean latency = clients / throughput, and
    # throughput can't pass CPUs / CPU per request.
    budget = P95_GOAL_MS * cpus / args.clients
    print(
        f"\nWhat the CPUs allow: {args.clients} clients x CPU per request / {cpus} CPUs is the least mean latency, "
        f"so p95 < {P95_GOAL_MS:g} ms needs less than {budget:.0f} ms of CPU per request (app + db + client):"
    )
    for target in targets:
        s = results[target.name]
        per_request = s["server_cpu_ms"] + s["database_cpu_ms"] + s["client_cpu_ms"]
        if per_request:
            print(
                f"  {target.label:<34} {per_request:6.1f} ms CPU: at most {cpus * 1000 / per_request:5.1f} req/s, "
                f"mean latency at least {args.clients * per_request / cpus:5.0f} ms"
            )

    base = results["admin_manager"]
    ratios, goals = {}, {}
    print("\nAgainst the admin changelist (p95: lower is better; req/s: higher is better):")
    for name in ("queue_manager", "queue_artisan", "api_manager"):
        s = results[name]
        p95_ratio = s["p95_ms"] / base["p95_ms"] if base["p95_ms"] else None
        rps_ratio = s["rps"] / base["rps"] if base["rps"] else None
        ratios[name] = {"p95": p95_ratio and round(p95_ratio, 2), "rps": rps_ratio and round(rps_ratio, 2)}
        goals[name] = {
            "p95_under_150ms": s["p95_ms"] < P95_GOAL_MS and s["errors"] == 0,
            "as_fast_as_admin": p95_ratio is not None and rps_ratio is not None and p95_ratio <= 1 <= rps_ratio,
        }
        print(
            f"  {name:<14} p95 {p95_ratio or 0:5.2f}x admin, req/s {rps_ratio or 0:5.2f}x admin; "
            f"p95 < {P95_GOAL_MS:g} ms: {'met' if goals[name]['p95_under_150ms'] else 'NOT met'}; "
            f"at least as fast as admin: {'met' if goals[name]['as_fast_as_admin'] else 'NOT met'}"
        )
    print(
        json.dumps(
            {
                "bench": "review_queue",
                "products": args.products,
                "pending": args.pending,
                "clients": args.clients,
                "seconds": args.seconds,
                "changes_per_second": args.changes_per_second,
                "server": server,
                "cpus": cpus,
                "loadavg": [round(v, 2) for v in loadavg],
                "results": results,
                "in_process": profile,
                "ratios_vs_admin": ratios,
                "goals": goals,
                "all_goals_met": all(all(g.values()) for g in goals.values()),
            },
            separators=(",", ":"),
        )
    )


if __name__ == "__main__":
    main()
