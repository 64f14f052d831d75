"""Configured secrets never reach a stored or shown job error, a draft's error or a log line."""

import logging

import pytest
from django.test import override_settings
from django.urls import reverse

from catalog.copywriting.base import Copywriter, ListingBrief, ListingCopy
from catalog.listings.services import ListingWriteError, listing_write
from catalog.models import ListingDraft
from studio.models import Job
from studio.redaction import REDACTED, configured_secrets, redact
from studio.services import job_advance, job_create, job_finish

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
WEBHOOK_SECRET = "shpss_webhook_secret_0123456789"
SECRET_KEY = "django-secret-key-for-this-test-0123456789abcdefghij"
API_KEY = "sk-ant-api03-THISISNOTAREALKEY0123456789"
DB_PASSWORD = "pg-pass-w0rd-123"


@pytest.fixture(autouse=True)
def secrets(settings, monkeypatch):
    settings.SHOPIFY_ACCESS_TOKEN = TOKEN
    settings.SHOPIFY_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.SECRET_KEY = SECRET_KEY
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("DATABASE_URL", f"postgres://atelier:{DB_PASSWORD}@db.example:5432/atelier")


def leaky(prefix: str = "upstream said") -> str:
    return f"{prefix}: token={TOKEN} secret={WEBHOOK_SECRET} key={API_KEY} django={SECRET_KEY} db={DB_PASSWORD}"


def assert_clean(text: str) -> None:
    for secret in (TOKEN, WEBHOOK_SECRET, API_KEY, SECRET_KEY, DB_PASSWORD):
        assert secret not in text
    assert REDACTED in text


def test_redact_replaces_every_configured_secret():
    assert {TOKEN, WEBHOOK_SECRET, API_KEY, SECRET_KEY, DB_PASSWORD} <= set(configured_secrets())
    assert redact(leaky()) == (
        "upstream said: token=[redacted] secret=[redacted] key=[redacted] django=[redacted] db=[redacted]"
    )
    assert redact("nothing secret here") == "nothing secret here"


def test_short_or_empty_settings_are_not_treated_as_secrets(settings):
    settings.SHOPIFY_ACCESS_TOKEN = ""
    settings.SHOPIFY_WEBHOOK_SECRET = "abc"
    assert redact("abc and more abc") == "abc and more abc"


@pytest.mark.django_db
def test_job_errors_and_messages_are_stored_and_shown_redacted(manager, manager_client):
    job = job_create(kind="publish", label="Publish", total=2, created_by=manager)
    job_advance(job_id=job.pk, failed=1, error=leaky("Shopify 401"), unit="product:1")
    job_finish(job_id=job.pk, message=leaky("Shopify is down"), failed=True)
    job = Job.objects.get(pk=job.pk)
    assert_clean(job.errors[0])
    assert_clean(job.message)
    page = manager_client.get(reverse("job-detail", args=[job.pk])).content.decode()
    for secret in (TOKEN, WEBHOOK_SECRET, API_KEY, SECRET_KEY, DB_PASSWORD):
        assert secret not in page


def test_log_lines_and_tracebacks_are_redacted(caplog):
    logger = logging.getLogger("atelier.tests.redaction")
    with caplog.at_level(logging.INFO, logger="atelier.tests.redaction"):
        logger.warning("Shopify answered %s", leaky())
        try:
            raise RuntimeError(leaky("invalid x-api-key"))
        except RuntimeError:
            logger.exception("Copy failed")
    assert_clean(caplog.text)
    assert "Copy failed" in caplog.text and "RuntimeError" in caplog.text


class LeakyCopywriter(Copywriter):
    """An upstream whose error repeats the key it was sent."""

    def write(self, *, brief: ListingBrief) -> ListingCopy:
        raise RuntimeError(leaky("401 invalid x-api-key"))


@pytest.mark.django_db
@override_settings(ATELIER_BACKENDS={"copywriter": {"BACKEND": f"{__name__}.LeakyCopywriter", "OPTIONS": {}}})
def test_a_copywriter_error_that_repeats_the_key_is_stored_redacted(own_product, caplog):
    with pytest.raises(ListingWriteError) as raised:
        listing_write(product_id=own_product.pk)
    assert_clean(str(raised.value))
    assert_clean(ListingDraft.objects.get(product=own_product).error)
    assert_clean(caplog.text)
