"""The Etsy details form on the product page refuses numbers its columns can't hold, with a message (issue 14)."""

import pytest
from django.urls import reverse

from channels.etsy.models import EtsyFacts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "field, value",
    [
        ("taxonomy_id", "2147483648"),  # one past a PostgreSQL integer
        ("taxonomy_id", "9" * 30),
        ("shipping_profile_id", "9223372036854775808"),  # one past a bigint
        ("shipping_profile_id", "9" * 30),
    ],
)
def test_an_id_too_large_to_store_is_refused_not_a_500(connected, mug, artisan_client, field, value):
    EtsyFacts.objects.filter(product=mug).delete()
    response = artisan_client.post(reverse("product-etsy-facts", args=[mug.pk]), {field: value}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Etsy details not saved" in page and "less than or equal to" in page
    assert not EtsyFacts.objects.filter(product=mug).exists()


def test_the_largest_ids_etsy_could_send_are_kept(connected, mug, artisan_client):
    artisan_client.post(
        reverse("product-etsy-facts", args=[mug.pk]),
        {"taxonomy_id": "2147483647", "shipping_profile_id": "9223372036854775807"},
    )
    facts = EtsyFacts.objects.get(product=mug)
    assert (facts.taxonomy_id, facts.shipping_profile_id) == (2147483647, 9223372036854775807)
