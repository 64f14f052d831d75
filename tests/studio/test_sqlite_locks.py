"""The embedded SQLite database: a write made while another connection holds the write lock
longer than the busy timeout is retried, not answered with "database is locked" (issue 14).

Real on-disk SQLite files and two threads: one holds a write transaction open; the other
writes through Django (an atomic block, as every service does, and an autocommit save).
The holder lets go when the writer starts waiting again after its first refusal (the
retry's pause is hooked), so the test never depends on timing.
"""

import sqlite3
import threading

import pytest
from django.db import OperationalError, connections, transaction

from studio.sqlite import base as sqlite_base

ALIAS = "locktest"


@pytest.fixture
def on_disk(tmp_path, django_db_blocker, settings):
    """A second database alias on an on-disk SQLite file with a short busy timeout, and a table."""
    path = tmp_path / "locks.sqlite3"
    settings.ATELIER_SQLITE_LOCK_RETRIES = 3
    config = connections.configure_settings(
        {
            "default": {"ENGINE": "django.db.backends.dummy"},
            ALIAS: {
                "ENGINE": "studio.sqlite",
                "NAME": str(path),
                "OPTIONS": {
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=50;",
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 0.05,
                },
            },
        }
    )[ALIAS]
    connections.settings[ALIAS] = config
    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE decision (id INTEGER PRIMARY KEY, verdict TEXT)")
        yield path
        connections[ALIAS].close()
    del connections.settings[ALIAS]
    if hasattr(connections._connections, ALIAS):
        delattr(connections._connections, ALIAS)


class Holder(threading.Thread):
    """Another process's long write (an import step): BEGIN IMMEDIATE, a write, then wait to be released."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.holding = threading.Event()
        self.release = threading.Event()

    def run(self):
        db = sqlite3.connect(self.path, timeout=0.05, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO decision (verdict) VALUES ('import chunk')")
        self.holding.set()
        self.release.wait(timeout=30)
        db.execute("COMMIT")
        db.close()


def released_on_first_retry(monkeypatch, holder: Holder) -> list[int]:
    pauses: list[int] = []

    def pause(attempt):
        pauses.append(attempt)
        holder.release.set()
        holder.join(timeout=30)

    monkeypatch.setattr(sqlite_base, "pause", pause)
    return pauses


def decide(verdict: str) -> None:
    with transaction.atomic(using=ALIAS):
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("INSERT INTO decision (verdict) VALUES (%s)", [verdict])


def verdicts(path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT verdict FROM decision ORDER BY id")]
    finally:
        db.close()


def test_a_decision_made_while_another_writer_holds_the_lock_succeeds(on_disk, monkeypatch):
    holder = Holder(on_disk)
    holder.start()
    assert holder.holding.wait(timeout=30)
    pauses = released_on_first_retry(monkeypatch, holder)
    decide("approved")
    assert pauses == [0]  # refused once by the busy timeout, then retried
    assert verdicts(on_disk) == ["import chunk", "approved"]


def test_an_autocommit_write_is_retried_too(on_disk, monkeypatch):
    holder = Holder(on_disk)
    holder.start()
    assert holder.holding.wait(timeout=30)
    pauses = released_on_first_retry(monkeypatch, holder)
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("INSERT INTO decision (verdict) VALUES (%s)", ["rejected"])
    assert pauses == [0]
    assert verdicts(on_disk) == ["import chunk", "rejected"]


def test_without_retries_the_same_decision_fails_as_it_did(on_disk, monkeypatch, settings):
    """The failure the retry fixes: a short busy timeout alone answers "database is locked"."""
    settings.ATELIER_SQLITE_LOCK_RETRIES = 0
    holder = Holder(on_disk)
    holder.start()
    assert holder.holding.wait(timeout=30)
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            decide("approved")
    finally:
        holder.release.set()
        holder.join(timeout=30)
    assert verdicts(on_disk) == ["import chunk"]


def test_a_lock_that_outlasts_every_retry_is_still_an_error(on_disk, monkeypatch):
    holder = Holder(on_disk)
    holder.start()
    assert holder.holding.wait(timeout=30)
    pauses: list[int] = []
    monkeypatch.setattr(sqlite_base, "pause", pauses.append)
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            decide("approved")
    finally:
        holder.release.set()
        holder.join(timeout=30)
    assert pauses == [0, 1, 2]


def test_the_embedded_default_uses_the_retrying_backend():
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "sqlite" not in database["ENGINE"]:
        pytest.skip("PostgreSQL run")
    assert database["ENGINE"] == "studio.sqlite"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert f"busy_timeout={settings.ATELIER_SQLITE_BUSY_TIMEOUT * 1000}" in database["OPTIONS"]["init_command"]
