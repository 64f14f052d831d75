"""The Etsy client against the fake Etsy on loopback, which validates every request against Etsy's OpenAPI document.

No test sleeps for real on purpose: the client's sleep is recorded, not slept, except where
the fake's own per-second window must pass (the pacing test uses a fake clock on both sides).
"""

import json
import logging
import threading

import pytest
import requests

from channels.etsy.client import EtsyClient, field_errors
from channels.etsy.errors import EtsyAuthError, EtsyFieldErrors, EtsyUnavailable
from channels.etsy.vocab import WHEN_MADE_VALUES, WHO_MADE
from tests.channels.fakes.etsy import DOCUMENT, FakeEtsy, Fault


class Tokens:
    """A token source holding one grant, refreshing through the client when told the token is stale."""

    def __init__(self, grant: dict) -> None:
        self.access, self.refresh = grant["access_token"], grant["refresh_token"]
        self.client: EtsyClient | None = None

    def access_token(self) -> str:
        return self.access

    def refreshed(self, *, stale: str) -> str:
        grant = self.client.token_refresh(refresh_token=self.refresh)
        self.access, self.refresh = grant.access_token, grant.refresh_token
        return self.access


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def etsy():
    with FakeEtsy() as fake:
        yield fake


def make_client(etsy: FakeEtsy, *, sleep=None, **options) -> EtsyClient:
    tokens = Tokens(etsy.grant())
    client = EtsyClient(
        keystring=etsy.keystring,
        shared_secret=etsy.shared_secret,
        tokens=tokens,
        base_url=etsy.base_url,
        sleep=sleep if sleep is not None else Sleeps(),
        timeout=5,
        **options,
    )
    tokens.client = client
    return client


LISTING = {
    "quantity": 3,
    "title": "Celadon mug, wheel-thrown stoneware",
    "description": "A mug.",
    "price": 24.0,
    "who_made": "i_did",
    "when_made": "made_to_order",
    "taxonomy_id": 1062,
    "tags": ["ceramics", "mug", "celadon glaze"],
    "materials": ["stoneware", "glaze"],
    "is_supply": False,
}


def test_every_request_carries_keystring_and_secret(etsy):
    client = make_client(etsy)
    me = client.get_me()
    assert me["shop_id"] == etsy.shop_id
    assert etsy.requests[-1].headers["x-api-key"] == f"{etsy.keystring}:{etsy.shared_secret}"


def test_a_bare_keystring_is_refused_with_403(etsy):
    grant = etsy.grant()
    answer = requests.get(
        f"{etsy.base_url}/v3/application/users/me",
        headers={"x-api-key": etsy.keystring, "Authorization": f"Bearer {grant['access_token']}"},
        timeout=5,
    )
    assert answer.status_code == 403
    assert "keystring:shared_secret" in answer.json()["error"]


def test_create_draft_listing_is_form_encoded_with_tags_as_one_value(etsy):
    client = make_client(etsy)
    listing = client.create_draft_listing(etsy.shop_id, LISTING)
    stored = etsy.listings[listing["listing_id"]]
    assert stored["tags"] == ["ceramics", "mug", "celadon glaze"]
    assert stored["state"] == "draft"
    # The fake refuses JSON where the document says form: the wire really was form-encoded.
    answer = requests.post(
        f"{etsy.base_url}/v3/application/shops/{etsy.shop_id}/listings",
        json=LISTING,
        headers={
            "x-api-key": f"{etsy.keystring}:{etsy.shared_secret}",
            "Authorization": f"Bearer {etsy.grant()['access_token']}",
        },
        timeout=5,
    )
    assert answer.status_code == 415


def test_the_fake_checks_required_fields_and_enums_from_the_document(etsy):
    client = make_client(etsy)
    with pytest.raises(EtsyFieldErrors) as missing:
        client.create_draft_listing(etsy.shop_id, {k: v for k, v in LISTING.items() if k != "taxonomy_id"})
    assert missing.value.fields == {"taxonomy_id": ["required"]}
    with pytest.raises(EtsyFieldErrors) as wrong:
        client.create_draft_listing(etsy.shop_id, {**LISTING, "when_made": "2020_2025"})
    assert list(wrong.value.fields) == ["when_made"]


def test_etsy_errors_come_back_per_field(etsy):
    client = make_client(etsy)
    with pytest.raises(EtsyFieldErrors) as refused:
        client.create_draft_listing(
            etsy.shop_id,
            {**LISTING, "title": "50% off: mugs & jugs & more", "tags": ["a" * 21], "materials": ["clay!"]},
        )
    fields = refused.value.fields
    assert set(fields) == {"title", "tags", "materials"}
    assert any("&" in message for message in fields["title"])


def test_field_errors_reads_lists_and_lines():
    assert field_errors({"errors": [{"field": "title", "message": "too long"}]}) == {"title": ["too long"]}
    assert field_errors({"error": "title: too long\ntags: too many\nsomething else"}) == {
        "title": ["too long"],
        "tags": ["too many"],
        "": ["something else"],
    }


def test_429_waits_retry_after_then_succeeds(etsy):
    sleeps = Sleeps()
    client = make_client(etsy, sleep=sleeps)
    etsy.inject(Fault("status", status=429, retry_after="2", operation="getMe"))
    assert client.get_me()["user_id"] == etsy.user_id
    assert 2 in sleeps
    assert [r.status for r in etsy.calls("getMe")] == [429, 200]


def test_5xx_is_retried_with_backoff_for_reads_and_updates(etsy):
    sleeps = Sleeps()
    client = make_client(etsy, sleep=sleeps)
    etsy.inject(Fault("status", status=503, operation="getMe"), Fault("status", status=500, operation="getMe"))
    assert client.get_me()["shop_id"] == etsy.shop_id
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]


def test_a_create_whose_answer_is_lost_is_not_repeated(etsy):
    client = make_client(etsy)
    etsy.inject(Fault("apply_then_drop", operation="createDraftListing"))
    with pytest.raises(EtsyUnavailable):
        client.create_draft_listing(etsy.shop_id, LISTING)
    assert len(etsy.listings) == 1  # created once, and the client did not create it again


def test_retries_give_up_as_retryable(etsy):
    client = make_client(etsy, max_retries=2)
    etsy.inject(*[Fault("status", status=502, operation="getMe")] * 3)
    with pytest.raises(EtsyUnavailable) as gave_up:
        client.get_me()
    assert gave_up.value.retryable


def test_expired_access_token_is_refreshed_once_and_rotates(etsy):
    client = make_client(etsy)
    first_refresh = client.tokens.refresh
    etsy.expire_access_tokens()
    assert client.get_me()["user_id"] == etsy.user_id
    assert client.tokens.refresh != first_refresh
    with pytest.raises(EtsyAuthError) as reused:
        client.token_refresh(refresh_token=first_refresh)  # the old refresh token died on use
    assert reused.value.reconnect and "invalid_grant" in str(reused.value)


def test_pacing_keeps_under_the_per_second_limit():
    now = [0.0]

    def clock():
        return now[0]

    def sleep(seconds):
        now[0] += seconds

    with FakeEtsy(per_second=5, clock=clock) as etsy:
        client = make_client(etsy, sleep=sleep, clock=clock, per_second=5)
        for _ in range(12):
            client.get_me()
        assert all(r.status == 200 for r in etsy.calls("getMe"))
        assert now[0] >= 2.0  # 12 requests at 5/s need two full windows
        assert client.pacer.remaining_today == etsy.per_day - 12


def test_rate_headers_lower_the_pace(etsy):
    client = make_client(etsy, per_second=50)
    client.get_me()
    assert client.pacer.per_second == etsy.per_second


def test_no_secret_in_errors_or_logs(etsy, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(etsy, max_retries=0)
    etsy.inject(Fault("status", status=500, operation="getMe"))
    with pytest.raises(EtsyUnavailable) as failed:
        client.get_me()
    shown = str(failed.value) + repr(failed.value) + repr(client) + caplog.text
    for secret in (etsy.shared_secret, etsy.keystring, client.tokens.access):
        assert secret not in shown


def test_vocabulary_matches_the_document():
    document = json.loads(DOCUMENT.read_text())
    schema = document["paths"]["/v3/application/shops/{shop_id}/listings"]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"
    ]["schema"]["properties"]
    assert tuple(schema["when_made"]["enum"]) == WHEN_MADE_VALUES
    assert tuple(schema["who_made"]["enum"]) == tuple(value for value, _ in WHO_MADE)


def test_the_fake_document_is_etsys(tmp_path):
    """The subset the fake validates against is Etsy's own document, where that is at hand."""
    from pathlib import Path

    candidates = [
        Path(__file__).resolve().parents[4] / "shared/etsy/openapi.json",
        Path("/work/shared/etsy/openapi.json"),
    ]
    full_path = next((path for path in candidates if path.exists()), None)
    if full_path is None:
        pytest.skip("shared/etsy/openapi.json is not beside this checkout")
    full = json.loads(full_path.read_text())
    subset = json.loads(DOCUMENT.read_text())
    for path, operations in subset["paths"].items():
        for method, operation in operations.items():
            assert full["paths"][path][method] == operation


def test_threads_share_one_pace(etsy):
    client = make_client(etsy)
    errors = []

    def work():
        try:
            for _ in range(5):
                client.get_me()
        except Exception as error:  # pragma: no cover - shown by the assertion
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # Paced together, every call got through (a 429 from scheduling jitter is waited out, not failed).
    assert sum(1 for r in etsy.calls("getMe") if r.status == 200) == 15
