"""The review serializers build their dicts directly; the API answers exactly what DRF's field walk gives."""

import datetime as dt

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from approvals.api.serializers import ReviewEventSerializer, ReviewItemSerializer
from approvals.api.views import ReviewItemViewSet
from approvals.models import ReviewItem
from approvals.services import review_decide, review_submit
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _drf_walk(item: ReviewItem) -> dict:
    """What DRF's ModelSerializer makes of the item, field by field, with the declared fields."""
    data = serializers.ModelSerializer.to_representation(ReviewItemSerializer(), item)
    data["events"] = [
        serializers.ModelSerializer.to_representation(ReviewEventSerializer(), event)
        for event in item.events.select_related("actor")  # the model's order: oldest first
    ]
    return data


@pytest.fixture
def reviewed(product_kind, artisan, manager):
    """Pending, approved with edits, rejected with a note, superseded; one submitted by nobody, one in summer time."""
    first = ProductFactory(maker=artisan, title="Oak bowl", story="Turned by hand")
    item = review_submit(draft=first, submitted_by=artisan)
    review_decide(
        item_id=item.pk, user=manager, approve=True, seen_hash=item.snapshot_hash, edits={"title": "Oak bowl — “large”"}
    )
    second = ProductFactory(maker=artisan, title="Ash spoon", story="Carved <b>green</b>")
    item = review_submit(draft=second, submitted_by=None)
    review_decide(item_id=item.pk, user=artisan, approve=False, seen_hash=item.snapshot_hash, note="Too short ✂")
    third = ProductFactory(maker=artisan, title="Mug", story="v1")
    review_submit(draft=third, submitted_by=artisan)
    third.story = "v2"
    third.save()
    summer = review_submit(draft=third, submitted_by=artisan)
    ReviewItem.objects.filter(pk=summer.pk).update(
        submitted_at=dt.datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
    )
    return ReviewItem.objects.count()


def test_every_item_is_what_drfs_field_walk_makes_of_it(reviewed):
    items = list(ReviewItemViewSet.queryset.all())
    assert len(items) == reviewed == 4
    assert sum(item.events.count() for item in items) >= 7
    for item in items:
        assert ReviewItemSerializer(item).data == _drf_walk(item)


def test_a_list_reads_every_trail_in_one_query(reviewed, django_assert_num_queries):
    items = list(ReviewItemViewSet.queryset.all())
    with django_assert_num_queries(1):
        data = ReviewItemSerializer(items, many=True).data
    assert data == [_drf_walk(item) for item in items]
    assert ReviewItemSerializer([], many=True).data == []


def test_one_item_of_the_api_has_its_trail(reviewed, manager_client):
    item = ReviewItemViewSet.queryset.filter(state="approved").first()
    response = manager_client.get(f"/api/reviews/{item.pk}/")
    assert response.status_code == 200
    assert response.json() == _drf_walk(item)
    assert [event["action"] for event in response.json()["events"]] == ["submitted", "edited"]


def test_the_api_list_is_byte_for_byte_what_drf_would_render(reviewed, manager_client):
    response = manager_client.get("/api/reviews/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == reviewed
    by_id = {item.pk: item for item in ReviewItemViewSet.queryset.all()}
    expected = {**body, "results": [_drf_walk(by_id[result["id"]]) for result in body["results"]]}
    assert response.content == JSONRenderer().render(expected)
    summer = [result for result in body["results"] if result["submitted_at"].startswith("2026-07-01")]
    assert summer[0]["submitted_at"] == "2026-07-01T10:30:15.123456+01:00"  # the studio's time zone, as DRF gives
