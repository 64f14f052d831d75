from rest_framework import serializers

from studio.models import Job, StudioProfile


class StudioProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = StudioProfile
        fields = ["name", "tagline", "brand_voice", "currency", "marketplace_profiles", "weekly_making_hours"]


class JobSerializer(serializers.ModelSerializer):
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
