"""Shared fixtures: three roles (manager, artisan, another artisan, outsider) and their products."""

import pytest
from django.test import Client

from tests.factories import ProductFactory, UserFactory, VariantFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager(db):
    return UserFactory(username="mara", first_name="Mara", role="manager")


@pytest.fixture
def artisan(db):
    return UserFactory(username="ines", first_name="Inès", role="artisan")


@pytest.fixture
def other_artisan(db):
    return UserFactory(username="tomas", first_name="Tomás", role="artisan")


@pytest.fixture
def outsider(db):
    return UserFactory(username="olly", first_name="Olly")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


@pytest.fixture
def artisan_client(artisan):
    return _client_for(artisan)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@pytest.fixture
def own_product(artisan):
    product = ProductFactory(maker=artisan, title="Ines's celadon mug")
    VariantFactory(product=product, sku="INES-MUG-CEL")
    return product


@pytest.fixture
def others_product(other_artisan):
    product = ProductFactory(maker=other_artisan, title="Tomas's linen runner")
    VariantFactory(product=product, sku="TOMAS-RUN-NAT")
    return product
