"""What the review queue's pages render, cached under the queue's generation.

The queue is read far more often than it changes: every page's navigation shows the pending
count, artisans reload the queue between firings, a shop manager pages through it. Each change
to what the queue shows (a review item submitted, decided or superseded, an audit entry, a
maker's name or role) replaces one number, the generation, in the same transaction as the change
(`queue_changed`, connected to the models' saves and deletes in apps.py). Pages cache what they
render (the count, the rows, the API's JSON) under a key that holds the generation, so a change
is seen by the very next request of every process: the generation is read from the database
(one primary-key read per request), never from a cache that another process could not be told
about. Rows that say "3 minutes ago" are also keyed by the minute.

Cached per scope: a shop manager's keys are every manager's (they see the same items), an
artisan's are their own.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

from studio.permissions import is_artisan, is_manager

T = TypeVar("T")

CACHE_SECONDS = 300  # entries of a dead generation just age out
_REQUEST_ATTR = "_approvals_queue_generation"
_PENDING_ATTR = "_approvals_pending_count"
_changes_here = 0  # changes this process made: a request that makes one reads the generation again


def queue_generation(request=None) -> int | None:
    """The queue's generation (read once per request), or None when there is none to key on."""
    if request is not None:
        memo = getattr(request, _REQUEST_ATTR, None)
        if memo is not None and memo[0] == _changes_here:  # no change made by this process since it was read
            return memo[1]
    from approvals.models import QueueGeneration

    # Raw SQL: read on every request of every page, and the ORM compiles a query in ~0.5 ms under load
    # (bench/README, review_queue.py); this statement is written once.
    table = connection.ops.quote_name(QueueGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table} WHERE id = 1")  # noqa: S608 - the model's own table name
        row = cursor.fetchone()
    value = row[0] if row else None  # no row (a flushed test database): nothing is cached
    if request is not None:
        setattr(request, _REQUEST_ATTR, (_changes_here, value))
    return value


def queue_changed(**kwargs) -> None:
    """A new generation: every cached page of the queue is stale from now on (signal receiver)."""
    from approvals.models import QueueGeneration

    # A new random number, not the next one: a transaction that rolls back after its change
    # must not leave its number to be reached again later by a different state of the queue.
    global _changes_here
    _changes_here += 1
    token = secrets.randbits(62)
    if not QueueGeneration.objects.filter(pk=1).update(value=token):
        QueueGeneration.objects.update_or_create(pk=1, defaults={"value": token})


def user_changed(sender, instance=None, update_fields=None, **kwargs) -> None:
    """A user's save: their name shows on queue rows and in the makers filter. Signing in
    (which saves only last_login) changes neither."""
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return
    queue_changed()


def scope_of(user) -> str:
    """Who sees the same queue: every shop manager alike, each artisan their own."""
    if is_manager(user):
        return "managers"
    if is_artisan(user):
        return f"artisan-{user.pk}"
    return "none"


def cached(request, name: str, parts: tuple, compute: Callable[[], T], *, per_minute: bool = False) -> T:
    """compute(), cached under the request's generation and scope (computed afresh when the
    queue has no generation row)."""
    generation = queue_generation(request)
    if generation is None:
        return compute()
    key_parts = [
        name,
        str(generation),
        scope_of(request.user),
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        *map(str, parts),
    ]
    if per_minute:
        key_parts.append(str(int(time.time() // 60)))
    raw = "\x1f".join(key_parts)
    key = f"approvals:{name}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def pending_count(request) -> int:
    """The user's pending drafts: the navigation on every page, and the unfiltered queue's total
    (looked up once per request)."""
    from approvals.selectors import pending_count_for

    memo = getattr(request, _PENDING_ATTR, None)
    if memo is None or memo[0] != _changes_here:  # a change this request made counts again
        memo = (_changes_here, cached(request, "pending-count", (), lambda: pending_count_for(request.user)))
        setattr(request, _PENDING_ATTR, memo)
    return memo[1]
