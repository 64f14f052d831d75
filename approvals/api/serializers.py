from django.conf import settings
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from approvals.models import ReviewEvent, ReviewItem
from approvals.selectors import TrailEntry, review_trails_for
from studio.api import fields
from studio.api.fields import StrictModelSerializer
from studio.api.serializers import IdField
from studio.validators import refuse_nul

# The API list returns 50 items with their audit trails: walking DRF's field machinery for each of
# their ~30 values (get_attribute, the None checks, to_representation) was ~15% of a list request's
# app CPU (bench/README.md). The serializers below keep their declared fields (the schema, the
# documentation); the item builds the same dict directly, and tests compare it with DRF's own walk.
_datetime = serializers.DateTimeField(read_only=True)  # DRF's format: ISO 8601 in the current time zone, "Z" for UTC


def _when(value) -> str | None:
    """What _datetime.to_representation gives, without its per-value settings and field lookups
    (a 50-item page has ~160 dates); anything but an aware date in ISO 8601 goes through DRF."""
    if value is None:
        return None
    if not (settings.USE_TZ and timezone.is_aware(value) and api_settings.DATETIME_FORMAT == ISO_8601):
        return _datetime.to_representation(value)
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ReviewEventSerializer(StrictModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = ReviewEvent
        fields = ["action", "actor", "at", "version", "snapshot_hash", "result_hash", "note", "changes"]
        read_only_fields = fields


def _event_dict(event: TrailEntry) -> dict:
    return {
        "action": event.action,
        "actor": event.actor,
        "at": _when(event.at),
        "version": event.version,
        "snapshot_hash": event.snapshot_hash,
        "result_hash": event.result_hash,
        "note": event.note,
        "changes": event.changes,
    }


class ReviewItemListSerializer(serializers.ListSerializer):
    """A page of items and their audit trails: the trails in one query for the whole page."""

    def to_representation(self, data) -> list[dict]:
        items = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        trails = review_trails_for(item_ids=[item.pk for item in items])
        return [self.child.item_dict(item, trails[item.pk]) for item in items]


class ReviewItemSerializer(StrictModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    events = ReviewEventSerializer(many=True, read_only=True)

    class Meta:
        model = ReviewItem
        fields = [
            "id",
            "kind",
            "version",
            "state",
            "owner",
            "subject",
            "subject_key",
            "snapshot",
            "snapshot_hash",
            "approved_snapshot",
            "approved_hash",
            "submitted_at",
            "decided_at",
            "note",
            "events",
        ]
        read_only_fields = fields
        list_serializer_class = ReviewItemListSerializer

    def to_representation(self, item: ReviewItem) -> dict:
        return self.item_dict(item, review_trails_for(item_ids=[item.pk])[item.pk])

    def item_dict(self, item: ReviewItem, trail: list[TrailEntry]) -> dict:
        return {
            "id": item.id,
            "kind": item.kind,
            "version": item.version,
            "state": item.state,
            "owner": item.owner.username if item.owner_id is not None else None,
            "subject": item.subject,
            "subject_key": item.subject_key,
            "snapshot": item.snapshot,
            "snapshot_hash": item.snapshot_hash,
            "approved_snapshot": item.approved_snapshot,
            "approved_hash": item.approved_hash,
            "submitted_at": _when(item.submitted_at),
            "decided_at": _when(item.decided_at),
            "note": item.note,
            # Not through self.fields: building them walks the model's fields on every request.
            "events": [_event_dict(event) for event in trail],
        }


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    seen_hash = fields.RegexField(r"^[0-9a-f]{64}$", help_text="snapshot_hash of the version you reviewed.")
    note = fields.CharField(required=False, allow_blank=True, default="", max_length=2000)
    edits = serializers.DictField(
        required=False, default=dict, validators=[refuse_nul], help_text="Field → new value, for edit-then-approve."
    )
    retry = fields.BooleanField(
        required=False, default=False, help_text="With reject: write a new version following the note."
    )
    options = serializers.DictField(
        child=fields.BooleanField(),
        required=False,
        default=dict,
        help_text='With approve: the kind\'s approve options, e.g. {"add_to_gallery": false}; one not given is on.',
    )


class BulkItemSerializer(serializers.Serializer):
    id = IdField()
    seen_hash = fields.RegexField(r"^[0-9a-f]{64}$")


class BulkDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    note = fields.CharField(required=False, allow_blank=True, default="", max_length=2000)
    items = BulkItemSerializer(many=True, allow_empty=False, max_length=200)


class BulkResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item_id")
    ok = serializers.BooleanField()
    message = serializers.CharField()
