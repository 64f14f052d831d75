from rest_framework import serializers

from approvals.models import ReviewEvent, ReviewItem


class ReviewEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = ReviewEvent
        fields = ["action", "actor", "at", "version", "snapshot_hash", "result_hash", "note", "changes"]
        read_only_fields = fields


class ReviewItemSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    events = ReviewEventSerializer(many=True, read_only=True)

    class Meta:
        model = ReviewItem
        fields = ["id", "kind", "version", "state", "owner", "subject", "subject_key", "snapshot", "snapshot_hash",
                  "approved_snapshot", "approved_hash", "submitted_at", "decided_at", "note", "events"]
        read_only_fields = fields
