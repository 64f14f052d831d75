"""Shared set-up of the Etsy tests: the fake Etsy, settings pointing at it, a connected shop, a publishable mug."""

from __future__ import annotations

import pytest

from catalog.models import Category
from channels.etsy import publishing
from channels.etsy.client import TokenGrant
from channels.etsy.models import EtsyFacts
from channels.etsy.tokens import grant_store
from tests.catalog.publishable import make_publishable
from tests.channels.fakes.etsy import FakeEtsy
from tests.factories import ProductFactory, VariantFactory

APPROVED_TITLE = "Celadon mug, wheel-thrown stoneware"


@pytest.fixture
def etsy():
    publishing._worker_cache.readiness = None  # each test's fake shop is read afresh
    with FakeEtsy() as fake:
        yield fake


@pytest.fixture
def etsy_settings(settings, etsy, monkeypatch):
    settings.ETSY_API_KEY = etsy.keystring
    settings.ETSY_SHARED_SECRET = etsy.shared_secret
    settings.ETSY_BASE_URL = etsy.base_url
    settings.ETSY_CONNECT_URL = etsy.connect_url
    settings.ETSY_TIMEOUT = 5
    settings.ETSY_PER_SECOND = 50
    settings.ETSY_LISTING_STATE = "draft"
    monkeypatch.setattr("channels.etsy.client.EtsyClient._backoff", lambda self, attempt: 0.0)
    return etsy


def connect(etsy: FakeEtsy):
    grant = etsy.grant()
    return grant_store(
        grant=TokenGrant(grant["access_token"], grant["refresh_token"], grant["expires_in"]),
        shop_id=str(etsy.shop_id),
        shop_name=etsy.shop_name,
        scopes="listings_r listings_w shops_r transactions_r",
    )


@pytest.fixture
def connected(etsy_settings, db):
    connect(etsy_settings)
    return etsy_settings


@pytest.fixture
def mugs_category(db):
    category, _ = Category.objects.get_or_create(slug="mugs", defaults={"name": "Mugs"})
    EtsyFacts.objects.create(
        category=category, who_made="i_did", when_made="made_to_order", is_supply=False, taxonomy_id=1062
    )
    return category


@pytest.fixture
def mug(artisan, mugs_category):
    product = ProductFactory(
        maker=artisan,
        title="Celadon mug",
        handle="celadon-mug",
        category=mugs_category,
        materials=["stoneware", "celadon glaze"],
        made_to_order=True,
        lead_time_days=5,
    )
    VariantFactory(
        product=product,
        sku="MUG-CEL-S",
        title="Small",
        options={"size": "small"},
        stock_on_hand=4,
        position=0,
        price=24,
    )
    VariantFactory(
        product=product,
        sku="MUG-CEL-L",
        title="Large",
        options={"size": "large"},
        stock_on_hand=1,
        position=1,
        price=28,
    )
    make_publishable(product, user=artisan, title=APPROVED_TITLE)
    EtsyFacts.objects.create(product=product, shipping_profile_id=7001)
    return product
