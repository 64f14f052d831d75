from rest_framework import serializers

from automation.models import Endpoint
from automation.payloads import EVENT_TYPES
from studio.api import fields
from studio.api.fields import StrictModelSerializer


class EndpointSerializer(StrictModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EVENT_TYPES)), allow_empty=False, help_text="Event types wanted."
    )
    header_value = fields.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Never returned; empty on an update keeps the stored value.",
    )
    header_value_hint = serializers.CharField(source="masked_header_value", read_only=True)
    secret_hint = serializers.CharField(source="masked_secret", read_only=True)

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "header_name",
            "header_value",
            "header_value_hint",
            "allow_lan",
            "enabled",
            "disabled_reason",
            "disabled_at",
            "source",
            "failing_since",
            "secret_hint",
            "created_at",
        ]
        read_only_fields = ["id", "enabled", "disabled_reason", "disabled_at", "source", "failing_since", "created_at"]


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret: shown this once, keep it.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret, shown this once.")
    previous_valid_until = serializers.DateTimeField(
        help_text="Until then both secrets sign every delivery (two signatures in webhook-signature)."
    )


class HookSubscribeSerializer(serializers.Serializer):
    target_url = fields.URLField(max_length=2000, help_text="Where to POST the events (https).")
    event = serializers.ChoiceField(choices=list(EVENT_TYPES), help_text="The event type to receive.")


class HookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    target_url = serializers.URLField(source="url")
    event = serializers.SerializerMethodField()
    secret = serializers.CharField(help_text="Signing secret (Standard Webhooks), shown on creation only.")

    def get_event(self, endpoint) -> str:
        return endpoint.event_types[0] if endpoint.event_types else ""


class SamplePayloadSerializer(serializers.Serializer):
    type = serializers.CharField()
    timestamp = serializers.DateTimeField()
    version = serializers.IntegerField()
    data = serializers.DictField()
