"""The embedded SQLite database, with a retry for "database is locked".

SQLite lets one writer at a time. Every transaction here begins IMMEDIATE (it
takes the write lock at BEGIN, so it can't fail half-way for a lock), and a
writer that finds the lock taken waits up to ATELIER_SQLITE_BUSY_TIMEOUT
seconds. When that runs out (a long import step, a refit chunk, the queue's own
writes), the statement is tried again up to ATELIER_SQLITE_LOCK_RETRIES times,
with a growing pause between tries. Only statements outside a transaction are
retried - a BEGIN, or a write in autocommit mode - so nothing that already ran is
ever repeated: inside a transaction that began IMMEDIATE the lock is already held.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)
Database = base.Database


def _locked(exc: Exception) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text


def pause(attempt: int) -> None:
    """The wait before try `attempt` + 1 (0.1 s, 0.2 s, 0.4 s, … up to 2 s); tests hook it."""
    time.sleep(min(2.0, 0.1 * 2**attempt))


class RetryingCursor(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        return self._retrying(super().execute, query, params)

    def executemany(self, query, param_list):
        if not isinstance(param_list, (list, tuple)):
            param_list = list(param_list)  # a generator can't be replayed
        return self._retrying(super().executemany, query, param_list)

    def _retrying(self, run, *args):
        retries = getattr(settings, "ATELIER_SQLITE_LOCK_RETRIES", 3)
        attempt = 0
        while True:
            in_transaction = self.connection.in_transaction
            try:
                return run(*args)
            except Database.OperationalError as exc:
                if in_transaction or attempt >= retries or not _locked(exc):
                    raise
                logger.warning("SQLite is locked by another writer; trying again (%s of %s).", attempt + 1, retries)
                pause(attempt)
                attempt += 1


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=RetryingCursor)
