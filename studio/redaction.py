"""Secrets out of every error a person, the database or a log can see.

An upstream (Shopify, Anthropic, a database driver) may repeat the token or key it
was sent in its error text; job errors are shown to artisans and stored, and log
lines are shipped elsewhere. The configured secrets are whatever settings or
environment variables are named like one (…_KEY, …_TOKEN, …_SECRET, …_PASSWORD),
the database password, and the secret options of the AI backends. Personal API tokens
(`atl_…`, studio.api) are recognised by their shape, since they are not in settings.
"""

from __future__ import annotations

import logging
import os
import re
from urllib.parse import unquote, urlsplit

from django.conf import settings

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 8  # shorter values are too likely to be ordinary words to replace everywhere
_SECRET_NAME = re.compile(r"(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD)(?:S|_FALLBACKS)?$")
_API_TOKEN = re.compile(r"\batl_[A-Za-z0-9_-]{20,}")  # longer than the short prefix shown in token lists


def configured_secrets() -> list[str]:
    """The secret values in settings and the environment, longest first (so no longer one is half-replaced)."""
    found: set[str] = set()

    def add(value: object) -> None:
        if isinstance(value, str):
            if len(value.strip()) >= MIN_SECRET_LENGTH:
                found.add(value.strip())
        elif isinstance(value, list | tuple):
            for item in value:
                add(item)

    for name in dir(settings):
        if name.isupper() and _SECRET_NAME.search(name):
            add(getattr(settings, name, None))
    for name, value in os.environ.items():
        if _SECRET_NAME.search(name.upper()):
            add(value)
    for database in getattr(settings, "DATABASES", {}).values():
        add(database.get("PASSWORD"))
    if os.environ.get("DATABASE_URL"):
        add(unquote(urlsplit(os.environ["DATABASE_URL"]).password or ""))
    return sorted(found, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every configured secret replaced by [redacted]."""
    if not text:
        return text
    for secret in configured_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _API_TOKEN.sub("atl_" + REDACTED, text)


def _has_secret(text: str, secrets: list[str]) -> bool:
    return any(secret in text for secret in secrets) or _API_TOKEN.search(text) is not None


class RedactingRecordFactory:
    """A log record factory whose records carry their message and traceback already redacted,
    whichever handler or formatter later writes them (the console, django-q's, a shipper's)."""

    def __init__(self, factory) -> None:
        self.factory = factory

    def __call__(self, *args, **kwargs) -> logging.LogRecord:
        record = self.factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it to the handler to report as usual
            return record
        secrets = configured_secrets()
        if _has_secret(message, secrets):  # untouched otherwise: filters may read record.args
            record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[0] is not None:
            trace = logging.Formatter().formatException(record.exc_info)
            if _has_secret(trace, secrets):
                record.exc_text = redact(trace)
        return record


def install_log_redaction() -> None:
    """Redact every log record from now on; installing twice changes nothing."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, RedactingRecordFactory):
        logging.setLogRecordFactory(RedactingRecordFactory(factory))
