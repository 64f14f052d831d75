from rest_framework import serializers

from approvals.models import ReviewEvent, ReviewItem
from studio.api import fields
from studio.api.fields import StrictModelSerializer
from studio.api.serializers import IdField
from studio.validators import refuse_nul


class ReviewEventSerializer(StrictModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = ReviewEvent
        fields = ["action", "actor", "at", "version", "snapshot_hash", "result_hash", "note", "changes"]
        read_only_fields = fields


class ReviewItemSerializer(StrictModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    events = ReviewEventSerializer(source="events_prefetched", many=True, read_only=True)

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
