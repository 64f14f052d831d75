from rest_framework import serializers

from studio.api import fields
from studio.api.fields import StrictModelSerializer
from studio.models import Job, StudioProfile

# The largest row id (a 64-bit BigAutoField): a bigger number is refused with 400, not sent to the database.
MAX_ID = 2**63 - 1


def IdField(**kwargs) -> fields.IntegerField:  # noqa: N802  (reads like the field classes beside it)
    """A row id in a request body: a whole number from 1 to MAX_ID."""
    return fields.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class StudioProfileSerializer(StrictModelSerializer):
    class Meta:
        model = StudioProfile
        fields = ["name", "tagline", "brand_voice", "currency", "marketplace_profiles", "weekly_making_hours"]


class JobSerializer(StrictModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    finished = serializers.BooleanField(source="is_finished", read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "label",
            "status",
            "total",
            "done",
            "failed",
            "percent",
            "finished",
            "message",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
