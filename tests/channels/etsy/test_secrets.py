"""The keystring, the shared secret and the tokens never reach a page, a log line, a stored error or a job error."""

import logging

from django.urls import reverse

from channels.models import ChannelAccount, ChannelListing
from channels.services import publish_start
from studio.models import Job
from tests.channels.fakes.etsy import _Refused


def test_secrets_echoed_by_etsy_are_not_stored_logged_or_shown(
    connected, mug, manager_client, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    account = ChannelAccount.objects.get(channel="etsy")
    echo = f"bad key {connected.keystring}:{connected.shared_secret} token {account.access_token}"

    original = connected.op_createDraftListing

    def refuse(params, data):  # an upstream that repeats what it was sent in its error
        raise _Refused(400, f"title: {echo}")

    connected.op_createDraftListing = refuse
    with django_capture_on_commit_callbacks(execute=True):
        job = publish_start(products=[mug], channel="etsy")
    connected.op_createDraftListing = original
    job.refresh_from_db()
    listing = ChannelListing.objects.get(product=mug, channel="etsy")
    page = manager_client.get(reverse("product-detail", args=[mug.pk])).content.decode()
    page += manager_client.get(reverse("etsy-connect")).content.decode()
    page += manager_client.get(reverse("job-detail", args=[job.pk])).content.decode()
    stored = listing.error + str(Job.objects.get(pk=job.pk).errors) + job.message
    assert "[redacted]" in listing.error
    for secret in (connected.shared_secret, connected.keystring, account.access_token, account.refresh_token):
        assert secret not in stored
        assert secret not in page
        assert secret not in caplog.text
